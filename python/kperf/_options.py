# SPDX-License-Identifier: MIT
"""Options: the library's table (kperf_option_info) and the mapping of
Python keyword arguments onto kperf_*_set(name, string value).

Every value is checked by the library, once; this module only spells
it: write_size="64K" -> ("write-size", "64K"), n_conns=4 -> "4",
reverse=True -> the flag on, reverse=False or None -> not set, and
validate=True/False -> "yes"/"no" for an option that takes a value.
"""

import collections
import ctypes

from . import _lib

Option = collections.namedtuple(
    "Option", "name short takes_value objects help")
Option.__doc__ = """One option of the library (kperf_option_info).

name: "write-size"; short: "n" for -n, or None; takes_value: False for a
flag; objects: where it may be set, a tuple of "host", "conns", "group",
"test"; help: one line."""

_table = None


def options():
    """Every option the library knows, as a list of Option tuples, in
    the order of `kperf --help`.

    >>> opts = {o.name: o for o in kperf.options()}
    >>> opts["write-size"].takes_value, opts["write-size"].objects
    (True, ('group',))
    """
    global _table
    if _table is None:
        so = _lib.lib()
        out, i = [], 0
        info = _lib.OptionInfo()
        while so.kperf_option_info(i, ctypes.byref(info),
                                   ctypes.sizeof(info)) == 0:
            out.append(Option(
                _lib.text(info.name),
                chr(info.short_name) if info.short_name else None,
                bool(info.takes_value),
                tuple(_lib.bits_names(info.objects, _lib.OBJECTS)),
                _lib.text(info.help)))
            i += 1
        _table = out
    return list(_table)


def _find(name):
    """The Option called name (dashes, or "-n"), or None."""
    if len(name) == 2 and name[0] == "-" and name[1] != "-":
        return next((o for o in options() if o.short == name[1]), None)
    name = name.lstrip("-")
    return next((o for o in options() if o.name == name), None)


def key(name):
    """The library's spelling of a keyword: underscores become dashes."""
    return str(name).replace("_", "-")


# What pairs() yields for a flag switched on: NULL, which the library
# reads as "on".
FLAG_ON = None
_SKIP = object()


def value(name, v):
    """The string to set option name to (FLAG_ON for a flag), or _SKIP
    when v means "leave it unset" (None, or False for a flag)."""
    if v is None:
        return _SKIP
    if isinstance(v, bool):
        opt = _find(name)
        if opt is not None and opt.takes_value:
            return "yes" if v else "no"
        return FLAG_ON if v else _SKIP
    return str(v)


def pairs(options):
    """(name, value) to pass to kperf_*_set for a dict of keyword
    options, in the caller's order, without those left unset."""
    out = []
    for k, v in options.items():
        name = key(k)
        s = value(name, v)
        if s is not _SKIP:
            out.append((name, s))
    return out
