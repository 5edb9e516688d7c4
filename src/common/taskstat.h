/* SPDX-License-Identifier: MIT */
/*
 * taskstat - what the kernel says about one thread: the CPU it last ran on
 * and its user/system CPU time (/proc/self/task/TID/stat), and its allowed
 * CPUs (sched_getaffinity).
 */
#ifndef KPERF_TASKSTAT_H
#define KPERF_TASKSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct taskstat {
	int cpu_last;		/* field 39, "processor" */
	uint64_t utime_ns;
	uint64_t stime_ns;
};

/* Read /proc/self/task/TID/stat.  Return 0 or -errno. */
int taskstat_read(pid_t tid, struct taskstat *t);
/*
 * Parse the text of a /proc/.../stat line (the comm field may contain
 * spaces and parentheses).  Return 0 or -EBADMSG.
 */
int taskstat_parse(const char *text, long ticks_per_s, struct taskstat *t);
/*
 * The single CPU thread tid may run on, or -1 when its affinity allows more
 * than one.  Return that value, or -errno when it cannot be read.
 */
int taskstat_pinned_cpu(pid_t tid);

#endif
