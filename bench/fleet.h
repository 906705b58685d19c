/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: scale (64 devices) and footprint (one idle s8)
 * (fleet.c).
 */
#ifndef BENCH_FLEET_H
#define BENCH_FLEET_H

#include "daemon.h"
#include "figures.h"

/* Scale and footprint. */
void bench_scale(const struct daemon_cmd *cmd, struct figures *set);
void bench_footprint(const struct daemon_cmd *cmd, struct figures *set);

#endif
