// SPDX-License-Identifier: MIT
/* opt_data - data-path options of the kperf command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client/opt_data.h"
#include "client/opt_val.h"

void opt_data_init(struct opt_data *d)
{
	memset(d, 0, sizeof(*d));
	d->validate = -1;
	d->waitall = -1;
}

static int yes_no(const char *opt, const char *val, int *out, char *err,
		  size_t errlen)
{
	if (!strcmp(val, "yes"))
		*out = 1;
	else if (!strcmp(val, "no"))
		*out = 0;
	else
		return opt_val_err(err, errlen, opt, val, "is not yes or no");
	return 0;
}

static int engine(const char *opt, const char *val, enum kperf_engine *e,
		  char *err, size_t errlen)
{
	if (!strcmp(val, "epoll"))
		*e = KPERF_ENGINE_EPOLL;
	else if (!strcmp(val, "io_uring") || !strcmp(val, "iou"))
		*e = KPERF_ENGINE_IO_URING;
	else
		return opt_val_err(err, errlen, opt, val,
				   "is not an engine (epoll or io_uring)");
	return 0;
}

static int rx_mode(struct opt_data *d, const char *opt,
		   enum kperf_rx_mode m, char *err, size_t errlen)
{
	if (d->rx_opt && d->rx_mode != m) {
		snprintf(err, errlen, "%s and %s exclude each other",
			 d->rx_opt, opt);
		return -EINVAL;
	}
	d->rx_mode = m;
	d->rx_opt = opt;
	return 0;
}

int opt_data_opt(struct opt_data *d, int id, const char *opt, const char *val,
		 char *err, size_t errlen)
{
	switch (id) {
	case OPT_ENGINE_SRC:
		d->engine_opt[0] = "--engine-src io_uring";
		return engine(opt, val, &d->engine_src, err, errlen);
	case OPT_ENGINE_DST:
		d->engine_opt[1] = "--engine-dst io_uring";
		return engine(opt, val, &d->engine_dst, err, errlen);
	case OPT_IOU_SRC:
		d->engine_opt[0] = "--iou-src";
		d->engine_src = KPERF_ENGINE_IO_URING;
		return 0;
	case OPT_IOU_DST:
		d->engine_opt[1] = "--iou-dst";
		d->engine_dst = KPERF_ENGINE_IO_URING;
		return 0;
	case OPT_MSG_TRUNC:
		return rx_mode(d, opt, KPERF_RX_TRUNC, err, errlen);
	case OPT_ZEROCOPY_RX:
		return rx_mode(d, opt, KPERF_RX_ZEROCOPY, err, errlen);
	case OPT_MSG_ZEROCOPY:
		d->tx_mode = KPERF_TX_ZEROCOPY;
		return 0;
	case OPT_VALIDATE:
		return yes_no(opt, val, &d->validate, err, errlen);
	case OPT_WAITALL:
		return yes_no(opt, val, &d->waitall, err, errlen);
	}
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

int opt_data_finish(const struct opt_data *d, struct opts *o,
		    char *err, size_t errlen)
{
	int rr = o->type == KPERF_RR;
	const char *iou_rx = NULL;

	if (d->rx_mode == KPERF_RX_TRUNC && d->validate == 1) {
		snprintf(err, errlen, "--validate yes: --msg-trunc discards "
			 "the bytes in the kernel, nothing can check them");
		return -EINVAL;
	}
	/* Who receives: the destination; in RR the source as well. */
	if (d->engine_dst == KPERF_ENGINE_IO_URING)
		iou_rx = d->engine_opt[1];
	else if (rr && d->engine_src == KPERF_ENGINE_IO_URING)
		iou_rx = d->engine_opt[0];
	if (d->rx_mode == KPERF_RX_ZEROCOPY && iou_rx) {
		snprintf(err, errlen, "--zerocopy-rx and %s exclude each "
			 "other: TCP_ZEROCOPY_RECEIVE is a getsockopt, not an "
			 "io_uring operation", iou_rx);
		return -EINVAL;
	}
	if (d->waitall >= 0 && rr) {
		snprintf(err, errlen, "--waitall is for stream tests: an RR "
			 "end reads whole messages anyway");
		return -EINVAL;
	}
	if (d->waitall == 1 && d->engine_dst == KPERF_ENGINE_IO_URING) {
		snprintf(err, errlen, "--waitall yes and %s exclude each "
			 "other: io_uring's multishot receive completes with "
			 "what is queued", d->engine_opt[1]);
		return -EINVAL;
	}
	if (d->waitall == 1 && d->rx_mode == KPERF_RX_ZEROCOPY) {
		snprintf(err, errlen, "--waitall yes and --zerocopy-rx exclude "
			 "each other: TCP_ZEROCOPY_RECEIVE maps what is queued");
		return -EINVAL;
	}
	o->engine_src = d->engine_src;
	o->engine_dst = d->engine_dst;
	o->rx_mode = d->rx_mode;
	o->tx_mode = d->tx_mode;
	o->validate = d->validate;
	o->waitall = d->waitall;
	return 0;
}
