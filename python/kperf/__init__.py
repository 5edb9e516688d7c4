# SPDX-License-Identifier: MIT
"""kperf: network tests between kperfd servers, from Python.

A thin layer over libkperf (include/kperf/kperf.h) with ctypes, as
iperf3-python is over libiperf.  The client only orchestrates: test
traffic moves between the sessions the kperfds fork on the hosts.

    import kperf

    with kperf.Context() as ctx:
        a = kperf.Host(ctx, "198.18.0.1")
        b = kperf.Host(ctx, "198.18.0.2")
        cs = kperf.Conns(a, b)
        cs.place(2)                     # 2 flows on distinct RX CPUs
        g = kperf.Group(ctx, conns=cs)
        t = kperf.Test(ctx, g, time=2)
        for size in ("16K", "64K", "256K"):
            g.set(write_size=size)
            doc = t.run()               # the JSON document, as a dict
            print(size, doc["groups"][0]["totals"]["throughput_gbps"])

Objects (each with close() and usable in `with`):

    Context   owns everything made from it; close() frees it all
    Host      one kperfd, connected: name, kernel, ncpus, online, features
    Conns     a connection set between two hosts: add, place, reopen,
              remove, refresh, len, rx_cpu/napi_id/port of each connection
    Group     a flow group: traffic options, between hosts or over a set
    Test      groups run together: run() returns the JSON document as a
              dict; on_sample(group, t_s, [gbps per flow]) with "interval"

Options are keyword arguments, or set() calls, with the command line's
names: write_size="64K" sets "write-size"; a flag takes True (False or
None leaves it unset); numbers are passed as str().  The library checks
every value once; options() lists them all.

Errors: every failing call raises KperfError, an OSError whose errno is
the one the library returned and whose strerror is kperf_errmsg(): it
names the option, the host or the connection.  Objects of a closed
context (or closed themselves) raise KperfError(EBADF).

The library is libkperf.so.0, loaded on first use from $KPERF_LIB when
set, else as ctypes.util.find_library("kperf") or the dynamic linker
finds it.
"""

from . import _lib
from ._context import Context
from ._hosts import Conns, Host
from ._lib import FROM, TO, KperfError
from ._options import Option, options
from ._tests import Group, Test

__all__ = ["Context", "Host", "Conns", "Group", "Test", "KperfError",
           "Option", "options", "version", "set_verbosity", "FROM", "TO"]


def version():
    """The library's version, "0.2.0" (kperf_version)."""
    return _lib.text(_lib.lib().kperf_version())


def set_verbosity(level):
    """Diagnostics libkperf prints on stderr: 0 errors only, 1 warnings
    (the default), 2 and more for more detail.  Per process."""
    _lib.lib().kperf_set_verbosity(int(level))
