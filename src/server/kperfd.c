// SPDX-License-Identifier: MIT
/*
 * kperfd - the kperf server daemon: listens on the control port and forks
 * one session process per control connection.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "kperf/kperf.h"
#include "server/session.h"

#define MAX_LISTEN	8
#define KILL_WAIT_MS	5000

struct daemon_opts {
	const char *port;
	const char *addr;
	const char *pid_file;
	int foreground;
	int kill;
	int verbose;
};

struct daemon {
	int lfd[MAX_LISTEN];
	unsigned int n_lfd;
	int sig_fd;
	int verbosity;
	pid_t *kids;
	size_t n_kids, cap_kids;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kperfd [options]\n"
"  -p, --port PORT      control port (default %s)\n"
"  -a, --addr ADDR      listen on this address only (default: all, IPv4+IPv6)\n"
"  -f, --foreground     do not daemonize; log to stderr\n"
"  -P, --pid-file PATH  write the daemon's pid here (locked while it runs)\n"
"  -k, --kill           stop the kperfd named by --pid-file and exit\n"
"  -v, --verbose        more log messages (repeat for debug)\n"
"  -V, --version        print the version and exit\n"
"  -h, --help           this text\n", KPERF_SVC_DEFAULT);
}

static void parse_opts(int argc, char **argv, struct daemon_opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "kill", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long port;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:a:fP:kvVh", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || port < 1 ||
			    port > 65535)
				errx(2, "option --port: \"%s\" is not a port "
				     "number 1..65535", optarg);
			o->port = optarg;
			break;
		case 'a':
			o->addr = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'k':
			o->kill = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("kperfd %s\n", KPERF_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			errx(2, "option %s needs a value", argv[optind - 1]);
		default:
			errx(2, "unknown option %s (see kperfd --help)",
			     argv[optind - 1]);
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument \"%s\"", argv[optind]);
	if (o->kill && !o->pid_file)
		errx(2, "option --kill needs --pid-file");
}

static int listen_on(struct daemon *d, const struct addrinfo *ai)
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
 * Without --addr, one IPv6 socket serves both families (v6only off); if
 * the host has no IPv6, fall back to IPv4 alone.
 */
static void open_listeners(struct daemon *d, const struct daemon_opts *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	int ret, last = 0;

	hints.ai_family = o->addr ? AF_UNSPEC : AF_INET6;
	ret = getaddrinfo(o->addr, o->port, &hints, &res);
	if (ret && !o->addr) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, o->port, &hints, &res);
	}
	if (ret)
		errx(1, "cannot resolve %s port %s: %s",
		     o->addr ? o->addr : "(any)", o->port, gai_strerror(ret));
	for (ai = res; ai && d->n_lfd < MAX_LISTEN; ai = ai->ai_next) {
		ret = listen_on(d, ai);
		if (ret < 0)
			last = ret;
	}
	freeaddrinfo(res);
	if (!d->n_lfd && !o->addr) {
		struct sockaddr_in a4 = { .sin_family = AF_INET,
					  .sin_port = htons(atoi(o->port)) };
		struct addrinfo ai4 = { .ai_family = AF_INET,
					.ai_socktype = SOCK_STREAM,
					.ai_addr = (struct sockaddr *)&a4,
					.ai_addrlen = sizeof(a4) };

		last = listen_on(d, &ai4);
	}
	if (!d->n_lfd)
		errx(1, "cannot listen on %s port %s: %s",
		     o->addr ? o->addr : "(any)", o->port, strerror(-last));
}

/* An absolute path for path, whose file may not exist yet. */
static char *realpath_parent(const char *path)
{
	char cwd[4096], *out;

	if (!getcwd(cwd, sizeof(cwd)))
		err(1, "cannot resolve pid file path %s", path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		err(1, "out of memory");
	return out;
}

static pid_t read_pid_file(const char *path)
{
	char buf[32] = "";
	long pid;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		err(1, "cannot open pid file %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	if (pid <= 1)
		errx(1, "pid file %s holds no pid", path);
	return (pid_t)pid;
}

/* Gone, or a zombie its parent has not reaped yet (PID 1 may never). */
static int pid_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

static int kill_daemon(const char *path)
{
	pid_t pid = read_pid_file(path);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char comm[64] = "", proc[64];
	int i, fd;

	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)pid);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		errx(1, "kperfd (pid %d from %s) is not running", (int)pid,
		     path);
	if (read(fd, comm, sizeof(comm) - 1) < 0)
		comm[0] = 0;
	close(fd);
	/* Never signal a recycled pid that is not ours. */
	if (strncmp(comm, "kperfd", 6))
		errx(1, "pid %d from %s is not kperfd", (int)pid, path);
	if (kill(pid, SIGTERM) < 0)
		err(1, "cannot signal kperfd pid %d", (int)pid);
	for (i = 0; i < KILL_WAIT_MS / 10; i++) {
		if (pid_gone(pid))
			return 0;
		nanosleep(&ts, NULL);
	}
	errx(1, "kperfd pid %d did not exit within %d ms", (int)pid,
	     KILL_WAIT_MS);
}

static int write_pid_file(const char *path)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		err(1, "cannot open pid file %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		errx(1, "pid file %s is locked: another kperfd runs", path);
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, len) != len)
		err(1, "cannot write pid file %s", path);
	return fd;	/* kept open: the lock lives as long as we do */
}

static void daemonize(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		err(1, "setsid");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		err(1, "chdir /");
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

static void kid_add(struct daemon *d, pid_t pid)
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

static void reap(struct daemon *d)
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

static void run_session(struct daemon *d, int cfd)
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

static void accept_one(struct daemon *d, int lfd)
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

static void stop_sessions(struct daemon *d)
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

static void serve(struct daemon *d)
{
	struct pollfd pfd[MAX_LISTEN + 1];
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

int main(int argc, char **argv)
{
	struct daemon_opts o = { .port = KPERF_SVC_DEFAULT };
	struct daemon d = { .sig_fd = -1 };
	sigset_t set;
	char *pid_path = NULL;
	int pid_fd = -1;

	parse_opts(argc, argv, &o);
	/* daemonize() leaves the working directory: keep the path valid. */
	if (o.pid_file && o.pid_file[0] != '/') {
		pid_path = realpath_parent(o.pid_file);
		o.pid_file = pid_path;
	}
	d.verbosity = LOG_LVL_WARN + o.verbose;
	log_init("kperfd", d.verbosity);
	if (o.kill)
		return kill_daemon(o.pid_file);
	signal(SIGPIPE, SIG_IGN);
	open_listeners(&d, &o);
	if (!o.foreground)
		daemonize();
	if (o.pid_file)
		pid_fd = write_pid_file(o.pid_file);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (d.sig_fd < 0)
		err(1, "signalfd");
	log_info("listening on port %s", o.port);

	serve(&d);

	stop_sessions(&d);
	if (o.pid_file) {
		unlink(o.pid_file);
		close(pid_fd);
	}
	free(d.kids);
	free(pid_path);
	return 0;
}
