"""Self-tests of the harness (no root, no network, a few seconds):

    /usr/bin/python3 -m pytest -q bench/test_bench.py

Parsers against real output of the peers, the /proc accounting against the
kernel's own wait4() figures, and the summaries and targets."""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "system"))

import cases  # noqa: E402
import procfs  # noqa: E402
import report  # noqa: E402
import tools  # noqa: E402

SOCKPERF_OUT = """\
sockperf: == version #3.7-no.git ==
sockperf[CLIENT] send on:sockperf: using recvfrom() to block on socket(s)
[ 0] IP = 127.0.0.1       PORT = 18484 # TCP
sockperf: Warmup stage (sending a few dummy messages)...
sockperf: Starting test...
sockperf: Test end (interrupted by timer)
sockperf: Test ended
sockperf: [Total Run] RunTime=1.001 sec; Warm up time=400 msec; SentMessages=24439; ReceivedMessages=24438
sockperf: ========= Printing statistics for Server No: 0
sockperf: [Valid Duration] RunTime=0.550 sec; SentMessages=16692; ReceivedMessages=16692
sockperf: ====> avg-rtt=32.919 (std-dev=388.469)
sockperf: # dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0
sockperf: Summary: Round trip is 32.919 usec
sockperf: Total 16692 observations; each percentile contains 166.92 observations
sockperf: ---> <MAX> observation = 5143.383
sockperf: ---> percentile 99.999 = 5143.383
sockperf: ---> percentile 99.000 =  491.684
sockperf: ---> percentile 90.000 =   44.670
sockperf: ---> percentile 50.000 =   33.268
sockperf: ---> <MIN> observation =   10.404
"""

IPERF2_BB_OUT = """\
[  1] local 127.0.0.1%lo port 53702 connected with 127.0.0.1 port 18483 (bb w/quickack len/hold=64/0) (sock=3) (icwnd/mss/irtt=319/32741/36) (ct=0.10 ms) on 2026-11-24 19:27:19 (UTC)
[ ID] Interval            Transfer    Bandwidth         BB cnt=avg/min/max/stdev         Rtry  Cwnd/RTT    RPS
[  1] 0.0000-1.0000 sec  1.95 KBytes  16.0 Kbits/sec    10=0.113/0.034/0.524/0.147 ms    0  576K/37 us    8811 rps
[  1] 0.0000-2.0152 sec  5.06 MBytes  21.1 Mbits/sec    26518=0.075/0.025/1.453/0.023 ms    0  576K/1912 us    13393 rps
[  1] 0.0000-2.0152 sec BB8(f)-PDF: bin(w=100us):cnt(26518)=1:25007,2:1469 (5.00/95.00/99.7%=1/2/2,Outliers=0,obl/obu=0/0)
"""

IPERF2_CSV = """\
19700101000000,127.0.0.1,48874,127.0.0.1,18601,2,0.0-1.0,2401501244,19208533207
19700101000000,127.0.0.1,48868,127.0.0.1,18601,1,0.0-1.0,2301493308,18359603235
"""


def test_sockperf_parser():
    run = {}
    tools.parse_sockperf(run, {"client": SOCKPERF_OUT, "client_err": ""})
    rr = run["rr"]
    assert abs(rr["tps"] - 16692 / 0.550) < 1e-6
    assert rr["p50_us"] == 33.268 and rr["p99_us"] == 491.684
    assert rr["mean_us"] == 32.919
    assert rr["transactions_all"] == 24438


def test_iperf2_bounceback_parser_takes_the_total_line():
    run = {}
    tools.parse_iperf2_bb(run, {"client": IPERF2_BB_OUT})
    assert run["rr"]["transactions"] == 26518
    assert abs(run["rr"]["tps"] - 26518 / 2.0152) < 1e-6
    assert abs(run["rr"]["mean_us"] - 75.0) < 1e-9
    assert run["rr"]["p50_us"] is None


def test_iperf2_csv_prefers_the_receiver():
    run = {}
    tools.parse_iperf2(run, {"server": IPERF2_CSV, "client": ""})
    assert run["counted_at"] == "server" and run["streams"] == 2
    assert run["bytes"] == 2401501244 + 2301493308
    assert abs(run["gbps"] - (19208533207 + 18359603235) / 1e9) < 1e-9
    run = {}
    tools.parse_iperf2(run, {"server": "", "client": IPERF2_CSV})
    assert run["counted_at"] == "client"


def test_iperf3_parser():
    import json
    doc = {"end": {"sum_received": {"bytes": 10 ** 9, "seconds": 2.0},
                   "cpu_utilization_percent": {"host_total": 50}}}
    run = {}
    tools.parse_iperf3(run, {"client": json.dumps(doc)})
    assert run["gbps"] == 4.0 and run["bytes"] == 10 ** 9


def test_zombie_stat_matches_wait4():
    """The CPU time read from a zombie's /proc/PID/stat is its whole
    lifetime: it agrees with what wait4() then reports, within a tick."""
    p = subprocess.Popen([sys.executable, "-c",
                          "import time\nt=time.process_time()\n"
                          "while time.process_time()-t<0.3: pass"])
    assert procfs.wait_exit(p, 10)
    assert procfs.stat(p.pid)["state"] == "Z"
    v, ru = procfs.final_cpu(p)
    assert p.returncode == 0
    assert v >= 0.25 and abs(v - ru) <= 2.0 / procfs.CLK_TCK


def test_sampler_keeps_last_values_of_children():
    p = subprocess.Popen(["sh", "-c", "sleep 0.3 & wait"])
    s = procfs.Sampler(parents=(p.pid,), interval=0.02).start()
    time.sleep(0.2)
    s.stop()
    p.wait()
    kids = s.sessions(p.pid)
    assert len(kids) == 1
    rec = next(iter(kids.values()))
    assert rec["comm"] == "sleep" and rec["VmHWM"] > 0


def test_cpu_delta_busy():
    a = procfs.cpu_times()
    t = time.process_time()
    while time.process_time() - t < 0.1:
        pass
    d = procfs.cpu_delta(a, procfs.cpu_times())
    assert d["all"]["busy"] >= 0.05
    assert set(k for k in d if k != "all") == set(range(len(d) - 1))


def _run(tool, gbps, src, dst, ok=True):
    return {"tool": tool, "path": "netns", "case": "stream1-01", "ok": ok,
            "error": None if ok else "x", "gbps": gbps,
            "cpu": {"src": {"s_per_gb": src}, "dst": {"s_per_gb": dst}},
            "machine": {"busy_s_per_gb": src + dst}, "rx_cpu": {}}


def test_summary_ratios_and_targets():
    case = cases.BY_NAME["stream1-01"]
    runs = [_run("kperf", 10, 0.5, 0.2), _run("kperf", 12, 0.4, 0.2),
            _run("kperf", 11, 0.45, 0.2), _run("iperf3", 10, 0.5, 0.3),
            _run("iperf3", 9, 0.6, 0.3), _run("iperf3", 1, 1, 1, ok=False),
            _run("iperf2", 8, 0.5, 0.3)]
    s = report.summarize(runs, case, "netns")
    assert s["kperf"]["gbps"]["median"] == 11
    assert s["iperf3"]["n_ok"] == 2 and s["iperf3"]["n_failed"] == 1
    assert abs(s["iperf3"]["ratio"]["gbps"] - 11 / 9.5) < 1e-9
    t = report.targets({"stream1-01": {"netns": s}}, {}, ["netns"])
    verdicts = {x["target"].split(": kperf ")[1]: x["met"] for x in t}
    assert verdicts == {"Gbit/s ≥ iperf3": True, "src CPU-s/GB ≤ iperf3": True,
                        "dst CPU-s/GB ≤ iperf3": True}


def test_slope():
    assert cases.slope([(10, 100), (1000, 1090)]) == 1.0
    assert cases.slope([(10, 5), (500, 10), (1000, 15)]) > 0


def test_every_case_has_a_placement_for_each_path():
    for c in cases.CASES:
        if c.kind in ("stream", "rr"):
            for path in ("loopback", "netns"):
                assert cases.place_of(c, path) in cases.PLACEMENTS


def test_shim_compiles(tmp_path):
    src = Path(__file__).resolve().parent / "shim" / "epoll_pwait2_shim.c"
    r = subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror",
                        "-o", str(tmp_path / "s.so"), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert os.path.getsize(tmp_path / "s.so") > 0
