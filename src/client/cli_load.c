// SPDX-License-Identifier: MIT
/*
 * cli_load - kperf --rr-under-load N: latency under load, like flent's
 * RRUL, on libkperf's public API.
 *
 * One request/response flow runs alone, then beside N stream flows
 * between the same two hosts; the report puts its percentiles idle and
 * loaded side by side with the streams' Gbit/s.  Each kind of traffic has
 * its own connection set, placed once and used by both runs, so the RR
 * flow keeps its RX CPUs: what the load changes is the load alone.  What
 * no peer can say: whether the RR flow shares an RX CPU with a stream
 * flow on either end, and --rr-cpu shared|apart re-opens the RR
 * connection until it does (on both ends) or does not (on either).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define REOPEN_MAX	500

/* Does the RR connection's RX CPU on end e equal a stream flow's? */
static int shares(struct kperf_conns *rr, struct kperf_conns *st,
		  enum kperf_end e)
{
	unsigned int i, n = kperf_conns_count(st);
	int cpu = kperf_conns_rx_cpu(rr, 0, e);

	for (i = 0; cpu >= 0 && i < n; i++)
		if (kperf_conns_rx_cpu(st, i, e) == cpu)
			return 1;
	return 0;
}

static int want_met(const struct cli *c, struct kperf_conns *rr,
		    struct kperf_conns *st)
{
	int s = shares(rr, st, KPERF_FROM), d = shares(rr, st, KPERF_TO);

	if (c->rr_cpu == CLI_RR_CPU_SHARED)
		return s && d;
	if (c->rr_cpu == CLI_RR_CPU_APART)
		return !s && !d;
	return 1;
}

static const char *want_name(int v)
{
	return v == CLI_RR_CPU_SHARED ? "shared" :
	       v == CLI_RR_CPU_APART ? "apart" : "any";
}

/* The two sets, the RR one re-opened until --rr-cpu holds. */
static int open_sets(struct kperf *k, const struct cli *c,
		     struct kperf_conns **rr, struct kperf_conns **st)
{
	unsigned int n_online, i;
	int ret;

	ret = kperf_conns_new(c->src, c->dst, st);
	if (!ret)
		ret = kperf_conns_new(c->src, c->dst, rr);
	n_online = kperf_host_n_online(c->src) < kperf_host_n_online(c->dst) ?
			   kperf_host_n_online(c->src) :
			   kperf_host_n_online(c->dst);
	/* More streams than CPUs cannot have RX CPUs of their own. */
	if (!ret && c->rr_under_load > n_online)
		ret = kperf_conns_set(*st, "allow-shared-cpus", NULL);
	if (!ret)
		ret = kperf_conns_place(*st, c->rr_under_load);
	if (!ret)
		ret = kperf_conns_add(*rr, 1);
	for (i = 0; !ret && !want_met(c, *rr, *st); i++) {
		if (i == REOPEN_MAX) {
			fprintf(stderr, "kperf: --rr-cpu %s: no RX CPU of the "
				"request/response connection met it after %u "
				"connections; the stream flows' RX CPUs may "
				"cover every CPU (try fewer streams) or none "
				"(try more)\n", want_name(c->rr_cpu), i);
			return -EADDRNOTAVAIL;
		}
		ret = kperf_conns_reopen(*rr, 0);
	}
	if (ret < 0)
		fprintf(stderr, "kperf: %s\n", kperf_errmsg(k));
	return ret;
}

static void lat_row(FILE *f, const char *name, double idle, double loaded)
{
	fprintf(f, "  %-16s %12.1f %12.1f\n", name, idle, loaded);
}

static void print_text(FILE *f, const struct cli *c, struct kperf_conns *rr,
		       struct kperf_conns *st, const struct kperf_report *idle,
		       const struct kperf_report *loaded,
		       const struct kperf_report *streams)
{
	const struct kperf_latency *a = &idle->total_rr.latency_us;
	const struct kperf_latency *b = &loaded->total_rr.latency_us;
	unsigned int i;

	fprintf(f, "request/response under load: 1 flow alone, then beside "
		"%u stream flow%s, %.2f s each\n", c->rr_under_load,
		c->rr_under_load == 1 ? "" : "s", idle->duration_s);
	fprintf(f, "RR flow RX CPU: src %d, dst %d; stream flows' RX CPUs: "
		"src", kperf_conns_rx_cpu(rr, 0, KPERF_FROM),
		kperf_conns_rx_cpu(rr, 0, KPERF_TO));
	for (i = 0; i < kperf_conns_count(st); i++)
		fprintf(f, "%s%d", i ? "," : " ",
			kperf_conns_rx_cpu(st, i, KPERF_FROM));
	fprintf(f, ", dst");
	for (i = 0; i < kperf_conns_count(st); i++)
		fprintf(f, "%s%d", i ? "," : " ",
			kperf_conns_rx_cpu(st, i, KPERF_TO));
	fprintf(f, "\nRX CPU shared with a stream flow: src %s, dst %s "
		"(--rr-cpu %s)\n\n",
		shares(rr, st, KPERF_FROM) ? "yes" : "no",
		shares(rr, st, KPERF_TO) ? "yes" : "no", want_name(c->rr_cpu));
	fprintf(f, "  %-16s %12s %12s\n", "", "idle", "loaded");
	lat_row(f, "transactions/s", idle->total_rr.tps, loaded->total_rr.tps);
	if (idle->total_rr.have_latency && loaded->total_rr.have_latency) {
		lat_row(f, "latency us p50", a->p50, b->p50);
		lat_row(f, "           p90", a->p90, b->p90);
		lat_row(f, "           p99", a->p99, b->p99);
		lat_row(f, "           p99.9", a->p999, b->p999);
		lat_row(f, "           max", a->max, b->max);
	}
	fprintf(f, "  %-16s %12s %12.2f\n", "streams Gbit/s", "-",
		streams->total_gbps);
}

static int print_json(FILE *f, const struct cli *c, struct kperf_conns *rr,
		      struct kperf_conns *st, const struct kperf_result *idle,
		      const struct kperf_result *loaded, unsigned int flags)
{
	char *a = NULL, *b = NULL;
	int ret = kperf_result_json(idle, flags, &a);

	if (!ret)
		ret = kperf_result_json(loaded, flags, &b);
	if (!ret)
		fprintf(f, "{\n\"schema\": %d,\n\"kperf_version\": \"%s\",\n"
			"\"rr_under_load\": {\"n_streams\": %u, \"rr_cpu\": "
			"\"%s\", \"shared\": {\"src\": %s, \"dst\": %s},\n"
			"\"idle\": %s,\n\"loaded\": %s}\n}\n",
			KPERF_JSON_SCHEMA, KPERF_VERSION, c->rr_under_load,
			want_name(c->rr_cpu),
			shares(rr, st, KPERF_FROM) ? "true" : "false",
			shares(rr, st, KPERF_TO) ? "true" : "false", a, b);
	free(a);
	free(b);
	return ret;
}

int cli_rr_under_load(struct kperf *k, struct cli *c, unsigned int flags)
{
	struct kperf_result *idle = NULL, *loaded = NULL;
	struct kperf_conns *rr = NULL, *st = NULL;
	struct kperf_group *sg = NULL;
	int ret;

	ret = kperf_host_connect(c->src);
	if (!ret)
		ret = kperf_host_connect(c->dst);
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n", kperf_errmsg(k));
		return ret;
	}
	ret = open_sets(k, c, &rr, &st);
	if (ret < 0)
		return ret;
	/* The command line's group becomes the RR flow, over its own set. */
	ret = kperf_group_conns(c->group, rr);
	if (!ret)
		ret = kperf_test_run(c->test, &idle);
	if (!ret)
		ret = kperf_group_new(k, &sg);
	if (!ret)
		ret = kperf_group_set(sg, "name", "streams");
	if (!ret)
		ret = kperf_group_conns(sg, st);
	if (!ret)
		ret = kperf_test_add(c->test, sg);
	if (!ret)
		ret = kperf_test_run(c->test, &loaded);
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n", kperf_errmsg(k));
		return ret;
	}
	if (c->json)
		ret = print_json(stdout, c, rr, st, idle, loaded, flags);
	else
		print_text(stdout, c, rr, st, kperf_result_group(idle, 0),
			   kperf_result_group(loaded, 0),
			   kperf_result_group(loaded, 1));
	if (!ret && (ferror(stdout) || fflush(stdout)))
		ret = -EIO;
	if (ret < 0)
		fprintf(stderr, "kperf: cannot write the report: %s\n",
			strerror(-ret));
	return ret;
}
