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

/*
 * Time one CPU spent in each state, in ns: kperf's one representation of
 * per-CPU time.  The server reads it from /proc/stat (cpustat_read) and
 * sends it in TEST_RESULT (struct proto_cpu_res holds one); the client
 * turns it into the percentages of the public struct kperf_cpu, whose
 * fields have the states' names.  CPUSTAT_STATES names the states once,
 * in the order of the struct and of the wire (docs/protocol.md): user
 * (user + nice), system, irq, softirq, iowait, idle, steal.
 */
#define CPUSTAT_STATES(X) \
	X(user) X(system) X(irq) X(softirq) X(iowait) X(idle) X(steal)

#define CPUSTAT_U64_(state)	uint64_t state;

struct cpustat_time {
	CPUSTAT_STATES(CPUSTAT_U64_)
};

/*
 * A struct cpustat_time as a member named time whose states can also be
 * named directly (c->user is c->time.user), so the structs that hold one
 * (cpustat_cpu, proto_cpu_res) kept the field names their users and tests
 * already spell, while functions take the one struct cpustat_time.
 */
#define CPUSTAT_TIME_MEMBER \
	union { \
		struct cpustat_time time; \
		struct { CPUSTAT_STATES(CPUSTAT_U64_) }; \
	}

struct cpustat_cpu {
	int present;
	CPUSTAT_TIME_MEMBER;
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
/* Sum of all states: cpustat_time_total(&c->time). */
uint64_t cpustat_total(const struct cpustat_cpu *c);
uint64_t cpustat_time_total(const struct cpustat_time *t);
void cpustat_free(struct cpustat *s);

/*
 * USER_HZ ticks (/proc) to ns, for cpustat and taskstat: exact, and
 * without the overflow of ticks * 1e9 (the result wraps only past 584
 * years of CPU time).
 */
uint64_t cpustat_ticks_to_ns(uint64_t ticks, uint64_t ticks_per_s);

#endif
