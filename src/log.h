/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging to stderr, one line per event.  Thread-safe: each line is
 * written with a single system call so lines from different socket threads
 * never interleave.
 *
 * What a guest or a VMM can make the log cost:
 *
 * - Lines.  A thread with a tag (log_set_thread_tag(): the socket threads,
 *   which is where peers' traffic is handled) logs error, warning and info
 *   messages through a token bucket: LOG_RATE_BURST at once, then
 *   LOG_RATE_PER_SEC a second.  Messages over that are counted, and the
 *   count comes out as "N messages suppressed" before the thread's next
 *   line that gets through, and when the thread ends (log_flush_thread()).
 *   Debug messages (-v: the user asked for every request) and threads
 *   without a tag (the main thread: start-up, shutdown) are not limited.
 * - Blocking.  When stderr is a socket (the journal) or a pipe or FIFO,
 *   nothing waits for its reader: a line it cannot take now is dropped and
 *   counted, and the count comes out before the next line that gets out,
 *   as "N log lines lost: stderr was not being read".  Sockets are written
 *   with send(MSG_DONTWAIT); a pipe through a second opening of it
 *   (/proc/self/fd/2, at log_init()) that is O_NONBLOCK: stderr's own
 *   O_NONBLOCK is never set, its open file description being shared with
 *   whoever started us.  (Without /proc, a pipe gets a plain write(), which
 *   may block.)  Regular files and terminals get a plain write() (a
 *   terminal stopped with Ctrl-S blocks the thread that logs).
 */
#ifndef VDG_LOG_H
#define VDG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/*
 * Whether stderr is connected to the journal: JOURNAL_STREAM (set by systemd
 * for a service whose stderr it connects to journald) holds "DEV:INODE" of
 * that stream, and it is ours only if @fd's fstat() has the same.  A
 * variable inherited by a process whose stderr went elsewhere is false.
 */
bool log_stream_is_journal(const char *journal_stream, int fd);

/*
 * Journal mode: each line starts with its syslog priority ("<3>" error,
 * "<4>" warning, "<6>" info, "<7>" debug) so journald files it at that
 * priority, and has no program-name prefix (journald adds its own).
 * Otherwise a line is "vhost-device-gpio: LEVEL: ...".  Set once at start-up.
 */
void log_set_journal(bool journal);

/*
 * log_set_journal(log_stream_is_journal(getenv("JOURNAL_STREAM"), 2)), and
 * looks at what stderr is (socket, pipe, anything else) to write it
 * without blocking where it can: for a pipe, opens it a second time (an fd
 * kept until exit or the next log_init()).  Call again after stderr
 * changes, not after the system-call filter is in (it opens a file).
 */
void log_init(void);

/* Messages above this level are dropped.  Default: LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/*
 * A thread-local prefix such as "gpio.sock0" put before every message of the
 * calling thread, so a line says which socket it is about.  The string is
 * copied.  A tagged thread's messages are rate-limited (see above); setting
 * a tag reports the messages suppressed so far and starts a full bucket.
 */
void log_set_thread_tag(const char *tag);

/* The tagged threads' rate limit: a burst, then so many a second. */
#define LOG_RATE_BURST	 20
#define LOG_RATE_PER_SEC 10

/* Logs "N messages suppressed" now if the calling thread has any. */
void log_flush_thread(void);

/*
 * For tests: the clock the rate limit reads, in milliseconds (NULL: the
 * monotonic clock).
 */
void log_set_clock(uint64_t (*now_ms)(void));

__attribute__((format(printf, 2, 3))) void log_msg(enum log_level level,
						   const char *fmt, ...);

/* log_msg() with a va_list. */
__attribute__((format(printf, 2, 0))) void
log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                         \
	do {                                                   \
		if (log_get_level() >= LOG_LEVEL_DEBUG)        \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
