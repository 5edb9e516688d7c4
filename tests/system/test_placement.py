"""Flow placement across the lab, where RPS picks each flow's RX CPU by
hash (docs/placement.md): by default no two flows share an RX CPU on either
end; asking for more flows than CPUs fails at once unless
--allow-shared-cpus; --no-pin leaves workers unpinned."""

import pytest

import lab as lablib

lablib.require_lab()


@pytest.fixture
def ncpus():
    return len(lablib.online_cpus())


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
    r = lab.stream("-t", "0.5", "-n", ncpus + 1, timeout=30)
    assert r.rc == 1, r
    assert r.elapsed < 5, r
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
