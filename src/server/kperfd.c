// SPDX-License-Identifier: MIT
/*
 * kperfd - the kperf server daemon: listens on the control port and forks
 * one session process per control connection (daemon.c).  This file is
 * the command line, the pid file (--kill) and daemonizing around it.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "kperf/kperf.h"
#include "server/daemon.h"

#define KILL_WAIT_MS	5000

struct daemon_opts {
	const char *port;
	const char *addr;
	const char *pid_file;
	int foreground;
	int kill;
	int verbose;
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

int main(int argc, char **argv)
{
	struct daemon_opts o = { .port = KPERF_SVC_DEFAULT };
	char *pid_path = NULL, msg[512];
	int pid_fd = -1, ret;
	struct dmn d;

	parse_opts(argc, argv, &o);
	/* daemonize() leaves the working directory: keep the path valid. */
	if (o.pid_file && o.pid_file[0] != '/') {
		pid_path = realpath_parent(o.pid_file);
		o.pid_file = pid_path;
	}
	dmn_init(&d, LOG_LVL_WARN + o.verbose);
	log_init("kperfd", d.verbosity);
	if (o.kill)
		return kill_daemon(o.pid_file);
	signal(SIGPIPE, SIG_IGN);
	if (dmn_listen(&d, o.addr, o.port, msg, sizeof(msg)) < 0)
		errx(1, "%s", msg);
	if (!o.foreground)
		daemonize();
	if (o.pid_file)
		pid_fd = write_pid_file(o.pid_file);
	ret = dmn_signals(&d);
	if (ret < 0) {
		errno = -ret;
		err(1, "signalfd");
	}
	log_info("listening on port %s", o.port);

	dmn_serve(&d);

	dmn_stop_sessions(&d);
	if (o.pid_file) {
		unlink(o.pid_file);
		close(pid_fd);
	}
	dmn_fini(&d);
	free(pid_path);
	return 0;
}
