/* SPDX-License-Identifier: MIT */
/*
 * A VCD (IEEE 1364 value change dump) writer for a chip's lines, as the
 * control client records them.  Each line is three 1-bit wires named after
 * its guest line name (unnamed: "lineN"; characters other than letters,
 * digits and '_' become '_', as sigrok-cli reads '-' as a range, and names
 * that become equal get "_LINE" appended):
 *
 *   NAME      its level (x until known)
 *   NAME_dir  1 while the guest drives it (out), 0 while an input, z while
 *             released (none)
 *   NAME_irq  toggles each time the guest is given the line's interrupt
 *
 * Time 0 is the start of the recording; the timescale is 1 us (a viewer
 * or sigrok then works at 1 MHz, not 1 GHz).  Times must not go backwards:
 * an earlier one (a kernel stamp older than the change written before it)
 * is written at the last time instead.  Only changes are written.
 */
#ifndef VDG_VCD_WRITER_H
#define VDG_VCD_WRITER_H

#include <stdint.h>
#include <stdio.h>

struct vcd_writer;

enum vcd_direction { VCD_DIR_NONE, VCD_DIR_OUT, VCD_DIR_IN };

/*
 * A writer of @nlines lines (1 .. 65535) to @out (borrowed: the caller
 * closes it).  0, -EINVAL or -ENOMEM.
 */
int vcd_writer_new(FILE *out, unsigned int nlines, struct vcd_writer **w);
void vcd_writer_free(struct vcd_writer *w);

/*
 * Names @line (before vcd_writer_begin; NULL or "": unnamed).  0, -EINVAL
 * (no such line, or already begun) or -ENOMEM.
 */
int vcd_writer_set_name(struct vcd_writer *w, unsigned int line,
			const char *name);

/*
 * Writes the header; @t0_ns (CLOCK_MONOTONIC) is time 0.  0 or -EIO (the
 * stream's error, as every call below).
 */
int vcd_writer_begin(struct vcd_writer *w, uint64_t t0_ns);

/* @line is @dir at @level (0|1) from @ns on.  0, -EINVAL or -EIO. */
int vcd_writer_line(struct vcd_writer *w, uint64_t ns, unsigned int line,
		    enum vcd_direction dir, unsigned int level);

/* The guest was given @line's interrupt at @ns.  0, -EINVAL or -EIO. */
int vcd_writer_irq(struct vcd_writer *w, uint64_t ns, unsigned int line);

/*
 * Ends the dump at @ns (its last time, so that viewers show the whole
 * recording) and flushes.  0 or -EIO.
 */
int vcd_writer_end(struct vcd_writer *w, uint64_t ns);

#endif
