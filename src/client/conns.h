/* SPDX-License-Identifier: MIT */
/*
 * conns - the library's side of connection sets (conns.c, place_conns.c),
 * for groups and tests.
 */
#ifndef KPERF_CONNS_H
#define KPERF_CONNS_H

#include "client/lib.h"

/* 0 while both sessions of the set are open, else -ENOTCONN with the
 * message set (a failed test closed them). */
int conns_live(struct kperf_conns *cs);

/* Open n more connections with the set's options.  0 or -errno. */
int conns_open(struct kperf_conns *cs, unsigned int n);

/* CONN_CLOSE of n ids on one end's session. */
int conns_close_ids(struct ctl *c, const uint32_t *v, unsigned int n);

/*
 * Make the set hold n connections placed as o asks (allowed RX CPU sets,
 * shared CPUs or not, attempts), src meaning the `from` end unless
 * swapped.  Fills cs->placement.  0 or -errno with the message set.
 */
int conns_place(struct kperf_conns *cs, unsigned int n, const struct opts *o,
		int swapped);

/*
 * A worker on one end: pinned to cpu, or (cpu -1) the nth floating one;
 * reused when the session has one, else spawned.  0 or -errno.
 */
int conns_worker(struct kperf_conns *cs, enum kperf_end end, int cpu,
		 unsigned int nth_floating,
		 const struct proto_worker_rep **rep);

/* Release the set whatever uses it (kperf_free, a test's own sets). */
void conns_free(struct kperf_conns *cs);

#endif
