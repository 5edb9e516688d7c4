"""libkperf's newer abilities through the command line and the installed
library, across the namespace lab: reverse groups (-R), latency under load
(--rr-under-load with --rr-cpu), and the examples/ programs built against
`meson install --destdir` through pkg-config."""

import os
import shutil
import subprocess

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()


def flows_ok(doc):
    for f in doc["flows"]:
        assert f["src"]["tx_bytes"] > 0, f
        assert f["dst"]["rx_bytes"] == f["src"]["tx_bytes"], f


def test_reverse(lab):
    """-R: the connections go from --src to --dst, the data the other
    way; src/dst in the report follow the data, and the kernel agrees
    with the byte counts on both ends."""
    a, b = lab.hosts
    r = lab.stream("-t", "1", "-R", "--json")
    assert r.rc == 0, r
    doc = r.json
    assert doc["test"]["direction"] == "reverse"
    assert doc["hosts"]["src"]["address"] == b.addr
    assert doc["hosts"]["dst"]["address"] == a.addr
    flows_ok(doc)
    for f in doc["flows"]:
        # The sender's acked bytes and the receiver's received bytes are
        # TCP_INFO's view (deltas over the test), not kperf's counters.
        assert f["src"]["tcp"]["bytes_acked"] >= f["src"]["tx_bytes"], f
        assert f["dst"]["tcp"]["bytes_received"] >= f["dst"]["rx_bytes"], f
    assert doc["totals"]["throughput_gbps"] > 0

    r = lab.stream("-t", "0.5", "-R", "-s", "64", "--json")
    assert r.rc == 0, r
    assert r.json["test"]["direction"] == "reverse"
    assert r.json["totals"]["rr"]["transactions"] > 0
    assert r.json["hosts"]["src"]["address"] == b.addr


def rx_cpus(doc, end):
    return {f[end]["rx_cpu"] for f in doc["flows"]}


@pytest.mark.parametrize("want", ["apart", "shared"])
def test_rr_under_load(lab, want):
    """One RR flow alone, then beside 2 stream flows; the RR flow's RX
    CPUs relate to the streams' as asked on both ends, its workers sit on
    its RX CPUs, and both runs used the same connection."""
    if len(procfs.online_cpus()) < 2 and want == "apart":
        pytest.skip("one CPU: nothing can be apart")
    r = lab.stream("-t", "1", "-s", "64", "--rr-under-load", "1",
                   "--rr-cpu", want, "--json", timeout=90)
    assert r.rc == 0, r
    top = r.json["rr_under_load"]
    assert top["n_streams"] == 1 and top["rr_cpu"] == want
    idle, loaded = top["idle"], top["loaded"]
    assert len(idle["groups"]) == 1 and len(loaded["groups"]) == 2
    rr, st = loaded["groups"]
    assert idle["totals"]["rr"]["transactions"] > 0
    assert rr["totals"]["rr"]["transactions"] > 0
    assert st["totals"]["throughput_gbps"] > 0
    flows_ok(st)
    # Same connection both times: same ports.
    assert idle["flows"][0]["src"]["port"] == rr["flows"][0]["src"]["port"]
    for end in ("src", "dst"):
        shared = bool(rx_cpus(rr, end) & rx_cpus(st, end))
        assert shared == top["shared"][end], (end, rr["flows"], st["flows"])
        assert shared == (want == "shared"), (end, want)
        for g in (rr, st):
            for f in g["flows"]:
                assert f[end]["worker_cpu"] == f[end]["rx_cpu"], f

    r = lab.stream("-t", "0.5", "-s", "64", "--rr-under-load", "1")
    assert r.rc == 0, r
    for word in ("idle", "loaded", "p99", "streams Gbit/s",
                 "RX CPU shared with a stream flow"):
        assert word in r.stdout, r


@pytest.mark.parametrize("bad,says", [
    (["--rr-cpu", "apart"], "--rr-cpu needs --rr-under-load"),
    (["--rr-under-load", "0"], "--rr-under-load"),
    (["--rr-under-load", "2", "--rr-cpu", "near"], "--rr-cpu"),
    (["--rr-under-load", "2", "-n", "2"], "-n"),
])
def test_rr_under_load_usage(lab, bad, says):
    r = lab.stream("-t", "0.5", *bad)
    assert r.rc == 2, r
    assert says in r.stderr, r


def pkg_env(root):
    """pkg-config and the loader pointed into a --destdir tree."""
    pcs = list(root.rglob("libkperf.pc"))
    assert len(pcs) == 1, pcs
    libdir = pcs[0].parent.parent
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcs[0].parent),
               PKG_CONFIG_SYSROOT_DIR=str(root),
               LD_LIBRARY_PATH=str(libdir))
    return env, libdir


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """meson install --destdir of the build the tests use."""
    if not shutil.which("pkg-config"):
        pytest.skip("no pkg-config")
    root = tmp_path_factory.mktemp("destdir")
    subprocess.run(["meson", "install", "-C", str(lablib.build_dir()),
                    "--no-rebuild", "--destdir", str(root)],
                   check=True, capture_output=True, timeout=120)
    return root


def test_install_tree(installed):
    env, libdir = pkg_env(installed)
    names = {p.name for p in installed.rglob("*")}
    for f in ("kperf.h", "report.h", "libkperf.pc", "libkperf.so",
              "libkperf.so.0", "kperf", "kperfd"):
        assert f in names, (f, sorted(names))
    if shutil.which("scdoc"):
        assert "libkperf.3" in names, sorted(names)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libkperf"],
                           env=env, capture_output=True, text=True,
                           check=True).stdout
    assert "-lkperf" in flags and str(installed) in flags, flags
    # The shared library exports its API and nothing else.
    syms = subprocess.run(["nm", "-D", "--defined-only",
                           str(libdir / "libkperf.so.0")],
                          capture_output=True, text=True, check=True).stdout
    names = [ln.split()[-1].split("@")[0] for ln in syms.splitlines()
             if " T " in ln]
    assert "kperf_test_run" in names
    assert all(n.startswith("kperf_") for n in names), \
        [n for n in names if not n.startswith("kperf_")]


def build_example(installed, name, tmp_path):
    env, libdir = pkg_env(installed)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libkperf"],
                           env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    # A sanitizer build's libkperf needs the ASan runtime loaded first:
    # the program is linked with it, as the build's own programs are.
    if lablib.asan_runtime(libdir / "libkperf.so.0"):
        flags.append("-fsanitize=address,undefined")
    out = tmp_path / name
    # A sanitized libkperf needs its runtime first: build the program so.
    ldd = subprocess.run(["ldd", str(lablib.build_dir() / "src" / "client"
                                     / "libkperf.so.0")],
                         capture_output=True, text=True).stdout
    if "libasan" in ldd:
        flags = ["-fsanitize=address,undefined", *flags]
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-o", str(out),
                    str(lablib.REPO / "examples" / (name + ".c")), *flags],
                   check=True, capture_output=True, timeout=60)
    return out, env


def run_in(lab, host, argv, env):
    keep = {k: env[k] for k in ("LD_LIBRARY_PATH",)}
    return subprocess.run(lablib.ns_argv(host.ns, ["env"] + [
        "%s=%s" % kv for kv in keep.items()] + argv), capture_output=True,
        text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_example_sweep(lab, installed, tmp_path):
    prog, env = build_example(installed, "sweep", tmp_path)
    a, b = lab.hosts
    p = run_in(lab, a, [str(prog), a.addr, b.addr], env)
    assert p.returncode == 0, (p.stdout, p.stderr)
    rows = [ln.split() for ln in p.stdout.splitlines()[1:]]
    assert [r[0] for r in rows] == ["4K", "16K", "64K", "256K"], p.stdout
    assert all(float(r[1]) > 0 for r in rows), p.stdout
    # One connection set for the whole sweep: the same ports each time.
    assert len({r[2] for r in rows}) == 1, p.stdout


def test_example_placement(lab, installed, tmp_path):
    prog, env = build_example(installed, "placement", tmp_path)
    a, b = lab.hosts
    p = run_in(lab, a, [str(prog), a.addr, b.addr], env)
    assert p.returncode == 0, (p.stdout, p.stderr)
    flows = [ln for ln in p.stdout.splitlines() if ln.startswith("flow ")]
    assert len(flows) == 2, p.stdout
    if len(procfs.online_cpus()) >= 2:
        # RPS spreads the hashes: a pair of different CPUs comes up.
        assert "no other pair" not in p.stdout, p.stdout
    assert "total:" in p.stdout


def test_bidir(lab):
    """--bidir: both ends send on the same connections, each direction
    counted apart; what each end sent the other received, and each
    sender's data was acknowledged (TCP_INFO, not kperf's counters)."""
    r = lab.stream("-t", "1", "--bidir", "-n", "2", "--json")
    assert r.rc == 0, r
    doc = r.json
    assert doc["test"]["direction"] == "bidir"
    assert doc["test"]["data_path"]["waitall"] is False
    for f in doc["flows"]:
        assert f["dst"]["rx_bytes"] == f["src"]["tx_bytes"] > 0, f
        assert f["src"]["rx_bytes"] == f["dst"]["tx_bytes"] > 0, f
        for end in ("src", "dst"):
            assert f[end]["tcp"]["bytes_acked"] >= f[end]["tx_bytes"], f
        assert f["throughput_gbps"] > 0 and f["reverse_gbps"] > 0, f
    t = doc["totals"]
    assert abs(t["reverse_gbps"] -
               sum(f["reverse_gbps"] for f in doc["flows"])) < 1e-6, t
    assert doc["totals"]["mismatches"] == 0

    r = lab.stream("-t", "0.5", "--bidir")
    assert r.rc == 0, r
    assert "bidirectional stream test" in r.stdout
    assert "dst -> src" in r.stdout.splitlines()[-1], r.stdout
    for bad, says in ((["-s", "1"], "stream test"),
                      (["--waitall", "yes"], "--waitall yes")):
        r = lab.stream("-t", "0.5", "--bidir", *bad)
        assert r.rc == 2 and says in r.stderr, r


def test_worker_cpu_per_flow(lab):
    """--cpu-src-wrk/--cpu-dst-wrk as lists: flow i's worker on the i-th
    CPU of each end, as the sessions read the affinity back."""
    if len(procfs.online_cpus()) < 2:
        pytest.skip("one CPU: one list is all there is")
    r = lab.stream("-t", "0.5", "-n", "2", "--allow-shared-cpus",
                   "--cpu-src-wrk", "1,0", "--cpu-dst-wrk", "0,1", "--json")
    assert r.rc == 0, r
    flows = r.json["flows"]
    assert [f["src"]["worker_cpu"] for f in flows] == [1, 0], flows
    assert [f["dst"]["worker_cpu"] for f in flows] == [0, 1], flows
    r = lab.stream("-t", "0.5", "--cpu-src-wrk", "0,4095")
    assert r.rc == 1 and "CPU 4095 is not online" in r.stderr, r
