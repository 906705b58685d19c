// SPDX-License-Identifier: MIT
/*
 * The play scripts' parser: text (times with units, names, comments, end,
 * order) and VCD (our own recordings, other writers' layouts), and every
 * error naming its line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim_script.h"

static const char *const names[] = {"sim-0", "sim-1", "LED A", "BTN"};

/* The resolver the client gives: exact names, or as the VCD writer made them.
 */
static int line_of(void *opaque, const char *name)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	if (!strcmp(name, "sim_1"))
		return 1;
	return -ENOENT;
}

/* Parses @len bytes of @text: it must be refused with @want. */
static void expect_error_len(const char *text, size_t len, const char *want)
{
	struct sim_script s;
	char err[128];

	assert_int_equal(sim_script_parse(text, len, 4, line_of, NULL, &s, err,
					  sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_null(s.steps);
}

static void expect_error(const char *text, const char *want)
{
	expect_error_len(text, strlen(text), want);
}

/* A script that parses: the steps, length and ignored signals it gives. */
struct parse_case {
	const char *text;
	size_t count;
	struct sim_step steps[6];
	uint64_t length_ns;
	unsigned int ignored_signals;
};

static void run_parse_case(void **state)
{
	const struct parse_case *c = *state;
	struct sim_script s;
	char err[128];
	size_t i;
	int ret = sim_script_parse(c->text, strlen(c->text), 4, line_of, NULL,
				   &s, err, sizeof(err));

	if (ret)
		fail_msg("parse: %d, %s", ret, err);
	assert_int_equal(s.count, c->count);
	for (i = 0; i < c->count; i++) {
		assert_int_equal(s.steps[i].t_ns, c->steps[i].t_ns);
		assert_int_equal(s.steps[i].line, c->steps[i].line);
		assert_int_equal(s.steps[i].value, c->steps[i].value);
	}
	assert_int_equal(s.length_ns, c->length_ns);
	assert_int_equal(s.ignored_signals, c->ignored_signals);
	sim_script_free(&s);
}

static const struct parse_case text_units_and_names = {
	.text = "# a button that bounces\n"
		"0s BTN 1\n"
		"250us 3 0   # bounce\n"
		"\t1.5ms\tsim-1\t1\r\n"
		"\n"
		"1.5s 2 1\n"
		"7ns 0 1\n"
		"0.0000000019s 0 0\n",
	.count = 6,
	.steps = {{0, 3, 1},
		  {1, 0, 0}, /* 1.9 ns: the rest of a ns dropped */
		  {7, 0, 1},
		  {250000, 3, 0},
		  {1500000, 1, 1},
		  {1500000000, 2, 1}},
	.length_ns = 1500000000,
};

/* Changes at one time stay in file order: they happen together. */
static const struct parse_case text_same_time_keeps_order = {
	.text = "10ms 0 1\n10ms 1 1\n5ms 2 1\n10ms 0 0\n20ms end\n",
	.count = 4,
	.steps = {{5000000, 2, 1},
		  {10000000, 0, 1},
		  {10000000, 1, 1},
		  {10000000, 0, 0}},
	.length_ns = 20000000,
};

static void test_text_errors(void **state)
{
	expect_error("0s 0 1\n1s 9 1\n", "line 2: no line 9 (0..3)");
	expect_error("0s nosuch 1\n", "line 1: no line named \"nosuch\"");
	expect_error("0s 0 2\n", "line 1: the value must be 0 or 1");
	expect_error("5 0 1\n", "line 1: \"5\" is not a time (250us, 10ms, "
				"1.5s)");
	expect_error("1h 0 1\n", "line 1: \"1h\" is not a time (250us, 10ms, "
				 "1.5s)");
	expect_error("-1s 0 1\n", "line 1: \"-1s\" is not a time (250us, "
				  "10ms, 1.5s)");
	expect_error("1s 0\n", "line 1: expected TIME LINE VALUE or TIME end");
	expect_error("1s 0 1 1\n", "line 1: expected TIME LINE VALUE or TIME "
				   "end");
	expect_error("2s 0 1\n1s end\n", "the end comes before the last "
					 "change");
	expect_error("# nothing\n\n", "no change to play");
	expect_error("", "no change to play");
	expect_error("99999999999999999999s 0 1\n",
		     "line 1: \"9999999999999999\" is not a time (250us, "
		     "10ms, 1.5s)");
}

static void test_nul_byte_refused(void **state)
{
	expect_error_len("0s 0 1\n\0", 8, "a NUL byte: not a text or VCD file");
}

/* What `record` writes plays back: the level signals, not _dir or _irq. */
static const struct parse_case vcd_own_recording = {
	.text = "$version vhost-device-gpio-sim 0.1.0 $end\n"
		"$timescale 1us $end\n"
		"$scope module gpio $end\n"
		"$var wire 1 ! sim_1 $end\n"
		"$var wire 1 \" sim_1_dir $end\n"
		"$var wire 1 # sim_1_irq $end\n"
		"$upscope $end\n$enddefinitions $end\n"
		"#0\n$dumpvars\nx!\nx\"\n0#\n$end\n0!\n0\"\n"
		"#250\n1!\n1#\n#1500\n0!\nz\"\n#2000\n",
	.count = 3,
	.steps = {{0, 1, 0}, {250000, 1, 1}, {1500000, 1, 0}},
	.length_ns = 2000000,
	.ignored_signals = 2,
};

/* sigrok's layout: a time and its changes on one line; numbers as lines. */
static const struct parse_case vcd_other_layouts = {
	.text = "$timescale 10 ns $end\n"
		"$scope module libsigrok $end\n"
		"$var wire 1 ! 2 $end\n$var wire 1 \" BTN $end\n"
		"$var wire 8 # bus [7:0] $end\n$var real 1 $ r $end\n"
		"$upscope $end\n$enddefinitions $end\n"
		"#0 0! 1\" b1010 # r1.5 $\n#3 1! 0\"\n#10\n",
	.count = 4,
	.steps = {{0, 2, 0}, {0, 3, 1}, {30, 2, 1}, {30, 3, 0}},
	.length_ns = 100,
	.ignored_signals = 2,
};

static void test_vcd_errors(void **state)
{
	expect_error("$timescale 1 ps $end\n", "unreadable $timescale \"1ps\"");
	expect_error("$var wire 1 !", "truncated $var");
	expect_error("$timescale 1us $end\n$var wire 1 ! nosuch $end\n"
		     "#0 1!\n",
		     "no change to play");
	expect_error("$timescale 1us $end\n#x\n", "bad time \"#x\"");
}

/* The daemon's limit: a script of more changes is refused here first. */
static void test_too_many_changes(void **state)
{
	static char text[(SIM_SCRIPT_MAX_STEPS + 1) * 8];
	size_t i, len = 0;

	for (i = 0; i <= SIM_SCRIPT_MAX_STEPS; i++)
		len += (size_t)sprintf(text + len, "0s 0 %zu\n", i & 1);
	expect_error_len(text, len, "line 65537: more than 65536 changes");
}

/* test_@c: run_parse_case() of the parse_case @c. */
#define PARSE(c)                                                     \
	{                                                            \
		"test_" #c, run_parse_case, NULL, NULL, (void *)&(c) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PARSE(text_units_and_names),
		PARSE(text_same_time_keeps_order),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_nul_byte_refused),
		PARSE(vcd_own_recording),
		PARSE(vcd_other_layouts),
		cmocka_unit_test(test_vcd_errors),
		cmocka_unit_test(test_too_many_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
