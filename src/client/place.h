/* SPDX-License-Identifier: MIT */
/*
 * place - where flows and workers go, as pure functions (no I/O).
 *
 * A flow's RX CPU on each end is decided by a hash (RSS, RPS, veth), so
 * kperf opens connections, asks both ends which CPU serves each, and keeps
 * a set of flows in which no two share an RX CPU on the source and none on
 * the destination: a maximum bipartite matching between source CPUs and
 * destination CPUs whose edges are the candidate connections.  Candidates
 * outside the allowed CPU sets are never kept.  The client repeats rounds
 * (open the missing number of connections, match, close the rest) up to an
 * attempt budget; place_fail_bound() gives the probability that the budget
 * is not enough, under the model documented in docs/placement.md.
 *
 * Then place_worker_cpu() turns a pin policy into the CPU of each flow's
 * worker on one end.  The policy is libkperf's own struct kperf_pin: the
 * options set it, placement reads it, nothing translates it.
 */
#ifndef KPERF_PLACE_H
#define KPERF_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "kperf/report.h"

#define PLACE_MAX_CPUS		4096
#define PLACE_CPU_WORDS		(PLACE_MAX_CPUS / 64)
#define PLACE_ATTEMPTS_DEFAULT	500

struct place_cand {
	int src_cpu;		/* RX CPU on the source, -1 unknown */
	int dst_cpu;
};

/*
 * Choose at most want candidates such that no two share src_cpu and no two
 * share dst_cpu, with both CPUs in the allowed sets (NULL: any CPU >= 0).
 * The choice is a maximum matching (Hopcroft-Karp-style augmenting paths,
 * so an earlier choice is re-arranged when that makes room for more).
 * chosen[] receives candidate indexes, sorted ascending.  Return how many
 * were chosen, or -ENOMEM.
 */
int place_match(const struct place_cand *c, unsigned int n,
		const uint64_t *src_allowed, const uint64_t *dst_allowed,
		unsigned int want, unsigned int *chosen);

/*
 * Upper bound of the probability that `attempts` rounds do not place
 * `want` flows when each new connection's RX CPUs are uniform and
 * independent over k_src allowed source CPUs and k_dst destination CPUs.
 * 1.0 when want exceeds either count.
 */
double place_fail_bound(unsigned int want, unsigned int k_src,
			unsigned int k_dst, unsigned int attempts);

/*
 * Worker CPU of each of n flows on one end, from the flows' RX CPUs on that
 * end and the end's online CPUs.  -1 means not pinned.  Return 0, or
 * -EINVAL with a message in err (e.g. an RX CPU that is unknown, or an
 * explicit CPU that is not online).
 */
int place_worker_cpu(const struct kperf_pin *pin, const int *rx_cpu,
		     unsigned int n, const uint64_t *online, int *out,
		     char *err, size_t errlen);

/* The policy's name in reports ("same-cpu", "pin-off", ...). */
const char *place_policy_name(enum kperf_pin_policy p);

#endif
