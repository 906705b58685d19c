/* SPDX-License-Identifier: MIT */
/*
 * The control client's `record`: asks the daemon for its trace stream
 * (gpio_trace.h) and writes it as VCD (vcd_writer.h).
 */
#ifndef VDG_SIM_RECORD_H
#define VDG_SIM_RECORD_H

#include <stdint.h>

/* sim_record()'s exit statuses besides 0. */
#define SIM_RECORD_EXIT_ERROR 1 /* the daemon refused or went away */
#define SIM_RECORD_EXIT_USAGE 2 /* the file or the connection failed */

/*
 * Records what the control socket on @fd (connected; closed here) streams
 * into the VCD file @path until SIGINT or SIGTERM, or for @duration_ms
 * (0: no limit), then completes the file.  Says on stderr when recording
 * has begun ("recording N lines to PATH") and when it ends.  Returns the
 * exit status: 0 done, SIM_RECORD_EXIT_ERROR when the daemon answered an
 * error or closed the connection first (the file is complete up to then),
 * SIM_RECORD_EXIT_USAGE when the file could not be written.
 */
int sim_record(int fd, const char *path, int64_t duration_ms);

/* SECONDS as the command line gives it ("2", "0.5"): 0 and *@ms, or -1. */
int sim_record_parse_seconds(const char *text, int64_t *ms);

#endif
