// SPDX-License-Identifier: MIT
/* opt_tls - the kernel TLS options of the kperf command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client/opt_tls.h"
#include "client/opt_val.h"
#include "client/tls.h"

void opt_tls_init(struct opt_tls *t)
{
	memset(t, 0, sizeof(*t));
}

static void keep(char *dst, const char *opt)
{
	snprintf(dst, OPT_TLS_OPT_MAX, "%s", opt);
}

int opt_tls_opt(struct opt_tls *t, int id, const char *opt, const char *val,
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
			return opt_val_err(err, errlen, opt, val,
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
			return opt_val_err(err, errlen, opt, val,
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

int opt_tls_finish(const struct opt_tls *t, struct opts *o, char *err,
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
