/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: the state every part of a run shares (run.c):
 * the configuration the command line set, the count of failures, progress
 * lines and the clock.  It depends on no other part of the benchmark.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct bench_config {
	bool quick;
	bool verbose;
	const char *dir;	    /* sockets and daemon logs */
	const char *raw_dir;	    /* --raw: samples of each figure */
	unsigned int latency_iters; /* round trips per latency figure */
	unsigned int irq_iters;	    /* interrupts per latency figure */
	double throughput_seconds;  /* per throughput figure */
	double idle_seconds;	    /* scale: idle window */
	unsigned int ready_runs;    /* footprint: daemon starts */
	unsigned int scale_devices; /* 64 */
	unsigned int scale_lines;   /* 64 */
	int cpu_a, cpu_b;	    /* the bench's core, the other core */
	bool have_cross;	    /* cpu_b usable */
};

extern struct bench_config cfg;

/*
 * Failures of a daemon under test (did not start, died, timed out, answered
 * wrongly).  Figures it cannot support (no F_IRQ, no control socket) are
 * not failures.  Any failure makes the exit status 1.
 */
extern unsigned int bench_failures;

/* Progress lines on stderr with -v. */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int64_t now_ns(void);
void sleep_ns(int64_t ns);

#endif
