/* SPDX-License-Identifier: MIT */
/* vhost-device-gpio-bench: the timing error of played edges (play.c). */
#ifndef BENCH_PLAY_H
#define BENCH_PLAY_H

struct daemon_cmd;
struct figures;

void bench_play(const struct daemon_cmd *cmd, struct figures *set);

#endif
