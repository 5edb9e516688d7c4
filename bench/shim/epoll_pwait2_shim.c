// SPDX-License-Identifier: MIT
/*
 * For the instruction counts only (bench/cases.py run_instr): valgrind 3.19
 * (Debian 12) does not know the epoll_pwait2 system call (441) and fails
 * it with ENOSYS, which stops kperfd's workers.  Preloaded into kperfd
 * under callgrind, this turns glibc's epoll_pwait2() into epoll_pwait(),
 * rounding the timeout up to whole milliseconds.  It adds a handful of
 * instructions per wait to the counts; it is never used for timings.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
		 const struct timespec *timeout, const sigset_t *sigmask)
{
	int ms = -1;

	if (timeout) {
		long long v = (long long)timeout->tv_sec * 1000 +
			      (timeout->tv_nsec + 999999) / 1000000;

		ms = v > 0x7fffffff ? 0x7fffffff : (int)v;
	}
	return epoll_pwait(epfd, events, maxevents, ms, sigmask);
}
