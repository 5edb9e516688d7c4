# SPDX-License-Identifier: MIT
"""The library context and what every object made from it shares: a
handle that is checked before each call, so an object whose context (or
itself) is closed raises KperfError(EBADF) instead of reaching freed
memory."""

import ctypes
import errno

from . import _lib, _options
from ._lib import KperfError


class Context:
    """A libkperf context (struct kperf): owns every host, connection
    set, group and test made from it.

    close() (or leaving a `with` block) frees all of them at once, and
    closes their control connections, which ends their sessions on the
    kperfds.  Objects of a closed context raise KperfError(EBADF).

    One context's objects are used from one thread at a time; different
    contexts may run in different threads at once.

        with kperf.Context() as ctx:
            a = kperf.Host(ctx, "198.18.0.1")
            ...
    """

    def __init__(self):
        self._k = None
        self._running = 0       # Test.run() calls under way
        k = ctypes.c_void_p()
        _lib.check(None, _lib.lib().kperf_new(ctypes.byref(k)), "kperf_new")
        self._k = k.value

    @property
    def closed(self):
        """True after close()."""
        return self._k is None

    @property
    def errmsg(self):
        """The message of the last failed call on this context ("" when
        none failed), as kperf_errmsg()."""
        return _lib.text(_lib.lib().kperf_errmsg(self.handle()))

    def handle(self):
        """The struct kperf pointer (an int), for calls this module does
        not wrap.  Raises KperfError(EBADF) after close()."""
        if self._k is None:
            raise KperfError(errno.EBADF, "the kperf context is closed")
        return self._k

    def close(self):
        """Free the context and everything made from it (kperf_free).
        Closing twice does nothing.  KperfError(EBUSY) from an on_sample
        callback: its test is running."""
        if self._running:
            raise KperfError(errno.EBUSY, "a test of the kperf context is "
                             "running")
        if self._k is not None:
            k, self._k = self._k, None
            _lib.lib().kperf_free(k)

    def __enter__(self):
        """`with`: the object itself."""
        return self

    def __exit__(self, *exc):
        """Leaving `with`: close()."""
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __repr__(self):
        return "<kperf.Context%s>" % (" closed" if self.closed else "")


class Object:
    """What Host, Conns, Group and Test share: the context, the C handle
    (None once closed), option setting, close() and `with`."""

    _what = "object"
    _set_fn = None      # "kperf_<kind>_set"
    _close_fn = None    # "kperf_<kind>_close" or "_free", returning int

    def __init__(self, ctx):
        if not isinstance(ctx, Context):
            raise TypeError("a kperf.Context, not %r" % (ctx,))
        self._ctx = ctx
        self._h = None

    @property
    def context(self):
        """The Context this object belongs to."""
        return self._ctx

    @property
    def closed(self):
        """True once this object or its context is closed."""
        return self._h is None or self._ctx.closed

    def handle(self):
        """The C handle (an int).  Raises KperfError(EBADF) when this
        object or its context is closed."""
        if self._ctx.closed:
            raise KperfError(errno.EBADF, "%s: its kperf context is closed"
                             % self._what)
        if self._h is None:
            raise KperfError(errno.EBADF, "%s is closed" % self._what)
        return self._h

    def _new(self, fn, *args):
        """Make the C object: fn(*args, &handle)."""
        out = ctypes.c_void_p()
        so = _lib.lib()
        k = self._ctx.handle()
        _lib.check(k, getattr(so, fn)(*args, ctypes.byref(out)), fn)
        self._h = out.value

    def _call(self, fn, *args):
        """getattr(libkperf, fn)(handle, *args); KperfError if < 0."""
        h = self.handle()
        ret = getattr(_lib.lib(), fn)(h, *args)
        return _lib.check(self._ctx._k, ret, fn)

    def _get(self, fn, *args):
        """A getter (it never fails in C)."""
        return getattr(_lib.lib(), fn)(self.handle(), *args)

    def set(self, key=None, value=True, /, **options):
        """Set options: set("write-size", "64K"), set("-n", 4) or
        set(write_size="64K", nodelay=True).  Underscores become dashes;
        True switches a flag on, False or None leaves an option unset;
        other values are passed as str(value).  The library checks each
        value: KperfError naming the option.  Returns self."""
        if key is not None:
            options = dict({key: value}, **options)
        for name, v in _options.pairs(options):
            self._call(self._set_fn, _lib.arg(name), _lib.arg(v))
        return self

    def _abandon(self):
        """Free the C object after a failed constructor.  The error
        being raised already holds the library's message."""
        if self._h is not None and not self._ctx.closed:
            getattr(_lib.lib(), self._close_fn)(self._h)
        self._h = None

    def close(self):
        """Free the C object.  Closing twice, or after the context,
        does nothing.  KperfError(EBUSY) while another object uses it
        (a group in a test; a set or a host used by a group)."""
        if self.closed:
            self._h = None
            return
        self._call(self._close_fn)
        self._h = None

    def __enter__(self):
        """`with`: the object itself."""
        return self

    def __exit__(self, *exc):
        """Leaving `with`: close()."""
        self.close()
