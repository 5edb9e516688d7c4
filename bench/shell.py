"""Small helpers bench.py and ktls.py share: progress lines on stderr and
a command's output for the machine-facts part of a report."""

import subprocess
import sys


def sayer(prefix):
    """A say(msg) that prints "prefix: msg" to stderr at once."""
    def say(msg):
        print("%s: %s" % (prefix, msg), file=sys.stderr, flush=True)
    return say


def sh(argv, timeout=30):
    """stdout and stderr of argv (some tools print their version on
    stderr), stripped; "(reason)" when it could not run."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return "(%s)" % e
