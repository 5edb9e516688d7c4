// SPDX-License-Identifier: MIT
/*
 * flows - the worker CPU of every flow of a group on both ends, from the
 * pin policies and the flows' RX CPUs (place.c decides).
 */
#include <errno.h>
#include <stdlib.h>

#include "client/place.h"
#include "client/run.h"

_Static_assert(KPERF_PIN_RX_CPU == (int)PLACE_SAME_CPU &&
	       KPERF_PIN_OFFSET == (int)PLACE_OFFSET &&
	       KPERF_PIN_CROSS == (int)PLACE_CROSS &&
	       KPERF_PIN_CPU == (int)PLACE_EXPLICIT &&
	       KPERF_PIN_NONE == (int)PLACE_NONE, "pin policies differ");

static int place_side(struct run *r, struct side *s, const struct kperf_pin *pin)
{
	struct place_pin pp = { .policy = (enum place_policy)pin->policy,
				.offset = pin->offset, .cpu = pin->cpu };
	int *rx = calloc(r->n, sizeof(*rx));
	char msg[256];
	unsigned int i;
	int ret;

	/* s->worker_cpu is run_init's, one per flow. */
	if (!rx)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		rx[i] = s->conns->v[i].rx_cpu;
	ret = place_worker_cpu(&pp, rx, r->n, s->ctl->hello.online,
			       s->worker_cpu, msg, sizeof(msg));
	free(rx);
	if (ret < 0)
		return ctl_fail(s->ctl, ret, "%s", msg);
	return 0;
}

int flows_place_workers(struct run *r)
{
	int ret = place_side(r, &r->src, &r->o->pin_src);

	return ret ? ret : place_side(r, &r->dst, &r->o->pin_dst);
}
