"""kperf test lab: several "hosts" on one machine, as network namespaces.

    lab = Lab(n_hosts=2, workdir=tmp_path)   # namespaces kperf-<pid>-<hex>-a, -b
    lab.up()                                  # veth, addresses, RPS, kperfd
    r = lab.stream("-t", "1", "--json")       # kperf runs inside host a
    assert r.rc == 0 and r.json["flows"]
    lab.down()                                # always; also atexit

Topology: host i is 198.18.0.(i+1)/24 and fd00:198:18::(i+1)/64 on veth0.
Two hosts share one veth pair; three or more hang off a bridge that lives in
its own namespace (kperf-<pid>-<hex>-br).  Every veth receive queue on a
host gets rps_cpus = all CPUs, so a flow's RX CPU is picked by hash as on a
NIC without flow steering.  The namespaces have no route but their own
subnets: nothing can leave them.

Each host runs `kperfd --foreground` (unless servers=False); its stderr goes
to <workdir>/kperfd-<host>.log and its PID is tracked.  down() stops every
process the lab started (SIGTERM, SIGKILL after 2 s), including their
descendants and anything else still inside the lab's namespaces, then
deletes the namespaces.

What the kernel says about a process (fd count, children, threads,
per-thread CPU affinity, listening sockets) is read with procfs.py of
this package.

Binaries come from $KPERF_BUILD (default <repo>/build).
"""

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from kperflab import procfs

REPO = Path(__file__).resolve().parents[2]


def build_dir():
    """The build tree the tests use: $KPERF_BUILD or <repo>/build."""
    d = Path(os.environ.get("KPERF_BUILD", "build"))
    if not d.is_absolute():
        d = REPO / d
    return d


KPERF = build_dir() / "src" / "client" / "kperf"
KPERFD = build_dir() / "src" / "server" / "kperfd"

PORT = 18323
IFNAME = "veth0"
NS_PREFIX = "kperf-"
# Names this lab (and scripts/demo.sh) give namespaces; group 1 is the PID
# of the process that made them, so leftovers of a dead run can be found.
NS_RE = re.compile(r"^kperf-(?:demo-)?(\d+)-[0-9a-z]+(?:-[0-9a-z]+)?$")
STOP_GRACE_S = 2.0


class LabError(RuntimeError):
    pass


# What ASan, LSan and UBSan print (a sanitizer build: KPERF_BUILD=build-asan).
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def asan_runtime(binary):
    """The ASan runtime a binary or library links (a sanitizer build:
    ldd names libasan.so), or None.  A program that loads such a library
    must have that runtime first: link it with -fsanitize=address, or
    LD_PRELOAD it."""
    try:
        out = subprocess.run(["ldd", str(binary)], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0].startswith("libasan.so") and f[1] == "=>":
            return f[2]
    return None


def sanitizer_report(text):
    """The first sanitizer report in text, or None."""
    for mark in SANITIZER_MARKS:
        i = text.find(mark)
        if i >= 0:
            return text[max(0, i - 200):i + 3000]
    return None


def addr4(i):
    return "198.18.0.%d" % (i + 1)


def addr6(i):
    return "fd00:198:18::%x" % (i + 1)


# ---------------------------------------------------------------------------

def poll(fn, timeout, interval=0.05):
    """Call fn until it returns something true or timeout seconds pass;
    return its last value."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Running commands

def run(argv, timeout=10, check=True, **kw):
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    except subprocess.TimeoutExpired as e:
        raise LabError("%s: timed out after %ss" % (" ".join(argv), timeout)) \
            from e
    if check and p.returncode != 0:
        raise LabError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                            p.stderr.strip()))
    return p


def ip(*args, **kw):
    return run(["ip", *args], **kw)


def ns_argv(ns, argv):
    return ["ip", "netns", "exec", ns, *[str(a) for a in argv]]


def netns_list():
    p = ip("netns", "list", check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


_usable = None


def lab_usable():
    """None when the lab can run here, else the reason it cannot."""
    global _usable
    if _usable is not None:
        return _usable or None
    if os.geteuid() != 0:
        _usable = "the kperf lab needs root (network namespaces)"
    elif not shutil.which("ip"):
        _usable = "the kperf lab needs iproute2's ip"
    else:
        probe = "%s%d-%s-probe" % (NS_PREFIX, os.getpid(), secrets.token_hex(3))
        p = run(["ip", "netns", "add", probe], check=False)
        if p.returncode != 0:
            _usable = "ip netns unavailable: " + p.stderr.strip()
        else:
            run(["ip", "netns", "del", probe], check=False)
            _usable = ""
    return _usable or None


def require_lab():
    """Skip the calling test module when the lab cannot run here."""
    import pytest
    reason = lab_usable()
    if reason:
        print("SKIP kperf system tests: " + reason, file=sys.stderr)
        pytest.skip(reason, allow_module_level=True)


def require_binaries():
    """Skip (or fail, with KPERF_REQUIRE_BINARIES=1 as scripts/test.sh
    sets) when kperf or kperfd have not been built."""
    import pytest
    missing = [str(b) for b in (KPERF, KPERFD) if not os.access(b, os.X_OK)]
    if missing:
        msg = "not built: " + ", ".join(missing)
        if os.environ.get("KPERF_REQUIRE_BINARIES") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


# ---------------------------------------------------------------------------
# Leftovers of runs that died without tearing down (SIGKILL, power loss).

def _kill_ns_pids(ns):
    """SIGKILL whatever still runs inside ns.  Only ever called on
    namespaces a kperf lab made, so those processes are the lab's."""
    p = ip("netns", "pids", ns, check=False)
    for pid in (int(x) for x in p.stdout.split()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap_stale():
    for ns in netns_list():
        m = NS_RE.match(ns)
        if m and not procfs.pid_alive(int(m.group(1))):
            _kill_ns_pids(ns)
            ip("netns", "del", ns, check=False)


# ---------------------------------------------------------------------------

class Proc:
    """A process the lab started (or was told about), stopped at down()."""

    def __init__(self, pid, popen=None, name="", log=None):
        self.pid = pid
        self.popen = popen
        self.name = name or str(pid)
        self.log = log
        self.started = procfs.start_time(pid)

    def alive(self):
        if self.popen is not None and self.popen.poll() is not None:
            return False
        return procfs.pid_alive(self.pid, self.started)

    def signal(self, sig):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait_gone(self, timeout):
        return poll(lambda: not self.alive(), timeout, 0.02)

    def log_text(self):
        try:
            return Path(self.log).read_text(errors="replace") if self.log else ""
        except OSError:
            return ""


class Host:
    def __init__(self, lab, idx, ns):
        self.lab = lab
        self.idx = idx
        self.ns = ns
        self.name = chr(ord("a") + idx)
        self.addr = addr4(idx)
        self.addr6 = addr6(idx)
        self.ifname = IFNAME
        self.rps_written = {}   # queue -> rps_cpus read back
        self.kperfd = None      # Proc

    def __repr__(self):
        return "Host(%s %s)" % (self.ns, self.addr)

    def exec(self, *argv, timeout=10, check=True):
        """Run argv inside this host; return the CompletedProcess."""
        return run(ns_argv(self.ns, argv), timeout=timeout, check=check)

    def sh(self, script, timeout=10, check=True):
        return self.exec("sh", "-c", script, timeout=timeout, check=check)

    # -- kperfd's view --------------------------------------------------
    def sessions(self):
        """PIDs of kperfd's session processes (its children)."""
        return procfs.children(self.kperfd.pid) if self.kperfd else []

    def workers(self):
        """{tid: (session pid, allowed CPU set)} of every thread named
        kperf-wrk* in kperfd's sessions."""
        out = {}
        for s in self.sessions():
            for tid in procfs.threads(s):
                name = procfs.comm(s, tid)
                if name and name.startswith("kperf-wrk"):
                    cpus = procfs.cpus_allowed(s, tid)
                    if cpus is not None:
                        out[tid] = (s, cpus)
        return out

    def snapshot(self):
        return procfs.snapshot(self.kperfd.pid)


class Result:
    """What one kperf run did."""

    def __init__(self, argv, rc, stdout, stderr, elapsed):
        self.argv, self.rc = argv, rc
        self.stdout, self.stderr, self.elapsed = stdout, stderr, elapsed
        self.json = None
        self.json_error = None
        if "--json" in argv and stdout.strip():
            try:
                self.json = json.loads(stdout)
            except ValueError as e:
                self.json_error = str(e)

    def __repr__(self):
        return ("kperf run: %s\n  exit %s after %.2fs\n  stdout: %s\n"
                "  stderr: %s" % (" ".join(self.argv[4:]), self.rc,
                                  self.elapsed, self.stdout[-3000:],
                                  self.stderr[-3000:]))


def _checked(result):
    rep = sanitizer_report(result.stderr)
    if rep:
        raise AssertionError("sanitizer report from kperf:\n%s\n%r"
                             % (rep, result))
    return result


_live_labs = []


def _down_all():
    for lab in list(_live_labs):
        try:
            lab.down()
        except Exception as e:  # noqa: BLE001 - atexit: report and go on
            print("kperf lab teardown: %s" % e, file=sys.stderr)


atexit.register(_down_all)


class Lab:
    def __init__(self, n_hosts=2, workdir=None, servers=True, port=PORT,
                 ipv6=True, kperfd_args=()):
        if n_hosts < 1 or n_hosts > 26:
            raise ValueError("1..26 hosts")
        self.n_hosts = n_hosts
        self.workdir = Path(workdir or "/tmp")
        self.servers = servers
        self.port = port
        self.ipv6 = ipv6 and os.path.exists("/proc/sys/net/ipv6")
        self.kperfd_args = list(kperfd_args)
        self.tag = "%s%d-%s" % (NS_PREFIX, os.getpid(), secrets.token_hex(3))
        self.hosts = []
        self.bridge_ns = None
        self.namespaces = []    # made by us, deleted at down()
        self.procs = []         # Proc, stopped at down()
        self.mask = procfs.cpumask()
        self.is_up = False

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    # -- bring-up -------------------------------------------------------
    def _add_ns(self, name):
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def up(self):
        _live_labs.append(self)
        try:
            reap_stale()
            self._up()
        except BaseException:
            self.down()
            raise
        self.is_up = True
        return self

    def _up(self):
        for i in range(self.n_hosts):
            ns = "%s-%s" % (self.tag, chr(ord("a") + i))
            self._add_ns(ns)
            self.hosts.append(Host(self, i, ns))
        if self.n_hosts == 2:
            a, b = self.hosts
            ip("-n", a.ns, "link", "add", IFNAME, "type", "veth",
               "peer", "name", IFNAME, "netns", b.ns)
        elif self.n_hosts > 2:
            self.bridge_ns = self.tag + "-br"
            self._add_ns(self.bridge_ns)
            ip("-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
            ip("-n", self.bridge_ns, "link", "set", "br0", "up")
            for h in self.hosts:
                port = "p" + h.name
                ip("-n", h.ns, "link", "add", IFNAME, "type", "veth",
                   "peer", "name", port, "netns", self.bridge_ns)
                ip("-n", self.bridge_ns, "link", "set", port,
                   "master", "br0", "up")
        if self.n_hosts >= 2:
            for h in self.hosts:
                self._config_host(h)
            for h in self.hosts:
                if not poll(lambda: "state UP" in ip(
                        "-n", h.ns, "-o", "link", "show", IFNAME).stdout, 3):
                    raise LabError("%s: %s did not come up" % (h.ns, IFNAME))
        if self.servers:
            for h in self.hosts:
                self.start_kperfd(h)

    def _config_host(self, h):
        ip("-n", h.ns, "addr", "add", "%s/24" % h.addr, "dev", IFNAME)
        if self.ipv6:
            ip("-n", h.ns, "addr", "add", "%s/64" % h.addr6, "dev", IFNAME,
               "nodad")
        ip("-n", h.ns, "link", "set", IFNAME, "up")
        # RPS on every receive queue, written inside the namespace (ip netns
        # exec mounts that namespace's /sys), then read back.
        h.sh("for q in /sys/class/net/%s/queues/rx-*; do "
             "echo %s > $q/rps_cpus || exit 1; done" % (IFNAME, self.mask))
        out = h.sh("for q in /sys/class/net/%s/queues/rx-*; do "
                   "echo ${q##*/} $(cat $q/rps_cpus); done" % IFNAME).stdout
        for line in out.splitlines():
            q, m = line.split()
            h.rps_written[q] = m
            if procfs.mask_value(m) != procfs.mask_value(self.mask):
                raise LabError("%s: %s rps_cpus reads %s, wrote %s"
                               % (h.ns, q, m, self.mask))
        if not h.rps_written:
            raise LabError("%s: %s has no rx queues" % (h.ns, IFNAME))

    # -- processes ------------------------------------------------------
    def track(self, pid, name="", popen=None, log=None):
        """Have down() stop pid (and its descendants)."""
        p = Proc(pid, popen=popen, name=name, log=log)
        self.procs.append(p)
        return p

    def start_kperfd(self, h, *args, port=None, wait=True):
        """Start kperfd --foreground in host h; wait until it listens."""
        port = port or self.port
        log = self.workdir / ("kperfd-%s-%d.log" % (h.name, port))
        argv = ns_argv(h.ns, [KPERFD, "--foreground", "--port", port,
                              *self.kperfd_args, *args])
        with open(log, "ab") as f:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=f, stderr=subprocess.STDOUT)
        # ip netns exec execs the command: the PID is kperfd's own.
        proc = self.track(popen.pid, "kperfd-%s" % h.name, popen, log)
        if port == self.port:
            h.kperfd = proc
        if wait:
            self.wait_listening(proc, port)
        return proc

    def wait_listening(self, proc, port, timeout=5):
        def ready():
            if not proc.alive():
                raise LabError("%s exited: %s" % (proc.name, proc.log_text()))
            return (procfs.comm(proc.pid) == "kperfd" and
                    procfs.listeners(proc.pid, port))
        if not poll(ready, timeout):
            raise LabError("%s does not listen on %d after %ss: %s"
                           % (proc.name, port, timeout, proc.log_text()))

    def down(self):
        """Stop everything the lab started and delete its namespaces.
        Idempotent; safe on a half-built lab."""
        procs = [p for p in self.procs if p.alive()]
        # Descendants first noted, so a session outliving its kperfd is
        # still found.
        extra = []
        for p in procs:
            for d in procfs.descendants(p.pid):
                extra.append(Proc(d, name="%s/child" % p.name))
        for p in procs:
            p.signal(signal.SIGTERM)
        end = time.monotonic() + STOP_GRACE_S
        for p in procs:
            p.wait_gone(max(0.0, end - time.monotonic()))
        for p in procs + extra:
            p.signal(signal.SIGKILL)
        for p in procs:
            if p.popen is not None:
                try:
                    p.popen.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        for ns in reversed(self.namespaces):
            _kill_ns_pids(ns)   # anything else still in there is ours
            ip("netns", "del", ns, check=False)
        left = set(self.namespaces) & set(netns_list())
        self.namespaces = []
        self.is_up = False
        if self in _live_labs:
            _live_labs.remove(self)
        if left:
            raise LabError("namespaces left after teardown: %s" % sorted(left))

    def sanitizer_reports(self):
        """Sanitizer reports in the logs of the processes the lab started
        (a session's report lands in its kperfd's log)."""
        out = []
        for p in self.procs:
            rep = sanitizer_report(p.log_text())
            if rep:
                out.append("%s (%s):\n%s" % (p.name, p.log, rep))
        return out

    def logs(self):
        return "\n".join("--- %s (%s)\n%s" % (p.name, p.log, p.log_text())
                         for p in self.procs if p.log)

    # -- the client -----------------------------------------------------
    def client_argv(self, args, host=None):
        return ns_argv((host or self.hosts[0]).ns, [KPERF, *args])

    def kperf(self, *args, timeout=60, host=None):
        """Run kperf ARGS inside host (default the first); return Result.
        A run that outlives timeout is killed and fails the test."""
        argv = self.client_argv(args, host)
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise AssertionError("kperf %s: still running after %ss\n"
                                 "stdout: %s\nstderr: %s"
                                 % (" ".join(map(str, args)), timeout,
                                    e.stdout, e.stderr)) from e
        return _checked(Result(argv, p.returncode, p.stdout, p.stderr,
                               time.monotonic() - t0))

    def stream(self, *args, **kw):
        """kperf from host a to host b."""
        return self.kperf("--src", self.hosts[0].addr,
                          "--dst", self.hosts[1].addr, *args, **kw)

    def kperf_start(self, *args, host=None):
        """Start kperf in the background; return (Proc, Popen).  The
        Popen's PID is kperf's own (ip netns exec execs it)."""
        argv = self.client_argv(args, host)
        popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        popen.t0 = time.monotonic()
        popen.argv = argv
        return self.track(popen.pid, "kperf", popen), popen

    @staticmethod
    def kperf_finish(popen, timeout=60):
        """Wait for a kperf_start()ed client; return Result."""
        try:
            out, err = popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            popen.kill()
            out, err = popen.communicate()
            raise AssertionError("kperf still running after %ss: %s %s"
                                 % (timeout, out, err))
        return _checked(Result(popen.argv, popen.returncode, out, err,
                               time.monotonic() - popen.t0))
