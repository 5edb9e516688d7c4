"""kperf's numbers against an independent source.  While a stream test
runs, the harness samples /proc/stat and the sending worker thread's
/proc schedstat (its CPU time in ns) about every 10 ms.  The samples
around the span in which that worker is busy bracket the measured window
as the harness sees it: kperf's duration must lie between the inner and
the outer bracket (within 1 %), and the per-CPU use kperf reports must
match /proc/stat over that span within 5 percentage points plus the share
of the span the brackets leave uncertain.  The brackets are the sampling
gaps actually seen, so a harness descheduled on a busy machine widens
them rather than failing the test.  Byte counts against TCP_INFO are
checked in test_stream.py and test_rr.py; a paced rate against the set
rate in test_tcp_settings.py."""

import time

from kperflab import lab as lablib
from kperflab import procfs

lablib.require_lab()

SAMPLE_S = 0.010
TEST_S = 5.0


def run_sampled(lab):
    """Run a stream test; return (report, samples) where samples are
    (t, proc_stat, worker cpu ns) every 10 ms while the test runs."""
    a, b = lab.hosts
    _, popen = lab.kperf_start("--src", a.addr, "--dst", b.addr, "--json",
                               "-t", str(TEST_S))
    worker = None
    samples = []
    deadline = time.monotonic() + TEST_S + 30
    while popen.poll() is None and time.monotonic() < deadline:
        if worker is None:
            ws = a.workers()
            if ws:
                tid, (pid, _) = next(iter(ws.items()))
                worker = (pid, tid)
        ns = procfs.schedstat_ns(*worker) if worker else None
        samples.append((time.monotonic(), procfs.cpu_times(), ns))
        time.sleep(SAMPLE_S)
    r = lab.kperf_finish(popen)
    assert r.rc == 0, r
    assert worker is not None, "never saw the source's worker thread"
    return r.json, samples


def busy_span(samples):
    """Indexes (first, last) of the first and last sampling intervals in
    which the sending worker used more than a tenth of a CPU (interval i
    runs from sample i - 1 to sample i): it works all the time it sends
    (sharing its CPU at worst), and is idle before and after."""
    busy = []
    for i in range(1, len(samples)):
        t0, _, c0 = samples[i - 1]
        t1, _, c1 = samples[i]
        if c0 is not None and c1 is not None and \
           (c1 - c0) / 1e9 / (t1 - t0) > 0.1:
            busy.append(i)
    assert busy, "the worker never ran"
    return busy[0], busy[-1]


def test_duration_and_cpu_match_the_kernel(lab):
    doc, samples = run_sampled(lab)
    first, last = busy_span(samples)
    t = [s[0] for s in samples]
    dur = doc["test"]["duration_s"]
    # The worker started in interval `first` and stopped in interval
    # `last`; an interval in which it ran for less than a tenth of the time
    # may be missed at either end: one more interval of slack outside.
    inner = t[last - 1] - t[first]
    outer = t[min(last + 1, len(t) - 1)] - t[max(first - 2, 0)]
    assert 0.99 * inner <= dur <= 1.01 * outer, (inner, dur, outer)

    # /proc/stat over the outer bracket; the part of it that may lie
    # outside kperf's window is uncertain, in percentage points.
    a, b = max(first - 2, 0), min(last + 1, len(t) - 1)
    slack = 5.0 + 100.0 * max(0.0, (t[b] - t[a]) - dur) / dur
    delta = procfs.cpu_delta(samples[a][1], samples[b][1])
    for side in ("src", "dst"):
        for row in doc["cpu"][side]:
            d = delta[row["cpu"]]
            assert d["total"] > 0
            idle = d["idle"] + d["iowait"]
            harness_busy = 100.0 * (1 - idle / d["total"])
            kperf_busy = 100.0 - row["idle"] - row["iowait"]
            assert abs(harness_busy - kperf_busy) <= slack, \
                "%s CPU %d: kperf says %.1f%% busy, /proc/stat %.1f%% " \
                "(+-%.1f)" % (side, row["cpu"], kperf_busy, harness_busy,
                              slack)
