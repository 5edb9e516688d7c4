// SPDX-License-Identifier: MIT
/* cli_fixture - see cli_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cli_fixture.h"
#include "client/group.h"

int fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->arg = *state;
	if (kperf_new(&f->k) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int fix_teardown(void **state)
{
	struct fix *f = *state;

	kperf_free(f->k);
	free(f);
	return 0;
}

int parse_args(struct fix *f, const char *const *args, char *err,
	       size_t errlen)
{
	char *argv[MAX_ARGS + 2] = { "kperf" };
	int argc = 1;

	while (argc <= MAX_ARGS && args[argc - 1]) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(&f->c, f->k, argc, argv, err, errlen);
}

void vals_get(struct fix *f, struct vals *v)
{
	char err[256];

	if (group_opts(f->c.group, &v->grp) < 0)
		fail_msg("group options: %s", kperf_errmsg(f->k));
	if (optset_finish(&f->c.test->os, &v->test, err, sizeof(err)) < 0 ||
	    optset_finish(&f->c.src->os, &v->src, err, sizeof(err)) < 0 ||
	    optset_finish(&f->c.dst->os, &v->dst, err, sizeof(err)) < 0)
		fail_msg("options not in force: %s", err);
}

void parse_ok(struct fix *f, struct vals *v, const char *const *args)
{
	if (parse_args(f, args, f->err, sizeof(f->err)))
		fail_msg("cli_parse: %s", f->err);
	vals_get(f, v);
}
