// SPDX-License-Identifier: MIT
/*
 * cli - the kperf command line.  See cli.h.
 *
 * getopt_long() reports its own errors in English on stderr with the
 * program name; we switch that off (opterr = 0, ':' in the option string)
 * so every usage error comes back through err, in one format, and main()
 * alone decides where it goes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The front end's own options, numbered past the library's. */
enum {
	OPT_FRONT = 2000,
	OPT_JSON = OPT_FRONT,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
	OPT_RR_UNDER_LOAD,
	OPT_RR_CPU,
	OPT_LIB = 3000,		/* + index of a library option */
};

static const struct option front_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "rr-under-load", required_argument, NULL, OPT_RR_UNDER_LOAD },
	{ "rr-cpu", required_argument, NULL, OPT_RR_CPU },
};
#define N_FRONT (sizeof(front_opts) / sizeof(front_opts[0]))

/* Library options the command line does not offer: a scenario's names. */
static bool hidden(const char *name)
{
	return !strcmp(name, "address") || !strcmp(name, "port") ||
	       !strcmp(name, "name") || !strcmp(name, "count");
}

struct table {
	struct option *longs;
	struct kperf_option_info *info;	/* by OPT_LIB index */
	unsigned int n_info;
	char shorts[128];
};

static int build_table(struct table *t)
{
	struct kperf_option_info in;
	unsigned int i, n = 0, k = 0;
	size_t sl;

	while (!kperf_option_info(n, &in, sizeof(in)))
		n++;
	t->info = calloc(n + 1, sizeof(*t->info));
	t->longs = calloc(n + N_FRONT + 1, sizeof(*t->longs));
	if (!t->info || !t->longs)
		return -ENOMEM;
	/* '+': stop at the first non-option; ':': a missing value is ':'. */
	snprintf(t->shorts, sizeof(t->shorts), "+:vqhV");
	for (i = 0; i < n; i++) {
		kperf_option_info(i, &t->info[i], sizeof(t->info[i]));
		if (hidden(t->info[i].name))
			continue;
		t->longs[k++] = (struct option){
			t->info[i].name,
			t->info[i].takes_value ? required_argument :
						 no_argument,
			NULL, OPT_LIB + (int)i };
		sl = strlen(t->shorts);
		if (t->info[i].short_name && sl + 3 < sizeof(t->shorts))
			snprintf(t->shorts + sl, sizeof(t->shorts) - sl,
				 "%c%s", t->info[i].short_name,
				 t->info[i].takes_value ? ":" : "");
	}
	t->n_info = n;
	for (i = 0; i < N_FRONT; i++)
		t->longs[k++] = front_opts[i];
	return 0;
}

static void free_table(struct table *t)
{
	free(t->longs);
	free(t->info);
}

static int __attribute__((format(printf, 3, 4)))
usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The library option that short letter ch stands for, or -1. */
static int short_index(const struct table *t, int ch)
{
	unsigned int i;

	for (i = 0; i < t->n_info; i++)
		if (t->info[i].short_name == ch)
			return (int)i;
	return -1;
}

/* How the user spelled option val: "--name", or "-c" for a short one. */
static void spelled(const struct table *t, char *buf, size_t len, int val,
		    bool is_long)
{
	const struct option *o;
	int ch = val;

	if (val >= OPT_LIB)
		ch = t->info[val - OPT_LIB].short_name;
	else if (val >= OPT_FRONT)
		ch = 0;
	for (o = t->longs; o->name; o++)
		if (o->val == val && (is_long || !ch)) {
			snprintf(buf, len, "--%s", o->name);
			return;
		}
	snprintf(buf, len, "-%c", ch);
}

/*
 * getopt_long() returned '?': an unknown or ambiguous long option (optopt
 * 0), a value given to a long option that takes none (optopt is its val),
 * or an unknown short option (optopt is the char).
 */
static int bad_option(const struct table *t, char **argv, char *err,
		      size_t errlen)
{
	const char *word = argv[optind - 1];
	const struct option *o;
	char name[64], cand[160] = "";
	size_t len;
	int n = 0;

	if (optopt && !strncmp(word, "--", 2)) {
		spelled(t, name, sizeof(name), optopt, true);
		return usage_err(err, errlen, "option %s takes no value",
				 name);
	}
	if (optopt)
		return usage_err(err, errlen, "unknown option -%c", optopt);

	len = strcspn(word + 2, "=");
	for (o = t->longs; o->name; o++) {
		if (strncmp(o->name, word + 2, len))
			continue;
		snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand),
			 "%s--%s", n++ ? ", " : "", o->name);
	}
	if (n > 1)
		return usage_err(err, errlen,
				 "ambiguous option %.*s (could be %s)",
				 (int)len + 2, word, cand);
	return usage_err(err, errlen, "unknown option %.*s", (int)len + 2,
			 word);
}

static int lib_err(struct kperf *k, char *err, size_t errlen, int ret)
{
	snprintf(err, errlen, "%s", kperf_errmsg(k));
	return ret == -ENOMEM ? ret : -EINVAL;
}

/* One library option, to the object it belongs to. */
static int route(struct cli *c, struct kperf *k,
		 const struct kperf_option_info *in, const char *opt,
		 const char *val, char *err, size_t errlen)
{
	const char *n = in->name;
	int ret;

	if (in->objects & KPERF_OBJ_HOST) {
		if (!strcmp(n, "connect-timeout")) {
			ret = kperf_host_set(c->src, opt, val);
			if (!ret)
				ret = kperf_host_set(c->dst, opt, val);
		} else {
			ret = kperf_host_set(strncmp(n, "dst", 3) ? c->src :
								    c->dst,
					     opt, val);
		}
	} else if (in->objects & KPERF_OBJ_TEST) {
		ret = kperf_test_set(c->test, opt, val);
		c->interval |= !strcmp(n, "interval");
	} else if (!strcmp(n, "num-connections")) {
		ret = kperf_group_set(c->group, opt, val);
		c->n_given = 1;
	} else {
		ret = kperf_group_set(c->group, opt, val);
		if (!strcmp(n, "json-histogram"))
			c->json_hist = 1;
		if (!ret && !strcmp(n, "time-stats"))
			c->time_stats = !strcmp(val, "1");
	}
	return ret < 0 ? lib_err(k, err, errlen, ret) : 0;
}

/* --rr-under-load N and --rr-cpu shared|apart|any. */
static int front_value(struct cli *c, int ch, const char *opt,
		       const char *val, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (ch == OPT_RR_CPU) {
		if (!strcmp(val, "shared"))
			c->rr_cpu = CLI_RR_CPU_SHARED;
		else if (!strcmp(val, "apart"))
			c->rr_cpu = CLI_RR_CPU_APART;
		else if (!strcmp(val, "any"))
			c->rr_cpu = CLI_RR_CPU_ANY;
		else
			return usage_err(err, errlen, "option %s: \"%.64s\" is "
					 "not shared, apart or any", opt, val);
		return 0;
	}
	v = val[0] >= '0' && val[0] <= '9' ? strtoul(val, &end, 10) : 0;
	if (!v || *end || v > CLI_RR_UNDER_LOAD_MAX)
		return usage_err(err, errlen, "option %s: \"%.64s\" is out of "
				 "range 1..%u", opt, val,
				 CLI_RR_UNDER_LOAD_MAX);
	c->rr_under_load = (unsigned int)v;
	return 0;
}

/* --rr-under-load makes the group a request/response flow of its own. */
static int load_finish(struct cli *c, struct kperf *k, char *err,
		       size_t errlen)
{
	int ret;

	if (!c->rr_under_load) {
		if (c->rr_cpu != CLI_RR_CPU_ANY)
			return usage_err(err, errlen, "option --rr-cpu needs "
					 "--rr-under-load");
		return 0;
	}
	if (c->n_given)
		return usage_err(err, errlen, "option -n/--num-connections: "
				 "--rr-under-load runs one request/response "
				 "flow beside N stream flows (N is its value)");
	ret = kperf_group_set(c->group, "type", "rr");
	return ret < 0 ? lib_err(k, err, errlen, ret) : 0;
}

static int make_objects(struct cli *c, struct kperf *k)
{
	int ret = kperf_host_new(k, &c->src);

	/* Messages name them as before: "source HOST: ...". */
	if (!ret)
		ret = kperf_host_set(c->src, "name", "source");
	if (!ret)
		ret = kperf_host_new(k, &c->dst);
	if (!ret)
		ret = kperf_host_set(c->dst, "name", "destination");
	if (!ret)
		ret = kperf_test_new(k, &c->test);
	if (!ret)
		ret = kperf_group_new(k, &c->group);
	if (!ret)
		ret = kperf_group_hosts(c->group, c->src, c->dst);
	if (!ret)
		ret = kperf_test_add(c->test, c->group);
	return ret;
}

static int parse(struct cli *c, struct kperf *k, const struct table *t,
		 int argc, char **argv, char *err, size_t errlen)
{
	int ch, longindex, ret;
	char opt[64];

	/* 0, not 1: glibc then also forgets a half-parsed "-vn" cluster. */
	optind = 0;
	opterr = 0;
	for (;;) {
		longindex = -1;
		ch = getopt_long(argc, argv, t->shorts, t->longs, &longindex);
		if (ch == -1)
			break;
		if (ch == '?')
			return bad_option(t, argv, err, errlen);
		if (ch == ':') {
			int v = short_index(t, optopt);

			spelled(t, opt, sizeof(opt),
				v >= 0 ? OPT_LIB + v : optopt,
				!strncmp(argv[optind - 1], "--", 2));
			return usage_err(err, errlen, "option %s needs a value",
					 opt);
		}
		if (ch < OPT_FRONT && short_index(t, ch) >= 0)
			ch = OPT_LIB + short_index(t, ch);
		spelled(t, opt, sizeof(opt), ch, longindex >= 0);
		switch (ch) {
		case OPT_JSON:
			c->json = 1;
			continue;
		case 'v':
			c->verbose++;
			continue;
		case 'q':
			c->quiet = 1;
			continue;
		case 'h':
			cli_usage(stdout);
			return 1;
		case 'V':
			cli_version(stdout);
			return 1;
		case OPT_RR_UNDER_LOAD:
		case OPT_RR_CPU:
			ret = front_value(c, ch, opt, optarg, err, errlen);
			if (ret)
				return ret;
			continue;
		}
		ret = route(c, k, &t->info[ch - OPT_LIB], opt, optarg, err,
			    errlen);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage_err(err, errlen, "unexpected argument \"%s\"",
				 argv[optind]);
	if (c->json_hist && !c->json)
		return usage_err(err, errlen,
				 "option --json-histogram needs --json");
	ret = load_finish(c, k, err, errlen);
	if (ret)
		return ret;
	ret = kperf_test_check(c->test);
	return ret < 0 ? lib_err(k, err, errlen, ret) : 0;
}

/* kperf run FILE [--json] [-q] [-v]...: the scenario names the rest. */
static int parse_run(struct cli *c, int argc, char **argv, char *err,
		     size_t errlen)
{
	int i;

	if (argc < 3 || argv[2][0] == '-')
		return usage_err(err, errlen, "kperf run needs a scenario file "
				 "(kperf run FILE [--json] [-q] [-v])");
	c->scenario = argv[2];
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			c->quiet = 1;
		else if (!strcmp(argv[i], "-v") ||
			 !strcmp(argv[i], "--verbose"))
			c->verbose++;
		else
			return usage_err(err, errlen, "kperf run: unexpected "
					 "argument \"%.64s\" (the scenario "
					 "file holds the options; --json, -q "
					 "and -v are the run's)", argv[i]);
	}
	return 0;
}

int cli_parse(struct cli *c, struct kperf *k, int argc, char **argv,
	      char *err, size_t errlen)
{
	struct table t = { 0 };
	int ret;

	memset(c, 0, sizeof(*c));
	if (errlen)
		err[0] = '\0';
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return parse_run(c, argc, argv, err, errlen);
	ret = make_objects(c, k);
	if (!ret)
		ret = build_table(&t);
	if (!ret)
		ret = parse(c, k, &t, argc, argv, err, errlen);
	else
		usage_err(err, errlen, "out of memory");
	free_table(&t);
	return ret;
}
