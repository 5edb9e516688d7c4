/* SPDX-License-Identifier: MIT */
/*
 * measure - one test inside a session: start, timers, drain, results.
 *
 * Active flows run for duration_ms, then stop sending and wait (bounded)
 * until the peer has acknowledged every byte; passive flows run until
 * TEST_STOP and then read what is still queued.  BOTH flows do both: the
 * session sends TX_DONE once their sending is over and acknowledged, and
 * they read until TEST_STOP.  CPU use is measured over [start, start +
 * duration_ms].  When the session's side is over it sends TEST_RESULT (or
 * an ERROR naming the flow that failed) with the id of the TEST_START
 * request.  measure_report.c builds the frames.
 */
#ifndef KPERF_MEASURE_H
#define KPERF_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct session;

/* Takes ownership of req.  Return 0 or -errno with err filled. */
int measure_start(struct session *s, uint32_t id, struct proto_test_req *req,
	       char *err, size_t errlen);
/* TEST_STOP: finish the running test now. */
void measure_stop(struct session *s);
/* The next time (CLOCK_MONOTONIC ns) the test needs measure_on_timer(). */
uint64_t measure_next_deadline(const struct session *s);
void measure_on_timer(struct session *s, uint64_t now_ns);
/* The session is ending: stop workers and free the test, no result. */
void measure_abort(struct session *s);

#endif
