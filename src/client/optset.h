/* SPDX-License-Identifier: MIT */
/*
 * optset - libkperf's one table of options, and the state of one object's
 * options while they are set.
 *
 * Every option of every object (host, connection set, group, test) has
 * one entry: its name, its command-line short letter, whether it takes a
 * value, the objects it applies to, and which parser module handles it
 * (opt_core.c, opt_place.c, opt_rr.c, opt_tcp.c, opt_data.c, opt_tls.c).
 * The CLI builds its getopt table from it, scenario files and the Python
 * module pass their keys through it, and each value is checked here, once.
 *
 *	struct optset os;
 *	optset_init(&os, OPT_SCOPE_GROUP);
 *	optset_set(&os, "--write-size", "64K", err, sizeof(err));
 *	optset_finish(&os, &o, err, sizeof(err));	// combinations; o filled
 *	optset_free(&os);
 *
 * Messages name the option as it was passed ("option -n: ...").
 */
#ifndef KPERF_OPTSET_H
#define KPERF_OPTSET_H

#include <stddef.h>

#include "client/opt_data.h"
#include "client/opt_place.h"
#include "client/opt_rr.h"
#include "client/opt_tcp.h"
#include "client/opt_tls.h"
#include "client/opts.h"

#define OPT_SCOPE_HOST	(1u << 0)
#define OPT_SCOPE_CONNS	(1u << 1)
#define OPT_SCOPE_GROUP	(1u << 2)
#define OPT_SCOPE_TEST	(1u << 3)

/* Limits of the options given in seconds, in milliseconds. */
#define OPT_TIME_MIN_MS			100u
#define OPT_TIME_MAX_MS			86400000u
#define OPT_TIME_DEFAULT_MS		5000u
#define OPT_INTERVAL_MIN_MS		10u
#define OPT_CONNECT_TIMEOUT_MIN_MS	100
#define OPT_CONNECT_TIMEOUT_MAX_MS	600000
#define OPT_CONNECT_TIMEOUT_DEFAULT_MS	5000
#define OPT_IO_SIZE_DEFAULT		131072u
#define OPT_HOST_DEFAULT		"localhost"

/* Option ids of opt_core.c (the modules' ids are in their headers). */
enum {
	OPT_CORE_FIRST = 1100,
	OPT_ADDRESS = OPT_CORE_FIRST,
	OPT_PORT,
	OPT_CONNECT_TIMEOUT,
	OPT_TIME,
	OPT_INTERVAL,
	OPT_NUM_CONNS,
	OPT_READ_SIZE,
	OPT_WRITE_SIZE,
	OPT_NAME,
	OPT_TYPE,
	OPT_DIRECTION,
	OPT_REVERSE,
	OPT_BIDIR,
	OPT_CORE_LAST = OPT_BIDIR,
};

struct optdef {
	const char *name;
	char short_name;	/* 0: none */
	unsigned char has_arg;
	unsigned char scopes;	/* OPT_SCOPE_* */
	int id;
	const char *help;	/* one line, for docs and Python */
};

/* The table, ending with a NULL name. */
extern const struct optdef optset_table[];

/* The entry for key ("write-size", "--write-size", "-n"), or NULL. */
const struct optdef *optset_find(const char *key);

struct optset {
	unsigned int scope;
	struct opts raw;		/* values as set, before finish */
	struct opt_place place;
	struct opt_rr rr;
	struct opt_tcp tcp;
	struct opt_data data;
	struct opt_tls tls;
	const char *interval_opt;	/* spelling, for the later check */
	const char *bidir_opt;
	char name[64];
	char **strs;			/* copies the state points into */
	unsigned int n_strs;
};

void optset_init(struct optset *os, unsigned int scope);
void optset_free(struct optset *os);

/*
 * Set one option.  value is NULL or "" for a flag (also "1", "yes",
 * "true", "on").  0, -ENOENT for an option unknown or not of this
 * object, -EINVAL for a bad value, -ENOMEM; with a message in err.
 */
int optset_set(struct optset *os, const char *key, const char *value,
	       char *err, size_t errlen);

/*
 * Check the combinations and fill *o with the values in force (defaults,
 * derived values).  Does not change os: it can be called again after
 * more options are set.  0 or -EINVAL with a message.
 */
int optset_finish(const struct optset *os, struct opts *o, char *err,
		  size_t errlen);

/* Core option parsers (opt_core.c): 0 or -EINVAL with err. */
int opt_core(struct optset *os, int id, const char *opt, const char *val,
	     char *err, size_t errlen);
/* The interval is at most the test's time. */
int opt_core_finish(const struct optset *os, struct opts *o, char *err,
		    size_t errlen);

#endif
