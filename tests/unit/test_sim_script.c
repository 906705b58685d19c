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

static struct sim_script parse_ok(const char *text)
{
	struct sim_script s;
	char err[128];
	int ret = sim_script_parse(text, strlen(text), 4, line_of, NULL, &s,
				   err, sizeof(err));

	if (ret)
		fail_msg("parse: %d, %s", ret, err);
	return s;
}

static void expect_error(const char *text, const char *want)
{
	struct sim_script s;
	char err[128];

	assert_int_equal(sim_script_parse(text, strlen(text), 4, line_of, NULL,
					  &s, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_null(s.steps);
}

static void assert_step(const struct sim_script *s, size_t i, uint64_t t_ns,
			unsigned int line, unsigned int value)
{
	assert_true(i < s->count);
	assert_int_equal(s->steps[i].t_ns, t_ns);
	assert_int_equal(s->steps[i].line, line);
	assert_int_equal(s->steps[i].value, value);
}

static void test_text_units_and_names(void **state)
{
	struct sim_script s = parse_ok("# a button that bounces\n"
				       "0s BTN 1\n"
				       "250us 3 0   # bounce\n"
				       "\t1.5ms\tsim-1\t1\r\n"
				       "\n"
				       "1.5s 2 1\n"
				       "7ns 0 1\n"
				       "0.0000000019s 0 0\n");

	assert_int_equal(s.count, 6);
	assert_step(&s, 0, 0, 3, 1);
	assert_step(&s, 1, 1, 0, 0); /* 1.9 ns: the rest of a ns dropped */
	assert_step(&s, 2, 7, 0, 1);
	assert_step(&s, 3, 250000, 3, 0);
	assert_step(&s, 4, 1500000, 1, 1);
	assert_step(&s, 5, 1500000000, 2, 1);
	assert_int_equal(s.length_ns, 1500000000);
	sim_script_free(&s);
}

/* Changes at one time stay in file order: they happen together. */
static void test_text_same_time_keeps_order(void **state)
{
	struct sim_script s = parse_ok("10ms 0 1\n10ms 1 1\n5ms 2 1\n"
				       "10ms 0 0\n20ms end\n");

	assert_int_equal(s.count, 4);
	assert_step(&s, 0, 5000000, 2, 1);
	assert_step(&s, 1, 10000000, 0, 1);
	assert_step(&s, 2, 10000000, 1, 1);
	assert_step(&s, 3, 10000000, 0, 0);
	assert_int_equal(s.length_ns, 20000000);
	sim_script_free(&s);
}

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
	struct sim_script s;
	char err[128];

	assert_int_equal(sim_script_parse("0s 0 1\n\0", 8, 4, line_of, NULL, &s,
					  err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "a NUL byte: not a text or VCD file");
}

/* What `record` writes plays back: the level signals, not _dir or _irq. */
static void test_vcd_own_recording(void **state)
{
	struct sim_script s =
		parse_ok("$version vhost-device-gpio-sim 0.1.0 $end\n"
			 "$timescale 1us $end\n"
			 "$scope module gpio $end\n"
			 "$var wire 1 ! sim_1 $end\n"
			 "$var wire 1 \" sim_1_dir $end\n"
			 "$var wire 1 # sim_1_irq $end\n"
			 "$upscope $end\n$enddefinitions $end\n"
			 "#0\n$dumpvars\nx!\nx\"\n0#\n$end\n0!\n0\"\n"
			 "#250\n1!\n1#\n#1500\n0!\nz\"\n#2000\n");

	assert_int_equal(s.count, 3);
	assert_step(&s, 0, 0, 1, 0);
	assert_step(&s, 1, 250000, 1, 1);
	assert_step(&s, 2, 1500000, 1, 0);
	assert_int_equal(s.length_ns, 2000000);
	assert_int_equal(s.ignored_signals, 2);
	sim_script_free(&s);
}

/* sigrok's layout: a time and its changes on one line; numbers as lines. */
static void test_vcd_other_layouts(void **state)
{
	struct sim_script s =
		parse_ok("$timescale 10 ns $end\n"
			 "$scope module libsigrok $end\n"
			 "$var wire 1 ! 2 $end\n$var wire 1 \" BTN $end\n"
			 "$var wire 8 # bus [7:0] $end\n$var real 1 $ r $end\n"
			 "$upscope $end\n$enddefinitions $end\n"
			 "#0 0! 1\" b1010 # r1.5 $\n#3 1! 0\"\n#10\n");

	assert_int_equal(s.count, 4);
	assert_step(&s, 0, 0, 2, 0);
	assert_step(&s, 1, 0, 3, 1);
	assert_step(&s, 2, 30, 2, 1);
	assert_step(&s, 3, 30, 3, 0);
	assert_int_equal(s.length_ns, 100);
	assert_int_equal(s.ignored_signals, 2);
	sim_script_free(&s);
}

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
	struct sim_script s;
	char err[128];
	size_t i, len = 0;

	for (i = 0; i <= SIM_SCRIPT_MAX_STEPS; i++)
		len += (size_t)sprintf(text + len, "0s 0 %zu\n", i & 1);
	assert_int_equal(sim_script_parse(text, len, 4, line_of, NULL, &s, err,
					  sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 65537: more than 65536 changes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_units_and_names),
		cmocka_unit_test(test_text_same_time_keeps_order),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_vcd_own_recording),
		cmocka_unit_test(test_vcd_other_layouts),
		cmocka_unit_test(test_vcd_errors),
		cmocka_unit_test(test_too_many_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
