// SPDX-License-Identifier: MIT
/*
 * helpers - what the standalone server tests share (see helpers.h): the
 * kernel's view of this process, probes, loopback sockets, data paths
 * from the command line, and the worker harness, the one place that
 * sets fields of the server's structs (struct worker, struct flow,
 * struct session): adapt it here when they change.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/session.h"
#include "server/xfer.h"
#include "helpers.h"

void t_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(T_SKIP);
}

void t_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(T_FAIL);
}

void t_init(const char *name)
{
	signal(SIGPIPE, SIG_IGN);
	log_init(name, LOG_LVL_WARN);
}

/* ---- the kernel's view of this process ---- */

/* Call fn for each entry of dir but . and ..; the number of entries. */
static int each_entry(const char *dir, void (*fn)(const char *name,
						   void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		t_fail("opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (fn)
			fn(e->d_name, arg);
		n++;
	}
	closedir(d);
	return n;
}

int t_count_fds(void)
{
	return each_entry("/proc/self/fd", NULL, NULL) - 1;	/* the DIR's */
}

int t_count_threads(void)
{
	return each_entry("/proc/self/task", NULL, NULL);
}

static void count_uring(const char *name, void *arg)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%s", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		if (!strcmp(link, "anon_inode:[io_uring]"))
			(*(int *)arg)++;
	}
}

int t_count_uring_fds(void)
{
	int n = 0;

	each_entry("/proc/self/fd", count_uring, &n);
	return n;
}

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

struct port_search {
	uint16_t local, peer;
	int fd;
};

static void match_ports(const char *name, void *arg)
{
	struct port_search *ps = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = atoi(name);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    port_of(&ss) != ps->local)
		return;
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    port_of(&ss) != ps->peer)
		return;
	ps->fd = fd;
}

int t_sock_fd(uint16_t local_port, uint16_t peer_port)
{
	struct port_search ps = { local_port, peer_port, -1 };

	each_entry("/proc/self/fd", match_ports, &ps);
	return ps.fd;
}

void t_tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) < 0)
		t_fail("TCP_INFO on fd %d: %s", fd, strerror(errno));
}

int t_unacked(int fd)
{
	int n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) < 0)
		t_fail("SIOCOUTQ on fd %d: %s", fd, strerror(errno));
	return n;
}

int t_is_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		t_fail("F_GETFL on fd %d: %s", fd, strerror(errno));
	return !(fl & O_NONBLOCK);
}

void t_task_cpus(pid_t tid, char *out, size_t len)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		t_fail("%s: %s", path, strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Cpus_allowed_list: %255s", line) == 1) {
			snprintf(out, len, "%s", line);
			break;
		}
	fclose(f);
	if (!out[0])
		t_fail("%s has no Cpus_allowed_list", path);
}

int t_allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int c, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		t_fail("sched_getaffinity: %s", strerror(errno));
	for (c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

void t_wait(int (*cond)(void *arg), void *arg, const char *what)
{
	uint64_t end = clock_now_ns() + T_WAIT_MS * NSEC_PER_MSEC;

	while (!cond(arg)) {
		if (clock_now_ns() > end)
			t_fail("gave up waiting for %s after %d ms: a hang",
			       what, T_WAIT_MS);
		poll(NULL, 0, 1);
	}
}

/* ---- probes ---- */

static int uring_disabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int t_probe_uring(int zerocopy, char *why, size_t len)
{
	struct io_uring_buf_reg reg = { .ring_entries = 1, .bgid = 1 };
	struct io_uring_probe *pr;
	struct io_uring ring;
	void *br;
	int ret;

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0) {
		snprintf(why, len, "io_uring_setup: %s "
			 "(sysctl kernel.io_uring_disabled = %d)",
			 strerror(-ret), uring_disabled());
		return ret;
	}
	pr = io_uring_get_probe_ring(&ring);
	if (!pr || !io_uring_opcode_supported(pr, IORING_OP_SEND) ||
	    !io_uring_opcode_supported(pr, IORING_OP_RECV)) {
		snprintf(why, len, "io_uring lacks IORING_OP_SEND/RECV");
		ret = -EOPNOTSUPP;
	} else if (zerocopy &&
		   !io_uring_opcode_supported(pr, IORING_OP_SEND_ZC)) {
		snprintf(why, len, "io_uring lacks IORING_OP_SEND_ZC");
		ret = -EOPNOTSUPP;
	}
	if (pr)
		io_uring_free_probe(pr);
	br = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.ring_addr = (uintptr_t)br;
	if (!ret && br != MAP_FAILED) {
		ret = io_uring_register_buf_ring(&ring, &reg, 0);
		if (ret < 0)
			snprintf(why, len, "io_uring lacks provided buffer "
				 "rings: %s", strerror(-ret));
	}
	if (br != MAP_FAILED)
		munmap(br, 4096);
	io_uring_queue_exit(&ring);
	return ret;
}

/* Wait until fd has something to read. */
static void wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, T_WAIT_MS) != 1)
		t_fail("loopback: nothing to read after %d ms", T_WAIT_MS);
}

int t_probe_zerocopy_rx(char *why, size_t len)
{
	static uint8_t copy[4096], data[4096];
	struct tcp_zerocopy_receive zc = { 0 };
	socklen_t zl = sizeof(zc);
	size_t map_len = 65536;
	int fds[2], ret = 0;
	void *map;

	t_tcp_pair(fds);
	map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, fds[1], 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		snprintf(why, len, "TCP_ZEROCOPY_RECEIVE: mmap of a TCP "
			 "socket: %s", strerror(errno));
		goto close_pair;
	}
	if (send(fds[0], data, sizeof(data), 0) != sizeof(data))
		t_fail("loopback send: %s", strerror(errno));
	wait_readable(fds[1]);
	zc.address = (uintptr_t)map;
	zc.length = (uint32_t)map_len;
	zc.copybuf_address = (uintptr_t)copy;
	zc.copybuf_len = sizeof(copy);
	if (getsockopt(fds[1], IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc,
		       &zl) < 0) {
		ret = -errno;
		snprintf(why, len, "TCP_ZEROCOPY_RECEIVE on loopback: %s",
			 strerror(errno));
	} else if (zl < offsetof(struct tcp_zerocopy_receive, flags)) {
		ret = -EOPNOTSUPP;
		snprintf(why, len, "TCP_ZEROCOPY_RECEIVE without a copy "
			 "buffer (Linux < 5.11)");
	}
	munmap(map, map_len);
close_pair:
	close(fds[0]);
	close(fds[1]);
	return ret;
}

int t_probe_msg_zerocopy(char *why, size_t len)
{
	uint8_t data[4096] = { 0 };
	int fds[2], one = 1, ret = 0;

	t_tcp_pair(fds);
	if (setsockopt(fds[0], SOL_SOCKET, SO_ZEROCOPY, &one,
		       sizeof(one)) < 0 ||
	    send(fds[0], data, sizeof(data), MSG_ZEROCOPY) < 0) {
		ret = -errno;
		snprintf(why, len, "MSG_ZEROCOPY on loopback: %s",
			 strerror(errno));
	}
	close(fds[0]);
	close(fds[1]);
	return ret;
}

int t_probe_ipv6(char *why, size_t len)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, zero = 0, ret = 0;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		       sizeof(zero)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		ret = -errno;
		snprintf(why, len, "no dual-stack IPv6 socket, which a "
			 "session's data acceptor is: %s", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static struct sockaddr_in loopback(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

int t_connect(uint16_t port)
{
	struct sockaddr_in a = loopback(port);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		t_fail("connect to port %u: %s", port, strerror(errno));
	return fd;
}

void t_tcp_pair(int fds[2])
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int l;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len))
		t_fail("loopback listener: %s", strerror(errno));
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&a, len) < 0)
		t_fail("loopback connect: %s", strerror(errno));
	fds[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fds[1] < 0)
		t_fail("loopback accept: %s", strerror(errno));
	close(l);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

static int pick(const char *what, const char *name,
		const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	t_fail("unknown %s \"%s\"", what, name);
}

void t_path(int argc, char **argv, struct tpath *dp)
{
	static const char *const engines[] = { "epoll", "io_uring", "block" };
	static const char *const rx[] = { "copy", "trunc", "zerocopy" };
	static const char *const tx[] = { "copy", "zerocopy" };
	char why[256];
	int e;

	if (argc < 2)
		t_fail("usage: %s ENGINE [RX [TX]]", argv[0]);
	memset(dp, 0, sizeof(*dp));
	e = pick("engine", argv[1], engines, 3);
	dp->block = e == 2;
	dp->engine = e == 1 ? PROTO_ENGINE_IO_URING : PROTO_ENGINE_EPOLL;
	dp->n_flows = dp->block ? 1 : 2;
	if (argc > 2)
		dp->rx_mode = (uint8_t)pick("receive mode", argv[2], rx, 3);
	if (argc > 3)
		dp->tx_mode = (uint8_t)pick("send mode", argv[3], tx, 2);
	if (dp->block && (dp->rx_mode == PROTO_RX_ZEROCOPY ||
			  dp->tx_mode == PROTO_TX_ZEROCOPY))
		t_fail("zero-copy modes need readiness events: no block");
	if (dp->engine == PROTO_ENGINE_IO_URING &&
	    t_probe_uring(dp->tx_mode == PROTO_TX_ZEROCOPY, why,
			  sizeof(why)) < 0)
		t_skip("%s", why);
	if (dp->rx_mode == PROTO_RX_ZEROCOPY &&
	    t_probe_zerocopy_rx(why, sizeof(why)) < 0)
		t_skip("%s", why);
	if (dp->tx_mode == PROTO_TX_ZEROCOPY &&
	    t_probe_msg_zerocopy(why, sizeof(why)) < 0)
		t_skip("%s", why);
}

/* ---- one worker without a session: every field it needs is here ---- */

struct twork {
	struct worker w;
	int notify_fd;
	struct wrk_params p;
	struct pat pat;
	struct flow f;		/* at most one flow */
	struct flow *fp;
	uint8_t *buf;
};

int tw_spawn(struct twork **tp, int cpu)
{
	struct twork *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		t_fail("out of memory");
	t->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->notify_fd < 0)
		t_fail("eventfd: %s", strerror(errno));
	ret = wrk_spawn(&t->w, 0, cpu, t->notify_fd);
	if (ret < 0) {
		close(t->notify_fd);
		free(t);
		return ret;
	}
	t->w.params = &t->p;	/* RUN copies them, flows or not */
	*tp = t;
	return 0;
}

pid_t tw_tid(const struct twork *t)
{
	return t->w.tid;
}

int tw_cpu(const struct twork *t)
{
	return t->w.cpu_pinned;
}

int tw_command(struct twork *t, enum wrk_cmd cmd)
{
	/* sess_wait_acks() wants the session's notify eventfd only. */
	static struct session s;
	struct worker *ws[1] = { &t->w };

	s.notify_fd = t->notify_fd;
	wrk_post(&t->w, cmd);
	return sess_wait_acks(&s, ws, 1, T_WAIT_MS);
}

void tw_flow(struct twork *t, int fd, uint8_t role, uint32_t write_size)
{
	const char *what = "";
	int ret;

	if (pat_init(&t->pat, write_size) < 0)
		t_fail("out of memory");
	t->buf = malloc(write_size);
	if (!t->buf)
		t_fail("out of memory");
	t->p.read_size = t->p.write_size = write_size;
	t->p.pat = &t->pat;
	t->f.fd = fd;
	t->f.role = role;
	t->f.ops = role == PROTO_ROLE_ACTIVE ? &stream_send_ops :
					      &stream_recv_ops;
	ret = xfer_arm(&t->f, &t->p, &what);
	if (ret < 0)
		t_fail("xfer_arm: %s: %s", what, strerror(-ret));
	t->fp = &t->f;
	t->w.flows = &t->fp;
	t->w.n_flows = 1;
	t->w.buf = t->buf;
	t->w.buf_len = write_size;
}

uint64_t tw_tx_bytes(const struct twork *t)
{
	return flow_read(&t->f.tx_bytes);
}

int tw_flow_err(const struct twork *t)
{
	return t->f.err;
}

void tw_destroy(struct twork *t)
{
	if (t->fp)
		xfer_disarm(&t->f);
	t->w.flows = NULL;
	t->w.n_flows = 0;
	t->w.buf = NULL;
	wrk_destroy(&t->w);
	close(t->notify_fd);
	free(t->buf);
	if (t->fp)
		pat_fini(&t->pat);
	free(t);
}
