// SPDX-License-Identifier: MIT
/*
 * Unit tests of kperf_scenario_load() (src/client/scenario.c): a valid
 * file becomes its hosts, groups and test, looked at from the inside
 * (client/lib.h); every kind of error gives its exact "FILE:LINE: KEY: "
 * or "FILE:LINE: [SECTION]: " and leaves nothing behind in the context;
 * and every shipped scenario (SCENARIO_DIR) loads.  Nothing connects: the
 * loader makes hosts without reaching them.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/lib.h"

#ifndef SCENARIO_DIR
#error "SCENARIO_DIR must name scenarios/"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* "[global]\n" and a second line of 199 characters (before its newline). */
#define INI_LONG	(9 + 199)

static char dir[] = "/tmp/kperf-scen-XXXXXX";
static char path[256];		/* the file load() wrote last */

/* Write text to dir/name, and load it into the test's context. */
static int load(void **state, const char *name, const char *text,
		struct kperf_test **t)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	*t = (struct kperf_test *)t;	/* not NULL: the load must set it */
	return kperf_scenario_load(*state, path, t);
}

/* Each test has a context of its own (*state). */
static int new_context(void **state)
{
	return kperf_new((struct kperf **)state);
}

static int free_context(void **state)
{
	kperf_free(*state);
	return 0;
}

static int empty(struct kperf *k, enum lib_kind kind)
{
	return k->lists[kind].next == &k->lists[kind];
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char file[sizeof(dir) + sizeof(((struct dirent *)0)->d_name)];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
			unlink(file);
		}
	closedir(d);
	return rmdir(dir);
}

static const char valid[] =
	"; two streams and an RR group: the hosts may come after the groups\n"
	"[global]\n"
	"time = 2.5\n"
	"interval = 0.5\n"
	"\n"
	"[group bulk]\n"
	"    from = a          ; indented keys are keys, not continuations\n"
	"    to = b\n"
	"    num-connections = 4\n"
	"    nodelay = yes\n"
	"[group ping]\n"
	"from: c\n"
	"to = b\n"
	"type = rr\n"
	"req-size = 64\n"
	"[host a]\n"
	"address = 198.18.0.1\n"
	"[host b]\n"
	"address = 198.18.0.2\n"
	"port = 18324\n"
	"[host c]   # the third\n"
	"address = 198.18.0.3\n"
	"connect-timeout = 2\n";

static void test_valid(void **state)
{
	struct kperf_group *g0, *g1;
	struct kperf_test *t;

	if (load(state, "valid.ini", valid, &t) < 0)
		fail_msg("%s", kperf_errmsg(*state));
	assert_string_equal(kperf_errmsg(*state), "");
	assert_int_equal(t->os.raw.duration_ms, 2500);
	assert_int_equal(t->os.raw.interval_ms, 500);
	assert_int_equal(t->n_groups, 2);
	g0 = t->groups[0];
	g1 = t->groups[1];
	assert_string_equal(kperf_group_name(g0), "bulk");
	assert_string_equal(kperf_group_name(g1), "ping");
	assert_ptr_equal(g0->test, t);
	assert_int_equal(g0->os.raw.n_conns, 4);
	assert_int_equal(g1->os.raw.type, KPERF_RR);
	assert_int_equal(g1->os.raw.req_size, 64);
	assert_string_equal(g0->from->os.raw.address, "198.18.0.1");
	assert_string_equal(g0->to->os.raw.address, "198.18.0.2");
	assert_string_equal(g0->to->os.raw.port, "18324");
	assert_string_equal(g1->from->os.raw.address, "198.18.0.3");
	assert_int_equal(g1->from->os.raw.connect_timeout_ms, 2000);
	/* One host object per [host]: b is both groups' "to". */
	assert_ptr_equal(g1->to, g0->to);
	assert_int_equal(g0->to->users, 2);
	/* Made, not reached. */
	assert_int_equal(g0->from->sess.ctl.fd, -1);
	assert_null(kperf_host_name(g0->from));
	assert_int_equal(kperf_test_check(t), 0);
}

struct bad {
	const char *name;
	const char *text;
	int ret;
	const char *prefix;	/* after "DIR/NAME" */
};

#define HOSTS_AB "[host a]\naddress = x\n[host b]\naddress = y\n"

static const struct bad bads[] = {
	{ "unknown-section", "[global]\ntime = 1\n[flows]\n", -EINVAL,
	  ":3: [flows]: unknown section" },
	{ "unknown-key", HOSTS_AB "[group g]\nfrom = a\nto = b\nspeed = 9\n",
	  -EINVAL, ":8: speed: unknown option speed" },
	{ "test-key-in-group", HOSTS_AB "[group g]\ntime = 1\n", -EINVAL,
	  ":6: time: option time is not an option of a flow group" },
	{ "group-key-in-host", "[host a]\naddress = x\nnodelay = yes\n",
	  -EINVAL, ":3: nodelay: option nodelay is not an option of a host" },
	{ "host-key-in-global", "[global]\naddress = x\n", -EINVAL,
	  ":2: address: option address is not an option of a test" },
	{ "from-in-host", "[host a]\nfrom = b\n", -EINVAL,
	  ":2: from: only a [group] has from and to" },
	{ "key-before-section", "time = 1\n[global]\n", -EINVAL,
	  ":1: time: before any [section]" },
	{ "name-in-group", HOSTS_AB "[group g]\nname = other\n", -EINVAL,
	  ":6: name: a group's name is its section's" },
	{ "unknown-host", "[group g]\nfrom = a\nto = c\n" HOSTS_AB, -EINVAL,
	  ":3: to: no [host c] in the file" },
	{ "empty-from", HOSTS_AB "[group g]\nfrom =\n", -EINVAL,
	  ":6: from: needs the name of a [host]" },
	{ "dup-host", "[host a]\naddress = x\n[host a]\naddress = y\n",
	  -EINVAL, ":3: [host a]: a second [host a] (the first is on line 1)" },
	{ "dup-group", HOSTS_AB "[group g]\nfrom = a\nto = b\n"
	  "[group g]\n", -EINVAL,
	  ":8: [group g]: a second [group g] (the first is on line 5)" },
	{ "dup-global", "[global]\n[global]\n", -EINVAL,
	  ":2: [global]: a second [global]" },
	{ "global-name", "[global x]\n", -EINVAL,
	  ":1: [global x]: [global] has no NAME" },
	{ "bad-name", "[host a/b]\n", -EINVAL, ":1: [host a/b]: NAME must be" },
	{ "no-name", "[group]\n", -EINVAL, ":1: [group]: NAME must be" },
	{ "two-names", "[host a b]\n", -EINVAL, ":1: [host a b]: NAME must be" },
	{ "no-bracket", "[host a\naddress = x\n", -EINVAL,
	  ":1: a [section] line without its ']'" },
	{ "after-bracket", "[host a] x\n", -EINVAL,
	  ":1: [host a]: text after the ']'" },
	{ "bad-value", HOSTS_AB "[group g]\nfrom = a\nto = b\n"
	  "write-size = lots\n", -EINVAL,
	  ":8: write-size: \"lots\" is not a size" },
	{ "bad-host-value", "[host a]\naddress = x\nport = 0\n", -EINVAL,
	  ":3: port: \"0\" is out of range 1..65535" },
	{ "bad-flag-value", HOSTS_AB "[group g]\nnodelay = 2\n", -EINVAL,
	  ":6: nodelay: option nodelay takes no value" },
	{ "no-address", "[host a]\nport = 1\n[host b]\naddress = y\n",
	  -EINVAL, ":1: [host a]: no address" },
	{ "no-address-empty", "[host a]\n", -EINVAL, ":1: [host a]: no address" },
	{ "no-from", HOSTS_AB "\n[group g]\nto = b\n", -EINVAL,
	  ":6: [group g]: no from" },
	{ "no-to", HOSTS_AB "[group g]\nfrom = a\n[global]\n", -EINVAL,
	  ":5: [group g]: no to" },
	{ "same-ends", HOSTS_AB "[group g]\nfrom = a\nto = a\n", -EINVAL,
	  ":5: [group g]: from and to are both host a" },
	{ "clash", HOSTS_AB "[group g]\nfrom = a\nto = b\nmsg-trunc = yes\n"
	  "validate = yes\n", -EINVAL, ":5: [group g]: --validate yes" },
	{ "interval", "[global]\ntime = 1\ninterval = 2\n" HOSTS_AB
	  "[group g]\nfrom = a\nto = b\n", -EINVAL,
	  ":1: [global]: option interval: \"2\" is longer" },
	{ "no-group", "# hosts only\n" HOSTS_AB, -EINVAL,
	  ":5: no [group NAME]: a scenario runs at least one flow group" },
	{ "empty-file", "", -EINVAL, ":1: no [group NAME]" },
	{ "bare-flag", HOSTS_AB "[group g]\nfrom = a\nto = b\nnodelay\n",
	  -EINVAL, ":8: expected key = value (a flag is key = yes)" },
	/* The first error wins, whoever finds it. */
	{ "first-of-two", HOSTS_AB "[group g]\nwrite-size = x\n[nope]\n",
	  -EINVAL, ":6: write-size: " },
	{ "syntax-first", HOSTS_AB "[group g]\nbare\nspeed = 1\n", -EINVAL,
	  ":6: expected key = value" },
};

static void test_errors(void **state)
{
	struct kperf *k = *state;
	struct kperf_test *t;
	char want[512];
	unsigned int i;
	int kind;

	for (i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		char name[64];

		snprintf(name, sizeof(name), "%s.ini", b->name);
		assert_int_equal(load(state, name, b->text, &t), b->ret);
		assert_null(t);
		snprintf(want, sizeof(want), "%s%s", path, b->prefix);
		if (strncmp(kperf_errmsg(k), want, strlen(want)))
			fail_msg("%s: got \"%s\", want \"%s...\"", b->name,
				 kperf_errmsg(k), want);
		/* The loader undid all it made. */
		for (kind = 0; kind < LIB_KINDS; kind++)
			if (!empty(k, kind))
				fail_msg("%s: objects of kind %d left", b->name,
					 kind);
	}
}

static void test_open_errors(void **state)
{
	struct kperf *k = *state;
	struct kperf_test *t;
	char absent[256];

	snprintf(absent, sizeof(absent), "%s/absent.ini", dir);
	assert_int_equal(kperf_scenario_load(k, absent, &t), -ENOENT);
	assert_null(t);
	assert_true(strstr(kperf_errmsg(k), "absent.ini: No such file"));
	assert_int_equal(kperf_scenario_load(k, dir, &t), -EISDIR);
	assert_true(strstr(kperf_errmsg(k), ": Is a directory"));
}

/* inih would cut a line at INI_MAX_LINE: the loader refuses it. */
static void test_long_line(void **state)
{
	char text[INI_LONG + 64], want[300];
	struct kperf_test *t;

	memset(text, 'x', sizeof(text));
	memcpy(text, "[global]\n; ", 11);
	strcpy(text + INI_LONG, "\n");
	assert_int_equal(load(state, "long.ini", text, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: a line longer than 198 "
		 "characters", path);
	assert_string_equal(kperf_errmsg(*state), want);
	/* One character less is a comment like any other. */
	strcpy(text + INI_LONG - 1, "\n[host a]\naddress = x\n");
	assert_int_equal(load(state, "long.ini", text, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: no [group NAME]", path);
	assert_memory_equal(kperf_errmsg(*state), want, strlen(want));
}

/* A byte order mark and CRLF line ends, as a Windows editor saves. */
static void test_bom_crlf(void **state)
{
	struct kperf_test *t;

	if (load(state, "bom.ini", "\xef\xbb\xbf[host a]\r\naddress = x\r\n"
		 "[host b]\r\naddress = y\r\n\r\n[group g]\r\nfrom = a\r\n"
		 "to = b\r\n", &t) < 0)
		fail_msg("%s", kperf_errmsg(*state));
	assert_string_equal(t->groups[0]->to->os.raw.address, "y");
}

/* A load after a failed one starts clean, and the message is cleared. */
static void test_again(void **state)
{
	struct kperf_test *t;

	assert_int_equal(load(state, "again-bad.ini", "[oops]\n", &t), -EINVAL);
	assert_int_equal(load(state, "again.ini", valid, &t), 0);
	assert_string_equal(kperf_errmsg(*state), "");
	assert_int_equal(t->n_groups, 2);
}

/* Every scenario shipped in scenarios/ loads and checks. */
static void test_shipped(void **state)
{
	char file[512];
	struct kperf_test *t;
	struct dirent *de;
	struct kperf *k;
	unsigned int n = 0;
	DIR *d = opendir(SCENARIO_DIR);

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", SCENARIO_DIR,
			 de->d_name);
		assert_int_equal(kperf_new(&k), 0);
		if (kperf_scenario_load(k, file, &t) < 0)
			fail_msg("%s", kperf_errmsg(k));
		assert_true(t->n_groups >= 1);
		assert_int_equal(kperf_test_check(t), 0);
		kperf_free(k);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define CTX_TEST(f) cmocka_unit_test_setup_teardown(f, new_context, \
							   free_context)
		CTX_TEST(test_valid),
		CTX_TEST(test_errors),
		CTX_TEST(test_open_errors),
		CTX_TEST(test_long_line),
		CTX_TEST(test_bom_crlf),
		CTX_TEST(test_again),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
