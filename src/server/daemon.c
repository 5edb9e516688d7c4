// SPDX-License-Identifier: MIT
/* daemon - listeners, one session process per control connection. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "server/daemon.h"
#include "server/session.h"

void dmn_init(struct dmn *d, int verbosity)
{
	memset(d, 0, sizeof(*d));
	d->sig_fd = -1;
	d->verbosity = verbosity;
}

static int listen_on(struct dmn *d, const struct addrinfo *ai)
{
	int fd, one = 1, zero = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 128) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	d->lfd[d->n_lfd++] = fd;
	return 0;
}

/*
 * Without an address, one IPv6 socket serves both families (v6only off);
 * if the host has no IPv6, fall back to IPv4 alone.
 */
int dmn_listen(struct dmn *d, const char *addr, const char *port, char *err,
	       size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	int ret, last = 0;

	hints.ai_family = addr ? AF_UNSPEC : AF_INET6;
	ret = getaddrinfo(addr, port, &hints, &res);
	if (ret && !addr) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, port, &hints, &res);
	}
	if (ret) {
		snprintf(err, errlen, "cannot resolve %s port %s: %s",
			 addr ? addr : "(any)", port, gai_strerror(ret));
		return -EINVAL;
	}
	for (ai = res; ai && d->n_lfd < DMN_MAX_LISTEN; ai = ai->ai_next) {
		ret = listen_on(d, ai);
		if (ret < 0)
			last = ret;
	}
	freeaddrinfo(res);
	if (!d->n_lfd && !addr) {
		struct sockaddr_in a4 = { .sin_family = AF_INET,
					  .sin_port = htons(atoi(port)) };
		struct addrinfo ai4 = { .ai_family = AF_INET,
					.ai_socktype = SOCK_STREAM,
					.ai_addr = (struct sockaddr *)&a4,
					.ai_addrlen = sizeof(a4) };

		last = listen_on(d, &ai4);
	}
	if (!d->n_lfd) {
		snprintf(err, errlen, "cannot listen on %s port %s: %s",
			 addr ? addr : "(any)", port, strerror(-last));
		return last;
	}
	return 0;
}

int dmn_signals(struct dmn *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	return d->sig_fd < 0 ? -errno : 0;
}

static void kid_add(struct dmn *d, pid_t pid)
{
	if (d->n_kids == d->cap_kids) {
		size_t cap = d->cap_kids ? d->cap_kids * 2 : 16;
		pid_t *k = realloc(d->kids, cap * sizeof(*k));

		if (!k)
			return;		/* still reaped, just not signalled */
		d->kids = k;
		d->cap_kids = cap;
	}
	d->kids[d->n_kids++] = pid;
}

static void reap(struct dmn *d)
{
	size_t i;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < d->n_kids; i++)
			if (d->kids[i] == pid) {
				d->kids[i] = d->kids[--d->n_kids];
				break;
			}
	}
}

static void run_session(struct dmn *d, int cfd)
{
	int one = 1, idle = 10, intvl = 5, cnt = 3;
	sigset_t all;
	unsigned int i;

	/* A session must not outlive its daemon. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (i = 0; i < d->n_lfd; i++)
		close(d->lfd[i]);
	close(d->sig_fd);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Notice a client host that vanished without closing. */
	setsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(cfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(cfd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(cfd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	log_init("kperfd-session", d->verbosity);
	log_info("session started");
	_exit(sess_run(cfd) < 0 ? 1 : 0);
}

static void accept_one(struct dmn *d, int lfd)
{
	int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	pid_t pid;

	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0)
		run_session(d, cfd);
	if (pid < 0)
		log_err("fork: %s", strerror(errno));
	else
		kid_add(d, pid);
	close(cfd);
}

void dmn_stop_sessions(struct dmn *d)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	size_t i;
	int t;

	for (i = 0; i < d->n_kids; i++)
		kill(d->kids[i], SIGTERM);
	for (t = 0; t < 200 && d->n_kids; t++) {
		nanosleep(&ts, NULL);
		reap(d);
	}
	for (i = 0; i < d->n_kids; i++)
		kill(d->kids[i], SIGKILL);
	while (d->n_kids && waitpid(-1, NULL, 0) > 0)
		reap(d);
}

void dmn_serve(struct dmn *d)
{
	struct pollfd pfd[DMN_MAX_LISTEN + 1];
	struct signalfd_siginfo si;
	unsigned int i;

	for (;;) {
		for (i = 0; i < d->n_lfd; i++)
			pfd[i] = (struct pollfd){ .fd = d->lfd[i],
						  .events = POLLIN };
		pfd[i] = (struct pollfd){ .fd = d->sig_fd, .events = POLLIN };
		if (poll(pfd, d->n_lfd + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return;
		}
		if (pfd[d->n_lfd].revents) {
			if (read(d->sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				reap(d);
				continue;
			}
			log_info("signal %u: stopping", si.ssi_signo);
			return;
		}
		for (i = 0; i < d->n_lfd; i++)
			if (pfd[i].revents)
				accept_one(d, d->lfd[i]);
	}
}

void dmn_fini(struct dmn *d)
{
	unsigned int i;

	for (i = 0; i < d->n_lfd; i++)
		close(d->lfd[i]);
	d->n_lfd = 0;
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	d->sig_fd = -1;
	free(d->kids);
	d->kids = NULL;
	d->n_kids = d->cap_kids = 0;
}
