/* SPDX-License-Identifier: MIT */
/*
 * daemon - kperfd's accept loop: the control listeners, one forked
 * session process per control connection (session.h), the reaping of
 * sessions that ended, and the stop of those still running when kperfd
 * ends.  kperfd.c is the command line, the pid file and daemonizing
 * around it.
 *
 *	struct dmn d;
 *	dmn_init(&d, verbosity);
 *	if (dmn_listen(&d, addr, port, err, sizeof(err)) < 0) ...
 *	if (dmn_signals(&d) < 0) ...  // SIGCHLD, SIGTERM, SIGINT, SIGHUP
 *	dmn_serve(&d);                // until a signal but SIGCHLD
 *	dmn_stop_sessions(&d);
 *	dmn_fini(&d);
 */
#ifndef KPERF_DAEMON_H
#define KPERF_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#define DMN_MAX_LISTEN	8

struct dmn {
	int lfd[DMN_MAX_LISTEN];
	unsigned int n_lfd;
	int sig_fd;
	int verbosity;		/* the sessions' log level */
	pid_t *kids;		/* sessions running */
	size_t n_kids, cap_kids;
};

void dmn_init(struct dmn *d, int verbosity);

/*
 * Listen on addr (NULL: every address, IPv6 and IPv4) port port (a
 * number or service name).  Return 0, or -errno with err saying what
 * failed ("cannot resolve ...", "cannot listen on ...").
 */
int dmn_listen(struct dmn *d, const char *addr, const char *port, char *err,
	       size_t errlen);

/*
 * Block SIGCHLD, SIGTERM, SIGINT and SIGHUP and take them through a
 * signalfd, which dmn_serve() watches.  0 or -errno.
 */
int dmn_signals(struct dmn *d);

/*
 * Accept control connections, fork a session for each, reap sessions
 * that ended, until SIGTERM, SIGINT or SIGHUP (or poll fails).
 */
void dmn_serve(struct dmn *d);

/* SIGTERM every session, SIGKILL those left after 2 s, reap them all. */
void dmn_stop_sessions(struct dmn *d);

/* Close the listeners and the signalfd, free the table of sessions. */
void dmn_fini(struct dmn *d);

#endif
