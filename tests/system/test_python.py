"""The Python module (python/kperf) over the build's libkperf.so.0.

The first tests need no lab and no root: option errors, the option
table, closed objects, a refused connection on loopback.  The others run
the module against the lab's two kperfds.  The lab's addresses exist only
inside its namespaces, so those tests run their kperf calls in a thread
that joined host a's network namespace (setns on that thread alone:
pytest's own thread stays where it was), and check the kperfds' view
from /proc.

The module is imported from the source tree (python/) with $KPERF_LIB
set to the shared library of $KPERF_BUILD (lab.build_dir()).  A sanitizer
build's library cannot be loaded into a python3 that did not start with
the ASan runtime (ASan ends the process), so there one test runs this
file again in a child pytest with LD_PRELOAD, and the others skip.
"""

import ctypes
import errno
import os
import socket
import subprocess
import threading

import pytest

from kperflab import lab as lablib
from kperflab import procfs

LIBKPERF = lablib.build_dir() / "src" / "client" / "libkperf.so.0"
PYDIR = lablib.REPO / "python"
SWEEP = lablib.REPO / "examples" / "sweep.py"
PYTHON = "/usr/bin/python3"

# The module from the source tree (python/, on pytest.ini's pythonpath),
# the library from the build tree.
os.environ["KPERF_LIB"] = str(LIBKPERF)

import kperf  # noqa: E402

SIZES = ("16K", "64K", "256K")
CLONE_NEWNET = 0x40000000
# What the child pytest of a sanitizer build restores for the processes
# it starts (kperfd, ip), which need no LD_PRELOAD and keep leak checks.
ASAN_ENV_SAVED = "KPERF_PY_ASAN_OPTIONS"


def asan_loaded():
    with open("/proc/self/maps") as f:
        return "/libasan.so" in f.read()


ASAN = lablib.asan_runtime(LIBKPERF) if LIBKPERF.exists() else None
IN_CHILD = ASAN is not None and asan_loaded()
DELEGATE = ASAN is not None and not IN_CHILD
if IN_CHILD and ASAN_ENV_SAVED in os.environ:
    os.environ.pop("LD_PRELOAD", None)
    os.environ["ASAN_OPTIONS"] = os.environ.pop(ASAN_ENV_SAVED)


def python_env():
    """The environment of a python3 that loads libkperf."""
    env = dict(os.environ, KPERF_LIB=str(LIBKPERF), PYTHONPATH=str(PYDIR))
    if ASAN:
        # CPython frees little at exit: no leak report for it.
        env["LD_PRELOAD"] = ASAN
        env[ASAN_ENV_SAVED] = os.environ.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = env[ASAN_ENV_SAVED] + ":detect_leaks=0"
    return env


@pytest.fixture(autouse=True)
def libkperf_built(request):
    if not LIBKPERF.exists():
        msg = "not built: %s" % LIBKPERF
        if os.environ.get("KPERF_REQUIRE_BINARIES") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    if DELEGATE and request.node.name != "test_sanitizer_build_in_child":
        pytest.skip("sanitizer build: run by test_sanitizer_build_in_child")


def test_sanitizer_build_in_child():
    """A sanitizer build: this file again, in a python3 started with the
    ASan runtime preloaded."""
    if not DELEGATE:
        pytest.skip("not a sanitizer build")
    p = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider",
                        "-v", "-ra", __file__], capture_output=True,
                       text=True, env=python_env(), cwd=str(lablib.REPO),
                       timeout=900, stdin=subprocess.DEVNULL)
    print(p.stdout[-20000:], p.stderr[-20000:])
    assert p.returncode == 0, "child pytest: exit %d" % p.returncode
    assert " passed" in p.stdout


def in_host(host, fn):
    """fn() in a new thread inside host's network namespace; its value,
    or its exception raised here."""
    box = {}
    libc = ctypes.CDLL(None, use_errno=True)

    def body():
        try:
            fd = os.open("/run/netns/" + host.ns, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, "setns %s: %s" % (host.ns,
                                                       os.strerror(e)))
            finally:
                os.close(fd)
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - raised by the caller
            box["exc"] = e

    t = threading.Thread(target=body, name="kperf-in-" + host.name)
    t.start()
    t.join()
    if "exc" in box:
        raise box["exc"]
    return box["value"]


def sessions_end(lab):
    """Every kperfd of the lab is back to no session (a context's
    sessions end when it closes its control connections)."""
    return lablib.poll(lambda: not any(h.sessions() for h in lab.hosts), 5)


def raised(call, *args):
    """The KperfError call(*args) raises (the test fails when none)."""
    with pytest.raises(kperf.KperfError) as ei:
        call(*args)
    return ei.value


def group_doc(doc):
    assert len(doc["groups"]) == 1, doc.keys()
    return doc["groups"][0]


# ---------------------------------------------------------------------------
# Without the lab.

def test_options_table():
    opts = {o.name: o for o in kperf.options()}
    ws = opts["write-size"]
    assert ws.takes_value is True and ws.objects == ("group",), ws
    assert opts["reverse"].takes_value is False
    assert opts["num-connections"].short == "n"
    assert opts["time"].objects == ("test",)
    assert set(opts["mss"].objects) == {"conns", "group"}
    assert all(o.help for o in opts.values())


def test_option_errors_name_the_option():
    with kperf.Context() as ctx:
        with pytest.raises(kperf.KperfError) as ei:
            kperf.Group(ctx, write_size="1T")
        assert ei.value.errno == errno.EINVAL
        assert "write-size" in ei.value.strerror and "1T" in ei.value.strerror
        assert isinstance(ei.value, OSError)
        # The context keeps the library's message of the failed call.
        assert ctx.errmsg == ei.value.strerror

        with pytest.raises(kperf.KperfError) as ei:
            kperf.Group(ctx, no_such_option=1)
        assert ei.value.errno == errno.ENOENT
        assert "no-such-option" in ei.value.strerror

        # A test option on a group: the library says where it belongs.
        with pytest.raises(kperf.KperfError, match="time"):
            kperf.Group(ctx, time=1)
        with pytest.raises(kperf.KperfError, match="reverse"):
            kperf.Group(ctx, reverse="sideways")
        with pytest.raises(kperf.KperfError, match="interval"):
            kperf.Test(ctx, [], interval="soon")

        # True switches a flag on, False leaves it off; numbers are str();
        # a yes/no option takes a bool.
        g = kperf.Group(ctx, reverse=True, nodelay=False, write_size=65536,
                        validate=False, name="bulk")
        assert g.name == "bulk"
        g.set("-n", 3).set(pin_off=1).check()
        with pytest.raises(kperf.KperfError, match="num-connections"):
            g.set(num_connections=0)

        # Combinations are checked by check() and before a run.
        t = kperf.Test(ctx, g, time=1)
        with pytest.raises(kperf.KperfError, match="no hosts") as ei:
            t.run()
        assert ei.value.errno == errno.EINVAL

        with pytest.raises(ValueError):
            kperf.Group(ctx, from_host=object())


def test_closed_objects_raise():
    ctx = kperf.Context()
    g = kperf.Group(ctx, write_size="64K")
    t = kperf.Test(ctx, g)
    with pytest.raises(kperf.KperfError, match="in a test") as ei:
        g.close()
    assert ei.value.errno == errno.EBUSY
    t.close()
    t.close()
    with pytest.raises(kperf.KperfError, match="test is closed"):
        t.run()
    g2 = kperf.Group(ctx)
    ctx.close()
    assert ctx.closed and g.closed and t.closed
    for call in (lambda: g.name, lambda: g.set(write_size="1K"),
                 lambda: g2.check(), lambda: kperf.Group(ctx),
                 lambda: kperf.Test(ctx, g), lambda: ctx.errmsg):
        with pytest.raises(kperf.KperfError) as ei:
            call()
        assert ei.value.errno == errno.EBADF
        assert "closed" in ei.value.strerror
    g.close()       # nothing left to free
    ctx.close()


def test_refused_names_the_host():
    """Loopback, a port bound but not listening: refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with kperf.Context() as ctx:
            with pytest.raises(kperf.KperfError) as ei:
                kperf.Host(ctx, "127.0.0.1", port=port, connect_timeout=2)
    assert ei.value.errno == errno.ECONNREFUSED
    assert "127.0.0.1" in ei.value.strerror


def test_help_is_useful():
    p = subprocess.run([PYTHON, "-c", "import kperf; help(kperf)"],
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=str(PYDIR),
                                PAGER="cat"))
    assert p.returncode == 0, p.stderr
    for word in ("kperf.Context()", "class Conns", "on_sample",
                 "KperfError", "Every option the library knows"):
        assert word in p.stdout, word


# ---------------------------------------------------------------------------
# Across the lab.

def test_stream(lab):
    a, b = lab.hosts

    def body():
        with kperf.Context() as ctx:
            ha = kperf.Host(ctx, a.addr)
            hb = kperf.Host(ctx, b.addr)
            facts = {"address": ha.address, "name": ha.name,
                     "kernel": ha.kernel, "ncpus": ha.ncpus,
                     "online": ha.online, "features": ha.features}
            g = kperf.Group(ctx, ha, hb, num_connections=2, name="bulk")
            return facts, kperf.Test(ctx, g, time=1).run()

    facts, doc = in_host(a, body)
    assert facts["address"] == a.addr
    assert facts["name"] == socket.gethostname()
    assert facts["kernel"] == os.uname().release
    assert set(facts["online"]) == procfs.online_cpus()
    assert max(facts["online"]) < facts["ncpus"]
    assert "stream" in facts["features"] and "samples" in facts["features"]

    g = group_doc(doc)
    assert g["name"] == "bulk"
    assert g["totals"]["throughput_gbps"] > 0
    assert len(g["flows"]) == 2
    assert all(f["throughput_gbps"] > 0 for f in g["flows"])
    assert g["hosts"]["src"]["address"] == a.addr
    assert g["hosts"]["dst"]["address"] == b.addr
    # A test of one group also has the group's fields at the top.
    assert doc["totals"] == g["totals"] and doc["schema"] >= 1
    assert sessions_end(lab), [h.sessions() for h in lab.hosts]


def test_sweep_reuses_one_set(lab):
    """Three runs over one placed set: same connections (ports) in each,
    as the set and each run's report say."""
    a, b = lab.hosts

    def ports(cs):
        return [(cs.port(i, kperf.FROM), cs.port(i, "to"))
                for i in range(len(cs))]

    def body():
        with kperf.Context() as ctx:
            cs = kperf.Conns(kperf.Host(ctx, a.addr),
                             kperf.Host(ctx, b.addr))
            cs.place(2)
            placed = cs.connections()
            g = kperf.Group(ctx, conns=cs)
            t = kperf.Test(ctx, g, time=1)
            runs = []
            for size in SIZES:
                g.set(write_size=size)
                runs.append((size, t.run(), ports(cs)))
            # The set outlives its tests: it can still change.
            cs.reopen(0)
            cs.refresh()
            return placed, runs, ports(cs)

    placed, runs, after = in_host(a, body)
    first = [c["port"] for c in placed]
    assert len(first) == 2
    # Placed: distinct RX CPUs on each end.
    for end in (0, 1):
        cpus = [c["rx_cpu"][end] for c in placed]
        assert len(set(cpus)) == 2 and min(cpus) >= 0, placed
    for size, doc, p in runs:
        g = group_doc(doc)
        assert g["totals"]["throughput_gbps"] > 0, size
        assert len(g["flows"]) == 2, size
        assert p == first, size
        assert sorted((f["src"]["port"], f["dst"]["port"])
                      for f in g["flows"]) == sorted(first), size
        assert g["test"]["placement"]["connections_opened"] >= 0
    assert after[1] == first[1] and after[0] != first[0]
    assert sessions_end(lab)


def test_on_sample(lab):
    a, b = lab.hosts
    samples = []

    def body():
        with kperf.Context() as ctx:
            g = kperf.Group(ctx, kperf.Host(ctx, a.addr),
                            kperf.Host(ctx, b.addr), num_connections=2)
            t = kperf.Test(ctx, g, time=2, **{"-i": "0.5"},
                           on_sample=lambda *s: samples.append(s))
            doc = t.run()

            # An exception in the callback is raised by run(), after the
            # test ended normally.
            def boom(*s):
                raise ZeroDivisionError("from on_sample")
            t.on_sample = boom
            with pytest.raises(ZeroDivisionError):
                t.run()
            return doc, meddle(ctx)

    def meddle(ctx):
        """What a callback may not change while its test runs: each call
        raises EBUSY (freeing the test or the context would crash)."""
        cs = kperf.Conns(kperf.Host(ctx, a.addr), kperf.Host(ctx, b.addr))
        cs.add(1)
        g = kperf.Group(ctx, conns=cs)
        t = kperf.Test(ctx, g, time=1, interval=0.25)
        calls = {"test close": t.close, "context close": ctx.close,
                 "test run": t.run, "test set": lambda: t.set(time=2),
                 "test add": lambda: t.add(kperf.Group(ctx)),
                 "group set": lambda: g.set(write_size="1K"),
                 "group close": g.close, "set refresh": cs.refresh,
                 "set add": lambda: cs.add(1), "set close": cs.close}
        got = {}

        def on_sample(*s):
            if not got:
                got.update((name, raised(call).errno)
                           for name, call in calls.items())
        t.on_sample = on_sample
        t.run()
        return got

    doc, meddled = in_host(a, body)
    assert meddled == dict.fromkeys(meddled, errno.EBUSY) and meddled
    assert len(samples) >= 2, samples
    times = [s[1] for s in samples]
    assert times == sorted(times) and times[0] > 0
    for grp, t_s, gbps in samples:
        assert grp == 0
        assert len(gbps) == 2 and all(v >= 0 for v in gbps)
    assert any(v > 0 for s in samples for v in s[2])
    assert len(group_doc(doc)["intervals"]) == len(samples)


def test_failures_raise_library_messages(lab):
    a, b = lab.hosts

    def body():
        out = {}
        with kperf.Context() as ctx:
            out["refused"] = raised(kperf.Host, ctx, b.addr, lab.port + 1)
            ha, hb = kperf.Host(ctx, a.addr), kperf.Host(ctx, b.addr)
            # Two flows on one allowed RX CPU, not shared: impossible,
            # which the library sees before it connects.
            cs = kperf.Conns(ha, hb, rx_cpus="0", placement_attempts=2)
            out["place"] = raised(cs.place, 2)
            with pytest.raises(IndexError):
                cs.port(len(cs), kperf.TO)
            out["remove"] = raised(cs.remove, 7)
            g = kperf.Group(ctx, conns=cs)
            out["busy"] = raised(ha.close)
            g.close()
            cs.close()
            ha.close()
        return out

    out = in_host(a, body)
    e = out["refused"]
    assert e.errno == errno.ECONNREFUSED and b.addr in e.strerror, e
    e = out["place"]
    assert e.errno == errno.EINVAL and "distinct RX CPUs" in e.strerror, e
    e = out["remove"]
    assert e.errno == errno.ENOENT and "7" in e.strerror, e
    e = out["busy"]
    assert e.errno == errno.EBUSY and a.addr in e.strerror, e
    assert sessions_end(lab)


def test_failed_runs_and_the_callers_set(lab):
    """A run that fails before it starts (an empty set) leaves the
    caller's set as it was; one that fails once started (a congestion
    control the hosts lack) closes the set's sessions, and the set's calls
    then raise ENOTCONN (libkperf used to crash on them: NULL buffers)."""
    a, b = lab.hosts

    def body():
        out = {}
        with kperf.Context() as ctx:
            cs = kperf.Conns(kperf.Host(ctx, a.addr),
                             kperf.Host(ctx, b.addr))
            g = kperf.Group(ctx, conns=cs)
            t = kperf.Test(ctx, g, time=0.5)
            out["empty"] = raised(t.run)
            cs.add(1)
            out["gbps"] = group_doc(t.run())["totals"]["throughput_gbps"]
            g.set(tcp_cc="no-such-cc")
            out["cc"] = raised(t.run)
            out["add"] = raised(cs.add, 1)
            out["place"] = raised(cs.place, 1)
            out["refresh"] = raised(cs.refresh)
            out["run"] = raised(t.run)
            t.close()
            g.close()
            cs.close()
        return out

    out = in_host(a, body)
    e = out["empty"]
    assert e.errno == errno.EINVAL and "empty" in e.strerror, e
    assert out["gbps"] > 0
    e = out["cc"]
    assert "no-such-cc" in e.strerror and a.addr in e.strerror, e
    for name in ("add", "place", "refresh", "run"):
        e = out[name]
        assert e.errno == errno.ENOTCONN, (name, e)
        assert "closed by a failed test" in e.strerror, (name, e)
    assert sessions_end(lab)


def test_sweep_example(lab):
    a, b = lab.hosts
    env = python_env()
    argv = lablib.ns_argv(a.ns, [PYTHON, SWEEP, "--src", a.addr,
                                 "--dst", b.addr, "-t", "1", *SIZES])
    p = subprocess.run(argv, capture_output=True, text=True, env=env,
                       timeout=120, stdin=subprocess.DEVNULL)
    print(p.stdout)
    assert p.returncode == 0, p.stderr
    rows = [line.split() for line in p.stdout.splitlines()
            if line and not line.startswith("#")]
    assert rows[0][0] == "write-size"
    assert [r[0] for r in rows[1:]] == list(SIZES), p.stdout
    assert all(float(r[1]) > 0 for r in rows[1:]), p.stdout
