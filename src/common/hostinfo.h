/* SPDX-License-Identifier: MIT */
/*
 * hostinfo - facts about this host, and CPU list strings ("0-3,8").
 *
 * CPU sets are bitmaps of uint64_t words, CPU c at bit (c % 64) of word
 * c / 64, up to HOSTINFO_MAX_CPUS.
 */
#ifndef KPERF_HOSTINFO_H
#define KPERF_HOSTINFO_H

#include <stddef.h>
#include <stdint.h>

#define HOSTINFO_MAX_CPUS	4096
#define HOSTINFO_CPU_WORDS	(HOSTINFO_MAX_CPUS / 64)

struct hostinfo {
	unsigned int ncpus;		/* highest possible CPU id + 1 */
	unsigned int n_online;
	uint64_t online[HOSTINFO_CPU_WORDS];
	char kernel[65];		/* uname -r */
	char hostname[65];
};

/* Fill h from /sys/devices/system/cpu/{possible,online} and uname(). */
int hostinfo_get(struct hostinfo *h);

/*
 * Parse a CPU list such as "0-3,8,10-11" into set (max_cpus bits; set is
 * cleared first).  Whitespace around the list and a trailing newline are
 * accepted.  Return the number of CPUs in the set, or -EINVAL for a syntax
 * error or a descending range, -ERANGE for a CPU >= max_cpus.  When err is
 * not NULL, a message saying what is wrong and at which character is
 * written there.
 */
int cpulist_parse(const char *s, uint64_t *set, unsigned int max_cpus,
		  char *err, size_t errlen);
/* Format set as a compact list ("0-3,8"); always NUL-terminates. */
void cpulist_format(const uint64_t *set, unsigned int max_cpus, char *out,
		    size_t outlen);

static inline int cpuset_has(const uint64_t *set, unsigned int cpu)
{
	return (set[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void cpuset_add(uint64_t *set, unsigned int cpu)
{
	set[cpu / 64] |= 1ull << (cpu % 64);
}

#endif
