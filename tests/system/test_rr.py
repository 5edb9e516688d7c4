"""Request/response tests across the lab (issue 4): transactions, their
byte accounting on both ends, latency percentiles from merged histograms,
pipelining depth, the responder's think time and warm-up."""

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

PCTS = ("min", "p50", "p90", "p99", "p999", "p9999", "max")


def rr(lab, *args, timeout=60):
    r = lab.stream("--json", *args, timeout=timeout)
    assert r.rc == 0, r
    assert r.json["test"]["type"] == "rr", r.json["test"]
    return r.json


def check_accounting(doc, req, resp):
    """Every transaction moved exactly one request and one response, as
    both ends counted the bytes (and the kernel's TCP_INFO agrees)."""
    for f in doc["flows"]:
        n = f["rr"]["transactions"]
        assert n > 0, f
        assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"] == n * req, f
        assert f["dst"]["tx_bytes"] == f["src"]["rx_bytes"] == n * resp, f
        assert f["src"]["tcp"]["bytes_acked"] == n * req, f["src"]["tcp"]
        assert f["src"]["tcp"]["bytes_received"] == n * resp, f["src"]
    tot = doc["totals"]["rr"]
    assert tot["transactions"] == sum(f["rr"]["transactions"]
                                      for f in doc["flows"])


def check_latency(lat, count=None):
    vals = [lat[k] for k in PCTS]
    assert vals == sorted(vals), lat
    assert lat["min"] > 0, lat
    assert lat["min"] <= lat["mean"] <= lat["max"], lat
    assert lat["stdev"] >= 0


def test_rr_one_byte(lab):
    doc = rr(lab, "-s", "1", "-t", "3")
    check_accounting(doc, 1, 1)
    f = doc["flows"][0]
    assert f["rr"]["tps"] > 0
    check_latency(f["rr"]["latency_us"])
    check_latency(doc["totals"]["rr"]["latency_us"])
    # tps is transactions over the source's transfer time.
    assert abs(f["rr"]["tps"] * f["src"]["xfer_s"] -
               f["rr"]["transactions"]) <= 1 + 1e-6 * f["rr"]["transactions"]
    # One flow: the merged figures are that flow's.
    assert doc["totals"]["rr"]["latency_us"]["p99"] == \
        f["rr"]["latency_us"]["p99"]


def test_rr_sizes_and_flows(lab):
    n = min(2, len(procfs.online_cpus()))
    doc = rr(lab, "-s", "100", "--resp-size", "5000", "-n", n, "-t", "1")
    check_accounting(doc, 100, 5000)
    lat = doc["totals"]["rr"]["latency_us"]
    check_latency(lat)
    # Merged from both flows' histograms, not averaged: it spans both.
    flows = [f["rr"]["latency_us"] for f in doc["flows"]]
    assert lat["max"] == max(l["max"] for l in flows)
    assert lat["min"] == min(l["min"] for l in flows)


def test_rr_depth(lab):
    doc = rr(lab, "-s", "64", "--depth", "4", "-t", "1")
    check_accounting(doc, 64, 64)
    check_latency(doc["flows"][0]["rr"]["latency_us"])


def test_rr_resp_delay(lab):
    """The responder's think time shows in p50: at least the delay, and no
    more above it than 3x the undelayed p50 on the same path.  Both runs
    put the two ends' workers on different CPUs, so the undelayed p50
    includes a cross-CPU wake-up as the delayed one does (with both
    workers on one CPU the baseline is a few us, less than a VM's wake-up
    from idle after a 2 ms sleep)."""
    if len(procfs.online_cpus()) < 2:
        pytest.skip("needs 2 CPUs for the cross-CPU placement")
    pin = ("--cpu-src-wrk", "0", "--cpu-dst-wrk", "1")
    base = rr(lab, "-s", "1", "-t", "1", *pin)
    p50 = base["totals"]["rr"]["latency_us"]["p50"]
    doc = rr(lab, "-s", "1", "-t", "2", "--resp-delay-us", "2000", *pin)
    got = doc["totals"]["rr"]["latency_us"]["p50"]
    assert 2000 <= got <= 2000 + 3 * p50, (got, p50)
    check_accounting(doc, 1, 1)


def test_rr_no_latency(lab):
    doc = rr(lab, "-s", "1", "-t", "0.5", "--no-latency")
    check_accounting(doc, 1, 1)
    assert doc["flows"][0]["rr"]["latency_us"] is None
    assert doc["totals"]["rr"]["latency_us"] is None


def test_rr_warmup(lab):
    r = lab.stream("--json", "-s", "1", "-t", "1", "--warmup", "0.5",
                   timeout=60)
    assert r.rc == 0, r
    doc = r.json
    # The measured window is -t long; the warm-up is not in it.
    assert abs(doc["test"]["duration_s"] - 1.0) < 0.05, doc["test"]
    assert r.elapsed >= 1.5, r
    f = doc["flows"][0]
    assert f["rr"]["transactions"] > 0
    # Counters restart at the warm-up's end, mid-transaction at worst.
    assert abs(f["src"]["tx_bytes"] - f["rr"]["transactions"]) <= 1


def test_rr_histogram_outputs(lab):
    doc = rr(lab, "-s", "1", "-t", "0.5", "--json-histogram")
    b = doc["histogram"]["buckets"]
    assert b and sum(c for _, c in b) == doc["totals"]["rr"]["transactions"]
    bounds = [u for u, _ in b]
    assert bounds == sorted(bounds)
    r = lab.stream("-s", "1", "-t", "0.5", "-T", "1", timeout=60)
    assert r.rc == 0, r
    assert "tps" in r.stdout


@pytest.mark.parametrize("args, opt", [
    (("--depth", "4"), "--depth"),
    (("--resp-size", "10"), "--resp-size"),
    (("-s", "0"), "-s"),
    (("-s", "1", "--depth", "0"), "--depth"),
    (("-s", "1", "--depth", "2000"), "--depth"),
    (("--json-histogram",), "--json-histogram"),
])
def test_rr_bad_options(lab, args, opt):
    r = lab.stream(*args, timeout=10)
    assert r.rc == 2, r
    assert opt in r.stderr, r.stderr
