// SPDX-License-Identifier: MIT
/* The --device-list parser: every accepted and refused form. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_list.h"

/* Parses @text, which must fail with -EINVAL, an empty list and @message. */
static void check_rejected(const char *text, const char *message)
{
	struct device_list list = {.count = 7, .specs = (void *)1};
	char err[256];

	memset(err, 'x', sizeof(err));
	assert_int_equal(device_list_parse(text, &list, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(list.count, 0);
	assert_null(list.specs);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (message)
		assert_string_equal(err, message);
	else
		assert_true(strlen(err) > 0 && !strchr(err, '\n'));
	/* Freeing the empty list is harmless. */
	device_list_free(&list);
}

static void test_single_entries(void **state)
{
	struct device_list list;
	char err[128] = "";

	assert_int_equal(device_list_parse("0", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 0);
	assert_string_equal(err, "");
	device_list_free(&list);
	assert_int_equal(list.count, 0);
	assert_null(list.specs);

	assert_int_equal(device_list_parse("4095", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 4095);
	device_list_free(&list);

	assert_int_equal(device_list_parse("s1", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[0].sim_lines, 1);
	device_list_free(&list);

	assert_int_equal(device_list_parse("s65535", &list, err, sizeof(err)),
			 0);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[0].sim_lines, 65535);
	device_list_free(&list);
}

static void test_several_entries(void **state)
{
	struct device_list list;
	char err[128];

	assert_int_equal(
		device_list_parse("3:s8:0:s8:10", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 5);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 3);
	assert_int_equal(list.specs[1].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[1].sim_lines, 8);
	assert_int_equal(list.specs[2].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[2].chip_index, 0);
	/* Simulated chips are separate chips: the same size twice is fine. */
	assert_int_equal(list.specs[3].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[3].sim_lines, 8);
	assert_int_equal(list.specs[4].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[4].chip_index, 10);
	device_list_free(&list);
}

static void test_no_error_buffer(void **state)
{
	struct device_list list;
	char err[4] = "abc";

	assert_int_equal(device_list_parse("s0", &list, NULL, 0), -EINVAL);
	assert_int_equal(device_list_parse("s0", &list, err, 0), -EINVAL);
	assert_string_equal(err, "abc");
	/* A short buffer gets a truncated, terminated message. */
	assert_int_equal(device_list_parse("s0", &list, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "ent");
	assert_int_equal(device_list_parse("1", &list, NULL, 0), 0);
	device_list_free(&list);
}

static void test_empty(void **state)
{
	check_rejected("", "the device list is empty");
	check_rejected(NULL, "the device list is empty");
	check_rejected(":", "entry 1 is empty");
	check_rejected("0::1", "entry 2 is empty");
	check_rejected("0:", "entry 2 is empty");
	check_rejected(":0", "entry 1 is empty");
}

static void test_simulated_rejected(void **state)
{
	check_rejected(
		"s0",
		"entry 1 \"s0\": a simulated chip needs 1 to 65535 lines");
	check_rejected("1:s65536", "entry 2 \"s65536\": a simulated chip "
				   "needs 1 to 65535 lines");
	check_rejected("s99999999999999999999999", NULL);
	check_rejected("s", "entry 1 \"s\": expected \"s\" followed by a "
			    "number of lines");
	check_rejected("sx", "entry 1 \"sx\": expected \"s\" followed by a "
			     "number of lines");
	check_rejected("s-1", NULL);
	check_rejected("s+1", NULL);
	check_rejected("s 3", NULL);
	check_rejected("s3 ", NULL);
	check_rejected("s3x", NULL);
	check_rejected("s0x10", NULL);
	check_rejected("S3", NULL);
	check_rejected("s08", "entry 1 \"s08\": numbers are written without "
			      "leading zeros");
	check_rejected("s00", NULL);
}

static void test_host_chip_rejected(void **state)
{
	check_rejected(
		"4096",
		"entry 1 \"4096\": a host chip number must be 0 to 4095");
	check_rejected("99999999999999999999999", NULL);
	check_rejected("007", "entry 1 \"007\": numbers are written without "
			      "leading zeros");
	check_rejected("00", NULL);
	check_rejected("3x", "entry 1 \"3x\": unexpected text after the chip "
			     "number");
	check_rejected("3 ", NULL);
	check_rejected("0x3", NULL);
	check_rejected("-1", "entry 1 \"-1\": expected a host chip number or "
			     "\"s\" followed by a number of lines");
	check_rejected("+1", NULL);
	check_rejected(" 1", NULL);
	check_rejected("x", NULL);
	check_rejected("gpiochip0", NULL);
	check_rejected("/dev/gpiochip0", NULL);
	/* Later syntax is refused until it is implemented. */
	check_rejected("0[3,5-7]", NULL);
}

static void test_duplicate_host_chip(void **state)
{
	check_rejected("0:0", "entry 2 \"0\": host chip 0 is already entry 1");
	check_rejected("s4:12:s4:12",
		       "entry 4 \"12\": host chip 12 is already entry 2");
}

static void test_error_names_first_bad_entry(void **state)
{
	check_rejected("1:2:s0:x", "entry 3 \"s0\": a simulated chip needs 1 "
				   "to 65535 lines");
}

static void test_error_quotes_safely(void **state)
{
	/* Control bytes are not copied into the message. */
	check_rejected("1:\x1b[2J", "entry 2 \"?[2J\": expected a host chip "
				    "number or \"s\" followed by a number of "
				    "lines");
	/* A long entry is shortened. */
	check_rejected("0123456789012345678901234567890123456789",
		       "entry 1 \"01234567890123456789012345678901...\": "
		       "numbers are written without leading zeros");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_entries),
		cmocka_unit_test(test_several_entries),
		cmocka_unit_test(test_no_error_buffer),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_simulated_rejected),
		cmocka_unit_test(test_host_chip_rejected),
		cmocka_unit_test(test_duplicate_host_chip),
		cmocka_unit_test(test_error_names_first_bad_entry),
		cmocka_unit_test(test_error_quotes_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
