# SPDX-License-Identifier: MIT
"""libkperf through ctypes: loading, prototypes, and the error contract.

Every C call that can fail returns 0 (or a count) or a negative errno, and
then kperf_errmsg() says what failed; call() turns that into KperfError.
The library is loaded on first use, from $KPERF_LIB when it is set, else
as the dynamic linker finds libkperf.so.0, so `import kperf` and
`help(kperf)` work where the library is not installed.
"""

import ctypes
import ctypes.util
import errno as _errno
import os
import threading

c_int, c_uint, c_double = ctypes.c_int, ctypes.c_uint, ctypes.c_double
c_char_p, c_void_p, c_size_t = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t
c_uint32, c_uint64 = ctypes.c_uint32, ctypes.c_uint64
P = ctypes.POINTER

SONAME = "libkperf.so.0"

# The two ends of a connection (enum kperf_end).
FROM, TO = 0, 1

# KPERF_OBJ_*: where an option may be set.
OBJECTS = ((1 << 0, "host"), (1 << 1, "conns"), (1 << 2, "group"),
           (1 << 3, "test"))

# KPERF_FEAT_*: what a kperfd announced in its HELLO.
FEATURES = ((1 << 0, "stream"), (1 << 1, "rr"), (1 << 2, "samples"),
            (1 << 3, "tcp_opts"), (1 << 4, "datapath"), (1 << 5, "tls"),
            (1 << 6, "waitall"))

OUT_HIST = 1 << 1   # KPERF_OUT_HIST: the JSON has the merged histogram


class KperfError(OSError):
    """A libkperf call failed: .errno is the errno it returned and
    .strerror the library's message (kperf_errmsg), which names the
    option, the host or the connection.  str(e) is "[Errno N] message".
    """


class OptionInfo(ctypes.Structure):
    """struct kperf_option_info (it only ever grows at its end)."""
    _fields_ = [("name", c_char_p), ("short_name", c_int),
                ("takes_value", c_int), ("objects", c_uint),
                ("help", c_char_p)]


# void (*kperf_sample_fn)(void *arg, unsigned int group, double t_s,
#                         unsigned int n_flows, const double *gbps)
SAMPLE_FN = ctypes.CFUNCTYPE(None, c_void_p, c_uint, c_double, c_uint,
                             P(c_double))

# name: (restype, argtypes).  Handles are void pointers.
_PROTOS = {
    "kperf_version": (c_char_p, []),
    "kperf_new": (c_int, [P(c_void_p)]),
    "kperf_free": (None, [c_void_p]),
    "kperf_errmsg": (c_char_p, [c_void_p]),
    "kperf_set_verbosity": (None, [c_int]),
    "kperf_option_info": (c_int, [c_uint, P(OptionInfo), c_size_t]),
    "kperf_host_new": (c_int, [c_void_p, P(c_void_p)]),
    "kperf_host_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "kperf_host_connect": (c_int, [c_void_p]),
    "kperf_host_close": (c_int, [c_void_p]),
    "kperf_host_address": (c_char_p, [c_void_p]),
    "kperf_host_name": (c_char_p, [c_void_p]),
    "kperf_host_kernel": (c_char_p, [c_void_p]),
    "kperf_host_ncpus": (c_uint, [c_void_p]),
    "kperf_host_n_online": (c_uint, [c_void_p]),
    "kperf_host_cpu_online": (c_int, [c_void_p, c_uint]),
    "kperf_host_features": (c_uint64, [c_void_p]),
    "kperf_conns_new": (c_int, [c_void_p, c_void_p, P(c_void_p)]),
    "kperf_conns_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "kperf_conns_add": (c_int, [c_void_p, c_uint]),
    "kperf_conns_reopen": (c_int, [c_void_p, c_uint]),
    "kperf_conns_remove": (c_int, [c_void_p, c_uint]),
    "kperf_conns_place": (c_int, [c_void_p, c_uint]),
    "kperf_conns_count": (c_uint, [c_void_p]),
    "kperf_conns_rx_cpu": (c_int, [c_void_p, c_uint, c_int]),
    "kperf_conns_napi_id": (c_uint32, [c_void_p, c_uint, c_int]),
    "kperf_conns_port": (c_int, [c_void_p, c_uint, c_int]),
    "kperf_conns_refresh": (c_int, [c_void_p]),
    "kperf_conns_close": (c_int, [c_void_p]),
    "kperf_group_new": (c_int, [c_void_p, P(c_void_p)]),
    "kperf_group_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "kperf_group_hosts": (c_int, [c_void_p, c_void_p, c_void_p]),
    "kperf_group_conns": (c_int, [c_void_p, c_void_p]),
    "kperf_group_check": (c_int, [c_void_p]),
    "kperf_group_name": (c_char_p, [c_void_p]),
    "kperf_group_free": (c_int, [c_void_p]),
    "kperf_test_new": (c_int, [c_void_p, P(c_void_p)]),
    "kperf_test_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "kperf_test_add": (c_int, [c_void_p, c_void_p]),
    "kperf_test_on_sample": (c_int, [c_void_p, SAMPLE_FN, c_void_p]),
    "kperf_test_check": (c_int, [c_void_p]),
    "kperf_test_run": (c_int, [c_void_p, P(c_void_p)]),
    "kperf_test_free": (None, [c_void_p]),
    "kperf_result_json": (c_int, [c_void_p, c_uint, P(c_void_p)]),
    "kperf_result_free": (None, [c_void_p]),
}

_lock = threading.Lock()
_lib = None
_free = None


def lib_path():
    """Where the library is loaded from: $KPERF_LIB, else what
    ctypes.util.find_library("kperf") finds, else "libkperf.so.0"."""
    path = os.environ.get("KPERF_LIB")
    if path:
        return path
    return ctypes.util.find_library("kperf") or SONAME


def lib():
    """The loaded libkperf (loaded and prototyped on the first call).
    Raises KperfError(ENOENT) when it cannot be loaded."""
    global _lib, _free
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = lib_path()
            try:
                so = ctypes.CDLL(path)
            except OSError as e:
                raise KperfError(_errno.ENOENT, "cannot load libkperf "
                                 "(%s): %s; set KPERF_LIB to its path"
                                 % (path, e)) from None
            for name, (res, args) in _PROTOS.items():
                fn = getattr(so, name)
                fn.restype = res
                fn.argtypes = args
            # kperf_result_json's string is the C library's malloc().
            libc = ctypes.CDLL(None)
            libc.free.restype = None
            libc.free.argtypes = [c_void_p]
            _free = libc.free
            _lib = so
    return _lib


def free(ptr):
    """free() a pointer libkperf allocated for the caller."""
    _free(ptr)


def text(b):
    """A C string (bytes or None) as str (or None)."""
    return None if b is None else b.decode("utf-8", "replace")


def arg(s):
    """A str for a const char * argument (None stays NULL)."""
    return None if s is None else str(s).encode("utf-8")


def error(k, ret, what=None):
    """KperfError for a call on context k that returned ret < 0: the
    context's message, or strerror when the library left none."""
    code = -ret
    msg = text(lib().kperf_errmsg(k)) if k else ""
    if not msg:
        msg = os.strerror(code)
        if what:
            msg = "%s: %s" % (what, msg)
    return KperfError(code, msg)


def check(k, ret, what=None):
    """ret when it is >= 0, else raise error(k, ret, what)."""
    if ret < 0:
        raise error(k, ret, what)
    return ret


def bits_names(value, table):
    """The names of the bits set in value, in table order."""
    return [name for bit, name in table if value & bit]
