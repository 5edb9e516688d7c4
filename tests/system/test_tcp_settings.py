"""Per-flow TCP settings across the lab: -M/--mss,
--max-pace, --tcp-cc, --sndbuf, --rcvbuf and --nodelay are set on the data
connections, read back from the sockets on both ends and reported in
flows[].<end>.settings; an option the kernel refuses fails the run before
the test starts, naming the option, the reason and the host.

Pacing slack: SO_MAX_PACING_RATE caps the rate at which TCP sends; the
kernel spaces the packets by their length / rate (TCP's own pacing timer,
or the fq qdisc), so on an idle host the goodput measured at the receiver
over a few seconds is within a fraction of a percent of the rate: 199.9 to
200.2 Mbit/s for 200M on the lab's veth pair, with bbr, cubic or reno.
The test allows +5 % (210 Mbit/s) above for the initial window, which
leaves before pacing has anything to space, and the first/last-byte
timing of a 3 s window.  Below, only a tenth of the rate (20 Mbit/s):
pacing timers fire late when the CPU is busy and the flow falls behind
(it never catches up above the rate), so load moves the figure down by
any amount but never up; the upper bound is the check that pacing is
applied (unpaced, the veth pair carries tens of Gbit/s).
"""

import subprocess
import sys

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

AVAILABLE_CC = "/proc/sys/net/ipv4/tcp_available_congestion_control"
MiB = 1 << 20


def settings_run(lab, *args, timeout=60):
    r = lab.stream("--json", *args, timeout=timeout)
    assert r.rc == 0, r
    return r.json


def ends(doc):
    """Every (flow id, end name, settings) of the document."""
    for f in doc["flows"]:
        for end in ("src", "dst"):
            yield f["id"], end, f[end]["settings"]


def n_flows():
    return min(2, len(procfs.online_cpus()))


def available_cc():
    with open(AVAILABLE_CC) as f:
        return f.read().split()


def require_cc(name):
    """Skip, saying why, unless the kernel has congestion control name
    (after trying to load its module)."""
    if name in available_cc():
        return
    try:
        subprocess.run(["modprobe", "tcp_" + name], capture_output=True,
                       timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if name not in available_cc():
        reason = ("congestion control %s is not available (%s: %s) and "
                  "modprobe tcp_%s did not load it"
                  % (name, AVAILABLE_CC, " ".join(available_cc()), name))
        print("SKIP: " + reason, file=sys.stderr)
        pytest.skip(reason)


def test_defaults_are_reported(lab):
    """Without any option every end still reports what is in force."""
    doc = settings_run(lab, "-t", "0.5", "-n", n_flows())
    default_cc = lab.hosts[0].sh(
        "cat /proc/sys/net/ipv4/tcp_congestion_control").stdout.strip()
    for fid, end, s in ends(doc):
        assert set(s) == {"mss", "max_pacing_rate", "tcp_cc", "sndbuf",
                          "rcvbuf", "nodelay"}, s
        assert s["mss"] > 1000, (fid, end, s)     # veth, MTU 1500
        assert s["max_pacing_rate"] is None, (fid, end, s)
        assert s["tcp_cc"] == default_cc, (fid, end, s)
        assert s["sndbuf"] > 0 and s["rcvbuf"] > 0, (fid, end, s)
        assert s["nodelay"] is False, (fid, end, s)


@pytest.mark.parametrize("cc", ["reno", "bbr"])
def test_tcp_cc_reads_back(lab, cc):
    require_cc(cc)
    doc = settings_run(lab, "-t", "0.5", "-n", n_flows(), "--tcp-cc", cc)
    for fid, end, s in ends(doc):
        assert s["tcp_cc"] == cc, (fid, end, s)
    # RR: the same on both ends.
    doc = settings_run(lab, "-s", "1", "-t", "0.3", "--tcp-cc", cc)
    assert [s["tcp_cc"] for _, _, s in ends(doc)] == [cc, cc]


def test_tcp_cc_refused(lab):
    r = lab.stream("-t", "60", "--tcp-cc", "nosuchcc", timeout=30)
    assert r.rc == 1, r
    assert r.stdout == "", r
    line = r.stderr.strip()
    assert line.startswith("kperf: "), line
    assert "--tcp-cc nosuchcc" in line, line
    assert "No such file or directory" in line, line
    # The host that refused it: the source, asked first.
    assert "source %s" % lab.hosts[0].addr in line, line
    # Refused while setting up: the 60 s test never started (lab.stream
    # fails a run still going after its 30 s timeout).


def test_mss(lab):
    doc = settings_run(lab, "-t", "0.5", "-M", "1000", "-n", n_flows())
    for fid, end, s in ends(doc):
        # The clamp, less the TCP options (timestamps): both ends agree.
        assert 0 < s["mss"] <= 1000, (fid, end, s)
    # Data still flows at that MSS.
    assert all(f["dst"]["rx_bytes"] > 0 for f in doc["flows"])


def test_buffers(lab):
    """--sndbuf/--rcvbuf 1M: the kernel doubles what it is given, after
    capping it at net.core.wmem_max / rmem_max."""
    caps = lab.hosts[0].sh("cat /proc/sys/net/core/wmem_max "
                           "/proc/sys/net/core/rmem_max").stdout.split()
    wmax, rmax = int(caps[0]), int(caps[1])
    doc = settings_run(lab, "-t", "0.5", "--sndbuf", "1M", "--rcvbuf", "1M")
    for fid, end, s in ends(doc):
        assert s["sndbuf"] == 2 * min(MiB, wmax), (fid, end, s, wmax)
        assert s["rcvbuf"] == 2 * min(MiB, rmax), (fid, end, s, rmax)
        if wmax >= MiB // 2 and rmax >= MiB // 2:
            assert s["sndbuf"] >= MiB and s["rcvbuf"] >= MiB, s


def test_nodelay(lab):
    doc = settings_run(lab, "-t", "0.3", "--nodelay", "-n", n_flows())
    for fid, end, s in ends(doc):
        assert s["nodelay"] is True, (fid, end, s)


def test_max_pace_stream(lab):
    """200M: 25000000 bytes/s on the sender only, and the flow runs at
    no more than 200 Mbit/s, within the pacing slack described above."""
    doc = settings_run(lab, "-t", "3", "--max-pace", "200M")
    f = doc["flows"][0]
    assert f["src"]["settings"]["max_pacing_rate"] == 25000000, f["src"]
    assert f["dst"]["settings"]["max_pacing_rate"] is None, f["dst"]
    mbit = f["throughput_gbps"] * 1000
    print("--max-pace 200M: %.2f Mbit/s" % mbit, file=sys.stderr)
    assert 20 <= mbit <= 210, f


def test_max_pace_rr_both_ends(lab):
    doc = settings_run(lab, "-s", "1000", "-t", "0.5", "--max-pace", "2.5G")
    for fid, end, s in ends(doc):
        assert s["max_pacing_rate"] == 312500000, (fid, end, s)


def test_text_report(lab):
    r = lab.stream("-t", "0.3", "--max-pace", "100M", "--nodelay",
                   timeout=30)
    assert r.rc == 0, r
    assert "pace Mbit/s" in r.stdout, r.stdout
    rows = [line.split() for line in r.stdout.splitlines()
            if line.split()[:2] in (["0", "src"], ["0", "dst"])
            and line.split()[-1] in ("on", "off")]
    assert len(rows) == 2, r.stdout
    src, dst = rows
    assert src[3] == "100" and dst[3] == "-", rows
    assert src[-1] == dst[-1] == "on", rows


@pytest.mark.parametrize("args, opt", [
    (("-M", "50"), "-M"),
    (("--mss", "70000"), "--mss"),
    (("--max-pace", "2.5X"), "--max-pace"),
    (("--max-pace", "0"), "--max-pace"),
    (("--tcp-cc", "no such"), "--tcp-cc"),
    (("--sndbuf", "0"), "--sndbuf"),
    (("--rcvbuf", "2G"), "--rcvbuf"),
])
def test_bad_options(lab, args, opt):
    r = lab.stream(*args, timeout=10)
    assert r.rc == 2, r
    assert "option " + opt in r.stderr, r.stderr
