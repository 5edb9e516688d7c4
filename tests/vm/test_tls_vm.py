"""Kernel TLS in the VM lab (kperflab.vmlab): Debian's kernel has CONFIG_TLS,
which the kernel of our machines lacks, so this is where --tls moves data.

One boot runs every case below in namespace "a" of the guest (kperfd at
198.18.0.1 in "a", 198.18.0.2 in "b"); the tests then read each case's
exit status, its JSON document, and /proc/net/tls_stat of both namespaces
read by the guest before and after the case (independently of kperf's own
hosts.<end>.tls_stat, which must agree with it).

- stream and RR, -t 1, with --tls for each cipher and both versions: exit
  0 (a flow that cannot decrypt fails the run), data moved, no
  TlsDecryptError, each end set up for both directions, and the payload
  checked by the receivers where the build validates (flows[].<end>
  .validate; the tests only look at it when the document has it);
- --tls-tx alone and --tls-rx alone: the sender of the encrypted
  direction counts in TlsTxSw, its receiver in TlsRxSw, the other side in
  neither;
- --tls-nopad with TLS 1.3 is taken and moves data, and a text report
  prints its TLS lines;
- the io_uring engine on both ends moves TLS records as epoll does;
- records that cannot be decrypted (a wrong key, through a test hook)
  fail the run with one line naming the host, the flow and the reason.

The lab runs qemu with TCG: throughput is for function only.
"""

import json

import pytest

SRC, DST = "198.18.0.1", "198.18.0.2"
BASE = "kperf --src %s --dst %s -t 1 --json" % (SRC, DST)
CIPHERS = ("aes-gcm-128", "aes-gcm-256", "chacha20-poly1305")
VERSIONS = ("1.2", "1.3")
KINDS = {"stream": "", "rr": " -s 64"}
N_DIR = 2           # flows of the one-direction cases

MATRIX = [(k, c, v) for k in KINDS for c in CIPHERS for v in VERSIONS]


def name(kind, cipher, ver):
    return "%s-%s-%s" % (kind, cipher, ver)


CASES = [(name(k, c, v), "%s --tls --tls-cipher %s --tls-ver %s%s"
          % (BASE, c, v, KINDS[k])) for k, c, v in MATRIX]
CASES += [
    ("tx-only", "%s --tls-tx -n %d" % (BASE, N_DIR)),
    ("rx-only", "%s --tls-rx -n %d -s 100" % (BASE, N_DIR)),
    ("rx-only-stream", "%s --tls-rx -n %d" % (BASE, N_DIR)),
    ("nopad", "%s --tls --tls-nopad" % BASE),
    ("nopad-rr", "%s --tls --tls-nopad -s 1000" % BASE),
    ("text", "kperf --src %s --dst %s -t 0.5 --tls-tx" % (SRC, DST)),
    ("plain", BASE),
    ("uring-stream", "%s --tls --iou-src --iou-dst" % BASE),
    ("uring-rr", "%s --tls -s 64 --iou-src --iou-dst" % BASE),
    # Test hook of src/client/tls.c: dst gets a wrong key for flow 0.
    ("bad-key", "KPERF_TEST_TLS_BAD_KEY=1 %s --tls-tx" % BASE),
    ("bad-key-rr", "KPERF_TEST_TLS_BAD_KEY=1 %s --tls -s 10" % BASE),
]


@pytest.fixture(scope="module")
def res(vm_lab):
    return vm_lab(CASES, timeout_s=900)


def doc_of(r):
    assert r.rc == 0 and not r.timed_out, \
        "%s: exit %s\nstdout: %s\nstderr: %s" % (r.name, r.rc,
                                                 r.stdout[-2000:], r.stderr)
    return json.loads(r.stdout)


def guest_delta(r, ns, counter):
    """The guest's own reading of /proc/net/tls_stat in ns, after minus
    before the case."""
    assert r.tls_stat_before and r.tls_stat_after, \
        "%s: no /proc/net/tls_stat in the guest (tls module?)" % r.name
    return (r.tls_stat_after[ns].get(counter, 0) -
            r.tls_stat_before[ns].get(counter, 0))


def kperf_delta(doc, end, counter):
    st = doc["hosts"][end]["tls_stat"]
    assert isinstance(st, dict), doc["hosts"][end]
    return st.get(counter, 0)


def check_counters(r, doc, tx_src, rx_src, tx_dst, rx_dst):
    """Sockets set up for sending / receiving on each end, as kperf
    reports them and as the guest reads them."""
    want = {("src", "a", "TlsTxSw"): tx_src, ("src", "a", "TlsRxSw"): rx_src,
            ("dst", "b", "TlsTxSw"): tx_dst, ("dst", "b", "TlsRxSw"): rx_dst}
    for (end, ns, counter), n in want.items():
        assert kperf_delta(doc, end, counter) == n, \
            (r.name, end, counter, doc["hosts"][end]["tls_stat"])
        assert guest_delta(r, ns, counter) == n, \
            (r.name, ns, counter, r.tls_stat_before, r.tls_stat_after)
    for end, ns in (("src", "a"), ("dst", "b")):
        assert kperf_delta(doc, end, "TlsDecryptError") == 0, r.name
        assert guest_delta(r, ns, "TlsDecryptError") == 0, r.name


def check_validated(doc):
    """Receivers found every byte as sent, where this build validates
    (flows[].<end>.validate, from the data-path work; absent: skipped)."""
    seen = 0
    for f in doc["flows"]:
        for end in ("src", "dst"):
            v = f[end].get("validate")
            if v is None:
                continue
            seen += 1
            assert v["mismatches"] == 0, (f["id"], end, v)
            assert v.get("first_bad_offset") is None, (f["id"], end, v)
            if f[end]["rx_bytes"] and doc["test"].get(
                    "data_path", {}).get("validate", True):
                assert v["checked"] > 0, (f["id"], end, v)
    return seen


def test_every_case_ran(res):
    assert sorted(res) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("kind,cipher,ver", MATRIX,
                         ids=[name(*m) for m in MATRIX])
def test_tls(res, kind, cipher, ver):
    r = res[name(kind, cipher, ver)]
    doc = doc_of(r)
    assert doc["test"]["type"] == kind
    assert doc["test"]["tls"] == {"enabled": True, "version": ver,
                                  "cipher": cipher, "tx": True, "rx": True,
                                  "nopad": False}
    assert doc["totals"]["throughput_gbps"] > 0, doc["totals"]
    for f in doc["flows"]:
        assert f["dst"]["rx_bytes"] > 0, f
        if kind == "rr":
            assert f["src"]["rx_bytes"] > 0, f
    if kind == "rr":
        assert doc["totals"]["rr"]["transactions"] > 0, doc["totals"]
    n = doc["test"]["n_flows"]
    check_counters(r, doc, n, n, n, n)
    check_validated(doc)


def test_tx_only(res):
    r = res["tx-only"]
    doc = doc_of(r)
    t = doc["test"]["tls"]
    assert (t["tx"], t["rx"], t["version"], t["cipher"]) == \
        (True, False, "1.3", "aes-gcm-128"), t
    assert doc["test"]["n_flows"] == N_DIR
    assert doc["totals"]["throughput_gbps"] > 0
    # The source encrypts, the destination decrypts.
    check_counters(r, doc, N_DIR, 0, 0, N_DIR)
    check_validated(doc)


@pytest.mark.parametrize("case", ["rx-only", "rx-only-stream"])
def test_rx_only(res, case):
    r = res[case]
    doc = doc_of(r)
    t = doc["test"]["tls"]
    assert (t["tx"], t["rx"]) == (False, True), t
    assert doc["test"]["n_flows"] == N_DIR
    assert doc["totals"]["throughput_gbps"] > 0
    # The destination encrypts (the RR responses), the source decrypts.
    check_counters(r, doc, 0, N_DIR, N_DIR, 0)
    if case == "rx-only":
        assert doc["totals"]["rr"]["transactions"] > 0
    check_validated(doc)


@pytest.mark.parametrize("case", ["nopad", "nopad-rr"])
def test_nopad(res, case):
    r = res[case]
    doc = doc_of(r)
    assert doc["test"]["tls"]["nopad"] is True
    assert doc["test"]["tls"]["version"] == "1.3"
    assert doc["totals"]["throughput_gbps"] > 0
    n = doc["test"]["n_flows"]
    check_counters(r, doc, n, n, n, n)
    # kperf never pads, so no guess proved wrong.
    for end in ("src", "dst"):
        assert kperf_delta(doc, end, "TlsRxNoPadViolation") == 0
    check_validated(doc)


def test_text_report(res):
    r = res["text"]
    assert r.rc == 0, r.stderr
    assert "kernel TLS 1.3, aes-gcm-128: src -> dst only" in r.stdout, \
        r.stdout
    lines = [ln for ln in r.stdout.splitlines()
             if ln.startswith("tls_stat on ")]
    assert len(lines) == 2, r.stdout
    assert "TlsTxSw +1" in lines[0] and "TlsDecryptError +0" in lines[0]
    assert "TlsRxSw +1" in lines[1], lines


def test_plain_run_has_no_tls(res):
    r = res["plain"]
    doc = doc_of(r)
    assert doc["test"]["tls"]["enabled"] is False
    assert doc["hosts"]["src"]["tls_stat"] is None
    for ns in ("a", "b"):
        assert guest_delta(r, ns, "TlsTxSw") == 0
        assert guest_delta(r, ns, "TlsRxSw") == 0


@pytest.mark.parametrize("case", ["bad-key", "bad-key-rr"])
def test_decrypt_error(res, case):
    r = res[case]
    assert r.rc == 1 and not r.timed_out, r
    assert r.stdout == "", r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("kperf: destination %s: flow 0 (connection id "
                           % DST), line
    assert "Bad message (kernel TLS: a record failed to decrypt" in line, \
        line
    assert guest_delta(r, "b", "TlsDecryptError") >= 1
    assert guest_delta(r, "a", "TlsDecryptError") == 0


@pytest.mark.parametrize("case", ["uring-stream", "uring-rr"])
def test_io_uring(res, case):
    r = res[case]
    doc = doc_of(r)
    dp = doc["test"].get("data_path")
    if dp is not None:
        assert (dp["engine_src"], dp["engine_dst"]) == ("io_uring",
                                                        "io_uring"), dp
    assert doc["totals"]["throughput_gbps"] > 0
    n = doc["test"]["n_flows"]
    check_counters(r, doc, n, n, n, n)
    check_validated(doc)
