/* SPDX-License-Identifier: MIT */
/*
 * log - leveled messages to stderr, prefixed with the program name and pid.
 *
 * log_init() once at start-up; then log_err() .. log_dbg().  Messages above
 * the verbosity set are dropped before formatting.  Never call from a
 * worker's hot loop.
 */
#ifndef KPERF_LOG_H
#define KPERF_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DBG };

/* verbosity: highest level printed (LOG_LVL_WARN by default). */
void log_init(const char *prog, int verbosity);
void log_set_verbosity(int verbosity);
int log_enabled(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(...)	log_msg(LOG_LVL_DBG, __VA_ARGS__)

#endif
