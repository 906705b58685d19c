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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "unit_helpers.h"

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
 * Runs @fn with stderr going to a file, in journal mode or not (plain
 * afterwards), and returns what it wrote (the caller frees it).
 */
static char *capture(bool journal, void (*fn)(void))
{
	int fd = temp_file(), saved = dup(STDERR_FILENO);
	char *text = calloc(1, 65536);
	ssize_t n;

	assert_non_null(text);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_set_journal(journal);
	fn();
	log_set_journal(false);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, text, 65535, 0);
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

static void log_tagged(void)
{
	log_set_thread_tag("gpio.sock0");
	log_warn("front-end gone");
	log_set_thread_tag(NULL);
	log_info("untagged");
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

/* What @fn writes to stderr, in journal mode or not. */
struct capture_case {
	bool journal;
	void (*fn)(void);
	const char *text;
};

static const struct capture_case journal_prefixes = {
	true, log_all_levels,
	"<3>error: e 3\n<4>warning: w\n<6>info: i x\n<7>debug: d\n"};
static const struct capture_case plain_prefixes = {
	false, log_all_levels,
	"vhost-device-gpio: error: e 3\n"
	"vhost-device-gpio: warning: w\n"
	"vhost-device-gpio: info: i x\n"
	"vhost-device-gpio: debug: d\n"};
static const struct capture_case journal_thread_tag = {
	true, log_tagged,
	"<4>warning: gpio.sock0: front-end gone\n<6>info: untagged\n"};
/* log_init() decides, whatever the mode was. */
static const struct capture_case init_from_env = {
	false, init_and_log,
	"<6>info: to the journal\nvhost-device-gpio: info: to a terminal\n"};

static void run_capture(void **state)
{
	const struct capture_case *c = *state;
	char *text = capture(c->journal, c->fn);

	assert_string_equal(text, c->text);
	free(text);
}

/* ---- the rate limit of tagged threads ---- */

static uint64_t fake_ms;

static uint64_t fake_clock(void)
{
	return fake_ms;
}

/* Starts a tagged thread's bucket afresh at fake time 0. */
static void rate_start(const char *tag)
{
	fake_ms = 0;
	log_set_clock(fake_clock);
	log_set_thread_tag(tag);
}

static void rate_stop(void)
{
	log_set_thread_tag(NULL);
	log_set_clock(NULL);
}

/* How many times @needle occurs in @text. */
static unsigned int occurrences(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (text = strstr(text, needle); text; text = strstr(text + 1, needle))
		n++;
	return n;
}

/*
 * A burst of LOG_RATE_BURST, then LOG_RATE_PER_SEC a second; what was held
 * back is counted in one line before the next line that gets out.
 */
static void log_burst(void)
{
	unsigned int i;

	rate_start("gpio.sock0");
	for (i = 0; i < 25; i++)
		log_warn("w%u", i);
	/* 99 ms: not one message's worth yet. */
	fake_ms = 99;
	log_warn("early");
	fake_ms = 100;
	log_info("next");
	/* 1 s: 10 more, the 11th and 12th held back. */
	fake_ms = 1100;
	for (i = 0; i < 12; i++)
		log_error("e%u", i);
	log_flush_thread();
	/* Nothing more to report. */
	log_flush_thread();
	rate_stop();
}

static void test_rate_burst_then_limited(void **state)
{
	char *text = capture(false, log_burst);
	char expect[4096] = "";
	char line[128];
	unsigned int i;

	for (i = 0; i < LOG_RATE_BURST; i++) {
		snprintf(line, sizeof(line),
			 "vhost-device-gpio: warning: gpio.sock0: w%u\n", i);
		strcat(expect, line);
	}
	strcat(expect, "vhost-device-gpio: warning: gpio.sock0: 6 messages "
		       "suppressed (more than 10 a second)\n"
		       "vhost-device-gpio: info: gpio.sock0: next\n");
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof(line),
			 "vhost-device-gpio: error: gpio.sock0: e%u\n", i);
		strcat(expect, line);
	}
	strcat(expect, "vhost-device-gpio: warning: gpio.sock0: 2 messages "
		       "suppressed (more than 10 a second)\n");
	assert_string_equal(text, expect);
	free(text);
}

/* However long a thread was quiet, its next burst is LOG_RATE_BURST. */
static void log_after_quiet(void)
{
	unsigned int i;

	rate_start("t");
	for (i = 0; i < 100; i++)
		log_info("a");
	fake_ms = 3600 * 1000;
	for (i = 0; i < 100; i++)
		log_info("b");
	rate_stop();
}

static void test_rate_refill_capped(void **state)
{
	char *text = capture(false, log_after_quiet);

	assert_int_equal(occurrences(text, "t: a\n"), LOG_RATE_BURST);
	assert_int_equal(occurrences(text, "t: b\n"), LOG_RATE_BURST);
	assert_non_null(strstr(text, "t: 80 messages suppressed"));
	/* Reported when the tag changed (the thread's end). */
	assert_int_equal(occurrences(text, "suppressed"), 2);
	free(text);
}

/* The main thread (no tag) and debug messages are never held back. */
static void log_unlimited(void)
{
	unsigned int i;

	fake_ms = 0;
	log_set_clock(fake_clock);
	for (i = 0; i < 100; i++)
		log_warn("main");
	log_set_thread_tag("t");
	log_set_level(LOG_LEVEL_DEBUG);
	for (i = 0; i < 100; i++)
		log_debug("request");
	log_set_level(LOG_LEVEL_INFO);
	rate_stop();
}

static void test_rate_untagged_and_debug_unlimited(void **state)
{
	char *text = capture(false, log_unlimited);

	assert_int_equal(occurrences(text, ": warning: main\n"), 100);
	assert_int_equal(occurrences(text, ": debug: t: request\n"), 100);
	assert_null(strstr(text, "suppressed"));
	free(text);
}

/* Journal mode: the note is a warning with its priority, like any line. */
static void log_burst_journal(void)
{
	unsigned int i;

	rate_start("s");
	for (i = 0; i < LOG_RATE_BURST + 1; i++)
		log_info("x");
	rate_stop();
}

static void test_rate_note_journal(void **state)
{
	char *text = capture(true, log_burst_journal);

	assert_non_null(strstr(text, "<6>info: s: x\n<4>warning: s: 1 message "
				     "suppressed (more than 10 a second)\n"));
	free(text);
}

/* ---- stderr that is not being read ---- */

/*
 * Runs @fn with stderr being @fd (log_init() told), then puts stderr back;
 * stderr's O_NONBLOCK must be left alone.
 */
static void with_stderr(int fd, void (*fn)(void))
{
	int saved = dup(STDERR_FILENO);

	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_init();
	fn();
	assert_int_equal(fcntl(STDERR_FILENO, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	log_init();
}

/* What @fd holds now (non-blocking read of up to @cap - 1 bytes). */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap - 1 &&
	       (n = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	if (got == 0 || errno == ENOTSOCK) {
		int flags = fcntl(fd, F_GETFL);

		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
		while (got < cap - 1 &&
		       (n = read(fd, buf + got, cap - 1 - got)) > 0)
			got += (size_t)n;
		fcntl(fd, F_SETFL, flags);
	}
	buf[got] = '\0';
	return got;
}

/* 200 lines of 100 bytes from the main thread, then one more. */
static void log_many(void)
{
	unsigned int i;

	for (i = 0; i < 200; i++)
		log_info("%088u", i);
}

static void log_one(void)
{
	log_info("after");
}

/*
 * A reader that does not read: the lines it cannot take are dropped
 * without waiting (the test would hang), counted, and the count comes out
 * with the next line once it reads again.
 */
static void check_lost_lines(int reader, int writer)
{
	static char buf[65536];
	unsigned int kept, lost = 0;
	char *note;

	/* A hang here is the bug: fail instead. */
	alarm(20);
	with_stderr(writer, log_many);
	alarm(0);
	drain(reader, buf, sizeof(buf));
	kept = occurrences(buf, ": info: ");
	assert_true(kept > 0 && kept < 200);
	/* The first ones got in, in order; the rest did not. */
	assert_non_null(strstr(buf, "00000000000000000000000000000000000000"
				    "00000000000000000000000000000000000000"
				    "000000000000\n"));
	with_stderr(writer, log_one);
	drain(reader, buf, sizeof(buf));
	note = strstr(buf, "vhost-device-gpio: warning: ");
	assert_non_null(note);
	assert_int_equal(sscanf(note,
				"vhost-device-gpio: warning: %u log "
				"lines lost",
				&lost),
			 1);
	assert_int_equal(kept + lost, 200);
	assert_non_null(strstr(buf, " log lines lost: stderr was not being "
				    "read\nvhost-device-gpio: info: after\n"));
	/* Reported once. */
	with_stderr(writer, log_one);
	drain(reader, buf, sizeof(buf));
	assert_string_equal(buf, "vhost-device-gpio: info: after\n");
}

static void test_pipe_not_read(void **state)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	/* One page: 40 of the lines fit. */
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 4096) >= 4096);
	check_lost_lines(p[0], p[1]);
	close(p[0]);
	close(p[1]);
}

/* A named FIFO (which pwritev2(RWF_NOWAIT) would not take, even now). */
static void test_fifo_not_read(void **state)
{
	char dir[64], path[80];
	int r, w;

	assert_int_equal(unit_temp_dir(dir, sizeof(dir), "log-fifo"), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	r = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(r >= 0);
	w = open(path, O_WRONLY);
	assert_true(w >= 0);
	assert_true(fcntl(w, F_SETPIPE_SZ, 4096) >= 4096);
	check_lost_lines(r, w);
	close(r);
	close(w);
	assert_int_equal(unit_remove_tree(dir), 0);
}

static void test_socket_not_read(void **state)
{
	int sv[2], size = 4096;

	/* A stream socket, as journald's. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)),
		0);
	check_lost_lines(sv[0], sv[1]);
	close(sv[0]);
	close(sv[1]);
}

/* A reader that has gone: no SIGPIPE (the test would die), no count. */
static void test_socket_reader_gone(void **state)
{
	static char buf[4096];
	int sv[2], p[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	with_stderr(sv[1], log_one);
	close(sv[1]);
	/* Nothing was counted as lost for a later reader. */
	assert_int_equal(pipe(p), 0);
	with_stderr(p[1], log_one);
	drain(p[0], buf, sizeof(buf));
	assert_string_equal(buf, "vhost-device-gpio: info: after\n");
	close(p[0]);
	close(p[1]);
}

/* test_@c: run_capture() of the struct capture_case @c. */
#define CAPTURE(c)                                                \
	{                                                         \
		"test_" #c, run_capture, NULL, NULL, (void *)&(c) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_stream_match),
		cmocka_unit_test(test_journal_stream_malformed),
		CAPTURE(journal_prefixes),
		CAPTURE(plain_prefixes),
		CAPTURE(journal_thread_tag),
		CAPTURE(init_from_env),
		cmocka_unit_test(test_rate_burst_then_limited),
		cmocka_unit_test(test_rate_refill_capped),
		cmocka_unit_test(test_rate_untagged_and_debug_unlimited),
		cmocka_unit_test(test_rate_note_journal),
		cmocka_unit_test(test_pipe_not_read),
		cmocka_unit_test(test_fifo_not_read),
		cmocka_unit_test(test_socket_not_read),
		cmocka_unit_test(test_socket_reader_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
