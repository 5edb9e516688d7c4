"""The kernel's view, read from /proc and /sys: every reader the tests
and the benchmarks use, in one place.

    from kperflab import procfs
    st = procfs.pid_stat(pid)               # /proc/PID/stat, times in ticks
    procfs.cpu_s(st, children=True)         # utime + stime (+ reaped children)
    procfs.cpus_allowed(pid, tid)           # {0, 1}: where a thread may run
    a = procfs.cpu_times(); ...; d = procfs.cpu_delta(a, procfs.cpu_times())

Each file has a pure parser (text in, dict out: parse_pid_stat,
parse_cpu_stat, parse_status, parse_counters, parse_cpulist), usable on
text read elsewhere (the VM lab's guest sends its /proc as text), and a
reader for this machine's /proc.  Readers of a process or thread return
None (or an empty value) when it is gone: a test reads processes that
may exit under it.

Units: /proc/PID/stat and /proc/stat count in clock ticks (USER_HZ,
CLK_TCK here, 100 on x86 whatever the kernel's HZ); parse_pid_stat keeps
ticks, cpu_s() and parse_cpu_stat() convert to seconds.
"""

import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _read(path):
    with open(path) as f:
        return f.read()


def _task(pid, tid, name):
    """/proc/PID/NAME, or /proc/PID/task/TID/NAME for one thread."""
    if tid:
        return "/proc/%d/task/%d/%s" % (pid, tid, name)
    return "/proc/%d/%s" % (pid, name)


# ---------------------------------------------------------------------------
# One process or thread: /proc/PID/{stat,status,comm,schedstat,fd,task}

def parse_pid_stat(text):
    """A /proc/PID/stat line: {pid, comm, state, ppid, utime, stime,
    cutime, cstime (clock ticks), threads, starttime, processor}.  The
    comm field may hold spaces and parentheses: it ends at the last ')'."""
    comm = text[text.index("(") + 1:text.rindex(")")]
    f = text[text.rindex(")") + 2:].split()
    # f[0] is field 3 (state); field N is f[N - 3].
    return {
        "pid": int(text.split(None, 1)[0]),
        "comm": comm,
        "state": f[0],
        "ppid": int(f[1]),
        "utime": int(f[11]),
        "stime": int(f[12]),
        "cutime": int(f[13]),
        "cstime": int(f[14]),
        "threads": int(f[17]),
        "starttime": int(f[19]),
        "processor": int(f[36]) if len(f) > 36 else None,
    }


def pid_stat(pid, tid=None):
    """parse_pid_stat() of /proc/PID/stat (or of one thread), or None when
    the process is gone (reaped)."""
    try:
        return parse_pid_stat(_read(_task(pid, tid, "stat")))
    except (OSError, ValueError, IndexError):
        return None


def cpu_s(st, children=False, clk_tck=CLK_TCK):
    """CPU seconds of a pid_stat(): utime + stime, plus cutime + cstime
    (its reaped children) with children=True; None for None."""
    if st is None:
        return None
    v = st["utime"] + st["stime"]
    if children:
        v += st["cutime"] + st["cstime"]
    return v / clk_tck


def start_time(pid):
    """Start time of pid in clock ticks since boot, or None when it does
    not exist: with the PID, it names one process across PID reuse."""
    st = pid_stat(pid)
    return st["starttime"] if st else None


def pid_alive(pid, started=None):
    """True when pid exists and is not a zombie (and, when started is
    given, is still the process that started then)."""
    st = pid_stat(pid)
    if st is None or st["state"] in ("Z", "X"):
        return False
    return started is None or st["starttime"] == started


def parse_status(text):
    """/proc/PID/status as {key: value text}."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition(":")
        if sep:
            out[k] = v.strip()
    return out


def status(pid, tid=None):
    """parse_status() of /proc/PID/status (or one thread's); {} when
    gone."""
    try:
        return parse_status(_read(_task(pid, tid, "status")))
    except OSError:
        return {}


def status_kib(pid, keys=("VmHWM", "VmRSS")):
    """Memory fields of /proc/PID/status in KiB; {} when gone or a zombie
    (a zombie has no memory fields)."""
    out = {}
    for k, v in status(pid).items():
        if k in keys:
            try:
                out[k] = int(v.split()[0])
            except (ValueError, IndexError):
                pass
    return out


def tracer_pid(pid):
    """The PID tracing pid (ptrace), 0 when none or when it is gone."""
    return int(status(pid).get("TracerPid", "0"))


def comm(pid, tid=None):
    """The thread or process name, or None when it is gone."""
    try:
        return _read(_task(pid, tid, "comm")).strip()
    except OSError:
        return None


def schedstat_ns(pid, tid=None):
    """CPU time of a thread in ns (/proc/PID/task/TID/schedstat, first
    field: exact, not in ticks), or None when it is gone."""
    try:
        return int(_read(_task(pid, tid, "schedstat")).split()[0])
    except (OSError, ValueError, IndexError):
        return None


def fd_count(pid):
    """Open file descriptors of pid (raises OSError when it is gone)."""
    return len(os.listdir("/proc/%d/fd" % pid))


def threads(pid):
    """Thread ids of pid, sorted; [] when it is gone."""
    try:
        return sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        return []


def children(pid):
    """Child PIDs of pid (of any of its threads), zombies included."""
    out = set()
    for tid in threads(pid):
        try:
            out.update(int(c) for c in
                       _read(_task(pid, tid, "children")).split())
        except OSError:
            pass
    return sorted(out)


def descendants(pid):
    """Children, their children, ..., in the order found."""
    out, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def snapshot(pid):
    """What must not grow over many tests: fds, threads, children."""
    return {"fds": fd_count(pid), "threads": len(threads(pid)),
            "children": len(children(pid))}


def ksoftirqd_pids():
    """PIDs of the ksoftirqd/N kernel threads: softirq work the kernel
    defers to them belongs to no process of a test."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and (comm(int(d)) or "").startswith("ksoftirqd/"):
            out.append(int(d))
    return out


def cpu_sum(pids):
    """CPU seconds of pids together (one gone counts 0)."""
    return sum(cpu_s(pid_stat(p)) or 0 for p in pids)


# ---------------------------------------------------------------------------
# CPU sets: task affinity, online CPUs, cpumasks of /sys

def parse_cpulist(text):
    """ "0-2,5" -> {0, 1, 2, 5} (the kernel's cpulist format)."""
    cpus = set()
    for part in text.strip().split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-")
            cpus.update(range(int(lo), int(hi) + 1))
        else:
            cpus.add(int(part))
    return cpus


def cpus_allowed(pid, tid=None):
    """The CPUs a thread may run on (Cpus_allowed_list of its status), as
    a set, or None when it is gone."""
    v = status(pid, tid or pid).get("Cpus_allowed_list")
    return parse_cpulist(v) if v is not None else None


def online_cpus():
    return parse_cpulist(_read("/sys/devices/system/cpu/online"))


def cpumask(ncpus=None):
    """A cpumask of the first ncpus CPUs (default: all) as the kernel
    prints one (rps_cpus, smp_affinity): hex in 32-bit groups joined by
    commas."""
    ncpus = ncpus or os.cpu_count()
    h = "%x" % ((1 << ncpus) - 1)
    groups = []
    while h:
        groups.insert(0, h[-8:])
        h = h[:-8]
    return ",".join(groups)


def mask_value(text):
    """A cpumask as the kernel prints it -> int."""
    return int(text.strip().replace(",", ""), 16)


# ---------------------------------------------------------------------------
# Machine-wide CPU time: /proc/stat

STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq",
               "steal")


def parse_cpu_stat(text, clk_tck=CLK_TCK):
    """The cpu lines of /proc/stat: {"all": {field: seconds}, 0: {...},
    ...}, fields STAT_FIELDS (guest time is already in user and nice)."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("cpu"):
            continue
        f = line.split()
        key = "all" if f[0] == "cpu" else int(f[0][3:])
        out[key] = {n: int(v) / clk_tck for n, v in zip(STAT_FIELDS, f[1:9])}
    return out


def cpu_times():
    """parse_cpu_stat() of this machine's /proc/stat."""
    return parse_cpu_stat(_read("/proc/stat"))


def cpu_delta(a, b):
    """Per CPU (and "all") of two cpu_times(): the delta of each field,
    busy = user + nice + system + irq + softirq, and total = all fields
    (so busy / total is the share of time the CPU was busy)."""
    out = {}
    for k in b:
        if k not in a:
            continue
        d = {n: b[k][n] - a[k][n] for n in STAT_FIELDS if n in b[k]}
        d["busy"] = sum(d.get(n, 0) for n in ("user", "nice", "system",
                                              "irq", "softirq"))
        d["total"] = sum(d[n] for n in STAT_FIELDS if n in d)
        out[k] = d
    return out


def softirq_cpu(delta):
    """The CPU with the most softirq time in a cpu_delta(), and its share
    of all softirq time: where the receive processing ran."""
    per = {k: v["softirq"] for k, v in delta.items() if k != "all"}
    tot = sum(per.values())
    if not per or tot <= 0:
        return None, None
    cpu = max(per, key=per.get)
    return cpu, per[cpu] / tot


# ---------------------------------------------------------------------------
# Counters: /proc/net/tls_stat, /proc/net/snmp-like "Name value" files, and
# listening sockets of /proc/PID/net/tcp*

def parse_counters(text):
    """ "Name  value" lines (/proc/net/tls_stat, nstat's output) ->
    {name: int}; other lines are skipped."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def listeners(pid, port):
    """Listening TCP sockets on port in pid's network namespace, as
    ("tcp" | "tcp6", hex local address) pairs."""
    out = []
    for fam in ("tcp", "tcp6"):
        try:
            lines = _read("/proc/%d/net/%s" % (pid, fam)).splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, state = f[1], f[3]
            a, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:
                out.append((fam, a))
    return out
