/* SPDX-License-Identifier: MIT */
/*
 * The simulated chip's control language, one command per line, one reply
 * line per command (`list` replies one line per GPIO line, then `end`):
 *
 *   get LINE       ->  LINE DIRECTION VALUE   (none|in|out, 0|1)
 *   set LINE 0|1   ->  ok                      (the simulated input level)
 *   list           ->  a `get` reply for every line, then `end`
 *   anything else  ->  error REASON
 *
 * VALUE is what the guest would read: the driven value of an output, the
 * input level otherwise.  No sockets here: the caller reads lines and sends
 * what lands in the output buffer.
 */
#ifndef VDG_SIM_CONTROL_H
#define VDG_SIM_CONTROL_H

#include "gpio_backend.h"
#include "text_buf.h"

/* Longest command line accepted, without its newline. */
#define SIM_CONTROL_MAX_LINE 256

/*
 * Executes @command (one line, no newline) on the simulated chip @sim and
 * appends the reply line(s) to @out.  Returns 0, or -ENOMEM when the reply
 * could not be stored.
 */
int sim_control_execute(struct gpio_backend *sim, const char *command,
			struct text_buf *out);

#endif
