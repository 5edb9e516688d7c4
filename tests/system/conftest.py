"""Fixtures for the kperf system tests; the lab itself is kperflab.lab
(tests/kperflab/lab.py, importable through pytest.ini's pythonpath).

    def test_x(lab):            # two hosts, kperfd running in each
        r = lab.stream("-t", "1", "--json")

    def test_y(make_lab):       # anything else
        lab = make_lab(n_hosts=3, servers=False)
"""

import signal

import pytest

from kperflab import lab as lablib


def _sigterm(signum, frame):
    # Turn SIGTERM (CI's timeout, a killed job) into the same unwinding as
    # Ctrl-C, so fixture finalizers run and the namespaces go away.
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _sigterm)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _dump_logs_on_failure(request, lab, always=False):
    rep = getattr(request.node, "rep_call", None)
    if always or (rep is not None and rep.failed):
        print("\n==== kperfd logs (%s) ====\n%s" % (lab.tag, lab.logs()))


@pytest.fixture
def make_lab(request, tmp_path):
    """Factory: make_lab(n_hosts=2, servers=True, ...) -> a Lab that is up.
    Every lab made is torn down after the test, pass or fail."""
    labs = []

    def make(**kw):
        reason = lablib.lab_usable()
        if reason:
            pytest.skip(reason)
        if kw.get("servers", True):
            lablib.require_binaries()
        kw.setdefault("workdir", tmp_path)
        new = lablib.Lab(**kw)
        labs.append(new)
        return new.up()

    yield make
    errors = []
    for one in labs:
        try:
            one.down()
        except lablib.LabError as e:
            errors.append(str(e))
        # After down(): what kperfd wrote as it stopped is in the log too.
        reports = one.sanitizer_reports()
        errors.extend("sanitizer report from " + r for r in reports)
        _dump_logs_on_failure(request, one, bool(reports))
    if errors:
        pytest.fail("; ".join(errors), pytrace=False)


@pytest.fixture
def lab(make_lab):
    """Two hosts (198.18.0.1, 198.18.0.2), kperfd listening in each."""
    return make_lab(n_hosts=2)
