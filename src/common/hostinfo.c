// SPDX-License-Identifier: MIT
/*
 * hostinfo - CPU counts, kernel release and host name; CPU list strings.
 *
 * The CPU list grammar is the kernel's (Documentation/admin-guide/cputopology
 * and cpuset's "cpus" files): items separated by ',', each "N" or "N-M"
 * with N <= M.  It is parsed strictly, because the same parser reads user
 * input (--cpus) and a silently skipped typo pins threads to wrong CPUs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/hostinfo.h"
#include "common/log.h"
#include "common/procfile.h"

#define SYSFS_CPU_POSSIBLE	"/sys/devices/system/cpu/possible"
#define SYSFS_CPU_ONLINE	"/sys/devices/system/cpu/online"
#define CPULIST_QUOTE_MAX	48	/* input shown in error messages */
#define CPULIST_FILE_MAX	16384	/* "0,2,...,4094" is about 10 KiB */

struct cpulist_parser {
	const char *s;		/* the whole input, for messages */
	const char *p;
	const char *end;	/* after the last non-blank character */
	uint64_t *set;
	unsigned int max_cpus;
	char *err;
	size_t errlen;
};

/*
 * Write "<what> at character N of "<input>"" to the caller's buffer.  N is
 * 1-based; the input is quoted with control characters made visible as '?'
 * and cut to a length that keeps the message on one line.
 */
static int __attribute__((format(printf, 4, 5)))
cpulist_error(struct cpulist_parser *cp, const char *at, int ret,
	      const char *fmt, ...)
{
	char quoted[CPULIST_QUOTE_MAX + 4];
	size_t len = (size_t)(cp->end - cp->s), i;
	va_list ap;
	int n;

	if (!cp->err || !cp->errlen)
		return ret;
	if (len > CPULIST_QUOTE_MAX)
		len = CPULIST_QUOTE_MAX;
	for (i = 0; i < len; i++)
		quoted[i] = isprint((unsigned char)cp->s[i]) ? cp->s[i] : '?';
	strcpy(quoted + len, cp->s + len < cp->end ? "..." : "");

	va_start(ap, fmt);
	n = vsnprintf(cp->err, cp->errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < cp->errlen)
		snprintf(cp->err + n, cp->errlen - (size_t)n,
			 " at character %zu of \"%s\"",
			 (size_t)(at - cp->s) + 1, quoted);
	return ret;
}

/* Parse one CPU number at cp->p into *cpu, checked against max_cpus. */
static int cpulist_number(struct cpulist_parser *cp, unsigned int *cpu)
{
	const char *start = cp->p;
	uint64_t v = 0;
	int digits;

	if (cp->p == cp->end || !isdigit((unsigned char)*cp->p))
		return cpulist_error(cp, start, -EINVAL,
				     "expected a CPU number");
	/* Saturate rather than wrap, so a huge number is still -ERANGE. */
	for (; cp->p < cp->end && isdigit((unsigned char)*cp->p); cp->p++)
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(*cp->p - '0');
	if (v >= cp->max_cpus) {
		digits = (int)(cp->p - start);
		return cpulist_error(cp, start, -ERANGE,
				     "CPU %.*s%s is above the maximum %u",
				     digits > 20 ? 20 : digits, start,
				     digits > 20 ? "..." : "",
				     cp->max_cpus - 1);
	}
	*cpu = (unsigned int)v;
	return 0;
}

/* Parse "N" or "N-M" and add it to the set. */
static int cpulist_item(struct cpulist_parser *cp)
{
	const char *start = cp->p;
	unsigned int first, last, c;
	int ret;

	ret = cpulist_number(cp, &first);
	if (ret)
		return ret;
	last = first;
	if (cp->p < cp->end && *cp->p == '-') {
		cp->p++;
		ret = cpulist_number(cp, &last);
		if (ret)
			return ret;
		if (last < first)
			return cpulist_error(cp, start, -EINVAL,
					     "range %u-%u is descending",
					     first, last);
	}
	for (c = first; c <= last; c++)
		cpuset_add(cp->set, c);
	return 0;
}

static int cpuset_count(const uint64_t *set, unsigned int max_cpus)
{
	unsigned int w, n = 0;

	for (w = 0; w < (max_cpus + 63) / 64; w++)
		n += (unsigned int)__builtin_popcountll(set[w]);
	return (int)n;
}

int cpulist_parse(const char *s, uint64_t *set, unsigned int max_cpus,
		  char *err, size_t errlen)
{
	struct cpulist_parser cp = {
		.s = s, .p = s, .end = s + strlen(s), .set = set,
		.max_cpus = max_cpus, .err = err, .errlen = errlen,
	};
	size_t words = (max_cpus + 63) / 64;
	int ret;

	memset(set, 0, words * sizeof(*set));
	if (err && errlen)
		err[0] = '\0';

	while (cp.p < cp.end && isspace((unsigned char)*cp.p))
		cp.p++;
	while (cp.end > cp.p && isspace((unsigned char)cp.end[-1]))
		cp.end--;
	if (cp.p == cp.end) {
		if (err && errlen)
			snprintf(err, errlen, "empty CPU list");
		return -EINVAL;
	}

	for (;;) {
		ret = cpulist_item(&cp);
		if (ret)
			goto clear_set;
		if (cp.p == cp.end)
			break;
		if (*cp.p != ',') {
			ret = cpulist_error(&cp, cp.p, -EINVAL,
					    "unexpected '%c'",
					    isprint((unsigned char)*cp.p) ?
					    *cp.p : '?');
			goto clear_set;
		}
		cp.p++;
	}
	return cpuset_count(set, max_cpus);

clear_set:
	memset(set, 0, words * sizeof(*set));
	return ret;
}

/* Append to out, stopping quietly when it is full.  Return 0 or -1. */
static int __attribute__((format(printf, 4, 5)))
appendf(char *out, size_t outlen, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= outlen)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, outlen - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *len) {
		*len = outlen;
		return -1;
	}
	*len += (size_t)n;
	return 0;
}

/*
 * Output too long for out is cut after the last item that fits, so a
 * truncated list never ends in a partial number.
 */
void cpulist_format(const uint64_t *set, unsigned int max_cpus, char *out,
		    size_t outlen)
{
	unsigned int c = 0, first;
	size_t len = 0, good = 0;

	if (!outlen)
		return;
	out[0] = '\0';
	for (;;) {
		while (c < max_cpus && !cpuset_has(set, c))
			c++;
		if (c >= max_cpus)
			break;
		first = c;
		while (c + 1 < max_cpus && cpuset_has(set, c + 1))
			c++;
		if (appendf(out, outlen, &len, "%s%u", good ? "," : "",
			    first) ||
		    (c > first && appendf(out, outlen, &len, "-%u", c))) {
			out[good] = '\0';
			return;
		}
		good = len;
		c++;
	}
}

/*
 * Read a sysfs CPU list into set.  Return the number of CPUs, -ENOENT when
 * the file does not exist (no sysfs: the caller falls back), or -errno.
 */
static int read_cpulist(const char *path, uint64_t *set)
{
	char buf[CPULIST_FILE_MAX], err[160];
	int ret;

	ret = procfile_read(path, buf, sizeof(buf), NULL);
	if (ret) {
		if (ret != -ENOENT)
			log_err("%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = cpulist_parse(buf, set, HOSTINFO_MAX_CPUS, err, sizeof(err));
	if (ret < 0)
		log_err("%s: %s", path, err);
	return ret;
}

static int highest_cpu(const uint64_t *set)
{
	int w;

	for (w = HOSTINFO_CPU_WORDS - 1; w >= 0; w--)
		if (set[w])
			return w * 64 + 63 - __builtin_clzll(set[w]);
	return -1;
}

/* Without sysfs, assume CPUs 0..n-1 as glibc's sysconf() does. */
static unsigned int cpus_from_sysconf(int name)
{
	long n = sysconf(name);

	if (n < 1)
		return 1;
	return n > HOSTINFO_MAX_CPUS ? HOSTINFO_MAX_CPUS : (unsigned int)n;
}

static int hostinfo_cpus(struct hostinfo *h)
{
	uint64_t possible[HOSTINFO_CPU_WORDS];
	unsigned int c;
	int ret;

	ret = read_cpulist(SYSFS_CPU_POSSIBLE, possible);
	if (ret == -ENOENT)
		h->ncpus = cpus_from_sysconf(_SC_NPROCESSORS_CONF);
	else if (ret < 0)
		return ret;
	else
		h->ncpus = (unsigned int)highest_cpu(possible) + 1;

	ret = read_cpulist(SYSFS_CPU_ONLINE, h->online);
	if (ret == -ENOENT) {
		ret = (int)cpus_from_sysconf(_SC_NPROCESSORS_ONLN);
		for (c = 0; c < (unsigned int)ret; c++)
			cpuset_add(h->online, c);
	} else if (ret < 0) {
		return ret;
	}
	h->n_online = (unsigned int)ret;

	/* Online is a subset of possible, but the fallbacks are guesses. */
	if ((unsigned int)(highest_cpu(h->online) + 1) > h->ncpus)
		h->ncpus = (unsigned int)highest_cpu(h->online) + 1;
	return 0;
}

/* Return 0 or -errno (-EINVAL/-ERANGE for a sysfs list it cannot parse). */
int hostinfo_get(struct hostinfo *h)
{
	struct utsname u;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = hostinfo_cpus(h);
	if (ret)
		return ret;
	if (uname(&u) < 0)
		return -errno;
	snprintf(h->kernel, sizeof(h->kernel), "%.64s", u.release);
	snprintf(h->hostname, sizeof(h->hostname), "%.64s", u.nodename);
	return 0;
}
