"""kperflab: what kperf's tests and benchmarks share.

    lab     the namespace lab: "hosts" as network namespaces joined by veth
            pairs, kperfd in each, kperf runs inside them (tests/system,
            bench/)
    vmlab   the VM lab: kperf in a qemu guest running Debian's kernel, for
            kernel features this machine lacks (tests/vm, bench/ktls.py)
    procfs  every reader of /proc and /sys: /proc/PID/stat and status,
            task affinity, /proc/stat per CPU, counter files, listening
            sockets (all of the above)

It lives in tests/ and is found through the import path, never by
editing sys.path: pytest.ini's `pythonpath = tests python` for every
pytest run from the repository, PYTHONPATH=<repo>/tests set by bench/run
and bench/run-ktls (and by hand for `PYTHONPATH=tests /usr/bin/python3
bench/bench.py ...`).
"""
