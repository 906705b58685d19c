// SPDX-License-Identifier: MIT
/*
 * The VCD writer of the control client's `record`: the header viewers
 * read, signal names, identifier codes, times in microseconds that never
 * go back, and only changes written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vcd_writer.h"

#define T0 5000000000ull /* ns: any CLOCK_MONOTONIC time */
#define US 1000ull

struct dump {
	char *text;
	size_t size;
	FILE *file;
	struct vcd_writer *w;
};

static void dump_open(struct dump *d, unsigned int nlines)
{
	memset(d, 0, sizeof(*d));
	d->file = open_memstream(&d->text, &d->size);
	assert_non_null(d->file);
	assert_int_equal(vcd_writer_new(d->file, nlines, &d->w), 0);
}

/* Everything written after "$enddefinitions $end\n". */
static const char *dump_body(struct dump *d)
{
	const char *p;

	fflush(d->file);
	p = strstr(d->text, "$enddefinitions $end\n");
	assert_non_null(p);
	return p + strlen("$enddefinitions $end\n");
}

static void dump_close(struct dump *d)
{
	vcd_writer_free(d->w);
	fclose(d->file);
	free(d->text);
}

static void test_header(void **state)
{
	struct dump d;

	dump_open(&d, 2);
	assert_int_equal(vcd_writer_set_name(d.w, 0, "led"), 0);
	assert_int_equal(vcd_writer_begin(d.w, T0), 0);
	fflush(d.file);
	assert_non_null(strstr(d.text, "$timescale 1us $end\n"
				       "$scope module gpio $end\n"
				       "$var wire 1 ! led $end\n"
				       "$var wire 1 \" led_dir $end\n"
				       "$var wire 1 # led_irq $end\n"
				       "$var wire 1 $ line1 $end\n"
				       "$var wire 1 % line1_dir $end\n"
				       "$var wire 1 & line1_irq $end\n"
				       "$upscope $end\n"));
	/* Levels and directions unknown until the daemon says; no irq. */
	assert_string_equal(dump_body(&d), "#0\n$dumpvars\nx!\nx\"\n0#\n"
					   "x$\nx%\n0&\n$end\n");
	dump_close(&d);
}

/* One call of the writer after vcd_writer_begin(T0), at T0 + @dt_ns. */
struct vcd_call {
	enum { CALL_LINE = 1, CALL_IRQ, CALL_END } kind;
	int64_t dt_ns;
	unsigned int line;
	enum vcd_direction dir;
	unsigned int value;
};

/* A recording of @nlines lines: its calls, and the body they write. */
struct vcd_case {
	unsigned int nlines;
	struct vcd_call calls[8];
	const char *want; /* from the "$end\n" closing $dumpvars */
};

static int vcd_call_run(struct vcd_writer *w, const struct vcd_call *c)
{
	uint64_t t = T0 + c->dt_ns;

	switch (c->kind) {
	case CALL_LINE:
		return vcd_writer_line(w, t, c->line, c->dir, c->value);
	case CALL_IRQ:
		return vcd_writer_irq(w, t, c->line);
	default:
		return vcd_writer_end(w, t);
	}
}

static void run_vcd_case(void **state)
{
	const struct vcd_case *c = *state;
	const struct vcd_call *call;
	struct dump d;

	dump_open(&d, c->nlines);
	assert_int_equal(vcd_writer_begin(d.w, T0), 0);
	for (call = c->calls; call->kind; call++)
		assert_int_equal(vcd_call_run(d.w, call), 0);
	assert_string_equal(strstr(dump_body(&d), "$end\n"), c->want);
	dump_close(&d);
}

#define LINE(us, line, dir, value)                      \
	{                                               \
		CALL_LINE, (us), (line), (dir), (value) \
	}
#define IRQ(us, line)                        \
	{                                    \
		CALL_IRQ, (us), (line), 0, 0 \
	}
#define END(us)                         \
	{                               \
		CALL_END, (us), 0, 0, 0 \
	}

static const struct vcd_case changes_in_microseconds = {
	.nlines = 1,
	.calls =
		{/* The state at the start: at time 0, no second "#0". */
		 LINE(0, 0, VCD_DIR_IN, 0),
		 LINE(250 * US + 999, 0, VCD_DIR_IN, 1),
		 /* Nothing changed: nothing written, not even the time. */
		 LINE(300 * US, 0, VCD_DIR_IN, 1),
		 LINE(1500000 * US, 0, VCD_DIR_OUT, 0), END(2000000 * US)},
	.want = "$end\n0!\n0\"\n#250\n1!\n#1500000\n0!\n1\"\n#2000000\n",
};

static const struct vcd_case time_never_goes_back = {
	.nlines = 2,
	.calls =
		{LINE(100 * US, 0, VCD_DIR_IN, 1),
		 /* A kernel stamp older than what was written: at the last
		  * time. */
		 LINE(40 * US, 1, VCD_DIR_IN, 1),
		 /* Older than the recording itself: at time 0 at the latest. */
		 LINE(-7 * (int64_t)US, 1, VCD_DIR_IN, 0), END(50 * US)},
	.want = "$end\n#100\n1!\n0\"\n1$\n0%\n0$\n",
};

static const struct vcd_case directions_and_irq = {
	.nlines = 1,
	.calls = {LINE(1 * US, 0, VCD_DIR_NONE, 0), IRQ(2 * US, 0),
		  IRQ(3 * US, 0), LINE(4 * US, 0, VCD_DIR_IN, 0)},
	.want = "$end\n#1\n0!\nz\"\n#2\n1#\n#3\n0#\n#4\n0\"\n",
};

static void test_names_made_valid_and_unique(void **state)
{
	struct dump d;

	dump_open(&d, 5);
	assert_int_equal(vcd_writer_set_name(d.w, 0, "sim-0"), 0);
	assert_int_equal(vcd_writer_set_name(d.w, 1, "sim_0"), 0);
	assert_int_equal(vcd_writer_set_name(d.w, 2, "a b"), 0);
	assert_int_equal(vcd_writer_set_name(d.w, 3, ""), 0);
	assert_int_equal(vcd_writer_set_name(d.w, 4, "sim.0"), 0);
	assert_int_equal(vcd_writer_begin(d.w, T0), 0);
	fflush(d.file);
	assert_non_null(strstr(d.text, " sim_0_0 $end\n"));
	assert_non_null(strstr(d.text, " sim_0_1 $end\n"));
	assert_non_null(strstr(d.text, " sim_0_4 $end\n"));
	assert_non_null(strstr(d.text, " a_b $end\n"));
	assert_non_null(strstr(d.text, " line3 $end\n"));
	assert_non_null(strstr(d.text, " line3_irq $end\n"));
	assert_null(strstr(d.text, " sim_0 $end\n"));
	dump_close(&d);
}

/* Past 94 signals the codes take two characters, all different. */
static void test_identifier_codes(void **state)
{
	struct dump d;
	unsigned int i;

	dump_open(&d, 40);
	assert_int_equal(vcd_writer_begin(d.w, T0), 0);
	fflush(d.file);
	/* Signal 93 is "~", 94 is "!\"" (least significant digit first). */
	assert_non_null(strstr(d.text, "$var wire 1 ~ line31 $end\n"));
	assert_non_null(strstr(d.text, "$var wire 1 !\" line31_dir $end\n"));
	assert_non_null(strstr(d.text, "$var wire 1 \"\" line31_irq $end\n"));
	for (i = 0; i < 40; i++)
		assert_int_equal(vcd_writer_line(d.w, T0, i, VCD_DIR_OUT, 1),
				 0);
	assert_non_null(strstr(dump_body(&d), "\n1~\n1!\"\n"));
	dump_close(&d);
}

static void test_refused_calls(void **state)
{
	struct dump d;
	struct vcd_writer *w;

	assert_int_equal(vcd_writer_new(stdout, 0, &w), -EINVAL);
	assert_int_equal(vcd_writer_new(stdout, 65536, &w), -EINVAL);
	dump_open(&d, 2);
	assert_int_equal(vcd_writer_line(d.w, T0, 0, VCD_DIR_IN, 0), -EINVAL);
	assert_int_equal(vcd_writer_end(d.w, T0), -EINVAL);
	assert_int_equal(vcd_writer_set_name(d.w, 2, "x"), -EINVAL);
	assert_int_equal(vcd_writer_begin(d.w, T0), 0);
	assert_int_equal(vcd_writer_begin(d.w, T0), -EINVAL);
	assert_int_equal(vcd_writer_set_name(d.w, 0, "late"), -EINVAL);
	assert_int_equal(vcd_writer_line(d.w, T0, 2, VCD_DIR_IN, 0), -EINVAL);
	assert_int_equal(vcd_writer_line(d.w, T0, 0, VCD_DIR_IN, 2), -EINVAL);
	assert_int_equal(vcd_writer_line(d.w, T0, 0, (enum vcd_direction)3, 0),
			 -EINVAL);
	assert_int_equal(vcd_writer_irq(d.w, T0, 2), -EINVAL);
	/* Nothing of the refused calls reached the file. */
	assert_string_equal(strstr(dump_body(&d), "$end\n"), "$end\n");
	dump_close(&d);
}

/* test_@c: run_vcd_case() of the vcd_case @c. */
#define VCD(c)                                                     \
	{                                                          \
		"test_" #c, run_vcd_case, NULL, NULL, (void *)&(c) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		VCD(changes_in_microseconds),
		VCD(time_never_goes_back),
		VCD(directions_and_irq),
		cmocka_unit_test(test_names_made_valid_and_unique),
		cmocka_unit_test(test_identifier_codes),
		cmocka_unit_test(test_refused_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
