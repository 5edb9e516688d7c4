// SPDX-License-Identifier: MIT
/*
 * test - a test over any number of flow groups.
 *
 * kperf_test_run(): check every option; open and place the sets the
 * groups need (a group between two hosts gets a set of its own for the
 * run); set every group up (run_prepare); start every group's receiving
 * end, then every sending end, back to back; serve the frames of all
 * sessions until every sender's result is in; stop every receiver and
 * gather its result; build one report per group.  A failure once the
 * groups are being set up closes the sessions of the test, which releases
 * everything they held; one before that (checks, placement) leaves the
 * caller's sets as they were.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/group.h"
#include "client/results.h"
#include "client/run.h"
#include "common/clock.h"

#define RESULT_GRACE_MS		15000	/* beyond the test's duration */

int kperf_test_new(struct kperf *k, struct kperf_test **out)
{
	struct kperf_test *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return lib_fail(k, -ENOMEM, "out of memory");
	t->k = k;
	optset_init(&t->os, OPT_SCOPE_TEST);
	lib_add(k, LIB_TEST, &t->link);
	*out = t;
	return 0;
}

int kperf_test_set(struct kperf_test *t, const char *key, const char *value)
{
	lib_clear(t->k);
	if (t->running)
		return lib_fail(t->k, -EBUSY, "the test is running");
	return optset_set(&t->os, key, value, t->k->err, LIB_ERR_LEN);
}

int kperf_test_add(struct kperf_test *t, struct kperf_group *g)
{
	struct kperf_group **v;

	lib_clear(t->k);
	/* The run walks t->groups and their count. */
	if (t->running)
		return lib_fail(t->k, -EBUSY, "the test is running");
	if (!g || g->k != t->k)
		return lib_fail(t->k, -EINVAL, "a group of another context, "
				"or none");
	if (g->test)
		return lib_fail(t->k, -EBUSY, "group %s is in a test already",
				kperf_group_name(g));
	v = realloc(t->groups, (t->n_groups + 1) * sizeof(*v));
	if (!v)
		return lib_fail(t->k, -ENOMEM, "out of memory");
	t->groups = v;
	v[t->n_groups++] = g;
	g->test = t;
	return 0;
}

unsigned int kperf_test_n_groups(const struct kperf_test *t)
{
	return t ? t->n_groups : 0;
}

struct kperf_group *kperf_test_group(const struct kperf_test *t,
				     unsigned int i)
{
	return t && i < t->n_groups ? t->groups[i] : NULL;
}

int kperf_test_on_sample(struct kperf_test *t, kperf_sample_fn fn, void *arg)
{
	lib_clear(t->k);
	if (t->running)
		return lib_fail(t->k, -EBUSY, "the test is running");
	t->sample_fn = fn;
	t->sample_arg = arg;
	return 0;
}

void kperf_test_free(struct kperf_test *t)
{
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < t->n_groups; i++)
		t->groups[i]->test = NULL;
	free(t->groups);
	optset_free(&t->os);
	lib_del(&t->link);
	free(t);
}

/* Every group's options with the test's times, and where it runs. */
static int check_all(struct kperf_test *t, struct opts *o)
{
	struct opts to;
	unsigned int i, j;
	int ret;

	if (!t->n_groups)
		return lib_fail(t->k, -EINVAL, "a test needs a flow group");
	ret = optset_finish(&t->os, &to, t->k->err, LIB_ERR_LEN);
	for (i = 0; !ret && i < t->n_groups; i++) {
		struct kperf_group *g = t->groups[i];

		ret = group_opts(g, &o[i]);
		if (ret < 0)
			break;
		o[i].duration_ms = to.duration_ms;
		o[i].warmup_ms = to.warmup_ms;
		o[i].interval_ms = to.interval_ms;
		if (!g->cs && !g->from)
			ret = lib_fail(t->k, -EINVAL, "group %s: no hosts "
				       "and no connection set to run on",
				       kperf_group_name(g));
		for (j = 0; !ret && g->cs && j < i; j++)
			if (t->groups[j]->cs == g->cs)
				ret = lib_fail(t->k, -EINVAL, "groups %s and "
					       "%s share a connection set",
					       kperf_group_name(t->groups[j]),
					       kperf_group_name(g));
	}
	return ret;
}

int kperf_test_check(struct kperf_test *t)
{
	struct opts *o;
	int ret;

	lib_clear(t->k);
	o = calloc(t->n_groups + 1, sizeof(*o));
	if (!o)
		return lib_fail(t->k, -ENOMEM, "out of memory");
	ret = check_all(t, o);
	free(o);
	return ret;
}

int kperf_test_connect(struct kperf_test *t)
{
	unsigned int i;
	int ret = 0;

	lib_clear(t->k);
	for (i = 0; !ret && i < t->n_groups; i++) {
		struct kperf_group *g = t->groups[i];

		if (g->from)
			ret = kperf_host_connect(g->from);
		if (!ret && g->to)
			ret = kperf_host_connect(g->to);
	}
	return ret;
}

/* The set group i runs on: the caller's, or a new placed one. */
static int open_set(struct kperf_test *t, unsigned int i,
		    const struct opts *o, struct kperf_conns **out)
{
	struct kperf_group *g = t->groups[i];
	struct kperf_conns *cs;
	int ret;

	*out = g->cs;
	if (g->cs) {
		unsigned int n = kperf_conns_count(g->cs);

		if (conns_live(g->cs) < 0)
			return lib_fail(t->k, -ENOTCONN, "group %s: its "
					"connection set was closed by a "
					"failed test", kperf_group_name(g));
		if (!n)
			return lib_fail(t->k, -EINVAL, "group %s: its "
					"connection set is empty",
					kperf_group_name(g));
		/* What only opening connections can do: say it, not drop it. */
		if (o->mss)
			return lib_fail(t->k, -EINVAL, "group %s: mss is set "
					"when connections open: set it on the "
					"connection set", kperf_group_name(g));
		if (o->n_conns != 1 && o->n_conns != n)
			return lib_fail(t->k, -EINVAL, "group %s: "
					"num-connections %u, but its connection "
					"set holds %u", kperf_group_name(g),
					o->n_conns, n);
		return 0;
	}
	ret = kperf_host_connect(g->from);
	if (!ret)
		ret = kperf_host_connect(g->to);
	if (!ret)
		ret = kperf_conns_new(g->from, g->to, &cs);
	if (ret < 0)
		return ret;
	cs->mss_set = 1;
	cs->mss = o->mss;
	*out = cs;
	return conns_place(cs, o->n_conns, o, o->reverse);
}

struct poll_map {
	struct run *r;
	struct side *s;
};

/*
 * Serve frames from every session until every run's senders are done
 * (all: until every run has both results), or end_ns.  A session that dies
 * meanwhile is the error to report, whichever it is.
 */
static int wait_results(struct run *runs, unsigned int n, int all,
			uint64_t end_ns)
{
	struct pollfd *pfd = calloc(2 * n, sizeof(*pfd));
	struct poll_map *map = calloc(2 * n, sizeof(*map));
	struct proto_hdr h;
	unsigned int i, np = 0, k;
	uint64_t now;
	int ret = 0;

	if (!pfd || !map) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		map[np++] = (struct poll_map){ &runs[i], &runs[i].src };
		map[np++] = (struct poll_map){ &runs[i], &runs[i].dst };
	}
	for (;;) {
		for (i = 0; i < n; i++)
			if (!(all ? run_done(&runs[i]) :
				    run_senders_done(&runs[i])))
				break;
		if (i == n)
			break;
		now = clock_now_ns();
		if (now >= end_ns) {
			struct side *s = all && runs[i].src.have_res ?
						 &runs[i].dst : &runs[i].src;

			ret = ctl_fail(s->ctl, -ETIMEDOUT, "no test result "
				       "in time");
			break;
		}
		for (k = 0; k < np; k++)
			pfd[k] = (struct pollfd){ .fd = map[k].s->ctl->fd,
						  .events = POLLIN };
		ret = poll(pfd, np, (int)((end_ns - now) / NSEC_PER_MSEC) + 1);
		if (ret < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (k = 0, ret = 0; k < np && !ret; k++) {
			if (!pfd[k].revents)
				continue;
			ret = ctl_recv(map[k].s->ctl, &h, CALL_TIMEOUT_MS);
			if (!ret)
				ret = run_frame(map[k].r, map[k].s, &h);
		}
		if (ret < 0)
			break;
	}
out:
	free(pfd);
	free(map);
	return ret;
}

static int run_all(struct run *runs, unsigned int n, const struct opts *o)
{
	unsigned int i;
	uint64_t end;
	int ret = 0;

	for (i = 0; !ret && i < n; i++)
		ret = run_prepare(&runs[i]);
	/* Receivers first, so no byte finds its reader absent. */
	for (i = 0; !ret && i < n; i++)
		ret = run_start(&runs[i], &runs[i].dst, PROTO_ROLE_PASSIVE);
	for (i = 0; !ret && i < n; i++)
		ret = run_start(&runs[i], &runs[i].src, PROTO_ROLE_ACTIVE);
	if (ret < 0)
		return ret;
	end = clock_now_ns() + ((uint64_t)o->duration_ms + o->warmup_ms +
				RESULT_GRACE_MS) * NSEC_PER_MSEC;
	ret = wait_results(runs, n, 0, end);
	/* The senders' data is acknowledged: the receivers may stop. */
	for (i = 0; !ret && i < n; i++)
		ret = run_stop_dst(&runs[i]);
	if (!ret)
		ret = wait_results(runs, n, 1, clock_now_ns() +
				   CALL_TIMEOUT_MS * NSEC_PER_MSEC);
	return ret;
}

static int reports(struct kperf_test *t, struct run *runs,
		   struct kperf_result **out)
{
	struct kperf_result *res;
	unsigned int i;
	int ret = 0;

	ret = result_new(t->k, t->n_groups, &res);
	for (i = 0; !ret && i < t->n_groups; i++) {
		struct kperf_conns *cs = runs[i].cs;

		ret = run_report(&runs[i], cs->host[KPERF_FROM]->address,
				 cs->host[KPERF_TO]->address);
		if (ret < 0)
			break;
		res->reps[i] = runs[i].rep;
		runs[i].rep = NULL;
		snprintf(res->names[i], sizeof(res->names[i]), "%s",
			 t->groups[i]->os.name[0] ? t->groups[i]->os.name :
						    "");
		if (!res->names[i][0])
			snprintf(res->names[i], sizeof(res->names[i]),
				 "group%u", i);
	}
	if (!ret)
		ret = result_hosts(res);
	if (ret < 0) {
		if (ret == -ENOMEM)
			lib_fail(t->k, ret, "out of memory");
		kperf_result_free(res);
		return ret;
	}
	*out = res;
	return 0;
}

/* A test that failed once it started leaves its sessions in any state:
 * end them.  One that failed before (a check, an empty set, another
 * group's placement) sent nothing on the caller's sets: they stay. */
static void close_sessions(struct kperf_conns *cs)
{
	ctl_close(&cs->end[0].s->ctl);
	ctl_close(&cs->end[1].s->ctl);
	cs->end[0].conns.n = cs->end[1].conns.n = 0;
	cs->dead = 1;
	cs->end[0].s->n_workers = cs->end[1].s->n_workers = 0;
}

int kperf_test_run(struct kperf_test *t, struct kperf_result **out)
{
	unsigned int i, n_sets = 0, n_runs = 0;
	char msg[LIB_ERR_LEN];
	struct run *runs = NULL;
	struct opts *o;
	int ret, started = 0;

	*out = NULL;
	lib_clear(t->k);
	if (t->running)
		return lib_fail(t->k, -EBUSY, "the test is running");
	o = calloc(t->n_groups + 1, sizeof(*o));
	runs = calloc(t->n_groups + 1, sizeof(*runs));
	if (!o || !runs) {
		free(o);
		free(runs);
		return lib_fail(t->k, -ENOMEM, "out of memory");
	}
	ret = check_all(t, o);
	t->running = 1;
	for (i = 0; !ret && i < t->n_groups; i++) {
		ret = open_set(t, i, &o[i], &runs[i].cs);
		if (runs[i].cs) {
			runs[i].cs->busy = 1;
			n_sets = i + 1;
		}
	}
	for (i = 0; !ret && i < t->n_groups; i++) {
		ret = run_init(&runs[i], &o[i], runs[i].cs, i);
		n_runs = i + 1;
		runs[i].sample_fn = t->sample_fn;
		runs[i].sample_arg = t->sample_arg;
	}
	if (!ret) {
		started = 1;
		ret = run_all(runs, t->n_groups, &o[0]);
	}
	if (!ret)
		ret = reports(t, runs, out);
	/* Closing what failed may fail too: keep the first message. */
	if (ret < 0 && !t->k->err[0])
		lib_fail(t->k, ret, "%s", strerror(-ret));
	memcpy(msg, t->k->err, sizeof(msg));
	for (i = 0; i < n_runs; i++)
		run_free(&runs[i]);
	for (i = 0; i < n_sets; i++) {
		struct kperf_conns *cs = runs[i].cs;

		if (!cs)
			continue;
		cs->busy = 0;
		if (cs != t->groups[i]->cs)
			conns_free(cs);
		else if (ret < 0 && started)
			close_sessions(cs);
	}
	t->running = 0;
	free(runs);
	free(o);
	if (ret < 0)
		memcpy(t->k->err, msg, sizeof(msg));
	else
		lib_clear(t->k);
	return ret;
}
