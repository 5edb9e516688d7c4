# SPDX-License-Identifier: MIT
"""Flow groups and tests: what traffic runs where, and running it."""

import ctypes
import errno
import json

from . import _lib
from ._context import Object
from ._lib import KperfError


class Group(Object):
    """A flow group: one traffic definition and where it runs.

        Group(ctx, a, b, num_connections=4, write_size="64K")
        Group(ctx, conns=cs, type="rr", req_size=64)

    Between two hosts, each test run opens and places
    "num-connections" connections of its own; over a connection set
    (conns=), it runs on the set's connections as they are, and they stay
    open.  Options are the command line's per-flow ones: "name", "type"
    (stream, rr), "direction" or "reverse", "write-size", "read-size",
    "req-size", "resp-size", "depth", "pin-off", "tcp-cc", "nodelay",
    "tls", ... (kperf.options() lists them).

    close() fails with EBUSY while a Test holds the group.
    """

    _what = "flow group"
    _set_fn = "kperf_group_set"
    _close_fn = "kperf_group_free"

    def __init__(self, ctx, from_host=None, to_host=None, conns=None,
                 **options):
        if conns is not None and (from_host or to_host):
            raise ValueError("a group runs between two hosts or over a "
                             "connection set, not both")
        if (from_host is None) != (to_host is None):
            raise ValueError("a group needs both hosts, or conns=")
        super().__init__(ctx)
        self.from_host = self.to_host = self.conns = None
        self._new("kperf_group_new", ctx.handle())
        try:
            self.set(**options)
            if conns is not None:
                self.set_conns(conns)
            elif from_host is not None:
                self.set_hosts(from_host, to_host)
        except BaseException:
            self._abandon()
            raise

    def set_hosts(self, from_host, to_host):
        """Run between two hosts (kperf_group_hosts): each test run opens
        and places a connection set of its own."""
        self._call("kperf_group_hosts", from_host.handle(),
                   to_host.handle())
        self.from_host, self.to_host, self.conns = from_host, to_host, None
        return self

    def set_conns(self, conns):
        """Run over a connection set, all its connections as placed
        (kperf_group_conns)."""
        self._call("kperf_group_conns", conns.handle())
        self.from_host, self.to_host = conns.from_host, conns.to_host
        self.conns = conns
        return self

    def check(self):
        """Check the option combinations now (KperfError(EINVAL) naming
        the options that clash)."""
        self._call("kperf_group_check")
        return self

    @property
    def name(self):
        """The group's name ("(unnamed)" until the "name" option)."""
        return _lib.text(self._get("kperf_group_name"))

    def __repr__(self):
        if self.closed:
            return "<kperf.Group closed>"
        return "<kperf.Group %s>" % self.name


class Test(Object):
    """A test: groups started together, with one duration.

        t = Test(ctx, [g1, g2], time=2, interval=0.5, on_sample=fn)
        doc = t.run()

    Options: "time" (seconds, default 5), "warmup" (seconds not
    counted), "interval" or "-i" (seconds between samples).  A group is in
    one test at a time; close() the test to free its groups for another.

    on_sample, when set, is called in the caller's thread for each
    interval sample while run() runs: on_sample(group index, seconds
    since the start, [Gbit/s of each of the group's flows]).  An exception
    it raises is raised by run() once the test has ended.
    """

    _what = "test"
    _set_fn = "kperf_test_set"

    def __init__(self, ctx, groups, on_sample=None, **options):
        super().__init__(ctx)
        if isinstance(groups, Group):
            groups = [groups]
        self.groups = []
        self.on_sample = on_sample
        self._sample_fn = None
        self._sample_exc = None
        self._running = False
        self._new("kperf_test_new", ctx.handle())
        try:
            self.set(**options)
            for g in groups:
                self.add(g)
        except BaseException:
            self._abandon()
            raise

    def _abandon(self):
        """kperf_test_free (it returns nothing to check)."""
        if self._h is not None and not self._ctx.closed:
            _lib.lib().kperf_test_free(self._h)
        self._h = None

    def add(self, group):
        """Add a group (kperf_test_add)."""
        self._call("kperf_test_add", group.handle())
        self.groups.append(group)
        return self

    def check(self):
        """Check the test's and every group's options, without
        connecting."""
        self._call("kperf_test_check")
        return self

    def _sample(self, arg, group, t_s, n, gbps):
        """The kperf_sample_fn: on_sample with a list, its exception kept
        for run() (ctypes would print it and go on)."""
        try:
            self.on_sample(group, t_s, [gbps[i] for i in range(n)])
        except BaseException as e:  # noqa: BLE001 - raised by run()
            if self._sample_exc is None:
                self._sample_exc = e

    def run(self, histogram=False):
        """Run the test (kperf_test_run) and return its JSON document
        (docs/json.md) as a dict: "groups" has one document per group;
        a test of one group also has that group's fields at the top.
        histogram=True adds the merged latency histogram of RR groups.
        A test may run again, after its groups' options changed.

        The run happens in C: Ctrl-C (KeyboardInterrupt) is raised once
        it has ended, which "time" plus a grace period bounds."""
        h = self.handle()
        so = _lib.lib()
        k = self._ctx.handle()
        if self._running:
            # From on_sample: the running test's callback stays as it is
            # (replacing it would free the one C is calling).
            raise KperfError(errno.EBUSY, "the test is running")
        if self.on_sample is not None:
            self._sample_fn = _lib.SAMPLE_FN(self._sample)
        else:
            self._sample_fn = _lib.SAMPLE_FN()     # NULL: no samples
        _lib.check(k, so.kperf_test_on_sample(h, self._sample_fn, None),
                   "kperf_test_on_sample")
        self._sample_exc = None
        res = ctypes.c_void_p()
        # While it runs, on_sample must not free the test or the context.
        self._running = True
        self._ctx._running += 1
        try:
            ret = so.kperf_test_run(h, ctypes.byref(res))
        finally:
            self._running = False
            self._ctx._running -= 1
        err = _lib.error(k, ret, "kperf_test_run") if ret < 0 else None
        doc = None
        if ret >= 0:
            try:
                doc = _result_json(res.value,
                                   _lib.OUT_HIST if histogram else 0)
            finally:
                so.kperf_result_free(res.value)
        exc, self._sample_exc = self._sample_exc, None
        if exc is not None:
            raise exc
        if err is not None:
            raise err
        return doc

    def close(self):
        """Free the test (kperf_test_free); its groups are free to join
        another test.  Closing twice does nothing.  KperfError(EBUSY)
        from an on_sample callback: the test is running."""
        if self._running:
            raise KperfError(errno.EBUSY, "the test is running")
        self._abandon()

    def __repr__(self):
        if self.closed:
            return "<kperf.Test closed>"
        return "<kperf.Test of %d groups>" % len(self.groups)


def _result_json(res, flags):
    """kperf_result_json as a dict."""
    so = _lib.lib()
    out = ctypes.c_void_p()
    _lib.check(None, so.kperf_result_json(res, flags, ctypes.byref(out)),
               "kperf_result_json")
    try:
        text = ctypes.string_at(out.value)
    finally:
        _lib.free(out.value)
    return json.loads(text)
