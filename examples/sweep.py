#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write-size sweep over one connection set, with the kperf module.

    examples/sweep.py --src 198.18.0.1 --dst 198.18.0.2 16K 64K 256K

The connections are opened and placed once (distinct RX CPUs on each
end, as kperf does by default), then one test per write size runs over
the same connections, so only the write size changes between rows.
From a source tree: KPERF_LIB=build/src/client/libkperf.so.0
PYTHONPATH=python examples/sweep.py ...
"""

import argparse
import sys

import kperf


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True, help="the sending kperfd")
    ap.add_argument("--dst", required=True, help="the receiving kperfd")
    ap.add_argument("--port", help="kperfd control port (default 18323)")
    ap.add_argument("-n", "--num-connections", type=int, default=2,
                    help="connections in the set (default 2)")
    ap.add_argument("-t", "--time", default="2",
                    help="seconds per size (default 2)")
    ap.add_argument("sizes", nargs="*", default=["16K", "64K", "256K"],
                    help="write sizes (default 16K 64K 256K)")
    args = ap.parse_args()

    try:
        with kperf.Context() as ctx:
            src = kperf.Host(ctx, args.src, args.port)
            dst = kperf.Host(ctx, args.dst, args.port)
            cs = kperf.Conns(src, dst)
            cs.place(args.num_connections)
            for i, c in enumerate(cs.connections()):
                print("# connection %d: ports %d -> %d, RX CPU %d -> %d"
                      % (i, *c["port"], *c["rx_cpu"]))
            group = kperf.Group(ctx, conns=cs)
            test = kperf.Test(ctx, group, time=args.time)
            print("%-10s %10s  %s" % ("write-size", "Gbit/s", "per flow"))
            for size in args.sizes:
                group.set(write_size=size)
                g = test.run()["groups"][0]
                print("%-10s %10.2f  %s" % (
                    size, g["totals"]["throughput_gbps"],
                    " ".join("%.2f" % f["throughput_gbps"]
                             for f in g["flows"])), flush=True)
    except kperf.KperfError as e:
        sys.exit("sweep: %s" % e.strerror)


if __name__ == "__main__":
    main()
