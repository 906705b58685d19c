// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level current_level = LOG_LEVEL_INFO;
static bool journal_mode;
static __thread char thread_tag[48];

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

void log_set_thread_tag(const char *tag)
{
	snprintf(thread_tag, sizeof(thread_tag), "%s", tag ? tag : "");
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
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
	char line[1024];
	size_t len;
	int n;

	if (level > current_level)
		return;

	n = snprintf(line, sizeof(line), "%s%s: %s%s",
		     journal_mode ? priorities[level] : "vhost-device-gpio: ",
		     names[level], thread_tag, thread_tag[0] ? ": " : "");
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		if (n > 0)
			len += (size_t)n;
	}
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* Best effort: nothing sensible to do if stderr is gone. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
