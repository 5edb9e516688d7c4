/* SPDX-License-Identifier: MIT */
/*
 * libkperf - network tests between kperfd servers, as objects.
 *
 * The client only orchestrates: every byte of test traffic moves between
 * the sessions that kperfd forks on the hosts.  The objects:
 *
 *   struct kperf        the library context: owns everything made from it
 *                       and keeps the message of the last failed call.
 *   struct kperf_host   one kperfd: its address, and its facts once
 *                       connected (CPUs, kernel, hostname, features).
 *   struct kperf_conns  a connection set: data connections from one host's
 *                       session to another's, each with its RX CPU on both
 *                       ends (SO_INCOMING_CPU) and NAPI id.
 *   struct kperf_group  a flow group: one traffic definition (type,
 *                       direction, sizes, placement, TCP settings, data
 *                       path, TLS) over a connection set.
 *   struct kperf_test   any number of groups started together, with one
 *                       duration, warm-up and sample interval.
 *   struct kperf_result what a test measured: one struct kperf_report per
 *                       group (kperf/report.h), text, and JSON.
 *
 * A program:
 *
 *	struct kperf *k;
 *	struct kperf_host *a, *b;
 *	struct kperf_group *g;
 *	struct kperf_test *t;
 *	struct kperf_result *res;
 *
 *	if (kperf_new(&k) < 0)
 *		return -1;
 *	if (kperf_host_open(k, "198.18.0.1", NULL, &a) < 0 ||
 *	    kperf_host_open(k, "198.18.0.2", NULL, &b) < 0 ||
 *	    kperf_group_new(k, &g) < 0 ||
 *	    kperf_group_hosts(g, a, b) < 0 ||
 *	    kperf_group_set(g, "num-connections", "4") < 0 ||
 *	    kperf_test_new(k, &t) < 0 ||
 *	    kperf_test_set(t, "time", "2") < 0 ||
 *	    kperf_test_add(t, g) < 0 ||
 *	    kperf_test_run(t, &res) < 0)
 *		fprintf(stderr, "%s\n", kperf_errmsg(k));
 *	else
 *		kperf_result_write_text(res, stdout, 0);
 *	kperf_free(k);		// and everything made from it
 *
 * Conventions (liburing's): every call that can fail returns 0 (or a
 * count) on success and a negative errno on failure, and then
 * kperf_errmsg() says what failed, naming the option, the host or the
 * connection.  Nothing is global: objects of different contexts may be
 * used from different threads at once; one context's objects from one
 * thread at a time.  A getter never fails: it returns a neutral value
 * (NULL, 0 or -1, as documented) for an argument out of range.
 *
 * Options are set by name with a string value, the same names and
 * spellings as the kperf command line (`kperf --help`) and scenario files
 * (docs/scenarios.md): "write-size" = "64K", "time" = "2.5".  A name may
 * carry the command line's dashes ("--write-size", or a one-letter short
 * form such as "-n"); messages name the option as it was passed.  Values
 * are checked when set, combinations when a group or test is checked or
 * run.  docs/library.md lists every option of every object.
 *
 * ABI: the handles are opaque; result structs (kperf/report.h) are made by
 * the library and only ever grow at their end; their arrays are read
 * through the accessors below rather than indexed, so a program built
 * against this version keeps working with the next (libkperf.so.0, symbol
 * versions in libkperf.map).
 */
#ifndef KPERF_KPERF_H
#define KPERF_KPERF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kperf/report.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kperf;
struct kperf_host;
struct kperf_conns;
struct kperf_group;
struct kperf_test;
struct kperf_result;

/* The two ends of a connection or a group: the one that connected
 * (sends in a forward stream test) and the one that accepted. */
enum kperf_end { KPERF_FROM = 0, KPERF_TO = 1 };

/* ---- Library context ---------------------------------------------- */

/* "0.2.0": the library's version (not the header's KPERF_VERSION). */
const char *kperf_version(void);

/* A new context.  0, or -ENOMEM. */
int kperf_new(struct kperf **out);

/* Close and free every host, set, group, test and result made from k,
 * then k. */
void kperf_free(struct kperf *k);

/* What the last failed call on k or on any object of k said; "" when
 * none failed yet.  Valid until the next call on k's objects. */
const char *kperf_errmsg(const struct kperf *k);

/*
 * Diagnostics on stderr: 0 errors only, 1 warnings (default), 2 and more
 * for more detail, as `kperf -v`.  The level is per process (it is the
 * one setting libkperf shares between contexts).
 */
void kperf_set_verbosity(int level);

/*
 * The options of every object, for front ends (the CLI builds its
 * command line from them, the Python module its keyword arguments):
 * fill *out, whose size is `size` (sizeof(struct kperf_option_info) as
 * the caller was built: the struct only grows at its end), with option i.
 * 0, or -ENOENT past the last option.
 */
#define KPERF_OBJ_HOST		(1u << 0)
#define KPERF_OBJ_CONNS		(1u << 1)
#define KPERF_OBJ_GROUP		(1u << 2)
#define KPERF_OBJ_TEST		(1u << 3)

struct kperf_option_info {
	const char *name;	/* "write-size" */
	int short_name;		/* 'n' for -n; 0: none */
	int takes_value;	/* 0: a flag */
	unsigned int objects;	/* KPERF_OBJ_*: where it may be set */
	const char *help;	/* one line */
};

int kperf_option_info(unsigned int i, struct kperf_option_info *out,
		      size_t size);

/* ---- Hosts --------------------------------------------------------- */

/*
 * A host not yet connected.  Options: "address" (name or address;
 * default localhost), "port" (number or service name; default 18323),
 * "connect-timeout" (seconds, 0.1..600; default 5).  0 or -errno.
 */
int kperf_host_new(struct kperf *k, struct kperf_host **out);
int kperf_host_set(struct kperf_host *h, const char *key, const char *value);

/* Connect to the kperfd and exchange HELLO.  0 or -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -EPROTONOSUPPORT, ...). */
int kperf_host_connect(struct kperf_host *h);

/* kperf_host_new + "address" + "port" (NULL: default) + connect. */
int kperf_host_open(struct kperf *k, const char *address, const char *port,
		    struct kperf_host **out);

/* Close the host's control connection and free it.  Sets and groups that
 * use it must be freed first; returns -EBUSY otherwise. */
int kperf_host_close(struct kperf_host *h);

/* Facts from the host's HELLO; NULL / 0 before kperf_host_connect(). */
const char *kperf_host_address(const struct kperf_host *h);
const char *kperf_host_name(const struct kperf_host *h);
const char *kperf_host_kernel(const struct kperf_host *h);
unsigned int kperf_host_ncpus(const struct kperf_host *h);	/* ids */
unsigned int kperf_host_n_online(const struct kperf_host *h);
int kperf_host_cpu_online(const struct kperf_host *h, unsigned int cpu);
/* KPERF_FEAT_* bits the kperfd announced. */
uint64_t kperf_host_features(const struct kperf_host *h);

#define KPERF_FEAT_STREAM	(1ull << 0)
#define KPERF_FEAT_RR		(1ull << 1)
#define KPERF_FEAT_SAMPLES	(1ull << 2)
#define KPERF_FEAT_TCP_OPTS	(1ull << 3)
#define KPERF_FEAT_DATAPATH	(1ull << 4)
#define KPERF_FEAT_TLS		(1ull << 5)
#define KPERF_FEAT_WAITALL	(1ull << 6)

/* ---- Connection sets ----------------------------------------------- */

/*
 * An empty set from one host to another (from may equal to: loopback).
 * It opens a session on each host (a control connection of its own) and
 * a data acceptor on `to`.  Options: "mss" (set on connections opened
 * afterwards), the placement options "rx-cpus", "src-rx-cpus",
 * "dst-rx-cpus", "cpu-min", "cpu-max", "allow-shared-cpus",
 * "placement-attempts" (used by kperf_conns_place).  0 or -errno.
 */
int kperf_conns_new(struct kperf_host *from, struct kperf_host *to,
		    struct kperf_conns **out);
int kperf_conns_set(struct kperf_conns *cs, const char *key,
		    const char *value);

/* Open n more connections (all or none).  0 or -errno. */
int kperf_conns_add(struct kperf_conns *cs, unsigned int n);

/* Close connection i and open a new one in its place (its RX CPUs are
 * drawn again by the hash).  0 or -errno. */
int kperf_conns_reopen(struct kperf_conns *cs, unsigned int i);

/* Close connection i; the ones after it move down by one. */
int kperf_conns_remove(struct kperf_conns *cs, unsigned int i);

/*
 * Collision-free placement, what `kperf` does by default: make the set
 * hold n connections whose RX CPUs lie in the allowed sets and, unless
 * "allow-shared-cpus", differ pairwise on each end; in rounds of open,
 * match (a bipartite matching), close the rest, at most
 * "placement-attempts" rounds.  Connections already in the set take part.
 * 0, or -EADDRNOTAVAIL with the CPUs seen and allowed in the message.
 */
int kperf_conns_place(struct kperf_conns *cs, unsigned int n);

unsigned int kperf_conns_count(const struct kperf_conns *cs);
struct kperf_host *kperf_conns_host(const struct kperf_conns *cs,
				    enum kperf_end end);
/* Connection i's RX CPU on one end as placed (SO_INCOMING_CPU), -1 when
 * unknown; its NAPI id (0: none) and local port on that end. */
int kperf_conns_rx_cpu(const struct kperf_conns *cs, unsigned int i,
		       enum kperf_end end);
uint32_t kperf_conns_napi_id(const struct kperf_conns *cs, unsigned int i,
			     enum kperf_end end);
int kperf_conns_port(const struct kperf_conns *cs, unsigned int i,
		     enum kperf_end end);

/* Ask both ends for the RX CPUs again (after traffic they may move).
 * 0 or -errno; -EBUSY while a test runs on the set. */
int kperf_conns_refresh(struct kperf_conns *cs);

/* Close every connection and both sessions.  -EBUSY while a group uses
 * the set. */
int kperf_conns_close(struct kperf_conns *cs);

/* ---- Flow groups ---------------------------------------------------- */

/*
 * A traffic definition.  Options (docs/library.md has the full table):
 * "name", "type" (stream, rr), "direction" (forward, reverse), the
 * command line's per-flow options ("num-connections", "write-size",
 * "req-size", "depth", "pin-off", "tcp-cc", "tls", ...).  0 or -errno.
 */
int kperf_group_new(struct kperf *k, struct kperf_group **out);
int kperf_group_set(struct kperf_group *g, const char *key,
		    const char *value);

/* Run between two hosts: the test opens "num-connections" connections
 * from `from` to `to` and places them (kperf_conns_place). */
int kperf_group_hosts(struct kperf_group *g, struct kperf_host *from,
		      struct kperf_host *to);

/* Or run over an existing set, all its connections, as they are placed.
 * The set stays open after the test (a sweep reuses it). */
int kperf_group_conns(struct kperf_group *g, struct kperf_conns *cs);

/* Check the option combinations now (a test does before it connects).
 * 0 or -EINVAL naming the options that clash. */
int kperf_group_check(struct kperf_group *g);

const char *kperf_group_name(const struct kperf_group *g);

/* -EBUSY while a test holds g. */
int kperf_group_free(struct kperf_group *g);

/* ---- Tests ---------------------------------------------------------- */

/*
 * Options: "time" (seconds, 0.1..86400; default 5), "warmup" (seconds
 * not counted, before the time), "interval" (seconds between samples,
 * 0: none).  0 or -errno.
 */
int kperf_test_new(struct kperf *k, struct kperf_test **out);
int kperf_test_set(struct kperf_test *t, const char *key, const char *value);

/* Add a group (the test does not own it; a group is in one test at a
 * time).  Groups of a test must not share a connection set. */
int kperf_test_add(struct kperf_test *t, struct kperf_group *g);

/*
 * Called in the caller's thread for each interval sample while the test
 * runs: group index, seconds since the start, and the Gbit/s of each of
 * the group's flows over the interval.  The run is using the test, its
 * groups, sets and hosts: the callback may read them, and calls that
 * would change them fail with -EBUSY, but it must not free the test or
 * the context (kperf_test_free, kperf_free cannot refuse).
 */
typedef void (*kperf_sample_fn)(void *arg, unsigned int group, double t_s,
				unsigned int n_flows, const double *gbps);
/* Set (fn NULL: clear) the callback.  0, or -EBUSY while the test runs. */
int kperf_test_on_sample(struct kperf_test *t, kperf_sample_fn fn, void *arg);

/* The test's groups, in the order they were added; NULL out of range. */
unsigned int kperf_test_n_groups(const struct kperf_test *t);
struct kperf_group *kperf_test_group(const struct kperf_test *t,
				     unsigned int i);

/* Check the test's and every group's options, without connecting. */
int kperf_test_check(struct kperf_test *t);

/*
 * Open and place what the groups need, set up every group, start every
 * group's receiving ends then its sending ends (back to back, so all
 * start within a few control round trips), wait for the results.  0 with
 * *out set, or -errno.  A test can run again (a sweep: set options, run).
 * A run that fails once the groups are being set up (a setting a host
 * refuses, a session that dies) closes the sessions of every set it ran
 * on, the caller's too: calls on such a set then fail with -ENOTCONN,
 * and kperf_conns_close() it.  A failure before (checks, an empty set,
 * placement) leaves the caller's sets as they were.
 */
int kperf_test_run(struct kperf_test *t, struct kperf_result **out);

void kperf_test_free(struct kperf_test *t);

/* ---- Results -------------------------------------------------------- */

unsigned int kperf_result_n_groups(const struct kperf_result *res);
/* Group i's report, NULL out of range. */
const struct kperf_report *kperf_result_group(const struct kperf_result *res,
					      unsigned int i);
const char *kperf_result_group_name(const struct kperf_result *res,
				    unsigned int i);
/* Sum over the groups: stream Gbit/s, RR transactions per second. */
double kperf_result_total_gbps(const struct kperf_result *res);
double kperf_result_total_tps(const struct kperf_result *res);
/*
 * Each host the test ran on, once (by address as given), over all its
 * groups: facts and CPU table from the first group that used it, its
 * workers and their CPU time from every group.  NULL out of range.
 */
unsigned int kperf_result_n_hosts(const struct kperf_result *res);
const struct kperf_host_report *kperf_result_host(
	const struct kperf_result *res, unsigned int i);
/* Bytes that failed payload validation, all groups, flows and ends. */
uint64_t kperf_result_mismatches(const struct kperf_result *res);

/* Per-item accessors of a report (its arrays, without indexing them). */
const struct kperf_flow *kperf_report_flow(const struct kperf_report *r,
					   unsigned int i);
const struct kperf_sample *kperf_report_sample(const struct kperf_report *r,
					       unsigned int i);
const struct kperf_cpu *kperf_report_cpu(const struct kperf_report *r,
					 enum kperf_end end, unsigned int i);

#define KPERF_OUT_QUIET		(1u << 0)	/* text: the total line only */
#define KPERF_OUT_HIST		(1u << 1)	/* RR: the merged histogram */

/* The report for people (what `kperf` prints).  0, or -EIO. */
int kperf_result_write_text(const struct kperf_result *res, FILE *f,
			    unsigned int flags);
/* One JSON document (docs/json.md) and a newline.  0, -ENOMEM or -EIO. */
int kperf_result_write_json(const struct kperf_result *res, FILE *f,
			    unsigned int flags);
/* The same document as a string to free() with free().  0 or -ENOMEM. */
int kperf_result_json(const struct kperf_result *res, unsigned int flags,
		      char **out);
/* "[ 1.00s]  9.41 Gbit/s  (flow 0: 9.41)", fit for kperf_sample_fn. */
int kperf_sample_write(FILE *f, double t_s, unsigned int n_flows,
		       const double *gbps);

void kperf_result_free(struct kperf_result *res);

/* ---- Scenario files (docs/scenarios.md) ----------------------------- */

/*
 * Read an INI scenario: [global] test options, [host NAME] host options,
 * [group NAME] from/to (host names) and group options.  Makes the hosts
 * (not connected), groups and the test under k.  0, or -errno with
 * "FILE:LINE: key: what is wrong" in kperf_errmsg().
 */
int kperf_scenario_load(struct kperf *k, const char *path,
			struct kperf_test **out);

/* Connect every host of a loaded scenario's test that is not yet. */
int kperf_test_connect(struct kperf_test *t);

#ifdef __cplusplus
}
#endif

#endif /* KPERF_KPERF_H */
