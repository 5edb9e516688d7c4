/* SPDX-License-Identifier: MIT */
/*
 * cpustat - per-CPU time from /proc/stat, and deltas between two reads.
 *
 * A snapshot holds one row per CPU id 0..n-1 (ids missing from /proc/stat,
 * e.g. offline CPUs, have present == 0).  Times are in nanoseconds,
 * converted from USER_HZ ticks.  Usage:
 *	struct cpustat a, b, d;
 *	cpustat_read(&a); ... cpustat_read(&b);
 *	cpustat_delta(&a, &b, &d);   d.cpu[i].user etc. are b - a
 *	cpustat_free(&a); ...
 */
#ifndef KPERF_CPUSTAT_H
#define KPERF_CPUSTAT_H

#include <stdint.h>

struct cpustat_cpu {
	int present;
	uint64_t user;		/* user + nice */
	uint64_t system;
	uint64_t irq;
	uint64_t softirq;
	uint64_t iowait;
	uint64_t idle;
	uint64_t steal;
};

struct cpustat {
	unsigned int n;		/* rows in cpu[] */
	struct cpustat_cpu *cpu;
};

/* Read /proc/stat.  Return 0 or -errno. */
int cpustat_read(struct cpustat *s);
/*
 * Parse the text of a /proc/stat file (for tests and for cpustat_read).
 * ticks_per_s converts ticks to ns.  Return 0, -EBADMSG when a cpuN line is
 * malformed (the error names no line: callers log the path), or -ENOMEM.
 */
int cpustat_parse(const char *text, long ticks_per_s, struct cpustat *s);
/*
 * d = b - a for CPUs present in both (a counter that went backwards gives
 * 0).  d has max(a.n, b.n) rows.  Return 0 or -ENOMEM.
 */
int cpustat_delta(const struct cpustat *a, const struct cpustat *b,
		  struct cpustat *d);
uint64_t cpustat_total(const struct cpustat_cpu *c);
void cpustat_free(struct cpustat *s);

#endif
