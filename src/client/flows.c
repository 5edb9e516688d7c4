// SPDX-License-Identifier: MIT
/*
 * flows - the worker CPU of every flow of a group on both ends, from the
 * pin policies and the flows' RX CPUs (place.c decides).
 */
#include <errno.h>
#include <stdlib.h>

#include "client/place.h"
#include "client/run.h"
#include "common/hostinfo.h"

static int place_side(struct run *r, struct side *s,
		      const struct kperf_pin *pin, int end)
{
	const struct opts *o = r->o;
	int *rx = calloc(r->n, sizeof(*rx));
	char msg[256];
	unsigned int i;
	int ret;

	/* s->worker_cpu is run_init's, one per flow. */
	if (!rx)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		rx[i] = s->conns->v[i].rx_cpu;
	ret = place_worker_cpu(pin, rx, r->n, s->ctl->hello.online,
			       s->worker_cpu, msg, sizeof(msg));
	free(rx);
	if (ret < 0)
		return ctl_fail(s->ctl, ret, "%s", msg);
	/* An explicit CPU per flow: the list, repeated over the flows. */
	if (o->n_wrk_cpus[end] < 2)
		return 0;
	for (i = 0; i < o->n_wrk_cpus[end]; i++)
		if (!cpuset_has(s->ctl->hello.online, o->wrk_cpus[end][i]))
			return ctl_fail(s->ctl, -EINVAL, "CPU %d is not "
					"online", o->wrk_cpus[end][i]);
	for (i = 0; i < r->n; i++)
		s->worker_cpu[i] = o->wrk_cpus[end][i % o->n_wrk_cpus[end]];
	return 0;
}

int flows_place_workers(struct run *r)
{
	int ret = place_side(r, &r->src, &r->o->pin_src, 0);

	return ret ? ret : place_side(r, &r->dst, &r->o->pin_dst, 1);
}
