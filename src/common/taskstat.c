// SPDX-License-Identifier: MIT
/*
 * taskstat - one thread's last CPU and CPU time, and its affinity.
 *
 * Field numbers are proc(5)'s, 1-based with pid as field 1.  The comm
 * (field 2) is any 16 bytes in parentheses, ')' and spaces included, so
 * fields are counted from the last ')' in the line: field 3 follows it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpustat.h"
#include "common/procfile.h"
#include "common/taskstat.h"

#define TASKSTAT_LINE_MAX	4096	/* ~350 bytes in practice */
#define FIELD_AFTER_COMM	3	/* the state letter */
#define FIELD_UTIME		14
#define FIELD_STIME		15
#define FIELD_PROCESSOR		39
#define AFFINITY_MAX_CPUS	(1u << 20)	/* far above any NR_CPUS */

/* Parse a field made only of decimal digits, refusing overflow. */
static int parse_field_u64(const char *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned int)(p[i] - '0');

		if (p[i] < '0' || p[i] > '9' || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/*
 * The line must start "PID (", which also guards against being handed
 * some other file: the last ')' alone would accept most text.
 */
static const char *skip_pid_comm(const char *text)
{
	const char *p = text, *close;

	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ' ' || p[1] != '(')
		return NULL;
	close = strrchr(p + 2, ')');
	if (!close || close[1] != ' ')
		return NULL;
	return close + 1;
}

/* Return 0 or -EBADMSG, or -EINVAL for ticks_per_s <= 0. */
int taskstat_parse(const char *text, long ticks_per_s, struct taskstat *t)
{
	uint64_t utime = 0, stime = 0, cpu = 0;
	const char *p = skip_pid_comm(text);
	int field = FIELD_AFTER_COMM - 1;

	if (ticks_per_s <= 0)
		return -EINVAL;
	if (!p)
		return -EBADMSG;

	while (field < FIELD_PROCESSOR) {
		size_t len;
		int bad = 0;

		if (*p != ' ')
			return -EBADMSG;	/* line ended early */
		p++;
		field++;
		len = strcspn(p, " \n");
		if (field == FIELD_UTIME)
			bad = parse_field_u64(p, len, &utime);
		else if (field == FIELD_STIME)
			bad = parse_field_u64(p, len, &stime);
		else if (field == FIELD_PROCESSOR)
			bad = parse_field_u64(p, len, &cpu) || cpu > INT32_MAX;
		else if (!len)
			bad = 1;
		if (bad)
			return -EBADMSG;
		p += len;
	}

	t->cpu_last = (int)cpu;
	t->utime_ns = cpustat_ticks_to_ns(utime, (uint64_t)ticks_per_s);
	t->stime_ns = cpustat_ticks_to_ns(stime, (uint64_t)ticks_per_s);
	return 0;
}

/* Return 0, -EBADMSG, -ESRCH when tid is not a thread of ours, or -errno. */
int taskstat_read(pid_t tid, struct taskstat *t)
{
	char path[64], buf[TASKSTAT_LINE_MAX];
	int ret;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	ret = procfile_read(path, buf, sizeof(buf), NULL);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	return taskstat_parse(buf, sysconf(_SC_CLK_TCK), t);
}

/*
 * The kernel refuses a mask shorter than its nr_cpu_ids (EINVAL), so start
 * at a size that covers almost every host and grow on EINVAL.
 */
int taskstat_pinned_cpu(pid_t tid)
{
	unsigned int ncpus = 4096;
	cpu_set_t *set;
	size_t size;
	int ret, c;

	for (;;) {
		set = CPU_ALLOC(ncpus);
		if (!set)
			return -ENOMEM;
		size = CPU_ALLOC_SIZE(ncpus);
		if (sched_getaffinity(tid, size, set) == 0)
			break;
		ret = -errno;
		CPU_FREE(set);
		if (ret != -EINVAL || ncpus >= AFFINITY_MAX_CPUS)
			return ret;
		ncpus *= 2;
	}

	ret = -1;
	if (CPU_COUNT_S(size, set) == 1) {
		for (c = 0; c < (int)ncpus; c++) {
			if (CPU_ISSET_S((unsigned int)c, size, set)) {
				ret = c;
				break;
			}
		}
	}
	CPU_FREE(set);
	return ret;
}
