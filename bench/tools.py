"""Running one test of kperf or of a peer (iperf3, iperf2, sockperf) on a
path, with the harness's own accounting around it.

Every run returns a dict (see Run below) with:
  ok / error            did the tool do its job
  gbps, bytes           stream: received bytes and rate, as the tool reports
  rr                    RR: tps, p50_us, p99_us, mean_us, transactions, size
  cpu.src/dst.s         CPU seconds of every process of that end, measured
                        here from /proc (never taken from the tool)
  machine               /proc/stat deltas over the client's lifetime: busy
                        CPU seconds of the whole machine (both ends, softirq,
                        and anything else that ran), per-CPU softirq
  rx_cpu                where the receive processing ran, as kperf reports it
                        (SO_INCOMING_CPU); nothing reads it for the peers
  rss_kib               peak resident memory of the processes, sampled
"""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import sampler
from kperflab import procfs

GB = 1e9


class Env:
    """One path: where the client runs, where the servers run, and the two
    kperfd (one per end, so that each end's CPU time is its own)."""

    def __init__(self, name, lab, src_host, dst_host, src_addr, dst_addr,
                 kperfd_src, kperfd_dst, src_svc, dst_svc, workdir, kperf):
        self.name = name
        self.lab = lab
        self.src_ns = src_host.ns
        self.dst_ns = dst_host.ns
        self.src_addr = src_addr
        self.dst_addr = dst_addr
        self.kperfd_src = kperfd_src      # lab.Proc
        self.kperfd_dst = kperfd_dst
        self.src_svc = src_svc
        self.dst_svc = dst_svc
        self.workdir = Path(workdir)
        self.kperf = str(kperf)
        self.seq = 0
        self.sample_interval = 0.25

    def logfile(self, tag):
        self.seq += 1
        return self.workdir / ("%s-%04d-%s.log" % (self.name, self.seq, tag))


# ---------------------------------------------------------------------------
# Processes

def _cpus_prefix(cpus):
    return ["taskset", "-c", str(cpus)] if cpus is not None else []


def spawn(env, ns, argv, tag, cpus=None):
    """Start argv inside namespace ns (pinned with taskset when cpus is
    given); stdout and stderr go to files.  ip netns exec and taskset both
    exec, so the PID is the tool's own."""
    out = env.logfile(tag + ".out")
    err = env.logfile(tag + ".err")
    full = ["ip", "netns", "exec", ns, *_cpus_prefix(cpus), *map(str, argv)]
    with open(out, "wb") as fo, open(err, "wb") as fe:
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=fo,
                             stderr=fe)
    p.argv, p.out, p.err, p.t0 = full, out, err, time.monotonic()
    env.lab.track(p.pid, tag, p)      # the lab's teardown kills it too
    return p


def text(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def stop(p, grace=2.0):
    """End a process we started (by its PID): SIGTERM, SIGKILL after grace.
    Returns (cpu_s from the zombie's /proc/PID/stat, wait4 cpu_s)."""
    if not sampler.wait_exit(p, 0):
        try:
            os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if not sampler.wait_exit(p, grace):
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            sampler.wait_exit(p, 5)
    return sampler.final_cpu(p)


def wait_listen(p, port, timeout=5.0):
    """Until the server p listens on port (read from its namespace's
    /proc/PID/net/tcp*)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if sampler.wait_exit(p, 0):
            return False
        if procfs.listeners(p.pid, port):
            return True
        time.sleep(0.01)
    return False


KSOFTIRQD = None
# A run is flagged "contended" when the machine was busier than the two
# ends and ksoftirqd account for by more than this many CPUs on average:
# something else (another tenant of the shared machine) took CPU time.
CONTENDED_CPUS = 0.3


class Window:
    """/proc/stat before and after: machine-wide CPU time of a run, and the
    ksoftirqd threads' CPU time over the same window."""

    def __enter__(self):
        global KSOFTIRQD
        if KSOFTIRQD is None:
            KSOFTIRQD = procfs.ksoftirqd_pids()
        self.k0 = procfs.cpu_sum(KSOFTIRQD)
        self.a = procfs.cpu_times()
        self.t0 = time.monotonic()
        return self

    def close(self):
        self.b = procfs.cpu_times()
        self.wall = time.monotonic() - self.t0
        self.ksoftirqd = procfs.cpu_sum(KSOFTIRQD) - self.k0
        self.delta = procfs.cpu_delta(self.a, self.b)

    def __exit__(self, *e):
        if not hasattr(self, "b"):
            self.close()

    def summary(self):
        d = self.delta
        cpu, share = procfs.softirq_cpu(d)
        return {
            "window_s": round(self.wall, 4),
            "busy_s": round(d["all"]["busy"], 3),
            "ksoftirqd_s": round(self.ksoftirqd, 3),
            "steal_s": round(d["all"]["steal"], 3),
            "per_cpu": {str(k): {n: round(v[n], 3) for n in
                                 ("busy", "user", "system", "softirq", "idle")}
                        for k, v in d.items() if k != "all"},
            "softirq_cpu": cpu,
            "softirq_share": round(share, 3) if share is not None else None,
        }


def new_run(tool, env, case):
    return {"tool": tool, "path": env.name, "case": case, "ok": False,
            "error": None, "cpu": {"src": {}, "dst": {}}, "rx_cpu": {},
            "rss_kib": {}}


def contention(run):
    """Busy CPU time of the machine that neither end nor ksoftirqd
    accounts for, in CPUs over the window; None when unknown."""
    m = run.get("machine") or {}
    s, d = run["cpu"]["src"].get("s"), run["cpu"]["dst"].get("s")
    if s is None or d is None or not m.get("window_s"):
        return None
    other = m["busy_s"] - s - d - (m.get("ksoftirqd_s") or 0)
    return other / m["window_s"]


def _finish(run, win):
    run["machine"] = win.summary()
    c = contention(run)
    run["machine"]["other_cpus"] = round(c, 3) if c is not None else None
    run["contended"] = c is not None and c > CONTENDED_CPUS
    b = run.get("bytes")
    if b:
        gb = b / GB
        for end in ("src", "dst"):
            s = run["cpu"][end].get("s")
            if s is not None:
                run["cpu"][end]["s_per_gb"] = s / gb
        run["machine"]["busy_s_per_gb"] = run["machine"]["busy_s"] / gb
    tx = (run.get("rr") or {}).get("transactions_all")
    if tx:
        for end in ("src", "dst"):
            s = run["cpu"][end].get("s")
            if s is not None:
                run["cpu"][end]["us_per_tx"] = s / tx * 1e6
        run["machine"]["busy_us_per_tx"] = run["machine"]["busy_s"] / tx * 1e6
    return run


# ---------------------------------------------------------------------------
# kperf

def kperf_available_rr(kperf):
    """True when this kperf has RR (-s/--req-size).  BENCH_PRETEND_NO_RR=1
    pretends it has not, to check the 'not available' rows."""
    if os.environ.get("BENCH_PRETEND_NO_RR") == "1":
        return False
    try:
        h = subprocess.run([kperf, "--help"], capture_output=True, text=True,
                           timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--req-size" in h


def run_kperf(env, case, args, t, timeout=None, sample_interval=None,
              sample_threads=False, tool="kperf"):
    """kperf ARGS in the source namespace.  CPU of each end: its kperfd's
    utime + stime + cutime + cstime delta over the run (cutime/cstime:
    the session processes, complete once kperfd has reaped them) plus, on
    the source, the kperf client itself (it runs on the source host); the
    sessions' last polled /proc/PID/stat is kept as a cross-check."""
    run = new_run(tool, env, case)
    dsrc, ddst = env.kperfd_src.pid, env.kperfd_dst.pid
    argv = [env.kperf, "--src", env.src_addr, "--dst", env.dst_addr,
            "--src-svc", env.src_svc, "--dst-svc", env.dst_svc,
            "-t", t, "--json", *args]
    run["argv"] = ["kperf", *map(str, argv[1:])]
    before = {d: procfs.cpu_s(procfs.pid_stat(d), children=True)
              for d in (dsrc, ddst)}
    smp = sampler.Sampler(pids=(dsrc, ddst), parents=(dsrc, ddst),
                         interval=sample_interval or env.sample_interval,
                         thread_prefix="kperf-wrk" if sample_threads else None)
    smp.start()
    with Window() as win:
        p = spawn(env, env.src_ns, argv, "kperf")
        exited = sampler.wait_exit(p, timeout or (float(t) + 30))
        win.close()
    run["wall_s"] = round(win.wall, 4)
    if not exited:
        run["error"] = "kperf still running after %ss: killed" % (
            timeout or float(t) + 30)
    client_cpu, client_ru = stop(p)
    # Sessions end when the client's control connections close; kperfd
    # reaps them (their CPU time then moves into kperfd's cutime/cstime).
    end = time.monotonic() + 10
    while time.monotonic() < end and (procfs.children(dsrc) or
                                      procfs.children(ddst)):
        time.sleep(0.005)
    run["sessions_gone_s"] = round(time.monotonic() - win.t0, 4)
    smp.stop()
    left = procfs.children(dsrc) + procfs.children(ddst)
    after = {d: procfs.cpu_s(procfs.pid_stat(d), children=True)
             for d in (dsrc, ddst)}
    for end_, d in (("src", dsrc), ("dst", ddst)):
        sess = smp.sessions(d)
        c = run["cpu"][end_]
        c["kperfd_s"] = round(after[d] - before[d], 3)
        c["sessions_polled_s"] = round(sum(r.get("cpu_s", 0)
                                           for r in sess.values()), 3)
        c["workers_polled_s"] = round(sum(v for (pid, _), v in
                                          smp.workers.items()
                                          if pid in sess), 3)
        c["s"] = after[d] - before[d]
        if end_ == "src" and client_cpu is not None:
            c["client_s"] = client_cpu
            c["s"] += client_cpu
        run["rss_kib"][end_] = {
            "kperfd_VmHWM": procfs.status_kib(d).get("VmHWM"),
            "session_VmHWM_max": max((r.get("VmHWM", 0)
                                      for r in sess.values()), default=None),
            "session_VmRSS_max": max((smp.peak_rss.get(pid, 0)
                                      for pid in sess), default=None),
            "sessions": len(sess),
        }
    run["client_cpu_wait4_s"] = client_ru
    run["polls"] = smp.n_polls
    if left:
        run["error"] = run["error"] or ("sessions still alive 10 s after the "
                                        "client exited: %s" % left)
    out, err = text(p.out), text(p.err)
    run["rc"] = p.returncode
    if p.returncode != 0 or run["error"]:
        run["error"] = run["error"] or ("exit %s: %s" % (
            p.returncode, err.strip()[-500:]))
        run["usage_error"] = p.returncode == 2
        return _finish(run, win)
    try:
        d = json.loads(out)
    except ValueError as e:
        run["error"] = "bad JSON: %s" % e
        return _finish(run, win)
    run["json"] = _kperf_slim(d)
    flows = d.get("flows") or []
    run["n_flows"] = len(flows)
    # Per-flow lists: the first 8 flows (conn1000 has 1000).
    run["rx_cpu"]["reported"] = [[f["src"].get("rx_cpu"),
                                  f["dst"].get("rx_cpu")] for f in flows[:8]]
    run["rx_cpu"]["reported_end"] = [[f["src"].get("rx_cpu_end"),
                                      f["dst"].get("rx_cpu_end")]
                                     for f in flows[:8]]
    run["worker_cpu"] = [[f["src"].get("worker_cpu_ran"),
                          f["dst"].get("worker_cpu_ran")] for f in flows[:8]]
    run["bytes"] = sum(f["dst"]["rx_bytes"] for f in flows)
    run["seconds"] = d["test"]["duration_s"]
    run["gbps"] = d["totals"]["throughput_gbps"]
    run["kperf_says"] = {e: {k: d["hosts"][e].get(k) for k in
                             ("worker_cpu_s", "cpu_s_per_gb",
                              "cpu_us_per_transaction")}
                         for e in ("src", "dst")}
    run["n_workers"] = {e: len(d["hosts"][e].get("workers") or [])
                        for e in ("src", "dst")}
    rr = (d.get("totals") or {}).get("rr")
    if d["test"].get("type") == "rr" and rr:
        lat = rr.get("latency_us") or {}
        run["rr"] = {"tps": rr.get("tps"),
                     "transactions": rr.get("transactions"),
                     "transactions_all": rr.get("transactions"),
                     "p50_us": lat.get("p50"), "p99_us": lat.get("p99"),
                     "mean_us": lat.get("mean")}
    run["ok"] = True
    return _finish(run, win)


def _kperf_slim(d):
    """The parts of kperf's document worth keeping beside the harness's
    figures (intervals and histograms dropped)."""
    keep = {k: d.get(k) for k in ("test", "totals")}
    keep["hosts"] = {e: {k: v for k, v in d["hosts"][e].items()
                         if k != "workers"} for e in ("src", "dst")}
    keep["flows"] = d.get("flows", [])[:4]
    return keep


# ---------------------------------------------------------------------------
# Peers: a server in the destination, a client in the source

def run_peer(env, case, tool, server_argv, client_argv, port, t, place,
             parse, timeout=None, server_exits=False):
    """Start the server (pinned to place's dst CPU), wait until it listens,
    run the client (pinned to place's src CPU) and account for both.  The
    server is started afresh for every run, so its whole lifetime CPU time
    (read from its zombie) is this run's."""
    run = new_run(tool, env, case)
    run["argv"] = {"server": list(map(str, server_argv)),
                   "client": list(map(str, client_argv))}
    srv = spawn(env, env.dst_ns, server_argv, tool + "-srv", place.get("dst"))
    if not wait_listen(srv, port):
        stop(srv)
        run["error"] = "server did not listen on %d: %s" % (
            port, (text(srv.out) + text(srv.err)).strip()[-300:])
        return run
    smp = sampler.Sampler(pids=(srv.pid,), interval=env.sample_interval,
                         thread_prefix=None)
    with Window() as win:
        cli = spawn(env, env.src_ns, client_argv, tool + "-cli",
                    place.get("src"))
        smp.pids.append(cli.pid)
        smp.start()
        lim = timeout or (float(t) + 30)
        exited = sampler.wait_exit(cli, lim)
        win.close()
    run["wall_s"] = round(win.wall, 4)
    smp.stop()
    if not exited:
        run["error"] = "client still running after %ss: killed" % lim
    cli_cpu, cli_ru = stop(cli)
    if server_exits:
        sampler.wait_exit(srv, 3)
    else:
        time.sleep(0.1)   # let the server finish its report
    srv_cpu, srv_ru = stop(srv)
    run["cpu"]["src"] = {"s": cli_cpu, "client_s": cli_cpu}
    run["cpu"]["dst"] = {"s": srv_cpu, "server_s": srv_cpu}
    run["cpu_wait4_s"] = {"src": cli_ru, "dst": srv_ru}
    run["rss_kib"] = {"src": {"VmHWM": smp.last.get(cli.pid, {}).get("VmHWM")},
                      "dst": {"VmHWM": smp.last.get(srv.pid, {}).get("VmHWM")}}
    run["rc"] = cli.returncode
    out = {"client": text(cli.out), "client_err": text(cli.err),
           "server": text(srv.out), "server_err": text(srv.err)}
    if not run["error"] and cli.returncode != 0:
        run["error"] = "client exit %s: %s" % (
            cli.returncode, (out["client_err"] or out["client"]).strip()[-400:])
    if not run["error"]:
        try:
            parse(run, out)
            run["ok"] = True
        except (ValueError, KeyError, IndexError, TypeError) as e:
            run["error"] = "could not parse %s output: %s: %s" % (
                tool, e, (out["client"] + out["client_err"])[-400:])
    return _finish(run, win)


# -- iperf3 -------------------------------------------------------------------

IPERF3_PORT = 5201


def parse_iperf3(run, out):
    d = json.loads(out["client"])
    if d.get("error"):
        raise ValueError(d["error"])
    r = d["end"]["sum_received"]
    run["bytes"] = r["bytes"]
    run["seconds"] = r["seconds"]
    run["gbps"] = r["bytes"] * 8 / r["seconds"] / 1e9
    run["peer_says"] = {"cpu_utilization_percent":
                        d["end"].get("cpu_utilization_percent")}


def iperf3_stream(env, case, t, place, n=1, size="128K"):
    srv = ["iperf3", "-s", "-1", "-B", env.dst_addr, "-p", IPERF3_PORT]
    cli = ["iperf3", "-c", env.dst_addr, "-p", IPERF3_PORT, "-t", t,
           "-l", size, "-J"]
    if n > 1:
        cli += ["-P", n]
    return run_peer(env, case, "iperf3", srv, cli, IPERF3_PORT, t, place,
                    parse_iperf3, server_exits=True)


# -- iperf2 -------------------------------------------------------------------

IPERF2_PORT = 5001


def parse_iperf2_csv(textv):
    """iperf2 -y C lines: time,local,lport,remote,rport,id,interval,bytes,bps.
    Returns {id: (bytes, bps)} of the last line of each id (the totals)."""
    rows = {}
    for line in textv.splitlines():
        f = line.strip().split(",")
        if len(f) < 9 or not f[7].isdigit():
            continue
        rows[f[5]] = (int(f[7]), float(f[8]))
    return rows


def parse_iperf2(run, out):
    # Receiver side (the server) first, as for the other tools; the
    # client's (sender's) figures if the server printed nothing.
    for side in ("server", "client"):
        rows = {k: v for k, v in parse_iperf2_csv(out[side]).items()
                if not k.startswith("-")}
        if rows:
            run["bytes"] = sum(b for b, _ in rows.values())
            run["gbps"] = sum(bps for _, bps in rows.values()) / 1e9
            run["counted_at"] = side
            run["streams"] = len(rows)
            return
    raise ValueError("no CSV report")


def iperf2_stream(env, case, t, place, n=1, size="128K"):
    srv = ["iperf", "-s", "-B", env.dst_addr, "-p", IPERF2_PORT, "-y", "C"]
    cli = ["iperf", "-c", env.dst_addr, "-p", IPERF2_PORT, "-t", t,
           "-l", size, "-y", "C"]
    if n > 1:
        cli += ["-P", n]
    return run_peer(env, case, "iperf2", srv, cli, IPERF2_PORT, t, place,
                    parse_iperf2, timeout=float(t) + 15)


# iperf2 --bounceback: its header needs 64 bytes (smaller sizes hang, as
# found with iperf 2.1.8), and without --bounceback-period 0 it sends ten
# bursts a second instead of back to back.
IPERF2_BB_SIZE = 64
BB_RE = re.compile(r"(\d+\.\d+)-(\d+\.\d+) sec .*?\s(\d+)=([\d.]+)/([\d.]+)/"
                   r"([\d.]+)/([\d.]+) ms")


def parse_iperf2_bb(run, out):
    last = None
    for line in out["client"].splitlines():
        m = BB_RE.search(line)
        if m:
            last = m
    if not last:
        raise ValueError("no bounceback report")
    t0, t1, cnt = float(last.group(1)), float(last.group(2)), int(last.group(3))
    run["rr"] = {"tps": cnt / (t1 - t0), "transactions": cnt,
                 "transactions_all": cnt, "mean_us": float(last.group(4)) * 1e3,
                 "p50_us": None, "p99_us": None, "size": IPERF2_BB_SIZE,
                 "note": "iperf2 reports mean/min/max and 100-us bins only"}


def iperf2_bb(env, case, t, place):
    srv = ["iperf", "-s", "-B", env.dst_addr, "-p", IPERF2_PORT]
    cli = ["iperf", "-c", env.dst_addr, "-p", IPERF2_PORT, "-t", t, "-e",
           "--bounceback", "--bounceback-period", "0", "-l", IPERF2_BB_SIZE]
    return run_peer(env, case, "iperf2-bb", srv, cli, IPERF2_PORT, t, place,
                    parse_iperf2_bb, timeout=float(t) + 15)


def iperf2_bounceback_supported():
    try:
        h = subprocess.run(["iperf", "--help"], capture_output=True,
                           text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--bounceback" in (h.stdout + h.stderr)


# -- sockperf -----------------------------------------------------------------

SOCKPERF_PORT = 11111
SOCKPERF_SIZE = 14      # sockperf's minimum message: its own header
SP_VALID = re.compile(r"\[Valid Duration\] RunTime=([\d.]+) sec; "
                      r"SentMessages=(\d+); ReceivedMessages=(\d+)")
SP_TOTAL = re.compile(r"\[Total Run\] RunTime=([\d.]+) sec;.*"
                      r"ReceivedMessages=(\d+)")
SP_PCT = re.compile(r"percentile\s+([\d.]+)\s*=\s*([\d.]+)")
SP_AVG = re.compile(r"avg-rtt=([\d.]+)")


def parse_sockperf(run, out):
    o = out["client"] + out["client_err"]
    v = SP_VALID.search(o)
    tot = SP_TOTAL.search(o)
    pct = {float(a): float(b) for a, b in SP_PCT.findall(o)}
    avg = SP_AVG.search(o)
    if not v or 50.0 not in pct:
        raise ValueError("no sockperf summary")
    run["rr"] = {"tps": int(v.group(3)) / float(v.group(1)),
                 "transactions": int(v.group(3)),
                 "transactions_all": int(tot.group(2)) if tot else None,
                 "p50_us": pct.get(50.0), "p99_us": pct.get(99.0),
                 "mean_us": float(avg.group(1)) if avg else None,
                 "size": SOCKPERF_SIZE,
                 "note": "sockperf times RTT (--full-rtt) over its valid "
                         "window (run minus warm-up)"}


def sockperf_rr(env, case, t, place):
    srv = ["sockperf", "server", "--tcp", "-i", env.dst_addr,
           "-p", SOCKPERF_PORT]
    cli = ["sockperf", "ping-pong", "--tcp", "-i", env.dst_addr,
           "-p", SOCKPERF_PORT, "-m", SOCKPERF_SIZE, "-t", t, "--full-rtt"]
    return run_peer(env, case, "sockperf", srv, cli, SOCKPERF_PORT, t, place,
                    parse_sockperf, timeout=float(t) + 20)
