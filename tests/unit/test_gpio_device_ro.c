// SPDX-License-Identifier: MIT
/*
 * Read-only lines in the device model: the guest may read and monitor them
 * (inputs, GET_VALUE, interrupts) but SET_DIRECTION OUT and SET_VALUE are
 * ERR and never reach the back-end.  A fake back-end records every call.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_backend.h"

#define NLINES 4

/*
 * A device over 4 lines of which 1 and 3 are read-only (or none when
 * @with_ro is false); the host reports lines 2 and 3 as outputs.  Calls
 * made while creating it are dropped.
 */
static struct gpio_device *device_new(struct fake **out, bool with_ro)
{
	struct fake *f = fake_new(
		NLINES, NULL, FAKE_HAS_GET_DIRECTION | FAKE_HAS_SET_IRQ_TYPE);
	unsigned int i;

	for (i = 0; i < NLINES; i++)
		f->host_dir[i] =
			i >= 2 ? GPIO_DIRECTION_OUT : GPIO_DIRECTION_IN;
	f->ro[1] = f->ro[3] = 1;
	f->be.read_only = with_ro ? f->ro : NULL;
	*out = f;
	return fake_device(f);
}

static void test_direction_out_refused(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	assert_int_equal(set_dir(dev, 1, DIR_OUT), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* The line keeps what the host reported. */
	assert_int_equal(get_dir(dev, 1), REPLY(OK, DIR_IN));
	/* A line that is not read-only is unaffected. */
	assert_int_equal(set_dir(dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	gpio_device_free(dev);
}

static void test_set_value_refused_before_output(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	/* Linux's direction_output: SET_VALUE, then SET_DIRECTION OUT. */
	assert_int_equal(set_val(dev, 1, 1), REPLY(ERR, 0));
	assert_int_equal(set_val(dev, 1, 0), REPLY(ERR, 0));
	assert_int_equal(set_dir(dev, 1, DIR_OUT), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* Line 0 remembers its value for later, as before. */
	assert_int_equal(set_val(dev, 0, 1), REPLY(OK, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_set_value_refused_on_host_output(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	/* Line 3 is an output on the host, and read-only for the guest. */
	assert_int_equal(get_dir(dev, 3), REPLY(OK, DIR_OUT));
	assert_int_equal(set_val(dev, 3, 1), REPLY(ERR, 0));
	assert_int_equal(set_dir(dev, 3, DIR_OUT), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* It may still be read. */
	f->level[3] = 1;
	assert_int_equal(get_val(dev, 3), REPLY(OK, 1));
	/* Line 2, also a host output but not read-only, is driven. */
	assert_int_equal(set_val(dev, 2, 1), REPLY(OK, 0));
	assert_int_equal(f->ncalls, 2);
	assert_call(f, 1, FAKE_SET_VALUE, 2, 0, 1);
	gpio_device_free(dev);
}

static void test_inputs_and_values_allowed(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	assert_int_equal(set_dir(dev, 1, DIR_IN), REPLY(OK, 0));
	assert_int_equal(get_dir(dev, 1), REPLY(OK, DIR_IN));
	f->level[1] = 1;
	assert_int_equal(get_val(dev, 1), REPLY(OK, 1));
	assert_int_equal(set_dir(dev, 1, DIR_NONE), REPLY(OK, 0));
	assert_int_equal(get_dir(dev, 1), REPLY(OK, DIR_NONE));
	assert_int_equal(f->ncalls, 3);
	assert_call(f, 0, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_IN, 0);
	assert_call(f, 1, FAKE_GET_VALUE, 1, 0, 0);
	assert_call(f, 2, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_NONE, 0);
	/* Bad values are ERR as on any line. */
	assert_int_equal(set_dir(dev, 1, 3), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 3);
	gpio_device_free(dev);
}

static void test_interrupts_allowed(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	irq_log_attach(dev, &log);
	assert_int_equal(set_dir(dev, 1, DIR_IN), REPLY(OK, 0));
	assert_int_equal(irq_type(dev, 1, T_RISE), REPLY(OK, 0));
	assert_call(f, f->ncalls - 1, FAKE_SET_IRQ_TYPE, 1, 0, T_RISE);
	gpio_device_irq_unmask(dev, 1, 42);
	assert_int_equal(log.ncalls, 0);
	/* The host line rises: the guest's pair comes back VALID. */
	gpio_backend_report_level(&f->be, 1, 1);
	assert_last_irq(&log, 1, 42, VALID);

	/* Level interrupts read the line: allowed too. */
	f->level[3] = 1;
	assert_int_equal(irq_type(dev, 3, T_HIGH), REPLY(OK, 0));
	gpio_device_irq_unmask(dev, 3, 43);
	assert_last_irq(&log, 2, 43, VALID);
	gpio_device_free(dev);
}

static void test_read_only_survives_reset(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	gpio_device_reset(dev);
	f->ncalls = 0;
	assert_int_equal(set_val(dev, 3, 1), REPLY(ERR, 0));
	assert_int_equal(set_dir(dev, 1, DIR_OUT), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_no_read_only_array(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, false);
	unsigned int i;

	for (i = 0; i < NLINES; i++) {
		assert_int_equal(set_val(dev, i, 1), REPLY(OK, 0));
		assert_int_equal(set_dir(dev, i, DIR_OUT), REPLY(OK, 0));
	}
	gpio_device_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direction_out_refused),
		cmocka_unit_test(test_set_value_refused_before_output),
		cmocka_unit_test(test_set_value_refused_on_host_output),
		cmocka_unit_test(test_inputs_and_values_allowed),
		cmocka_unit_test(test_interrupts_allowed),
		cmocka_unit_test(test_read_only_survives_reset),
		cmocka_unit_test(test_no_read_only_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
