/* SPDX-License-Identifier: MIT */
/*
 * Timed stimulus scripts for the control client's `play`: a list of line
 * changes, each at a time from the start of the play, read from text or
 * from VCD.  No sockets, no clock: the daemon keeps the time.
 *
 * Text, one change a line, `#` to the end of a line a comment:
 *
 *   TIME LINE VALUE     LINE a guest line number or name, VALUE 0 or 1
 *   TIME end            the script lasts until TIME (when looped, the next
 *                       round starts then); default: its last change
 *
 * TIME is a decimal number with a unit, `ns`, `us`, `ms` or `s` (`250us`,
 * `10ms`, `1.5s`), from the start of the play; lines need not be in time
 * order.  Changes at the same time happen together, in file order.
 *
 * VCD (recognised by a `$` as its first non-blank character): every 1-bit
 * signal whose reference is a guest line name (as is, or as vcd_writer.h
 * writes it) or a line number drives that line with its 0 and 1 values
 * (x and z change nothing); other signals are ignored and counted.  The
 * last time stamp is the script's end.
 */
#ifndef VDG_SIM_SCRIPT_H
#define VDG_SIM_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

/* Changes one script may hold (the daemon's limit too). */
#define SIM_SCRIPT_MAX_STEPS 65536u

struct sim_step {
	uint64_t t_ns;
	uint16_t line;
	uint8_t value;
};

struct sim_script {
	struct sim_step *steps; /* in time order */
	size_t count;
	uint64_t length_ns; /* when it ends: >= the last step's time */
	unsigned int ignored_signals; /* VCD signals that name no line */
};

/*
 * The guest line named @name, for a script that names lines: its number,
 * -ENOENT if no line has that name, or another -errno if the names could
 * not be had.  Called only for names that are not numbers.
 */
typedef int (*sim_script_line_fn)(void *opaque, const char *name);

/*
 * Parses @len bytes of @text (NUL bytes are errors) into @script (freed
 * with sim_script_free) for a chip of @ngpio lines.  Returns 0, -ENOMEM,
 * or -EINVAL with one sentence naming the line of the file in @err.
 */
int sim_script_parse(const char *text, size_t len, unsigned int ngpio,
		     sim_script_line_fn line_of, void *opaque,
		     struct sim_script *script, char *err, size_t err_size);

void sim_script_free(struct sim_script *script);

#endif
