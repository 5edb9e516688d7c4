"""Self-tests of the harness (no root, no network, a few seconds):

    /usr/bin/python3 -m pytest -q bench/test_bench.py

Parsers against real output of the peers, the /proc accounting against the
kernel's own wait4() figures, and the summaries and targets; for
ktls.py (the kTLS benchmark in the VM lab) its parsing, TLS checks and
table on synthetic case results, without a VM."""

import os
import subprocess
import sys
import time
from pathlib import Path

import cases
import report
import sampler
import tools
from kperflab import procfs

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
    assert sampler.wait_exit(p, 10)
    assert procfs.pid_stat(p.pid)["state"] == "Z"
    v, ru = sampler.final_cpu(p)
    assert p.returncode == 0
    assert v >= 0.25 and abs(v - ru) <= 2.0 / procfs.CLK_TCK


def test_sampler_keeps_last_values_of_children():
    p = subprocess.Popen(["sh", "-c", "sleep 0.3 & wait"])
    s = sampler.Sampler(parents=(p.pid,), interval=0.02).start()
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


# ---------------------------------------------------------------------------
# bench/ktls.py (the kTLS benchmark in the VM lab): its parsing, checks and
# summary, on synthetic case results (no VM).

import json  # noqa: E402
import types  # noqa: E402

import ktls  # noqa: E402


def _stat_line(pid, comm, ppid, ut, st, cut=0, cst=0):
    # fields 1-17 of /proc/PID/stat, then a few more
    return ("%d (%s) S %d %d %d 0 -1 4194560 100 0 0 0 %d %d %d %d 20 0 1 0"
            " 500 1000 200" % (pid, comm, ppid, pid, pid, ut, st, cut, cst))


def _ktls_case(key, gbps=1.2, rx=3 * 10 ** 8, src_ticks=(100, 250),
               dst_ticks=(40, 160), client=(5, 9), session_left=False,
               tx_src=1, rx_dst=1, guest_tx=1):
    tls = bool(ktls.BY_KEY[key][2])
    cipher = {"chacha": "chacha20-poly1305", "aes256": "aes-gcm-256"}.get(
        key, "aes-gcm-128")
    ver = "1.2" if key.endswith("-12") else "1.3"
    st = {"TlsTxSw": tx_src, "TlsRxSw": 1, "TlsDecryptError": 0}
    dt = {"TlsTxSw": 1, "TlsRxSw": rx_dst, "TlsDecryptError": 0}
    doc = {"test": {"duration_s": 3.0, "tls": {
               "enabled": tls, "version": ver if tls else None,
               "cipher": cipher if tls else None, "tx": tls, "rx": tls,
               "nopad": False}},
           "totals": {"throughput_gbps": gbps, "mismatches": 0},
           "hosts": {"src": {"kernel": "6.1.0-test", "cpu_s_per_gb": 2.0,
                             "worker_cpu_s": 0.6,
                             "tls_stat": st if tls else None},
                     "dst": {"cpu_s_per_gb": 1.0, "worker_cpu_s": 0.3,
                             "tls_stat": dt if tls else None}},
           "flows": [{"src": {"rx_cpu": 1, "rx_bytes": 0},
                      "dst": {"rx_cpu": 0, "rx_bytes": rx}}]}
    err = []
    for when, i in (("before", 0), ("after", 1)):
        err.append("@@KT %s self net:[111]" % when)
        err.append("@@KT %s cpu cpu  %d 0 %d 900 0 0 %d 0 0 0"
                   % (when, 100 + 150 * i, 50 + 200 * i, 10 + 30 * i))
        err.append("@@KT %s kperfd net:[111] %s" % (
            when, _stat_line(50, "kperfd", 1, 1, 1, src_ticks[i], 0)))
        err.append("@@KT %s kperfd net:[222] %s" % (
            when, _stat_line(60, "kperfd", 1, 2, 0, 0, dst_ticks[i])))
    if session_left:
        err.append("@@KT after kperfd net:[222] %s"
                   % _stat_line(61, "kperfd", 60, 30, 30))
    err.append("@@KT before client %s" % _stat_line(7, "sh", 1, 0, 0,
                                                     client[0], 0))
    err.append("@@KT after client %s" % _stat_line(7, "sh", 1, 0, 1, 0,
                                                    client[1]))
    err.append("a line of kperf's own")
    zero = {"TlsTxSw": 0, "TlsRxSw": 0}
    after = {"a": {"TlsTxSw": guest_tx if tls else 0, "TlsRxSw": int(tls)},
             "b": {"TlsTxSw": int(tls), "TlsRxSw": int(tls)}}
    return types.SimpleNamespace(
        name="%s-r1" % key, rc=0, stdout=json.dumps(doc),
        stderr="\n".join(err) + "\n", secs=4.2, timed_out=False,
        tls_stat_before={"a": dict(zero), "b": dict(zero)},
        tls_stat_after=after)


def test_ktls_parse_run_measures_cpu_per_end():
    r = ktls.parse_run(_ktls_case("aes128"), "aes128", 1)
    assert r["ok"], r["error"]
    c = r["cpu"]
    # src: kperfd 100 -> 250 ticks, + client 5 -> 9 ticks; GB = 0.3
    assert abs(c["src"]["kperfd_s"] - 1.5) < 1e-9
    assert abs(c["src"]["client_s"] - 0.04) < 1e-9
    assert abs(c["src"]["s_per_gb"] - 1.54 / 0.3) < 1e-9
    assert abs(c["dst"]["s_per_gb"] - 1.2 / 0.3) < 1e-9
    # guest busy: user +1.5, system +2.0, softirq +0.3
    assert abs(r["machine"]["busy"] - 3.8) < 1e-9
    assert r["tls_stat"]["src"]["TlsTxSw"] == 1
    assert r["tls_stat_guest"]["b"]["TlsRxSw"] == 1
    assert r["stderr"] == "a line of kperf's own"
    assert r["rx_cpu"] == [[1, 0]]


def test_ktls_parse_run_rejects_bad_runs():
    r = ktls.parse_run(_ktls_case("plain", session_left=True), "plain", 1)
    assert not r["ok"] and "sessions still alive" in r["error"]
    r = ktls.parse_run(_ktls_case("chacha", tx_src=0), "chacha", 1)
    assert not r["ok"] and "kperf src TlsTxSw" in r["error"]
    r = ktls.parse_run(_ktls_case("aes256", guest_tx=0), "aes256", 1)
    assert not r["ok"] and "guest a TlsTxSw" in r["error"]
    # a plain run whose JSON says TLS (the variant's cipher is checked too)
    r = ktls.parse_run(_ktls_case("aes128"), "plain", 1)
    assert not r["ok"] and "TLS on in a plain run" in r["error"]
    r = ktls.parse_run(_ktls_case("aes128"), "aes128-12", 1)
    assert not r["ok"] and "not TLS 1.2 aes-gcm-128" in r["error"]
    bad = _ktls_case("plain")
    bad.rc, bad.stdout = 1, ""
    r = ktls.parse_run(bad, "plain", 1)
    assert not r["ok"] and r["error"].startswith("exit 1")


def test_ktls_summary_ratios_and_table():
    runs = []
    for rep, (g_plain, g_tls) in enumerate(((1.5, 1.0), (1.4, 0.8),
                                            (1.6, 0.9)), 1):
        runs.append(ktls.parse_run(_ktls_case("plain", gbps=g_plain,
                                              src_ticks=(0, 60)),
                                   "plain", rep))
        runs.append(ktls.parse_run(_ktls_case("chacha", gbps=g_tls,
                                              src_ticks=(0, 150)),
                                   "chacha", rep))
    bad = ktls.parse_run(_ktls_case("aes128", rx_dst=0), "aes128", 1)
    runs.append(bad)
    s = ktls.summarize(runs)
    assert list(s) == ["plain", "aes128", "chacha"]     # VARIANTS order
    assert s["plain"]["gbps"]["median"] == 1.5
    assert abs(s["chacha"]["ratio"]["gbps"] - 0.9 / 1.5) < 1e-9
    # src: (60 + 4) vs (150 + 4) ticks per 0.3 GB
    assert abs(s["chacha"]["ratio"]["src_cpu"] - 154 / 64) < 1e-9
    assert s["plain"]["ratio"]["gbps"] == 1.0
    assert s["aes128"]["n_ok"] == 0 and s["aes128"]["n_failed"] == 1
    doc = {"facts": {"date": "d", "qemu_args": "qemu -accel tcg -cpu max",
                     "cpu_model": "X", "ncpus": 2, "kernel": "k",
                     "qemu_version": "QEMU 7.2", "loadavg_start": ["0"] * 3,
                     "kperf_version": "kperf", "git_commit": "abc",
                     "git_dirty": False},
           "guest": {"uname_r": "6.1.0-test", "flags": "fpu aes avx2"},
           "options": {"reps": 3, "time": "3"}, "runs": runs,
           "summary": s, "notes": ktls.NOTES}
    text = ktls.md(doc)
    assert "| TLS 1.3 chacha20-poly1305 | 3 | 0.900 (0.800–1.00) | ×0.60 |" \
        in text
    assert "| TLS 1.3 aes-gcm-128 | 0 (1 failed) | **failed**: TLS check" \
        in text
    assert "6.1.0-test" in text and "aes avx2" in text
    assert "TCG" in text and "not what kTLS costs on a real host" in text


def test_ktls_plan_alternates_in_one_boot():
    p = ktls.plan(2, "3")
    runs = [(k, r) for _, k, r, _, _ in p if k and r]
    keys = [k for k, _, _ in ktls.VARIANTS]
    assert runs == [(k, 1) for k in keys] + [(k, 2) for k in keys]
    for name, _, _, _, _ in p:
        assert ktls.vmlab.CASE_NAME.match(name), name
    assert p[0][0] == "guest-facts" and p[-1][0] == "guest-crypto"


# ---------------------------------------------------------------------------
# resultfiles.py: the three files of a run

import resultfiles  # noqa: E402


def test_resultfiles_round_trip(tmp_path):
    doc = {"schema": 1, "facts": {"ncpus": 2},
           "summary": {"c": {"netns": {"kperf": {
               "gbps": {"median": 1 / 3, "min": 0.25, "max": 0.5, "n": 3}}}}},
           "notes": ["n"], "runs": [{"gbps": 0.25}, {"gbps": 1 / 3}]}
    paths = resultfiles.write(tmp_path / "20260101T000000Z", doc, "| t |")
    assert [p.name for p in paths] == [
        "20260101T000000Z.json.xz", "20260101T000000Z.md",
        "20260101T000000Z.summary.json"]
    assert resultfiles.load(paths[0]) == doc
    assert paths[1].read_text() == "| t |\n"
    summ = json.loads(paths[2].read_text())
    assert "runs" not in summ and "notes" not in summ
    assert summ["summary"]["c"]["netns"]["kperf"]["gbps"]["median"] == \
        0.333333
    # One line per figure.
    assert '"gbps": {"median": 0.333333, "min": 0.25, "max": 0.5, "n": 3}' \
        in paths[2].read_text()
    for p in paths:
        assert resultfiles.stem(p) == tmp_path / "20260101T000000Z"
