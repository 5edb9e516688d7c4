// SPDX-License-Identifier: MIT
/* context - kperf_new/kperf_free, the error text, the object lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/conns.h"
#include "common/log.h"

const char *kperf_version(void)
{
	return KPERF_LIB_VERSION;
}

void kperf_set_verbosity(int level)
{
	log_init("kperf", level <= 0 ? LOG_LVL_ERR : LOG_LVL_WARN + level - 1);
}

int kperf_new(struct kperf **out)
{
	struct kperf *k = calloc(1, sizeof(*k));
	int i;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	for (i = 0; i < LIB_KINDS; i++)
		k->lists[i].prev = k->lists[i].next = &k->lists[i];
	*out = k;
	return 0;
}

void lib_add(struct kperf *k, enum lib_kind kind, struct lib_link *l)
{
	struct lib_link *head = &k->lists[kind];

	l->next = head;
	l->prev = head->prev;
	head->prev->next = l;
	head->prev = l;
}

void lib_del(struct lib_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

int lib_fail(struct kperf *k, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->err, sizeof(k->err), fmt, ap);
	va_end(ap);
	return err;
}

void lib_clear(struct kperf *k)
{
	k->err[0] = '\0';
}

const char *kperf_errmsg(const struct kperf *k)
{
	return k ? k->err : "no context";
}

/* The first object of a kind, NULL when none is left. */
static struct lib_link *first(struct kperf *k, enum lib_kind kind)
{
	struct lib_link *head = &k->lists[kind];

	return head->next == head ? NULL : head->next;
}

/*
 * Users first: results and tests, then groups (which may own sets), then
 * sets, then hosts.  Each free unlinks its object.
 */
void kperf_free(struct kperf *k)
{
	struct lib_link *l;

	if (!k)
		return;
	while ((l = first(k, LIB_RESULT)))
		kperf_result_free((struct kperf_result *)l);
	while ((l = first(k, LIB_TEST)))
		kperf_test_free((struct kperf_test *)l);
	while ((l = first(k, LIB_GROUP))) {
		((struct kperf_group *)l)->test = NULL;
		kperf_group_free((struct kperf_group *)l);
	}
	while ((l = first(k, LIB_CONNS)))
		conns_free((struct kperf_conns *)l);
	while ((l = first(k, LIB_HOST))) {
		((struct kperf_host *)l)->users = 0;
		kperf_host_close((struct kperf_host *)l);
	}
	free(k);
}
