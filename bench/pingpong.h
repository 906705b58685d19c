/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: the eventfd baseline (pingpong.c).
 */
#ifndef BENCH_PINGPONG_H
#define BENCH_PINGPONG_H

#include <stdint.h>
#include <sys/types.h>

#include "figures.h"

/*
 * Baseline: an eventfd ping-pong with a child process pinned to a core.
 * The latency figures interleave blocks of it with their own blocks, so
 * that the baseline and the figure see the same machine conditions.
 */
struct pingpong {
	pid_t pid;
	int ping, pong, epfd;
};

int pingpong_start(struct pingpong *pp, int child_cpu);
/* @warm unrecorded round trips, then @n recorded in @samples (ns). */
int pingpong_run(struct pingpong *pp, uint64_t *samples, unsigned int n,
		 unsigned int warm);
void pingpong_stop(struct pingpong *pp);

/* One eventfd figure measured alone (when no daemon ran to compare). */
void pingpong_figure(struct figures *set, const char *name, int child_cpu);

#endif
