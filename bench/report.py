"""Summaries (median, min, max over the repetitions; kperf/peer ratios),
kperf's targets against the peers (targets()), and the markdown table."""

import statistics

# metric key -> (label, getter, better): better is "high" or "low"
STREAM_METRICS = [
    ("gbps", "Gbit/s", lambda r: r.get("gbps"), "high"),
    ("src_cpu", "src CPU-s/GB", lambda r: r["cpu"]["src"].get("s_per_gb"), "low"),
    ("dst_cpu", "dst CPU-s/GB", lambda r: r["cpu"]["dst"].get("s_per_gb"), "low"),
    ("machine_cpu", "machine CPU-s/GB",
     lambda r: (r.get("machine") or {}).get("busy_s_per_gb"), "low"),
]
RR_METRICS = [
    ("tps", "tps", lambda r: (r.get("rr") or {}).get("tps"), "high"),
    ("p50", "p50 µs", lambda r: (r.get("rr") or {}).get("p50_us"), "low"),
    ("p99", "p99 µs", lambda r: (r.get("rr") or {}).get("p99_us"), "low"),
    ("mean", "mean µs", lambda r: (r.get("rr") or {}).get("mean_us"), "low"),
    ("src_cpu", "src CPU-µs/tx", lambda r: r["cpu"]["src"].get("us_per_tx"), "low"),
    ("dst_cpu", "dst CPU-µs/tx", lambda r: r["cpu"]["dst"].get("us_per_tx"), "low"),
    ("machine_cpu", "machine CPU-µs/tx",
     lambda r: (r.get("machine") or {}).get("busy_us_per_tx"), "low"),
]


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def summarize(runs, case, path):
    """{tool: {"n_ok", "n_failed", "errors", metric: stats}} for one case on
    one path, plus kperf/peer ratios of the medians."""
    metrics = RR_METRICS if case.kind == "rr" else STREAM_METRICS
    out = {}
    for tool in case.tools:
        rs = [r for r in runs if r["tool"] == tool and r["path"] == path
              and r["case"] == case.name]
        ok = [r for r in rs if r["ok"]]
        s = {"n_ok": len(ok), "n_failed": len(rs) - len(ok),
             "errors": sorted({r["error"] for r in rs if r["error"]})[:3],
             "not_available": any(r.get("not_available") for r in rs)}
        for key, _, get, _ in metrics:
            s[key] = stats([get(r) for r in ok])
        s["rx_reported"] = [r["rx_cpu"].get("reported") for r in ok]
        s["contended"] = sum(1 for r in ok if r.get("contended"))
        s["size"] = next(((r.get("rr") or {}).get("size") for r in ok), None)
        out[tool] = s
    k = out.get("kperf")
    for tool, s in out.items():
        if tool == "kperf" or not k:
            continue
        s["ratio"] = {}
        for key, _, _, _ in metrics:
            a, b = k.get(key), s.get(key)
            if a and b and b["median"]:
                s["ratio"][key] = a["median"] / b["median"]
    return out


def overlap(a, b):
    return a and b and not (a["max"] < b["min"] or b["max"] < a["min"])


# ---------------------------------------------------------------------------
# Targets: what kperf must reach against the peers on the same path and
# placement (throughput and CPU per GB against iperf3, RR tps and p50
# against sockperf, io_uring against epoll, 1000-connection set-up time
# and kperfd memory)

def targets(summary, conn, paths):
    """[{target, path, value, met, note}] from the summaries."""
    out = []

    def add(name, path, value, met, note=""):
        out.append({"target": name, "path": path, "value": value,
                    "met": met, "note": note})

    for path in paths:
        for cname in ("stream1-01", "stream1-00", "stream1-nopin"):
            s = summary.get(cname, {}).get(path)
            if not s or "iperf3" not in s or not s["kperf"]["gbps"] \
                    or not s["iperf3"]["gbps"]:
                continue
            k, p = s["kperf"], s["iperf3"]
            for key, what, better in (
                    ("gbps", "Gbit/s ≥ iperf3", "high"),
                    ("src_cpu", "src CPU-s/GB ≤ iperf3", "low"),
                    ("dst_cpu", "dst CPU-s/GB ≤ iperf3", "low")):
                if not k[key] or not p[key]:
                    continue
                a, b = k[key]["median"], p[key]["median"]
                met = a >= b if better == "high" else a <= b
                add("stream 1 flow (%s): kperf %s" % (cname.split("-")[1], what),
                    path, "%s vs %s" % (fmt(a), fmt(b)), met,
                    "ranges overlap: within noise" if overlap(k[key], p[key])
                    else "")
        # The engines compared reading alike: io_uring's receive takes
        # what is queued, as epoll's does with --waitall no.
        s = summary.get("dp-stream", {}).get(path)
        base = "kperf no-waitall" if s and s.get(
            "kperf no-waitall", {}).get("src_cpu") else "kperf"
        if s and s.get(base, {}).get("src_cpu") and \
                s.get("kperf io_uring", {}).get("src_cpu"):
            for key in ("src_cpu", "dst_cpu"):
                e, u = s[base][key], s["kperf io_uring"][key]
                if not e or not u:
                    continue
                add("stream 64 KiB: io_uring %s ≤ epoll%s" % (
                    key.replace("_cpu", " CPU-s/GB"),
                    " (both reading what is queued)"
                    if base != "kperf" else ""),
                    path, "%s vs %s" % (fmt(u["median"]), fmt(e["median"])),
                    u["median"] <= e["median"],
                    "ranges overlap: within noise" if overlap(e, u) else "")
        s = summary.get("rr1", {}).get(path)
        if s and "sockperf" in s:
            k, p = s["kperf"], s["sockperf"]
            if k.get("not_available") or not k["tps"]:
                add("RR: kperf tps ≥ sockperf", path, "kperf RR not available",
                    None)
            elif p["tps"]:
                add("RR: kperf tps ≥ sockperf", path,
                    "%s vs %s" % (fmt(k["tps"]["median"]),
                                  fmt(p["tps"]["median"])),
                    k["tps"]["median"] >= p["tps"]["median"],
                    "ranges overlap: within noise"
                    if overlap(k["tps"], p["tps"]) else "")
                if k["p50"] and p["p50"]:
                    a, b = k["p50"]["median"], p["p50"]["median"]
                    add("RR: kperf p50 within 10% of sockperf", path,
                        "%s vs %s µs (%+.0f%%)" % (fmt(a), fmt(b),
                                                    (a / b - 1) * 100),
                        a <= 1.10 * b)
        for c in conn.get(path, []):
            if c["variant"] != "shared" and c["variant"] != "nopin":
                continue
            if c["wall"]:
                add("1000 conns (%s): set-up + teardown < 2 s" % c["variant"],
                    path, "%.2f s" % c["wall"]["median"],
                    c["wall"]["median"] < 2.0,
                    "wall from client start until both kperfd reaped their "
                    "sessions, including the 0.1 s test")
            if c["rss_mib"]:
                add("1000 conns (%s): kperfd RSS < 64 MiB" % c["variant"],
                    path, "%.1f MiB" % c["rss_mib"]["max"],
                    c["rss_mib"]["max"] < 64,
                    "per end: kperfd VmHWM + session VmHWM, worst end and rep")
    return out


# ---------------------------------------------------------------------------
# Markdown

def fmt(v, digits=3):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def cell(s):
    if not s:
        return "–"
    if s["n"] == 1:
        return fmt(s["median"])
    return "%s (%s–%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def ratio(s, key):
    r = (s.get("ratio") or {}).get(key)
    return "×%.2f" % r if r else ""


def rx_cell(tool, s, path):
    """Where each run's receive processing ran.  Loopback: on the sending
    CPU.  netns: kperf reads it (SO_INCOMING_CPU, src/dst per flow); for a
    peer it is whatever the RPS hash picked, which nothing here can read."""
    if path == "loopback":
        return "sender's CPU"
    if not tool.startswith("kperf"):
        return "not known (RPS hash; varies per run)"
    runs = []
    for runf in s["rx_reported"]:
        runs.append(" ".join("/".join("?" if c is None else str(c)
                                      for c in fl) for fl in runf[:2]))
    return ", ".join(runs) or "–"


def md(doc, cases):
    f = doc["facts"]
    o = doc["options"]
    L = []
    L.append("# kperf benchmark, %s" % f["date"])
    L.append("")
    L.append("Machine: %s, %d CPUs (online %s), kernel %s, %s; memory %s. "
             "Steal over the run: %s; load average at start %s." % (
                 f["cpu_model"], f["ncpus"], f["cpus_online"], f["kernel"],
                 f.get("virt") or "bare metal?", f["mem_total"],
                 f.get("steal_note", "–"), " ".join(f["loadavg_start"])))
    L.append("Tools: %s (git %s%s, %s build), %s, %s, %s, %s." % (
        f["kperf_version"], f["git_commit"][:10],
        " + uncommitted changes" if f["git_dirty"] else "", f["buildtype"],
        f["iperf3_version"], f["iperf2_version"], f["sockperf_version"],
        f["valgrind_version"]))
    L.append("Run: %s; %d reps (%d for the extra placements) × %d s, tools "
             "alternating A B C A B C on each path; paths %s; took %s." % (
                 "quick" if o["quick"] else "default", o["reps"],
                 o["reps_extra"], o["time"], ", ".join(o["paths"]),
                 doc.get("elapsed_h", "?")))
    L.append("Cells: median (min–max) over the repetitions; ×: kperf's "
             "median / the peer's (for Gbit/s and tps higher is better, for "
             "CPU and latency lower is).")
    L.append("")
    summ = doc["summary"]
    for case in cases:
        if case.kind in ("stream", "rr") and case.name in summ:
            if isinstance(case.place, dict):
                place = "; ".join("%s: %s" % (p, doc["placements"][v])
                                  for p, v in case.place.items()
                                  if p in o["paths"])
            else:
                place = doc["placements"][case.place]
            L.append("## %s — %s (`%s`)" % (case.title, place, case.name))
            L.append("")
            if case.kind == "stream":
                L.append("| path | tool | Gbit/s | × | src CPU-s/GB | × | "
                         "dst CPU-s/GB | × | machine CPU-s/GB ² | × | "
                         "RX CPU src/dst per run ³ |")
                L.append("|---|---|---|---|---|---|---|---|---|---|---|")
            else:
                L.append("| path | tool | msg B | tps | × | p50 µs | × | "
                         "p99 µs | × | mean µs | src CPU-µs/tx | "
                         "dst CPU-µs/tx | machine CPU-µs/tx ² |")
                L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for path in o["paths"]:
                s = summ[case.name].get(path)
                if not s:
                    continue
                for tool, t in s.items():
                    if t.get("not_available"):
                        L.append("| %s | %s | **not available** (this kperf "
                                 "has no `-s`); not a failure |%s" % (
                                     path, tool, " |" * (8 if case.kind ==
                                                         "stream" else 10)))
                        continue
                    if t["n_ok"] == 0:
                        L.append("| %s | %s | **failed**: %s |%s" % (
                            path, tool, "; ".join(t["errors"])[:200],
                            " |" * (8 if case.kind == "stream" else 10)))
                        continue
                    fail = " (%d failed)" % t["n_failed"] if t["n_failed"] else ""
                    if t.get("contended"):
                        fail += " (%d of %d contended ⁴)" % (t["contended"],
                                                           t["n_ok"])
                    if case.kind == "stream":
                        L.append("| %s | %s%s | %s | %s | %s | %s | %s | %s | "
                                 "%s | %s | %s |" % (
                                     path, tool, fail, cell(t["gbps"]),
                                     ratio(t, "gbps"), cell(t["src_cpu"]),
                                     ratio(t, "src_cpu"), cell(t["dst_cpu"]),
                                     ratio(t, "dst_cpu"),
                                     cell(t["machine_cpu"]),
                                     ratio(t, "machine_cpu"),
                                     rx_cell(tool, t, path)))
                    else:
                        L.append("| %s | %s%s | %s | %s | %s | %s | %s | %s | "
                                 "%s | %s | %s | %s | %s |" % (
                                     path, tool, fail, t["size"] or "–",
                                     cell(t["tps"]), ratio(t, "tps"),
                                     cell(t["p50"]), ratio(t, "p50"),
                                     cell(t["p99"]), ratio(t, "p99"),
                                     cell(t["mean"]), cell(t["src_cpu"]),
                                     cell(t["dst_cpu"]),
                                     cell(t["machine_cpu"])))
            tl = [x for x in doc["targets"] if case.name.startswith("stream1")
                  and x["target"].startswith("stream 1 flow (%s)"
                                             % case.name.split("-")[1])
                  or case.name == "rr1" and x["target"].startswith("RR")]
            if tl:
                L.append("")
                for x in tl:
                    L.append("- Target %s (%s): %s — **%s**%s" % (
                        x["target"], x["path"], x["value"], verdict(x),
                        " (%s)" % x["note"] if x["note"] else ""))
            L.append("")
    if doc.get("conn"):
        L.append("## 1000 connections set up and torn down (`conn1000`)")
        L.append("")
        L.append("`kperf -n 1000 --allow-shared-cpus -t 0.1` (+ `--no-pin` "
                 "for the second variant). Wall: from starting the client "
                 "until both kperfd have reaped their sessions. RSS: per end, "
                 "kperfd's VmHWM + its session's VmHWM (sampled every 20 ms "
                 "from /proc/PID/status), worst end. Workers: worker threads "
                 "per session, src/dst, as kperf reports them.")
        L.append("")
        L.append("| path | variant | workers | wall s | client exit s | peak "
                 "RSS MiB src | dst | target < 2 s | target < 64 MiB |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for path in o["paths"]:
            for c in doc["conn"].get(path, []):
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    path, c["label"], ", ".join(c.get("workers") or []) or "–",
                    cell(c["wall"]), cell(c["client_wall"]),
                    cell(c["rss_src_mib"]), cell(c["rss_dst_mib"]),
                    verdict({"met": c["wall"]["median"] < 2} if c["wall"]
                            else {"met": None}),
                    verdict({"met": c["rss_mib"]["max"] < 64} if c["rss_mib"]
                            else {"met": None})))
                if c["errors"]:
                    L.append("| | errors: %s | | | | | | | |" % "; ".join(
                        c["errors"])[:200])
        L.append("")
    if doc.get("mem"):
        L.append("## Memory per connection held in a session (`idlemem`)")
        L.append("")
        L.append("Session peak RSS (VmHWM) with N connections held open "
                 "through a 1 s stream test (`--allow-shared-cpus`: two "
                 "workers whatever N); the per-connection figure is the "
                 "least-squares slope over N. User-space memory only: the "
                 "kernel's socket memory is not in RSS.")
        L.append("")
        pts = None
        for path in o["paths"]:
            m = doc["mem"].get(path)
            if not m:
                continue
            if pts is None:
                pts = [p["n"] for p in m["points"]]
                L.append("| path | end | " + " | ".join(
                    "RSS MiB @ %d" % n for n in pts) + " | KiB per connection |")
                L.append("|---|---|" + "---|" * len(pts) + "---|")
            for end in ("src", "dst"):
                vals = [p["%s_session_VmHWM_kib" % end] for p in m["points"]]
                L.append("| %s | %s | %s | %s |" % (
                    path, end, " | ".join(fmt(v / 1024) if v else "–"
                                          for v in vals),
                    fmt(m["kib_per_conn"].get(end))))
        L.append("")
    ins = doc.get("instr")
    if ins:
        L.append("## Instruction counts (`instr`, loopback, callgrind)")
        L.append("")
        if ins.get("error"):
            L.append("Failed: %s" % ins["error"])
        else:
            L.append("A noise-free regression figure, not a speed: %s. "
                     "`perf stat -e instructions` %s." % (
                         ins["method"], ins.get("perf_note", "")))
            L.append("")
            L.append("| test | src (sender / requester) | dst (receiver / "
                     "responder) | plain ratio src | dst |")
            L.append("|---|---|---|---|---|")
            st = ins.get("stream") or {}
            if "ir_per_mb_src" in st:
                L.append("| stream, instructions per MB | %s | %s | %s | %s |"
                         % (fmt(st["ir_per_mb_src"]), fmt(st["ir_per_mb_dst"]),
                            fmt(st["ir_per_mb_ratio_src"]),
                            fmt(st["ir_per_mb_ratio_dst"])))
            rr = ins.get("rr") or {}
            if rr.get("available"):
                L.append("| RR 1 byte, instructions per transaction | %s | %s "
                         "| %s | %s |" % (fmt(rr["ir_per_tx_src"]),
                                          fmt(rr["ir_per_tx_dst"]),
                                          fmt(rr["ir_per_tx_ratio_src"]),
                                          fmt(rr["ir_per_tx_ratio_dst"])))
            elif rr:
                L.append("| RR | **not available** (no `-s` in this kperf) | | "
                         "| |")
        L.append("")
    if doc["targets"]:
        L.append("## Targets (kperf against the peers)")
        L.append("")
        L.append("| target | path | kperf vs peer | verdict |")
        L.append("|---|---|---|---|")
        for x in doc["targets"]:
            L.append("| %s | %s | %s | %s%s |" % (
                x["target"], x["path"], x["value"], verdict(x),
                " — " + x["note"] if x["note"] else ""))
        L.append("")
    L.append("Notes")
    L.append("")
    for n in doc["notes"]:
        L.append("- " + n)
    L.append("")
    return "\n".join(L)


def verdict(x):
    return {True: "met", False: "NOT met", None: "n/a"}[x["met"]]
