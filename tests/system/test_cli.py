"""Command-line errors: exit 2 with a message that names the option.  These
need no lab: a usage error is found before anything is connected.  In case
one is not, the other options point the client at a closed loopback port
with a short connect timeout, so it fails fast with exit 1 (wrong code)
rather than reaching anything."""

import re
import subprocess

import pytest

from kperflab import lab as lablib

SAFE = ["--src", "127.0.0.1", "--src-svc", "1", "--dst", "127.0.0.1",
        "--dst-svc", "1", "--connect-timeout", "1", "-t", "0.1"]

BAD = [
    (["--bogus-flag"], ["--bogus-flag"]),
    (["-n", "0"], ["-n"]),
    (["-n", "-1"], ["-n"]),
    (["-n", "1000000"], ["-n"]),
    (["-n", "2x"], ["-n"]),
    (["--num-connections", "0"], ["--num-connections"]),
    (["-n"], ["-n"]),
    (["--write-size", "0"], ["--write-size"]),
    (["--write-size", "1T"], ["--write-size"]),
    (["--write-size", "-5"], ["--write-size"]),
    (["--read-size", "0"], ["--read-size"]),
    (["--read-size", "99999999999999999999999"], ["--read-size"]),
    (["-t", "abc"], ["-t"]),
    (["-t", "-1"], ["-t"]),
    (["--time", "abc"], ["--time"]),
    (["-i", "abc"], ["-i"]),
    (["--connect-timeout", "abc"], ["--connect-timeout"]),
    (["extra"], ["extra"]),
]


@pytest.fixture(autouse=True)
def binaries():
    lablib.require_binaries()


def kperf(*args, timeout=10):
    return subprocess.run([str(lablib.KPERF), *args], capture_output=True,
                          text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("bad,names", BAD,
                         ids=[" ".join(b) for b, _ in BAD])
def test_usage_error(bad, names):
    r = kperf(*SAFE, *bad)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert any(n in r.stderr for n in names), \
        "stderr does not name %s: %r" % (names, r.stderr)
    assert r.stdout == ""


def test_help():
    r = kperf("-h")
    assert r.returncode == 0, r
    assert "usage" in r.stdout.lower()
    for opt in ("--src", "--dst", "--json", "--connect-timeout"):
        assert opt in r.stdout


def test_version():
    m = re.search(r"version\s*:\s*'([^']+)'",
                  (lablib.REPO / "meson.build").read_text())
    r = kperf("-V")
    assert r.returncode == 0, r
    assert m.group(1) in r.stdout


@pytest.mark.parametrize("bad,names", [
    (["--bogus-flag"], ["--bogus-flag"]),
    (["--port", "0"], ["--port"]),
    (["--port", "70000"], ["--port"]),
    (["--kill"], ["--kill", "--pid-file"]),
    (["extra"], ["extra"]),
])
def test_kperfd_usage_error(bad, names):
    # --foreground on a loopback address: should a bad option be taken,
    # kperfd listens on 127.0.0.1 only and is killed by the timeout.
    argv = [str(lablib.KPERFD), "--foreground", "--addr", "127.0.0.1",
            "--port", "18398", *bad]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=5,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("kperfd %s: accepted, ran until killed" % " ".join(bad))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert any(n in r.stderr for n in names), r.stderr
