"""kperfd as a daemon: --pid-file, daemon mode (no --foreground), --kill;
and --addr / IPv6 listening."""

import os
import select
import subprocess
import sys

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

DAEMON_PORT = 18400
ADDR_PORT = 18401

# A stand-in for init.  A daemon is reparented to the nearest "child
# subreaper" or to PID 1, which reaps it when it exits; in some containers
# and micro-VMs PID 1 reaps nothing, and a daemon that exited would stay a
# zombie, which kill(pid, 0) still finds.  This helper is a subreaper: it
# runs the command (which daemonizes), prints the command's exit code, then
# reaps every orphan it inherits until none is left.
SUBREAPER = r"""
import ctypes, os, subprocess, sys
PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
with open(sys.argv[1], "ab") as log:
    rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log)
print(rc, flush=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


def readline(popen, timeout):
    r, _, _ = select.select([popen.stdout], [], [], timeout)
    return popen.stdout.readline().strip() if r else None


def ppid_of(pid):
    return procfs.pid_stat(pid)["ppid"]


def test_daemon_pid_file_and_kill(lab, tmp_path):
    a, b = lab.hosts
    pid_file = tmp_path / "kperfd.pid"
    log = tmp_path / "kperfd-daemon.log"
    helper = subprocess.Popen(
        [sys.executable, "-c", SUBREAPER, str(log), *lablib.ns_argv(
            a.ns, [lablib.KPERFD, "--port", DAEMON_PORT,
                   "--pid-file", pid_file])],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    lab.track(helper.pid, "subreaper", helper, log)

    # The command returns at once, with 0: the daemon runs on.
    assert readline(helper, 5) == "0", log.read_text()
    assert lablib.poll(lambda: pid_file.exists() and
                       pid_file.read_text().strip(), 3), "no pid file"
    pid = int(pid_file.read_text())
    lab.track(pid, "kperfd-daemon", log=log)
    assert procfs.pid_alive(pid)
    assert procfs.comm(pid) == "kperfd"
    # Detached: its own session, no terminal, and not our child.
    assert os.getsid(pid) != os.getsid(0)
    # Reparented to the subreaper once the intermediate child is gone,
    # which may be a moment after the daemon wrote its pid file.
    assert lablib.poll(lambda: ppid_of(pid) == helper.pid, 3), \
        (ppid_of(pid), helper.pid)
    assert lablib.poll(lambda: procfs.listeners(pid, DAEMON_PORT), 5), \
        "daemon does not listen on %d" % DAEMON_PORT
    # It serves a test.
    r = lab.kperf("--src", a.addr, "--src-svc", DAEMON_PORT,
                  "--dst", b.addr, "-t", "0.5", timeout=30)
    assert r.rc == 0, r
    # A second daemon on the same pid file refuses to start.
    second = a.exec(lablib.KPERFD, "--foreground", "--port", DAEMON_PORT + 10,
                    "--pid-file", pid_file, timeout=5, check=False)
    assert second.returncode != 0
    assert int(pid_file.read_text()) == pid

    k = a.exec(lablib.KPERFD, "--pid-file", pid_file, "--kill",
               timeout=15, check=False)
    assert k.returncode == 0, k.stderr
    assert lablib.poll(lambda: not procfs.pid_alive(pid), 3), \
        "kperfd %d still there after --kill" % pid
    assert not procfs.listeners(a.kperfd.pid, DAEMON_PORT)
    assert not pid_file.exists(), "pid file left behind"
    assert helper.wait(timeout=5) == 0
    # Nothing left to kill.
    pid_file.write_text("%d\n" % pid)
    again = a.exec(lablib.KPERFD, "--pid-file", pid_file, "--kill",
                   timeout=15, check=False)
    assert again.returncode != 0


def test_listens_on_ipv6(lab):
    """By default kperfd listens on IPv6 too: a test between the lab's
    ULA addresses, and one over ::1 inside one host."""
    a, b = lab.hosts
    if not lab.ipv6:
        pytest.skip("no IPv6 in this kernel")
    assert any(fam == "tcp6" for fam, _ in
               procfs.listeners(b.kperfd.pid, lab.port))
    for src, dst in ((a.addr6, b.addr6), ("::1", "::1")):
        r = lab.kperf("--src", src, "--dst", dst, "-t", "1", "--json",
                      timeout=30)
        assert r.rc == 0, r
        doc = r.json
        assert doc["hosts"]["src"]["address"] == src
        assert doc["hosts"]["dst"]["address"] == dst
        f = doc["flows"][0]
        assert f["src"]["tx_bytes"] > 0
        assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"]


def test_listen_addr(lab):
    """--addr ADDR: kperfd listens on that address only."""
    a, b = lab.hosts
    d = lab.start_kperfd(b, "--addr", b.addr, port=ADDR_PORT)
    assert {fam for fam, _ in procfs.listeners(d.pid, ADDR_PORT)} == {"tcp"}
    r = lab.kperf("--src", a.addr, "--dst", b.addr, "--dst-svc", ADDR_PORT,
                  "-t", "0.5", timeout=30)
    assert r.rc == 0, r
    if lab.ipv6:
        r = lab.kperf("--src", a.addr, "--dst", b.addr6,
                      "--dst-svc", ADDR_PORT, "-t", "0.5",
                      "--connect-timeout", "2", timeout=30)
        assert r.rc == 1, r
        assert "refused" in r.stderr.lower(), r
