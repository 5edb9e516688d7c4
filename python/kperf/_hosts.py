# SPDX-License-Identifier: MIT
"""Hosts (one kperfd each) and connection sets between two of them."""

from . import _lib
from ._context import Object
from ._lib import FROM, TO


def _end(end):
    """FROM/TO (0/1) from 0, 1, "from", "to", "src" or "dst"."""
    ends = {FROM: FROM, TO: TO, "from": FROM, "to": TO, "src": FROM,
            "dst": TO}
    try:
        return ends[end]
    except (KeyError, TypeError):
        raise ValueError("end: kperf.FROM, kperf.TO, \"from\" or \"to\", "
                         "not %r" % (end,)) from None


class Host(Object):
    """One kperfd, connected: Host(ctx, "198.18.0.2", port=None,
    connect_timeout=2).

    Connects and exchanges HELLO at once (kperf_host_new, the options,
    kperf_host_connect); KperfError names the host when that fails
    (ECONNREFUSED, ETIMEDOUT, ...).  port is a number or a service name
    (default 18323).  Options: "connect-timeout" (seconds).

    The host's facts from its HELLO: name, kernel, ncpus, online,
    features.  close() fails with EBUSY while a set or group uses it.
    """

    _what = "host"
    _set_fn = "kperf_host_set"
    _close_fn = "kperf_host_close"

    def __init__(self, ctx, address, port=None, **options):
        super().__init__(ctx)
        self._address = str(address)
        self._what = "host %s" % address
        self._new("kperf_host_new", ctx.handle())
        try:
            self.set("address", address)
            if port is not None:
                self.set("port", port)
            self.set(**options)
            self._call("kperf_host_connect")
        except BaseException:
            self._abandon()
            raise

    @property
    def address(self):
        """The address (or name) it was reached at."""
        return _lib.text(self._get("kperf_host_address"))

    @property
    def name(self):
        """The kperfd's host name (uname -n)."""
        return _lib.text(self._get("kperf_host_name"))

    @property
    def kernel(self):
        """The kperfd's kernel release (uname -r)."""
        return _lib.text(self._get("kperf_host_kernel"))

    @property
    def ncpus(self):
        """CPU ids of the host: the highest possible CPU id + 1."""
        return self._get("kperf_host_ncpus")

    @property
    def online(self):
        """The ids of the host's online CPUs, ascending."""
        h = self.handle()
        so = _lib.lib()
        return [c for c in range(so.kperf_host_ncpus(h))
                if so.kperf_host_cpu_online(h, c)]

    @property
    def features(self):
        """What the kperfd announced, by name: "stream", "rr",
        "samples", "tcp_opts", "datapath", "tls", "waitall"."""
        return _lib.bits_names(self.feature_bits, _lib.FEATURES)

    @property
    def feature_bits(self):
        """The same as the KPERF_FEAT_* bit mask."""
        return self._get("kperf_host_features")

    def __repr__(self):
        if self.closed:
            return "<kperf.Host %s closed>" % self._address
        return "<kperf.Host %s (%s, %d CPUs)>" % (self.address, self.name,
                                                  self.ncpus)


class Conns(Object):
    """A connection set: Conns(from_host, to_host, **options).

    Opens a session on each host and a data acceptor on to_host; the set
    starts empty.  add(n) opens connections as the hash places them,
    place(n) makes the set hold n collision-free ones (kperf's default
    placement), reopen(i) and remove(i) change one.  len(cs) is the
    number of connections; rx_cpu(i, end), napi_id(i, end) and
    port(i, end) describe connection i on one end (kperf.FROM or
    kperf.TO, or "from"/"to").  A Group(ctx, conns=cs) runs over the set
    as it is; the connections stay open after its test, so a sweep reuses
    them.

    Options: "mss" (for connections opened afterwards), "rx-cpus",
    "src-rx-cpus", "dst-rx-cpus", "cpu-min", "cpu-max",
    "allow-shared-cpus", "placement-attempts" (for place()).
    """

    _what = "connection set"
    _set_fn = "kperf_conns_set"
    _close_fn = "kperf_conns_close"

    def __init__(self, from_host, to_host, **options):
        super().__init__(from_host.context)
        self.from_host, self.to_host = from_host, to_host
        self._new("kperf_conns_new", from_host.handle(), to_host.handle())
        try:
            self.set(**options)
        except BaseException:
            self._abandon()
            raise

    def __len__(self):
        """The number of connections (kperf_conns_count)."""
        return self._get("kperf_conns_count")

    @property
    def count(self):
        """The number of connections, as len()."""
        return len(self)

    def _index(self, i, strict):
        """i as an index (negative from the end); IndexError when out of
        range and strict (the getters), else the library checks it."""
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if i < 0 or (strict and i >= n):
            raise IndexError("no connection %s in a set of %d" % (i, n))
        return i

    def add(self, n):
        """Open n more connections (all or none)."""
        self._call("kperf_conns_add", int(n))
        return self

    def place(self, n):
        """Make the set hold n connections whose RX CPUs are allowed and,
        unless "allow-shared-cpus", pairwise different on each end.
        KperfError(EADDRNOTAVAIL) with the CPUs seen when impossible."""
        self._call("kperf_conns_place", int(n))
        return self

    def reopen(self, i):
        """Close connection i and open a new one in its place."""
        self._call("kperf_conns_reopen", self._index(i, False))
        return self

    def remove(self, i):
        """Close connection i; the ones after it move down by one."""
        self._call("kperf_conns_remove", self._index(i, False))
        return self

    def refresh(self):
        """Ask both ends for the RX CPUs again (traffic may move them)."""
        self._call("kperf_conns_refresh")
        return self

    def rx_cpu(self, i, end=FROM):
        """Connection i's RX CPU on one end (SO_INCOMING_CPU), or -1 when
        the kernel did not say."""
        return self._get("kperf_conns_rx_cpu", self._index(i, True),
                         _end(end))

    def napi_id(self, i, end=FROM):
        """Connection i's NAPI id on one end (0: none)."""
        return self._get("kperf_conns_napi_id", self._index(i, True),
                         _end(end))

    def port(self, i, end=FROM):
        """Connection i's local TCP port on one end."""
        return self._get("kperf_conns_port", self._index(i, True),
                         _end(end))

    def connections(self):
        """Every connection as a dict: {"rx_cpu": (from, to), "napi_id":
        (from, to), "port": (from, to)}."""
        return [{f: tuple(getattr(self, f)(i, e) for e in (FROM, TO))
                 for f in ("rx_cpu", "napi_id", "port")}
                for i in range(len(self))]

    def __repr__(self):
        if self.closed:
            return "<kperf.Conns closed>"
        return "<kperf.Conns %s -> %s, %d connections>" % (
            self.from_host.address, self.to_host.address, len(self))

