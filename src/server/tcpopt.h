/* SPDX-License-Identifier: MIT */
/*
 * tcpopt - the per-connection TCP settings of CONN_SETOPT: set what a
 * request asks for on one socket, and read back what is in force.
 *
 *	if (tcpopt_apply(fd, &req, err, sizeof(err)) < 0 ||
 *	    tcpopt_read(fd, &opts, err, sizeof(err)) < 0)
 *		reply ERROR with err;
 *
 * Error texts name the option as the kperf command line spells it
 * ("--tcp-cc nosuchcc: No such file or directory"), so the user knows
 * which of their options the kernel refused.  TCP_MAXSEG is not here: it
 * only works before connect(), so conn.c sets it (CONNECT's mss).
 */
#ifndef KPERF_TCPOPT_H
#define KPERF_TCPOPT_H

#include <stddef.h>

#include "proto/proto.h"

/* Set the options whose bit is in m->which on fd.  0 or -errno. */
int tcpopt_apply(int fd, const struct proto_setopt_req *m, char *err,
		 size_t errlen);

/* Read every option back into *o (o->id is left alone).  0 or -errno. */
int tcpopt_read(int fd, struct proto_conn_opts *o, char *err,
		size_t errlen);

#endif
