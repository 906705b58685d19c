// SPDX-License-Identifier: MIT
/* Printable ASCII: the test, the quoting of one byte and of a string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ascii.h"

static void test_is_printable(void **state)
{
	unsigned int c;

	for (c = 0; c < 256; c++)
		assert_int_equal(ascii_is_printable((unsigned char)c),
				 c >= ' ' && c <= '~');
	/* A plain char above 0x7f is negative: still not printable. */
	assert_false(ascii_is_printable((char)0xe9));
}

static void test_printable_char(void **state)
{
	assert_int_equal(ascii_printable_char('a'), 'a');
	assert_int_equal(ascii_printable_char(' '), ' ');
	assert_int_equal(ascii_printable_char('~'), '~');
	assert_int_equal(ascii_printable_char('\n'), '?');
	assert_int_equal(ascii_printable_char('\0'), '?');
	assert_int_equal(ascii_printable_char(0x7f), '?');
	assert_int_equal(ascii_printable_char((char)0xc3), '?');
}

static void test_is_printable_string(void **state)
{
	assert_true(ascii_is_printable_string(""));
	assert_true(ascii_is_printable_string("LED_A 3V3-en.x/y~"));
	assert_false(ascii_is_printable_string("tab\there"));
	assert_false(ascii_is_printable_string("caf\xc3\xa9"));
	assert_false(ascii_is_printable_string("del\x7f"));
}

static void test_printable_copy(void **state)
{
	char buf[8];

	ascii_printable_copy(buf, sizeof(buf), "ok");
	assert_string_equal(buf, "ok");
	ascii_printable_copy(buf, sizeof(buf), "a\tb\x1b\xff");
	assert_string_equal(buf, "a?b??");
	/* Cut to fit, always terminated. */
	ascii_printable_copy(buf, sizeof(buf), "0123456789");
	assert_string_equal(buf, "0123456");
	ascii_printable_copy(buf, 1, "xyz");
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_printable),
		cmocka_unit_test(test_printable_char),
		cmocka_unit_test(test_is_printable_string),
		cmocka_unit_test(test_printable_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
