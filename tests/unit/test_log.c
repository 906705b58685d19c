// SPDX-License-Identifier: MIT
/*
 * Log lines (src/log.c): the journal is recognised only by JOURNAL_STREAM
 * naming stderr itself, and in journal mode each line carries its syslog
 * priority instead of the program name.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* "DEV:INODE" of @fd, as systemd writes it. */
static void stream_id(int fd, char *buf, size_t len)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
}

static int temp_file(void)
{
	char path[] = "/tmp/vdg-log-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void test_journal_stream_match(void **state)
{
	int fd = temp_file(), other = temp_file();
	struct stat st;
	char id[64];

	stream_id(fd, id, sizeof(id));
	assert_true(log_stream_is_journal(id, fd));
	/* The variable names another stream (inherited, stderr redirected). */
	assert_false(log_stream_is_journal(id, other));
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	assert_false(log_stream_is_journal(id, fd));
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev + 1,
		 (unsigned long long)st.st_ino);
	assert_false(log_stream_is_journal(id, fd));
	close(other);
	close(fd);
}

static void test_journal_stream_malformed(void **state)
{
	int fd = temp_file();
	char id[64], junk[80];

	stream_id(fd, id, sizeof(id));
	assert_false(log_stream_is_journal(NULL, fd));
	assert_false(log_stream_is_journal("", fd));
	assert_false(log_stream_is_journal("12", fd));
	assert_false(log_stream_is_journal("a:b", fd));
	snprintf(junk, sizeof(junk), "%sx", id);
	assert_false(log_stream_is_journal(junk, fd));
	snprintf(junk, sizeof(junk), "%s:1", id);
	assert_false(log_stream_is_journal(junk, fd));
	close(fd);
	/* A closed stream is no journal. */
	assert_false(log_stream_is_journal(id, fd));
}

/*
 * Runs @fn with stderr going to a file and returns what it wrote (the
 * caller frees it).
 */
static char *capture(void (*fn)(void))
{
	int fd = temp_file(), saved = dup(STDERR_FILENO);
	char *text = calloc(1, 4096);
	ssize_t n;

	assert_non_null(text);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, text, 4095, 0);
	assert_true(n >= 0);
	close(fd);
	return text;
}

static void log_all_levels(void)
{
	log_set_level(LOG_LEVEL_DEBUG);
	log_error("e %d", 3);
	log_warn("w");
	log_info("i %s", "x");
	log_debug("d");
	log_set_level(LOG_LEVEL_INFO);
	log_debug("dropped");
}

static void test_journal_prefixes(void **state)
{
	char *text;

	log_set_journal(true);
	text = capture(log_all_levels);
	log_set_journal(false);
	assert_string_equal(text, "<3>error: e 3\n"
				  "<4>warning: w\n"
				  "<6>info: i x\n"
				  "<7>debug: d\n");
	free(text);
}

static void test_plain_prefixes(void **state)
{
	char *text;

	log_set_journal(false);
	text = capture(log_all_levels);
	assert_string_equal(text, "vhost-device-gpio: error: e 3\n"
				  "vhost-device-gpio: warning: w\n"
				  "vhost-device-gpio: info: i x\n"
				  "vhost-device-gpio: debug: d\n");
	free(text);
}

static void log_tagged(void)
{
	log_set_thread_tag("gpio.sock0");
	log_warn("front-end gone");
	log_set_thread_tag(NULL);
	log_info("untagged");
}

static void test_journal_thread_tag(void **state)
{
	char *text;

	log_set_journal(true);
	text = capture(log_tagged);
	log_set_journal(false);
	assert_string_equal(text, "<4>warning: gpio.sock0: front-end gone\n"
				  "<6>info: untagged\n");
	free(text);
}

static void init_and_log(void)
{
	char id[64];

	/* systemd names the stream the daemon's stderr is connected to. */
	stream_id(STDERR_FILENO, id, sizeof(id));
	setenv("JOURNAL_STREAM", id, 1);
	log_init();
	log_info("to the journal");
	/* Inherited, but stderr is elsewhere now: plain lines. */
	setenv("JOURNAL_STREAM", "1:1", 1);
	log_init();
	log_info("to a terminal");
	unsetenv("JOURNAL_STREAM");
	log_init();
}

static void test_init_from_env(void **state)
{
	char *text = capture(init_and_log);

	assert_string_equal(text, "<6>info: to the journal\n"
				  "vhost-device-gpio: info: to a terminal\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_stream_match),
		cmocka_unit_test(test_journal_stream_malformed),
		cmocka_unit_test(test_journal_prefixes),
		cmocka_unit_test(test_plain_prefixes),
		cmocka_unit_test(test_journal_thread_tag),
		cmocka_unit_test(test_init_from_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
