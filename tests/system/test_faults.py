"""Bad input and faults: unreachable and refused servers, a
client or a server killed mid-test, and 200 tests in a row; each checked
against the kernel's view of kperfd (fds, threads, children)."""

import os
import signal
import time

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

NOBODY = "198.18.0.200"         # in the lab's subnet, no host there
CLOSED_PORT = "18399"           # nothing listens there
# How long a kperfd may take to be back to its idle counts after a test
# ends: a guard against a session that never ends, not a speed (it takes
# milliseconds).
SETTLE_S = 20.0


def one_line_error(r, host, *words):
    """The error is one line, "kperf: ...", naming the host (and words)."""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, "expected a one-line error:\n" + r.stderr
    assert lines[0].startswith("kperf:"), lines
    assert host in lines[0], lines
    for w in words:
        assert w in lines[0].lower(), lines


def settle(hosts, base, timeout):
    """Poll until the kperfd of each host is back to its baseline snapshot
    (or timeout); return the last snapshots, {ns: snapshot}."""
    last = {}

    def back():
        last.update({h.ns: h.snapshot() for h in hosts})
        return last == base
    lablib.poll(back, timeout, 0.02)
    return last


def idle_baseline(lab):
    """Warm each kperfd up with one short test, wait for its session to
    end, and return {ns: snapshot}."""
    r = lab.stream("-t", "0.2", timeout=30)
    assert r.rc == 0, r
    for h in lab.hosts:
        assert lablib.poll(lambda: not h.sessions(), 5), \
            "%s: session did not end after a normal test" % h.ns
    return {h.ns: h.snapshot() for h in lab.hosts}


def wait_running(lab, popen, timeout=5):
    """Wait until both ends have a worker thread: the test runs.  (Flows
    on one CPU share a worker, so two flows may have one.)"""
    ok = lablib.poll(lambda: popen.poll() is None and all(
        h.workers() for h in lab.hosts[:2]), timeout)
    assert ok, "the test did not start within %ss (client exit %s)" \
        % (timeout, popen.poll())


@pytest.mark.parametrize("which", ["dst", "src"])
def test_unreachable_server(lab, which):
    a, b = lab.hosts
    src, dst = (a.addr, NOBODY) if which == "dst" else (NOBODY, b.addr)
    # --connect-timeout 2: the kernel alone would try to connect for
    # about two minutes, past the 30 s after which lab.kperf fails the run.
    r = lab.kperf("--src", src, "--dst", dst, "-t", "1",
                  "--connect-timeout", "2", timeout=30)
    assert r.rc == 1, r
    one_line_error(r, NOBODY)


def test_refused_server(lab):
    a, b = lab.hosts
    r = lab.kperf("--src", a.addr, "--dst", b.addr, "--dst-svc", CLOSED_PORT,
                  "-t", "1", timeout=30)
    assert r.rc == 1, r
    one_line_error(r, b.addr, "refused")


def test_client_killed_mid_test(lab):
    """SIGKILL the client: both sessions end and each kperfd is back to
    its fd and child counts from before the test (polled for up to
    SETTLE_S, a guard against a session that never ends)."""
    base = idle_baseline(lab)
    proc, popen = lab.kperf_start("--src", lab.hosts[0].addr,
                                  "--dst", lab.hosts[1].addr,
                                  "-t", "10", "-n", "2")
    wait_running(lab, popen)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - popen.t0)))
    sessions = {h.ns: h.sessions() for h in lab.hosts}
    assert all(sessions.values()), sessions
    os.kill(popen.pid, signal.SIGKILL)
    popen.wait(timeout=5)
    killed = time.monotonic()
    snap = settle(lab.hosts, base, SETTLE_S)
    took = time.monotonic() - killed
    assert snap == base, "after %.2fs: %s, before the test: %s" \
        % (took, snap, base)
    for pids in sessions.values():
        for pid in pids:
            assert not procfs.pid_alive(pid), "session %d still there" % pid


def test_server_killed_mid_test(lab):
    """SIGKILL the destination's kperfd and its session: the client names
    that host, exits non-zero, and does not wait for the end of the test
    (60 s, twice the time kperf_finish allows it); the source's session
    ends."""
    a, b = lab.hosts
    base_a = idle_baseline(lab)[a.ns]
    proc, popen = lab.kperf_start("--src", a.addr, "--dst", b.addr,
                                  "-t", "60")
    wait_running(lab, popen)
    victims = [b.kperfd.pid] + b.sessions()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    r = lab.kperf_finish(popen, timeout=30)
    assert r.rc == 1, r
    assert b.addr in r.stderr, r
    # The source's session goes with its client.
    snap = settle([a], {a.ns: base_a}, SETTLE_S)
    assert snap == {a.ns: base_a}, "source kperfd: %s, before: %s" \
        % (snap, base_a)


def test_200_tests_in_a_row(lab):
    """No growth in kperfd's fds, threads or children over many tests."""
    runs = int(os.environ.get("KPERF_SOAK_RUNS", "200"))
    base = idle_baseline(lab)
    t0 = time.monotonic()
    for i in range(runs):
        r = lab.stream("-t", "0.1", "-n", str(1 + i % 2), "-q", timeout=30)
        assert r.rc == 0, "run %d of %d: %r" % (i + 1, runs, r)
    took = time.monotonic() - t0
    snap = settle(lab.hosts, base, SETTLE_S)
    assert snap == base, "after %d tests: %s, before: %s" % (runs, snap, base)
    print("%d tests in %.1fs (%.0f ms each)" % (runs, took, 1000 * took / runs))
