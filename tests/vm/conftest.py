"""Fixtures for tests that run kperf inside the VM lab (kperflab.vmlab,
tests/kperflab/vmlab.py).

    def test_x(vm_lab):
        res = vm_lab([("tls", "kperf --src 198.18.0.1 --dst 198.18.0.2"
                              " -t 1 --json --tls")], timeout_s=300)
        assert res["tls"].rc == 0

A boot costs seconds: put every case a module needs in one vm_lab() call
(a module-scoped fixture), not one boot per test.  vm_lab skips the test
with the reason when the lab cannot run here (no qemu, no kernel package),
and when kperf is not built (fails instead with KPERF_REQUIRE_BINARIES=1,
as scripts/test.sh sets).  Binaries come from $KPERF_BUILD (default
<repo>/build), as in tests/system.
"""

import os
import signal

import pytest

from kperflab import vmlab


def _sigterm(signum, frame):
    # CI's timeout: unwind as on Ctrl-C, so qemu is killed, not left behind.
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _sigterm)


@pytest.fixture(scope="session")
def vm_build_dir():
    """The kperf build tree the guest gets its binaries from."""
    build = vmlab.default_build_dir()
    missing = [str(b) for b in vmlab.binaries(build)
               if not os.access(b, os.X_OK)]
    if missing:
        msg = "not built: " + ", ".join(missing)
        if os.environ.get("KPERF_REQUIRE_BINARIES") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return build


@pytest.fixture(scope="session")
def vm_lab(vm_build_dir):
    """run(cases, timeout_s=900) -> {name: CaseResult}: vmlab.run_cases on
    the build tree; skips when the lab is unavailable."""
    reason = vmlab.vm_probe()
    if reason:
        pytest.skip("VM lab unavailable: " + reason)

    def run(cases, timeout_s=900):
        try:
            return vmlab.run_cases(cases, vm_build_dir, timeout_s)
        except vmlab.VMUnavailable as e:
            pytest.skip("VM lab unavailable: %s" % e)
    return run
