// SPDX-License-Identifier: MIT
/* cli_tls - the kernel TLS options of the kperf command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client/cli_tls.h"
#include "client/cli_val.h"
#include "client/tls.h"

const char cli_tls_usage[] =
"Kernel TLS (random keys per connection, sent over the unencrypted\n"
"control connection: for measuring, not for secrecy):\n"
"      --tls                 encrypt both directions (kTLS, TLS_TX/TLS_RX)\n"
"      --tls-tx              encrypt what the source sends\n"
"      --tls-rx              encrypt what the destination sends back\n"
"      --tls-ver VER         1.2 or 1.3 (default 1.3)\n"
"      --tls-cipher CIPHER   aes-gcm-128 (default), aes-gcm-256 or\n"
"                            chacha20-poly1305\n"
"      --tls-nopad           receivers expect no record padding\n"
"                            (TLS_RX_EXPECT_NO_PAD; TLS 1.3 only)\n"
"                            Not with --msg-trunc, --zerocopy-rx or\n"
"                            --msg-zerocopy, which bypass the records.\n";

void cli_tls_init(struct cli_tls *t)
{
	memset(t, 0, sizeof(*t));
}

static void keep(char *dst, const char *opt)
{
	snprintf(dst, CLI_TLS_OPT_MAX, "%s", opt);
}

int cli_tls_opt(struct cli_tls *t, int id, const char *opt, const char *val,
		char *err, size_t errlen)
{
	switch (id) {
	case OPT_TLS:
	case OPT_TLS_TX:
	case OPT_TLS_RX:
		t->tls.tx |= id != OPT_TLS_RX;
		t->tls.rx |= id != OPT_TLS_TX;
		if (!t->on_opt[0])
			keep(t->on_opt, opt);
		return 0;
	case OPT_TLS_VER:
		if (!strcmp(val, "1.2"))
			t->tls.version = KPERF_TLS_1_2;
		else if (!strcmp(val, "1.3"))
			t->tls.version = KPERF_TLS_1_3;
		else
			return cli_val_err(err, errlen, opt, val,
					   "is not 1.2 or 1.3");
		keep(t->ver_opt, opt);
		snprintf(t->ver_val, sizeof(t->ver_val), "%s", val);
		return 0;
	case OPT_TLS_CIPHER:
		if (!strcmp(val, "aes-gcm-128"))
			t->tls.cipher = KPERF_TLS_AES_GCM_128;
		else if (!strcmp(val, "aes-gcm-256"))
			t->tls.cipher = KPERF_TLS_AES_GCM_256;
		else if (!strcmp(val, "chacha20-poly1305"))
			t->tls.cipher = KPERF_TLS_CHACHA20_POLY1305;
		else
			return cli_val_err(err, errlen, opt, val,
					   "is not aes-gcm-128, aes-gcm-256 or "
					   "chacha20-poly1305");
		keep(t->cipher_opt, opt);
		return 0;
	case OPT_TLS_NOPAD:
		t->tls.nopad = 1;
		keep(t->nopad_opt, opt);
		return 0;
	}
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

int cli_tls_finish(const struct cli_tls *t, struct kperf_opts *o, char *err,
		   size_t errlen)
{
	const char *lone = t->ver_opt[0] ? t->ver_opt :
			   t->cipher_opt[0] ? t->cipher_opt : t->nopad_opt;
	const char *why;

	memset(&o->tls, 0, sizeof(o->tls));
	if (!t->tls.tx && !t->tls.rx) {
		if (!lone[0])
			return 0;
		snprintf(err, errlen, "option %s needs --tls, --tls-tx or "
			 "--tls-rx", lone);
		return -EINVAL;
	}
	if (t->tls.nopad && t->tls.version != KPERF_TLS_1_3) {
		snprintf(err, errlen, "option %s needs TLS 1.3, not %s %s",
			 t->nopad_opt, t->ver_opt, t->ver_val);
		return -EINVAL;
	}
	o->tls = t->tls;
	why = tls_datapath_conflict(o);
	if (why) {
		memset(&o->tls, 0, sizeof(o->tls));
		snprintf(err, errlen, "option %s: %s", t->on_opt, why);
		return -EINVAL;
	}
	return 0;
}
