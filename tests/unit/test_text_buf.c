// SPDX-License-Identifier: MIT
/* The growable reply buffer: appends, growth and dropping what was sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "text_buf.h"

static void assert_text(const struct text_buf *buf, const char *expect)
{
	assert_int_equal(buf->len, strlen(expect));
	assert_memory_equal(buf->data, expect, buf->len);
}

static void test_printf_appends(void **state)
{
	struct text_buf buf = {0};

	assert_int_equal(text_buf_printf(&buf, "%s %u", "line", 7u), 0);
	assert_text(&buf, "line 7");
	assert_int_equal(text_buf_printf(&buf, "|%c|%02x\n", 'x', 10), 0);
	assert_text(&buf, "line 7|x|0a\n");
	assert_int_equal(buf.sent, 0);
	assert_true(buf.cap > buf.len);
	text_buf_free(&buf);
}

static void test_printf_empty_text(void **state)
{
	struct text_buf buf = {0};

	assert_int_equal(text_buf_printf(&buf, "%s", ""), 0);
	assert_int_equal(buf.len, 0);
	assert_int_equal(text_buf_printf(&buf, "ab"), 0);
	assert_int_equal(text_buf_printf(&buf, "%s", ""), 0);
	assert_text(&buf, "ab");
	text_buf_free(&buf);
}

/* One append larger than any first allocation. */
static void test_printf_one_large_append(void **state)
{
	static char big[5000];
	struct text_buf buf = {0};

	memset(big, 'q', sizeof(big) - 1);
	assert_int_equal(text_buf_printf(&buf, "<%s>", big), 0);
	assert_int_equal(buf.len, sizeof(big) + 1);
	assert_int_equal(buf.data[0], '<');
	assert_memory_equal(buf.data + 1, big, sizeof(big) - 1);
	assert_int_equal(buf.data[sizeof(big)], '>');
	assert_true(buf.cap > buf.len);
	text_buf_free(&buf);
}

static void test_grows_over_many_appends(void **state)
{
	struct text_buf buf = {0};
	char expect[8];
	unsigned int i;

	for (i = 0; i < 10000; i++)
		assert_int_equal(text_buf_printf(&buf, "%05u\n", i), 0);
	assert_int_equal(buf.len, 60000);
	assert_true(buf.cap > buf.len);
	for (i = 0; i < 10000; i++) {
		snprintf(expect, sizeof(expect), "%05u\n", i);
		assert_memory_equal(buf.data + 6 * i, expect, 6);
	}
	text_buf_free(&buf);
}

/*
 * Appending @append (if any), marking the first @sent bytes sent (unless
 * -1), then text_buf_compact(): what is left is @sent_after bytes sent of
 * @data (NULL: nothing at all, no memory either).  A list of steps ends
 * with END_STEPS.
 */
struct compact_step {
	const char *append;
	int sent;
	size_t sent_after;
	const char *data;
};

#define STEPS_END -2
#define END_STEPS                        \
	{                                \
		NULL, STEPS_END, 0, NULL \
	}

static const struct compact_step compact_drops_sent_prefix[] = {
	{"hello world", 6, 0, "world"},
	{"!", -1, 0, "world!"},
	END_STEPS,
};
/* An empty buffer has nothing to move. */
static const struct compact_step compact_nothing_sent[] = {
	{NULL, -1, 0, NULL},
	{"abc", -1, 0, "abc"},
	END_STEPS,
};
static const struct compact_step compact_all_sent[] = {
	{"abc", 3, 0, ""},
	{"d", -1, 0, "d"},
	END_STEPS,
};
/* Less consumed than is left: nothing moves yet. */
static const struct compact_step compact_waits_for_half[] = {
	{"abcdefghij", 4, 4, "abcdefghij"},
	{NULL, 5, 0, "fghij"},
	END_STEPS,
};

static void run_compact(void **state)
{
	const struct compact_step *step = *state;
	struct text_buf buf = {0};

	for (; step->sent != STEPS_END; step++) {
		if (step->append)
			assert_int_equal(
				text_buf_printf(&buf, "%s", step->append), 0);
		if (step->sent >= 0)
			buf.sent = (size_t)step->sent;
		text_buf_compact(&buf);
		assert_int_equal(buf.sent, step->sent_after);
		if (!step->data) {
			assert_int_equal(buf.len, 0);
			assert_null(buf.data);
			continue;
		}
		assert_text(&buf, step->data);
		assert_int_equal(text_buf_pending(&buf),
				 strlen(step->data) - step->sent_after);
	}
	text_buf_free(&buf);
}

/* test_@steps: run_compact() of the steps @steps. */
#define COMPACT(steps)                                                   \
	{                                                                \
		"test_" #steps, run_compact, NULL, NULL, (void *)(steps) \
	}

/* Nor more than TEXT_BUF_KEEP consumed bytes, however much is left. */
static void test_compact_keeps_little_consumed(void **state)
{
	struct text_buf buf = {0};
	unsigned int i;

	for (i = 0; i < 3 * TEXT_BUF_KEEP / 8; i++)
		assert_int_equal(text_buf_printf(&buf, "%07u\n", i), 0);
	buf.sent = TEXT_BUF_KEEP - 8;
	text_buf_compact(&buf);
	assert_int_equal(buf.sent, TEXT_BUF_KEEP - 8);
	buf.sent = TEXT_BUF_KEEP;
	text_buf_compact(&buf);
	assert_int_equal(buf.sent, 0);
	assert_int_equal(buf.len, 2 * TEXT_BUF_KEEP);
	assert_memory_equal(buf.data, "0008192\n", 8);
	text_buf_free(&buf);
}

/* A large buffer, once all consumed, is given back; a small one kept. */
static void test_compact_frees_large(void **state)
{
	struct text_buf buf = {0};
	char *small;
	unsigned int i;

	assert_int_equal(text_buf_printf(&buf, "abc"), 0);
	small = buf.data;
	buf.sent = 3;
	text_buf_compact(&buf);
	assert_ptr_equal(buf.data, small);
	for (i = 0; i < TEXT_BUF_KEEP / 8 + 1; i++)
		assert_int_equal(text_buf_printf(&buf, "%07u\n", i), 0);
	assert_true(buf.cap > TEXT_BUF_KEEP);
	buf.sent = buf.len - 1;
	text_buf_compact(&buf);
	assert_text(&buf, "\n");
	buf.sent = 1;
	text_buf_compact(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.cap, 0);
	assert_int_equal(buf.len, 0);
	assert_int_equal(text_buf_printf(&buf, "d"), 0);
	assert_text(&buf, "d");
	text_buf_free(&buf);
}

static void test_free_resets(void **state)
{
	struct text_buf buf = {0};

	assert_int_equal(text_buf_printf(&buf, "abc"), 0);
	buf.sent = 1;
	text_buf_free(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	assert_int_equal(buf.sent, 0);
	assert_int_equal(buf.cap, 0);
	/* Usable again, and freeing twice is harmless. */
	assert_int_equal(text_buf_printf(&buf, "x"), 0);
	assert_text(&buf, "x");
	text_buf_free(&buf);
	text_buf_free(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf_appends),
		cmocka_unit_test(test_printf_empty_text),
		cmocka_unit_test(test_printf_one_large_append),
		cmocka_unit_test(test_grows_over_many_appends),
		COMPACT(compact_drops_sent_prefix),
		COMPACT(compact_nothing_sent),
		COMPACT(compact_all_sent),
		COMPACT(compact_waits_for_half),
		cmocka_unit_test(test_compact_keeps_little_consumed),
		cmocka_unit_test(test_compact_frees_large),
		cmocka_unit_test(test_free_resets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
