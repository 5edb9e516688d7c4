"""The benchmark cases and how each tool runs in them.

A comparison case runs its tools in turn, A B C A B C ..., reps times, on
one path with one CPU placement shared by all tools:

  placement   kperf                                  peers
  ---------   -------------------------------------  -----------------------
  01          --cpu-src-wrk 0 --cpu-dst-wrk 1        client taskset -c 0,
                                                     server taskset -c 1
  00          --cpu-src-wrk 0 --cpu-dst-wrk 0        both taskset -c 0
  nopin       --no-pin --allow-shared-cpus           no taskset
  default     kperf's own placement (each flow's     no taskset (they cannot
              worker on its RX CPU, flows on         know the RX CPUs)
              distinct RX CPUs)

A case may name one placement per path (stream2: default on netns, nopin
on loopback, where kperf's default placement cannot place two flows).
"""

import json
import subprocess
import time
from pathlib import Path

import tools
from kperflab import lab as lablib
from kperflab import procfs

# "rps": on the netns path, each host's receive queue is steered to one
# CPU for the case (RPS mask of that CPU), so every tool's packets are
# processed on the same CPUs: the data on the receiver's CPU, the ACKs on
# the sender's.  With RPS on all CPUs the hash picks them per connection,
# and a run whose ACKs land on the sender's CPU is about 30% slower than
# one whose ACKs land elsewhere, whatever the tool: a lottery that swamps
# the differences between tools in a handful of runs.
PLACEMENTS = {
    "01": {"label": "src CPU 0, dst CPU 1", "src": 0, "dst": 1,
           "kperf": ["--cpu-src-wrk", "0", "--cpu-dst-wrk", "1"],
           "rps": {"src": 0, "dst": 1}},
    "00": {"label": "src CPU 0, dst CPU 0", "src": 0, "dst": 0,
           "kperf": ["--cpu-src-wrk", "0", "--cpu-dst-wrk", "0"],
           "rps": {"src": 0, "dst": 0}},
    # --allow-shared-cpus: keep the first connections, as the peers do,
    # instead of re-connecting until the flows' RX CPUs differ (which on
    # loopback, where every flow's RX CPU is the connecting thread's CPU,
    # can fail outright).
    "nopin": {"label": "not pinned (kperf --no-pin --allow-shared-cpus, "
                       "peers without taskset)",
              "src": None, "dst": None,
              "kperf": ["--no-pin", "--allow-shared-cpus"]},
    "default": {"label": "kperf's default placement (workers on the flows' "
                         "RX CPUs, distinct RX CPUs); peers not pinned",
                "src": None, "dst": None, "kperf": []},
}


# Data paths (the engines and I/O modes of docs/datapath.md): each a
# "tool" of the dp-* cases, beside plain kperf (epoll, copy, validation
# on), which the × column divides by.
DATAPATHS = {
    "kperf": [],
    "kperf no-validate": ["--validate", "no"],
    "kperf no-waitall": ["--waitall", "no"],
    "kperf io_uring": ["--iou-src", "--iou-dst"],
    "kperf io_uring no-validate": ["--iou-src", "--iou-dst",
                                   "--validate", "no"],
    "kperf msg-trunc": ["--msg-trunc"],
    "kperf io_uring msg-trunc": ["--iou-src", "--iou-dst", "--msg-trunc"],
    "kperf zerocopy-rx": ["--zerocopy-rx"],
    "kperf msg-zerocopy": ["--msg-zerocopy"],
    "kperf io_uring msg-zerocopy": ["--iou-src", "--iou-dst",
                                    "--msg-zerocopy"],
    "kperf msg-zerocopy zerocopy-rx": ["--msg-zerocopy", "--zerocopy-rx"],
}
DP_RR = ["kperf", "kperf io_uring", "kperf msg-trunc",
         "kperf io_uring msg-trunc", "kperf zerocopy-rx",
         "kperf msg-zerocopy"]


class Case:
    def __init__(self, name, kind, title, place=None, n=1, tools=(),
                 extra=False, loopback_only=False, kperf_args=()):
        self.name = name
        self.kperf_args = list(kperf_args)
        self.kind = kind          # stream | rr | conn | mem | instr
        self.title = title
        self.place = place
        self.n = n
        self.tools = list(tools)
        self.extra = extra        # uses --reps-extra
        self.loopback_only = loopback_only


CASES = [
    # kperf's receiver with and without whole-block reads (--waitall).
    Case("stream1-01", "stream", "Stream, 1 flow", "01", 1,
         ["kperf", "kperf no-waitall", "iperf3", "iperf2"]),
    Case("stream1-00", "stream", "Stream, 1 flow", "00", 1,
         ["kperf", "iperf3"], extra=True),
    Case("stream1-nopin", "stream", "Stream, 1 flow", "nopin", 1,
         ["kperf", "iperf3"], extra=True),
    # kperf's default placement cannot work on loopback: there a flow's RX
    # CPU is the CPU the source session's thread ran on when it connected,
    # so every flow gets the same one and "2 flows on distinct RX CPUs"
    # fails after 500 attempts.  Loopback runs the same case unpinned.
    Case("stream2", "stream", "Stream, 2 flows",
         {"loopback": "nopin", "netns": "default"}, 2,
         ["kperf", "iperf3", "iperf2"]),
    Case("rr1", "rr", "RR, 1 flow, small messages", "01", 1,
         ["kperf", "sockperf", "iperf2-bb"]),
    # 64 KiB writes and reads: the size the engines are compared at.
    Case("dp-stream", "stream", "Data paths, stream, 1 flow, 64 KiB I/O",
         "01", 1, list(DATAPATHS), kperf_args=["--write-size", "64K",
                                               "--read-size", "64K"]),
    Case("dp-rr", "rr", "Data paths, RR, 1 flow, 1 byte", "01", 1, DP_RR),
    Case("conn1000", "conn", "1000 connections set up and torn down"),
    Case("idlemem", "mem", "Memory per connection held in a session"),
    Case("instr", "instr", "Instruction counts (callgrind)",
         loopback_only=True),
]
BY_NAME = {c.name: c for c in CASES}


def place_of(case, path):
    """The placement name of a case on a path."""
    return case.place.get(path) if isinstance(case.place, dict) \
        else case.place


def steer_rps(env, case):
    """netns: point each host's RPS at the CPU its placement names, or
    back at all CPUs; return what was written, for the report."""
    if env.name != "netns":
        return None
    rps = PLACEMENTS[place_of(case, env.name)].get("rps")
    hosts = {"src": env.lab.hosts[0], "dst": env.lab.hosts[1]}
    out = {}
    for end, h in hosts.items():
        mask = "%x" % (1 << rps[end]) if rps else procfs.cpumask()
        h.sh("for q in /sys/class/net/%s/queues/rx-*; do echo %s > "
             "$q/rps_cpus || exit 1; done" % (lablib.IFNAME, mask))
        out[end] = mask
    return out


def run_tool(env, case, tool, t):
    place = PLACEMENTS[place_of(case, env.name)]
    t = str(t)
    if tool in DATAPATHS:
        args = list(place["kperf"]) + case.kperf_args + DATAPATHS[tool]
        # Beside peers, which never check what they receive: same work.
        if not case.name.startswith("dp-"):
            args += ["--validate", "no"]
        if case.n > 1:
            args += ["-n", str(case.n)]
        if case.kind == "rr":
            args += ["-s", "1"]
        r = tools.run_kperf(env, case.name, args, t, tool=tool)
        if case.kind == "rr" and r.get("rr"):
            r["rr"]["size"] = 1
        return r
    if tool == "iperf3":
        return tools.iperf3_stream(env, case.name, t, place, n=case.n)
    if tool == "iperf2":
        return tools.iperf2_stream(env, case.name, t, place, n=case.n)
    if tool == "sockperf":
        return tools.sockperf_rr(env, case.name, t, place)
    if tool == "iperf2-bb":
        return tools.iperf2_bb(env, case.name, t, place)
    raise ValueError(tool)


def estimate_s(case, reps, reps_extra, t, n_paths):
    """Rough wall time of a case, for the plan printed at the start
    (calibrated on the 2-CPU VM)."""
    over = {"iperf3": 0.2, "iperf2": 0.3, "sockperf": 2.5, "iperf2-bb": 0.3}
    over.update({k: 0.2 for k in DATAPATHS})
    if case.kind in ("stream", "rr"):
        r = reps_extra if case.extra else reps
        return n_paths * r * sum(t + over[x] for x in case.tools)
    if case.kind == "conn":
        cr = conn_reps(reps, reps_extra)
        return n_paths * (cr["shared"] + cr["nopin"]) * 1.3
    if case.kind == "mem":
        return n_paths * 3 * 1.8
    if case.kind == "instr":
        return 8
    return 0


# ---------------------------------------------------------------------------
# 1000 connections

CONN_VARIANTS = [
    ("shared", "pinned (a worker per RX CPU)", ["--allow-shared-cpus"]),
    ("nopin", "--no-pin (floating workers)",
     ["--allow-shared-cpus", "--no-pin"]),
]
CONN_N = 1000


def conn_reps(reps, reps_extra):
    """Repetitions of each conn1000 variant (each about a second)."""
    return {"shared": min(reps, 3), "nopin": min(reps, 3)}


def run_conn(env, reps, log):
    """kperf -n 1000 -t 0.1: the wall time from starting the client until
    both kperfd have reaped their sessions (every connection opened, used
    for 0.1 s, closed), and the peak RSS of each end's kperfd + session.
    reps: {variant: repetitions}; variants alternate while both have
    repetitions left."""
    out = []
    for rep in range(max(reps.values())):
        for name, label, args in CONN_VARIANTS:
            if rep >= reps[name]:
                continue
            r = tools.run_kperf(env, "conn1000",
                                ["-n", str(CONN_N), *args, "--placement-attempts", "5"],
                                "0.1", timeout=60, sample_interval=0.02,
                                sample_threads=False)
            r["variant"] = name
            r["variant_label"] = label
            for end in ("src", "dst"):
                m = r["rss_kib"][end]
                m["end_total_kib"] = (m.get("kperfd_VmHWM") or 0) + \
                    (m.get("session_VmHWM_max") or 0)
            log(r, "%s rep %d/%d" % (name, rep + 1, reps[name]))
            out.append(r)
    return out


# ---------------------------------------------------------------------------
# Memory per connection

MEM_POINTS = (10, 500, 1000)


def run_mem(env, points, log, t="1"):
    """Session RSS with N connections held open through a test
    (--allow-shared-cpus: two workers whatever N, so the slope is the
    per-connection cost, not thread stacks).  Least-squares slope of the
    session's peak RSS (VmHWM) over N, per end."""
    runs = []
    for n in points:
        r = tools.run_kperf(env, "idlemem", ["-n", str(n),
                                             "--allow-shared-cpus",
                                             "--placement-attempts", "5"],
                            t, timeout=60, sample_interval=0.05,
                            sample_threads=False)
        r["n_conns"] = n
        log(r, "n=%d" % n)
        runs.append(r)
    res = {"points": [], "kib_per_conn": {}}
    for r in runs:
        res["points"].append({
            "n": r["n_conns"], "ok": r["ok"], "error": r["error"],
            "src_session_VmHWM_kib": r["rss_kib"]["src"].get("session_VmHWM_max"),
            "dst_session_VmHWM_kib": r["rss_kib"]["dst"].get("session_VmHWM_max"),
        })
    for end in ("src", "dst"):
        pts = [(p["n"], p["%s_session_VmHWM_kib" % end]) for p in res["points"]
               if p["ok"] and p["%s_session_VmHWM_kib" % end]]
        if len(pts) >= 2:
            res["kib_per_conn"][end] = slope(pts)
    return runs, res


def slope(pts):
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


# ---------------------------------------------------------------------------
# Instruction counts

def _cg_total(path):
    """Instructions (Ir) in a callgrind output file: its summary/totals."""
    tot = None
    for line in open(path, errors="replace"):
        if line.startswith("summary:") or line.startswith("totals:"):
            tot = int(line.split()[1])
    return tot


def run_instr(lab, host, workdir, kperf, kperfd, log, durations, rr_ok):
    """kperfd (both ends) under valgrind --tool=callgrind, collecting only
    inside the worker threads' function (--toggle-collect=wrk_main), on
    loopback.  Two tests of different lengths per kind; instructions per
    MB (stream) and per transaction (RR) are the slope between them
    (fixed per-test costs cancel), with the plain ratios kept too."""
    res = {"method": "kperfd (both ends) under valgrind --tool=callgrind "
                     "--collect-atstart=no --toggle-collect=wrk_main, "
                     "loopback, workers on CPU 0 / 1: user-space "
                     "instructions of the worker threads only (the kernel "
                     "work of their system calls is not counted); the "
                     "figure is the slope between a %s s and a %s s test, "
                     "so per-test set-up cancels; 'plain ratio' is the "
                     "longer test's total / its MB or transactions. kperf "
                     "has no byte-count option, so tests are time-bounded "
                     "and divided by the bytes kperf reports. valgrind "
                     "3.19 lacks epoll_pwait2: a preloaded shim maps it to "
                     "epoll_pwait (bench/shim)" % durations,
           "stream": {}, "rr": {}}
    cgdir = workdir / "callgrind"
    cgdir.mkdir(exist_ok=True)
    ports = {"src": 18333, "dst": 18334}
    daemons = {}
    # valgrind 3.19 fails epoll_pwait2 with ENOSYS: preload a shim that
    # maps it to epoll_pwait (bench/shim/epoll_pwait2_shim.c).
    shim = cgdir / "epoll_pwait2_shim.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(shim),
                    str(Path(__file__).resolve().parent / "shim" /
                        "epoll_pwait2_shim.c")], check=True,
                   capture_output=True, timeout=60)
    try:
        for end, port in ports.items():
            argv = ["env", "LD_PRELOAD=%s" % shim,
                    "valgrind", "--tool=callgrind", "--collect-atstart=no",
                    "--toggle-collect=wrk_main",
                    "--callgrind-out-file=%s/%s.%%p" % (cgdir, end),
                    kperfd, "--foreground", "--port", port,
                    "--addr", "127.0.0.1"]
            logf = open(workdir / ("valgrind-%s.log" % end), "wb")
            p = subprocess.Popen(lablib.ns_argv(host.ns, argv),
                                 stdin=subprocess.DEVNULL, stdout=logf,
                                 stderr=subprocess.STDOUT)
            logf.close()
            lab.track(p.pid, "valgrind-kperfd-" + end, p)
            daemons[end] = p
        for end, p in daemons.items():
            if not lablib.poll(
                    lambda: procfs.listeners(p.pid, ports[end]), 60):
                raise RuntimeError("kperfd under valgrind did not listen")
        kinds = [("stream", [])]
        if rr_ok:
            kinds.append(("rr", ["-s", "1"]))
        else:
            res["rr"] = {"available": False}
        for kind, extra in kinds:
            pts = []
            for t in durations:
                seen = {f.name for f in cgdir.iterdir()}
                argv = [kperf, "--src", "127.0.0.1", "--dst", "127.0.0.1",
                        "--src-svc", ports["src"], "--dst-svc", ports["dst"],
                        "-t", t, "--json", "--connect-timeout", "60",
                        "--cpu-src-wrk", "0", "--cpu-dst-wrk", "1", *extra]
                t0 = time.monotonic()
                r = lablib.run(lablib.ns_argv(host.ns, argv),
                               timeout=float(t) + 120, check=False)
                # Sessions write their callgrind file as they exit.
                new = lablib.poll(lambda: {
                    e: [f for f in cgdir.iterdir() if f.name not in seen
                        and f.name.startswith(e + ".")]
                    for e in ("src", "dst")} if all(
                        procfs.children(daemons[e].pid) == [] for e in
                        ("src", "dst")) else None, 60, 0.1)
                if r.returncode != 0 or not new:
                    raise RuntimeError("kperf under callgrind: exit %s: %s"
                                       % (r.returncode, r.stderr[-300:]))
                d = json.loads(r.stdout)
                fl = d["flows"][0]
                ir = {e: sum(_cg_total(f) or 0 for f in new[e])
                      for e in ("src", "dst")}
                pt = {"t": float(t), "wall_s": round(time.monotonic() - t0, 2),
                      "ir": ir, "tx_bytes": fl["src"]["tx_bytes"],
                      "rx_bytes": fl["dst"]["rx_bytes"]}
                if kind == "rr":
                    pt["transactions"] = d["totals"]["rr"]["transactions"]
                pts.append(pt)
                log(None, "callgrind %s -t %s: src %d Ir, dst %d Ir"
                    % (kind, t, ir["src"], ir["dst"]))
            res[kind]["points"] = pts
            a, b = pts[0], pts[-1]
            if kind == "stream":
                dmb = {"src": (b["tx_bytes"] - a["tx_bytes"]) / 1e6,
                       "dst": (b["rx_bytes"] - a["rx_bytes"]) / 1e6}
                for e in ("src", "dst"):
                    byt = b["tx_bytes"] if e == "src" else b["rx_bytes"]
                    res[kind]["ir_per_mb_" + e] = (
                        (b["ir"][e] - a["ir"][e]) / dmb[e] if dmb[e] > 0
                        else None)
                    res[kind]["ir_per_mb_ratio_" + e] = b["ir"][e] / (byt / 1e6)
            else:
                dtx = b["transactions"] - a["transactions"]
                for e in ("src", "dst"):
                    res[kind]["ir_per_tx_" + e] = (
                        (b["ir"][e] - a["ir"][e]) / dtx if dtx > 0 else None)
                    res[kind]["ir_per_tx_ratio_" + e] = \
                        b["ir"][e] / b["transactions"]
                res[kind]["available"] = True
    finally:
        for p in daemons.values():
            tools.stop(p, grace=10)
    return res
