"""The cost of kernel TLS: one stream flow, plain and with --tls for each
cipher, in the VM lab (kperflab.vmlab), because the kernel of our
machines has no CONFIG_TLS.  Run as bench/run-ktls (or
PYTHONPATH=tests /usr/bin/python3 bench/ktls.py).

    bench/run-ktls                        # 3 reps x 3 s, ~70 s
    bench/run-ktls --reps 5 --time 5
    bench/run-ktls --render bench/results/ktls-<stamp>.json.xz

One guest boot runs every run, the variants alternating A B C D E A B C
D E ...  Per run: Gbit/s (kperf's totals.throughput_gbps) and CPU-seconds
per GB on each end, measured by this harness inside the guest (utime +
stime + cutime + cstime of each end's kperfd from /proc/PID/stat before
and after the run; its sessions are reaped into cutime/cstime; the kperf
client is added to the source end), and the TLS counters (kperf's
hosts.<end>.tls_stat and the guest's own /proc/net/tls_stat reads) that
show TLS was on.  Writes bench/results/ktls-<UTC timestamp>.md,
.summary.json and .json.xz (resultfiles.py) and prints the markdown.
Method and caveats: bench/README.md, "kTLS (in the VM)".

Under qemu's TCG the guest's CPU is emulated: absolute figures are far
below a real host, and the ciphers' relative cost is that of emulated
AES-NI / PCLMULQDQ / AVX instructions, not of silicon.
"""

import argparse
import datetime
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import report
import resultfiles
import shell
from kperflab import procfs
from kperflab import vmlab

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

SRC, DST = "198.18.0.1", "198.18.0.2"
# /proc/PID/stat and /proc/stat count in USER_HZ, 100 on x86 whatever the
# kernel's HZ.
GUEST_CLK_TCK = 100
PIN = "--cpu-src-wrk 0 --cpu-dst-wrk 1"
SESSION_WAIT_S = 10     # for the sessions to be reaped after the client

# (key, label, kperf arguments); the order is the alternation order.
VARIANTS = [
    ("plain", "plain (no TLS)", ""),
    ("aes128", "TLS 1.3 aes-gcm-128",
     "--tls --tls-ver 1.3 --tls-cipher aes-gcm-128"),
    ("aes256", "TLS 1.3 aes-gcm-256",
     "--tls --tls-ver 1.3 --tls-cipher aes-gcm-256"),
    ("chacha", "TLS 1.3 chacha20-poly1305",
     "--tls --tls-ver 1.3 --tls-cipher chacha20-poly1305"),
    ("aes128-12", "TLS 1.2 aes-gcm-128",
     "--tls --tls-ver 1.2 --tls-cipher aes-gcm-128"),
]
BY_KEY = {v[0]: v for v in VARIANTS}
WARMUP_T = "0.5"

# Guest CPU flags worth naming: what the kernel's AES-GCM and
# ChaCha20-Poly1305 implementations choose from.
CRYPTO_FLAGS = ("aes", "pclmulqdq", "ssse3", "sse4_1", "avx", "avx2",
                "avx512f", "avx512vl", "vaes", "vpclmulqdq", "bmi2", "adx")


def kperf_cmd(args, t):
    return ("kperf --src %s --dst %s -t %s --json %s %s"
            % (SRC, DST, t, PIN, args)).strip()


# The case: snapshots of both kperfd (found with pidof; the end is told
# by the network namespace: the one of this shell is "a", the source),
# of the shell's reaped children (the kperf client) and of /proc/stat,
# before and after the run, on stderr as "@@KT WHEN KIND ..." lines;
# kperf's JSON on stdout.  After the client exits, wait until only the
# two daemons are left (sessions reaped: their CPU time is then in
# kperfd's cutime/cstime).
CASE_TEMPLATE = r"""kt() { echo "@@KT $*" >&2; }
snap() {
	kt "$1 self $(readlink /proc/self/ns/net)"
	kt "$1 cpu $(head -n 1 /proc/stat)"
	for p in $(pidof kperfd); do
		s=$(cat /proc/$p/stat 2>/dev/null) &&
			kt "$1 kperfd $(readlink /proc/$p/ns/net) $s"
	done
}
snap before
c0=$(cat /proc/$$/stat)
%(cmd)s
rc=$?
c1=$(cat /proc/$$/stat)
n=0
while [ "$(pidof kperfd | wc -w)" -gt 2 ] && [ $n -lt %(polls)d ]; do
	usleep 20000
	n=$((n + 1))
done
snap after
kt "before client $c0"
kt "after client $c1"
exit $rc
"""

GUEST_FACTS_CMD = r"""echo "uname_r=$(uname -r)"
echo "uname_v=$(uname -v)"
echo "nproc=$(nproc)"
awk '/^model name/ { print "model=" substr($0, index($0, ":") + 2); exit }' /proc/cpuinfo
awk '/^flags/ { print "flags=" substr($0, index($0, ":") + 2); exit }' /proc/cpuinfo
echo "modules=$(awk '{ printf "%s ", $1 }' /proc/modules)"
"""

# After the runs: the crypto the kernel instantiated (name|driver|module|
# priority), to say which implementation did the work.
GUEST_CRYPTO_CMD = r"""awk -F': ' '
/^name/ { n = $2 } /^driver/ { d = $2 } /^module/ { m = $2 }
/^priority/ { p = $2 }
/^$/ { if (n ~ /gcm|chacha|poly1305|ghash|aes|rfc7539/) print n "|" d "|" m "|" p; n = "" }
END { if (n ~ /gcm|chacha|poly1305|ghash|aes|rfc7539/) print n "|" d "|" m "|" p }
' /proc/crypto
"""


def case_script(args, t):
    return CASE_TEMPLATE % {"cmd": kperf_cmd(args, t),
                            "polls": SESSION_WAIT_S * 50}


def case_name(key, rep):
    return "%s-r%d" % (key, rep)


def plan(reps, t):
    """[(case name, variant key, rep or None for a warm-up, command,
    limit)] in the order they run."""
    out = [("guest-facts", None, None, GUEST_FACTS_CMD, 30)]
    # Warm-ups (not counted): the first use of each cipher instantiates
    # its crypto (and runs its self-test) in the kernel.
    for key in ("plain", "aes128", "aes256", "chacha"):
        out.append(("warmup-" + key, key, None,
                    case_script(BY_KEY[key][2], WARMUP_T),
                    float(WARMUP_T) + 60))
    for rep in range(1, reps + 1):
        for key, _, args in VARIANTS:
            out.append((case_name(key, rep), key, rep, case_script(args, t),
                        float(t) + 60))
    out.append(("guest-crypto", None, None, GUEST_CRYPTO_CMD, 30))
    return out


# ---------------------------------------------------------------------------
# Parsing one case

def parse_markers(stderr):
    """({"before": snap, "after": snap}, the other stderr lines).  snap:
    {"self_ns", "cpu": {field: seconds} (the guest's /proc/stat, all
    CPUs), "kperfd": [(ns, stat)], "client": stat}, stats as
    procfs.parse_pid_stat() (ticks)."""
    snaps = {w: {"kperfd": []} for w in ("before", "after")}
    other = []
    for line in stderr.splitlines():
        if not line.startswith("@@KT "):
            other.append(line)
            continue
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[1] not in snaps:
            other.append(line)
            continue
        when, kind, rest = parts[1], parts[2], parts[3]
        s = snaps[when]
        try:
            if kind == "self":
                s["self_ns"] = rest.strip()
            elif kind == "cpu":
                s["cpu"] = procfs.parse_cpu_stat(rest, GUEST_CLK_TCK)["all"]
            elif kind == "kperfd":
                ns, st = rest.split(" ", 1)
                s["kperfd"].append((ns, procfs.parse_pid_stat(st)))
            elif kind == "client":
                s["client"] = procfs.parse_pid_stat(rest)
            else:
                other.append(line)
        except (ValueError, IndexError):
            other.append(line)
    return snaps, other


def ends_of(snap):
    """{"src": daemon stat, "dst": ...} and the session stats still alive
    in one snapshot.  A daemon is a kperfd whose parent is no kperfd; the
    source's is in this shell's network namespace."""
    pids = {st["pid"] for _, st in snap["kperfd"]}
    ends, sessions, extra = {}, [], []
    for ns, st in snap["kperfd"]:
        if st["ppid"] in pids:
            sessions.append(st)
            continue
        end = "src" if ns == snap.get("self_ns") else "dst"
        if end in ends:
            extra.append(st)
        ends[end] = st
    return ends, sessions, extra


def _cpu_s(st):
    """CPU seconds of a guest process and its reaped children."""
    return procfs.cpu_s(st, children=True, clk_tck=GUEST_CLK_TCK)


def _tls_delta(before, after, ns):
    a, b = before.get(ns) or {}, after.get(ns) or {}
    return {k: b[k] - a.get(k, 0) for k in b}


def check_tls(run, tls_args):
    """None when the TLS state of a run is what its variant asked for,
    else why not.  TLS: test.tls as asked, and on both kperf's and the
    guest's own reading the source set up TLS for sending (TlsTxSw) and
    the destination for receiving (TlsRxSw), one per flow, with no
    decrypt error.  Plain: TLS off and no TLS socket counted."""
    doc_tls = run.get("tls") or {}
    n = run.get("n_flows") or 0
    k, g = run["tls_stat"], run["tls_stat_guest"]
    if not tls_args:
        if doc_tls.get("enabled"):
            return "TLS on in a plain run"
        for ns in ("a", "b"):
            for c in ("TlsTxSw", "TlsRxSw"):
                if (g.get(ns) or {}).get(c, 0):
                    return "guest counted %s in %s in a plain run" % (c, ns)
        return None
    want_ver = re.search(r"--tls-ver (\S+)", tls_args).group(1)
    want_cipher = re.search(r"--tls-cipher (\S+)", tls_args).group(1)
    if not doc_tls.get("enabled") or doc_tls.get("version") != want_ver or \
            doc_tls.get("cipher") != want_cipher:
        return "test.tls is %s, not TLS %s %s" % (doc_tls, want_ver,
                                                  want_cipher)
    for what, got in (("kperf src TlsTxSw", (k.get("src") or {}).get(
                          "TlsTxSw")),
                      ("kperf dst TlsRxSw", (k.get("dst") or {}).get(
                          "TlsRxSw")),
                      ("guest a TlsTxSw", (g.get("a") or {}).get("TlsTxSw")),
                      ("guest b TlsRxSw", (g.get("b") or {}).get("TlsRxSw"))):
        if got != n:
            return "%s = %s, not %d" % (what, got, n)
    for what, got in (("kperf src", k.get("src")), ("kperf dst", k.get("dst")),
                      ("guest a", g.get("a")), ("guest b", g.get("b"))):
        if (got or {}).get("TlsDecryptError", 0):
            return "%s TlsDecryptError %s" % (what, got["TlsDecryptError"])
    return None


def parse_run(res, key, rep):
    """One run from its case result (rc, stdout, stderr, secs, timed_out,
    tls_stat_before, tls_stat_after: vmlab.CaseResult or alike)."""
    label, args = BY_KEY[key][1], BY_KEY[key][2]
    run = {"variant": key, "label": label, "rep": rep,
           "case": res.name if hasattr(res, "name") else None,
           "argv": kperf_cmd(args, "T"), "ok": False, "error": None,
           "rc": res.rc, "guest_secs": res.secs, "timed_out": res.timed_out,
           "gbps": None, "bytes": None, "n_flows": None,
           "cpu": {"src": {}, "dst": {}}, "machine": {},
           "kperf_cpu_s_per_gb": {}, "kperf_worker_cpu_s": {},
           "tls": None, "tls_stat": {}, "tls_stat_guest": {}, "rx_cpu": [],
           "stderr": None}
    snaps, other = parse_markers(res.stderr or "")
    errtext = "\n".join(ln for ln in other if ln.strip())
    run["stderr"] = errtext[-2000:] or None
    run["tls_stat_guest"] = {ns: _tls_delta(res.tls_stat_before or {},
                                            res.tls_stat_after or {}, ns)
                             for ns in ("a", "b")}

    def fail(msg):
        run["error"] = run["error"] or msg
        return run

    if res.timed_out:
        return fail("timed out in the guest")
    if res.rc != 0:
        return fail("exit %s: %s" % (res.rc, errtext.strip()[-500:]))
    try:
        doc = json.loads(res.stdout)
    except ValueError as e:
        return fail("bad JSON: %s" % e)
    flows = doc.get("flows") or []
    run["n_flows"] = len(flows)
    run["gbps"] = doc["totals"]["throughput_gbps"]
    run["bytes"] = sum(f["dst"]["rx_bytes"] for f in flows)
    run["duration_s"] = doc["test"].get("duration_s")
    run["tls"] = doc["test"].get("tls")
    run["guest_kernel"] = doc["hosts"]["src"].get("kernel")
    for end in ("src", "dst"):
        h = doc["hosts"][end]
        run["kperf_cpu_s_per_gb"][end] = h.get("cpu_s_per_gb")
        run["kperf_worker_cpu_s"][end] = h.get("worker_cpu_s")
        run["tls_stat"][end] = h.get("tls_stat")
    run["rx_cpu"] = [[f["src"].get("rx_cpu"), f["dst"].get("rx_cpu")]
                     for f in flows]
    run["worker_cpu_ran"] = [[f["src"].get("worker_cpu_ran"),
                              f["dst"].get("worker_cpu_ran")] for f in flows]
    run["mismatches"] = doc["totals"].get("mismatches")

    # The harness's CPU accounting.
    b, a = snaps["before"], snaps["after"]
    eb, _, xb = ends_of(b)
    ea, left, xa = ends_of(a)
    if xb or xa or set(eb) != {"src", "dst"} or set(ea) != {"src", "dst"}:
        return fail("kperfd daemons not found as one per namespace: "
                    "before %s, after %s" % (sorted(eb), sorted(ea)))
    if left:
        return fail("sessions still alive %d s after the client exited: %s"
                    % (SESSION_WAIT_S, [s["pid"] for s in left]))
    gb = run["bytes"] / 1e9
    for end in ("src", "dst"):
        if eb[end]["pid"] != ea[end]["pid"]:
            return fail("%s kperfd changed pid" % end)
        c = run["cpu"][end]
        c["kperfd_s"] = _cpu_s(ea[end]) - _cpu_s(eb[end])
        c["s"] = c["kperfd_s"]
    if "client" in b and "client" in a:
        cl = (a["client"]["cutime"] + a["client"]["cstime"] -
              b["client"]["cutime"] - b["client"]["cstime"]) / GUEST_CLK_TCK
        run["cpu"]["src"]["client_s"] = cl
        run["cpu"]["src"]["s"] += cl
    for end in ("src", "dst"):
        c = run["cpu"][end]
        c["s_per_gb"] = c["s"] / gb if gb else None
    if "cpu" in b and "cpu" in a:
        m = procfs.cpu_delta({"all": b["cpu"]}, {"all": a["cpu"]})["all"]
        m["busy_s_per_gb"] = m["busy"] / gb if gb else None
        run["machine"] = m
    why = check_tls(run, args)
    if why:
        return fail("TLS check: " + why)
    if not gb:
        return fail("no bytes received")
    run["ok"] = True
    return run


# ---------------------------------------------------------------------------
# Summary and markdown

METRICS = [
    ("gbps", "Gbit/s", lambda r: r.get("gbps")),
    ("src_cpu", "src CPU-s/GB", lambda r: r["cpu"]["src"].get("s_per_gb")),
    ("dst_cpu", "dst CPU-s/GB", lambda r: r["cpu"]["dst"].get("s_per_gb")),
    ("guest_cpu", "guest CPU-s/GB",
     lambda r: (r.get("machine") or {}).get("busy_s_per_gb")),
    ("kperf_src", "kperf's own src CPU-s/GB",
     lambda r: (r.get("kperf_cpu_s_per_gb") or {}).get("src")),
    ("kperf_dst", "kperf's own dst CPU-s/GB",
     lambda r: (r.get("kperf_cpu_s_per_gb") or {}).get("dst")),
]


def summarize(runs):
    """{variant key: {"label", "n_ok", "n_failed", "errors", metric:
    stats, "ratio": {metric: median / plain's median}}}, in VARIANTS
    order, only the variants that ran."""
    out = {}
    for key, label, _ in VARIANTS:
        rs = [r for r in runs if r["variant"] == key]
        if not rs:
            continue
        ok = [r for r in rs if r["ok"]]
        s = {"label": label, "n_ok": len(ok), "n_failed": len(rs) - len(ok),
             "errors": sorted({r["error"] for r in rs if r["error"]})[:3]}
        for m, _, get in METRICS:
            s[m] = report.stats([get(r) for r in ok])
        out[key] = s
    base = out.get("plain")
    for key, s in out.items():
        s["ratio"] = {}
        if not base:
            continue
        for m, _, _ in METRICS:
            if s[m] and base[m] and base[m]["median"]:
                s["ratio"][m] = s[m]["median"] / base[m]["median"]
    return out


def _x(s, m):
    r = s["ratio"].get(m)
    return "×%.2f" % r if r is not None else "–"


def _flags(fl):
    have = set((fl or "").split())
    return " ".join(f for f in CRYPTO_FLAGS if f in have) or "?"


def _tls_counts(rs):
    """"a/b" per run: kperf's TlsTxSw on src / TlsRxSw on dst."""
    out = []
    for r in rs:
        k = r.get("tls_stat") or {}
        if not (k.get("src") or k.get("dst")):
            out.append("off")
            continue
        out.append("%s/%s" % ((k.get("src") or {}).get("TlsTxSw", "?"),
                              (k.get("dst") or {}).get("TlsRxSw", "?")))
    return ", ".join(out)


def md(doc):
    f, g, o = doc["facts"], doc.get("guest") or {}, doc["options"]
    summ = doc["summary"]
    L = ["# kperf kTLS benchmark (in the VM lab), %s" % f["date"], ""]
    L.append("**Caveat.** This runs in a qemu guest under TCG (`%s`): every "
             "guest instruction is emulated. Absolute figures are far below "
             "real hardware (a veth stream runs at ~1-2 Gbit/s here), and the "
             "relative cost of the ciphers reflects how fast qemu emulates "
             "AES-NI, PCLMULQDQ and AVX instructions, not how fast silicon "
             "runs them. The table shows that kTLS works, every cipher and "
             "version, and roughly what it costs in instructions; it is not "
             "what kTLS costs on a real host." % f["qemu_args"])
    L.append("")
    L.append("Guest: kernel %s (%s), %s CPUs, CPU model \"%s\", crypto "
             "flags: %s. %s." % (
                 g.get("uname_r", "?"), g.get("uname_v", "?"),
                 g.get("nproc", "?"), g.get("model", "?"),
                 _flags(g.get("flags")),
                 "Crypto used: " + "; ".join(
                     "%s → %s" % (k, v) for k, v in
                     sorted((doc.get("crypto_used") or {}).items()))
                 if doc.get("crypto_used") else "Crypto drivers: not read"))
    L.append("")
    L.append("Host: %s, %d CPUs, kernel %s; %s; load average at start %s, "
             "end %s." % (f["cpu_model"], f["ncpus"], f["kernel"],
                          f["qemu_version"], " ".join(f["loadavg_start"]),
                          " ".join(f.get("loadavg_end") or ["?"])))
    L.append("kperf: %s (git %s%s)." % (
        f["kperf_version"], (f["git_commit"] or "?")[:10],
        " + uncommitted changes" if f["git_dirty"] else ""))
    L.append("")
    L.append("Run: one stream flow %s → %s over the guest's veth pair, `%s`, "
             "%d reps × %s s, variants alternating %s, all in one boot "
             "(plus one %s s warm-up per cipher, not counted); took %s "
             "(qemu %s)." % (
                 SRC, DST, kperf_cmd("[TLS options]", o["time"]), o["reps"],
                 o["time"], " ".join("ABCDE"[:len(VARIANTS)]) + " …",
                 WARMUP_T, doc.get("elapsed_h", "?"),
                 doc.get("vm_timing", "?")))
    L.append("Cells: median (min–max) over the repetitions; ×plain: the "
             "variant's median / plain's.")
    L.append("")
    L.append("| variant | runs | Gbit/s | ×plain | src CPU-s/GB | ×plain | "
             "dst CPU-s/GB | ×plain | guest CPU-s/GB ¹ | ×plain | "
             "TlsTxSw src / TlsRxSw dst per run ² |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, s in summ.items():
        rs = [r for r in doc["runs"] if r["variant"] == key and r["ok"]]
        runs = "%d" % s["n_ok"] + (" (%d failed)" % s["n_failed"]
                                   if s["n_failed"] else "")
        if not s["n_ok"]:
            L.append("| %s | %s | **failed**: %s |%s" % (
                s["label"], runs, "; ".join(s["errors"])[:300], " |" * 8))
            continue
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                 % (s["label"], runs,
                    report.cell(s["gbps"]), _x(s, "gbps"),
                    report.cell(s["src_cpu"]), _x(s, "src_cpu"),
                    report.cell(s["dst_cpu"]), _x(s, "dst_cpu"),
                    report.cell(s["guest_cpu"]), _x(s, "guest_cpu"),
                    _tls_counts(rs)))
    L.append("")
    L.append("Cross-check, kperf's own figures (`hosts.<end>.cpu_s_per_gb`: "
             "its worker threads only, over the test window) ³:")
    L.append("")
    L.append("| variant | src CPU-s/GB | ×plain | dst CPU-s/GB | ×plain |")
    L.append("|---|---|---|---|---|")
    for key, s in summ.items():
        if s["n_ok"]:
            L.append("| %s | %s | %s | %s | %s |" % (
                s["label"], report.cell(s["kperf_src"]), _x(s, "kperf_src"),
                report.cell(s["kperf_dst"]), _x(s, "kperf_dst")))
    L.append("")
    L.append("Every run, in the order run:")
    L.append("")
    L.append("| case | Gbit/s | src CPU-s (client) | dst CPU-s | "
             "GB | src / dst CPU-s/GB | guest CPU-s/GB | RX CPU src/dst | "
             "TLS counters ² | error |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in doc["runs"]:
        cs, cd = r["cpu"]["src"], r["cpu"]["dst"]
        L.append("| %s | %s | %s (%s) | %s | %s | %s / %s | %s | %s | %s | "
                 "%s |" % (
                     r["case"], report.fmt(r["gbps"]), report.fmt(cs.get("s")),
                     report.fmt(cs.get("client_s")), report.fmt(cd.get("s")),
                     report.fmt(r["bytes"] / 1e9 if r["bytes"] else None),
                     report.fmt(cs.get("s_per_gb")),
                     report.fmt(cd.get("s_per_gb")),
                     report.fmt((r.get("machine") or {}).get(
                         "busy_s_per_gb")),
                     " ".join("%s/%s" % tuple("?" if c is None else c
                                              for c in fl)
                              for fl in r.get("rx_cpu") or []) or "–",
                     _tls_counts([r]),
                     (r["error"] or "")[:200].replace("|", "/")))
    L.append("")
    L.append("## Notes")
    L.append("")
    for n in doc["notes"]:
        L.append("- " + n)
    return "\n".join(L)


NOTES = [
    "CPU-s/GB per end is measured by this harness inside the guest, not "
    "taken from kperf: utime + stime + cutime + cstime of the end's kperfd "
    "from /proc/PID/stat, read before and after each run (kperfd forks a "
    "session per client; when the client exits the session ends and "
    "kperfd reaps it, which moves the session's whole CPU time, all its "
    "threads, into kperfd's cutime/cstime; the case waits for that). The "
    "source end adds the kperf client (the case shell's cutime + cstime "
    "over the client's life): it runs in namespace a, the source host. "
    "GB = 10^9 bytes received (kperf's flows[].dst.rx_bytes). Resolution: "
    "one tick, 10 ms.",
    "¹ Both ends share the guest's kernel and its 2 CPUs, and softirq work "
    "done in interrupt context is charged to whatever process ran on that "
    "CPU, so the per-end figures can move cost between the ends. The guest "
    "column is the guest's whole busy time (user + nice + system + irq + "
    "softirq of /proc/stat, both CPUs) over the same window per GB: both "
    "ends together, plus the case's own polling.",
    "² TLS was on: kperf's hosts.src.tls_stat.TlsTxSw and "
    "hosts.dst.tls_stat.TlsRxSw deltas (one per flow); a run counts only "
    "when these and the guest's own reads of /proc/net/tls_stat in "
    "namespaces a and b (vmlab, before and after each case) agree with "
    "the variant, with no TlsDecryptError, and test.tls names the version "
    "and cipher asked for. Plain runs must count no TLS socket. With "
    "--tls both directions are set up (also TlsRxSw on src, TlsTxSw on "
    "dst: all counters are in the JSON), but a stream's data goes src → "
    "dst only.",
    "³ kperf's own cpu_s_per_gb counts its worker threads over the test "
    "window only; kTLS encrypts in the sender's sendmsg() and decrypts in "
    "the receiver's recvmsg(), so it is in the workers' system time there "
    "too. It is kept as a cross-check, never used in the main table.",
    "The receivers check every byte against kperf's pattern (its default "
    "--validate yes): the same work in every variant, which also proves "
    "the decrypted stream is the one sent. kperf's default write/read "
    "size (128 KiB) is used; TLS records carry at most 16 KiB each.",
    "Under TCG the guest's clock is the host's: time a vCPU thread spends "
    "descheduled on the host still counts as guest CPU time, so other load "
    "on the host inflates the CPU figures (check the load averages above).",
    "Workers are pinned (src on CPU 0, dst on CPU 1); the receive "
    "processing (RPS over both CPUs on each veth) lands where the hash "
    "puts it, listed per run as RX CPU src/dst.",
]


# ---------------------------------------------------------------------------
# Facts, main

say = shell.sayer("ktls")
sh = shell.sh


def qemu_args():
    """The accelerator, CPU, SMP and memory vmlab gives qemu."""
    # vmlab._qemu_cmd needs a Kernel only for its boot image path.
    class K:
        boot_image = "vmlinux"
    c = vmlab._qemu_cmd(K, "initrd", "console", "results")
    keep, i = [], 1
    while i < len(c):
        if c[i] in ("-accel", "-cpu", "-smp", "-m"):
            keep += c[i:i + 2]
            i += 2
        else:
            i += 1
    return "qemu-system-x86_64 " + " ".join(keep)


def host_facts(build):
    cpuinfo = Path("/proc/cpuinfo").read_text()
    m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    kperf, _ = vmlab.binaries(build)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M:%S UTC"),
        "hostname": platform.node(),
        "cpu_model": m.group(1).strip() if m else "?",
        "ncpus": os.cpu_count(),
        "kernel": platform.release(),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "qemu_version": (sh([vmlab.QEMU, "--version"]) or "?")
        .splitlines()[0],
        "qemu_args": qemu_args(),
        "kperf_version": sh([str(kperf), "--version"]).splitlines()[0],
        "build_dir": str(build),
        "git_commit": sh(["git", "-C", str(REPO), "rev-parse", "HEAD"]),
        "git_dirty": bool(sh(["git", "-C", str(REPO), "status",
                              "--porcelain", "--untracked-files=no"])),
        "python": sys.version.split()[0],
    }


def parse_guest_facts(text):
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = v.strip()
    return out


def parse_crypto(text):
    """[{name, driver, module, priority}] and {algorithm kTLS asks for:
    the driver of highest priority} from the guest-crypto case."""
    rows = []
    for line in text.splitlines():
        p = line.split("|")
        if len(p) == 4:
            try:
                prio = int(p[3])
            except ValueError:
                prio = None
            rows.append({"name": p[0], "driver": p[1], "module": p[2],
                         "priority": prio})
    used = {}
    for alg in ("gcm(aes)", "rfc7539(chacha20,poly1305)", "chacha20",
                "poly1305", "ghash"):
        cand = [r for r in rows if r["name"] == alg]
        if cand:
            best = max(cand, key=lambda r: r["priority"] or 0)
            used[alg] = "%s (%s)" % (best["driver"], best["module"])
    return rows, used


def build_doc(facts, options, results, plan_, elapsed, vm_timing, vm_error):
    runs = []
    for name, key, rep, _, _ in plan_:
        if key is None or rep is None or name not in results:
            continue
        runs.append(parse_run(results[name], key, rep))
    warmups = {}
    for name, key, rep, _, _ in plan_:
        if key is not None and rep is None and name in results:
            r = parse_run(results[name], key, 0)
            warmups[name] = {"ok": r["ok"], "error": r["error"],
                             "gbps": r["gbps"]}
    missing = [n for n, k, rep, _, _ in plan_
               if k is not None and rep is not None and n not in results]
    guest = parse_guest_facts(results["guest-facts"].stdout) \
        if "guest-facts" in results else {}
    crypto_rows, used = parse_crypto(results["guest-crypto"].stdout) \
        if "guest-crypto" in results else ([], {})
    doc = {
        "schema": 1,
        "what": "kTLS stream cost in the VM lab (bench/ktls.py)",
        "facts": facts,
        "guest": guest,
        "crypto": crypto_rows,
        "crypto_used": used,
        "options": options,
        "variants": [{"key": k, "label": lab, "args": a}
                     for k, lab, a in VARIANTS],
        "elapsed_s": round(elapsed, 1),
        "elapsed_h": "%dm%02ds" % divmod(int(elapsed), 60),
        "vm_timing": vm_timing,
        "vm_error": vm_error,
        "missing_cases": missing,
        "warmups": warmups,
        "runs": runs,
        "notes": NOTES,
    }
    doc["summary"] = summarize(runs)
    return doc


def render(path):
    """The tables (.md, .summary.json) of an earlier run, made again from
    its raw document."""
    doc = resultfiles.load(path)
    doc["summary"] = summarize(doc["runs"])
    text = md(doc)
    resultfiles.write_tables(path, doc, text)
    print(text)
    return 0


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run-ktls",
        description="kTLS cost in the VM lab: one stream flow, plain vs "
                    "--tls for each cipher (and TLS 1.2 aes-gcm-128), "
                    "Gbit/s and CPU-s/GB per end, one qemu boot. No root "
                    "needed; uses the existing build (no build step).")
    ap.add_argument("--reps", type=int, default=3,
                    help="repetitions of each variant (default 3)")
    ap.add_argument("--time", default="3",
                    help="seconds per run, kperf -t (default 3)")
    ap.add_argument("--out", default=str(BENCH / "results"),
                    help="directory for the results (default bench/results)")
    ap.add_argument("--build", default=str(vmlab.default_build_dir()),
                    help="kperf build tree (default $KPERF_BUILD or build/)")
    ap.add_argument("--timeout", type=int,
                    help="limit of the whole boot in seconds (default: "
                         "from reps and time)")
    ap.add_argument("--render", metavar="JSON",
                    help="redo the tables of an earlier run from its raw "
                         "document (ktls-<stamp>.json.xz, or .json)")
    a = ap.parse_args(argv)
    if a.reps < 1:
        ap.error("--reps must be at least 1")
    try:
        if not 0 < float(a.time) <= 3600:
            raise ValueError
    except ValueError:
        ap.error("--time: seconds, more than 0")
    return a


def main(argv):
    a = parse_args(argv)
    if a.render:
        return render(a.render)
    build = Path(a.build).resolve()
    kperf, _ = vmlab.binaries(build)
    if not os.access(kperf, os.X_OK):
        sys.exit("ktls: %s is not built (scripts/build.sh)" % kperf)
    if "--tls-cipher" not in sh([str(kperf), "--help"]):
        sys.exit("ktls: %s has no --tls-cipher: rebuild it" % kperf)
    reason = vmlab.vm_probe()
    if reason:
        say("VM lab unavailable: " + reason)
        return 77
    Path(a.out).mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")
    facts = host_facts(build)
    p = plan(a.reps, a.time)
    timeout = a.timeout or int(120 + sum(
        (float(a.time) if rep else float(WARMUP_T)) + 25
        for _, key, rep, _, _ in p if key))
    n_runs = sum(1 for _, key, rep, _, _ in p if key and rep)
    say("%d runs (%d variants x %d reps, %s s each) + %d warm-ups in one "
        "boot of %s; limit %d s" % (n_runs, len(VARIANTS), a.reps, a.time,
                                    len(p) - n_runs - 2, facts["qemu_args"],
                                    timeout))
    t0 = time.monotonic()
    vm_error = None
    try:
        results = vmlab.run_cases([(n, c, lim) for n, _, _, c, lim in p],
                                  build, timeout_s=timeout)
    except vmlab.VMError as e:
        vm_error = str(e)
        results = e.results
        say("the VM did not finish: %s" % e)
    except KeyboardInterrupt:
        say("interrupted: nothing written")
        return 130
    elapsed = time.monotonic() - t0
    facts["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    timing = build / "vm" / "timing.txt"
    vm_timing = timing.read_text().strip() if timing.exists() else None
    options = {"reps": a.reps, "time": a.time, "build": str(build),
               "timeout_s": timeout}
    doc = build_doc(facts, options, results, p, elapsed, vm_timing, vm_error)
    text = md(doc)
    paths = resultfiles.write(Path(a.out) / ("ktls-%s" % stamp), doc, text)
    print(text)
    say("wrote %s (VM logs in %s)" % (", ".join(map(str, paths)),
                                      build / "vm"))
    failed = [r for r in doc["runs"] if not r["ok"]]
    if vm_error or failed:
        say("%d of %d runs failed%s" % (
            len(failed) + len(doc["missing_cases"]), n_runs,
            "; the VM did not finish" if vm_error else ""))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
