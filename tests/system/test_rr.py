"""Request/response tests across the lab (-s/--req-size and the RR
options): transactions, their
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
    """--resp-delay-us D: the responder holds every answer at least D,
    once per transaction.  An undelayed run on the same path first: D is
    set to 2 ms or 4x its p50, whichever is more, so the path alone
    answers well within D (its min < D).  Then, with the delay:
    - every transaction took at least D (min >= D): the responder waited
      before each answer; a delay skipped for some transactions, or never
      applied, leaves min at the path's own few tens of us;
    - the transactions are serial (depth 1) and each waited: n x D fits
      in the source's transfer time;
    - min < 10 D: the delay is D us, not D ms (a guard, 10x wide).
    Load only lengthens transactions: it can break none of these."""
    base = rr(lab, "-s", "1", "-t", "1")
    base_lat = base["totals"]["rr"]["latency_us"]
    delay = max(2000, int(4 * base_lat["p50"]))
    assert base_lat["min"] < delay, base_lat
    doc = rr(lab, "-s", "1", "-t", "2", "--resp-delay-us", str(delay))
    check_accounting(doc, 1, 1)
    lat = doc["totals"]["rr"]["latency_us"]
    check_latency(lat)
    assert delay <= lat["min"] < 10 * delay, (delay, lat)
    for f in doc["flows"]:
        n = f["rr"]["transactions"]
        assert n * delay / 1e6 <= f["src"]["xfer_s"] * (1 + 1e-6), \
            (delay, n, f["src"]["xfer_s"])


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
    # The measured window is at least -t long (it ends at the first check
    # after -t, later on a busy machine) and the warm-up is not in it:
    # the client lived through both, the 0.5 s warm-up outside the window.
    dur = doc["test"]["duration_s"]
    assert dur >= 1.0 - 1e-3, doc["test"]
    assert dur + 0.5 <= r.elapsed, (dur, r)
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
