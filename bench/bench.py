"""kperf beside iperf3, iperf2 and sockperf.  Run as bench/run.

Installs the peers (scripts/setup.sh), builds kperf (scripts/build.sh),
runs the cases on each path and writes bench/results/<timestamp>.md (the
tables), .summary.json (medians and ranges) and .json.xz (every run's raw
figures; see resultfiles.py), then prints the markdown.  Method:
bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cases as casemod
import report
import resultfiles
import shell
import tools
from kperflab import lab as lablib
from kperflab import procfs

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

PATHS = ("loopback", "netns")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run",
        description="kperf beside iperf3, iperf2 and sockperf on the same "
                    "path and CPUs (loopback; two network namespaces with "
                    "RPS). Needs root.")
    ap.add_argument("--quick", action="store_true",
                    help="2 reps x 1 s, fewer points: under 2 minutes")
    ap.add_argument("--reps", type=int, help="repetitions per tool of each "
                    "comparison (default 5; --quick 2)")
    ap.add_argument("--reps-extra", type=int, help="repetitions for the "
                    "extra placements stream1-00 and stream1-nopin "
                    "(default 1)")
    ap.add_argument("--time", type=int, help="seconds per test, whole "
                    "seconds (sockperf takes no fraction) (default 5; "
                    "--quick 1)")
    ap.add_argument("--paths", default=",".join(PATHS),
                    help="comma list of: loopback, netns (default both)")
    ap.add_argument("--cases", default="all",
                    help="comma list of: %s (default all)" %
                    ", ".join(c.name for c in casemod.CASES))
    ap.add_argument("--out", default=str(BENCH / "results"),
                    help="directory for the results (default bench/results)")
    ap.add_argument("--no-setup", action="store_true",
                    help="do not run scripts/setup.sh")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run scripts/build.sh; use build/ as it is")
    ap.add_argument("--render", metavar="JSON",
                    help="run nothing: make the tables (.md, .summary.json) "
                    "of an earlier run again from its raw document "
                    "(<stamp>.json.xz, or .json), next to it, and print them")
    a = ap.parse_args(argv)
    a.reps = a.reps or (2 if a.quick else 5)
    a.reps_extra = a.reps_extra or 1
    a.time = a.time or (1 if a.quick else 5)
    if a.reps < 1 or a.reps_extra < 1 or a.time < 1 or a.time > 600:
        ap.error("--reps, --reps-extra >= 1; --time 1..600")
    a.paths = [p.strip() for p in a.paths.split(",") if p.strip()]
    for p in a.paths:
        if p not in PATHS:
            ap.error("--paths: unknown path %r (loopback, netns)" % p)
    if a.cases == "all":
        a.cases = [c.name for c in casemod.CASES]
    else:
        a.cases = [c.strip() for c in a.cases.split(",") if c.strip()]
        for c in a.cases:
            if c not in casemod.BY_NAME:
                ap.error("--cases: unknown case %r (%s)" % (
                    c, ", ".join(casemod.BY_NAME)))
    return a


say = shell.sayer("bench")
sh = shell.sh


def first_line(s):
    return s.splitlines()[0].strip() if s else ""


# ---------------------------------------------------------------------------
# Set-up

def setup_and_build(a):
    if not a.no_setup:
        say("scripts/setup.sh (installs iperf3, iperf, sockperf, valgrind "
            "if missing)")
        r = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")],
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit("bench: scripts/setup.sh failed (exit %d)" % r.returncode)
    if not a.no_build:
        say("scripts/build.sh")
        log = Path(a.out) / "logs" / "build.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as f:
            r = subprocess.run(["bash", str(REPO / "scripts" / "build.sh")],
                               stdin=subprocess.DEVNULL, stdout=f,
                               stderr=subprocess.STDOUT)
        if r.returncode != 0:
            sys.stderr.write(log.read_text()[-3000:])
            sys.exit("bench: scripts/build.sh failed (exit %d); log in %s"
                     % (r.returncode, log))
    for b in (lablib.KPERF, lablib.KPERFD):
        if not os.access(b, os.X_OK):
            sys.exit("bench: %s is not built" % b)


def machine_facts():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(),
                    re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    virt = []
    v = sh(["systemd-detect-virt", "--container"])
    if v and "(" not in v and v != "none":
        virt.append("container: " + v)
    if flags and "hypervisor" in flags.group(1).split():
        v = sh(["systemd-detect-virt", "--vm"])
        virt.append("VM" + (": " + v if v and "(" not in v and v != "none"
                            else " (hypervisor flag)"))
    virt = ", ".join(virt) or None
    bt = sh(["meson", "introspect", str(lablib.build_dir()), "--buildoptions"])
    try:
        buildtype = next(o["value"] for o in json.loads(bt)
                         if o["name"] == "buildtype")
    except (ValueError, StopIteration, TypeError):
        buildtype = "?"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M:%S UTC"),
        "hostname": platform.node(),
        "cpu_model": m.group(1).strip() if m else "?",
        "ncpus": os.cpu_count(),
        "cpus_online": Path("/sys/devices/system/cpu/online").read_text().strip(),
        "kernel": platform.release(),
        "kernel_version": platform.version(),
        "mem_total": "%.1f GiB" % (int(mem.group(1)) / 1048576) if mem else "?",
        "virt": virt,
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "kperf_version": first_line(sh([str(lablib.KPERF), "--version"])),
        "git_commit": sh(["git", "-C", str(REPO), "rev-parse", "HEAD"]),
        "git_dirty": bool(sh(["git", "-C", str(REPO), "status",
                              "--porcelain", "--untracked-files=no"])),
        "buildtype": buildtype,
        "iperf3_version": first_line(sh(["iperf3", "--version"])),
        "iperf2_version": first_line(sh(["iperf", "--version"])),
        "sockperf_version": first_line(sh(["sockperf", "--version"])),
        "valgrind_version": sh(["valgrind", "--version"]),
        "python": sys.version.split()[0],
    }


def perf_instructions_works():
    out = sh(["perf", "stat", "-e", "instructions", "true"])
    if "not supported" in out or "<not" in out:
        return False, "reports <not supported> on this machine (checked " \
            "with `perf stat -e instructions true`)"
    if "instructions" in out and re.search(r"\d[\d,]*\s+instructions", out):
        return True, "works here, but callgrind is used for both kinds " \
            "of machine alike"
    return False, "is not usable here (%s)" % first_line(out)[:80]


# ---------------------------------------------------------------------------
# Paths

def make_env(path, workdir):
    """A Lab for the path (the lab tears everything down, also at exit),
    and the Env the tools use.  Loopback runs inside a namespace of its
    own (lo only), so ports cannot clash with anything else on the machine;
    it has two kperfd (18323 = source end, 18324 = destination end)."""
    if path == "loopback":
        lab = lablib.Lab(n_hosts=1, workdir=workdir)
        lab.up()
        h = lab.hosts[0]
        dst_d = lab.start_kperfd(h, port=18324)
        env = tools.Env("loopback", lab, h, h, "127.0.0.1", "127.0.0.1",
                        h.kperfd, dst_d, 18323, 18324, workdir, lablib.KPERF)
    else:
        lab = lablib.Lab(n_hosts=2, workdir=workdir)
        lab.up()
        a, b = lab.hosts
        env = tools.Env("netns", lab, a, b, a.addr, b.addr, a.kperfd,
                        b.kperfd, 18323, 18323, workdir, lablib.KPERF)
    return env


# ---------------------------------------------------------------------------

class Progress:
    def __init__(self, total_s):
        self.t0 = time.monotonic()
        self.total_s = total_s

    def log(self, run, what):
        el = time.monotonic() - self.t0
        if run is None:
            say("[%4.0fs] %s" % (el, what))
            return
        if not run["ok"]:
            res = ("NOT AVAILABLE" if run.get("not_available") else
                   "FAILED: %s" % (run["error"] or "")[:160])
        elif run.get("rr"):
            rr = run["rr"]
            res = "%s tps p50 %s p99 %s us" % (report.fmt(rr["tps"]),
                                               report.fmt(rr["p50_us"]),
                                               report.fmt(rr["p99_us"]))
        elif run["case"] in ("conn1000", "idlemem"):
            m = run["rss_kib"]
            res = "wall %.2fs, RSS src %s dst %s MiB" % (
                run.get("sessions_gone_s", 0),
                report.fmt((m["src"].get("session_VmHWM_max") or 0) / 1024),
                report.fmt((m["dst"].get("session_VmHWM_max") or 0) / 1024))
        else:
            res = "%s Gbit/s, CPU-s/GB src %s dst %s machine %s" % (
                report.fmt(run.get("gbps")),
                report.fmt(run["cpu"]["src"].get("s_per_gb")),
                report.fmt(run["cpu"]["dst"].get("s_per_gb")),
                report.fmt(run["machine"].get("busy_s_per_gb")))
        say("[%4.0fs] %s %s %s %s: %s" % (el, run["path"], run["case"], what,
                                          run["tool"], res))


def run_comparison(env, case, reps, t, rr_ok, prog, runs):
    for rep in range(reps):
        for tool in case.tools:
            if tool.startswith("kperf") and case.kind == "rr" and \
                    not rr_ok:
                r = tools.new_run("kperf", env, case.name)
                r["not_available"] = True
                r["error"] = "kperf has no -s/--req-size yet"
            elif tool == "iperf2-bb" and not tools.iperf2_bounceback_supported():
                r = tools.new_run(tool, env, case.name)
                r["not_available"] = True
                r["error"] = "this iperf has no --bounceback"
            else:
                r = casemod.run_tool(env, case, tool, t)
                if tool.startswith("kperf") and case.kind == "rr" and \
                        r.get("usage_error"):
                    r["not_available"] = True
            r["rep"] = rep
            runs.append(r)
            prog.log(r, "rep %d/%d" % (rep + 1, reps))


def conn_summary(rs):
    out = []
    for name, label, _ in casemod.CONN_VARIANTS:
        v = [r for r in rs if r.get("variant") == name]
        ok = [r for r in v if r["ok"]]
        rss = [max(r["rss_kib"]["src"]["end_total_kib"],
                   r["rss_kib"]["dst"]["end_total_kib"]) / 1024 for r in ok]
        out.append({
            "variant": name, "label": label, "n_ok": len(ok),
            "errors": sorted({r["error"] for r in v if r["error"]})[:2],
            "wall": report.stats([r["sessions_gone_s"] for r in ok]),
            "client_wall": report.stats([r["wall_s"] for r in ok]),
            "rss_mib": report.stats(rss),
            "workers": sorted({"%s/%s" % (r["n_workers"]["src"],
                                          r["n_workers"]["dst"])
                               for r in ok if r.get("n_workers")}),
            "rss_src_mib": report.stats([r["rss_kib"]["src"]["end_total_kib"]
                                         / 1024 for r in ok]),
            "rss_dst_mib": report.stats([r["rss_kib"]["dst"]["end_total_kib"]
                                         / 1024 for r in ok]),
        })
    return out


NOTES = [
    "CPU-s/GB per end is measured by this harness, not by the tools: "
    "utime + stime from /proc/PID/stat of every process of that end. "
    "kperf: the end's kperfd, including its session processes (their "
    "time reaches kperfd's cutime/cstime when it reaps them; their last "
    "/proc/PID/stat polled during the test is kept as a cross-check in the "
    "JSON), plus on the source end the kperf client, which runs there. "
    "Peers: the client (source end) and the server (destination end), "
    "each started for the run and read as a zombie, i.e. its whole "
    "lifetime. GB = 10^9 bytes received.",
    "² Kernel softirq work (the receive path, ACK processing) done in "
    "interrupt context is charged to whichever process happened to be "
    "running on that CPU, so per-end figures can move cost between ends "
    "and between processes. The machine column is the whole machine's busy "
    "time from /proc/stat over the client's lifetime (user + system + irq "
    "+ softirq, all CPUs), per GB or per transaction: both 'hosts' share "
    "this one kernel and its CPUs, so it is the per-host total for both "
    "ends together, and it also includes anything else running on the "
    "(shared) machine.",
    "³ On loopback the receive processing runs on the sending CPU, so "
    "placement is deterministic. In the netns lab, cases with explicit "
    "worker CPUs (01, 00) steer RPS for every tool alike: each host's "
    "receive queue goes to that host's worker CPU (rps_cpus of one CPU: "
    "the data is processed on the receiver's CPU, the ACKs on the "
    "sender's), so the RX CPUs read 0/1 (01) or 0/0 (00) in every run. "
    "Otherwise RPS has all CPUs and picks each direction's RX CPU by a "
    "hash, so it varies from run to run, for kperf and the peers alike "
    "(a run whose ACKs land on the sender's CPU is about 30% slower, "
    "whatever the tool). kperf reads it "
    "(SO_INCOMING_CPU; listed as src/dst per flow, flows separated by a "
    "space); for the peers nothing here can read it (the per-CPU softirq "
    "time in /proc/stat, kept in the JSON, did not match kperf's readings, "
    "so it is not used to guess). The two directions of one flow often land "
    "on different CPUs (e.g. 0/1): veth hands the sending socket's random "
    "txhash on as the packet hash, so each direction follows its own "
    "sender's hash.",
    "Message sizes in RR: kperf 1 byte each way; sockperf's minimum "
    "message is 14 bytes (its header); iperf2 --bounceback needs 64 bytes "
    "(smaller sizes hang iperf 2.1.8) and reports only mean/min/max and "
    "100-µs bins, so its p50/p99 are not given. All are one TCP segment "
    "per message. sockperf's figures are over its valid window (the run "
    "minus its warm-up); its CPU per transaction uses all messages of the "
    "run. kperf runs without --warmup.",
    "In the comparisons with peers kperf runs with --validate no: the "
    "peers send a fixed buffer and never look at what they receive, so "
    "that is the same work; the dp-stream and dp-rr cases show what "
    "validation (kperf's default) costs.",
    "kperf's stream receiver reads whole --read-size blocks "
    "(MSG_WAITALL, its default --waitall yes), as iperf3 fills whole "
    "blocks with repeated reads; 'kperf no-waitall' takes what is queued "
    "per read. io_uring's receive takes what is queued, so the io_uring "
    "≤ epoll target compares it with 'kperf no-waitall' (docs/datapath.md, "
    "'Whole-block reads').",
    "iperf3 3.12 is single-threaded: with -P 2 both streams share one "
    "thread per end. Peers use 128 KiB writes (-l 128K), as kperf's "
    "default --write-size/--read-size.",
    "The machine is a shared 2-CPU VM: other work on it shows up as noise "
    "(see the min–max ranges, and steal) and in the machine column.",
    "⁴ A run is 'contended' when the machine's busy time exceeds what the "
    "two ends and the ksoftirqd threads used by more than %.1f CPU on "
    "average over the run: something else ran meanwhile (its figures are "
    "still counted; the JSON has machine.other_cpus per run)."
    % tools.CONTENDED_CPUS,
]


def render(path):
    """The markdown of a results JSON, from its raw runs (summaries and
    targets are computed again, so report changes apply to old runs)."""
    doc = resultfiles.load(path)
    selected = [casemod.BY_NAME[n] for n in doc["options"]["cases"]
                if n in casemod.BY_NAME]
    for r in doc["runs"]:
        if "contended" not in r and r.get("machine"):
            c = tools.contention(r)
            r["machine"]["other_cpus"] = c
            r["contended"] = c is not None and c > tools.CONTENDED_CPUS
    doc["summary"] = {c.name: {p: report.summarize(doc["runs"], c, p)
                               for p in doc["options"]["paths"]
                               if not (c.loopback_only and p != "loopback")}
                      for c in selected if c.kind in ("stream", "rr")}
    doc["targets"] = report.targets(doc["summary"], doc["conn"],
                                    doc["options"]["paths"])
    doc["notes"] = NOTES
    text_md = report.md(doc, selected)
    resultfiles.write_tables(path, doc, text_md)
    print(text_md)
    return 0


def main(argv):
    a = parse_args(argv)
    if a.render:
        return render(a.render)
    if os.geteuid() != 0:
        sys.exit("bench: needs root (network namespaces, taskset of "
                 "servers in them, package installs)")
    Path(a.out).mkdir(parents=True, exist_ok=True)

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    setup_and_build(a)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")
    workdir = Path(a.out) / "logs" / stamp
    workdir.mkdir(parents=True, exist_ok=True)
    facts = machine_facts()
    rr_ok = tools.kperf_available_rr(str(lablib.KPERF))
    perf_ok, perf_note = perf_instructions_works()
    selected = [casemod.BY_NAME[n] for n in a.cases]
    est = 15 + sum(casemod.estimate_s(c, a.reps, a.reps_extra, a.time,
                                      1 if c.loopback_only else len(a.paths))
                   for c in selected)
    say("cases %s; paths %s; %d reps (%d extra) x %d s; estimated %.0f min"
        % (",".join(a.cases), ",".join(a.paths), a.reps, a.reps_extra,
           a.time, est / 60))
    if not rr_ok:
        say("kperf has no -s/--req-size: its RR rows will read 'not "
            "available'")
    prog = Progress(est)
    runs, conn, mem, instr = [], {}, {}, None
    cpu0 = procfs.cpu_times()
    t_start = time.monotonic()
    try:
        for path in a.paths:
            say("path %s: bringing the lab up" % path)
            env = make_env(path, workdir)
            try:
                for c in selected:
                    if c.loopback_only and path != "loopback":
                        continue
                    if c.kind in ("stream", "rr"):
                        rps = casemod.steer_rps(env, c)
                        if rps:
                            say("%s %s: rps_cpus src %s, dst %s" % (
                                path, c.name, rps["src"], rps["dst"]))
                        n0 = len(runs)
                        run_comparison(env, c, a.reps_extra if c.extra
                                       else a.reps, a.time, rr_ok, prog, runs)
                        for r in runs[n0:]:
                            r["rps_cpus"] = rps
                    elif c.kind == "conn":
                        rs = casemod.run_conn(env, casemod.conn_reps(
                            a.reps, a.reps_extra), prog.log)
                        runs.extend(rs)
                        conn[path] = conn_summary(rs)
                    elif c.kind == "mem":
                        pts = (10, 1000) if a.quick else casemod.MEM_POINTS
                        rs, m = casemod.run_mem(env, pts, prog.log)
                        runs.extend(rs)
                        mem[path] = m
                    elif c.kind == "instr":
                        durs = ("0.3", "1") if a.quick else ("0.5", "2")
                        try:
                            instr = casemod.run_instr(
                                env.lab, env.lab.hosts[0], workdir,
                                str(lablib.KPERF), str(lablib.KPERFD),
                                prog.log, durs, rr_ok)
                        except (RuntimeError, lablib.LabError, OSError,
                                ValueError, KeyError) as e:
                            instr = {"error": str(e)}
                            say("instr: %s" % e)
                        instr["perf_note"] = perf_note
                        instr["perf_works"] = perf_ok
            finally:
                say("path %s: tearing the lab down" % path)
                env.lab.down()
    except KeyboardInterrupt:
        say("interrupted: labs torn down, writing what was measured")
    elapsed = time.monotonic() - t_start
    d = procfs.cpu_delta(cpu0, procfs.cpu_times())["all"]
    tot = sum(d[k] for k in procfs.STAT_FIELDS)
    facts["steal_note"] = "%.1f%% of CPU time" % (100 * d["steal"] / tot) \
        if tot else "?"
    facts["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]

    summary = {}
    for c in selected:
        if c.kind in ("stream", "rr"):
            summary[c.name] = {p: report.summarize(runs, c, p)
                               for p in a.paths
                               if not (c.loopback_only and p != "loopback")}
    doc = {
        "schema": 1,
        "facts": facts,
        "options": {"quick": a.quick, "reps": a.reps,
                    "reps_extra": a.reps_extra, "time": a.time,
                    "paths": a.paths, "cases": a.cases},
        "elapsed_s": round(elapsed, 1),
        "elapsed_h": "%dm%02ds" % divmod(int(elapsed), 60),
        "placements": {k: v["label"] for k, v in casemod.PLACEMENTS.items()},
        "case_placements": {c.name: c.place for c in selected if c.place},
        "kperf_rr_available": rr_ok,
        "summary": summary,
        "conn": conn,
        "mem": mem,
        "instr": instr,
        "notes": NOTES,
        "runs": runs,
    }
    doc["targets"] = report.targets(summary, conn, a.paths)
    text_md = report.md(doc, selected)
    paths = resultfiles.write(Path(a.out) / stamp, doc, text_md)
    print(text_md)
    say("wrote %s (logs in %s)" % (", ".join(map(str, paths)), workdir))
    failed = [r for r in runs if not r["ok"] and not r.get("not_available")]
    if failed:
        say("%d of %d runs failed (see the tables and the JSON)"
            % (len(failed), len(runs)))
    return 1 if failed and len(failed) == len(runs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
