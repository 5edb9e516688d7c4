"""What the harness measures of the processes it runs, with the readers
of kperflab.procfs: the CPU time of a child that has exited, and a
background sampler of processes while a test runs.

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

from kperflab import procfs

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
    st = procfs.pid_stat(popen.pid)
    v = procfs.cpu_s(st) if st and st["state"] in ("Z", "X") else None
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
        st = procfs.pid_stat(pid)
        if st is None or st["state"] in ("Z", "X"):
            return
        mem = procfs.status_kib(pid)
        rec = self.last.setdefault(pid, {"parent": parent})
        rec["comm"] = st["comm"]
        rec["cpu_s"] = procfs.cpu_s(st)
        if mem:
            rec.update(mem)
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0),
                                     mem.get("VmRSS", 0))
        if parent is not None and self.thread_prefix:
            for tid in procfs.threads(pid):
                ts = procfs.pid_stat(pid, tid)
                if ts and ts["comm"].startswith(self.thread_prefix):
                    self.workers[(pid, tid)] = procfs.cpu_s(ts)

    def poll(self):
        for pid in self.pids:
            self._poll_pid(pid)
        for par in self.parents:
            for c in procfs.children(par):
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
