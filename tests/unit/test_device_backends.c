// SPDX-License-Identifier: MIT
/*
 * The back-ends of a device list: one per entry, the messages of an entry
 * the daemon cannot serve, and no host line in two entries, whatever names
 * the chip.  Host chips are those of the fake kernel (fake_kernel.h), which
 * test_gpio_cdev.c tests the host-chip back-end itself against.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/gpio.h>

#include <cmocka.h>

#include "backend_ops.h"
#include "device_backends.h"
#include "device_list.h"
#include "endpoints.h"
#include "fake_kernel.h"

/*
 * Two chips of 8 lines named "L0".."L7", labelled "fake-0" and "fake-1",
 * and DIR/led-chip, another name for chip 0 as udev makes them.
 */
static int group_setup(void **state)
{
	char path[128], target[128];
	unsigned int i, j;

	if (fake_kernel_create() < 0)
		return -1;
	fake_kernel_reset();
	for (i = 0; i < 2; i++) {
		kernel.chips[i] = (struct fake_chip){
			.present = true, .nlines = 8, .rdev = RDEV_CHIP(i)};
		snprintf(kernel.chips[i].label, sizeof(kernel.chips[i].label),
			 "fake-%u", i);
		for (j = 0; j < 8; j++)
			snprintf(kernel.chips[i].lines[j].name,
				 sizeof(kernel.chips[i].lines[j].name), "L%u",
				 j);
	}
	snprintf(target, sizeof(target), "%s/gpiochip0", kernel.dir);
	snprintf(path, sizeof(path), "%s/led-chip", kernel.dir);
	return symlink(target, path);
}

static int group_teardown(void **state)
{
	/* Every back-end was freed: no fd may stay open. */
	assert_int_equal(kernel.open_fds, 0);
	return fake_kernel_remove();
}

/* @text's back-ends, or the error; the endpoints are sockets PATH0... */
static int open_list(const char *text, struct device_list *list,
		     struct gpio_backend ***backends, char *err,
		     size_t err_size)
{
	struct endpoint eps[4];
	char parse_err[256];
	unsigned int i;

	assert_int_equal(
		device_list_parse(text, list, parse_err, sizeof(parse_err)), 0);
	assert_true(list->count <= 4);
	memset(eps, 0, sizeof(eps));
	for (i = 0; i < list->count; i++)
		snprintf(eps[i].label, sizeof(eps[i].label), "/run/gpio.sock%u",
			 i);
	return device_backends_new(list, eps, backends, err, err_size);
}

/* The error for @text, with "DIR" in @message standing for the fake /dev. */
static void expect_error(const char *text, int ret, const char *message)
{
	struct gpio_backend **backends = (void *)1;
	struct device_list list;
	char err[512] = "stale", expected[512];

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 ret);
	assert_null(backends);
	fake_kernel_message(message, expected, sizeof(expected));
	assert_string_equal(err, expected);
	device_list_free(&list);
}

static void expect_description(const struct gpio_backend *be,
			       const char *message)
{
	char buf[256], expected[256];

	device_backends_describe(be, buf, sizeof(buf));
	fake_kernel_message(message, expected, sizeof(expected));
	assert_string_equal(buf, expected);
}

static void test_one_per_entry(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[256] = "stale";

	assert_int_equal(open_list("s8:0[1,3(ro)]:@fake-1(ro):0[4]", &list,
				   &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	expect_description(backends[0], "simulated chip, 8 lines");
	expect_description(backends[1],
			   "host chip DIR/gpiochip0, 2 lines, some read-only");
	expect_description(backends[2],
			   "host chip DIR/gpiochip1, 8 lines, read-only");
	expect_description(backends[3], "host chip DIR/gpiochip0, 1 line");
	assert_string_equal(backends[1]->names[1], "L3");
	device_backends_free(backends, list.count);
	device_list_free(&list);
}

/* Each host chip's line requests carry the name of its entry's socket. */
static void test_consumer_per_socket(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[256];

	assert_int_equal(
		open_list("s2:0[1]:0[2]", &list, &backends, err, sizeof(err)),
		0);
	assert_int_equal(be_set_dir(backends[1], 0, GPIO_DIRECTION_OUT, 1), 0);
	assert_int_equal(be_set_dir(backends[2], 0, GPIO_DIRECTION_IN, 0), 0);
	assert_string_equal(kernel.chips[0].lines[1].consumer,
			    "vhost-gpio:gpio.sock1");
	assert_string_equal(kernel.chips[0].lines[2].consumer,
			    "vhost-gpio:gpio.sock2");
	device_backends_free(backends, list.count);
	device_list_free(&list);
	/* Freed: the lines are released. */
	assert_string_equal(kernel.chips[0].lines[1].consumer, "");
	assert_string_equal(kernel.chips[0].lines[2].consumer, "");
}

/* The back-end's reason, said about the entry as the command line has it. */
static void test_entry_errors(void **state)
{
	expect_error("s8:7", -ENOENT,
		     "--device-list: entry 2 \"7\": DIR/gpiochip7 does not "
		     "exist");
	expect_error("0[8]", -EINVAL,
		     "--device-list: entry 1 \"0[8]\": line 8 is not on "
		     "DIR/gpiochip0, which has 8 lines");
	expect_error("@nothing", -ENOENT,
		     "--device-list: entry 1 \"@nothing\": no GPIO chip in "
		     "DIR is labelled \"nothing\"");
}

/* Two entries may not share a host line, however the chip is named. */
static void test_shared_lines(void **state)
{
	char text[256], message[512];

	expect_error("0[1-3]:s4:0[5,3]", -EINVAL,
		     "--device-list: entry 3 \"0[5,3]\": host line 3 of "
		     "DIR/gpiochip0 is already entry 1's guest line 2");
	expect_error("@fake-1[L6]:1", -EINVAL,
		     "--device-list: entry 2 \"1\": host line 6 of "
		     "DIR/gpiochip1 is already entry 1's guest line 0");
	/* By a symlink: the same device number. */
	snprintf(text, sizeof(text), "0[2]:%s/led-chip[7,2]", kernel.dir);
	snprintf(message, sizeof(message),
		 "--device-list: entry 2 \"%.32s...\": host line 2 of "
		 "%s/led-chip is already entry 1's guest line 0",
		 text + 5, kernel.dir);
	expect_error(text, -EINVAL, message);
}

static void test_no_shared_lines(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[256];

	assert_int_equal(open_list("0[0-3]:0[4-7]:1[0-3]:s2", &list, &backends,
				   err, sizeof(err)),
			 0);
	device_backends_free(backends, list.count);
	device_list_free(&list);
	/* NULL entries and a NULL array are fine to free. */
	device_backends_free(calloc(2, sizeof(*backends)), 2);
	device_backends_free(NULL, 0);
}

/* @text's back-ends fail with -EINVAL and exactly @expected. */
static void expect_error_exactly(const char *text, const char *expected)
{
	struct gpio_backend **backends = (void *)1;
	struct device_list list;
	char err[512] = "stale";

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 -EINVAL);
	assert_null(backends);
	assert_string_equal(err, expected);
	device_list_free(&list);
}

/* @text opens its back-ends. */
static void expect_opens(const char *text)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[512] = "stale";

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	device_backends_free(backends, list.count);
	device_list_free(&list);
}

/*
 * What the back-end finds wrong with the settings, said about the entry:
 * a name given twice, a debounce period the kernel refuses (here every
 * one is), only once no two entries share a line.  The start-up tries a
 * bias and a period with a line request for an input.
 */
static void test_settings_errors(void **state)
{
	const struct gpio_v2_line_request *req = &kernel.last_request;
	const struct fake_line *l = &kernel.chips[1].lines[3];
	const uint64_t in_pull_up =
		GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
	unsigned int requests = l->requests, touches = l->touches;
	char expected[512];

	kernel.chips[0].debounce_errno = EINVAL;
	kernel.chips[1].debounce_errno = EINVAL;

	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"0[1(name=L2),2]\": guest line 0 "
		 "(%s/gpiochip0 line 1) is given the name \"L2\", which guest "
		 "line 1 (%s/gpiochip0 line 2) has from the host; give that "
		 "line another name too",
		 kernel.dir, kernel.dir);
	expect_error_exactly("s8:0[1(name=L2),2]", expected);
	expect_opens("s8:0[1(name=X2),2]");
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"1[0,3(pull-up,debounce=10ms)]\": "
		 "%s/gpiochip1 line 3 (guest line 1): the kernel refuses a "
		 "debounce period of 10000 us: Invalid argument",
		 kernel.dir);
	expect_error_exactly("0[1]:1[0,3(pull-up,debounce=10ms)]", expected);
	/* Tried with the period, refused; then with the bias alone, taken. */
	assert_int_equal(l->touches, touches + 2);
	assert_int_equal(l->requests, requests + 1);
	assert_int_equal(req->offsets[0], 3);
	assert_int_equal(req->config.flags, in_pull_up);
	assert_int_equal(req->config.num_attrs, 0);
	expect_opens("0[1]:1[0,3(pull-up)]");
	/* The bias is taken: the line was requested as an input, released. */
	assert_int_equal(l->requests, requests + 2);
	assert_int_equal(req->config.flags, in_pull_up);
	assert_string_equal(l->consumer, "");
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"1[0(debounce=1ms)]\": host line 0 "
		 "of %s/gpiochip1 is already entry 1's guest line 0",
		 kernel.dir);
	expect_error_exactly("1:1[0(debounce=1ms)]", expected);
	expect_opens("1[1-3]:1[0(pull-up)]");
	kernel.chips[0].debounce_errno = 0;
	kernel.chips[1].debounce_errno = 0;
}

/* An entry joining chips: one back-end; its lines shared with no other. */
static void test_joined_chips(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[512] = "stale", expected[512], text[256];

	assert_int_equal(open_list("0[1,3]+1[0](ro):0[2]+@fake-1[L1]", &list,
				   &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	device_backends_describe(backends[0], err, sizeof(err));
	snprintf(expected, sizeof(expected),
		 "host chips %s/gpiochip0 + %s/gpiochip1, 3 lines, some "
		 "read-only",
		 kernel.dir, kernel.dir);
	assert_string_equal(err, expected);
	assert_string_equal(backends[0]->names[2], "L0");
	assert_string_equal(backends[1]->names[1], "L1");
	device_backends_free(backends, list.count);
	device_list_free(&list);

	/* A line of the second chip, already another entry's. */
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"0[1]+1[5,0]\": host line 0 of "
		 "%s/gpiochip1 is already entry 1's guest line 0",
		 kernel.dir);
	expect_error_exactly("1[0]:0[1]+1[5,0]", expected);
	expect_opens("1[0]:0[1]+1[5,1]");
	/* Twice in one entry, through a symlink. */
	snprintf(text, sizeof(text), "0[2]+%s/led-chip[2]", kernel.dir);
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 1 \"%.32s...\": %s/gpiochip0 line 2 "
		 "(guest line 0) and %s/led-chip line 2 (guest line 1) are "
		 "the same host line",
		 text, kernel.dir, kernel.dir);
	expect_error_exactly(text, expected);
	snprintf(text, sizeof(text), "0[2]+%s/led-chip[3]", kernel.dir);
	expect_opens(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_entry),
		cmocka_unit_test(test_consumer_per_socket),
		cmocka_unit_test(test_entry_errors),
		cmocka_unit_test(test_shared_lines),
		cmocka_unit_test(test_no_shared_lines),
		cmocka_unit_test(test_settings_errors),
		cmocka_unit_test(test_joined_chips),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
