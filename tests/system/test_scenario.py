"""kperf run FILE: several flow groups over three hosts at once (the lab's
namespaces on a bridge), placement holding on every host while they run,
and a scenario that does not load as a usage error with FILE:LINE."""

import time

from kperflab import lab as lablib

lablib.require_lab()

THREE = """
[global]
time = 2
interval = 1

[host A]
address = {a}
[host B]
address = {b}
[host C]
address = {c}

[group a-to-b]
from = A
to = B
num-connections = 2

[group c-rr-b]
from = C
to = B
req-size = 64
depth = 2

[group a-c-bidir]
from = A
to = C
direction = bidir
"""


def by_addr(lab):
    return {h.addr: h for h in lab.hosts}


def test_three_hosts(make_lab, tmp_path):
    """A->B stream, C->B request/response and A<->C both ways on the
    same connections run at once; every group moves data, and on every
    host each worker the report names is pinned, per /proc, to its flow's
    RX CPU."""
    lab = make_lab(n_hosts=3)
    a, b, c = lab.hosts
    path = tmp_path / "three.ini"
    path.write_text(THREE.format(a=a.addr, b=b.addr, c=c.addr))
    _, popen = lab.kperf_start("run", str(path), "--json")
    seen = {h.addr: {} for h in lab.hosts}      # tid -> allowed CPUs
    while popen.poll() is None and time.monotonic() - popen.t0 < 60:
        for h in lab.hosts:
            for tid, (_, cpus) in h.workers().items():
                seen[h.addr][tid] = cpus
        time.sleep(0.05)
    r = lab.kperf_finish(popen)
    assert r.rc == 0, r
    doc = r.json
    groups = {g["name"]: g for g in doc["groups"]}
    assert sorted(groups) == ["a-c-bidir", "a-to-b", "c-rr-b"], list(groups)
    ab, rr, ac = groups["a-to-b"], groups["c-rr-b"], groups["a-c-bidir"]
    assert (ab["hosts"]["src"]["address"], ab["hosts"]["dst"]["address"]) \
        == (a.addr, b.addr)
    assert (ac["hosts"]["src"]["address"], ac["hosts"]["dst"]["address"]) \
        == (a.addr, c.addr)
    assert ac["test"]["direction"] == "bidir"
    assert rr["test"]["type"] == "rr"
    assert rr["totals"]["rr"]["transactions"] > 0
    for g in (ab, ac):
        assert len(g["flows"]) == (2 if g is ab else 1)
        assert g["totals"]["throughput_gbps"] > 0, g["totals"]
        for f in g["flows"]:
            assert f["dst"]["rx_bytes"] == f["src"]["tx_bytes"] > 0, f
    # Both ways on one connection, counted apart.
    assert ac["totals"]["reverse_gbps"] > 0, ac["totals"]
    for f in ac["flows"]:
        assert f["src"]["rx_bytes"] == f["dst"]["tx_bytes"] > 0, f
    # Per host over its groups: B serves a-to-b and c-rr-b.
    hosts = {h["address"]: h for h in doc["all_hosts"]}
    assert sorted(hosts) == sorted([a.addr, b.addr, c.addr]), list(hosts)
    tids = {w["tid"] for w in hosts[b.addr]["workers"]}
    assert tids == {f["dst"]["worker_tid"] for g in (ab, rr)
                    for f in g["flows"]}, (tids, hosts[b.addr])
    assert abs(hosts[b.addr]["worker_cpu_s"] -
               ab["hosts"]["dst"]["worker_cpu_s"] -
               rr["hosts"]["dst"]["worker_cpu_s"]) < 1e-6
    assert {x["cpu"] for x in hosts[b.addr]["cpu"]} >= \
        {f["dst"]["rx_cpu"] for g in (ab, rr) for f in g["flows"]}
    total = doc["all_groups"]
    assert abs(total["throughput_gbps"] - ab["totals"]["throughput_gbps"]
               - ac["totals"]["throughput_gbps"]
               - ac["totals"]["reverse_gbps"]) < 1e-6, total
    assert total["tps"] > 0 and total["mismatches"] == 0, total
    for g in groups.values():
        for end in ("src", "dst"):
            host = g["hosts"][end]["address"]
            for f in g["flows"]:
                e = f[end]
                assert e["worker_cpu"] == e["rx_cpu"], (g["name"], end, e)
                assert seen[host].get(e["worker_tid"]) == {e["rx_cpu"]}, \
                    "%s %s on %s: tid %s allowed %s, rx_cpu %s" % (
                        g["name"], end, host, e["worker_tid"],
                        seen[host].get(e["worker_tid"]), e["rx_cpu"])

    r = lab.kperf("run", str(path))
    assert r.rc == 0, r
    for name in ("a-to-b", "c-rr-b", "a-c-bidir", "all groups:",
                 "host %s" % b.addr):
        assert name in r.stdout, r
    # Interval lines of several groups say whose they are.
    samples = [ln for ln in r.stdout.splitlines() if "s]" in ln]
    assert {ln.split()[0] for ln in samples} == \
        {"a-to-b", "c-rr-b", "a-c-bidir"}, samples


def test_bad_scenario(lab, tmp_path):
    a, b = lab.hosts
    path = tmp_path / "bad.ini"
    path.write_text("[host A]\naddress = %s\n[host B]\naddress = %s\n"
                    "[group g]\nfrom = A\nto = B\nwrite-size = lots\n"
                    % (a.addr, b.addr))
    r = lab.kperf("run", str(path))
    assert r.rc == 2, r
    assert "%s:8: write-size:" % path in r.stderr, r
    assert r.stdout == ""
    r = lab.kperf("run", str(tmp_path / "missing.ini"))
    assert r.rc == 2 and "missing.ini" in r.stderr, r
    r = lab.kperf("run", str(path), "-n", "2")
    assert r.rc == 2 and "-n" in r.stderr, r
