"""What the harness itself reads from /proc: process CPU time, memory,
machine-wide CPU time, and a background sampler.

Nothing here asks the tool under test about its own cost.  CPU time of a
process is utime + stime from /proc/PID/stat (the whole thread group,
threads that already exited included); for a process that has exited it is
read while the process is a zombie (waited for with WNOWAIT, so not yet
reaped), which is its complete lifetime.  Resolution: one clock tick
(normally 10 ms).
"""

import os
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _read(path):
    with open(path) as f:
        return f.read()


def stat(pid, tid=None):
    """/proc/PID/stat (or a thread's) as a dict; times in seconds.
    None when the process is gone (reaped)."""
    p = ("/proc/%d/task/%d/stat" % (pid, tid)) if tid else "/proc/%d/stat" % pid
    try:
        text = _read(p)
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    f = text[text.rindex(")") + 2:].split()
    # f[0] is field 3 (state); field N is f[N - 3].
    return {
        "comm": comm,
        "state": f[0],
        "utime": int(f[11]) / CLK_TCK,
        "stime": int(f[12]) / CLK_TCK,
        "cutime": int(f[13]) / CLK_TCK,
        "cstime": int(f[14]) / CLK_TCK,
        "threads": int(f[17]),
        "starttime": int(f[19]),
        "processor": int(f[36]),
    }


def cpu_s(st, children=False):
    """utime + stime (+ cutime + cstime: reaped children) of a stat()."""
    if st is None:
        return None
    v = st["utime"] + st["stime"]
    if children:
        v += st["cutime"] + st["cstime"]
    return v


def status_kib(pid, keys=("VmHWM", "VmRSS")):
    """Memory fields of /proc/PID/status in KiB; {} when gone or a zombie."""
    out = {}
    try:
        for line in _read("/proc/%d/status" % pid).splitlines():
            k, _, v = line.partition(":")
            if k in keys:
                out[k] = int(v.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return out


def children(pid):
    out = set()
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return []
    for t in tids:
        try:
            out.update(int(c) for c in
                       _read("/proc/%d/task/%s/children" % (pid, t)).split())
        except OSError:
            pass
    return sorted(out)


def threads(pid):
    try:
        return sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        return []


# ---------------------------------------------------------------------------
# Machine-wide CPU time: /proc/stat

STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq",
               "steal")


def cpu_times():
    """{"all": {...}, 0: {...}, 1: {...}} in seconds, from /proc/stat."""
    out = {}
    for line in _read("/proc/stat").splitlines():
        if not line.startswith("cpu"):
            break
        f = line.split()
        key = "all" if f[0] == "cpu" else int(f[0][3:])
        out[key] = {n: int(v) / CLK_TCK for n, v in zip(STAT_FIELDS, f[1:9])}
    return out


def cpu_delta(a, b):
    """Per CPU (and "all"): the delta of each field, plus busy =
    user + nice + system + irq + softirq (idle, iowait and steal excluded)."""
    out = {}
    for k in b:
        if k not in a:
            continue
        d = {n: b[k][n] - a[k][n] for n in STAT_FIELDS}
        d["busy"] = d["user"] + d["nice"] + d["system"] + d["irq"] + \
            d["softirq"]
        out[k] = d
    return out


def softirq_cpu(delta):
    """The CPU with the most softirq time in a cpu_delta(), and its share
    of all softirq time: where the receive processing ran."""
    per = {k: v["softirq"] for k, v in delta.items() if k != "all"}
    tot = sum(per.values())
    if not per or tot <= 0:
        return None, None
    cpu = max(per, key=per.get)
    return cpu, per[cpu] / tot


def ksoftirqd_pids():
    """PIDs of the ksoftirqd/N kernel threads: softirq work the kernel
    defers to them is the test's but belongs to neither end."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if _read("/proc/%s/comm" % d).startswith("ksoftirqd/"):
                    out.append(int(d))
            except OSError:
                pass
    return out


def cpu_sum(pids):
    return sum(cpu_s(stat(p)) or 0 for p in pids)


# ---------------------------------------------------------------------------
# Waiting for a child without reaping it

def wait_exit(popen, timeout):
    """Wait until popen's process has exited, without reaping it, so that
    /proc/PID/stat can still be read (a zombie).  True when it exited
    within timeout."""
    end = time.monotonic() + timeout
    while True:
        try:
            r = os.waitid(os.P_PID, popen.pid,
                          os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        if r is not None:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.01)


def final_cpu(popen):
    """CPU seconds of an exited (zombie) child, read from /proc, then reap
    it.  Returns (cpu_s, rusage_cpu_s) where the second is the kernel's
    wait4() figure, kept as a cross-check."""
    st = stat(popen.pid)
    v = cpu_s(st) if st and st["state"] in ("Z", "X") else None
    try:
        _, status, ru = os.wait4(popen.pid, 0)
        popen.returncode = os.waitstatus_to_exitcode(status)
        ru_s = ru.ru_utime + ru.ru_stime
    except ChildProcessError:
        popen.wait()
        ru_s = None
    return v, ru_s


# ---------------------------------------------------------------------------
# Background sampler

class Sampler:
    """Polls processes every `interval` s while a test runs and keeps, per
    PID, the last /proc/PID/stat CPU time and /proc/PID/status memory it
    could read (the last value before the process went away), and the
    per-thread CPU time of threads whose name starts with thread_prefix.

    pids: fixed PIDs; parents: PIDs whose children (found anew at every
    poll) are sampled too, e.g. kperfd, whose session processes come and
    go with each test."""

    def __init__(self, pids=(), parents=(), interval=0.1,
                 thread_prefix="kperf-wrk"):
        self.pids = list(pids)
        self.parents = list(parents)
        self.interval = interval
        self.thread_prefix = thread_prefix
        self.last = {}       # pid -> {"cpu_s", "VmHWM", "VmRSS", "comm", "parent"}
        self.peak_rss = {}   # pid -> max VmRSS seen
        self.workers = {}    # (pid, tid) -> cpu_s
        self.n_polls = 0
        self._stop = threading.Event()
        self._t = None

    def _poll_pid(self, pid, parent=None):
        st = stat(pid)
        if st is None or st["state"] in ("Z", "X"):
            return
        mem = status_kib(pid)
        rec = self.last.setdefault(pid, {"parent": parent})
        rec["comm"] = st["comm"]
        rec["cpu_s"] = cpu_s(st)
        if mem:
            rec.update(mem)
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0),
                                     mem.get("VmRSS", 0))
        if parent is not None and self.thread_prefix:
            for tid in threads(pid):
                ts = stat(pid, tid)
                if ts and ts["comm"].startswith(self.thread_prefix):
                    self.workers[(pid, tid)] = cpu_s(ts)

    def poll(self):
        for pid in self.pids:
            self._poll_pid(pid)
        for par in self.parents:
            for c in children(par):
                self._poll_pid(c, parent=par)
        self.n_polls += 1

    def _loop(self):
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)

    def start(self):
        self.poll()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()
        return self

    def stop(self):
        self._stop.set()
        if self._t:
            self._t.join()

    def sessions(self, parent):
        return {p: r for p, r in self.last.items() if r.get("parent") == parent}
