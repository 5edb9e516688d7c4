"""The files of one benchmark run in bench/results/ (bench.py and ktls.py):

    <name>.md            the tables, as printed
    <name>.summary.json  the document without its runs: machine facts,
                         options, per case the median, min and max of each
                         figure (and ratios, targets); small, diffable
    <name>.json.xz       the whole document, every run's raw figures (xz):
                         what --render makes the tables from again

<name> is <UTC timestamp> (bench/run) or ktls-<UTC timestamp>
(bench/run-ktls).  load() also reads an uncompressed <name>.json, as
older runs and hand-made documents are.
"""

import json
import lzma
from pathlib import Path

RAW = ".json.xz"
SUMMARY = ".summary.json"
# Keys of a document the summary leaves out: every run's raw figures, and
# the notes (they are in the markdown, and --render writes them anew).
RAW_ONLY = ("runs", "notes")


def stem(path):
    """bench/results/<name>.json.xz (or .json, .summary.json, .md) ->
    bench/results/<name>."""
    p = Path(path)
    for suffix in (RAW, SUMMARY, ".json", ".md"):
        if p.name.endswith(suffix):
            return p.with_name(p.name[:-len(suffix)])
    return p


def load(path):
    """The document of a <name>.json.xz or <name>.json."""
    p = Path(path)
    opener = lzma.open if p.name.endswith(".xz") else open
    with opener(p, "rt") as f:
        return json.load(f)


def summary_of(doc):
    return {k: v for k, v in doc.items() if k not in RAW_ONLY}


def _round(obj):
    if isinstance(obj, float):
        return float("%.6g" % obj)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    return obj


def dumps_compact(obj, indent=""):
    """JSON with one line per key of the dicts that hold dicts, and
    everything else (lists, a median/min/max/n dict) on its key's line,
    numbers to 6 significant digits: small, and a changed figure is a
    one-line diff."""
    obj = _round(obj)
    if isinstance(obj, dict) and any(isinstance(v, dict)
                                     for v in obj.values()):
        inner = indent + " "
        items = ["%s%s: %s" % (inner, json.dumps(str(k), ensure_ascii=False),
                               dumps_compact(v, inner))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return json.dumps(obj, ensure_ascii=False, default=str)


def write_tables(name, doc, text_md):
    """<name>.md and <name>.summary.json; returns their paths."""
    base = stem(name)
    mpath = base.with_name(base.name + ".md")
    spath = base.with_name(base.name + SUMMARY)
    mpath.write_text(text_md + "\n")
    spath.write_text(dumps_compact(summary_of(doc)) + "\n")
    return mpath, spath


def write(name, doc, text_md):
    """Every file of a run: the tables, the summary and the raw document
    (xz); returns the paths written."""
    base = stem(name)
    rpath = base.with_name(base.name + RAW)
    with lzma.open(rpath, "wt", preset=9) as f:
        f.write(json.dumps(doc, indent=1, default=str) + "\n")
    return (rpath,) + write_tables(base, doc, text_md)
