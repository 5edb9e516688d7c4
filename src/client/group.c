// SPDX-License-Identifier: MIT
/*
 * group - flow groups: a traffic definition (its options) and where it
 * runs: between two hosts (the test opens and places the set) or over
 * the caller's connection set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/group.h"

int kperf_group_new(struct kperf *k, struct kperf_group **out)
{
	struct kperf_group *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return lib_fail(k, -ENOMEM, "out of memory");
	g->k = k;
	optset_init(&g->os, OPT_SCOPE_GROUP);
	lib_add(k, LIB_GROUP, &g->link);
	*out = g;
	return 0;
}

static int idle(struct kperf_group *g)
{
	lib_clear(g->k);
	if (g->test && g->test->running)
		return lib_fail(g->k, -EBUSY, "group %s: its test is running",
				kperf_group_name(g));
	return 0;
}

int kperf_group_set(struct kperf_group *g, const char *key, const char *value)
{
	int ret = idle(g);

	return ret ? ret : optset_set(&g->os, key, value, g->k->err,
				      LIB_ERR_LEN);
}

static void unbind(struct kperf_group *g)
{
	if (g->from)
		g->from->users--;
	if (g->to)
		g->to->users--;
	if (g->cs)
		g->cs->users--;
	g->from = g->to = NULL;
	g->cs = NULL;
}

int kperf_group_hosts(struct kperf_group *g, struct kperf_host *from,
		      struct kperf_host *to)
{
	int ret = idle(g);

	if (ret)
		return ret;
	if (!from || !to || from->k != g->k || to->k != g->k)
		return lib_fail(g->k, -EINVAL, "group %s: hosts of another "
				"context, or none", kperf_group_name(g));
	unbind(g);
	g->from = from;
	g->to = to;
	from->users++;
	to->users++;
	return 0;
}

int kperf_group_conns(struct kperf_group *g, struct kperf_conns *cs)
{
	int ret = idle(g);

	if (ret)
		return ret;
	if (!cs || cs->k != g->k)
		return lib_fail(g->k, -EINVAL, "group %s: a set of another "
				"context, or none", kperf_group_name(g));
	unbind(g);
	g->cs = cs;
	cs->users++;
	return 0;
}

int group_opts(struct kperf_group *g, struct opts *o)
{
	char msg[LIB_ERR_LEN];
	int ret;

	ret = optset_finish(&g->os, o, g->k->err, LIB_ERR_LEN);
	if (ret < 0 && g->os.name[0]) {
		/* Say which group: "group NAME: option ...". */
		snprintf(msg, sizeof(msg), "%s", g->k->err);
		snprintf(g->k->err, LIB_ERR_LEN, "group %s: %.900s", g->os.name,
			 msg);
	}
	return ret;
}

int kperf_group_check(struct kperf_group *g)
{
	struct opts o;

	lib_clear(g->k);
	return group_opts(g, &o);
}

const char *kperf_group_name(const struct kperf_group *g)
{
	if (!g)
		return NULL;
	return g->os.name[0] ? g->os.name : "(unnamed)";
}

int kperf_group_free(struct kperf_group *g)
{
	if (!g)
		return 0;
	if (g->test)
		return lib_fail(g->k, -EBUSY, "group %s is in a test",
				kperf_group_name(g));
	unbind(g);
	optset_free(&g->os);
	lib_del(&g->link);
	free(g);
	return 0;
}
