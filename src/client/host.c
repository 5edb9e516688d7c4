// SPDX-License-Identifier: MIT
/*
 * host - one kperfd as the library sees it: where it is, and its facts
 * from the HELLO of a control connection kept open while the host is.
 * Connection sets open further sessions on it (host_session).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib.h"

int kperf_host_new(struct kperf *k, struct kperf_host **out)
{
	struct kperf_host *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return lib_fail(k, -ENOMEM, "out of memory");
	h->k = k;
	h->sess.ctl.fd = -1;
	optset_init(&h->os, OPT_SCOPE_HOST);
	lib_add(k, LIB_HOST, &h->link);
	*out = h;
	return 0;
}

int kperf_host_set(struct kperf_host *h, const char *key, const char *value)
{
	lib_clear(h->k);
	if (h->sess.ctl.fd >= 0)
		return lib_fail(h->k, -EBUSY, "host %s: already connected: "
				"set options before kperf_host_connect()",
				h->address);
	return optset_set(&h->os, key, value, h->k->err, LIB_ERR_LEN);
}

int host_session(struct kperf_host *h, struct ctl *c, const char *role)
{
	return ctl_open(c, role, h->address, h->port, h->connect_timeout_ms,
			h->k->err, LIB_ERR_LEN);
}

/* How messages name the host: its "name" option, or "host". */
const char *host_role(const struct kperf_host *h)
{
	return h->os.name[0] ? h->os.name : "host";
}

int kperf_host_connect(struct kperf_host *h)
{
	struct opts o;
	int ret;

	lib_clear(h->k);
	if (h->sess.ctl.fd >= 0)
		return 0;
	ret = optset_finish(&h->os, &o, h->k->err, LIB_ERR_LEN);
	if (ret < 0)
		return ret;
	snprintf(h->address, sizeof(h->address), "%s", o.address);
	snprintf(h->port, sizeof(h->port), "%s", o.port);
	h->connect_timeout_ms = o.connect_timeout_ms;
	ret = host_session(h, &h->sess.ctl, host_role(h));
	if (ret < 0)
		ctl_close(&h->sess.ctl);
	return ret;
}

int kperf_host_open(struct kperf *k, const char *address, const char *port,
		    struct kperf_host **out)
{
	struct kperf_host *h;
	int ret = kperf_host_new(k, &h);

	if (!ret && address)
		ret = kperf_host_set(h, "address", address);
	if (!ret && port)
		ret = kperf_host_set(h, "port", port);
	if (!ret)
		ret = kperf_host_connect(h);
	if (ret < 0 && h) {
		h->users = 0;
		kperf_host_close(h);
		h = NULL;
	}
	*out = h;
	return ret;
}

int kperf_host_close(struct kperf_host *h)
{
	if (!h)
		return 0;
	/* Before kperf_host_connect() the address is only in the options. */
	if (h->users)
		return lib_fail(h->k, -EBUSY, "host %s: %u connection sets or "
				"groups still use it",
				h->address[0] ? h->address : h->os.raw.address,
				h->users);
	ctl_close(&h->sess.ctl);
	free(h->sess.workers);
	optset_free(&h->os);
	lib_del(&h->link);
	free(h);
	return 0;
}

static int connected(const struct kperf_host *h)
{
	return h && h->sess.ctl.fd >= 0;
}

const char *kperf_host_address(const struct kperf_host *h)
{
	return connected(h) ? h->address : NULL;
}

const char *kperf_host_name(const struct kperf_host *h)
{
	return connected(h) ? h->sess.ctl.hello.hostname : NULL;
}

const char *kperf_host_kernel(const struct kperf_host *h)
{
	return connected(h) ? h->sess.ctl.hello.kernel : NULL;
}

unsigned int kperf_host_ncpus(const struct kperf_host *h)
{
	return connected(h) ? h->sess.ctl.hello.ncpus : 0;
}

unsigned int kperf_host_n_online(const struct kperf_host *h)
{
	return connected(h) ? h->sess.ctl.hello.n_online : 0;
}

int kperf_host_cpu_online(const struct kperf_host *h, unsigned int cpu)
{
	if (!connected(h) || cpu >= h->sess.ctl.hello.ncpus || cpu >= KPERF_MAX_CPUS)
		return 0;
	return !!(h->sess.ctl.hello.online[cpu / 64] & (1ull << (cpu % 64)));
}

uint64_t kperf_host_features(const struct kperf_host *h)
{
	return connected(h) ? h->sess.ctl.hello.features : 0;
}
