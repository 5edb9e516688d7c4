"""Stream tests across the lab: the JSON report, checked against itself and
against the kernel's view (/proc) of kperfd's sessions and workers."""

import os
import socket
import time

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

DURATION = 2.0
END_FIELDS = ("rx_cpu", "rx_cpu_end", "napi_id", "worker_cpu",
              "worker_cpu_ran", "worker_tid", "port", "tx_bytes", "rx_bytes",
              "xfer_s", "tcp")
TCP_FIELDS = ("retrans", "reord_seen", "rtt_us", "rttvar_us", "delivered_ce",
              "snd_wnd", "snd_cwnd", "bytes_acked", "bytes_received")
CPU_FIELDS = ("user", "system", "irq", "softirq", "iowait", "idle", "steal")
HELLO = 16          # bytes of the data-connection hello, each way


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_count(v):
    """A non-negative integer (cJSON may print one as a float)."""
    return is_num(v) and v >= 0 and v == int(v)


def is_cpu(v, ncpus):
    return is_count(v) and v < ncpus


def close_to(measured, expected, rel=0.001, slack=2 * HELLO):
    """measured within rel of expected, give or take the hellos."""
    return abs(measured - expected) <= rel * expected + slack


def check_report(doc, lab, n, duration, elapsed):
    a, b = lab.hosts
    assert is_count(doc["schema"]) and doc["schema"] >= 1
    assert isinstance(doc["kperf_version"], str) and doc["kperf_version"]

    t = doc["test"]
    assert t["type"] == "stream"
    assert t["n_flows"] == n
    # The window ends at the first check after -t (later on a busy
    # machine), inside the client's lifetime.
    assert duration - 1e-3 <= t["duration_s"] <= elapsed, (t, elapsed)

    hosts = doc["hosts"]
    for side, h in (("src", a), ("dst", b)):
        hh = hosts[side]
        assert hh["address"] == h.addr
        # The namespaces share the machine's kernel and UTS namespace.
        assert hh["kernel"] == os.uname().release
        assert hh["hostname"] == socket.gethostname()
        assert is_count(hh["ncpus"]) and hh["ncpus"] >= 1
        assert max(procfs.online_cpus()) < hh["ncpus"]
        assert is_num(hh["window_s"]) and hh["window_s"] > 0
        assert is_num(hh["worker_cpu_s"]) and hh["worker_cpu_s"] >= 0
    ncpus = hosts["src"]["ncpus"]

    flows = doc["flows"]
    assert len(flows) == n
    assert len({f["id"] for f in flows}) == n
    for f in flows:
        for side in ("src", "dst"):
            e = f[side]
            for k in END_FIELDS:
                assert k in e, "flows[%s].%s.%s missing" % (f["id"], side, k)
            for k in TCP_FIELDS:
                assert is_count(e["tcp"][k]), (side, k, e["tcp"][k])
            assert is_cpu(e["rx_cpu"], ncpus), e
            assert is_cpu(e["rx_cpu_end"], ncpus), e
            # Pinned to the flow's RX CPU by default, on each end.
            assert e["worker_cpu"] == e["rx_cpu"], (side, e)
            if e["worker_cpu_ran"] is not None:
                assert e["worker_cpu_ran"] == e["worker_cpu"], (side, e)
            assert is_count(e["worker_tid"]) and e["worker_tid"] > 0
            assert is_count(e["port"]) and 0 < e["port"] < 65536
            assert is_count(e["tx_bytes"]) and is_count(e["rx_bytes"])
            assert is_num(e["xfer_s"]) and e["xfer_s"] > 0
        s, d = f["src"], f["dst"]
        assert s["tx_bytes"] > 0
        # Every byte sent was received, exactly.
        assert s["tx_bytes"] == d["rx_bytes"], f
        assert d["tx_bytes"] == s["rx_bytes"], f
        # ... and TCP agrees with kperf's own count.
        assert close_to(s["tcp"]["bytes_acked"], s["tx_bytes"]), f
        assert close_to(d["tcp"]["bytes_received"], d["rx_bytes"]), f
        assert s["tcp"]["rtt_us"] > 0
        assert is_num(f["throughput_gbps"]) and f["throughput_gbps"] > 0
    total = doc["totals"]["throughput_gbps"]
    assert is_num(total) and total > 0
    flow_sum = sum(f["throughput_gbps"] for f in flows)
    assert abs(total - flow_sum) <= 0.1 * flow_sum, (total, flow_sum)

    for side in ("src", "dst"):
        rows = doc["cpu"][side]
        cpus = {r["cpu"] for r in rows}
        assert len(cpus) == len(rows), "a CPU listed twice"
        want = {f[side]["rx_cpu"] for f in flows} | \
            {f[side]["worker_cpu"] for f in flows}
        assert want <= cpus, (side, want, cpus)
        for r in rows:
            assert is_cpu(r["cpu"], ncpus)
            for k in CPU_FIELDS:
                assert is_num(r[k]) and -0.01 <= r[k] <= 100.01, (side, r)
            assert abs(sum(r[k] for k in CPU_FIELDS) - 100) <= 2, (side, r)


@pytest.mark.parametrize("n", [1, 2])
def test_stream_json(lab, n):
    r = lab.stream("-t", DURATION, "-n", n, "--json", timeout=DURATION + 30)
    assert r.rc == 0, r
    assert r.json is not None, "not JSON (%s): %r" % (r.json_error, r.stdout)
    check_report(r.json, lab, n, DURATION, r.elapsed)
    assert "intervals" not in r.json or not r.json["intervals"]


def test_stream_text(lab):
    r = lab.stream("-t", "1", "-n", "2", timeout=30)
    assert r.rc == 0, r
    out = r.stdout.lower()
    assert "gbit/s" in out
    for h in lab.hosts:
        assert h.addr in r.stdout
    assert r.stderr.strip() == "", r

    q = lab.stream("-t", "0.5", "-q", timeout=30)
    assert q.rc == 0, q
    assert 0 < len(q.stdout.splitlines()) < len(r.stdout.splitlines())


def test_workers_pinned_to_rx_cpu(lab):
    """While the test runs, the kernel says each worker thread (kperf-wrk*
    in a session process, a child of kperfd) may run on exactly one CPU:
    the RX CPU that the report gives for its flow."""
    n = min(2, len(procfs.online_cpus()))
    a, b = lab.hosts
    _, popen = lab.kperf_start("--src", a.addr, "--dst", b.addr,
                               "-t", "3", "-n", n, "--json")
    seen = {"src": {}, "dst": {}}       # tid -> allowed CPUs
    sessions = {"src": set(), "dst": set()}
    while popen.poll() is None and time.monotonic() - popen.t0 < 30:
        for side, h in (("src", a), ("dst", b)):
            sessions[side].update(h.sessions())
            for tid, (_, cpus) in h.workers().items():
                seen[side][tid] = cpus
        time.sleep(0.05)
    r = lab.kperf_finish(popen)
    assert r.rc == 0, r
    doc = r.json
    assert doc is not None, r
    for side in ("src", "dst"):
        assert len(sessions[side]) == 1, \
            "%s: expected one session process, saw %s" % (side,
                                                          sessions[side])
        # Flows on one CPU may share a worker: the threads seen are the
        # workers the report names, no more, no fewer.
        tids = {f[side]["worker_tid"] for f in doc["flows"]}
        assert set(seen[side]) == tids, \
            "%s: /proc shows kperf-wrk threads %s, the report names %s" \
            % (side, sorted(seen[side]), sorted(tids))
        for f in doc["flows"]:
            e = f[side]
            tid = e["worker_tid"]
            assert tid in seen[side], \
                "%s flow %s: worker_tid %s not among kperf-wrk threads %s" \
                % (side, f["id"], tid, sorted(seen[side]))
            assert seen[side][tid] == {e["rx_cpu"]}, \
                "%s flow %s: /proc says tid %d may run on %s, rx_cpu %s" \
                % (side, f["id"], tid, sorted(seen[side][tid]), e["rx_cpu"])


def test_intervals_json(lab):
    r = lab.stream("-t", "2", "-n", "2", "-i", "0.5", "--json", timeout=30)
    assert r.rc == 0, r
    iv = r.json["intervals"]
    assert 3 <= len(iv) <= 5, iv
    ts = [s["t_s"] for s in iv]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)
    assert abs(ts[0] - 0.5) <= 0.25, ts
    for s in iv:
        assert is_num(s["throughput_gbps"]) and s["throughput_gbps"] >= 0
        assert len(s["flows_gbps"]) == 2
        assert abs(sum(s["flows_gbps"]) - s["throughput_gbps"]) <= \
            0.01 * s["throughput_gbps"] + 0.01
    assert any(s["throughput_gbps"] > 0 for s in iv)


def test_intervals_text(lab):
    plain = lab.stream("-t", "2", timeout=30)
    assert plain.rc == 0, plain
    r = lab.stream("-t", "2", "-i", "0.5", timeout=30)
    assert r.rc == 0, r
    extra = len(r.stdout.splitlines()) - len(plain.stdout.splitlines())
    assert 3 <= extra <= 5, "expected ~4 interval lines:\n" + r.stdout


def test_concurrent_clients(lab):
    """kperfd forks a session per control connection; two clients at once
    get two sessions on each server, and both tests complete."""
    a, b = lab.hosts
    runs = [lab.kperf_start("--src", a.addr, "--dst", b.addr, "-t", "1.5",
                            "--json")[1] for _ in range(2)]
    most = {a.ns: 0, b.ns: 0}
    while any(p.poll() is None for p in runs) and \
            time.monotonic() - runs[0].t0 < 30:
        for h in (a, b):
            most[h.ns] = max(most[h.ns], len(h.sessions()))
        time.sleep(0.05)
    for p in runs:
        r = lab.kperf_finish(p)
        assert r.rc == 0, r
        assert r.json["flows"][0]["src"]["tx_bytes"] == \
            r.json["flows"][0]["dst"]["rx_bytes"]
    assert most == {a.ns: 2, b.ns: 2}, most
