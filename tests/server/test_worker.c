// SPDX-License-Identifier: MIT
/*
 * test_worker - a worker thread and its commands, without a session.
 *
 * Checks: wrk_spawn() unpinned and pinned to each CPU this process may
 * use: the affinity it reads back is the kernel's (/proc/.../status of
 * its thread); a CPU it may not use is refused (-EINVAL) and leaves no
 * thread or fd behind.  Every command is acknowledged, with no flow and
 * with one stream flow (the block engine: its socket turns blocking at
 * RUN and back at STOP): RUN starts the sending, STOP_TX ends it (after
 * STOP the peer has read exactly the bytes the flow counted when STOP_TX
 * was acknowledged, all of them the pattern), RESET zeroes the counters.  wrk_destroy() ends the thread and closes
 * what it opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

#define WRITE_SIZE	65536

struct peer {
	int fd, sender;
	uint64_t got, bad;
	struct pat pat;
	uint8_t buf[WRITE_SIZE];
};

/* Read what is there, checking it against the pattern. */
static void peer_read(struct peer *r)
{
	uint64_t first = PAT_NONE;
	ssize_t n;

	while ((n = recv(r->fd, r->buf, sizeof(r->buf), 0)) > 0) {
		r->bad += pat_check(&r->pat, r->buf, (size_t)n, r->got,
				    &first);
		r->got += (uint64_t)n;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN))
		t_fail("peer read: %s", n ? strerror(errno) : "EOF");
}

static int peer_has_1mib(void *arg)
{
	struct peer *r = arg;

	peer_read(r);
	return r->got >= 1024 * 1024;
}

static int peer_has_all(void *arg)
{
	struct peer *r = arg;

	peer_read(r);
	return t_unacked(r->sender) == 0;	/* all sent is queued here */
}

/* Unpinned, pinned to each allowed CPU, refused on one it may not use. */
static void check_pinning(void)
{
	int cpus[CPU_SETSIZE], n, i, fds0 = t_count_fds();
	int threads0 = t_count_threads();
	char want[32], got[64], all[64];
	struct twork *t;

	n = t_allowed_cpus(cpus, CPU_SETSIZE);
	T_EQ(tw_spawn(&t, -1), 0);
	T_EQ(t_count_threads(), threads0 + 1);
	T_CHECK(tw_tid(t) != gettid(), "the worker is this thread");
	T_EQ(tw_cpu(t), n == 1 ? cpus[0] : -1);
	t_task_cpus(tw_tid(t), got, sizeof(got));
	t_task_cpus(gettid(), all, sizeof(all));
	T_CHECK(!strcmp(got, all), "unpinned worker on %s, process on %s",
		got, all);
	tw_destroy(t);
	for (i = 0; i < n; i++) {
		T_EQ(tw_spawn(&t, cpus[i]), 0);
		T_EQ(tw_cpu(t), cpus[i]);
		snprintf(want, sizeof(want), "%d", cpus[i]);
		t_task_cpus(tw_tid(t), got, sizeof(got));
		T_CHECK(!strcmp(got, want), "pinned to %s, runs on %s", want,
			got);
		tw_destroy(t);
	}
	/* A CPU past the last one there can be. */
	T_EQ(tw_spawn(&t, (int)sysconf(_SC_NPROCESSORS_CONF)), -EINVAL);
	T_EQ(tw_spawn(&t, CPU_SETSIZE), -EINVAL);
	T_EQ(t_count_threads(), threads0);
	T_EQ(t_count_fds(), fds0);
	printf("pinned to each of %d CPUs\n", n);
}

static void check_commands_idle(void)
{
	static const enum wrk_cmd cmds[] = { WCMD_RUN, WCMD_RESET,
					     WCMD_STOP_TX, WCMD_STOP };
	struct twork *t;
	unsigned int i;

	T_EQ(tw_spawn(&t, -1), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		T_EQ(tw_command(t, cmds[i]), 0);
	/* The same again: a worker serves test after test. */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		T_EQ(tw_command(t, cmds[i]), 0);
	tw_destroy(t);
}

static void check_commands_flow(void)
{
	struct peer *r = calloc(1, sizeof(*r));
	struct twork *t;
	uint64_t sent;
	int fds[2];

	if (!r || pat_init(&r->pat, WRITE_SIZE) < 0)
		t_fail("out of memory");
	t_tcp_pair(fds);
	r->fd = fds[1];
	r->sender = fds[0];
	T_EQ(tw_spawn(&t, -1), 0);
	tw_flow(t, fds[0], PROTO_ROLE_ACTIVE, WRITE_SIZE);
	T_EQ(t_is_blocking(fds[0]), 0);

	T_EQ(tw_command(t, WCMD_RUN), 0);
	T_EQ(t_is_blocking(fds[0]), 1);		/* the block engine */
	t_wait(peer_has_1mib, r, "the worker's first MiB");
	T_EQ(tw_command(t, WCMD_STOP_TX), 0);
	sent = tw_tx_bytes(t);		/* final: nothing is sent after */
	T_EQ(tw_command(t, WCMD_RESET), 0);
	T_EQ(tw_tx_bytes(t), 0);
	T_EQ(tw_command(t, WCMD_STOP), 0);
	t_wait(peer_has_all, r, "every byte the worker sent");
	peer_read(r);
	T_EQ(r->got, sent);
	T_EQ(r->bad, 0);
	T_EQ(t_is_blocking(fds[0]), 0);
	T_EQ(tw_flow_err(t), 0);
	printf("one flow: %llu bytes before STOP_TX\n",
	       (unsigned long long)r->got);
	tw_destroy(t);
	close(fds[0]);
	close(fds[1]);
	pat_fini(&r->pat);
	free(r);
}

int main(void)
{
	int fds0, threads0;

	t_init("test_worker");
	fds0 = t_count_fds();
	threads0 = t_count_threads();
	check_pinning();
	check_commands_idle();
	check_commands_flow();
	T_EQ(t_count_threads(), threads0);
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
