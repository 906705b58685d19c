// SPDX-License-Identifier: MIT
/* The simulated chip through its back-end ops and its host-side calls. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_ops.h"
#include "gpio_sim.h"

#define DIR_NONE GPIO_DIRECTION_NONE
#define DIR_IN	 GPIO_DIRECTION_IN
#define DIR_OUT	 GPIO_DIRECTION_OUT

static struct gpio_backend *sim_new(unsigned int nlines)
{
	struct gpio_backend *be = NULL;

	assert_int_equal(gpio_sim_new(nlines, &be), 0);
	assert_non_null(be);
	return be;
}

/* The host sets line @line's input to @level (gpio_sim_set_input). */
static void host_sets(struct gpio_backend *be, unsigned int line, uint8_t level)
{
	assert_int_equal(gpio_sim_set_input(be, line, level), 0);
}

static void test_new_bad_sizes(void **state)
{
	struct gpio_backend *be = (void *)1;

	assert_int_equal(gpio_sim_new(0, &be), -EINVAL);
	assert_null(be);
	be = (void *)1;
	assert_int_equal(gpio_sim_new(GPIO_SIM_MAX_LINES + 1, &be), -EINVAL);
	assert_null(be);
	assert_int_equal(gpio_sim_new(~0u, &be), -EINVAL);
}

static void test_initial_state(void **state)
{
	struct gpio_backend *be = sim_new(3);
	enum gpio_direction dir = DIR_NONE;
	unsigned int i;

	assert_int_equal(be->ngpio, 3);
	assert_non_null(be->ops->get_direction);
	for (i = 0; i < 3; i++) {
		assert_int_equal(gpio_sim_get_direction(be, i), DIR_IN);
		assert_int_equal(be->ops->get_direction(be, i, &dir), 0);
		assert_int_equal(dir, DIR_IN);
		/* An input nobody drove reads 0, not an error. */
		assert_int_equal(be_level(be, i), 0);
	}
	gpio_backend_destroy(be);
}

static void test_names(void **state)
{
	struct gpio_backend *be = sim_new(12);

	assert_non_null(be->names);
	assert_string_equal(be->names[0], "sim-0");
	assert_string_equal(be->names[9], "sim-9");
	assert_string_equal(be->names[10], "sim-10");
	assert_string_equal(be->names[11], "sim-11");
	gpio_backend_destroy(be);
}

static void test_names_largest(void **state)
{
	struct gpio_backend *be = sim_new(GPIO_SIM_MAX_LINES);

	assert_int_equal(be->ngpio, 65535);
	assert_string_equal(be->names[0], "sim-0");
	assert_string_equal(be->names[9999], "sim-9999");
	assert_string_equal(be->names[65534], "sim-65534");
	assert_int_equal(gpio_sim_get_direction(be, 65534), DIR_IN);
	host_sets(be, 65534, 1);
	assert_int_equal(be_level(be, 65534), 1);
	gpio_backend_destroy(be);
}

static void test_output_reads_driven_value(void **state)
{
	struct gpio_backend *be = sim_new(2);

	host_sets(be, 0, 1);
	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 0), 0);
	assert_int_equal(gpio_sim_get_direction(be, 0), DIR_OUT);
	/* Starting as an output drives the given value at once. */
	assert_int_equal(be_set_dir(be, 1, DIR_OUT, 1), 0);
	assert_int_equal(be_level(be, 1), 1);
	/* The output wins over the input level. */
	assert_int_equal(be_level(be, 0), 0);
	assert_int_equal(be_set_val(be, 0, 1), 0);
	assert_int_equal(be_level(be, 0), 1);
	/* The host may change the level meanwhile; the output keeps its own. */
	host_sets(be, 0, 0);
	assert_int_equal(be_level(be, 0), 1);
	gpio_backend_destroy(be);
}

static void test_input_reads_level(void **state)
{
	struct gpio_backend *be = sim_new(2);

	assert_int_equal(be_set_dir(be, 1, DIR_OUT, 1), 0);
	host_sets(be, 1, 0);
	assert_int_equal(be_set_dir(be, 1, DIR_IN, 0), 0);
	assert_int_equal(gpio_sim_get_direction(be, 1), DIR_IN);
	assert_int_equal(be_level(be, 1), 0);
	host_sets(be, 1, 1);
	assert_int_equal(be_level(be, 1), 1);
	/* Inputs are not driven. */
	assert_int_equal(be_set_val(be, 1, 0), -EINVAL);
	assert_int_equal(be_level(be, 1), 1);
	gpio_backend_destroy(be);
}

static void test_released_line(void **state)
{
	struct gpio_backend *be = sim_new(1);
	enum gpio_direction dir = DIR_IN;

	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 1), 0);
	assert_int_equal(be_set_dir(be, 0, DIR_NONE, 0), 0);
	assert_int_equal(gpio_sim_get_direction(be, 0), DIR_NONE);
	assert_int_equal(be->ops->get_direction(be, 0, &dir), 0);
	assert_int_equal(dir, DIR_NONE);
	/* Nothing drives it any more: it shows its input level. */
	assert_int_equal(be_level(be, 0), 0);
	host_sets(be, 0, 1);
	assert_int_equal(be_level(be, 0), 1);
	assert_int_equal(be_set_val(be, 0, 1), -EINVAL);
	gpio_backend_destroy(be);
}

static void test_reset(void **state)
{
	struct gpio_backend *be = sim_new(3);
	unsigned int i;

	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 1), 0);
	assert_int_equal(be_set_dir(be, 1, DIR_NONE, 0), 0);
	host_sets(be, 2, 1);
	be->ops->reset(be);
	/* Back to the power-on directions; the host's levels stay. */
	for (i = 0; i < 3; i++)
		assert_int_equal(gpio_sim_get_direction(be, i), DIR_IN);
	assert_int_equal(be_level(be, 0), 0);
	assert_int_equal(be_level(be, 2), 1);
	/* The old output value is not driven again. */
	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 0), 0);
	assert_int_equal(be_level(be, 0), 0);
	gpio_backend_destroy(be);
}

static void test_bad_args(void **state)
{
	struct gpio_backend *be = sim_new(2);
	enum gpio_direction dir = DIR_OUT;
	uint8_t value = 0xaa;

	assert_int_equal(gpio_sim_set_input(be, 2, 0), -EINVAL);
	assert_int_equal(gpio_sim_set_input(be, ~0u, 0), -EINVAL);
	assert_int_equal(gpio_sim_set_input(be, 0, 2), -EINVAL);
	assert_int_equal(gpio_sim_set_input(NULL, 0, 0), -EINVAL);
	assert_int_equal(gpio_sim_get_direction(be, 2), DIR_NONE);
	assert_int_equal(gpio_sim_get_direction(NULL, 0), DIR_NONE);

	assert_int_equal(be_set_dir(be, 2, DIR_IN, 0), -EINVAL);
	assert_int_equal(be_set_dir(be, 0, (enum gpio_direction)3, 0), -EINVAL);
	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 2), -EINVAL);
	/* A refused request changes nothing. */
	assert_int_equal(gpio_sim_get_direction(be, 0), DIR_IN);
	assert_int_equal(be->ops->get_value(be, 2, &value), -EINVAL);
	assert_int_equal(value, 0xaa);
	assert_int_equal(be->ops->get_direction(be, 2, &dir), -EINVAL);
	assert_int_equal(dir, DIR_OUT);

	assert_int_equal(be_set_dir(be, 0, DIR_OUT, 0), 0);
	assert_int_equal(be_set_val(be, 0, 2), -EINVAL);
	assert_int_equal(be_set_val(be, 2, 1), -EINVAL);
	assert_int_equal(be_level(be, 0), 0);
	gpio_backend_destroy(be);
}

/* The host-side calls must not take another back-end for a simulated one. */
static void test_other_backend_refused(void **state)
{
	static const struct gpio_backend_ops other_ops;
	struct gpio_backend other = {.ops = &other_ops, .ngpio = 4};

	assert_int_equal(gpio_sim_set_input(&other, 0, 1), -EINVAL);
	assert_int_equal(gpio_sim_get_direction(&other, 0), DIR_NONE);
	gpio_backend_destroy(NULL);
}

/*
 * Level reports: what the device model hears through be->level_changed.
 * The listener logs (line, level) in order.
 */
struct level_log {
	struct {
		unsigned int line;
		uint8_t level;
	} calls[16];
	unsigned int ncalls;
};

static void on_level(void *opaque, unsigned int line, uint8_t level)
{
	struct level_log *log = opaque;

	assert_true(log->ncalls < sizeof(log->calls) / sizeof(log->calls[0]));
	log->calls[log->ncalls].line = line;
	log->calls[log->ncalls].level = level;
	log->ncalls++;
}

static void assert_level(const struct level_log *log, unsigned int i,
			 unsigned int line, uint8_t level)
{
	assert_true(i < log->ncalls);
	assert_int_equal(log->calls[i].line, line);
	assert_int_equal(log->calls[i].level, level);
}

/* @log holds @n reports, the last one @line at @level. */
static void assert_last_level(const struct level_log *log, unsigned int n,
			      unsigned int line, uint8_t level)
{
	assert_int_equal(log->ncalls, n);
	assert_level(log, n - 1, line, level);
}

/* The fixture of the report tests: a 3-line chip, its reports logged. */
struct listened {
	struct gpio_backend *be;
	struct level_log log;
};

static struct listened listened;

static int listened_setup(void **state)
{
	listened = (struct listened){.be = sim_new(3)};
	listened.be->level_changed = on_level;
	listened.be->level_opaque = &listened.log;
	*state = &listened;
	return 0;
}

static int listened_teardown(void **state)
{
	gpio_backend_destroy(listened.be);
	return 0;
}

/* The listener of @t has heard @n reports in all. */
static void expect_reports(const struct listened *t, unsigned int n)
{
	assert_int_equal(t->log.ncalls, n);
}

static void test_report_input_change(void **state)
{
	struct listened *t = *state;

	host_sets(t->be, 2, 0);
	expect_reports(t, 0);
	host_sets(t->be, 2, 1);
	assert_last_level(&t->log, 1, 2, 1);
	host_sets(t->be, 2, 1);
	expect_reports(t, 1);
	host_sets(t->be, 2, 0);
	assert_last_level(&t->log, 2, 2, 0);
}

/* A released line is not driven: its input level shows and is reported. */
static void test_report_released_input_change(void **state)
{
	struct listened *t = *state;

	assert_int_equal(be_set_dir(t->be, 0, DIR_NONE, 0), 0);
	host_sets(t->be, 0, 1);
	assert_last_level(&t->log, 1, 0, 1);
}

static void test_report_none_for_driven_output(void **state)
{
	struct listened *t = *state;

	assert_int_equal(be_set_dir(t->be, 1, DIR_OUT, 0), 0);
	expect_reports(t, 0);
	/* The pin carries the output, whatever the input side does. */
	host_sets(t->be, 1, 1);
	host_sets(t->be, 1, 0);
	host_sets(t->be, 1, 1);
	expect_reports(t, 0);
}

static void test_report_output_back_to_input(void **state)
{
	struct listened *t = *state;

	/* Line 0 drives 0 while its input is 1. */
	assert_int_equal(be_set_dir(t->be, 0, DIR_OUT, 0), 0);
	host_sets(t->be, 0, 1);
	assert_int_equal(be_set_dir(t->be, 0, DIR_IN, 0), 0);
	assert_last_level(&t->log, 1, 0, 1);
	/* Line 1 drives 1 and its input is 1 too: no edge. */
	host_sets(t->be, 1, 1);
	assert_int_equal(be_set_dir(t->be, 1, DIR_OUT, 1), 0);
	assert_int_equal(be_set_dir(t->be, 1, DIR_IN, 0), 0);
	assert_last_level(&t->log, 2, 1, 1);
}

static void test_report_set_value(void **state)
{
	struct listened *t = *state;

	assert_int_equal(be_set_dir(t->be, 1, DIR_OUT, 0), 0);
	assert_int_equal(be_set_val(t->be, 1, 1), 0);
	assert_last_level(&t->log, 1, 1, 1);
	assert_int_equal(be_set_val(t->be, 1, 1), 0);
	expect_reports(t, 1);
	assert_int_equal(be_set_val(t->be, 1, 0), 0);
	assert_last_level(&t->log, 2, 1, 0);
	/* Refused calls report nothing. */
	assert_int_equal(be_set_val(t->be, 1, 2), -EINVAL);
	assert_int_equal(be_set_val(t->be, 0, 1), -EINVAL);
	expect_reports(t, 2);
}

static void test_report_set_direction_out(void **state)
{
	struct listened *t = *state;

	/* Input at 0, driven to 1. */
	assert_int_equal(be_set_dir(t->be, 0, DIR_OUT, 1), 0);
	assert_last_level(&t->log, 1, 0, 1);
	/* Input at 0, driven to 0: no edge. */
	assert_int_equal(be_set_dir(t->be, 1, DIR_OUT, 0), 0);
	expect_reports(t, 1);
	/* Input at 1, driven to 0. */
	host_sets(t->be, 2, 1);
	assert_int_equal(be_set_dir(t->be, 2, DIR_OUT, 0), 0);
	expect_reports(t, 3);
	assert_level(&t->log, 1, 2, 1);
	assert_level(&t->log, 2, 2, 0);
	/* A refused direction reports nothing. */
	assert_int_equal(be_set_dir(t->be, 2, DIR_OUT, 2), -EINVAL);
	expect_reports(t, 3);
}

static void test_report_release_output(void **state)
{
	struct listened *t = *state;

	assert_int_equal(be_set_dir(t->be, 0, DIR_OUT, 1), 0);
	assert_int_equal(be_set_dir(t->be, 0, DIR_NONE, 0), 0);
	assert_last_level(&t->log, 2, 0, 0);
}

static void test_report_none_on_reset(void **state)
{
	struct listened *t = *state;

	/* Line 1 drives 0 over an input of 1; line 0 drives 1 over 0. */
	host_sets(t->be, 1, 1);
	assert_int_equal(be_set_dir(t->be, 1, DIR_OUT, 0), 0);
	assert_int_equal(be_set_dir(t->be, 0, DIR_OUT, 1), 0);
	t->log.ncalls = 0;
	t->be->ops->reset(t->be);
	expect_reports(t, 0);
	/* The levels did change. */
	assert_int_equal(be_level(t->be, 0), 0);
	assert_int_equal(be_level(t->be, 1), 1);
}

struct watch_log {
	unsigned int ncalls;
	unsigned int lines[16];
};

static void on_watch(void *opaque, unsigned int line)
{
	struct watch_log *log = opaque;

	if (log->ncalls < 16)
		log->lines[log->ncalls] = line;
	log->ncalls++;
}

/* Asserts that the watcher was called for exactly @n lines, then forgets. */
static void expect_watched(struct watch_log *log, unsigned int n,
			   const unsigned int *lines)
{
	unsigned int i;

	assert_int_equal(log->ncalls, n);
	for (i = 0; i < n; i++)
		assert_int_equal(log->lines[i], lines[i]);
	log->ncalls = 0;
}

/*
 * The watcher hears of every change of direction or of the value `get`
 * shows, from the guest, the host or a reset, and of nothing else.
 */
static void test_watch(void **state)
{
	struct watch_log log = {0};
	struct gpio_backend *be = NULL;

	assert_int_equal(gpio_sim_new(4, &be), 0);
	gpio_sim_set_watch(be, on_watch, &log);
	/* The host's input level. */
	host_sets(be, 1, 1);
	expect_watched(&log, 1, (unsigned int[]){1});
	host_sets(be, 1, 1);
	expect_watched(&log, 0, NULL);
	/* A direction change at the same level is a change too. */
	assert_int_equal(be_set_dir(be, 2, DIR_OUT, 0), 0);
	expect_watched(&log, 1, (unsigned int[]){2});
	assert_int_equal(be_set_val(be, 2, 1), 0);
	expect_watched(&log, 1, (unsigned int[]){2});
	assert_int_equal(be_set_val(be, 2, 1), 0);
	/* An output does not show its input level. */
	host_sets(be, 2, 1);
	assert_int_equal(be_set_dir(be, 2, DIR_OUT, 1), 0);
	expect_watched(&log, 0, NULL);
	assert_int_equal(be_set_dir(be, 3, DIR_NONE, 0), 0);
	expect_watched(&log, 1, (unsigned int[]){3});
	/* Refused calls change nothing. */
	assert_int_equal(be_set_val(be, 0, 1), -EINVAL);
	assert_int_equal(gpio_sim_set_input(be, 9, 1), -EINVAL);
	expect_watched(&log, 0, NULL);
	/* Reset: the output and the released line become inputs again. */
	be->ops->reset(be);
	expect_watched(&log, 2, (unsigned int[]){2, 3});
	be->ops->reset(be);
	expect_watched(&log, 0, NULL);
	/* Removed: no more calls. */
	gpio_sim_set_watch(be, NULL, NULL);
	host_sets(be, 0, 1);
	expect_watched(&log, 0, NULL);
	gpio_backend_destroy(be);
}

#define LISTENED(f) \
	cmocka_unit_test_setup_teardown(f, listened_setup, listened_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_bad_sizes),
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_largest),
		cmocka_unit_test(test_output_reads_driven_value),
		cmocka_unit_test(test_input_reads_level),
		cmocka_unit_test(test_released_line),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_other_backend_refused),
		LISTENED(test_report_input_change),
		LISTENED(test_report_released_input_change),
		LISTENED(test_report_none_for_driven_output),
		LISTENED(test_report_output_back_to_input),
		LISTENED(test_report_set_value),
		LISTENED(test_report_set_direction_out),
		LISTENED(test_report_release_output),
		LISTENED(test_report_none_on_reset),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
