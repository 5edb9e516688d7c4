"""Bidirectional stream flows (role BOTH, docs/protocol.md) against two
real kperfd, one in each host of the lab, driven with raw frames built
from the document, with test_protocol.py's helpers.

Each end of every connection gets a BOTH flow: it sends and reads at
once.  Each session must say TX_DONE (type 16, empty, the TEST_START's id,
no REPLY) once its sending is over and acknowledged, and then keep its
test running until TEST_STOP, after which it drains what is queued and
sends its TEST_RESULT.  Checked: the order of the frames, that every flow
moved bytes both ways, that what one end sent is exactly what the other
read (the drain guarantees it), that TCP_INFO agrees, that the payload
checked clean, and that both kperfd come back to their fds and threads.
Also: the refusals (BOTH in RR, roles past BOTH), and from the kernel's
side (strace) that a worker with one BOTH flow waits in epoll for both
directions rather than blocking in one, and gets no whole-block
threshold.  Every load here is bounded in time.
"""

import errno
import os
import re
import signal
import struct
import subprocess
import time

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

import test_protocol as tp  # noqa: E402  (after the lab check, as it does)
import test_waitall as tw  # noqa: E402

ROLE_ACTIVE, ROLE_PASSIVE, ROLE_BOTH = 1, 2, 3
FEAT_BIDIR = 1 << 7
ENGINE_URING = 1
RX_TRUNC, RX_ZEROCOPY, TX_ZEROCOPY = 1, 2, 1
F_VALIDATE, F_WAITALL = 0x0002, 0x0004
STREAM = {"ttype": 1, "read_size": 131072, "write_size": 65536}
DEADLINE_S = 30     # TX_DONE and results, far beyond 2 s + the 3 s drain
HELLO = 16          # bytes of the data-connection hello, each way


class Kperfd:
    """A lab host's kperfd, shaped as test_protocol's helpers want it."""

    def __init__(self, host):
        self.host = host

    def connect(self):
        return tp.connect(self.host.ns, tp.PORT)

    def snapshot(self):
        return self.host.snapshot()

    def sessions(self):
        return self.host.sessions()


def close_to(measured, expected, rel=0.001, slack=2 * HELLO):
    """test_stream.py's tolerance between kperf's and TCP_INFO's counts."""
    return abs(measured - expected) <= rel * expected + slack


def open_pair(lab, n):
    """Sessions a and b (one per host), n connections from a to b and a
    worker on each: (ctl a, ctl b, a's conn ids, b's ids in the same
    order, worker a, worker b)."""
    a, b = (Kperfd(h) for h in lab.hosts)
    ca, cb = tp.Ctl(a), tp.Ctl(b)
    for c in (ca, cb):
        h = c.hello()
        assert h["features"] & FEAT_BIDIR, "features %#x" % h["features"]
    port, token = cb.listen()
    conns = tp.decode_conn_list(ca.call(tp.T_CONNECT, tp.connect_body(
        port, token, n, addr=lab.hosts[1].addr)), tp.T_CONNECT)
    ids_a = [c["id"] for c in conns]
    peers = tp.decode_conn_list(cb.call(tp.T_CONN_INFO, tp.ids_body(
        *[c["peer_id"] for c in conns])), tp.T_CONN_INFO)
    assert [p["peer_id"] for p in peers] == ids_a, peers
    return ca, cb, ids_a, [p["id"] for p in peers], \
        tp.spawn_worker(ca), tp.spawn_worker(cb)


def start(c, ids, worker, role=ROLE_BOTH, **kw):
    """TEST_START one flow per id on one worker; the test's id, or None
    with the ERROR's (errno, text) when it is refused."""
    f = c.call(tp.T_TEST_START, tp.start_body(
        flows=[(i, worker, role) for i in ids], **kw))
    if f.type == tp.T_ERROR:
        return None, tp.decode_error(f)
    assert (f.type, f.flags, f.len) == (tp.T_TEST_START, tp.F_REPLY, 0), f
    return f.id, None


def until_tx_done(c, test_id, n):
    """The SAMPLEs a session sends, up to and including its TX_DONE,
    which must come before anything else of the test's; returns the
    SAMPLEs' flows, [(conn_id, tx, rx)] each."""
    samples = []
    end = time.monotonic() + DEADLINE_S
    while True:
        assert time.monotonic() < end, "no TX_DONE in %d s" % DEADLINE_S
        f = c.next_frame()
        assert f.id == test_id and f.flags == 0, f
        if f.type == tp.T_TX_DONE:
            assert f.len == 0, f
            return samples
        assert f.type == tp.T_SAMPLE, "expected SAMPLE or TX_DONE: %r" % f
        _, k, pad = struct.unpack(">QII", f.body[:16])
        assert pad == 0 and k == n and f.len == 16 + 24 * n, f
        samples.append([struct.unpack(">I4xQQ", f.body[16 + 24 * i:
                                                      40 + 24 * i])
                        for i in range(n)])


def stop(c, test_id):
    """TEST_STOP: the test must still be running (an empty reply, not
    ENOENT, and nothing of the test's before it), then its TEST_RESULT."""
    f = c.call(tp.T_TEST_STOP)
    assert (f.type, f.flags, f.len) == (tp.T_TEST_STOP, tp.F_REPLY, 0), f
    assert not c.unsolicited, c.unsolicited
    return tp.decode_result(c.next_frame(), test_id)


def run_both(lab, n, skip_refused=False, **kw):
    """A BOTH test on n connections, b started first, then a; returns
    (result a, result b, samples a, samples b, ids a, ids b, seconds the
    harness saw between the first TEST_START and the last TEST_RESULT)."""
    ca, cb, ids_a, ids_b, wa, wb = open_pair(lab, n)
    t0 = time.monotonic()
    tb, err = start(cb, ids_b, wb, **kw)
    if err and skip_refused and err[0] == errno.EOPNOTSUPP:
        pytest.skip(err[1])
    assert tb, err
    ta, err = start(ca, ids_a, wa, **kw)
    assert ta, err
    sa = until_tx_done(ca, ta, n)
    sb = until_tx_done(cb, tb, n)
    # Both have said TX_DONE: what each sent is in the other's socket.
    ra, rb = stop(ca, ta), stop(cb, tb)
    spent = time.monotonic() - t0
    ca.close()
    cb.close()
    return ra, rb, sa, sb, ids_a, ids_b, spent


def idle(lab):
    return {h.ns: tp.idle_snapshot(Kperfd(h)) for h in lab.hosts}


def settled(lab, base):
    for h in lab.hosts:
        last = tp.settle(Kperfd(h), base[h.ns])
        assert last == base[h.ns], "%s after the test: %s, before %s" % (
            h.ns, last, base[h.ns])


def check_flows(res, ids, spent, validate):
    assert [fl["conn_id"] for fl in res["flows"]] == ids, res["flows"]
    assert 0 < res["window_ns"] <= spent * 1e9, res["window_ns"]
    for fl in res["flows"]:
        assert fl["tx"] > 0 and fl["rx"] > 0, fl
        # Counted both ways, and every byte read was checked, clean.
        checked = fl["rx"] if validate else 0
        assert (fl["checked"], fl["mismatches"]) == (checked, 0), fl
        assert fl["first_bad"] == (1 << 64) - 1, fl
        # The receive side's first to last byte, within the run.
        assert 0 < fl["xfer_ns"] <= spent * 1e9, fl


@pytest.mark.parametrize("n, kw", [
    (1, {"flags": F_VALIDATE | F_WAITALL}),
    (2, {"flags": F_VALIDATE}),
    (2, {"flags": F_VALIDATE, "engine": ENGINE_URING}),
    (1, {"flags": F_VALIDATE, "rx_mode": RX_ZEROCOPY,
         "tx_mode": TX_ZEROCOPY}),
    (1, {"engine": ENGINE_URING, "rx_mode": RX_TRUNC,
         "tx_mode": TX_ZEROCOPY}),
], ids=["epoll-1-waitall", "epoll-2", "io_uring-2", "zerocopy-1",
        "io_uring-1-trunc-zerocopy"])
def test_both_ways(lab, n, kw):
    base = idle(lab)
    ra, rb, sa, sb, ids_a, ids_b, spent = run_both(
        lab, n, skip_refused=kw.get("engine") == ENGINE_URING,
        duration_ms=2000, interval_ms=500, **STREAM, **kw)
    validate = bool(kw.get("flags", 0) & F_VALIDATE)
    check_flows(ra, ids_a, spent, validate)
    check_flows(rb, ids_b, spent, validate)
    for fa, fb in zip(ra["flows"], rb["flows"]):
        # What each end sent, the other end read: all of it.
        assert fa["tx"] == fb["rx"] and fb["tx"] == fa["rx"], (fa, fb)
        # The kernel agrees: every byte sent was acknowledged.
        assert close_to(fa["bytes_acked"], fa["tx"]), fa
        assert close_to(fb["bytes_acked"], fb["tx"]), fb
        # b started first: its TCP_INFO counts from before a sent a byte.
        # a's starts later, after some of b's bytes arrived: it counts
        # those in rx_bytes but not in its TCP_INFO delta.
        assert close_to(fb["bytes_received"], fb["rx"]), fb
        assert fa["bytes_received"] <= fa["rx"] + 2 * HELLO, fa
    # SAMPLEs: cumulative, and a BOTH flow reports its sending too.
    for samples, ids in ((sa, ids_a), (sb, ids_b)):
        assert samples, "no SAMPLE"
        for i, cid in enumerate(ids):
            seq = [s[i] for s in samples]
            assert all(x[0] == cid for x in seq), seq
            assert [x[1] for x in seq] == sorted(x[1] for x in seq), seq
            assert seq[-1][1] > 0 and seq[-1][2] > 0, seq
    settled(lab, base)


def test_one_way_has_no_tx_done(lab):
    """The control: ACTIVE to PASSIVE reports as before, no TX_DONE."""
    ca, cb, ids_a, ids_b, wa, wb = open_pair(lab, 1)
    tb, _ = start(cb, ids_b, wb, role=ROLE_PASSIVE, duration_ms=300,
                  **STREAM)
    ta, _ = start(ca, ids_a, wa, role=ROLE_ACTIVE, duration_ms=300,
                  **STREAM)
    ra = tp.decode_result(ca.next_frame(), ta)
    rb = stop(cb, tb)
    assert ra["flows"][0]["tx"] == rb["flows"][0]["rx"] > 0, (ra, rb)
    assert ra["flows"][0]["rx"] == rb["flows"][0]["tx"] == 0, (ra, rb)
    ca.close()
    cb.close()


@pytest.mark.parametrize("what, kw", [
    ("BOTH in RR", {"ttype": 2, "read_size": 0, "write_size": 0,
                    "req_size": 64, "resp_size": 64, "depth": 1,
                    "flows": ((0, 0, ROLE_BOTH),)}),
    ("role 4", {"flows": ((0, 0, 4),)}),
    ("role 255", {"flows": ((0, 0, 255),)}),
    ("role 0", {"flows": ((0, 0, 0),)}),
])
def test_refused(lab, what, kw):
    """Refused by the decoder, whatever the session holds; it goes on."""
    ca, cb, ids_a, ids_b, wa, wb = open_pair(lab, 1)
    ca.expect_error(tp.T_TEST_START, tp.start_body(**kw), errno.EBADMSG,
                    "malformed TEST_START")
    # Nothing was left behind: a real BOTH test starts and stops.
    ta, err = start(ca, ids_a, wa, duration_ms=100, **STREAM)
    assert ta, err
    tb, err = start(cb, ids_b, wb, duration_ms=100, **STREAM)
    assert tb, err
    for c, t in ((ca, ta), (cb, tb)):
        until_tx_done(c, t, 1)
        stop(c, t)
    ca.close()
    cb.close()


def test_single_flow_waits_for_both_directions(lab, tmp_path):
    """One BOTH flow on its own worker, WAITALL asked: from strace on b's
    kperfd (following its session and worker), the flow is watched in
    epoll for reading and writing, then for reading alone once the
    window is over, and its socket is never made blocking (the engine
    "block" waits for one direction only) nor given SO_RCVLOWAT or
    SO_RCVTIMEO (which would hold back bytes in epoll)."""
    out = tmp_path / "strace.txt"
    pid = lab.hosts[1].kperfd.pid
    st = subprocess.Popen([tw.strace_or_skip(), "-f", "-qq", "-o", str(out),
                           "-e", "trace=setsockopt,fcntl,epoll_ctl",
                           "-p", str(pid)], stdin=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        assert lablib.poll(lambda: procfs.tracer_pid(pid) == st.pid, 5), st.pid
        ra, rb, _, _, _, _, _ = run_both(lab, 1, duration_ms=500,
                                         flags=F_WAITALL, **STREAM)
    finally:
        os.kill(st.pid, signal.SIGINT)
        st.wait(10)
    assert ra["flows"][0]["tx"] == rb["flows"][0]["rx"] > 0, (ra, rb)
    lines = out.read_text().splitlines()
    ctl = [ln for ln in lines if "epoll_ctl" in ln]
    both = re.compile(r"EPOLL_CTL_ADD, (\d+), \{events=EPOLLIN\|EPOLLOUT")
    fds = {m.group(1) for m in map(both.search, ctl) if m}
    assert len(fds) == 1, ctl
    (fd,) = fds
    assert any(re.search(r"EPOLL_CTL_MOD, %s, \{events=EPOLLIN[,}]" % fd, ln)
               for ln in ctl), ctl
    assert not [ln for ln in lines
                if "F_SETFL" in ln or "SO_RCVLOWAT" in ln or
                "SO_RCVTIMEO" in ln], lines
