// SPDX-License-Identifier: MIT
/*
 * log - leveled messages to stderr.
 *
 * Each message is formatted into a stack buffer and written with a single
 * write(2): stderr is often shared by the daemon, its sessions and the
 * client, and one write per line keeps their lines from interleaving.
 * No stdio and no locks, so a message from any thread is safe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

#define LOG_LINE_MAX	1024
#define LOG_PROG_MAX	32

static char log_prog[LOG_PROG_MAX];
static int log_verbosity = LOG_LVL_WARN;

static const char *const log_level_names[] = {
	[LOG_LVL_ERR]	= "error",
	[LOG_LVL_WARN]	= "warning",
	[LOG_LVL_INFO]	= "info",
	[LOG_LVL_DBG]	= "debug",
};

/*
 * Call before starting threads: prog is copied without a lock.  A NULL
 * prog keeps the name the program was started with.  A verbosity below
 * LOG_LVL_ERR silences everything.
 */
void log_init(const char *prog, int verbosity)
{
	if (prog) {
		const char *slash = strrchr(prog, '/');

		snprintf(log_prog, sizeof(log_prog), "%s",
			 slash ? slash + 1 : prog);
	}
	log_set_verbosity(verbosity);
}

void log_set_verbosity(int verbosity)
{
	/* Atomic so that a thread checking the level sees a whole value. */
	__atomic_store_n(&log_verbosity, verbosity, __ATOMIC_RELAXED);
}

int log_enabled(enum log_level lvl)
{
	return (int)lvl <= __atomic_load_n(&log_verbosity, __ATOMIC_RELAXED);
}

static const char *log_prog_name(void)
{
	return log_prog[0] ? log_prog : program_invocation_short_name;
}

static const char *log_level_name(enum log_level lvl)
{
	if ((unsigned int)lvl >= sizeof(log_level_names) /
				 sizeof(log_level_names[0]))
		return "log";
	return log_level_names[lvl];
}

/* Best effort: there is nowhere to report a failure to write stderr. */
static void log_write(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	int saved_errno = errno;	/* callers may log, then use errno */
	size_t len;
	va_list ap;
	int n;

	if (!log_enabled(lvl))
		return;

	n = snprintf(buf, sizeof(buf), "%s[%d]: %s: ", log_prog_name(),
		     (int)getpid(), log_level_name(lvl));
	if (n < 0)
		goto restore_errno;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto restore_errno;
	len += (size_t)n;

	/* Keep a cut message recognisable as cut, and still one line. */
	if (len >= sizeof(buf) - 1) {
		len = sizeof(buf) - 1;
		memcpy(buf + len - 4, "...", 3);
		buf[len - 1] = '\n';
	} else if (len == 0 || buf[len - 1] != '\n') {
		buf[len++] = '\n';
	}

	log_write(buf, len);
restore_errno:
	errno = saved_errno;
}
