// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level current_level = LOG_LEVEL_INFO;
static __thread char thread_tag[48];

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_set_thread_tag(const char *tag)
{
	snprintf(thread_tag, sizeof(thread_tag), "%s", tag ? tag : "");
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_LEVEL_ERROR] = "error",
		[LOG_LEVEL_WARN] = "warning",
		[LOG_LEVEL_INFO] = "info",
		[LOG_LEVEL_DEBUG] = "debug",
	};
	char line[1024];
	size_t len;
	va_list ap;
	int n;

	if (level > current_level)
		return;

	n = snprintf(line, sizeof(line), "vhost-device-gpio: %s: %s%s",
		     names[level], thread_tag, thread_tag[0] ? ": " : "");
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		va_start(ap, fmt);
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		va_end(ap);
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
