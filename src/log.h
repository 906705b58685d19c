/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging to stderr, one line per event.  Thread-safe: each line is
 * written with a single write(2) so lines from different socket threads never
 * interleave.
 */
#ifndef VDG_LOG_H
#define VDG_LOG_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Messages above this level are dropped.  Default: LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/*
 * A thread-local prefix such as "gpio.sock0" put before every message of the
 * calling thread, so a line says which socket it is about.  The string is
 * copied.
 */
void log_set_thread_tag(const char *tag);

__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level,
						   const char *fmt, ...);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                         \
	do {                                                   \
		if (log_get_level() >= LOG_LEVEL_DEBUG)        \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
