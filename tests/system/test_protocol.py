"""The control protocol against a real kperfd, byte by byte.

Each test starts its own kperfd inside a one-host lab (a network namespace
that has only a loopback interface), listening on 127.0.0.1 alone, and
talks to it over raw sockets with frames built here with struct (all
big-endian, as docs/protocol.md says), never with kperf's codec.  The
namespace also holds the data acceptors, which listen on every address.
Sockets are made inside it by switching this thread into it for the
socket() and connect() calls only (setns), so nothing is ever sent outside
that namespace's loopback.

Every bad input must get the exact answer of docs/protocol.md (an ERROR
frame with REPLY, the request's id, the errno and a text that says what
was wrong), end the session only where the document says so, and leave
kperfd serving: each test ends by checking that kperfd is alive and
answers a fresh HELLO.  Every load here is bounded in count and time.
"""

import contextlib
import ctypes
import errno
import os
import random
import re
import socket
import struct
import time

import pytest

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

# ---- constants of docs/protocol.md ----------------------------------------

MAGIC = 0x4B504652              # "KPFR"
VERSION = 1
DATA_MAGIC = 0x4B504448         # "KPDH"
HDR = struct.Struct(">HHIII")   # type, flags, id, len, reserved
HDR_LEN = 16
MAX_BODY = 1 << 20
F_REPLY = 0x0001
NAME_LEN = 64
HELLO_FIXED = struct.Struct(">IHHQII64s64s")
HELLO_FIXED_LEN = 152
MAX_CPUS = 4096

T_ERROR, T_HELLO, T_LISTEN, T_CONNECT, T_CONN_INFO = 1, 2, 3, 4, 5
T_CONN_CLOSE, T_WORKER_SPAWN, T_TEST_START, T_TEST_STOP = 6, 7, 8, 9
T_TEST_RESULT, T_SAMPLE, T_HIST = 10, 11, 12
T_TX_DONE = 16

FEAT_STREAM, FEAT_RR, FEAT_SAMPLES = 1 << 0, 1 << 1, 1 << 2

PORT = 18323
ADDR = "127.0.0.1"              # the only address anything is sent to
IO_TIMEOUT = 5.0                # seconds, per reply
SETTLE_S = 20.0                 # kperfd back to its baseline within this
                                # (a guard against a hang: it takes ms)

# ---- sockets inside the lab's namespace ------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


@contextlib.contextmanager
def in_netns(ns):
    """Run the body with this thread in network namespace ns; always come
    back.  Sockets made inside stay in ns after the switch back."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open("/run/netns/" + ns, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(target)
    finally:
        os.close(own)


def connect(ns, port, timeout=IO_TIMEOUT):
    with in_netns(ns):
        s = socket.create_connection((ADDR, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_exact(s, n):
    """n bytes from s; raises EOFError when the peer closes first."""
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def closed_by_peer(s, timeout=IO_TIMEOUT):
    """True when the peer closed s (EOF, or a reset) within timeout, with
    nothing more to read; False when data arrives instead."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


# ---- the encoder: header, HELLO and the requests used here -----------------

def frame(ftype, body=b"", fid=1, flags=0, length=None, reserved=0):
    return HDR.pack(ftype, flags, fid, len(body) if length is None else length,
                    reserved) + body


def hello_body(magic=MAGIC, version=VERSION,
               features=FEAT_STREAM | FEAT_SAMPLES, ncpus=1, online=(0,),
               kernel=b"pytest-kernel", hostname=b"pytest-client"):
    n_words = (ncpus + 63) // 64
    words = [0] * n_words
    for c in online:
        words[c // 64] |= 1 << (c % 64)
    return (HELLO_FIXED.pack(magic, version, n_words, features, ncpus,
                             len(online), kernel, hostname) +
            struct.pack(">%dQ" % n_words, *words))


assert len(hello_body()) == HELLO_FIXED_LEN + 8


def listen_body(port=0):
    return struct.pack(">HHI", port, 0, 0)


def ids_body(*ids):
    return struct.pack(">II%dI" % len(ids), len(ids), 0, *ids)


def worker_body(cpu):
    return struct.pack(">iI", cpu, 0)


def start_body(ttype=1, duration_ms=1000, warmup_ms=0, interval_ms=0,
                    read_size=65536, write_size=65536, req_size=0,
                    resp_size=0, depth=0, resp_delay_us=0, flags=0,
                    flows=((0, 0, 1),), engine=0, rx_mode=0, tx_mode=0):
    body = struct.pack(">HBBIIIIIIIIIIHBB", ttype, engine, rx_mode,
                       duration_ms, warmup_ms, interval_ms, read_size,
                       write_size, req_size, resp_size, depth, len(flows),
                       resp_delay_us, flags, tx_mode, 0)
    assert len(body) == 48
    for conn_id, worker_id, role in flows:
        body += struct.pack(">IIB3x", conn_id, worker_id, role)
    return body


def data_hello(conn_id, token, magic=DATA_MAGIC):
    return struct.pack(">IIQ", magic, conn_id, token)


# ---- the decoder of what comes back ----------------------------------------

class Frame:
    def __init__(self, ftype, flags, fid, length, reserved, body):
        self.type, self.flags, self.id = ftype, flags, fid
        self.len, self.reserved, self.body = length, reserved, body

    def __repr__(self):
        return ("Frame(type=%d flags=%#x id=%d len=%d body=%r)"
                % (self.type, self.flags, self.id, self.len, self.body[:96]))


def recv_frame(s):
    ftype, flags, fid, length, reserved = HDR.unpack(recv_exact(s, HDR_LEN))
    assert reserved == 0, "reserved header field %#x from kperfd" % reserved
    assert length <= MAX_BODY, "kperfd sent a %d-byte body" % length
    return Frame(ftype, flags, fid, length, reserved, recv_exact(s, length))


def decode_error(f):
    """(errno, text) of an ERROR frame, checking its layout."""
    assert f.type == T_ERROR, "expected ERROR, got %r" % f
    assert f.flags == F_REPLY, f
    assert f.len >= 8, f
    err, text_len, pad = struct.unpack(">iHH", f.body[:8])
    assert pad == 0, f
    assert 0 < text_len <= 1024, f
    assert f.len == 8 + text_len, f
    text = f.body[8:].decode()
    assert "\0" not in text, f
    return err, text


def decode_hello(f):
    assert f.type == T_HELLO and f.flags == F_REPLY, f
    assert f.len >= HELLO_FIXED_LEN, f
    (magic, version, n_words, features, ncpus, n_online, kernel,
     hostname) = HELLO_FIXED.unpack(f.body[:HELLO_FIXED_LEN])
    assert f.len == HELLO_FIXED_LEN + 8 * n_words, f
    words = struct.unpack(">%dQ" % n_words, f.body[HELLO_FIXED_LEN:])
    for name, field in (("kernel", kernel), ("hostname", hostname)):
        cut = field.find(b"\0")
        assert cut < 0 or field[cut:] == b"\0" * (NAME_LEN - cut), \
            "%s not zero-padded: %r" % (name, field)
    online = {64 * w + b for w, word in enumerate(words)
              for b in range(64) if word >> b & 1}
    return {"magic": magic, "version": version, "n_words": n_words,
            "features": features, "ncpus": ncpus, "n_online": n_online,
            "kernel": kernel.rstrip(b"\0").decode(),
            "hostname": hostname.rstrip(b"\0").decode(), "online": online}


# ---- one kperfd and its control connections --------------------------------

class Server:
    """kperfd in its own namespace, listening on 127.0.0.1:PORT."""

    def __init__(self, lab):
        self.lab = lab
        self.host = lab.hosts[0]
        self.proc = lab.start_kperfd(self.host, "--addr", ADDR, "-v",
                                     port=PORT)

    def connect(self):
        return connect(self.host.ns, PORT)

    def snapshot(self):
        return procfs.snapshot(self.proc.pid)

    def sessions(self):
        return procfs.children(self.proc.pid)

    def log(self):
        return self.proc.log_text()


class Ctl:
    """A control connection; ids count up from 1."""

    def __init__(self, server):
        self.s = server.connect()
        self.next_id = 1
        self.unsolicited = []

    def close(self):
        self.s.close()

    def send(self, ftype, body=b"", **kw):
        fid = kw.pop("fid", None)
        if fid is None:
            fid = self.next_id
            self.next_id += 1
        self.s.sendall(frame(ftype, body, fid=fid, **kw))
        return fid

    def call(self, ftype, body=b"", **kw):
        """Send a request and return its answer: the next frame with its
        id.  Frames of a running test (other ids) that come first are
        kept in self.unsolicited."""
        fid = self.send(ftype, body, **kw)
        while True:
            f = recv_frame(self.s)
            if f.id == fid:
                return f
            assert not f.flags & F_REPLY or f.type == T_ERROR, \
                "reply id %d to request %d: %r" % (f.id, fid, f)
            self.unsolicited.append(f)

    def next_frame(self):
        if self.unsolicited:
            return self.unsolicited.pop(0)
        return recv_frame(self.s)

    def expect_error(self, ftype, body, err, *words, **kw):
        """Send one request; its answer must be ERROR err with the
        request's id and a text holding every word.  Returns the text."""
        f = self.call(ftype, body, **kw)
        got, text = decode_error(f)
        assert got == err, "errno %d (%s), expected %d (%s): %r" % (
            got, os.strerror(got), err, os.strerror(err), text)
        for w in words:
            assert w in text, "%r not in the error text %r" % (w, text)
        return text

    def hello(self, **kw):
        f = self.call(T_HELLO, hello_body(**kw))
        return decode_hello(f)

    def listen(self):
        f = self.call(T_LISTEN, listen_body())
        assert f.type == T_LISTEN and f.flags == F_REPLY and f.len == 16, f
        port, pad1, pad2, token = struct.unpack(">HHIQ", f.body)
        assert (pad1, pad2) == (0, 0), f
        assert port != 0, f
        return port, token

    def expect_closed(self):
        assert closed_by_peer(self.s), "the session did not close"


@pytest.fixture
def server(make_lab):
    lablib.require_binaries()
    lab = make_lab(n_hosts=1, servers=False)
    srv = Server(lab)
    yield srv
    # Every test leaves kperfd alive and serving a fresh, proper HELLO.
    assert_serving(srv)


def assert_serving(srv):
    assert srv.proc.alive(), "kperfd died:\n" + srv.log()
    c = Ctl(srv)
    try:
        h = c.hello()
        assert h["magic"] == MAGIC and h["version"] == VERSION, h
    finally:
        c.close()


def settle(srv, base):
    """Poll until kperfd's fds, threads and children are back to base;
    return the last snapshot."""
    last = {}

    def back():
        last.update(srv.snapshot())
        return last == base
    lablib.poll(back, SETTLE_S, 0.02)
    return last


def idle_snapshot(srv):
    assert lablib.poll(lambda: not srv.sessions(), SETTLE_S), \
        "sessions still running: %s" % srv.sessions()
    return srv.snapshot()


SESSION_RE = re.compile(r"kperfd-session\[(\d+)\]: \w+: (.*)")


def session_lines(log):
    """{session pid: [its log messages]} from a kperfd -v log."""
    out = {}
    for m in SESSION_RE.finditer(log):
        out.setdefault(int(m.group(1)), []).append(m.group(2))
    return out


def ended_on_its_own(lines):
    """A session that says why its control connection ended returned
    from its loop: it did not crash."""
    return any(ln.startswith("control connection:") for ln in lines)


# ---- HELLO -----------------------------------------------------------------

def test_hello_facts(server):
    c = Ctl(server)
    h = c.hello()
    assert h["magic"] == MAGIC and h["version"] == VERSION, h
    assert 1 <= h["ncpus"] <= MAX_CPUS, h
    assert h["n_words"] == (h["ncpus"] + 63) // 64, h
    assert len(h["online"]) == h["n_online"] >= 1, h
    assert max(h["online"]) < h["ncpus"], "online bit past ncpus: %s" % h
    assert h["online"] == procfs.online_cpus(), h
    assert h["hostname"] and h["hostname"] == socket.gethostname(), h
    assert h["kernel"] == os.uname().release, h
    # Bits this session cannot lack; more may be announced.
    assert h["features"] & FEAT_STREAM and h["features"] & FEAT_SAMPLES, h
    # A second HELLO on the same session is answered the same way.
    assert c.hello() == h
    c.close()


def test_hello_announces_rr(server):
    c = Ctl(server)
    h = c.hello()
    assert h["features"] & FEAT_RR, "features %#x" % h["features"]
    c.close()


def test_request_before_hello(server):
    c = Ctl(server)
    c.expect_error(T_LISTEN, listen_body(), errno.EPROTO, "HELLO")
    c.expect_error(T_TEST_STOP, b"", errno.EPROTO, "HELLO")
    # The session goes on: HELLO is still welcome.
    assert c.hello()["magic"] == MAGIC
    c.close()


@pytest.mark.parametrize("field", ["magic", "version"])
def test_hello_wrong_magic_or_version(server, field):
    c = Ctl(server)
    kw = {"magic": 0x12345678} if field == "magic" else {"version": 2}
    text = c.expect_error(T_HELLO, hello_body(**kw), errno.EPROTONOSUPPORT,
                          "protocol", "version")
    if field == "magic":
        assert "0x12345678" in text and "0x4b504652" in text, text
    else:
        assert "version 2" in text and "version 1" in text, text
    c.expect_closed()
    c.close()


def test_hello_malformed(server):
    """Inconsistent HELLOs: refused by the decoder, the session goes on."""
    c = Ctl(server)
    bad = [
        hello_body(ncpus=0, online=()),                 # ncpus 0
        hello_body(ncpus=2, online=(0, 1))[:-8] +       # n_words says 1,
        struct.pack(">Q", 1 << 5),                      # bit 5 >= ncpus
        hello_body()[:HELLO_FIXED_LEN - 1] + b"\x01" +  # hostname tail
        hello_body()[HELLO_FIXED_LEN:],                 # not zero
    ]
    for body in bad:
        c.expect_error(T_HELLO, body, errno.EBADMSG, "malformed HELLO")
    c.expect_error(T_HELLO, hello_body()[:HELLO_FIXED_LEN - 1],
                   errno.EBADMSG, "HELLO body of 151 bytes", "152..664")
    # Within the type's bounds, but not what n_words says.
    c.expect_error(T_HELLO, hello_body()[:-1], errno.EBADMSG,
                   "malformed HELLO")
    assert c.hello()["magic"] == MAGIC
    c.close()


# ---- frames a session does not take ----------------------------------------

def test_unknown_type(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(200, b"\xde\xad\xbe\xef" * 3, errno.EOPNOTSUPP,
                   "type 200")
    c.expect_error(0, b"", errno.EOPNOTSUPP, "type 0")
    c.expect_error(T_TX_DONE + 1, b"", errno.EOPNOTSUPP, "type 17")
    # The body was skipped: the stream is still in step.
    port, _ = c.listen()
    assert port
    c.close()


@pytest.mark.parametrize("ftype,name", [(T_ERROR, "ERROR"),
                                        (T_TEST_RESULT, "TEST_RESULT"),
                                        (T_SAMPLE, "SAMPLE"),
                                        (T_HIST, "HIST"),
                                        (T_TX_DONE, "TX_DONE")])
def test_session_to_client_types(server, ftype, name):
    c = Ctl(server)
    c.hello()
    c.expect_error(ftype, b"\0" * 24, errno.EOPNOTSUPP, name,
                   "type %d" % ftype)
    assert c.hello()["magic"] == MAGIC
    c.close()


def test_reply_flag(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_LISTEN, listen_body(), errno.EOPNOTSUPP, "LISTEN",
                   "reply", flags=F_REPLY)
    c.expect_error(T_HELLO, hello_body(), errno.EOPNOTSUPP, "HELLO",
                   "reply", flags=F_REPLY)
    assert c.hello()["magic"] == MAGIC
    c.close()


def test_reserved_not_zero(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_TEST_STOP, b"", errno.EBADMSG, "reserved", fid=77,
                   reserved=1)
    c.expect_closed()
    c.close()


def test_unknown_flag(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_TEST_STOP, b"", errno.EBADMSG, "flags", fid=78,
                   flags=0x8000)
    c.expect_closed()
    c.close()


def test_oversized_len(server):
    """len over 1 MiB: EMSGSIZE at once, the body is never read (only the
    header is sent: a session waiting for the body would answer after
    its 10 s read timeout, and expect_error waits IO_TIMEOUT, 5 s, for
    the reply), and the session ends."""
    c = Ctl(server)
    c.hello()
    c.expect_error(T_HELLO, b"", errno.EMSGSIZE, "longer than the maximum",
                   fid=0xfffffffe, length=MAX_BODY + 1)
    c.expect_closed()
    c.close()


def test_max_len_is_read(server):
    """len of exactly 1 MiB is not refused by the header check: the body
    is read and the type's own length bound refuses it."""
    c = Ctl(server)
    c.hello()
    c.expect_error(T_LISTEN, b"\0" * MAX_BODY, errno.EBADMSG,
                   "LISTEN body of 1048576 bytes")
    assert c.hello()["magic"] == MAGIC
    c.close()


# ---- bodies the session refuses --------------------------------------------

@pytest.mark.parametrize("n", [0, 4, 7, 9, 12])
def test_listen_wrong_length(server, n):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_LISTEN, b"\0" * n, errno.EBADMSG,
                   "LISTEN body of %d bytes" % n, "8..8")
    port, _ = c.listen()
    assert port
    c.close()


def test_listen_pad_not_zero(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_LISTEN, struct.pack(">HHI", 0, 0, 1), errno.EBADMSG,
                   "malformed LISTEN")
    c.close()


@pytest.mark.parametrize("what,kw", [
    ("role 4", {"flows": ((0, 0, 4),)}),
    ("role 0", {"flows": ((0, 0, 0),)}),
    ("test type 3", {"ttype": 3}),
    ("unknown flag bit", {"flags": 0x0008}),
    ("WAITALL in RR", {"ttype": 2, "flags": 0x0004, "req_size": 1,
                       "resp_size": 1, "depth": 1}),
    ("WAITALL with io_uring", {"flags": 0x0004, "engine": 1}),
    ("WAITALL with zerocopy-rx", {"flags": 0x0004, "rx_mode": 2}),
    ("engine 2", {"engine": 2}),
    ("rx mode 3", {"rx_mode": 3}),
    ("tx mode 2", {"tx_mode": 2}),
    ("MSG_TRUNC with VALIDATE", {"rx_mode": 1, "flags": 0x0002}),
    ("resp_delay_us over 10 s", {"ttype": 2, "read_size": 0, "write_size": 0,
                                 "req_size": 1, "resp_size": 1, "depth": 1,
                                 "resp_delay_us": 10000001}),
    ("rr depth 0", {"ttype": 2, "read_size": 0, "write_size": 0,
                    "req_size": 1, "resp_size": 1, "depth": 0}),
    ("duration 0", {"duration_ms": 0}),
    ("interval 5 ms", {"interval_ms": 5}),
])
def test_test_start_malformed(server, what, kw):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_TEST_START, start_body(**kw), errno.EBADMSG,
                   "malformed TEST_START")
    c.close()


def test_test_start_inconsistent_n(server):
    c = Ctl(server)
    c.hello()
    body = start_body(flows=((0, 0, 1), (1, 0, 1)))
    # n says 2, one flow follows; and n says 1, two flows follow.
    c.expect_error(T_TEST_START, body[:-12], errno.EBADMSG,
                   "malformed TEST_START")
    c.expect_error(T_TEST_START, start_body() + body[-12:],
                   errno.EBADMSG, "malformed TEST_START")
    c.close()


def test_test_start_unknown_ids(server):
    """Well-formed, but the ids are not in the session's tables."""
    c = Ctl(server)
    c.hello()
    c.expect_error(T_TEST_START, start_body(flows=((5, 0, 1),)),
                   errno.ENOENT, "connection id 5 does not exist")
    c.close()


@pytest.mark.parametrize("conn_id", [3, 4096, 0xffffffff])
def test_conn_info_unknown(server, conn_id):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_CONN_INFO, ids_body(conn_id), errno.ENOENT,
                   "connection id %d does not exist" % conn_id)
    c.close()


def test_conn_close_unknown(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_CONN_CLOSE, ids_body(9), errno.ENOENT,
                   "connection id 9 does not exist")
    c.close()


def test_ids_malformed(server):
    c = Ctl(server)
    c.hello()
    # n = 0, with room for one id; n = 2 with one id; pad not zero.
    c.expect_error(T_CONN_INFO, struct.pack(">III", 0, 0, 1), errno.EBADMSG,
                   "malformed CONN_INFO")
    c.expect_error(T_CONN_CLOSE, struct.pack(">III", 2, 0, 1), errno.EBADMSG,
                   "malformed CONN_CLOSE")
    c.expect_error(T_CONN_INFO, struct.pack(">III", 1, 1, 1), errno.EBADMSG,
                   "malformed CONN_INFO")
    c.close()


def test_worker_spawn_cpu_not_online(server):
    c = Ctl(server)
    h = c.hello()
    offline = sorted(set(range(h["ncpus"])) - h["online"])
    cpu = offline[0] if offline else h["ncpus"]
    if cpu >= MAX_CPUS:
        pytest.skip("every CPU id 0..4095 is online")
    c.expect_error(T_WORKER_SPAWN, worker_body(cpu), errno.EINVAL,
                   "CPU %d is not online" % cpu)
    # Out of the protocol's range altogether: the decoder refuses it.
    for bad in (MAX_CPUS, -2):
        c.expect_error(T_WORKER_SPAWN, worker_body(bad), errno.EBADMSG,
                       "malformed WORKER_SPAWN")
    c.close()


def test_test_stop_without_test(server):
    c = Ctl(server)
    c.hello()
    c.expect_error(T_TEST_STOP, b"", errno.ENOENT, "no test is running")
    c.expect_error(T_TEST_STOP, b"\0" * 4, errno.EBADMSG,
                   "TEST_STOP body of 4 bytes")
    c.close()


# ---- sessions that end in the middle of a frame ----------------------------

@pytest.mark.parametrize("what", ["half a header", "header, part of the body"])
def test_truncated_frame(server, what):
    base = idle_snapshot(server)
    c = Ctl(server)
    c.hello()
    pid = lablib.poll(server.sessions, SETTLE_S)
    assert len(pid) == 1, pid
    if what == "half a header":
        c.s.sendall(frame(T_HELLO, hello_body())[:7])
    else:
        c.s.sendall(frame(T_HELLO, hello_body())[:HDR_LEN + 50])
    c.close()
    assert lablib.poll(lambda: not server.sessions(), SETTLE_S), \
        "the session did not end after its client closed"
    assert settle(server, base) == base
    lines = session_lines(server.log()).get(pid[0], [])
    assert "control connection: closed" in lines, lines


def test_garbage_connections(server):
    """1000 connections that send 0..64 random bytes and close, in a
    bounded loop: every session ends on its own (no crash), and kperfd's
    fds, threads and children come back to what they were."""
    n = 1000
    base = idle_snapshot(server)
    rng = random.Random(0x4b504652)
    deadline = time.monotonic() + 120
    for i in range(n):
        assert time.monotonic() < deadline, "garbage loop over time at %d" % i
        s = server.connect()
        try:
            s.sendall(rng.randbytes(rng.randint(0, 64)))
        except OSError:
            pass    # the session may have refused and closed already
        s.close()
    # kperfd may still be working through its accept backlog (a sanitizer
    # build is slow): wait, bounded, until every session has come and gone.
    sessions = {}

    def all_done():
        sessions.clear()
        sessions.update(session_lines(server.log()))
        return len(sessions) >= n and not server.sessions() and \
            all(ended_on_its_own(lines) for lines in sessions.values())
    lablib.poll(all_done, 60, 0.1)
    assert len(sessions) >= n, "%d of %d sessions logged" % (len(sessions), n)
    crashed = [p for p, lines in sessions.items()
               if not ended_on_its_own(lines)]
    assert not crashed, "sessions that ended without a word: %s" % {
        p: sessions[p] for p in crashed[:5]}
    last = settle(server, base)
    assert last == base, "after %d garbage connections: %s, before %s" % (
        n, last, base)


# ---- the data port ---------------------------------------------------------

@pytest.mark.parametrize("bad", ["token", "magic"])
def test_data_hello_bad(server, bad):
    c = Ctl(server)
    c.hello()
    port, token = c.listen()
    d = connect(server.host.ns, port)
    if bad == "token":
        d.sendall(data_hello(0, token ^ 1))
    else:
        d.sendall(data_hello(0, token, magic=DATA_MAGIC ^ 1))
    assert closed_by_peer(d), "a data connection with a bad %s got an " \
                              "answer" % bad
    d.close()
    # Dropped, not adopted: there is no connection 0.
    c.expect_error(T_CONN_INFO, ids_body(0), errno.ENOENT,
                   "connection id 0 does not exist")
    # The control: the right token gets the 16-byte answer and a conn.
    d = connect(server.host.ns, port)
    d.sendall(data_hello(41, token))
    magic, conn_id, tok = struct.unpack(">IIQ", recv_exact(d, 16))
    assert (magic, tok) == (DATA_MAGIC, 0)
    f = c.call(T_CONN_INFO, ids_body(conn_id))
    assert f.type == T_CONN_INFO and f.flags == F_REPLY and f.len == 8 + 24, f
    n, _, cid, peer_id = struct.unpack(">IIII", f.body[:16])
    assert (n, cid, peer_id) == (1, conn_id, 41), f
    f = c.call(T_CONN_CLOSE, ids_body(conn_id))
    assert (f.type, f.flags, f.len) == (T_CONN_CLOSE, F_REPLY, 0), f
    assert closed_by_peer(d)
    d.close()
    c.close()


def test_data_hello_silent(server):
    """A data connection that never says hello is dropped after the 5 s
    hello timeout (not before it; waited for up to ten times as long);
    one that sends half a hello and closes is dropped."""
    c = Ctl(server)
    c.hello()
    port, token = c.listen()
    d = connect(server.host.ns, port)
    d.sendall(data_hello(0, token)[:8])
    d.close()
    d = connect(server.host.ns, port)
    t0 = time.monotonic()
    assert closed_by_peer(d, timeout=50.0)
    assert time.monotonic() - t0 > 4.0
    d.close()
    c.expect_error(T_CONN_INFO, ids_body(0), errno.ENOENT,
                   "connection id 0 does not exist")
    c.close()


# ---- a short RR test over raw frames ---------------------------------------

def connect_body(port, token, count, addr=ADDR, timeout_ms=2000):
    return struct.pack(">BBHI16sQII", 4, 0, port, count,
                       socket.inet_aton(addr), token, timeout_ms, 0)


def decode_conn_list(f, ftype):
    assert f.type == ftype and f.flags == F_REPLY, f
    n, pad = struct.unpack(">II", f.body[:8])
    assert pad == 0 and f.len == 8 + 24 * n, f
    out = []
    for i in range(n):
        cid, peer, lport, pport, rx_cpu, napi, pad = struct.unpack(
            ">IIHHiII", f.body[8 + 24 * i:32 + 24 * i])
        assert pad == 0 and -1 <= rx_cpu < MAX_CPUS, f
        out.append({"id": cid, "peer_id": peer, "local_port": lport,
                    "peer_port": pport, "rx_cpu": rx_cpu})
    return out


def spawn_worker(c, cpu=-1):
    f = c.call(T_WORKER_SPAWN, worker_body(cpu))
    assert f.type == T_WORKER_SPAWN and f.flags == F_REPLY and f.len == 16, f
    wid, tid, got, pad = struct.unpack(">IIiI", f.body)
    assert pad == 0 and tid > 0 and got == (cpu if cpu >= 0 else -1), f
    return wid


def decode_hist(f, test_id):
    assert (f.type, f.flags, f.id) == (T_HIST, 0, test_id), f
    conn_id, n, count, lo, hi, tot, sq_hi, sq_lo = struct.unpack(
        ">IIQQQQQQ", f.body[:56])
    assert f.len == 56 + 16 * n and n <= 4096, f
    pairs = [struct.unpack(">IIQ", f.body[56 + 16 * i:72 + 16 * i])
             for i in range(n)]
    idx = [p[0] for p in pairs]
    assert idx == sorted(set(idx)) and all(i < 3969 for i in idx), idx
    assert all(p[1] == 0 and p[2] > 0 for p in pairs), pairs
    assert sum(p[2] for p in pairs) == count > 0, f
    assert 0 < lo <= hi and lo * count <= tot <= hi * count, f
    sumsq = sq_hi << 64 | sq_lo
    assert lo * lo * count <= sumsq <= hi * hi * count, f
    return conn_id, count


def decode_result(f, test_id):
    assert (f.type, f.flags, f.id) == (T_TEST_RESULT, 0, test_id), f
    window_ns, n_flows, n_cpus, n_workers, pad = struct.unpack(
        ">QIIII", f.body[:24])
    assert pad == 0, f
    assert f.len == 24 + 152 * n_flows + 64 * n_cpus + 32 * n_workers, f
    off, flows, cpus, workers = 24, [], [], []
    for _ in range(n_flows):
        v = struct.unpack(">IiIIQQQQIIIIIIIIQQQQQQQQQ",
                          f.body[off:off + 152])
        assert v[3] == 0 and v[15] == 0, v
        flows.append({"conn_id": v[0], "rx_cpu_end": v[1], "tx": v[4],
                      "rx": v[5], "xfer_ns": v[6], "transactions": v[7],
                      "bytes_acked": v[16], "bytes_received": v[17],
                      "checked": v[18], "mismatches": v[19],
                      "first_bad": v[20]})
        off += 152
    for _ in range(n_cpus):
        v = struct.unpack(">IIQQQQQQQ", f.body[off:off + 64])
        assert v[1] == 0, v
        cpus.append(v[0])
        off += 64
    for _ in range(n_workers):
        v = struct.unpack(">IIiiQQ", f.body[off:off + 32])
        workers.append({"id": v[0], "tid": v[1], "cpu_pinned": v[2],
                        "cpu_last": v[3]})
        off += 32
    return {"window_ns": window_ns, "flows": flows, "cpus": cpus,
            "workers": workers}


def test_rr_over_raw_frames(server):
    """Two sessions of one kperfd, 2 RR flows between them on loopback:
    100 ms warm-up, 300 ms measured.  Checks the errors of a busy session,
    then the active side's SAMPLEs, one HIST per flow before its
    TEST_RESULT, and the passive side's TEST_RESULT after TEST_STOP."""
    dst, src = Ctl(server), Ctl(server)
    h = dst.hello()
    src.hello()
    port, token = dst.listen()
    f = src.call(T_CONNECT, connect_body(port, token, 2))
    conns = decode_conn_list(f, T_CONNECT)
    assert len(conns) == 2 and all(c["peer_port"] == port for c in conns)
    peers = decode_conn_list(dst.call(T_CONN_INFO, ids_body(
        *[c["peer_id"] for c in conns])), T_CONN_INFO)
    assert [p["peer_id"] for p in peers] == [c["id"] for c in conns]
    w_dst, w_src = spawn_worker(dst), spawn_worker(src)
    rr = {"ttype": 2, "read_size": 0, "write_size": 0, "req_size": 64,
          "resp_size": 128, "depth": 4, "duration_ms": 300,
          "warmup_ms": 100}
    passive = [(p["id"], w_dst, 2) for p in peers]
    active = [(c["id"], w_src, 1) for c in conns]

    # Refused: a connection twice, a worker that does not exist.
    dst.expect_error(T_TEST_START, start_body(**rr, flows=passive[:1] * 2),
                     errno.EINVAL, "listed twice")
    dst.expect_error(T_TEST_START, start_body(
        **rr, flows=[(peers[0]["id"], 7, 2)]), errno.ENOENT,
        "worker id 7 does not exist")
    # Those left nothing behind: the real start works.
    f = dst.call(T_TEST_START, start_body(**rr, flows=passive))
    assert (f.type, f.flags, f.len) == (T_TEST_START, F_REPLY, 0), f
    dst_test = f.id
    dst.expect_error(T_TEST_START, start_body(**rr, flows=passive),
                     errno.EBUSY, "already running")
    dst.expect_error(T_CONN_CLOSE, ids_body(peers[0]["id"]), errno.EBUSY,
                     "in a running test")
    f = src.call(T_TEST_START, start_body(**rr, interval_ms=100,
                                          flows=active))
    assert (f.type, f.flags, f.len) == (T_TEST_START, F_REPLY, 0), f
    src_test = f.id

    # The active side reports on its own: SAMPLEs, HISTs, TEST_RESULT.
    t0 = time.monotonic()
    samples, hists = [], {}
    while True:
        assert time.monotonic() - t0 < 10, "no TEST_RESULT in 10 s"
        f = src.next_frame()
        if f.type == T_SAMPLE:
            assert not hists, "SAMPLE after a HIST: %r" % f
            assert (f.flags, f.id) == (0, src_test), f
            t_ns, n, pad = struct.unpack(">QII", f.body[:16])
            assert pad == 0 and n == 2 and f.len == 16 + 24 * n, f
            samples.append(t_ns)
        elif f.type == T_HIST:
            cid, count = decode_hist(f, src_test)
            assert cid not in hists
            hists[cid] = count
        else:
            res = decode_result(f, src_test)
            break
    assert samples == sorted(samples) and 1 <= len(samples) <= 4, samples
    assert all(t <= 0.4e9 for t in samples), samples
    assert sorted(hists) == sorted(c["id"] for c in conns), hists
    assert 0.3e9 <= res["window_ns"] < 0.5e9, res
    assert [fl["conn_id"] for fl in res["flows"]] == [c["id"] for c in conns]
    for fl in res["flows"]:
        # Counted and timed together, reset together after the warm-up.
        assert fl["transactions"] == hists[fl["conn_id"]] > 0, (fl, hists)
    assert set(res["cpus"]) == h["online"], res["cpus"]
    (wk,) = res["workers"]
    assert wk["id"] == w_src and wk["cpu_pinned"] == -1
    assert wk["cpu_last"] in h["online"], wk

    # The passive side waits for TEST_STOP: empty reply, then its result.
    f = dst.call(T_TEST_STOP)
    assert (f.type, f.flags, f.len) == (T_TEST_STOP, F_REPLY, 0), f
    f = dst.next_frame()
    res = decode_result(f, dst_test)
    assert 0.3e9 <= res["window_ns"] < 0.5e9, res
    assert all(fl["transactions"] > 0 for fl in res["flows"]), res
    dst.expect_error(T_TEST_STOP, b"", errno.ENOENT, "no test is running")
    # Connections outlive the test and close on request.
    f = dst.call(T_CONN_CLOSE, ids_body(*[p["id"] for p in peers]))
    assert (f.type, f.flags, f.len) == (T_CONN_CLOSE, F_REPLY, 0), f
    src.close()
    dst.close()


def test_data_port_garbage(server):
    """200 connections to the data port that send 0..40 random bytes and
    close: none is adopted, and the session's fds come back (a dropped
    half-open connection leaks nothing)."""
    c = Ctl(server)
    c.hello()
    port, token = c.listen()
    (sess,) = lablib.poll(server.sessions, SETTLE_S)
    before = procfs.fd_count(sess)
    rng = random.Random(0x4b504448)
    deadline = time.monotonic() + 60
    for i in range(200):
        assert time.monotonic() < deadline, "loop over time at %d" % i
        d = connect(server.host.ns, port)
        try:
            d.sendall(rng.randbytes(rng.randint(0, 40)))
        except OSError:
            pass
        d.close()
    assert lablib.poll(lambda: procfs.fd_count(sess) == before, SETTLE_S), \
        "session fds: %d, before %d" % (procfs.fd_count(sess), before)
    c.expect_error(T_CONN_INFO, ids_body(0), errno.ENOENT,
                   "connection id 0 does not exist")
    c.close()


def test_test_start_buffer_limit(server):
    """A client cannot make a session touch more than 1 GiB of buffers:
    17 workers with 64 MiB buffers are refused before anything is mapped,
    and kperfd keeps serving."""
    dst, src = Ctl(server), Ctl(server)
    dst.hello()
    src.hello()
    port, token = dst.listen()
    conns = decode_conn_list(src.call(T_CONNECT, connect_body(port, token,
                                                              17)),
                             T_CONNECT)
    workers = [spawn_worker(src) for _ in range(17)]
    big = {"read_size": 64 << 20, "write_size": 64 << 20,
           "duration_ms": 100}
    flows = [(c["id"], w, 1) for c, w in zip(conns, workers)]
    src.expect_error(T_TEST_START, start_body(**big, flows=flows),
                     errno.ENOMEM, "17 workers", "limit of 1024 MiB")
    assert_serving(server)
    src.close()
    dst.close()


# ---- payload validation, fed by hand --------------------------------------

PAT_PERIOD = 65521


def pattern(n):
    """The payload pattern of src/common/pattern.h, written here anew from
    its definition: byte i of a xorshift64* sequence seeded with the
    golden ratio, repeating every 65521 bytes."""
    x, out, m = 0x9E3779B97F4A7C15, bytearray(), (1 << 64) - 1
    for _ in range(PAT_PERIOD):
        x ^= x >> 12
        x ^= (x << 25) & m
        x ^= x >> 27
        out.append(((x * 0x2545F4914F6CDD1D) & m) >> 56)
    reps = n // PAT_PERIOD + 1
    return bytes(out * reps)[:n]


@pytest.mark.parametrize("rx_mode,engine", [(0, 0), (2, 0), (0, 1)])
def test_validation_counts_corruption(server, rx_mode, engine):
    """A raw data connection feeds a passive stream flow with VALIDATE:
    the pattern, with three bytes flipped.  The TEST_RESULT counts every
    byte checked, the three mismatches and the offset of the first, on the
    copy, TCP_ZEROCOPY_RECEIVE and io_uring paths."""
    c = Ctl(server)
    c.hello()
    port, token = c.listen()
    d = connect(server.host.ns, port)
    d.sendall(data_hello(7, token))
    _, conn_id, _ = struct.unpack(">IIQ", recv_exact(d, 16))
    w = spawn_worker(c)
    f = c.call(T_TEST_START, start_body(
        duration_ms=60000, flags=0x0002, rx_mode=rx_mode, engine=engine,
        flows=[(conn_id, w, 2)]))
    assert (f.type, f.flags, f.len) == (T_TEST_START, F_REPLY, 0), f
    test_id = f.id
    n = 3 * PAT_PERIOD + 4321
    data = bytearray(pattern(n))
    for off in (70000, 70001, 150000):
        data[off] ^= 0x5A
    d.sendall(bytes(data))
    f = c.call(T_TEST_STOP)
    assert (f.type, f.flags, f.len) == (T_TEST_STOP, F_REPLY, 0), f
    res = decode_result(c.next_frame(), test_id)
    (fl,) = res["flows"]
    assert (fl["rx"], fl["checked"], fl["mismatches"]) == (n, n, 3), fl
    assert fl["first_bad"] == 70000, fl
    d.close()
    c.close()
