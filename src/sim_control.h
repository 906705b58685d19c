/* SPDX-License-Identifier: MIT */
/*
 * The simulated chip's control language, one command per line, one reply
 * line per command (`list` replies one line per GPIO line, then `end`):
 *
 *   get LINE       ->  LINE DIRECTION VALUE   (none|in|out, 0|1)
 *   set LINE 0|1   ->  ok                      (the simulated input level)
 *   list           ->  a `get` reply for every line, then `end`
 *   watch          ->  as `list`, then a `get` reply for a line each time
 *                      its direction or value changes, until the client
 *                      goes (the caller streams them: see the return value)
 *   trace          ->  the trace stream (gpio_trace.h), written by the
 *                      caller: see the return value
 *   anything else  ->  error REASON
 *
 * A command is printable ASCII: words separated by spaces or tabs (a
 * carriage return counts as a blank).  A line holding any other byte (a
 * NUL, another control character, a byte above 0x7e) is an error as a
 * whole, wherever that byte is, so a prefix that reads as a command is not
 * run (`set 2 1\0garbage`).  Error replies echo at most 16 characters of a
 * word, so every reply is printable ASCII too.
 *
 * VALUE is what the guest would read: the driven value of an output, the
 * input level otherwise.  A host chip's device (gpio_cdev) takes the same
 * language read-only: `set` and `watch` are errors there, DIRECTION is the
 * kernel's (line info), and reading a line the guest never configured
 * requests it, as the guest's own read would.  No sockets here: the caller
 * reads lines and sends what lands in the output buffer.
 */
#ifndef VDG_SIM_CONTROL_H
#define VDG_SIM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "gpio_backend.h"
#include "text_buf.h"

/* Longest command line accepted, without its newline. */
#define SIM_CONTROL_MAX_LINE 256

/* sim_control_execute's answer to `watch`: subscribe this client. */
#define SIM_CONTROL_WATCH 1
/* Its answer to `trace` (nothing written): the caller starts the stream. */
#define SIM_CONTROL_TRACE 2

/*
 * A control command's words: @command (@len bytes, no newline) must be
 * printable ASCII (tab and CR count as blanks) and shorter than @size; it
 * is copied into @line (@size bytes) and split there at blanks, @words
 * (room for @max) pointing at the words.  Returns the number of words
 * (@max + 1 when there are more), -E2BIG when too long, or -EILSEQ with
 * the offset of the first byte refused in *@bad.
 */
int sim_control_split(const char *command, size_t len, char *line, size_t size,
		      char **words, unsigned int max, size_t *bad);

/*
 * The same for a command that answers a refused line itself: such a line
 * gets "error line too long" or "error commands are printable ASCII" on
 * @out and *@replied is set; return the value then returned (0 or
 * -ENOMEM).  Otherwise the number of words, as above.
 */
int sim_control_words(const char *command, size_t len, char *line, size_t size,
		      char **words, unsigned int max, struct text_buf *out,
		      bool *replied);

/*
 * Executes @command, @len bytes (one line, no newline; NUL bytes are part
 * of it and need not end it), on the chip @sim (simulated or a host
 * chip's device) and appends the reply line(s) to @out.  Returns 0,
 * SIM_CONTROL_WATCH when the command was `watch` (the caller then sends
 * the client sim_control_line_state() of every line that changes),
 * SIM_CONTROL_TRACE for `trace` (the caller
 * replies), or -ENOMEM when the reply could not be stored.
 */
int sim_control_execute(struct gpio_backend *sim, const char *command,
			size_t len, struct text_buf *out);

/* Appends "LINE DIRECTION VALUE\n" for @line of @sim; 0 or -ENOMEM. */
int sim_control_line_state(struct gpio_backend *sim, unsigned int line,
			   struct text_buf *out);

#endif
