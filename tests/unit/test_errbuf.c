// SPDX-License-Identifier: MIT
/* The error message buffer: written when there is one, cut to fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errbuf.h"

static void test_printf(void **state)
{
	char buf[16] = "old";

	errbuf_printf(buf, sizeof(buf), "%s %u", "entry", 7u);
	assert_string_equal(buf, "entry 7");
	errbuf_printf(buf, sizeof(buf), "%s", "a sentence that is too long");
	assert_string_equal(buf, "a sentence that");
	errbuf_clear(buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* No buffer, or one of no bytes: nothing is written, nothing breaks. */
static void test_no_buffer(void **state)
{
	char buf[4] = "xyz";

	errbuf_printf(NULL, 0, "%s", "lost");
	errbuf_printf(NULL, 100, "%s", "lost");
	errbuf_printf(buf, 0, "%s", "lost");
	assert_string_equal(buf, "xyz");
	errbuf_clear(NULL, 10);
	errbuf_clear(buf, 0);
	assert_string_equal(buf, "xyz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_no_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
