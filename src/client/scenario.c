// SPDX-License-Identifier: MIT
/*
 * scenario - kperf_scenario_load(): an INI file of hosts, flow groups and
 * test options made into the library's objects, in the spirit of fio's
 * job files (docs/scenarios.md has the format).
 *
 * The INI syntax is inih's (Debian's libinih): a maintained parser that
 * knows its line numbers, rather than one more hand-written one.  Debian
 * builds it with inih's defaults, and those shape this file:
 *  - the handler is told neither its line (no INI_HANDLER_LINENO) nor
 *    that a section starts (no INI_CALL_HANDLER_ON_NEW_SECTION), so inih
 *    reads through read_line(), which counts the lines and takes the
 *    "[section]" lines itself (an empty section must be seen too);
 *  - an indented line would continue the previous value
 *    (INI_ALLOW_MULTILINE), which turns an indented "to = B" into part of
 *    "from": read_line() drops leading blanks, so every line stands alone;
 *  - a key needs "= value" (no INI_ALLOW_NO_VALUE): flags are "= yes";
 *  - inih cuts lines at INI_MAX_LINE bytes: read_line() refuses them;
 *  - inih goes on after an error (no INI_STOP_ON_FIRST_ERROR): read_line()
 *    ends the input at our first error, and ini_parse_stream()'s answer,
 *    the first line it found wrong, says whose error came first.
 * Every message is "FILE:LINE: KEY: what" or "FILE:LINE: [SECTION]: what".
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib.h"

#define NAME_MAX_LEN	63	/* a group's "name" option holds 63 */
#define BLANKS		" \t\r\n\f\v"

enum sect { SECT_NONE, SECT_GLOBAL, SECT_HOST, SECT_GROUP };

/* What a [host NAME] and a [group NAME] have alike, first in each. */
struct scen_sect {
	char name[NAME_MAX_LEN + 1];
	int line;			/* of its [...] */
};

struct scen_host {
	struct scen_sect sect;
	int has_address;
	struct kperf_host *h;
};

struct scen_group {
	struct scen_sect sect;
	char end[2][NAME_MAX_LEN + 1];	/* KPERF_FROM, KPERF_TO: host names */
	int end_line[2];
	struct kperf_group *g;
};

struct scen {
	struct kperf *k;
	const char *path;
	FILE *f;
	int line;			/* lines read: the one being parsed */
	int err, err_line;		/* the first error; 0: none yet */
	int read_errno;
	enum sect sect;			/* the section being read */
	int global_line;		/* of [global]; 0: none */
	struct scen_host *hosts;
	unsigned int n_hosts;
	struct scen_group *groups;
	unsigned int n_groups;
	struct kperf_test *t;
};

static const char *const end_key[2] = { "from", "to" };

/*
 * Keep the first error as "FILE:LINE: WHERE: what" (WHERE NULL: none).
 * Returns 0, inih's "this line is wrong".
 */
static int __attribute__((format(printf, 5, 6)))
fail(struct scen *s, int err, int line, const char *where, const char *fmt,
     ...)
{
	char what[LIB_ERR_LEN];
	va_list ap;

	if (s->err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	s->err = err;
	s->err_line = line;
	if (where)
		lib_fail(s->k, err, "%s:%d: %s: %s", s->path, line, where, what);
	else
		lib_fail(s->k, err, "%s:%d: %s", s->path, line, what);
	return 0;
}

/*
 * A library call failed: its message is the "what", less the
 * "option KEY: " or "group NAME: " it starts with (WHERE says that).
 */
static int lib_err(struct scen *s, int ret, int line, const char *where,
		   const char *own_prefix)
{
	const char *what = s->k->err;
	char msg[LIB_ERR_LEN];
	size_t n = strlen(own_prefix);

	if (!strncmp(what, own_prefix, n))
		what += n;
	snprintf(msg, sizeof(msg), "%s", what);
	return fail(s, ret == -ENOMEM ? -ENOMEM : -EINVAL, line, where, "%s",
		    msg);
}

static int key_err(struct scen *s, int ret, const char *key)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "option %s: ", key);
	return lib_err(s, ret, s->line, key, prefix);
}

static void label(char *buf, size_t len, const char *kind, const char *name)
{
	snprintf(buf, len, "[%s %s]", kind, name);
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);

	return n && n <= NAME_MAX_LEN &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* The one of n hosts or groups (each size bytes) called name, or NULL. */
static void *find(void *v, unsigned int n, size_t size, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct scen_sect *sect = (void *)((char *)v + i * size);

		if (!strcmp(sect->name, name))
			return sect;
	}
	return NULL;
}

/* One more zeroed element at the end of *v; NULL when out of memory. */
static void *grow(void *v, unsigned int *n, size_t size)
{
	char *nv = realloc(*(void **)v, (*n + 1) * size);

	if (!nv)
		return NULL;
	*(void **)v = nv;
	memset(nv + *n * size, 0, size);
	return nv + (*n)++ * size;
}

/* What only the whole section can say: checked when the next begins. */
static void close_section(struct scen *s)
{
	struct scen_host *h = s->n_hosts ? &s->hosts[s->n_hosts - 1] : NULL;
	struct scen_group *g = s->n_groups ? &s->groups[s->n_groups - 1] :
					     NULL;
	char where[96], prefix[96];
	int i, ret;

	if (s->sect == SECT_HOST && !h->has_address) {
		label(where, sizeof(where), "host", h->sect.name);
		fail(s, -EINVAL, h->sect.line, where, "no address (address = a "
		     "host name or an IP address)");
	}
	if (s->sect != SECT_GROUP)
		return;
	label(where, sizeof(where), "group", g->sect.name);
	for (i = KPERF_FROM; i <= KPERF_TO; i++)
		if (!g->end[i][0])
			fail(s, -EINVAL, g->sect.line, where, "no %s (%s = the "
			     "name of a [host])", end_key[i], end_key[i]);
	if (!s->err && !strcmp(g->end[KPERF_FROM], g->end[KPERF_TO]))
		fail(s, -EINVAL, g->sect.line, where, "from and to are both host "
		     "%s", g->end[KPERF_FROM]);
	/* Options that clash, while the section is still at hand. */
	ret = s->err ? 0 : kperf_group_check(g->g);
	if (ret < 0) {
		snprintf(prefix, sizeof(prefix), "group %s: ", g->sect.name);
		lib_err(s, ret, g->sect.line, where, prefix);
	}
}

/*
 * A new [host NAME] or [group NAME] at the end of *v (n of them, each
 * size bytes), unless there is one already.  NULL after a failure.
 */
static void *add(struct scen *s, void *v, unsigned int *n, size_t size,
		 const char *where, const char *kind, const char *name)
{
	struct scen_sect *sect = find(*(void **)v, *n, size, name);

	if (sect) {
		fail(s, -EINVAL, s->line, where, "a second [%s %s] (the first "
		     "is on line %d)", kind, name, sect->line);
		return NULL;
	}
	sect = grow(v, n, size);
	if (!sect) {
		fail(s, -ENOMEM, s->line, where, "out of memory");
		return NULL;
	}
	snprintf(sect->name, sizeof(sect->name), "%s", name);
	sect->line = s->line;
	return sect;
}

/* Begin a [host NAME] or [group NAME] and its object. */
static void open_named(struct scen *s, const char *where, const char *kind,
		       const char *name)
{
	struct scen_host *h;
	struct scen_group *g;
	int ret = 0;

	if (!strcmp(kind, "host")) {
		s->sect = SECT_HOST;
		h = add(s, &s->hosts, &s->n_hosts, sizeof(*h), where, kind,
			name);
		if (h)
			ret = kperf_host_new(s->k, &h->h);
	} else {
		s->sect = SECT_GROUP;
		g = add(s, &s->groups, &s->n_groups, sizeof(*g), where, kind,
			name);
		if (g)
			ret = kperf_group_new(s->k, &g->g);
		if (g && !ret)
			ret = kperf_group_set(g->g, "name", name);
	}
	if (ret < 0)
		lib_err(s, ret, s->line, where, "option name: ");
}

/*
 * "[global]", "[host NAME]" or "[group NAME]", maybe a comment after:
 * end the section before, begin this one.  line has no leading blanks.
 */
static void section(struct scen *s, const char *line)
{
	const char *close = strchr(line, ']'), *rest;
	char in[INI_MAX_LINE], where[INI_MAX_LINE + 2], *kind, *name, *tail;
	size_t n;
	int extra;

	if (!close) {
		fail(s, -EINVAL, s->line, NULL, "a [section] line without "
		     "its ']'");
		return;
	}
	snprintf(in, sizeof(in), "%.*s", (int)(close - line - 1), line + 1);
	snprintf(where, sizeof(where), "[%s]", in);
	rest = close + 1 + strspn(close + 1, BLANKS);
	if (*rest && *rest != ';' && *rest != '#') {
		fail(s, -EINVAL, s->line, where, "text after the ']'");
		return;
	}
	/* "kind", or "kind name", blanks around each. */
	kind = in + strspn(in, BLANKS);
	n = strcspn(kind, BLANKS);
	name = kind + n + strspn(kind + n, BLANKS);
	tail = name + strcspn(name, BLANKS);
	extra = tail[strspn(tail, BLANKS)] != '\0';
	kind[n] = '\0';
	*tail = '\0';

	close_section(s);
	if (s->err)
		return;
	if (!strcmp(kind, "global") && (*name || s->global_line)) {
		if (*name)
			fail(s, -EINVAL, s->line, where, "[global] has no "
			     "NAME");
		else
			fail(s, -EINVAL, s->line, where, "a second [global] "
			     "(the first is on line %d)", s->global_line);
	} else if (!strcmp(kind, "global")) {
		s->global_line = s->line;
		s->sect = SECT_GLOBAL;
	} else if (strcmp(kind, "host") && strcmp(kind, "group")) {
		fail(s, -EINVAL, s->line, where, "unknown section (the "
		     "sections are [global], [host NAME] and [group NAME])");
	} else if (extra || !valid_name(name)) {
		fail(s, -EINVAL, s->line, where, "NAME must be 1..%d of "
		     "A-Z a-z 0-9 _ . -", NAME_MAX_LEN);
	} else {
		open_named(s, where, kind, name);
	}
}

/*
 * inih's reader: fgets() that counts lines, drops leading blanks (see the
 * top of the file), refuses lines inih would cut, takes "[...]" lines,
 * and ends the input at the first error.
 */
static char *read_line(char *buf, int size, void *arg)
{
	struct scen *s = arg;
	size_t len, skip = 0;

	if (s->err)
		return NULL;
	if (!fgets(buf, size, s->f)) {
		if (ferror(s->f))
			s->read_errno = errno ? errno : EIO;
		return NULL;
	}
	s->line++;
	len = strlen(buf);
	if (len && buf[len - 1] != '\n' && !feof(s->f)) {
		fail(s, -EINVAL, s->line, NULL, "a line longer than %d "
		     "characters", size - 2);
		return NULL;
	}
	if (s->line == 1 && len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		skip = 3;	/* a UTF-8 byte order mark */
	skip += strspn(buf + skip, BLANKS);
	memmove(buf, buf + skip, len - skip + 1);
	if (buf[0] == '[')
		section(s, buf);
	return s->err ? NULL : buf;
}

static int is_address(const char *key)
{
	const struct optdef *d = optset_find(key);

	return d && d->id == OPT_ADDRESS;
}

/* inih's handler: one "key = value" of the current section. */
static int on_key(void *arg, const char *section, const char *key,
		  const char *value)
{
	struct scen *s = arg;
	struct scen_group *g;
	int ret = 0, end;

	end = !strcmp(key, "from") ? KPERF_FROM :
	      !strcmp(key, "to")   ? KPERF_TO : -1;
	if (s->sect == SECT_NONE)
		return fail(s, -EINVAL, s->line, key, "before any [section]");
	if (end >= 0 && s->sect != SECT_GROUP)
		return fail(s, -EINVAL, s->line, key, "only a [group] has "
			    "from and to");
	switch (s->sect) {
	case SECT_GLOBAL:
		ret = kperf_test_set(s->t, key, value);
		break;
	case SECT_HOST:
		ret = kperf_host_set(s->hosts[s->n_hosts - 1].h, key, value);
		if (!ret && is_address(key))
			s->hosts[s->n_hosts - 1].has_address = 1;
		break;
	default:
		g = &s->groups[s->n_groups - 1];
		if (!strcmp(key, "name"))
			return fail(s, -EINVAL, s->line, key, "a group's name "
				    "is its section's: [group NAME]");
		if (end < 0) {
			ret = kperf_group_set(g->g, key, value);
			break;
		}
		if (!value[0])
			return fail(s, -EINVAL, s->line, key, "needs the name "
				    "of a [host]");
		snprintf(g->end[end], sizeof(g->end[end]), "%s", value);
		g->end_line[end] = s->line;
	}
	return ret < 0 ? key_err(s, ret, key) : 1;
}

/* After the last line: its section's checks, then hosts, groups, test. */
static void finish(struct scen *s)
{
	struct kperf_host *h[2];
	unsigned int i;
	int e, ret = 0;

	close_section(s);
	if (!s->err && !s->n_groups)
		fail(s, -EINVAL, s->line ? s->line : 1, NULL, "no [group NAME]:"
		     " a scenario runs at least one flow group");
	for (i = 0; !s->err && i < s->n_groups; i++) {
		struct scen_group *g = &s->groups[i];

		for (e = KPERF_FROM; !s->err && e <= KPERF_TO; e++) {
			struct scen_host *sh = find(s->hosts, s->n_hosts,
						    sizeof(*sh), g->end[e]);

			if (!sh)
				fail(s, -EINVAL, g->end_line[e], end_key[e],
				     "no [host %s] in the file", g->end[e]);
			else
				h[e] = sh->h;
		}
		if (!s->err)
			ret = kperf_group_hosts(g->g, h[KPERF_FROM],
						h[KPERF_TO]);
		if (!s->err && !ret)
			ret = kperf_test_add(s->t, g->g);
		if (ret < 0)
			lib_err(s, ret, g->sect.line, NULL, "");
	}
	/* The test's own options together ("interval" within "time"). */
	ret = s->err ? 0 : kperf_test_check(s->t);
	if (ret < 0)
		lib_err(s, ret, s->global_line ? s->global_line : 1,
			"[global]", "");
}

/* A failed load leaves nothing behind: the test, the groups, the hosts. */
static void undo(struct scen *s)
{
	unsigned int i;

	kperf_test_free(s->t);
	for (i = 0; i < s->n_groups; i++)
		kperf_group_free(s->groups[i].g);
	for (i = 0; i < s->n_hosts; i++)
		kperf_host_close(s->hosts[i].h);
}

int kperf_scenario_load(struct kperf *k, const char *path,
			struct kperf_test **out)
{
	struct scen s = { .k = k, .path = path };
	int ret;

	*out = NULL;
	lib_clear(k);
	s.f = fopen(path, "re");
	if (!s.f) {
		ret = -errno;
		return lib_fail(k, ret, "%s: %s", path, strerror(-ret));
	}
	ret = kperf_test_new(k, &s.t);
	if (ret < 0) {
		fclose(s.f);
		return ret;
	}
	ret = ini_parse_stream(read_line, &s, on_key, &s);
	if (ret < 0)	/* inih's own allocation failed */
		fail(&s, -ENOMEM, s.line, NULL, "out of memory");
	else if (s.read_errno)
		s.err = lib_fail(k, -s.read_errno, "%s: %s", path,
				 strerror(s.read_errno));
	else if (ret > 0 && (!s.err || ret < s.err_line))
		s.err = lib_fail(k, -EINVAL, "%s:%d: expected key = value (a "
				 "flag is key = yes)", path, ret);
	else if (!s.err)
		finish(&s);
	fclose(s.f);
	if (s.err)
		undo(&s);
	else
		*out = s.t;
	free(s.hosts);
	free(s.groups);
	return s.err;
}
