// SPDX-License-Identifier: MIT
/* cli_usage - kperf --help and --version. */
#include <stdio.h>

#include "cli.h"

static const char cli_rr_usage[] =
"Request/response (RR):\n"
"  -s, --req-size SIZE       run RR with requests of SIZE bytes\n"
"      --resp-size SIZE      response size (default: the request size)\n"
"      --depth N             requests in flight per flow, 1..1024 (1)\n"
"      --resp-delay-us N     the responder waits N us before answering\n"
"      --no-latency          do not time transactions (tps only)\n"
"      --warmup SEC          run SEC before the measured time, uncounted\n"
"  -T, --time-stats 1        also print the latency histogram\n"
"      --json-histogram      with --json: add the merged histogram\n";

static const char cli_place_usage[] =
"Placement (docs/placement.md); by default each flow's worker sits on the\n"
"flow's RX CPU on each end, and no two flows share an RX CPU:\n"
"      --pin-off N           worker on the online CPU N after the RX CPU\n"
"      --cross-pin           worker on the other flow's RX CPU (2+ flows)\n"
"      --no-pin              workers float; report where they ran most\n"
"      --cpu-src-wrk CPU     source workers on CPU (overrides the above);\n"
"                            a list (0,2,1) gives flow i the i-th CPU\n"
"      --cpu-dst-wrk CPU     destination workers on CPU, or a list\n"
"      --rx-cpus LIST        allowed RX CPUs on both ends, e.g. 0-3,8\n"
"      --src-rx-cpus LIST    allowed RX CPUs on the source only\n"
"      --dst-rx-cpus LIST    allowed RX CPUs on the destination only\n"
"      --cpu-min CPU         lowest allowed RX CPU (both ends)\n"
"      --cpu-max CPU         highest allowed RX CPU (both ends)\n"
"      --allow-shared-cpus   let flows share RX CPUs\n"
"      --placement-attempts N  rounds of connect+match+close, 1..100000\n"
"                            (default 500)\n";

static const char cli_tcp_usage[] =
"TCP settings:\n"
"  -M, --mss N               MSS clamp of every flow (TCP_MAXSEG, set\n"
"                            before connect), 88..65535\n"
"      --max-pace RATE       pace each flow's sender to RATE bits/s\n"
"                            (SO_MAX_PACING_RATE), like iperf's -b: k, M,\n"
"                            G are 10^3, 10^6, 10^9; decimals allowed\n"
"                            (100M, 2.5G)\n"
"      --tcp-cc NAME         congestion control (TCP_CONGESTION), e.g. bbr\n"
"      --sndbuf SIZE         SO_SNDBUF of every socket (the kernel doubles)\n"
"      --rcvbuf SIZE         SO_RCVBUF of every socket (the kernel doubles)\n"
"      --nodelay             set TCP_NODELAY\n"
"                            Each is read back on both ends and reported;\n"
"                            one the kernel refuses fails the test.\n";

static const char cli_data_usage[] =
"Data path:\n"
"      --engine-src ENGINE   I/O engine of the source: epoll (default) or\n"
"                            io_uring\n"
"      --engine-dst ENGINE   I/O engine of the destination\n"
"      --iou-src, --iou-dst  same as --engine-src/--engine-dst io_uring\n"
"      --msg-trunc           receivers discard the bytes in the kernel\n"
"                            (MSG_TRUNC); no validation\n"
"      --zerocopy-rx         receivers map the bytes (TCP_ZEROCOPY_RECEIVE),\n"
"                            copying what cannot be mapped; epoll only\n"
"      --msg-zerocopy        senders use MSG_ZEROCOPY; the sends the kernel\n"
"                            copied anyway are counted and reported\n"
"      --validate yes|no     check every byte received against the\n"
"                            pattern sent (default yes, no with --msg-trunc)\n"
"      --waitall yes|no      stream receivers wait for whole --read-size\n"
"                            blocks (MSG_WAITALL, bytes held at most 1-4 ms)\n"
"                            or take what is queued; default yes (no with\n"
"                            io_uring or --zerocopy-rx receivers)\n"
"                            A stream test's source sends and its\n"
"                            destination receives; in RR both do both.\n";

static const char cli_tls_usage[] =
"Kernel TLS (random keys per connection, sent over the unencrypted\n"
"control connection: for measuring, not for secrecy):\n"
"      --tls                 encrypt both directions (kTLS, TLS_TX/TLS_RX)\n"
"      --tls-tx              encrypt what the source sends\n"
"      --tls-rx              encrypt what the destination sends back\n"
"      --tls-ver VER         1.2 or 1.3 (default 1.3)\n"
"      --tls-cipher CIPHER   aes-gcm-128 (default), aes-gcm-256 or\n"
"                            chacha20-poly1305\n"
"      --tls-nopad           receivers expect no record padding\n"
"                            (TLS_RX_EXPECT_NO_PAD; TLS 1.3 only)\n"
"                            Not with --msg-trunc, --zerocopy-rx or\n"
"                            --msg-zerocopy, which bypass the records.\n";

void cli_usage(FILE *f)
{
	fprintf(f,
"Usage: kperf [OPTION]...\n"
"       kperf run FILE [--json] [-q] [-v]   run a scenario (docs/scenarios.md)\n"
"Run a TCP test between two kperfd servers and report the throughput, the\n"
"RX CPU of every flow on both ends, TCP_INFO and the CPU use of both hosts.\n"
"\n"
"Hosts:\n"
"      --src HOST            server that sends (default localhost)\n"
"      --dst HOST            server that receives (default localhost)\n"
"      --src-svc PORT        control port or service name of --src\n"
"      --dst-svc PORT        control port or service name of --dst\n"
"                            (default %s)\n"
"      --connect-timeout SEC give up on a server after SEC, 0.1..600\n"
"                            (default 5)\n"
"Test:\n"
"  -t, --time SEC            test time, 0.1..86400 (default 5)\n"
"  -n, --num-connections N   parallel flows, 1..%u (default 1)\n"
"  -R, --reverse             the destination sends to the source\n"
"      --bidir               both send on the same connections, each\n"
"                            direction counted apart\n"
"      --read-size SIZE      bytes per read, 1..64M (default 128K)\n"
"      --write-size SIZE     bytes per write, 1..64M (default 128K)\n"
"%s%s%s%s%s"
"Output:\n"
"  -i, --interval SEC        print the throughput every SEC while the test\n"
"                            runs, 0.01..test time (default 0: off)\n"
"      --json                print one JSON document (docs/json.md)\n"
"  -q, --quiet               print errors and the total line only\n"
"  -v, --verbose             more diagnostics on stderr (repeatable)\n"
"  -h, --help                print this help and exit\n"
"  -V, --version             print the version and exit\n"
"\n"
"SEC may have decimals (0.5).  SIZE is bytes, or a whole number followed by\n"
"K, M or G (or KiB, MiB, GiB): powers of 1024.\n"
"Exit status: 0 success, 1 the test failed, 2 usage error.\n",
		KPERF_SVC_DEFAULT, KPERF_MAX_CONNS, cli_rr_usage,
		cli_place_usage, cli_tcp_usage, cli_data_usage, cli_tls_usage);
}

void cli_version(FILE *f)
{
	fprintf(f, "kperf %s (libkperf %s, JSON schema %d)\n", KPERF_VERSION,
		kperf_version(), KPERF_JSON_SCHEMA);
}
