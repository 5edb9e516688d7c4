// SPDX-License-Identifier: MIT
/* optset - the option table and its dispatch; see optset.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/optset.h"

#define H	OPT_SCOPE_HOST
#define C	OPT_SCOPE_CONNS
#define G	OPT_SCOPE_GROUP
#define T	OPT_SCOPE_TEST

/* The order is --help's and docs/library.md's. */
const struct optdef optset_table[] = {
	/* Hosts. src/dst and their ports are the command line's names. */
	{ "address", 0, 1, H, OPT_ADDRESS, "kperfd host name or address" },
	{ "src", 0, 1, H, OPT_ADDRESS, "the sending host's address" },
	{ "dst", 0, 1, H, OPT_ADDRESS, "the receiving host's address" },
	{ "port", 0, 1, H, OPT_PORT, "kperfd control port or service name" },
	{ "src-svc", 0, 1, H, OPT_PORT, "the sending host's port" },
	{ "dst-svc", 0, 1, H, OPT_PORT, "the receiving host's port" },
	{ "connect-timeout", 0, 1, H, OPT_CONNECT_TIMEOUT,
	  "seconds to reach a kperfd, 0.1..600" },
	/* Tests. */
	{ "time", 't', 1, T, OPT_TIME, "measured seconds, 0.1..86400" },
	{ "warmup", 0, 1, T, OPT_WARMUP, "seconds run before, not counted" },
	{ "interval", 'i', 1, T, OPT_INTERVAL,
	  "seconds between samples, 0: none" },
	/* Groups. */
	{ "name", 0, 1, G | H, OPT_NAME,
	  "the group's or host's name in reports and messages" },
	{ "type", 0, 1, G, OPT_TYPE, "stream or rr" },
	{ "direction", 0, 1, G, OPT_DIRECTION, "forward, reverse or bidir" },
	{ "reverse", 'R', 0, G, OPT_REVERSE,
	  "the destination sends (direction reverse)" },
	{ "bidir", 0, 0, G, OPT_BIDIR,
	  "both send on the same connections (direction bidir)" },
	{ "num-connections", 'n', 1, G, OPT_NUM_CONNS, "flows, 1..4096" },
	{ "count", 0, 1, G, OPT_NUM_CONNS, "flows (num-connections)" },
	{ "read-size", 0, 1, G, OPT_READ_SIZE, "bytes per read" },
	{ "write-size", 0, 1, G, OPT_WRITE_SIZE, "bytes per write" },
	{ "req-size", 's', 1, G, 's', "request bytes: a request/response test" },
	{ "resp-size", 0, 1, G, OPT_RESP_SIZE, "response bytes" },
	{ "depth", 0, 1, G, OPT_DEPTH, "requests in flight per flow" },
	{ "resp-delay-us", 0, 1, G, OPT_RESP_DELAY,
	  "responder's think time, microseconds" },
	{ "no-latency", 0, 0, G, OPT_NO_LATENCY, "do not time transactions" },
	{ "time-stats", 'T', 1, G, 'T', "1: the report shows the histogram" },
	{ "json-histogram", 0, 0, G, OPT_JSON_HIST,
	  "the JSON report has the merged histogram" },
	/* Placement: a group's, or a connection set's (docs/placement.md). */
	{ "pin-off", 0, 1, G, OPT_PIN_OFF, "workers on RX CPU + N" },
	{ "cross-pin", 0, 0, G, OPT_CROSS_PIN, "workers on the next RX CPU" },
	{ "no-pin", 0, 0, G, OPT_NO_PIN, "workers not pinned" },
	{ "cpu-src-wrk", 0, 1, G, OPT_CPU_SRC_WRK, "sending workers' CPU" },
	{ "cpu-dst-wrk", 0, 1, G, OPT_CPU_DST_WRK, "receiving workers' CPU" },
	{ "cpu-min", 0, 1, G | C, OPT_CPU_MIN, "lowest allowed RX CPU" },
	{ "cpu-max", 0, 1, G | C, OPT_CPU_MAX, "highest allowed RX CPU" },
	{ "rx-cpus", 0, 1, G | C, OPT_RX_CPUS, "allowed RX CPUs, both ends" },
	{ "src-rx-cpus", 0, 1, G | C, OPT_SRC_RX_CPUS,
	  "allowed RX CPUs, sending end" },
	{ "dst-rx-cpus", 0, 1, G | C, OPT_DST_RX_CPUS,
	  "allowed RX CPUs, receiving end" },
	{ "allow-shared-cpus", 0, 0, G | C, OPT_ALLOW_SHARED,
	  "flows may share RX CPUs" },
	{ "placement-attempts", 0, 1, G | C, OPT_ATTEMPTS,
	  "rounds of connect, match, close" },
	/* TCP settings. */
	{ "mss", 'M', 1, G | C, 'M', "TCP_MAXSEG, set before connect" },
	{ "max-pace", 0, 1, G, OPT_MAX_PACE, "SO_MAX_PACING_RATE, bits/s" },
	{ "tcp-cc", 0, 1, G, OPT_TCP_CC, "congestion control" },
	{ "sndbuf", 0, 1, G, OPT_SNDBUF, "SO_SNDBUF bytes" },
	{ "rcvbuf", 0, 1, G, OPT_RCVBUF, "SO_RCVBUF bytes" },
	{ "nodelay", 0, 0, G, OPT_NODELAY, "TCP_NODELAY" },
	/* Data path (docs/datapath.md). */
	{ "engine-src", 0, 1, G, OPT_ENGINE_SRC, "epoll or io_uring" },
	{ "engine-dst", 0, 1, G, OPT_ENGINE_DST, "epoll or io_uring" },
	{ "iou-src", 0, 0, G, OPT_IOU_SRC, "engine-src io_uring" },
	{ "iou-dst", 0, 0, G, OPT_IOU_DST, "engine-dst io_uring" },
	{ "msg-trunc", 0, 0, G, OPT_MSG_TRUNC, "receivers discard (MSG_TRUNC)" },
	{ "zerocopy-rx", 0, 0, G, OPT_ZEROCOPY_RX, "TCP_ZEROCOPY_RECEIVE" },
	{ "msg-zerocopy", 0, 0, G, OPT_MSG_ZEROCOPY, "senders MSG_ZEROCOPY" },
	{ "validate", 0, 1, G, OPT_VALIDATE, "check the payload, yes or no" },
	{ "waitall", 0, 1, G, OPT_WAITALL, "whole-block reads, yes or no" },
	/* Kernel TLS. */
	{ "tls", 0, 0, G, OPT_TLS, "kTLS both directions" },
	{ "tls-tx", 0, 0, G, OPT_TLS_TX, "kTLS on what the source sends" },
	{ "tls-rx", 0, 0, G, OPT_TLS_RX, "kTLS on what comes back" },
	{ "tls-ver", 0, 1, G, OPT_TLS_VER, "1.2 or 1.3" },
	{ "tls-cipher", 0, 1, G, OPT_TLS_CIPHER,
	  "aes-gcm-128, aes-gcm-256, chacha20-poly1305" },
	{ "tls-nopad", 0, 0, G, OPT_TLS_NOPAD, "TLS_RX_EXPECT_NO_PAD" },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct optdef *optset_find(const char *key)
{
	const struct optdef *d;

	if (key[0] == '-' && key[1] && key[1] != '-' && !key[2]) {
		for (d = optset_table; d->name; d++)
			if (d->short_name == key[1])
				return d;
		return NULL;
	}
	while (*key == '-')
		key++;
	for (d = optset_table; d->name; d++)
		if (!strcmp(d->name, key))
			return d;
	return NULL;
}

void optset_init(struct optset *os, unsigned int scope)
{
	memset(os, 0, sizeof(*os));
	os->scope = scope;
	opts_init(&os->raw);
	opt_place_init(&os->place);
	opt_rr_init(&os->rr);
	opt_tcp_init(&os->tcp);
	opt_data_init(&os->data);
	opt_tls_init(&os->tls);
}

void optset_free(struct optset *os)
{
	unsigned int i;

	for (i = 0; i < os->n_strs; i++)
		free(os->strs[i]);
	free(os->strs);
	os->strs = NULL;
	os->n_strs = 0;
}

/* A copy of s that lives as long as os: the modules keep pointers. */
static const char *keep(struct optset *os, const char *s)
{
	char **v = realloc(os->strs, (os->n_strs + 1) * sizeof(*v));

	if (!v)
		return NULL;
	os->strs = v;
	v[os->n_strs] = strdup(s);
	return v[os->n_strs] ? v[os->n_strs++] : NULL;
}

static int flag_value(const char *v)
{
	static const char *const on[] = { "", "1", "yes", "true", "on" };
	size_t i;

	if (!v)
		return 1;
	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (!strcasecmp(v, on[i]))
			return 1;
	return 0;
}

static const char *scope_name(unsigned int scope)
{
	switch (scope) {
	case OPT_SCOPE_HOST:
		return "a host";
	case OPT_SCOPE_CONNS:
		return "a connection set";
	case OPT_SCOPE_GROUP:
		return "a flow group";
	default:
		return "a test";
	}
}

static int dispatch(struct optset *os, const struct optdef *d,
		    const char *opt, const char *val, char *err,
		    size_t errlen)
{
	int id = d->id;

	if (id >= OPT_CORE_FIRST && id <= OPT_CORE_LAST)
		return opt_core(os, id, opt, val, err, errlen);
	if (id == 's' || id == 'T' || (id >= OPT_RR_FIRST && id <= OPT_RR_LAST))
		return opt_rr_opt(&os->rr, &os->raw, id, opt, val, err, errlen);
	if (id == 'M' || (id >= OPT_TCP_FIRST && id <= OPT_TCP_LAST))
		return opt_tcp_opt(&os->tcp, id, opt, val, err, errlen);
	if (id >= OPT_TLS_FIRST && id <= OPT_TLS_LAST)
		return opt_tls_opt(&os->tls, id, opt, val, err, errlen);
	if (id >= OPT_DATA_FIRST && id <= OPT_DATA_LAST)
		return opt_data_opt(&os->data, id, opt, val, err, errlen);
	if (id >= OPT_PLACE_FIRST && id <= OPT_PLACE_LAST)
		return opt_place_opt(&os->place, &os->raw, id, opt, val, err,
				     errlen);
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

int optset_set(struct optset *os, const char *key, const char *value,
	       char *err, size_t errlen)
{
	const struct optdef *d;
	const char *opt;

	if (!key || !key[0]) {
		snprintf(err, errlen, "an option needs a name");
		return -EINVAL;
	}
	d = optset_find(key);
	if (!d) {
		snprintf(err, errlen, "unknown option %.64s", key);
		return -ENOENT;
	}
	if (!(d->scopes & os->scope)) {
		snprintf(err, errlen, "option %.64s is not an option of %s",
			 key, scope_name(os->scope));
		return -ENOENT;
	}
	opt = keep(os, key);
	if (!opt)
		return -ENOMEM;
	if (!d->has_arg) {
		if (!flag_value(value)) {
			snprintf(err, errlen, "option %s takes no value (it "
				 "can only be switched on), not \"%.64s\"",
				 opt, value);
			return -EINVAL;
		}
		return dispatch(os, d, opt, NULL, err, errlen);
	}
	if (!value) {
		snprintf(err, errlen, "option %s needs a value", opt);
		return -EINVAL;
	}
	value = keep(os, value);
	if (!value)
		return -ENOMEM;
	return dispatch(os, d, opt, value, err, errlen);
}

int optset_finish(const struct optset *os, struct opts *o, char *err,
		  size_t errlen)
{
	struct opt_place place = os->place;
	struct opt_rr rr = os->rr;
	int ret;

	*o = os->raw;
	ret = opt_core_finish(os, o, err, errlen);
	if (!ret && (os->scope & (OPT_SCOPE_GROUP | OPT_SCOPE_CONNS)))
		ret = opt_place_finish(&place, o, err, errlen);
	if (!ret && os->scope == OPT_SCOPE_CONNS)
		ret = opt_tcp_finish(&os->tcp, o, err, errlen);
	if (os->scope != OPT_SCOPE_GROUP || ret)
		return ret;
	ret = opt_rr_finish(&rr, o, err, errlen);
	if (!ret && o->bidir && o->type == KPERF_RR) {
		snprintf(err, errlen, "option %s: a bidirectional test is a "
			 "stream test (not request/response)", os->bidir_opt);
		ret = -EINVAL;
	}
	if (!ret)
		ret = opt_tcp_finish(&os->tcp, o, err, errlen);
	if (!ret)
		ret = opt_data_finish(&os->data, o, err, errlen);
	if (!ret && o->bidir && o->waitall > 0) {
		snprintf(err, errlen, "option %s: both ends of a bidirectional "
			 "flow wait in epoll and read what is queued: not with "
			 "--waitall yes", os->bidir_opt);
		ret = -EINVAL;
	}
	/* After the data path: TLS refuses the paths that bypass it. */
	if (!ret)
		ret = opt_tls_finish(&os->tls, o, err, errlen);
	return ret;
}

void opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->address = OPT_HOST_DEFAULT;
	o->port = KPERF_SVC_DEFAULT;
	o->type = KPERF_STREAM;
	o->duration_ms = OPT_TIME_DEFAULT_MS;
	o->n_conns = 1;
	o->read_size = OPT_IO_SIZE_DEFAULT;
	o->write_size = OPT_IO_SIZE_DEFAULT;
	o->connect_timeout_ms = OPT_CONNECT_TIMEOUT_DEFAULT_MS;
	o->placement_attempts = KPERF_ATTEMPTS_DEFAULT;
	o->validate = -1;
	o->waitall = -1;
}

_Static_assert(OPT_SCOPE_HOST == KPERF_OBJ_HOST &&
	       OPT_SCOPE_CONNS == KPERF_OBJ_CONNS &&
	       OPT_SCOPE_GROUP == KPERF_OBJ_GROUP &&
	       OPT_SCOPE_TEST == KPERF_OBJ_TEST, "scopes differ");

int kperf_option_info(unsigned int i, struct kperf_option_info *out,
		      size_t size)
{
	struct kperf_option_info v;
	const struct optdef *d = optset_table;
	unsigned int n;

	for (n = 0; d->name && n < i; n++)
		d++;
	if (!d->name)
		return -ENOENT;
	v = (struct kperf_option_info){
		.name = d->name, .short_name = d->short_name,
		.takes_value = d->has_arg, .objects = d->scopes,
		.help = d->help,
	};
	memset(out, 0, size);
	memcpy(out, &v, size < sizeof(v) ? size : sizeof(v));
	return 0;
}
