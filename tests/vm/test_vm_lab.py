"""The VM lab itself: one boot runs these cases, the tests check them."""

import json

import pytest

from kperflab import vmlab

CASES = [
    ("stream", "kperf --src 198.18.0.1 --dst 198.18.0.2 -t 1 --json"),
    ("tls-module",
     "grep -w '^tls' /proc/modules && modprobe tls && tls_stat a && "
     "tls_stat b"),
    ("fails", "echo to-stdout; echo to-stderr >&2; exit 7"),
    ("slow", "echo started; sleep 30; echo not-reached", 2),
]


@pytest.fixture(scope="module")
def res(vm_lab):
    return vm_lab(CASES, timeout_s=240)


def test_every_case_reported(res):
    assert sorted(res) == sorted(c[0] for c in CASES)


def test_stream(res):
    r = res["stream"]
    assert r.rc == 0, "kperf failed in the guest:\n%s%s" % (r.stdout,
                                                            r.stderr)
    doc = json.loads(r.stdout)
    assert doc["test"]["type"] == "stream"
    assert doc["hosts"]["src"]["kernel"] == doc["hosts"]["dst"]["kernel"]
    assert doc["totals"]["throughput_gbps"] > 0
    assert doc["flows"][0]["throughput_gbps"] > 0


def test_tls_module(res):
    r = res["tls-module"]
    assert r.rc == 0, r.stdout + r.stderr
    assert "TlsCurrTxSw" in r.stdout
    for stat in (r.tls_stat_before, r.tls_stat_after):
        assert set(stat) == {"a", "b"}
        for ns in ("a", "b"):
            assert "TlsTxSw" in stat[ns] and "TlsRxSw" in stat[ns]
            assert all(isinstance(v, int) for v in stat[ns].values())


def test_nonzero_rc(res):
    r = res["fails"]
    assert r.rc == 7
    assert r.stdout == "to-stdout\n"
    assert r.stderr == "to-stderr\n"
    assert not r.timed_out


def test_case_timeout(res):
    r = res["slow"]
    assert r.timed_out and r.rc in (137, 143), r
    assert r.stdout == "started\n"


def test_parse_incomplete():
    """A guest that stopped inside a case: the case is not reported as
    finished, and the state names it."""
    text = ("@@KPERF-VM-BOOTED kernel=x cpus=2\n"
            "@@KPERF-CASE-BEGIN one\n"
            "@@KPERF-DATA one stdout aGkK\n"
            "@@KPERF-CASE-END one rc=0 secs=0.10 timeout=0\n"
            "@@KPERF-CASE-BEGIN two\n")
    results, _, state = vmlab.parse_results(text)
    assert state == "in-case two"
    assert list(results) == ["one"] and results["one"].stdout == "hi\n"
    assert results["one"].tls_stat_after == {}


def test_case_names_checked():
    with pytest.raises(ValueError):
        vmlab.run_cases([("has space", "true")], "/nonexistent")
    with pytest.raises(ValueError):
        vmlab.run_cases([("x", "true"), ("x", "false")], "/nonexistent")
