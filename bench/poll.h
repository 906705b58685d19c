/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: the figures of the daemon polling (poll.c):
 * the *_poll figures, kicks per request and the idle CPU with --poll-us.
 */
#ifndef BENCH_POLL_H
#define BENCH_POLL_H

#include "daemon.h"
#include "figures.h"

/* Runs @cmd with --poll-us=@poll_us and measures; no figure if it fails. */
void bench_poll(const struct daemon_cmd *cmd, unsigned int poll_us,
		struct figures *set);

#endif
