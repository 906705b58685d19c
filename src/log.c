// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How stderr is written: see log.h. */
enum log_stream {
	LOG_STREAM_WRITE,  /* a file, a terminal: write() */
	LOG_STREAM_SOCKET, /* send(MSG_DONTWAIT) */
	LOG_STREAM_PIPE,   /* write() to pipe_fd, our O_NONBLOCK opening */
};

/* One message, and the notes about lost and suppressed ones before it. */
#define LINE_MAX_LEN 1024
#define NOTE_MAX_LEN 160

static enum log_level current_level = LOG_LEVEL_INFO;
static bool journal_mode;
static enum log_stream stream = LOG_STREAM_WRITE;
static int pipe_fd = -1;
/* Lines stderr could not take (any thread), not reported yet. */
static atomic_ulong lost_lines;
static uint64_t (*clock_now_ms)(void);
static __thread char thread_tag[48];

/* The calling thread's token bucket, in thousandths of a message. */
static __thread struct {
	bool started;
	uint64_t last_ms;
	uint64_t credit;
	unsigned long suppressed;
} rate;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

bool log_stream_is_journal(const char *journal_stream, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!journal_stream ||
	    sscanf(journal_stream, "%llu:%llu%n", &dev, &ino, &end) != 2 ||
	    journal_stream[end] || fstat(fd, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_set_journal(bool journal)
{
	journal_mode = journal;
}

static void close_pipe_fd(void)
{
	if (pipe_fd >= 0)
		close(pipe_fd);
	pipe_fd = -1;
}

/*
 * A pipe of its own for stderr's pipe or FIFO: opening it again through
 * /proc makes a new open file description, whose O_NONBLOCK is ours
 * alone.  (pwritev2(RWF_NOWAIT) would need no fd, but pipes take it only
 * from Linux 6.4 on and FIFOs not at all.)  Without /proc, or not allowed
 * to open the pipe, the lines go to stderr itself and may block.
 */
static bool open_pipe_fd(void)
{
	static bool registered;
	char path[32];

	close_pipe_fd();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", STDERR_FILENO);
	pipe_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (pipe_fd < 0)
		return false;
	if (!registered)
		registered = atexit(close_pipe_fd) == 0;
	return true;
}

void log_init(void)
{
	struct stat st;

	log_set_journal(
		log_stream_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO));
	stream = LOG_STREAM_WRITE;
	close_pipe_fd();
	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode))
		stream = LOG_STREAM_SOCKET;
	else if (S_ISFIFO(st.st_mode) && open_pipe_fd())
		stream = LOG_STREAM_PIPE;
}

void log_set_clock(uint64_t (*now_ms)(void))
{
	clock_now_ms = now_ms;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	if (clock_now_ms)
		return clock_now_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether the calling thread may log one more message now. */
static bool rate_take(void)
{
	const uint64_t full = LOG_RATE_BURST * 1000u;
	uint64_t now = now_ms();

	if (!rate.started) {
		rate.started = true;
		rate.credit = full;
	} else if (now > rate.last_ms) {
		uint64_t ms = now - rate.last_ms;

		/* LOG_RATE_PER_SEC messages a second: that many per ms. */
		if (ms >= full / LOG_RATE_PER_SEC)
			rate.credit = full;
		else
			rate.credit += ms * LOG_RATE_PER_SEC;
		if (rate.credit > full)
			rate.credit = full;
	}
	rate.last_ms = now;
	if (rate.credit < 1000u)
		return false;
	rate.credit -= 1000u;
	return true;
}

/* What snprintf() into @cap bytes wrote, without its NUL. */
static size_t clamp(int n, size_t cap)
{
	if (n < 0 || cap == 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* "vhost-device-gpio: LEVEL: " or "<N>LEVEL: ", then "TAG: " if @tagged. */
static size_t format_prefix(char *buf, size_t cap, enum log_level level,
			    bool tagged)
{
	static const char *const names[] = {
		[LOG_LEVEL_ERROR] = "error",
		[LOG_LEVEL_WARN] = "warning",
		[LOG_LEVEL_INFO] = "info",
		[LOG_LEVEL_DEBUG] = "debug",
	};
	/* syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
	static const char *const priorities[] = {
		[LOG_LEVEL_ERROR] = "<3>",
		[LOG_LEVEL_WARN] = "<4>",
		[LOG_LEVEL_INFO] = "<6>",
		[LOG_LEVEL_DEBUG] = "<7>",
	};
	bool tag = tagged && thread_tag[0];

	return clamp(snprintf(buf, cap, "%s%s: %s%s",
			      journal_mode ? priorities[level]
					   : "vhost-device-gpio: ",
			      names[level], tag ? thread_tag : "",
			      tag ? ": " : ""),
		     cap);
}

/* The notes about lost and suppressed messages; returns their length. */
static size_t format_notes(char *buf, size_t cap, unsigned long lost,
			   unsigned long suppressed)
{
	size_t len = 0;

	if (lost) {
		len += format_prefix(buf, cap, LOG_LEVEL_WARN, false);
		len += clamp(snprintf(buf + len, cap - len,
				      "%lu log line%s lost: stderr was not "
				      "being read\n",
				      lost, lost == 1 ? "" : "s"),
			     cap - len);
	}
	if (suppressed) {
		len += format_prefix(buf + len, cap - len, LOG_LEVEL_WARN,
				     true);
		len += clamp(snprintf(buf + len, cap - len,
				      "%lu message%s suppressed (more than %d "
				      "a second)\n",
				      suppressed, suppressed == 1 ? "" : "s",
				      LOG_RATE_PER_SEC),
			     cap - len);
	}
	return len;
}

/*
 * One system call for @buf, never waiting for a socket's or a pipe's
 * reader.  Returns 0 (written, or stderr is gone: nothing to be done),
 * or -EAGAIN when the reader has not made room.
 */
static int stream_write(const char *buf, size_t len)
{
	ssize_t n;

	do {
		switch (stream) {
		case LOG_STREAM_SOCKET:
			/* A unix stream socket takes a line whole or not. */
			n = send(STDERR_FILENO, buf, len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case LOG_STREAM_PIPE:
			/* At most PIPE_BUF bytes: whole or not at all. */
			n = write(pipe_fd, buf, len);
			break;
		default:
			n = write(STDERR_FILENO, buf, len);
			break;
		}
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	return 0;
}

/*
 * Writes @len bytes of @line after the notes owed; the notes are written
 * with it, or kept for the next line if it cannot go out.  @counted: the
 * line is a message (counted as lost if it cannot go out).
 */
static void emit(const char *line, size_t len, bool counted)
{
	char buf[2 * NOTE_MAX_LEN + LINE_MAX_LEN];
	unsigned long lost = atomic_exchange(&lost_lines, 0);
	size_t n = format_notes(buf, 2 * NOTE_MAX_LEN, lost, rate.suppressed);

	memcpy(buf + n, line, len);
	if (stream_write(buf, n + len) < 0) {
		atomic_fetch_add(&lost_lines, lost + (counted ? 1 : 0));
		return;
	}
	rate.suppressed = 0;
}

void log_flush_thread(void)
{
	unsigned long suppressed = rate.suppressed;

	if (!suppressed)
		return;
	/* The note alone; if it cannot go out, it counts as a lost line. */
	emit("", 0, false);
	if (rate.suppressed) {
		rate.suppressed = 0;
		atomic_fetch_add(&lost_lines, 1);
	}
}

void log_set_thread_tag(const char *tag)
{
	log_flush_thread();
	rate.started = false;
	snprintf(thread_tag, sizeof(thread_tag), "%s", tag ? tag : "");
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LINE_MAX_LEN];
	size_t len;
	int n;

	if (level > current_level)
		return;
	if (thread_tag[0] && level != LOG_LEVEL_DEBUG && !rate_take()) {
		rate.suppressed++;
		return;
	}
	len = format_prefix(line, sizeof(line), level, true);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	emit(line, len, true);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
