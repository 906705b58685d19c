// SPDX-License-Identifier: MIT
/* The simulated chip's control language: exact replies and every error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backend_ops.h"
#include "gpio_sim.h"
#include "sim_control.h"

/* A 3-line chip: line 0 released, line 1 an input, line 2 driving 1. */
static struct gpio_backend *chip_new(void)
{
	struct gpio_backend *be = NULL;

	assert_int_equal(gpio_sim_new(3, &be), 0);
	assert_int_equal(be_set_dir(be, 0, GPIO_DIRECTION_NONE, 0), 0);
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_OUT, 1), 0);
	return be;
}

/* sim_control_execute() of a C string. */
static int exec(struct gpio_backend *be, const char *command,
		struct text_buf *out)
{
	return sim_control_execute(be, command, strlen(command), out);
}

/* The whole content of @out, which need not be NUL-terminated. */
static void assert_text(const struct text_buf *out, const char *expect)
{
	assert_int_equal(out->len, strlen(expect));
	assert_memory_equal(out->data, expect, out->len);
}

/* @command on @be returns @ret and replies exactly @expect. */
static void expect_exec(struct gpio_backend *be, const char *command, int ret,
			const char *expect)
{
	struct text_buf out = {0};

	assert_int_equal(exec(be, command, &out), ret);
	assert_text(&out, expect);
	text_buf_free(&out);
}

/*
 * Runs the @len bytes of @command (NULs included) on a fresh chip and
 * checks the whole reply, and that line 1 still reads 0: none of the
 * commands the tests check this way sets a line.
 */
static void check_bytes(const char *command, size_t len, const char *expect)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(sim_control_execute(be, command, len, &out), 0);
	assert_text(&out, expect);
	assert_int_equal(out.sent, 0);
	assert_int_equal(be_level(be, 1), 0);
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

/* check_bytes() of a C string. */
static void check_reply(const char *command, const char *expect)
{
	check_bytes(command, strlen(command), expect);
}

/*
 * Commands and the whole reply each gets (check_reply()): a row a reply,
 * with the commands that get it; a list ends with a NULL reply.
 */
struct reply_case {
	const char *reply;
	const char *commands[5];
};

#define LIST_REPLY "0 none 0\n1 in 0\n2 out 1\nend\n"
#define UNKNOWN(word) \
	"error unknown command \"" word "\" (get, set, list, watch, trace)\n"
#define NO_LINE(word) "error no line \"" word "\" (0..2)\n"

static const struct reply_case get_each_direction[] = {
	{"0 none 0\n", {"get 0"}},
	{"1 in 0\n", {"get 1"}},
	{"2 out 1\n", {"get 2"}},
	{NULL},
};

static const struct reply_case list[] = {
	{LIST_REPLY, {"list"}},
	{NULL},
};

static const struct reply_case blanks_around_words[] = {
	{"1 in 0\n", {"  get\t 1 \r"}},
	{LIST_REPLY, {"\tlist "}},
	{NULL},
};

/* Case matters; the echo is cut at 16 characters. */
static const struct reply_case error_unknown_command[] = {
	{UNKNOWN("status"), {"status"}},
	{UNKNOWN("GET"), {"GET 0"}},
	{UNKNOWN("abcdefghijklmnop"), {"abcdefghijklmnopqrstuvwxyz"}},
	{NULL},
};

static const struct reply_case error_empty_line[] = {
	{"error empty command\n", {"", " \t\r"}},
	{NULL},
};

static const struct reply_case error_word_count[] = {
	{"error usage: get LINE\n", {"get", "get 0 1"}},
	{"error usage: set LINE 0|1\n", {"set", "set 1", "set 1 1 1"}},
	{"error usage: list\n", {"list all"}},
	{NULL},
};

static const struct reply_case error_too_many_words[] = {
	{"error too many words\n", {"set 1 1 1 1", "a b c d e f g h"}},
	{NULL},
};

static const struct reply_case error_bad_level[] = {
	{"error level must be 0 or 1\n",
	 {"set 1 2", "set 1 01", "set 1 -0", "set 1 high"}},
	{NULL},
};

/* Far past any limit too, and echoed cut at 16 characters. */
static const struct reply_case error_bad_line[] = {
	{NO_LINE("99"), {"set 99 1"}},
	{NO_LINE("3"), {"get 3"}},
	{NO_LINE("007"), {"get 007"}},
	{NO_LINE("-1"), {"get -1"}},
	{NO_LINE("+1"), {"get +1"}},
	{NO_LINE("1x"), {"get 1x"}},
	{NO_LINE("0x1"), {"get 0x1"}},
	{NO_LINE("9999999999999999"), {"get 99999999999999999999999"}},
	{NULL},
};

/* test_@cases: check_reply() of each command of @cases. */
static void run_replies(void **state)
{
	const struct reply_case *c;
	unsigned int i;

	for (c = *state; c->reply; c++)
		for (i = 0; i < 5 && c->commands[i]; i++)
			check_reply(c->commands[i], c->reply);
}

static void test_set_reaches_chip(void **state)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(exec(be, "set 1 1", &out), 0);
	assert_text(&out, "ok\n");
	assert_int_equal(gpio_sim_get_direction(be, 1), GPIO_DIRECTION_IN);
	assert_int_equal(be_level(be, 1), 1);
	/* Replies are appended. */
	assert_int_equal(exec(be, "get 1", &out), 0);
	assert_text(&out, "ok\n1 in 1\n");
	assert_int_equal(exec(be, "set 1 0", &out), 0);
	assert_int_equal(be_level(be, 1), 0);
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

/* An output keeps driving: `set` changes the level it shows later. */
static void test_set_on_output(void **state)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(exec(be, "set 2 0", &out), 0);
	assert_int_equal(exec(be, "get 2", &out), 0);
	assert_text(&out, "ok\n2 out 1\n");
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_IN, 0), 0);
	assert_int_equal(be_level(be, 2), 0);
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

struct level_log {
	unsigned int calls;
	unsigned int line;
	uint8_t level;
};

static void on_level(void *opaque, unsigned int line, uint8_t level)
{
	struct level_log *log = opaque;

	log->calls++;
	log->line = line;
	log->level = level;
}

static void test_set_reports_level(void **state)
{
	struct gpio_backend *be = chip_new();
	struct level_log log = {0};
	struct text_buf out = {0};

	be->level_changed = on_level;
	be->level_opaque = &log;
	assert_int_equal(exec(be, "set 0 1", &out), 0);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.line, 0);
	assert_int_equal(log.level, 1);
	/* No change, no report. */
	assert_int_equal(exec(be, "set 0 1", &out), 0);
	assert_int_equal(log.calls, 1);
	assert_int_equal(exec(be, "get 0", &out), 0);
	assert_int_equal(exec(be, "list", &out), 0);
	assert_int_equal(log.calls, 1);
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

/* `watch` lists the lines, then asks the caller to stream changes. */
static void test_watch(void **state)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(exec(be, "watch", &out), SIM_CONTROL_WATCH);
	assert_text(&out, "0 none 0\n1 in 0\n2 out 1\nend\n");
	text_buf_free(&out);
	assert_int_equal(sim_control_line_state(be, 2, &out), 0);
	assert_text(&out, "2 out 1\n");
	text_buf_free(&out);
	gpio_backend_destroy(be);
	check_reply("watch 1", "error usage: watch\n");
}

/* `trace` writes nothing: the caller starts the stream (gpio_trace.h). */
static void test_trace(void **state)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(exec(be, "trace", &out), SIM_CONTROL_TRACE);
	assert_int_equal(out.len, 0);
	text_buf_free(&out);
	gpio_backend_destroy(be);
	check_reply("trace 1", "error usage: trace\n");
}

/* A host chip's device, as far as the language sees it: line 1 an output. */
static int host_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	*value = line == 1;
	return 0;
}

static int host_get_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction *dir)
{
	*dir = line == 1 ? GPIO_DIRECTION_OUT : GPIO_DIRECTION_IN;
	return 0;
}

/* The same language, read-only: what changes lines is refused. */
static void test_host_chip_read_only(void **state)
{
	static const struct gpio_backend_ops ops = {
		.get_value = host_get_value,
		.get_direction = host_get_direction,
	};
	struct gpio_backend be = {.ops = &ops, .ngpio = 2};

	expect_exec(&be, "list", 0, "0 in 0\n1 out 1\nend\n");
	expect_exec(&be, "set 0 1", 0,
		    "error line 0 is a host chip's: read-only here\n");
	expect_exec(&be, "watch", 0,
		    "error watch is for simulated chips (trace shows a host "
		    "chip's changes)\n");
	/* `trace` writes nothing: the caller starts the stream. */
	expect_exec(&be, "trace", SIM_CONTROL_TRACE, "");
}

static void test_error_bad_line_leaves_chip(void **state)
{
	struct gpio_backend *be = chip_new();
	struct text_buf out = {0};

	assert_int_equal(exec(be, "set 01 1", &out), 0);
	assert_int_equal(exec(be, "set 1 2", &out), 0);
	assert_int_equal(be_level(be, 1), 0);
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

static void test_line_length_limit(void **state)
{
	char line[SIM_CONTROL_MAX_LINE + 2];

	/* "get 1" padded with blanks to exactly the limit is fine. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "get 1", 5);
	line[SIM_CONTROL_MAX_LINE] = '\0';
	check_reply(line, "1 in 0\n");
	/* One more character is not, blanks or not. */
	line[SIM_CONTROL_MAX_LINE] = ' ';
	line[SIM_CONTROL_MAX_LINE + 1] = '\0';
	assert_int_equal(strlen(line), 257);
	check_reply(line, "error line too long\n");
}

/*
 * A NUL does not end a command: the whole line is refused, not the part
 * before it run (`set 1 1\0garbage` answered `ok` before).
 */
static void test_error_nul_byte(void **state)
{
	static const char nul_after[] = "set 1 1\0garbage";
	static const char nul_last[] = "set 1 1\0";
	static const char nul_first[] = "\0set 1 1";

	check_bytes(nul_after, sizeof(nul_after) - 1,
		    "error byte 0x00 at column 8: commands are printable "
		    "ASCII\n");
	check_bytes(nul_last, sizeof(nul_last) - 1,
		    "error byte 0x00 at column 8: commands are printable "
		    "ASCII\n");
	check_bytes(nul_first, sizeof(nul_first) - 1,
		    "error byte 0x00 at column 1: commands are printable "
		    "ASCII\n");
	check_bytes("\0", 1,
		    "error byte 0x00 at column 1: commands are printable "
		    "ASCII\n");
	/* Only @len bytes count: what follows them is not read. */
	check_bytes("get 1\0", 5, "1 in 0\n");
	check_bytes("set 1 1", 5, "error usage: set LINE 0|1\n");
}

/* Other control characters and non-ASCII bytes: the same, never echoed. */
static void test_error_bad_bytes(void **state)
{
	check_bytes("set 1 1\x1b[2J", 11,
		    "error byte 0x1b at column 8: commands are printable "
		    "ASCII\n");
	check_bytes("set\v1 1", 7,
		    "error byte 0x0b at column 4: commands are printable "
		    "ASCII\n");
	check_bytes("set 1 1\x7f", 8,
		    "error byte 0x7f at column 8: commands are printable "
		    "ASCII\n");
	check_bytes("get \xc3\xa9", 6,
		    "error byte 0xc3 at column 5: commands are printable "
		    "ASCII\n");
	/* Tabs and carriage returns are blanks, still allowed. */
	check_bytes("get\t1\r", 6, "1 in 0\n");
}

/* The largest chip: line numbers up to 65534. */
static void test_largest_chip_numbers(void **state)
{
	struct gpio_backend *be = NULL;
	struct text_buf out = {0};

	assert_int_equal(gpio_sim_new(GPIO_SIM_MAX_LINES, &be), 0);
	assert_int_equal(exec(be, "set 65534 1", &out), 0);
	assert_int_equal(exec(be, "get 65534", &out), 0);
	assert_int_equal(exec(be, "get 65535", &out), 0);
	assert_text(&out, "ok\n65534 in 1\n"
			  "error no line \"65535\" (0..65534)\n");
	text_buf_free(&out);
	gpio_backend_destroy(be);
}

/* Another back-end: reads that fail and lines that cannot be set. */
static void other_destroy(struct gpio_backend *be)
{
}

static int other_get_value(struct gpio_backend *be, unsigned int line,
			   uint8_t *value)
{
	return -EIO;
}

static void test_errors_from_backend(void **state)
{
	static const struct gpio_backend_ops ops = {
		.destroy = other_destroy,
		.get_value = other_get_value,
	};
	struct gpio_backend be = {.ops = &ops, .ngpio = 2};
	struct text_buf out = {0};

	assert_int_equal(exec(&be, "get 1", &out), 0);
	assert_int_equal(exec(&be, "set 1 1", &out), 0);
	assert_int_equal(exec(&be, "list", &out), 0);
	assert_text(&out, "error cannot read line 1\n"
			  "error line 1 is a host chip's: read-only here\n"
			  "error cannot read line 0\n"
			  "error cannot read line 1\n"
			  "end\n");
	text_buf_free(&out);
}

/* test_@cases: run_replies() of @cases. */
#define REPLIES(cases)                                                   \
	{                                                                \
		"test_" #cases, run_replies, NULL, NULL, (void *)(cases) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		REPLIES(get_each_direction),
		REPLIES(list),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_host_chip_read_only),
		REPLIES(blanks_around_words),
		cmocka_unit_test(test_set_reaches_chip),
		cmocka_unit_test(test_set_on_output),
		cmocka_unit_test(test_set_reports_level),
		REPLIES(error_unknown_command),
		REPLIES(error_empty_line),
		REPLIES(error_word_count),
		REPLIES(error_too_many_words),
		REPLIES(error_bad_level),
		REPLIES(error_bad_line),
		cmocka_unit_test(test_error_bad_line_leaves_chip),
		cmocka_unit_test(test_error_nul_byte),
		cmocka_unit_test(test_error_bad_bytes),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_largest_chip_numbers),
		cmocka_unit_test(test_errors_from_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
