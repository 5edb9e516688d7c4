// SPDX-License-Identifier: MIT
/*
 * results - what a test measured: one struct kperf_report per group, the
 * totals over groups, and the writers.  A test of one group prints what
 * kperf always printed; a test of several prints each group under a
 * heading, then the totals.  The JSON document (docs/json.md) always has
 * "groups", one full group document each, and for a test of one group
 * also that group's fields at the top, as before groups existed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/report.h"
#include "client/results.h"

int result_new(struct kperf *k, unsigned int n, struct kperf_result **out)
{
	struct kperf_result *res = calloc(1, sizeof(*res));

	*out = NULL;
	if (res) {
		res->reps = calloc(n ? n : 1, sizeof(*res->reps));
		res->names = calloc(n ? n : 1, sizeof(*res->names));
	}
	if (!res || !res->reps || !res->names) {
		if (res) {
			free(res->reps);
			free(res->names);
		}
		free(res);
		return lib_fail(k, -ENOMEM, "out of memory");
	}
	res->k = k;
	res->n = n;
	lib_add(k, LIB_RESULT, &res->link);
	*out = res;
	return 0;
}

void kperf_result_free(struct kperf_result *res)
{
	unsigned int i;

	if (!res)
		return;
	for (i = 0; i < res->n; i++)
		kperf_report_free(res->reps[i]);
	for (i = 0; i < res->n_hosts; i++) {
		free(res->hosts[i].cpu);
		free(res->hosts[i].workers);
	}
	free(res->hosts);
	free(res->reps);
	free(res->names);
	lib_del(&res->link);
	free(res);
}

/* Append what h adds to the host entry for its address. */
static int host_merge(struct kperf_host_report *all,
		      const struct kperf_host_report *h)
{
	unsigned int i, j;
	void *p;

	if (!all->address[0]) {
		*all = *h;
		all->cpu = NULL;
		all->workers = NULL;
		all->n_cpu = all->n_workers = 0;
		all->worker_cpu_s = 0;
		/* Costs per byte or transaction mix groups: not summed. */
		all->cpu_s_per_gb = all->cpu_us_per_transaction = 0;
		all->n_tls_stat = 0;
		all->tls_stat = NULL;
	}
	p = realloc(all->cpu, (all->n_cpu + h->n_cpu + 1) * sizeof(*h->cpu));
	if (!p)
		return -ENOMEM;
	all->cpu = p;
	for (i = 0; i < h->n_cpu; i++) {
		for (j = 0; j < all->n_cpu; j++)
			if (all->cpu[j].cpu == h->cpu[i].cpu)
				break;
		if (j == all->n_cpu)
			all->cpu[all->n_cpu++] = h->cpu[i];
	}
	p = realloc(all->workers, (all->n_workers + h->n_workers + 1) *
				  sizeof(*h->workers));
	if (!p)
		return -ENOMEM;
	all->workers = p;
	memcpy(all->workers + all->n_workers, h->workers,
	       h->n_workers * sizeof(*h->workers));
	all->n_workers += h->n_workers;
	all->worker_cpu_s += h->worker_cpu_s;
	return 0;
}

int result_hosts(struct kperf_result *res)
{
	unsigned int g, e, i;
	int ret;

	res->hosts = calloc(2 * res->n + 1, sizeof(*res->hosts));
	if (!res->hosts)
		return -ENOMEM;
	for (g = 0; g < res->n; g++) {
		for (e = 0; e < 2; e++) {
			const struct kperf_host_report *h = e ?
				&res->reps[g]->dst : &res->reps[g]->src;

			for (i = 0; i < res->n_hosts; i++)
				if (!strcmp(res->hosts[i].address, h->address))
					break;
			if (i == res->n_hosts)
				res->n_hosts++;
			ret = host_merge(&res->hosts[i], h);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

unsigned int kperf_result_n_hosts(const struct kperf_result *res)
{
	return res ? res->n_hosts : 0;
}

const struct kperf_host_report *kperf_result_host(
	const struct kperf_result *res, unsigned int i)
{
	return res && i < res->n_hosts ? &res->hosts[i] : NULL;
}

unsigned int kperf_result_n_groups(const struct kperf_result *res)
{
	return res ? res->n : 0;
}

const struct kperf_report *kperf_result_group(const struct kperf_result *res,
					      unsigned int i)
{
	return res && i < res->n ? res->reps[i] : NULL;
}

const char *kperf_result_group_name(const struct kperf_result *res,
				    unsigned int i)
{
	return res && i < res->n ? res->names[i] : NULL;
}

double kperf_result_total_gbps(const struct kperf_result *res)
{
	double v = 0;
	unsigned int i;

	for (i = 0; res && i < res->n; i++)
		if (res->reps[i]->type == KPERF_STREAM)
			v += res->reps[i]->total_gbps +
			     res->reps[i]->total_reverse_gbps;
	return v;
}

double kperf_result_total_tps(const struct kperf_result *res)
{
	double v = 0;
	unsigned int i;

	for (i = 0; res && i < res->n; i++)
		if (res->reps[i]->type == KPERF_RR)
			v += res->reps[i]->total_rr.tps;
	return v;
}

uint64_t kperf_result_mismatches(const struct kperf_result *res)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; res && i < res->n; i++)
		v += res->reps[i]->mismatches;
	return v;
}

const struct kperf_flow *kperf_report_flow(const struct kperf_report *r,
					   unsigned int i)
{
	return r && i < r->n_flows ? &r->flows[i] : NULL;
}

const struct kperf_sample *kperf_report_sample(const struct kperf_report *r,
					       unsigned int i)
{
	return r && i < r->n_samples ? &r->samples[i] : NULL;
}

const struct kperf_cpu *kperf_report_cpu(const struct kperf_report *r,
					 enum kperf_end end, unsigned int i)
{
	const struct kperf_host_report *h;

	if (!r || (unsigned int)end > 1)
		return NULL;
	h = end == KPERF_FROM ? &r->src : &r->dst;
	return i < h->n_cpu ? &h->cpu[i] : NULL;
}

int kperf_result_write_text(const struct kperf_result *res, FILE *f,
			    unsigned int flags)
{
	int quiet = !!(flags & KPERF_OUT_QUIET);
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < res->n; i++) {
		const struct kperf_report *r = res->reps[i];

		if (res->n > 1)
			fprintf(f, "%s== group %s: %s %s -> %s ==\n",
				i && !quiet ? "\n" : "", res->names[i],
				report_type_name(r->type), r->src.address,
				r->dst.address);
		ret = report_text(f, r, quiet);
		if (!ret && (flags & KPERF_OUT_HIST))
			ret = report_hist_text(f, r);
	}
	for (i = 0; !ret && !quiet && res->n > 1 && i < res->n_hosts; i++)
		fprintf(f, "%shost %s (%s): %u kperf workers, %.2f CPU s\n",
			i ? "" : "\n", res->hosts[i].address,
			res->hosts[i].hostname, res->hosts[i].n_workers,
			res->hosts[i].worker_cpu_s);
	if (!ret && res->n > 1)
		fprintf(f, "%sall groups: %.2f Gbit/s stream, %.0f tps "
			"request/response\n", quiet ? "" : "\n",
			kperf_result_total_gbps(res),
			kperf_result_total_tps(res));
	return ret ? ret : ferror(f) ? -EIO : 0;
}

static cJSON *build(const struct kperf_result *res, unsigned int flags)
{
	int hist = !!(flags & KPERF_OUT_HIST);
	cJSON *root, *groups, *g, *t;
	unsigned int i;

	root = res->n == 1 ? report_json_build(res->reps[0], hist) :
			     cJSON_CreateObject();
	if (!root)
		return NULL;
	if (res->n != 1 &&
	    (!cJSON_AddNumberToObject(root, "schema", KPERF_JSON_SCHEMA) ||
	     !cJSON_AddStringToObject(root, "kperf_version", KPERF_VERSION)))
		goto err;
	groups = cJSON_AddArrayToObject(root, "groups");
	if (!groups)
		goto err;
	for (i = 0; i < res->n; i++) {
		g = report_json_build(res->reps[i], hist);
		if (!g || !cJSON_AddItemToArray(groups, g)) {
			cJSON_Delete(g);
			goto err;
		}
		cJSON_DeleteItemFromObject(g, "schema");
		cJSON_DeleteItemFromObject(g, "kperf_version");
		if (!cJSON_AddStringToObject(g, "name", res->names[i]))
			goto err;
	}
	t = cJSON_AddArrayToObject(root, "all_hosts");
	for (i = 0; t && i < res->n_hosts; i++) {
		g = report_json_host(&res->hosts[i]);
		if (!g || !cJSON_AddItemToArray(t, g)) {
			cJSON_Delete(g);
			goto err;
		}
	}
	if (!t)
		goto err;
	t = cJSON_AddObjectToObject(root, "all_groups");
	if (!t ||
	    !cJSON_AddNumberToObject(t, "throughput_gbps",
				     kperf_result_total_gbps(res)) ||
	    !cJSON_AddNumberToObject(t, "tps", kperf_result_total_tps(res)) ||
	    !cJSON_AddNumberToObject(t, "mismatches",
				     (double)kperf_result_mismatches(res)))
		goto err;
	return root;
err:
	cJSON_Delete(root);
	return NULL;
}

int kperf_result_json(const struct kperf_result *res, unsigned int flags,
		      char **out)
{
	cJSON *root = build(res, flags);
	char *text, *copy;

	*out = NULL;
	if (!root)
		return -ENOMEM;
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	/* The caller frees with free(), whatever cJSON's allocator is. */
	copy = strdup(text);
	cJSON_free(text);
	if (!copy)
		return -ENOMEM;
	*out = copy;
	return 0;
}

int kperf_result_write_json(const struct kperf_result *res, FILE *f,
			    unsigned int flags)
{
	return report_json_print(f, build(res, flags));
}

int kperf_sample_write(FILE *f, double t_s, unsigned int n_flows,
		       const double *gbps)
{
	return report_sample(f, t_s, n_flows, gbps);
}
