/* SPDX-License-Identifier: MIT */
/*
 * opts - the values of every option of libkperf's objects, once parsed
 * (optset.c parses them; docs/library.md lists them).  One struct for all
 * scopes: a host uses address, port and connect_timeout_ms, a test the
 * times, a connection set the placement, a group the rest.
 */
#ifndef KPERF_OPTS_H
#define KPERF_OPTS_H

#include <stdint.h>

#include <kperf/kperf.h>

#define OPTS_WRK_CPUS_MAX	256

struct opts {
	/* Host options (struct kperf_host). */
	const char *address, *port;		/* default localhost, 18323 */
	enum kperf_test_type type;
	unsigned int duration_ms;		/* default 5000 */
	unsigned int n_conns;			/* default 1 */
	unsigned int read_size, write_size;	/* default 128 KiB */
	/* Request/response (type KPERF_RR). */
	unsigned int req_size, resp_size;	/* bytes, resp 0: = req */
	unsigned int depth;			/* requests in flight, 1 */
	unsigned int warmup_ms;			/* not counted, before -t */
	unsigned int resp_delay_us;		/* passive end's think time */
	int no_latency;				/* do not time transactions */
	unsigned int interval_ms;		/* 0: no interval samples */
	int connect_timeout_ms;			/* default 5000 */
	/* Placement: worker policy per end, allowed RX CPUs per end. */
	struct kperf_pin pin_src, pin_dst;
	int have_src_rx_cpus, have_dst_rx_cpus;	/* else: any online CPU */
	uint64_t src_rx_cpus[KPERF_CPU_WORDS], dst_rx_cpus[KPERF_CPU_WORDS];
	int allow_shared_cpus;			/* skip collision-free matching */
	/*
	 * --cpu-src-wrk / --cpu-dst-wrk given as a list: flow i's worker
	 * on each end on wrk_cpus[end][i % n]; pin_* is KPERF_PIN_CPU with
	 * the first.  n 0 or 1: the pin policy alone.
	 */
	uint16_t wrk_cpus[2][OPTS_WRK_CPUS_MAX];
	unsigned int n_wrk_cpus[2];
	unsigned int placement_attempts;	/* default 500 */
	/*
	 * TCP settings of every data connection, on both ends; 0 / "" leave
	 * the kernel's default.  mss is set before connect (TCP_MAXSEG,
	 * KPERF_MSS_MIN..MAX).  max_pace is SO_MAX_PACING_RATE in BYTES per
	 * second (the kernel's unit; the CLI's --max-pace takes bits/s):
	 * on the source only for a stream test, on both ends for RR.
	 * sndbuf/rcvbuf are SO_SNDBUF/SO_RCVBUF bytes, 1..KPERF_MAX_SOCKBUF
	 * (the kernel doubles them).  tcp_cc is a TCP_CONGESTION name of
	 * [A-Za-z0-9_-], checked by reading it back on both ends.
	 */
	unsigned int mss;
	uint64_t max_pace;
	unsigned int sndbuf, rcvbuf;
	int nodelay;				/* set TCP_NODELAY */
	char tcp_cc[KPERF_TCP_CC_LEN];
	/*
	 * Data path: the I/O engine of each end; how every receiving end
	 * reads (copy, MSG_TRUNC, TCP_ZEROCOPY_RECEIVE) and every sending end
	 * writes (copy, MSG_ZEROCOPY); validate the payload (-1: default,
	 * on unless rx_mode is KPERF_RX_TRUNC); stream receivers read whole
	 * blocks of read_size with MSG_WAITALL (-1: default, on unless the
	 * destination uses io_uring or KPERF_RX_ZEROCOPY, which cannot).
	 */
	enum kperf_engine engine_src, engine_dst;
	enum kperf_rx_mode rx_mode;
	enum kperf_tx_mode tx_mode;
	int validate;
	int waitall;
	/* Kernel TLS; refused with KPERF_RX_ZEROCOPY, _TRUNC, TX_ZEROCOPY. */
	struct kperf_tls tls;
	int reverse;				/* the destination sends */
	int bidir;				/* both send, same connections */
};

/* The defaults of every option. */
void opts_init(struct opts *o);

#endif
