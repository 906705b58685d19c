// SPDX-License-Identifier: MIT
/* vhost-device-gpio-bench: the state a run shares: see run.h. */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

struct bench_config cfg;
unsigned int bench_failures;

void vlog(const char *fmt, ...)
{
	va_list ap;

	static int64_t start;

	if (!cfg.verbose)
		return;
	if (!start)
		start = now_ns();
	fprintf(stderr, "bench: %7.3f s: ", (double)(now_ns() - start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000,
			      .tv_nsec = ns % 1000000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
