"""Flow placement across the lab, where RPS picks each flow's RX CPU by
hash (docs/placement.md): by default no two flows share an RX CPU on either
end; asking for more flows than CPUs fails at once unless
--allow-shared-cpus; --no-pin leaves workers unpinned."""

import time

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()


@pytest.fixture
def ncpus():
    return len(procfs.online_cpus())


def test_flows_on_distinct_rx_cpus(lab, ncpus):
    if ncpus < 2:
        pytest.skip("one CPU: nothing to keep apart")
    n = min(ncpus, 4)
    r = lab.stream("-t", "0.5", "-n", n, "--json", timeout=60)
    assert r.rc == 0, r
    doc = r.json
    for side in ("src", "dst"):
        cpus = [f[side]["rx_cpu"] for f in doc["flows"]]
        assert len(set(cpus)) == n, "%s RX CPUs collide: %s" % (side, cpus)
    p = doc["test"]["placement"]
    assert p["attempts"] >= 1
    assert p["connections_opened"] - p["connections_discarded"] == n, p


def test_more_flows_than_cpus(lab, ncpus):
    # Refused before the test: a 60 s test would outlive the 30 s timeout.
    r = lab.stream("-t", "60", "-n", ncpus + 1, timeout=30)
    assert r.rc == 1, r
    assert "--allow-shared-cpus" in r.stderr, r

    r = lab.stream("-t", "0.5", "-n", ncpus + 1, "--allow-shared-cpus",
                   "--json", timeout=30)
    assert r.rc == 0, r
    flows = r.json["flows"]
    assert len(flows) == ncpus + 1
    for f in flows:
        assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"] > 0
        assert f["src"]["worker_cpu"] == f["src"]["rx_cpu"]


def test_no_pin(lab):
    r = lab.stream("-t", "0.5", "--no-pin", "--json", timeout=30)
    assert r.rc == 0, r
    for f in r.json["flows"]:
        for side in ("src", "dst"):
            assert f[side]["worker_cpu"] is None, f[side]
    assert r.json["test"]["placement"]["policy"] == "none"


def run_watching_workers(lab, *args):
    """Run a stream test, reading every kperf-wrk thread's allowed CPUs from
    /proc while it runs; return (result, {side: {tid: cpus}})."""
    a, b = lab.hosts
    _, popen = lab.kperf_start("--src", a.addr, "--dst", b.addr, "--json",
                               *args)
    seen = {"src": {}, "dst": {}}
    while popen.poll() is None and time.monotonic() - popen.t0 < 30:
        for side, h in (("src", a), ("dst", b)):
            for tid, (_, cpus) in h.workers().items():
                seen[side][tid] = cpus
        time.sleep(0.05)
    r = lab.kperf_finish(popen)
    assert r.rc == 0, r
    assert r.json is not None, r
    return r, seen


def kernel_cpu(seen, side, flow):
    """The one CPU /proc allows the flow's worker on this side."""
    tid = flow[side]["worker_tid"]
    assert tid in seen[side], "%s: worker %s never seen in /proc (%s)" % (
        side, tid, sorted(seen[side]))
    cpus = seen[side][tid]
    assert len(cpus) == 1, "%s: tid %s may run on %s" % (side, tid, cpus)
    return next(iter(cpus))


def need_cpus(n):
    if len(procfs.online_cpus()) < n:
        pytest.skip("needs %d CPUs" % n)


def test_two_flows_default_placement(lab):
    need_cpus(2)
    r, seen = run_watching_workers(lab, "-t", "2", "-n", "2")
    flows = r.json["flows"]
    for side in ("src", "dst"):
        rx = [f[side]["rx_cpu"] for f in flows]
        assert len(set(rx)) == 2, "%s RX CPUs collide: %s" % (side, rx)
        for f in flows:
            assert kernel_cpu(seen, side, f) == f[side]["rx_cpu"]
    assert r.json["test"]["placement"]["policy"] == "same-cpu"


def test_pin_off_one(lab):
    need_cpus(2)
    online = sorted(procfs.online_cpus())
    r, seen = run_watching_workers(lab, "-t", "2", "-n", "2",
                                   "--pin-off", "1")
    for f in r.json["flows"]:
        for side in ("src", "dst"):
            rx = f[side]["rx_cpu"]
            want = online[(online.index(rx) + 1) % len(online)]
            assert kernel_cpu(seen, side, f) == want != rx, (side, f)
    assert r.json["test"]["placement"]["policy"] == "pin-off"


def test_cross_pin(lab):
    need_cpus(2)
    r, seen = run_watching_workers(lab, "-t", "2", "-n", "2", "--cross-pin")
    f0, f1 = r.json["flows"]
    for side in ("src", "dst"):
        assert kernel_cpu(seen, side, f0) == f1[side]["rx_cpu"]
        assert kernel_cpu(seen, side, f1) == f0[side]["rx_cpu"]
        assert f0[side]["rx_cpu"] != f1[side]["rx_cpu"]


def test_explicit_worker_cpus(lab):
    need_cpus(2)
    r, seen = run_watching_workers(lab, "-t", "1", "--cpu-src-wrk", "1",
                                   "--cpu-dst-wrk", "0")
    f = r.json["flows"][0]
    assert kernel_cpu(seen, "src", f) == 1
    assert kernel_cpu(seen, "dst", f) == 0


def test_rx_cpus_restricts_placement(lab):
    need_cpus(2)
    r = lab.stream("-t", "0.5", "--rx-cpus", "1", "--json", timeout=60)
    assert r.rc == 0, r
    f = r.json["flows"][0]
    assert f["src"]["rx_cpu"] == 1 and f["dst"]["rx_cpu"] == 1, f

    r = lab.stream("-t", "60", "-n", "2", "--rx-cpus", "1", timeout=30)
    assert r.rc == 1, r
    assert "2 distinct RX CPUs" in r.stderr and "(1)" in r.stderr, r.stderr
    assert "--allow-shared-cpus" in r.stderr, r.stderr

    r = lab.stream("-t", "0.5", "-n", "2", "--rx-cpus", "1",
                   "--allow-shared-cpus", "--json", timeout=60)
    assert r.rc == 0, r
    for f in r.json["flows"]:
        assert f["src"]["rx_cpu"] == 1 and f["dst"]["rx_cpu"] == 1, f


def test_no_pin_shares_a_pool_of_workers(lab):
    """Unpinned flows share one floating worker per online CPU; a thread
    per flow would only add context switches."""
    ncpu = len(procfs.online_cpus())
    n = 2 * ncpu + 1
    r = lab.stream("-t", "0.5", "-n", n, "--no-pin", "--allow-shared-cpus",
                   "--json", timeout=60)
    assert r.rc == 0, r
    for side in ("src", "dst"):
        tids = {f[side]["worker_tid"] for f in r.json["flows"]}
        assert len(tids) == ncpu, (side, tids)
        assert len(r.json["hosts"][side]["workers"]) == ncpu
    for f in r.json["flows"]:
        assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"] > 0, f
