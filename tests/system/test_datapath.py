"""Data paths across the lab (the I/O engines, receive modes and send
modes of docs/datapath.md): every engine x receive mode x send mode that
the kernel supports runs a stream test and an RR
test with validation on (off only with MSG_TRUNC, which cannot validate)
and zero mismatches; the bytes each end counted agree with the kernel's
TCP_INFO; the zero-copy counters add up.  Combinations no kernel can do
are usage errors, and an io_uring the host disabled is a clear error.

On veth (and loopback) the receiver is local, so MSG_ZEROCOPY sends are
copied by the kernel after all: the counters must say so (sends_copied
<= sends, and they are reported), which is the point of reporting them.
A corrupted stream is caught by the checker: see
test_protocol.py::test_validation_counts_corruption, which feeds a
session bytes by hand.
"""

import os
import sys

import pytest

from kperflab import lab as lablib

lablib.require_lab()

ENGINES = ("epoll", "io_uring")
RX = {"copy": (), "msg_trunc": ("--msg-trunc",),
      "zerocopy": ("--zerocopy-rx",)}
TX = {"copy": (), "zerocopy": ("--msg-zerocopy",)}
IOU_DISABLED = "/proc/sys/kernel/io_uring_disabled"
EXIT_USAGE = 2


def supported(engine, rx):
    """TCP_ZEROCOPY_RECEIVE is a getsockopt: io_uring cannot do it."""
    return not (engine == "io_uring" and rx == "zerocopy")


MATRIX = [(e, rx, tx) for e in ENGINES for rx in RX for tx in TX]


def run(lab, engine, rx, tx, *extra):
    r = lab.stream("--json", "-t", "0.5", "--engine-src", engine,
                   "--engine-dst", engine, *RX[rx], *TX[tx], *extra)
    assert r.rc == 0, r
    dp = r.json["test"]["data_path"]
    # Whole-block reads: stream receivers that read with recv().
    waitall = ("-s" not in extra and engine == "epoll"
               and rx != "zerocopy")
    assert dp == {"engine_src": engine, "engine_dst": engine,
                  "rx_mode": rx, "tx_mode": tx,
                  "validate": rx != "msg_trunc", "waitall": waitall}, dp
    assert r.json["totals"]["mismatches"] == 0, r.json["totals"]
    return r.json


def check_receiver(end, rx):
    """What a receiving end says it read and checked."""
    v, z = end["validate"], end["zerocopy"]
    assert v["mismatches"] == 0 and v["first_bad_offset"] is None, v
    if rx == "msg_trunc":
        assert v["checked"] == 0, v
    else:
        # No warm-up: every byte read in the test was checked.
        assert v["checked"] == end["rx_bytes"] > 0, (v, end["rx_bytes"])
    if rx == "zerocopy":
        assert z["rx_mapped"] + z["rx_copied"] == end["rx_bytes"], z
    else:
        assert z["rx_mapped"] == z["rx_copied"] == 0, z
    # The kernel's own count of what arrived in order.
    assert end["tcp"]["bytes_received"] == end["rx_bytes"], end["tcp"]


def check_sender(end, tx):
    z = end["zerocopy"]
    if tx == "zerocopy":
        assert 0 < z["sends"] and z["sends_copied"] <= z["sends"], z
        print("MSG_ZEROCOPY: %d sends, %d copied by the kernel"
              % (z["sends"], z["sends_copied"]), file=sys.stderr)
    else:
        assert z["sends"] == z["sends_copied"] == 0, z
    assert end["tcp"]["bytes_acked"] == end["tx_bytes"] > 0, end


@pytest.mark.parametrize("engine,rx,tx", [m for m in MATRIX
                                          if supported(m[0], m[1])])
def test_stream(lab, engine, rx, tx):
    doc = run(lab, engine, rx, tx)
    (f,) = doc["flows"]
    assert f["throughput_gbps"] > 0, f
    assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"], f
    check_receiver(f["dst"], rx)
    check_sender(f["src"], tx)


@pytest.mark.parametrize("engine,rx,tx", [m for m in MATRIX
                                          if supported(m[0], m[1])])
def test_rr(lab, engine, rx, tx):
    req, resp = 100, 3000
    doc = run(lab, engine, rx, tx, "-s", str(req), "--resp-size", str(resp),
              "--depth", "2")
    (f,) = doc["flows"]
    n = f["rr"]["transactions"]
    assert n > 0, f
    assert f["src"]["tx_bytes"] == f["dst"]["rx_bytes"] == n * req, f
    assert f["dst"]["tx_bytes"] == f["src"]["rx_bytes"] == n * resp, f
    for end in ("src", "dst"):
        check_receiver(f[end], rx)
        check_sender(f[end], tx)


def test_mixed_engines(lab):
    """Each end runs its own engine; validation spans both."""
    r = lab.stream("--json", "-t", "0.5", "-n", "2", "--iou-src")
    assert r.rc == 0, r
    assert r.json["test"]["data_path"]["engine_src"] == "io_uring"
    assert r.json["test"]["data_path"]["engine_dst"] == "epoll"
    for f in r.json["flows"]:
        check_receiver(f["dst"], "copy")


def test_validate_no(lab):
    r = lab.stream("--json", "-t", "0.3", "--validate", "no")
    assert r.rc == 0, r
    assert r.json["test"]["data_path"]["validate"] is False
    assert r.json["flows"][0]["dst"]["validate"]["checked"] == 0


@pytest.mark.parametrize("args,words", [
    (("--zerocopy-rx", "--engine-dst", "io_uring"),
     ("--zerocopy-rx", "--engine-dst io_uring", "getsockopt")),
    # In RR the source receives too.
    (("-s", "1", "--zerocopy-rx", "--iou-src"), ("--zerocopy-rx",
                                                 "--iou-src")),
    (("--msg-trunc", "--validate", "yes"), ("--msg-trunc",
                                            "nothing can check")),
    (("--msg-trunc", "--zerocopy-rx"), ("exclude each other",)),
    (("--engine-src", "kqueue"), ("--engine-src", "kqueue")),
    (("--validate", "maybe"), ("--validate", "maybe")),
])
def test_unsupported_combinations(lab, args, words):
    r = lab.stream("-t", "0.3", *args)
    assert r.rc == EXIT_USAGE, r
    for w in words:
        assert w in r.stderr, (w, r)


@pytest.fixture
def io_uring_disabled():
    """Disable io_uring for the whole host (a global sysctl) for the
    length of one test, and put the old value back whatever happens."""
    if not os.path.exists(IOU_DISABLED):
        reason = "%s is missing (Linux < 6.6)" % IOU_DISABLED
        print("SKIP: " + reason, file=sys.stderr)
        pytest.skip(reason)
    with open(IOU_DISABLED) as fh:
        old = fh.read().strip()
    try:
        with open(IOU_DISABLED, "w") as fh:
            fh.write("2")
        yield
    finally:
        with open(IOU_DISABLED, "w") as fh:
            fh.write(old)


def test_io_uring_disabled(lab, io_uring_disabled):
    r = lab.stream("-t", "0.3", "--iou-dst")
    assert r.rc == 1, r
    assert lab.hosts[1].addr in r.stderr, r
    assert "io_uring is disabled" in r.stderr, r
    assert "io_uring_disabled = 2" in r.stderr, r
