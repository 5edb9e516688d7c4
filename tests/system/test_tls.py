"""Kernel TLS on the data connections (--tls, --tls-tx, --tls-rx,
--tls-ver, --tls-cipher, --tls-nopad) across the lab.

What runs depends on the kernel under the lab, probed once (a connected
loopback socket and setsockopt TCP_ULP "tls"):

- without kernel TLS (no CONFIG_TLS, no tls module: TCP_ULP gives ENOENT),
  a run with TLS stops before its test starts with one line naming the
  host as given: "kernel TLS is not available on HOST (CONFIG_TLS / tls
  module)", exit 1, and leaves both kperfd as they were;
- with it, stream and RR runs with each cipher and version move data,
  and /proc/net/tls_stat of each namespace shows the right side set up
  for sending and receiving (tests/vm/test_tls_vm.py runs those in a VM
  whose kernel has kTLS, for machines whose kernel does not).

Usage errors need no lab, and CONN_TLS / TLS_STAT are also sent as raw
frames (built here from docs/protocol.md, with test_protocol.py's helpers)
to a real kperfd: unknown, busy and repeated ids, malformed bodies, and
the kernel's own refusal.
"""

import errno
import os
import socket
import struct
import subprocess
import sys

import pytest

from kperflab import lab as lablib

lablib.require_lab()

import test_protocol as tp  # noqa: E402  (after the lab check, as it does)

TCP_ULP = 31
T_CONN_TLS, T_TLS_STAT = 14, 15
FEAT_TLS = 1 << 5
TLS_1_2, TLS_1_3 = 0x0303, 0x0304
AES_GCM_128, AES_GCM_256, CHACHA20_POLY1305 = 51, 52, 54
F_TX, F_RX, F_NOPAD = 1, 2, 4
KEY_LEN = 56                      # one direction on the wire
CIPHERS = ["aes-gcm-128", "aes-gcm-256", "chacha20-poly1305"]
SIZES = {AES_GCM_128: (16, 4, 8), AES_GCM_256: (32, 4, 8),
         CHACHA20_POLY1305: (32, 0, 12)}     # key, salt, iv

_probe = None


def ktls_missing():
    """None when the kernel has kernel TLS, else why not.  The probe is a
    connected TCP socket on 127.0.0.1 and setsockopt TCP_ULP "tls" (as
    root, this also loads the tls module when there is one)."""
    global _probe
    if _probe is not None:
        return _probe or None
    ls = socket.socket()
    try:
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        c = socket.create_connection(ls.getsockname(), timeout=2)
        a, _ = ls.accept()
        try:
            c.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
            _probe = ""
        except OSError as e:
            _probe = ("kernel TLS is not available here: TCP_ULP \"tls\": "
                      "%s" % os.strerror(e.errno))
        finally:
            c.close()
            a.close()
    finally:
        ls.close()
    return _probe or None


@pytest.fixture
def no_ktls():
    if not ktls_missing():
        pytest.skip("this kernel has kernel TLS: the refusal cannot be "
                    "seen here")


@pytest.fixture
def ktls():
    why = ktls_missing()
    if why:
        print("SKIP: " + why, file=sys.stderr)
        pytest.skip(why + " (tests/vm/test_tls_vm.py covers it in a VM)")


def one_line_error(r):
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, "expected a one-line error:\n" + r.stderr
    assert lines[0].startswith("kperf: "), lines
    return lines[0]


def idle(lab):
    """Each kperfd's fds, threads and children once its sessions ended."""
    for h in lab.hosts:
        assert lablib.poll(lambda: not h.sessions(), 5), h.ns
    return {h.ns: h.snapshot() for h in lab.hosts}


# ---- without kernel TLS: a clear refusal, before the test ------------------

@pytest.mark.parametrize("args", [
    ("--tls",),
    ("--tls-tx", "-n", "2"),
    ("--tls-rx", "-s", "1"),
    ("--tls", "--tls-ver", "1.2", "--tls-cipher", "chacha20-poly1305",
     "--json"),
], ids=lambda a: " ".join(a))
def test_no_ktls_refused(lab, no_ktls, args):
    r0 = lab.stream("-t", "0.2", timeout=30)
    assert r0.rc == 0, r0
    base = idle(lab)
    r = lab.stream("-t", "60", *args, timeout=30)
    assert r.rc == 1, r
    assert r.stdout == "", r
    line = one_line_error(r)
    # The source is asked first; HOST is the address as the user gave it.
    a = lab.hosts[0].addr
    assert ("kernel TLS is not available on %s (CONFIG_TLS / tls module)"
            % a) in line, line
    assert line.startswith("kperf: source %s: " % a), line
    # Refused while setting up: the 60 s test never started (lab.stream
    # fails a run still going after its 30 s timeout).
    # Nothing left behind on either host.
    assert idle(lab) == base
    r = lab.stream("-t", "0.2", "--json", timeout=30)
    assert r.rc == 0, r
    assert r.json["test"]["tls"]["enabled"] is False


def test_tls_off_in_json(lab):
    """Without TLS the document says so: test.tls off, tls_stat null."""
    r = lab.stream("-t", "0.2", "--json", timeout=30)
    assert r.rc == 0, r
    assert r.json["test"]["tls"] == {"enabled": False, "version": None,
                                     "cipher": None, "tx": False,
                                     "rx": False, "nopad": False}
    for end in ("src", "dst"):
        assert r.json["hosts"][end]["tls_stat"] is None
    r = lab.stream("-t", "0.2", timeout=30)
    assert "kernel TLS" not in r.stdout and "tls_stat" not in r.stdout


# ---- with kernel TLS --------------------------------------------------------

def tls_run(lab, *args):
    r = lab.stream("-t", "1", "--json", *args, timeout=60)
    assert r.rc == 0, r
    return r.json


def stat(doc, end, name):
    return doc["hosts"][end]["tls_stat"].get(name, 0)


@pytest.mark.parametrize("ver", ["1.2", "1.3"])
@pytest.mark.parametrize("cipher", CIPHERS)
@pytest.mark.parametrize("kind", ["stream", "rr"])
def test_tls_runs(lab, ktls, kind, cipher, ver):
    extra = ("-s", "64") if kind == "rr" else ()
    doc = tls_run(lab, "--tls", "--tls-ver", ver, "--tls-cipher", cipher,
                  *extra)
    assert doc["test"]["tls"] == {"enabled": True, "version": ver,
                                  "cipher": cipher, "tx": True, "rx": True,
                                  "nopad": False}
    if kind == "rr":
        assert doc["totals"]["rr"]["transactions"] > 0, doc["totals"]
    assert doc["totals"]["throughput_gbps"] > 0, doc["totals"]
    for end in ("src", "dst"):
        assert stat(doc, end, "TlsDecryptError") == 0
        assert stat(doc, end, "TlsTxSw") == 1, doc["hosts"][end]
        assert stat(doc, end, "TlsRxSw") == 1, doc["hosts"][end]


@pytest.mark.parametrize("opt", ["--tls-tx", "--tls-rx"])
def test_one_direction(lab, ktls, opt):
    n = 2
    doc = tls_run(lab, opt, "-n", str(n), "-s", "100")
    tx = opt == "--tls-tx"
    t = doc["test"]["tls"]
    assert (t["tx"], t["rx"]) == (tx, not tx), t
    # The sender of the encrypted direction sets TX, its receiver RX.
    snd, rcv = ("src", "dst") if tx else ("dst", "src")
    assert stat(doc, snd, "TlsTxSw") == n and stat(doc, snd, "TlsRxSw") == 0
    assert stat(doc, rcv, "TlsRxSw") == n and stat(doc, rcv, "TlsTxSw") == 0


def test_nopad(lab, ktls):
    doc = tls_run(lab, "--tls", "--tls-nopad")
    assert doc["test"]["tls"]["nopad"] is True
    assert doc["totals"]["throughput_gbps"] > 0


def test_text_report(lab, ktls):
    r = lab.stream("-t", "0.5", "--tls-tx", timeout=30)
    assert r.rc == 0, r
    assert "kernel TLS 1.3, aes-gcm-128: src -> dst only" in r.stdout
    assert "tls_stat on src" in r.stdout and "TlsTxSw +1" in r.stdout


# ---- usage errors: exit 2 naming the option, before anything connects -----

SAFE = ["--src", "127.0.0.1", "--src-svc", "1", "--dst", "127.0.0.1",
        "--dst-svc", "1", "--connect-timeout", "1", "-t", "0.1"]

BAD = [
    (["--tls", "--tls-ver", "1.1"], "option --tls-ver: \"1.1\" is not 1.2 "
     "or 1.3"),
    (["--tls", "--tls-ver", "TLS1.3"], "option --tls-ver"),
    (["--tls", "--tls-cipher", "aes-gcm"], "option --tls-cipher: \"aes-gcm\""),
    (["--tls", "--tls-cipher", "aes-ccm-128"], "option --tls-cipher"),
    (["--tls", "--tls-cipher"], "option --tls-cipher needs a value"),
    (["--tls=yes"], "option --tls takes no value"),
    (["--tls", "--tls-ver", "1.2", "--tls-nopad"],
     "option --tls-nopad needs TLS 1.3"),
    (["--tls-ver", "1.2"], "option --tls-ver needs --tls, --tls-tx or "
     "--tls-rx"),
    (["--tls-cipher", "aes-gcm-256"], "option --tls-cipher needs"),
    (["--tls-nopad"], "option --tls-nopad needs"),
    (["--tls", "--zerocopy-rx"], "option --tls: kernel TLS cannot be "
     "combined with zero-copy receive"),
    (["--tls-tx", "--msg-trunc"], "option --tls-tx: kernel TLS cannot be "
     "combined with MSG_TRUNC"),
    (["--msg-zerocopy", "--tls-rx"], "option --tls-rx: kernel TLS cannot "
     "be combined with MSG_ZEROCOPY"),
]


@pytest.mark.parametrize("bad,msg", BAD, ids=[" ".join(b) for b, _ in BAD])
def test_usage_error(bad, msg):
    lablib.require_binaries()
    r = subprocess.run([str(lablib.KPERF), *SAFE, *bad], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert msg in r.stderr, r.stderr
    assert r.stdout == ""


def test_help_lists_tls():
    lablib.require_binaries()
    r = subprocess.run([str(lablib.KPERF), "-h"], capture_output=True,
                       text=True, timeout=10)
    for opt in ("--tls ", "--tls-tx", "--tls-rx", "--tls-ver VER",
                "--tls-cipher CIPHER", "--tls-nopad"):
        assert opt in r.stdout, opt


# ---- raw frames -------------------------------------------------------------

server = tp.server


def key(cipher, used=True):
    """One direction's 56 bytes, laid out as docs/protocol.md says."""
    if not used:
        return bytes(KEY_LEN)
    kl, sl, il = SIZES.get(cipher, (16, 4, 8))
    k = b"\x01" + os.urandom(kl - 1) + bytes(32 - kl)
    salt = os.urandom(sl) + bytes(4 - sl)
    iv = b"\x02" + os.urandom(il - 1) + bytes(12 - il)
    return k + salt + iv + os.urandom(8)


def tls_body(ids, version=TLS_1_3, cipher=AES_GCM_128, flags=F_TX | F_RX,
             n=None):
    body = struct.pack(">IHHII", len(ids) if n is None else n, version,
                       cipher, flags, 0)
    for i in ids:
        body += (struct.pack(">II", i, 0) + key(cipher, flags & F_TX) +
                 key(cipher, flags & F_RX))
    return body


def decode_tls_stat(f):
    assert (f.type, f.flags) == (T_TLS_STAT, tp.F_REPLY), f
    n, flags = struct.unpack(">II", f.body[:8])
    assert f.len == 8 + 40 * n and n <= 64 and flags in (0, 1), f
    assert flags or not n, f
    out = {}
    for i in range(n):
        name, value = struct.unpack(">32sQ", f.body[8 + 40 * i:48 + 40 * i])
        cut = name.index(b"\0")
        assert name[cut:] == bytes(32 - cut), name
        out[name[:cut].decode()] = value
    return flags, out


def two_conns(server):
    """Two sessions of one kperfd, two data connections between them on
    127.0.0.1; returns (src ctl, dst ctl, src ids, dst ids)."""
    dst, src = tp.Ctl(server), tp.Ctl(server)
    dst.hello()
    src.hello()
    port, token = dst.listen()
    conns = tp.decode_conn_list(src.call(tp.T_CONNECT,
                                         tp.connect_body(port, token, 2)),
                                tp.T_CONNECT)
    return src, dst, [c["id"] for c in conns], [c["peer_id"] for c in conns]


def test_raw_hello_and_stat(server):
    c = tp.Ctl(server)
    assert c.hello()["features"] & FEAT_TLS
    flags, counters = decode_tls_stat(c.call(T_TLS_STAT))
    if os.path.exists("/proc/net/tls_stat"):
        assert flags == 1 and "TlsTxSw" in counters, counters
    elif ktls_missing():
        assert (flags, counters) == (0, {})
    c.expect_error(T_TLS_STAT, b"\0" * 4, errno.EBADMSG,
                   "TLS_STAT body of 4 bytes, expected 0..0")
    c.close()


def test_raw_conn_tls_refused(server):
    src, dst, ids, peer_ids = two_conns(server)
    # The frame's layout, before any id is looked at.
    src.expect_error(T_CONN_TLS, tls_body(ids)[:-1], errno.EBADMSG,
                     "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body(ids, n=3), errno.EBADMSG,
                     "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body(ids, version=0x0302),
                     errno.EBADMSG, "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body(ids, cipher=53), errno.EBADMSG,
                     "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body(ids, flags=F_NOPAD | F_TX),
                     errno.EBADMSG, "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body(ids, version=TLS_1_2,
                                          flags=F_RX | F_NOPAD),
                     errno.EBADMSG, "malformed CONN_TLS")
    zero_key = bytearray(tls_body(ids[:1]))
    zero_key[16 + 8:16 + 8 + 32] = bytes(32)
    src.expect_error(T_CONN_TLS, bytes(zero_key), errno.EBADMSG,
                     "malformed CONN_TLS")
    src.expect_error(T_CONN_TLS, tls_body([]), errno.EBADMSG,
                     "CONN_TLS body of 16 bytes")
    # Ids from the wire are looked up: this session's, once each.
    src.expect_error(T_CONN_TLS, tls_body([4095]), errno.ENOENT,
                     "connection id 4095 does not exist")
    src.expect_error(T_CONN_TLS, tls_body([ids[0], 4000]), errno.ENOENT,
                     "connection id 4000 does not exist")
    src.expect_error(T_CONN_TLS, tls_body([ids[1], ids[1]]), errno.EINVAL,
                     "connection id %d is listed twice" % ids[1])
    src.close()
    dst.close()


def test_raw_conn_tls(server):
    """Both ends of two connections: the source TX = A, RX = B, the
    destination TX = B, RX = A (here only the kernel's answer is checked:
    what moves over such connections is test_tls_runs' and the VM's)."""
    src, dst, ids, peer_ids = two_conns(server)
    why = ktls_missing()
    if why:
        src.expect_error(T_CONN_TLS, tls_body(ids), errno.EPROTONOSUPPORT,
                         "kernel TLS is not available on",
                         "(CONFIG_TLS / tls module)", "TCP_ULP \"tls\"")
    else:
        f = src.call(T_CONN_TLS, tls_body(ids))
        assert (f.type, f.flags, f.len) == (T_CONN_TLS, tp.F_REPLY, 0), f
        f = dst.call(T_CONN_TLS, tls_body(peer_ids, cipher=AES_GCM_256))
        assert (f.type, f.flags, f.len) == (T_CONN_TLS, tp.F_REPLY, 0), f
        # A ULP is attached once: a second CONN_TLS names the connection.
        src.expect_error(T_CONN_TLS, tls_body(ids[:1]), errno.EEXIST,
                         "connection %d" % ids[0])
    src.close()
    dst.close()
