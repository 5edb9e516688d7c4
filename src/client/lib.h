/* SPDX-License-Identifier: MIT */
/*
 * lib - what libkperf's handles hold (include/kperf/kperf.h has the
 * contract).  Every object links into its context's list of its kind, so
 * kperf_free() can release whatever the caller left; every error text is
 * written into the context's buffer (ctl.h's err/errlen point there).
 *
 *	context.c  kperf_new/free/errmsg, the object lists
 *	host.c     hosts: options, connect (HELLO), facts
 *	conns.c    connection sets: sessions, acceptor, open/reopen/close
 *	place_conns.c  collision-free placement of a set (rounds)
 *	group.c    flow groups: options, check
 *	test.c     tests: the steps of a run over all groups
 *	run.c      one group's part of a run (workers, start, frames)
 *	results.c  results and their writers
 *	scenario.c kperf_scenario_load: INI files into these objects
 *	optset.c   the option table (opt_*.c parse the values)
 */
#ifndef KPERF_LIB_H
#define KPERF_LIB_H

#include <stdarg.h>

#include "client/ctl.h"
#include "client/optset.h"
#include "kperf/kperf.h"

#define LIB_ERR_LEN	1024

struct lib_link {
	struct lib_link *prev, *next;
};

enum lib_kind { LIB_HOST, LIB_CONNS, LIB_GROUP, LIB_TEST, LIB_RESULT,
		LIB_KINDS };

struct kperf {
	char err[LIB_ERR_LEN];
	struct lib_link lists[LIB_KINDS];	/* circular, with heads */
};

/*
 * A session on a host: its control connection and the workers spawned in
 * it, which later tests reuse (a session keeps its workers until it ends).
 */
struct sess {
	struct ctl ctl;			/* fd -1 when not open */
	struct proto_worker_rep *workers;
	unsigned int n_workers, cap_workers;
	int lent;			/* a set uses it */
};

struct kperf_host {
	struct lib_link link;
	struct kperf *k;
	struct optset os;
	/*
	 * Its first session gives the facts and is lent to the first set
	 * made on the host (so `kperf` holds one session per host); a set
	 * made while it is lent opens a session of its own.
	 */
	struct sess sess;
	char address[256], port[32];
	int connect_timeout_ms;
	unsigned int users;		/* sets and groups using it */
};

/* One end of a connection set: a session on the host. */
struct cs_end {
	struct sess *s;			/* the host's, or own */
	struct sess own;
	struct proto_conn_list conns;	/* this end of each connection */
	unsigned int cap;
};

struct kperf_conns {
	struct lib_link link;
	struct kperf *k;
	struct kperf_host *host[2];	/* KPERF_FROM, KPERF_TO */
	struct cs_end end[2];
	struct proto_connect_req tmpl;	/* the acceptor on host[KPERF_TO] */
	struct optset os;
	struct kperf_placement placement;	/* of the last place call */
	unsigned int users;		/* groups using it */
	int busy;			/* a test runs on it */
	int dead;			/* a failed test closed its sessions */
	int mss_set;			/* a test's own set: the group's mss */
	unsigned int mss;
};

struct kperf_group {
	struct lib_link link;
	struct kperf *k;
	struct optset os;		/* os.name: the group's name */
	struct kperf_host *from, *to;	/* the test opens the set, or: */
	struct kperf_conns *cs;		/* the caller's set */
	struct kperf_test *test;
};

struct kperf_test {
	struct lib_link link;
	struct kperf *k;
	struct optset os;
	struct kperf_group **groups;
	unsigned int n_groups;
	kperf_sample_fn sample_fn;
	void *sample_arg;
	int running;
};

struct kperf_result {
	struct lib_link link;
	struct kperf *k;
	unsigned int n;
	struct kperf_report **reps;
	char (*names)[64];
	struct kperf_host_report *hosts;	/* results.c: by address */
	unsigned int n_hosts;
};

void lib_add(struct kperf *k, enum lib_kind kind, struct lib_link *l);
void lib_del(struct lib_link *l);

/* Write the context's error text; returns err (a negative errno). */
int lib_fail(struct kperf *k, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear the error text before a call that may set it. */
void lib_clear(struct kperf *k);

const char *host_role(const struct kperf_host *h);

/* Facts session and data sessions: ctl_open with the host's settings. */
int host_session(struct kperf_host *h, struct ctl *c, const char *role);


#endif
