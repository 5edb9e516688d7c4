/* SPDX-License-Identifier: MIT */
#ifndef KPERF_CLOCK_H
#define KPERF_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000ull
#define NSEC_PER_MSEC	1000000ull

/* CLOCK_MONOTONIC in ns; a vDSO call, cheap enough for once per wake-up. */
static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
