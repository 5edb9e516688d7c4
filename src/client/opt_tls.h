/* SPDX-License-Identifier: MIT */
/*
 * opt_tls - the kernel TLS options of the kperf command line: --tls (both
 * directions), --tls-tx (what the source sends), --tls-rx (what the
 * destination sends back), --tls-ver 1.2|1.3 (default 1.3), --tls-cipher
 * aes-gcm-128|aes-gcm-256|chacha20-poly1305 (default aes-gcm-128) and
 * --tls-nopad (TLS_RX_EXPECT_NO_PAD, TLS 1.3 only).
 *
 * cli.c hands every such option to opt_tls_opt() as it meets it, then
 * calls opt_tls_finish() once, after the data-path options are known: it
 * refuses --tls-ver, --tls-cipher and --tls-nopad without a direction,
 * --tls-nopad with TLS 1.2, and TLS with the data paths that bypass it
 * (see tls_datapath_conflict() in tls.h).
 */
#ifndef KPERF_OPT_TLS_H
#define KPERF_OPT_TLS_H

#include <stddef.h>

#include "client/opts.h"

enum {
	OPT_TLS_FIRST = 800,
	OPT_TLS = OPT_TLS_FIRST,
	OPT_TLS_TX,
	OPT_TLS_RX,
	OPT_TLS_VER,
	OPT_TLS_CIPHER,
	OPT_TLS_NOPAD,
	OPT_TLS_LAST = OPT_TLS_NOPAD,
};

#define OPT_TLS_LONG_OPTS \
	{ "tls", no_argument, NULL, OPT_TLS }, \
	{ "tls-tx", no_argument, NULL, OPT_TLS_TX }, \
	{ "tls-rx", no_argument, NULL, OPT_TLS_RX }, \
	{ "tls-ver", required_argument, NULL, OPT_TLS_VER }, \
	{ "tls-cipher", required_argument, NULL, OPT_TLS_CIPHER }, \
	{ "tls-nopad", no_argument, NULL, OPT_TLS_NOPAD }

#define OPT_TLS_OPT_MAX	16	/* longest option name + NUL */

struct opt_tls {
	struct kperf_tls tls;
	/* The options as given, for messages ("" when not given). */
	char on_opt[OPT_TLS_OPT_MAX];	/* the first of --tls, -tx, -rx */
	char ver_opt[OPT_TLS_OPT_MAX];
	char cipher_opt[OPT_TLS_OPT_MAX];
	char nopad_opt[OPT_TLS_OPT_MAX];
	char ver_val[8];
};

void opt_tls_init(struct opt_tls *t);

/*
 * One TLS option (OPT_TLS*); opt is its name as the user spelled it, val
 * its value (NULL when it takes none).  0 or -EINVAL with a message.
 */
int opt_tls_opt(struct opt_tls *t, int id, const char *opt, const char *val,
		char *err, size_t errlen);

/*
 * Fill o->tls; refuse what cannot run (o's data path must be set).
 * 0 or -EINVAL with a message in err.
 */
int opt_tls_finish(const struct opt_tls *t, struct opts *o, char *err,
		   size_t errlen);


#endif
