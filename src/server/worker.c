// SPDX-License-Identifier: MIT
/* worker - worker threads: pinning, commands, the event loop. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
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
#include "server/uring.h"
#include "server/worker.h"
#include "server/xfer.h"

#define WRK_SPAWN_TIMEOUT_MS	5000
#define WRK_KICK_SIGNAL		SIGUSR1
#define WRK_TIMER_SLACK_NS	1000	/* response delays are timed */
#define WRK_SPIN_NS		300000	/* the last 300 us: busy-poll */

void flow_fail(struct worker *w, struct flow *f, int err)
{
	if (!f->err)
		f->err = err;
	flow_watch(w, f, 0);
}

void flow_watch(struct worker *w, struct flow *f, uint32_t events)
{
	int ret = 0;

	if (events == f->events)
		return;
	if (!events)
		ret = w->io->ops->unwatch(w->io, f, f->fd);
	else if (!f->events)
		ret = w->io->ops->watch(w->io, f, f->fd, events);
	else
		ret = w->io->ops->mod(w->io, f, f->fd, events);
	if (ret < 0 && events && !f->err)
		f->err = -ret;
	f->events = ret < 0 ? 0 : events;
}

int wrk_blocks(const struct wrk_params *p, struct flow *const *flows,
	       unsigned int n_flows)
{
	/*
	 * Zero-copy completions and mapping need readiness events, and so
	 * does a flow that both sends and reads: a blocking call waits for
	 * one direction only.
	 */
	return n_flows == 1 && flows[0]->role != PROTO_ROLE_BOTH &&
	       !p->resp_delay_ns &&
	       p->rx_mode != PROTO_RX_ZEROCOPY &&
	       p->tx_mode != PROTO_TX_ZEROCOPY;
}

/* The worker's own view of the flag it publishes for wrk_kick. */
static int wrk_blocking(const struct worker *w)
{
	return __atomic_load_n(&w->blocking, __ATOMIC_RELAXED);
}

static void engine_fini(struct io_engine *e)
{
	if (e->ops)
		e->ops->fini(e);
	*e = (struct io_engine){ 0 };
}

int wrk_arm(struct worker *w, const struct wrk_params *p, char *err,
	    size_t errlen)
{
	struct io_engine *e = &w->test_eng;
	unsigned int i;
	int ret = 0;

	if (p->engine == PROTO_ENGINE_IO_URING)
		ret = uring_setup(e, w->cmd_fd, p, w->n_flows, err, errlen);
	for (i = 0; !ret && e->ops && e->ops->attach && i < w->n_flows; i++)
		ret = e->ops->attach(e, w->flows[i]);
	return ret;
}

void wrk_disarm(struct worker *w)
{
	unsigned int i;

	/* What the engine gave the flows goes with it. */
	for (i = 0; i < w->n_flows; i++)
		w->flows[i]->eng = NULL;
	engine_fini(&w->test_eng);
}

/*
 * The engine of the test: io_uring when the session armed it (wrk_arm),
 * else the blocking engine where wrk_blocks, set up here for the test and
 * torn down at STOP, else epoll.  0 or -errno, the flows' error.
 */
static int wrk_engine(struct worker *w)
{
	struct io_engine *e = &w->test_eng;
	int ret;

	if (!e->ops && wrk_blocks(&w->p, w->flows, w->n_flows)) {
		/* Its flow's own blocking I/O is the wait. */
		e->ops = &io_block_ops;
		ret = e->ops->init(e, w->cmd_fd);
		if (ret < 0) {
			engine_fini(e);
			return ret;
		}
		__atomic_store_n(&w->blocking, 1, __ATOMIC_RELEASE);
	}
	if (e->ops)
		w->io = e;
	return w->io->ops->start ? w->io->ops->start(w->io) : 0;
}

static void wrk_run(struct worker *w)
{
	uint64_t now = clock_now_ns();
	unsigned int i;
	int ret;

	w->p = *w->params;
	ret = wrk_engine(w);
	w->budget = wrk_blocking(w) ? 1 : WRK_IO_BUDGET;
	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		f->running = 1;
		if (ret < 0)
			flow_fail(w, f, -ret);	/* reported as the flow's */
		else
			f->ops->start(w, f, now);
	}
}

/* The warm-up is over: what was moved so far does not count. */
static void wrk_reset(struct worker *w)
{
	uint64_t now = clock_now_ns();
	unsigned int i;

	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		flow_publish(&f->tx_bytes, 0);
		flow_publish(&f->rx_bytes, 0);
		flow_publish(&f->transactions, 0);
		flow_publish(&f->t_first_ns,
			     f->role == PROTO_ROLE_ACTIVE ? now : 0);
		flow_publish(&f->t_last_ns, 0);
		if (f->ops->reset)
			f->ops->reset(w, f);
	}
}

static void wrk_stop_tx(struct worker *w)
{
	uint64_t now = clock_now_ns();
	unsigned int i;

	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		if (f->stopping)
			continue;
		f->stopping = 1;
		if (f->running)
			f->ops->stop_tx(w, f, now);
	}
}

static void wrk_stop(struct worker *w)
{
	unsigned int i;

	wrk_stop_tx(w);
	/* The engine's requests end first; what they hold stays readable. */
	if (w->io->ops->quiesce)
		w->io->ops->quiesce(w->io);
	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		if (!f->running)
			continue;
		/* Draining wants EAGAIN: leave blocking mode first. */
		if (wrk_blocking(w))
			flow_watch(w, f, 0);
		f->ops->stop(w, f);
		flow_watch(w, f, 0);
		xfer_finish(w, f);
		f->running = 0;
	}
	/* The blocking engine was this test's; io_uring goes at wrk_disarm. */
	if (wrk_blocking(w))
		engine_fini(&w->test_eng);
	w->io = &w->eng;
	__atomic_store_n(&w->blocking, 0, __ATOMIC_RELEASE);
	/* The session frees the flows once this is acknowledged. */
	w->p.resp_delay_ns = 0;
}

/* Answer the delayed responses that are due; the next due time, or 0. */
static uint64_t wrk_timers(struct worker *w)
{
	uint64_t now = clock_now_ns(), next = 0, due;
	unsigned int i;

	for (i = 0; i < w->n_flows; i++) {
		struct flow *f = w->flows[i];

		if (!f->ops->timer || !f->running || f->err)
			continue;
		due = f->ops->timer(w, f, now);
		if (due && (!next || due < next))
			next = due;
	}
	return next;
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
	case WCMD_RESET:
		wrk_reset(w);
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
	if (f->running && !f->err) {
		xfer_event(w, f, &ev);
		f->ops->io(w, f, ev);
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
	prctl(PR_SET_TIMERSLACK, WRK_TIMER_SLACK_NS);
	for (;;) {
		int64_t timeout = -1;

		if (w->p.resp_delay_ns) {
			uint64_t next = wrk_timers(w), now;

			now = clock_now_ns();
			/* Timer wake-ups overshoot: sleep short, then poll. */
			if (next)
				timeout = next > now + WRK_SPIN_NS ?
					  (int64_t)(next - now - WRK_SPIN_NS) :
					  0;
		}
		ret = w->io->ops->wait(w->io, timeout, wrk_on_event, w);
		if (ret < 0)
			break;
		/* Blocked I/O learns of commands by signal: check the seq. */
		if (wrk_blocking(w) &&
		    __atomic_load_n(&w->cmd_seq, __ATOMIC_ACQUIRE) != w->ack_seq)
			w->cmd_pending = 1;
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

/* The kick only interrupts a blocking call: no SA_RESTART, no work. */
static void kick_handler(int sig)
{
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_install(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(WRK_KICK_SIGNAL, &sa, NULL);
}

int wrk_spawn(struct worker *w, uint32_t id, int cpu, int notify_fd)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->cpu_req = cpu;
	w->cpu_pinned = -1;
	w->notify_fd = notify_fd;
	w->eng.ops = &io_epoll_ops;
	w->io = &w->eng;
	w->budget = WRK_IO_BUDGET;
	pthread_once(&kick_once, kick_install);
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
	engine_fini(&w->eng);
close_cmd:
	close(w->cmd_fd);
	w->cmd_fd = -1;
	return ret;
}

void wrk_kick(struct worker *w)
{
	if (__atomic_load_n(&w->blocking, __ATOMIC_ACQUIRE))
		pthread_kill(w->thread, WRK_KICK_SIGNAL);
}

void wrk_post(struct worker *w, enum wrk_cmd cmd)
{
	uint64_t one = 1;

	w->cmd = cmd;
	__atomic_add_fetch(&w->cmd_seq, 1, __ATOMIC_RELEASE);
	if (write(w->cmd_fd, &one, sizeof(one)) < 0) {
		/* An eventfd write fails only on counter overflow. */
	}
	wrk_kick(w);
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
	engine_fini(&w->eng);
	engine_fini(&w->test_eng);
	close(w->cmd_fd);
	w->cmd_fd = -1;
}
