/* SPDX-License-Identifier: MIT */
/*
 * opt_data - the data-path options of the kperf command line: the I/O
 * engine of each end (--engine-src/--engine-dst epoll|io_uring, and the
 * original kperf's --iou-src/--iou-dst), how receivers read
 * (--msg-trunc, --zerocopy-rx), how senders write (--msg-zerocopy), and
 * payload validation (--validate yes|no: default yes, except with
 * --msg-trunc, which discards the bytes before anyone can look at them),
 * and whole-block reads (--waitall yes|no: stream receivers ask for
 * MSG_WAITALL; default yes where a receiver can, i.e. not with io_uring
 * or --zerocopy-rx).
 *
 * cli.c hands every such option to opt_data_opt() as it meets it, then
 * calls opt_data_finish() once, which also refuses the combinations no
 * kernel can do (io_uring has no TCP_ZEROCOPY_RECEIVE; MSG_TRUNC cannot
 * be validated).
 */
#ifndef KPERF_OPT_DATA_H
#define KPERF_OPT_DATA_H

#include <stddef.h>

#include "client/opts.h"

enum {
	OPT_DATA_FIRST = 900,
	OPT_ENGINE_SRC = OPT_DATA_FIRST,
	OPT_ENGINE_DST,
	OPT_IOU_SRC,
	OPT_IOU_DST,
	OPT_MSG_TRUNC,
	OPT_ZEROCOPY_RX,
	OPT_MSG_ZEROCOPY,
	OPT_VALIDATE,
	OPT_WAITALL,
	OPT_DATA_LAST = OPT_WAITALL,
};

#define OPT_DATA_LONG_OPTS \
	{ "engine-src", required_argument, NULL, OPT_ENGINE_SRC }, \
	{ "engine-dst", required_argument, NULL, OPT_ENGINE_DST }, \
	{ "iou-src", no_argument, NULL, OPT_IOU_SRC }, \
	{ "iou-dst", no_argument, NULL, OPT_IOU_DST }, \
	{ "msg-trunc", no_argument, NULL, OPT_MSG_TRUNC }, \
	{ "zerocopy-rx", no_argument, NULL, OPT_ZEROCOPY_RX }, \
	{ "msg-zerocopy", no_argument, NULL, OPT_MSG_ZEROCOPY }, \
	{ "validate", required_argument, NULL, OPT_VALIDATE }, \
	{ "waitall", required_argument, NULL, OPT_WAITALL }

struct opt_data {
	enum kperf_engine engine_src, engine_dst;
	enum kperf_rx_mode rx_mode;
	enum kperf_tx_mode tx_mode;
	int validate;		/* -1: default */
	int waitall;		/* -1: default */
	const char *rx_opt;	/* the option that chose rx_mode */
	const char *engine_opt[2];	/* src, dst: what chose io_uring */
};

void opt_data_init(struct opt_data *d);

/*
 * One data-path option (OPT_*); opt is its name as the user spelled it,
 * val its value (NULL when it takes none).  0 or -EINVAL with a message.
 */
int opt_data_opt(struct opt_data *d, int id, const char *opt, const char *val,
		 char *err, size_t errlen);

/* Fill o; refuse impossible combinations.  0 or -EINVAL with a message. */
int opt_data_finish(const struct opt_data *d, struct opts *o,
		    char *err, size_t errlen);


#endif
