// SPDX-License-Identifier: MIT
/* worker - worker threads and the stream data path. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/taskstat.h"
#include "proto/proto.h"
#include "server/worker.h"

/* Bounded work per wake-up keeps commands and other flows from starving. */
#define WRK_IO_BUDGET		16
#define WRK_SPAWN_TIMEOUT_MS	5000

#define publish(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

static void flow_fail(struct worker *w, struct flow *f, int err)
{
	if (!f->err)
		f->err = err;
	f->running = 0;
	w->eng.ops->unwatch(&w->eng, f->fd);
}

/*
 * A short send means the socket buffer is full: stop there rather than pay
 * a syscall for EAGAIN; level-triggered epoll reports the space later.
 */
static void stream_send(struct worker *w, struct flow *f)
{
	uint32_t len = w->params->write_size;
	uint64_t tx = f->tx_bytes;
	ssize_t n;
	int i;

	for (i = 0; i < WRK_IO_BUDGET; i++) {
		n = send(f->fd, w->buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				flow_fail(w, f, errno);
			break;
		}
		tx += (uint64_t)n;
		if ((uint32_t)n < len)
			break;
	}
	publish(&f->tx_bytes, tx);
}

/*
 * Read up to the budget; a short read means the socket is (nearly) empty,
 * so stop unless draining, when only EAGAIN will do.  Returns -1 when the
 * socket is empty, 0 on EOF or error, 1 when there may be more.
 */
static int stream_recv_some(struct worker *w, struct flow *f, int drain)
{
	uint32_t len = w->params->read_size;
	uint64_t rx = f->rx_bytes;
	ssize_t n = 0;
	int i;

	for (i = 0; i < WRK_IO_BUDGET; i++) {
		n = recv(f->fd, w->buf, len, 0);
		if (n <= 0)
			break;
		rx += (uint64_t)n;
		if ((uint32_t)n < len && !drain) {
			n = -1;
			errno = EAGAIN;
			break;
		}
	}
	if (rx != f->rx_bytes) {
		uint64_t now = clock_now_ns();

		if (!f->t_first_ns)
			publish(&f->t_first_ns, now);
		publish(&f->t_last_ns, now);
		publish(&f->rx_bytes, rx);
	}
	if (n > 0)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	/* The sender never closes inside a test: EOF means it went away. */
	flow_fail(w, f, n == 0 ? ECONNRESET : errno);
	return 0;
}

static void wrk_on_event(void *arg, struct flow *f, unsigned int ev);

static void wrk_run(struct worker *w)
{
	uint64_t now = clock_now_ns();
	unsigned int i;

	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];
		unsigned int ev = f->role == PROTO_ROLE_ACTIVE ? IO_EV_OUT :
								 IO_EV_IN;
		int ret;

		f->running = 1;
		if (f->role == PROTO_ROLE_ACTIVE)
			publish(&f->t_first_ns, now);
		ret = w->eng.ops->watch(&w->eng, f, f->fd, ev);
		if (ret < 0) {
			f->err = -ret;
			f->running = 0;
		}
	}
}

static void wrk_stop_tx(struct worker *w)
{
	uint64_t now = clock_now_ns();
	unsigned int i;

	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		if (f->role != PROTO_ROLE_ACTIVE)
			continue;
		publish(&f->t_last_ns, now);
		if (f->running) {
			f->running = 0;
			w->eng.ops->unwatch(&w->eng, f->fd);
		}
	}
}

/* The sender has finished and its data is acked: read what is queued. */
static void wrk_stop(struct worker *w)
{
	unsigned int i;

	wrk_stop_tx(w);
	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		if (!f->running)
			continue;
		while (stream_recv_some(w, f, 1) > 0)
			;
		if (f->running) {
			f->running = 0;
			w->eng.ops->unwatch(&w->eng, f->fd);
		}
	}
}

static int wrk_command(struct worker *w)
{
	uint64_t v;
	unsigned int seq;
	int exit = 0;

	if (read(w->cmd_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	seq = __atomic_load_n(&w->cmd_seq, __ATOMIC_ACQUIRE);
	if (seq == w->ack_seq)
		return 0;
	switch (w->cmd) {
	case WCMD_RUN:
		wrk_run(w);
		break;
	case WCMD_STOP_TX:
		wrk_stop_tx(w);
		break;
	case WCMD_STOP:
		wrk_stop(w);
		break;
	case WCMD_EXIT:
		exit = 1;
		break;
	default:
		break;
	}
	__atomic_store_n(&w->ack_seq, seq, __ATOMIC_RELEASE);
	v = 1;
	if (write(w->notify_fd, &v, sizeof(v)) < 0) {
		/* The session polls acks with a timeout; nothing to add. */
	}
	return exit;
}

static void wrk_on_event(void *arg, struct flow *f, unsigned int ev)
{
	struct worker *w = arg;

	if (!f) {
		w->cmd_pending = 1;
		return;
	}
	if (!f->running)
		return;
	if (f->role == PROTO_ROLE_ACTIVE) {
		if (ev & (IO_EV_OUT | IO_EV_ERR))
			stream_send(w, f);
	} else if (ev & (IO_EV_IN | IO_EV_ERR)) {
		stream_recv_some(w, f, 0);
	}
}

static int wrk_pin(struct worker *w)
{
	cpu_set_t set;

	if (w->cpu_req >= 0) {
		if (w->cpu_req >= CPU_SETSIZE)
			return -EINVAL;
		CPU_ZERO(&set);
		CPU_SET(w->cpu_req, &set);
		/* Pin this very thread, by its own id, not the session's. */
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return -errno;
	}
	w->cpu_pinned = taskstat_pinned_cpu(w->tid);
	if (w->cpu_pinned < -1)
		return w->cpu_pinned;
	if (w->cpu_req >= 0 && w->cpu_pinned != w->cpu_req)
		return -EIO;
	return 0;
}

static void *wrk_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	uint64_t one = 1;
	int ret;

	snprintf(name, sizeof(name), "kperf-wrk%u", w->id);
	prctl(PR_SET_NAME, name);
	w->tid = gettid();
	w->start_err = wrk_pin(w);
	__atomic_store_n(&w->ack_seq, 1, __ATOMIC_RELEASE);
	if (write(w->notify_fd, &one, sizeof(one)) < 0) {
		/* wrk_spawn times out and reports it. */
	}
	if (w->start_err)
		return NULL;
	for (;;) {
		ret = w->eng.ops->wait(&w->eng, -1, wrk_on_event, w);
		if (ret < 0)
			break;
		if (w->cmd_pending) {
			w->cmd_pending = 0;
			if (wrk_command(w))
				break;
		}
	}
	return NULL;
}

static int wait_started(struct worker *w)
{
	struct pollfd pfd = { .fd = w->notify_fd, .events = POLLIN };
	uint64_t end = clock_now_ns() + WRK_SPAWN_TIMEOUT_MS * NSEC_PER_MSEC;
	uint64_t now, v;

	while (!__atomic_load_n(&w->ack_seq, __ATOMIC_ACQUIRE)) {
		now = clock_now_ns();
		if (now >= end)
			return -ETIMEDOUT;
		poll(&pfd, 1, (int)((end - now) / NSEC_PER_MSEC) + 1);
		if (read(w->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
	}
	return w->start_err;
}

int wrk_spawn(struct worker *w, uint32_t id, int cpu, int notify_fd)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->cpu_req = cpu;
	w->cpu_pinned = -1;
	w->notify_fd = notify_fd;
	w->eng.fd = -1;
	w->eng.ops = &io_epoll_ops;
	w->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->cmd_fd < 0)
		return -errno;
	ret = w->eng.ops->init(&w->eng, w->cmd_fd);
	if (ret < 0)
		goto close_cmd;
	ret = -pthread_create(&w->thread, NULL, wrk_main, w);
	if (ret < 0)
		goto fini_engine;
	ret = wait_started(w);
	if (ret < 0) {
		wrk_destroy(w);
		return ret;
	}
	/* The start-up acknowledged sequence 1; commands count from there. */
	w->cmd_seq = 1;
	return 0;

fini_engine:
	w->eng.ops->fini(&w->eng);
close_cmd:
	close(w->cmd_fd);
	w->cmd_fd = -1;
	return ret;
}

void wrk_post(struct worker *w, enum wrk_cmd cmd)
{
	uint64_t one = 1;

	w->cmd = cmd;
	__atomic_add_fetch(&w->cmd_seq, 1, __ATOMIC_RELEASE);
	if (write(w->cmd_fd, &one, sizeof(one)) < 0) {
		/* An eventfd write fails only on counter overflow. */
	}
}

int wrk_acked(const struct worker *w)
{
	return __atomic_load_n(&w->ack_seq, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&w->cmd_seq, __ATOMIC_RELAXED);
}

void wrk_destroy(struct worker *w)
{
	if (w->cmd_fd < 0)
		return;
	if (w->thread) {
		if (!w->start_err) {
			if (!w->cmd_seq)
				w->cmd_seq = 1;
			wrk_post(w, WCMD_EXIT);
		}
		pthread_join(w->thread, NULL);
		w->thread = 0;
	}
	w->eng.ops->fini(&w->eng);
	close(w->cmd_fd);
	w->cmd_fd = -1;
}
