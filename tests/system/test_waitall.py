"""Whole-block reads (--waitall, docs/datapath.md): a stream receiver
with a worker of its own asks recv() for whole --read-size blocks with
MSG_WAITALL, has TCP wake it only once a block is queued (SO_RCVLOWAT),
and bounds both with SO_RCVTIMEO so that a slow flow's bytes are not held
back a block at a time.

Checked from the kernel's side with strace attached to the destination's
kperfd (following its session and worker threads): the flags of every
recvfrom() on the data socket, and SO_RCVTIMEO and SO_RCVLOWAT set before
the test and put back after it; and from the numbers: the rate a slow,
paced flow's receiver reports matches the pace (without the bound the
receiver would see its first byte a whole block late).
"""

import codecs
import os
import re
import shutil
import signal
import struct
import subprocess
import sys

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

EXIT_USAGE = 2
BLOCK = 128 * 1024


def data_path(lab, *args):
    r = lab.stream("--json", "-t", "0.3", *args)
    assert r.rc == 0, r
    assert r.json["totals"]["mismatches"] == 0, r.json["totals"]
    return r.json["test"]["data_path"]


@pytest.mark.parametrize("args, waitall", [
    ((), True),
    (("--waitall", "yes"), True),
    (("--waitall", "no"), False),
    (("--msg-trunc",), True),
    (("--iou-dst",), False),        # multishot receive: what is queued
    (("--zerocopy-rx",), False),    # mapping: what is queued
    (("--iou-src",), True),         # the source does not receive
    (("-s", "1"), False),           # RR reads whole messages anyway
])
def test_reported(lab, args, waitall):
    assert data_path(lab, *args)["waitall"] is waitall


def test_text_report(lab):
    r = lab.stream("-t", "0.3")
    assert r.rc == 0, r
    assert "receive copy (whole blocks)" in r.stdout, r.stdout
    r = lab.stream("-t", "0.3", "--waitall", "no")
    assert r.rc == 0, r
    assert "receive copy, send" in r.stdout, r.stdout


@pytest.mark.parametrize("args, words", [
    (("--waitall", "maybe"), ("--waitall", "maybe", "yes or no")),
    (("-s", "1", "--waitall", "no"), ("--waitall", "stream tests")),
    (("--iou-dst", "--waitall", "yes"), ("--waitall yes", "--iou-dst")),
    (("--zerocopy-rx", "--waitall", "yes"), ("--waitall yes",
                                             "--zerocopy-rx")),
])
def test_usage_errors(lab, args, words):
    r = lab.stream("-t", "0.3", *args)
    assert r.rc == EXIT_USAGE, r
    for w in words:
        assert w in r.stderr, (w, r.stderr)


# -- the kernel's view -------------------------------------------------

def strace_or_skip():
    path = shutil.which("strace")
    if not path:
        reason = "strace is not installed (scripts/setup.sh installs it)"
        print("SKIP: " + reason, file=sys.stderr)
        pytest.skip(reason)
    return path


def traced_run(lab, tmp_path, *args):
    """Run a stream test with strace following the destination's kperfd;
    return the trace lines of recvfrom, SO_RCVTIMEO and SO_RCVLOWAT."""
    out = tmp_path / "strace.txt"
    st = subprocess.Popen([strace_or_skip(), "-f", "-qq", "-o", str(out),
                           "-e", "trace=recvfrom,setsockopt",
                           "-p", str(lab.hosts[1].kperfd.pid)],
                          stdin=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        # Attached: the kernel names strace as kperfd's tracer.
        pid = lab.hosts[1].kperfd.pid
        assert lablib.poll(lambda: procfs.tracer_pid(pid) == st.pid, 5), st.pid
        r = lab.stream("-t", "0.5", *args, timeout=60)
        assert r.rc == 0, r
    finally:
        os.kill(st.pid, signal.SIGINT)
        st.wait(10)
    lines = out.read_text().splitlines()
    return [ln for ln in lines
            if "SO_RCVTIMEO" in ln or "SO_RCVLOWAT" in ln or "recvfrom" in ln]


def timeval(line):
    """(tv_sec, tv_usec) that a traced setsockopt(SO_RCVTIMEO) passed:
    decoded by strace, or as the raw bytes older ones print."""
    m = re.search(r"tv_sec=(\d+), tv_usec=(\d+)", line)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.search(r'SO_RCVTIMEO\w*, "((?:[^"\\]|\\.)*)", 16\)', line)
    assert m, line
    raw = codecs.escape_decode(m.group(1).encode())[0]
    return struct.unpack("=qq", raw)


def data_recvs(lines):
    """(flags, return value) of the recvfrom() calls that read a block of
    payload (len BLOCK), i.e. the worker's, not the control channel's."""
    out = []
    # A call another thread interrupts in strace's output ends on a
    # "<... recvfrom resumed>" line: match the tail of either.
    tail = re.compile(r", %d, ([A-Z_|0-9]+), NULL, NULL\) += (-?\d+)"
                      % BLOCK)
    for ln in lines:
        m = tail.search(ln) if "recvfrom" in ln else None
        if m:
            out.append((m.group(1), int(m.group(2))))
    return out


def test_kernel_sees_msg_waitall(lab, tmp_path):
    lines = traced_run(lab, tmp_path)
    recvs = data_recvs(lines)
    assert len(recvs) > 10, lines[:20]
    assert all("MSG_WAITALL" in f for f, _ in recvs), recvs[:20]
    # Whole blocks, but for the reads a signal or the bound cut short.
    whole = sum(1 for _, n in recvs if n == BLOCK)
    print("%d of %d reads returned a whole block" % (whole, len(recvs)),
          file=sys.stderr)
    assert whole >= len(recvs) * 0.9, recvs[:20]
    timeo = [timeval(ln) for ln in lines if "SO_RCVTIMEO" in ln]
    # Set on the data socket before the test, cleared after it.
    assert timeo == [(0, 1000), (0, 0)], timeo
    lowat = [re.search(r"SO_RCVLOWAT, \[(\d+)\], 4\) = 0", ln)
             for ln in lines if "SO_RCVLOWAT" in ln]
    assert [int(m.group(1)) if m else None for m in lowat] == [BLOCK, 1], \
        [ln for ln in lines if "SO_RCVLOWAT" in ln]


def test_kernel_sees_no_waitall(lab, tmp_path):
    lines = traced_run(lab, tmp_path, "--waitall", "no")
    recvs = data_recvs(lines)
    assert len(recvs) > 10, lines[:20]
    assert not any("MSG_WAITALL" in f for f, _ in recvs), recvs[:20]
    assert not [ln for ln in lines
                if "SO_RCVTIMEO" in ln or "SO_RCVLOWAT" in ln], lines[:20]


# Two flows on one receiving worker: it waits in epoll, non-blocking,
# where SO_RCVTIMEO bounds nothing, so it must not get SO_RCVLOWAT.
SHARED = ("-n", "2", "--cpu-src-wrk", "0", "--cpu-dst-wrk", "1")


def test_shared_worker_gets_no_threshold(lab, tmp_path):
    lines = traced_run(lab, tmp_path, *SHARED)
    assert len(data_recvs(lines)) > 10, lines[:20]
    assert not [ln for ln in lines
                if "SO_RCVTIMEO" in ln or "SO_RCVLOWAT" in ln], lines[:20]


@pytest.mark.parametrize("waitall, extra", [
    ("yes", ()), ("no", ()), ("yes", SHARED)])
def test_slow_flow_rate_at_the_receiver(lab, waitall, extra):
    """2 Mbit/s paced: a 128 KiB block takes 0.5 s to fill.  The rate the
    receiver reports (its bytes over its first-to-last-byte time) must not
    exceed the pace by more than 10 %: an unbounded read sees its first
    byte a block late, which shows as +15 to +18 % over 3 s here
    (WAITALL_MAX_US set to 0, i.e. no timeout); with the bound, or
    without whole blocks, +1 to +5 % (the initial window leaves unpaced,
    and test_tcp_settings.py's pacing slack).  Load cannot raise the
    figure: pacing caps what is sent, and a receiver that starts reading
    late finds at most the initial receive window waiting (a slow,
    descheduled flow only falls behind, as one did at -24 % on a busy
    machine).  The lower bound (a tenth of the pace) only says the flow
    ran at all; the strace tests above check the mechanism itself."""
    r = lab.stream("--json", "-t", "3", "--max-pace", "2M", "--waitall",
                   waitall, *extra, timeout=60)
    assert r.rc == 0, r
    for f in r.json["flows"]:
        pace = f["src"]["settings"]["max_pacing_rate"] * 8 / 1e6
        dst = f["dst"]["rx_bytes"] * 8 / f["dst"]["xfer_s"] / 1e6
        print("--waitall %s %s: paced at %.3f Mbit/s, receiver %.3f Mbit/s"
              % (waitall, " ".join(extra), pace, dst), file=sys.stderr)
        assert 0.1 <= dst / pace <= 1.10, (pace, dst)
