// SPDX-License-Identifier: MIT
/*
 * cpustat - per-CPU time from /proc/stat.
 *
 * Only "cpuN" lines are parsed; the aggregate "cpu" line and everything
 * else is skipped.  The columns are user nice system idle iowait irq
 * softirq steal guest guest_nice; kernels before 2.6.x print only the
 * first four, so later ones default to 0.  guest time is already counted
 * in user by the kernel, so it is not added again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpustat.h"
#include "common/hostinfo.h"
#include "common/procfile.h"

#define CPUSTAT_PATH		"/proc/stat"
#define CPUSTAT_FILE_MAX	(4u << 20)	/* far above 4096 CPUs' worth */
#define CPUSTAT_MIN_COLS	4

enum {
	COL_USER, COL_NICE, COL_SYSTEM, COL_IDLE, COL_IOWAIT, COL_IRQ,
	COL_SOFTIRQ, COL_STEAL, COL_USED
};

struct cpustat_rows {
	unsigned int n;		/* highest id seen + 1 */
	unsigned int cap;
	struct cpustat_cpu *cpu;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse decimal digits at *p into *v, refusing overflow.  Return 0/-1. */
static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return 0;
}

/* Split to avoid overflow: ticks * 1e9 wraps after ~6 years at 100 Hz. */
uint64_t cpustat_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

/* Make row id exist, zeroing rows that are new. */
static int rows_reserve(struct cpustat_rows *r, unsigned int id)
{
	if (id >= r->cap) {
		unsigned int cap = r->cap ? r->cap : 64;
		struct cpustat_cpu *cpu;

		while (cap <= id)
			cap *= 2;
		cpu = realloc(r->cpu, cap * sizeof(*cpu));
		if (!cpu)
			return -ENOMEM;
		memset(cpu + r->cap, 0, (cap - r->cap) * sizeof(*cpu));
		r->cpu = cpu;
		r->cap = cap;
	}
	if (id >= r->n)
		r->n = id + 1;
	return 0;
}

/*
 * Parse one "cpuN ..." line (p just past "cpu", end at its '\n' or NUL)
 * into a new row.  Columns beyond the known ones are checked and ignored.
 */
static int parse_cpu_line(const char *p, const char *end, uint64_t hz,
			  struct cpustat_rows *r)
{
	uint64_t col[COL_USED] = { 0 };
	struct cpustat_cpu *c;
	unsigned int ncol = 0;
	uint64_t id, v;
	int ret;

	if (parse_u64(&p, &id) || id >= HOSTINFO_MAX_CPUS || !is_blank(*p))
		return -EBADMSG;
	while (p < end) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		if (parse_u64(&p, &v) || (p < end && !is_blank(*p)))
			return -EBADMSG;
		if (ncol < COL_USED)
			col[ncol] = v;
		ncol++;
	}
	if (ncol < CPUSTAT_MIN_COLS)
		return -EBADMSG;

	ret = rows_reserve(r, (unsigned int)id);
	if (ret)
		return ret;
	c = &r->cpu[id];
	if (c->present)
		return -EBADMSG;	/* the same CPU twice */
	c->present = 1;
	c->user = cpustat_ticks_to_ns(col[COL_USER] + col[COL_NICE], hz);
	c->system = cpustat_ticks_to_ns(col[COL_SYSTEM], hz);
	c->idle = cpustat_ticks_to_ns(col[COL_IDLE], hz);
	c->iowait = cpustat_ticks_to_ns(col[COL_IOWAIT], hz);
	c->irq = cpustat_ticks_to_ns(col[COL_IRQ], hz);
	c->softirq = cpustat_ticks_to_ns(col[COL_SOFTIRQ], hz);
	c->steal = cpustat_ticks_to_ns(col[COL_STEAL], hz);
	return 0;
}

/*
 * Return 0, -EBADMSG, -ENOMEM, or -EINVAL for ticks_per_s <= 0.
 * s is only an output: its old contents are not freed.
 */
int cpustat_parse(const char *text, long ticks_per_s, struct cpustat *s)
{
	struct cpustat_rows r = { 0 };
	const char *p = text;
	int ret;

	s->n = 0;
	s->cpu = NULL;
	if (ticks_per_s <= 0)
		return -EINVAL;

	while (*p) {
		const char *end = strchrnul(p, '\n');

		if (!strncmp(p, "cpu", 3) && p[3] >= '0' && p[3] <= '9') {
			ret = parse_cpu_line(p + 3, end, (uint64_t)ticks_per_s,
					     &r);
			if (ret)
				goto free_rows;
		}
		p = *end ? end + 1 : end;
	}
	s->n = r.n;
	s->cpu = r.cpu;
	return 0;

free_rows:
	free(r.cpu);
	return ret;
}

/* Return 0, -EBADMSG, -EFBIG (file above 4 MiB), -ENOMEM or -errno. */
int cpustat_read(struct cpustat *s)
{
	/*
	 * Room for the largest file at once: malloc maps it and only the
	 * pages the file fills are touched, so this is cheaper than growing
	 * and reading again.
	 */
	char *text = malloc(CPUSTAT_FILE_MAX);
	int ret;

	s->n = 0;
	s->cpu = NULL;
	if (!text)
		return -ENOMEM;
	ret = procfile_read(CPUSTAT_PATH, text, CPUSTAT_FILE_MAX, NULL);
	if (!ret)
		ret = cpustat_parse(text, sysconf(_SC_CLK_TCK), s);
	free(text);
	return ret;
}

/* d = b - a per state; a counter that went backwards gives 0. */
static void time_sub(const struct cpustat_time *a,
		     const struct cpustat_time *b, struct cpustat_time *d)
{
#define SUB_SAT(state) d->state = b->state > a->state ? \
			       b->state - a->state : 0;
	CPUSTAT_STATES(SUB_SAT)
#undef SUB_SAT
}

/* d must not be a or b: it is only an output. */
int cpustat_delta(const struct cpustat *a, const struct cpustat *b,
		  struct cpustat *d)
{
	unsigned int n = a->n > b->n ? a->n : b->n;
	unsigned int i;

	d->n = 0;
	d->cpu = NULL;
	if (!n)
		return 0;
	d->cpu = calloc(n, sizeof(*d->cpu));
	if (!d->cpu)
		return -ENOMEM;
	d->n = n;

	for (i = 0; i < a->n && i < b->n; i++) {
		const struct cpustat_cpu *ca = &a->cpu[i], *cb = &b->cpu[i];
		struct cpustat_cpu *cd = &d->cpu[i];

		if (!ca->present || !cb->present)
			continue;
		cd->present = 1;
		time_sub(&ca->time, &cb->time, &cd->time);
	}
	return 0;
}

uint64_t cpustat_time_total(const struct cpustat_time *t)
{
	uint64_t sum = 0;

#define ADD(state) sum += t->state;
	CPUSTAT_STATES(ADD)
#undef ADD
	return sum;
}

uint64_t cpustat_total(const struct cpustat_cpu *c)
{
	return cpustat_time_total(&c->time);
}

void cpustat_free(struct cpustat *s)
{
	free(s->cpu);
	s->cpu = NULL;
	s->n = 0;
}
