// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One message, and the note about suppressed ones before it. */
#define LINE_MAX_LEN 1024
#define NOTE_MAX_LEN 160

static enum log_level current_level = LOG_LEVEL_INFO;
static bool journal_mode;
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

void log_init(void)
{
	log_set_journal(
		log_stream_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO));
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

/* The note about suppressed messages; returns its length. */
static size_t format_note(char *buf, size_t cap, unsigned long suppressed)
{
	size_t len = 0;

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

/* Writes @len bytes of @line after the note owed, in one write(). */
static void emit(const char *line, size_t len)
{
	char buf[NOTE_MAX_LEN + LINE_MAX_LEN];
	size_t n = format_note(buf, NOTE_MAX_LEN, rate.suppressed);

	memcpy(buf + n, line, len);
	rate.suppressed = 0;
	/* Best effort: nothing sensible to do if stderr is gone. */
	if (write(STDERR_FILENO, buf, n + len) < 0)
		return;
}

void log_flush_thread(void)
{
	if (rate.suppressed)
		emit("", 0);
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
	emit(line, len);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
