/* SPDX-License-Identifier: MIT */
/*
 * cli_tls - the kernel TLS options of the kperf command line: --tls (both
 * directions), --tls-tx (what the source sends), --tls-rx (what the
 * destination sends back), --tls-ver 1.2|1.3 (default 1.3), --tls-cipher
 * aes-gcm-128|aes-gcm-256|chacha20-poly1305 (default aes-gcm-128) and
 * --tls-nopad (TLS_RX_EXPECT_NO_PAD, TLS 1.3 only).
 *
 * cli.c hands every such option to cli_tls_opt() as it meets it, then
 * calls cli_tls_finish() once, after the data-path options are known: it
 * refuses --tls-ver, --tls-cipher and --tls-nopad without a direction,
 * --tls-nopad with TLS 1.2, and TLS with the data paths that bypass it
 * (see tls_datapath_conflict() in tls.h).
 */
#ifndef KPERF_CLI_TLS_H
#define KPERF_CLI_TLS_H

#include <stddef.h>

#include <kperf/kperf.h>

enum {
	CLI_TLS_FIRST = 800,
	OPT_TLS = CLI_TLS_FIRST,
	OPT_TLS_TX,
	OPT_TLS_RX,
	OPT_TLS_VER,
	OPT_TLS_CIPHER,
	OPT_TLS_NOPAD,
	CLI_TLS_LAST = OPT_TLS_NOPAD,
};

#define CLI_TLS_LONG_OPTS \
	{ "tls", no_argument, NULL, OPT_TLS }, \
	{ "tls-tx", no_argument, NULL, OPT_TLS_TX }, \
	{ "tls-rx", no_argument, NULL, OPT_TLS_RX }, \
	{ "tls-ver", required_argument, NULL, OPT_TLS_VER }, \
	{ "tls-cipher", required_argument, NULL, OPT_TLS_CIPHER }, \
	{ "tls-nopad", no_argument, NULL, OPT_TLS_NOPAD }

#define CLI_TLS_OPT_MAX	16	/* longest option name + NUL */

struct cli_tls {
	struct kperf_tls tls;
	/* The options as given, for messages ("" when not given). */
	char on_opt[CLI_TLS_OPT_MAX];	/* the first of --tls, -tx, -rx */
	char ver_opt[CLI_TLS_OPT_MAX];
	char cipher_opt[CLI_TLS_OPT_MAX];
	char nopad_opt[CLI_TLS_OPT_MAX];
	char ver_val[8];
};

void cli_tls_init(struct cli_tls *t);

/*
 * One TLS option (OPT_TLS*); opt is its name as the user spelled it, val
 * its value (NULL when it takes none).  0 or -EINVAL with a message.
 */
int cli_tls_opt(struct cli_tls *t, int id, const char *opt, const char *val,
		char *err, size_t errlen);

/*
 * Fill o->tls; refuse what cannot run (o's data path must be set).
 * 0 or -EINVAL with a message in err.
 */
int cli_tls_finish(const struct cli_tls *t, struct kperf_opts *o, char *err,
		   size_t errlen);

/* The kernel TLS part of --help. */
extern const char cli_tls_usage[];

#endif
