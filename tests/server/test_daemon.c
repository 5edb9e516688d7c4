// SPDX-License-Identifier: MIT
/*
 * test_daemon - kperfd's accept loop (src/server/daemon.c) in a child
 * process, listening on 127.0.0.1 on a port the kernel picks.
 *
 * Checks: each control connection is served by a session process of its
 * own, which answers HELLO; a session whose client left is reaped (no
 * zombie among the daemon's children); SIGTERM ends the loop and the
 * sessions still running (their control connections close, their
 * processes are gone), and the daemon exits 0.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "server/daemon.h"
#include "helpers.h"

static pid_t daemon_pid;

/* The daemon's children (/proc/PID/task/PID/children); -1: unknown. */
static int children(pid_t *first)
{
	char path[64];
	int n = 0, pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		 (int)daemon_pid, (int)daemon_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1)
		if (!n++ && first)
			*first = pid;
	fclose(f);
	return n;
}

static int one_child(void *arg)
{
	return children(NULL) == 1;
}

static void run_daemon(struct dmn *d)
{
	if (dmn_signals(d) < 0)
		_exit(2);
	dmn_serve(d);
	dmn_stop_sessions(d);
	dmn_fini(d);
	exit(0);
}

int main(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct tsess c1, c2;
	pid_t session = 0;
	char err[256];
	struct dmn d;
	int status, n;

	t_init("test_daemon");
	dmn_init(&d, LOG_LVL_WARN);
	if (dmn_listen(&d, "127.0.0.1", "0", err, sizeof(err)) < 0)
		t_fail("%s", err);
	if (getsockname(d.lfd[0], (struct sockaddr *)&a, &len) < 0)
		t_fail("getsockname: %s", strerror(errno));
	daemon_pid = fork();
	if (daemon_pid < 0)
		t_fail("fork: %s", strerror(errno));
	if (!daemon_pid)
		run_daemon(&d);
	dmn_fini(&d);

	ts_attach(&c1, t_connect(ntohs(a.sin_port)));
	T_EQ(ts_hello(&c1, NULL), 0);
	ts_attach(&c2, t_connect(ntohs(a.sin_port)));
	T_EQ(ts_hello(&c2, NULL), 0);
	n = children(NULL);
	if (n >= 0) {
		T_EQ(n, 2);
		T_EQ(ts_end(&c1), 0);
		t_wait(one_child, NULL, "the first session reaped");
		T_EQ(children(&session), 1);
	} else {
		printf("no /proc/PID/task/TID/children: reaping not seen\n");
		ts_end(&c1);
	}

	if (kill(daemon_pid, SIGTERM) < 0)
		t_fail("kill: %s", strerror(errno));
	if (waitpid(daemon_pid, &status, 0) != daemon_pid)
		t_fail("waitpid: %s", strerror(errno));
	T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"the daemon ended with status %#x", status);
	T_EQ(ts_read(&c2), -ECONNRESET);	/* its session ended */
	if (session)
		T_CHECK(kill(session, 0) < 0 && errno == ESRCH,
			"session %d still there", (int)session);
	ts_end(&c2);
	return T_PASS;
}
