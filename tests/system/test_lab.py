"""The lab itself: namespaces, links, addresses, RPS, teardown.  Needs no
kperf binary, so it proves the lab before the binaries exist."""

import os
import shutil
import signal
import subprocess

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()


def reach(src, dst_addr, v6=False):
    """Can host src reach dst_addr?  ping when installed, else a TCP
    connect to a listener the caller started."""
    if shutil.which("ping"):
        argv = ["ping", "-c", "1", "-W", "1"] + (["-6"] if v6 else [])
        return src.exec(*argv, dst_addr, check=False).returncode == 0
    pytest.skip("ping not installed (scripts/setup.sh installs iputils-ping)")


def test_two_hosts_up_and_torn_down(tmp_path):
    lab = lablib.Lab(n_hosts=2, workdir=tmp_path, servers=False)
    try:
        lab.up()
        names = lablib.netns_list()
        for h in lab.hosts:
            assert h.ns in names
            assert h.ns.startswith("kperf-%d-" % os.getpid())
            assert lablib.NS_RE.match(h.ns)
            link = h.exec("ip", "-o", "link", "show", "veth0").stdout
            assert "state UP" in link and "veth" in h.exec(
                "ip", "-d", "-o", "link", "show", "veth0").stdout
            assert ",UP" in h.exec("ip", "-o", "link", "show", "lo").stdout
            addrs = h.exec("ip", "-o", "addr", "show", "dev", "veth0").stdout
            assert "%s/24" % h.addr in addrs
            assert "%s/64" % h.addr6 in addrs
            # RPS: every rx queue holds the all-CPU mask, seen from inside.
            assert h.rps_written, "no rx queue found"
            for q in h.rps_written:
                text = h.exec("cat", "/sys/class/net/veth0/queues/%s/rps_cpus"
                              % q).stdout
                assert procfs.mask_value(text) == (1 << os.cpu_count()) - 1
            # Only the lab's own subnets are routed: nothing can leave.
            routes = h.exec("ip", "-4", "route", "show").stdout
            assert "default" not in routes
            assert all(r.startswith("198.18.0.0/24")
                       for r in routes.splitlines() if r.strip())
        a, b = lab.hosts
        assert reach(a, b.addr)
        assert reach(b, a.addr)
        assert reach(a, b.addr6, v6=True)
        # The root namespace has no veth of the lab's.
        assert "veth0" not in subprocess.run(
            ["ip", "-o", "link"], capture_output=True, text=True).stdout
    finally:
        lab.down()
    left = [n for n in lablib.netns_list() if n.startswith(lab.tag)]
    assert left == []


def test_three_hosts_on_a_bridge(tmp_path):
    with lablib.Lab(n_hosts=3, workdir=tmp_path, servers=False) as lab:
        a, b, c = lab.hosts
        assert lab.bridge_ns in lablib.netns_list()
        assert reach(a, c.addr)
        assert reach(c, b.addr)
        tag = lab.tag
    assert [n for n in lablib.netns_list() if n.startswith(tag)] == []


def test_teardown_stops_processes(tmp_path):
    """down() stops what the lab started (SIGTERM, then SIGKILL for one
    that ignores it), their children, and strays left in a namespace."""
    lab = lablib.Lab(n_hosts=2, workdir=tmp_path, servers=False)
    try:
        lab.up()
        a, b = lab.hosts
        # A tracked process that ignores SIGTERM, with a child.
        p = subprocess.Popen(lablib.ns_argv(a.ns, [
            "sh", "-c", "trap '' TERM; sleep 60 & wait"]),
            stdin=subprocess.DEVNULL)
        stubborn = lab.track(p.pid, "stubborn", p)
        child = lablib.poll(lambda: procfs.children(p.pid), 2)
        assert child, "sh did not start its child"
        # An untracked one inside b (as a daemon that escaped tracking).
        stray = subprocess.Popen(lablib.ns_argv(b.ns, ["sleep", "60"]),
                                 stdin=subprocess.DEVNULL)
        assert lablib.poll(lambda: procfs.comm(stray.pid) == "sleep", 2)
    finally:
        lab.down()
    assert not stubborn.alive()
    assert not procfs.pid_alive(child[0])
    assert stray.wait(timeout=2) == -signal.SIGKILL
    assert [n for n in lablib.netns_list() if n.startswith(lab.tag)] == []


def test_stale_namespaces_are_reaped(tmp_path):
    """A namespace left by a run that died (its PID gone) is removed the
    next time a lab comes up; a live run's namespaces are left alone."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = "kperf-%d-abc123-a" % dead.pid
    lablib.ip("netns", "add", stale)
    try:
        with lablib.Lab(n_hosts=1, workdir=tmp_path, servers=False) as lab:
            names = lablib.netns_list()
            assert stale not in names
            assert lab.hosts[0].ns in names
    finally:
        lablib.ip("netns", "del", stale, check=False)


def test_rps_mask_format():
    assert procfs.cpumask(1) == "1"
    assert procfs.cpumask(2) == "3"
    assert procfs.cpumask(32) == "ffffffff"
    assert procfs.cpumask(36) == "f,ffffffff"
    assert procfs.mask_value("f,ffffffff") == (1 << 36) - 1
    assert procfs.parse_cpulist("0-2,5\n") == {0, 1, 2, 5}


def test_sanitizer_report_found():
    log = "kperfd: listening\n==123==ERROR: AddressSanitizer: heap-use-after-free"
    assert "heap-use-after-free" in lablib.sanitizer_report(log)
    assert lablib.sanitizer_report("x.c:3:5: runtime error: signed overflow")
    assert lablib.sanitizer_report("kperfd: listening on port 18323\n") is None
