// SPDX-License-Identifier: MIT
/*
 * Integration tests of traces: the real daemon (argv[1]) streams what
 * happens on a simulated chip's lines over its control socket (`trace`),
 * and the control client (argv[2]) records it as VCD while a fake guest
 * drives the lines.  The file's values and times are checked against what
 * the test did and when, with bounds that hold on a loaded machine (a
 * change lands between the request's sending and its reply).  Then
 * sigrok-cli (argv[3]) and vcd2fst/fst2vcd (argv[4], argv[5]), readers
 * nobody here wrote, must read the same file the same way ("-": not
 * installed: those tests say so and check nothing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

/* The bounds of a span between two changes, from the test's clock. */
struct span {
	int64_t before, after; /* around the change: sending, reply */
};

/* The recorded gap from @a to @b lies within what the test saw. */
static void expect_gap(uint64_t recorded_us, const struct span *a,
		       const struct span *b, const char *what)
{
	/* One microsecond either way: each time is rounded down. */
	int64_t lo = b->before - a->after - 1, hi = b->after - a->before + 1;

	if ((int64_t)recorded_us < lo || (int64_t)recorded_us > hi)
		fail_msg("%s: recorded %" PRIu64 " us apart, the test saw "
			 "%" PRId64 " .. %" PRId64 " us",
			 what, recorded_us, lo, hi);
}

/* ---- tests ---- */

static int setup_guest(void **state)
{
	return setup_irq_guest(state, "s8");
}

/*
 * What the guest drives (direction, value, release), a host `set` and the
 * interrupt it gives the guest: all in the file, in order, at times within
 * what the test measured.
 */
static void test_record_guest_and_host(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct span out_high, out_low, in_high, released;
	struct signal_trace s3, s3dir, s5, s5irq;
	struct recorder r;
	struct ctl c;
	char path[256], buf[MAX_CHANGES + 1], *text;

	vcd_path(fx, "guest.vcd", path, sizeof(path));
	ctl_open(fx, 0, &c);
	ARM(v, 5, T_RISE);
	UNMASK(v, 5);
	record_start(fx, &r, path);

	out_high.before = clock_us();
	REQ_OK(v, SET_VAL, 3, 1, 0);
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	out_high.after = clock_us();
	sleep_ms(30);
	out_low.before = clock_us();
	REQ_OK(v, SET_VAL, 3, 0, 0);
	out_low.after = clock_us();
	sleep_ms(20);
	in_high.before = clock_us();
	CTL_EXPECT(&c, "set 5 1", "ok");
	EXPECT_VALID(v, 5);
	in_high.after = clock_us();
	sleep_ms(10);
	released.before = clock_us();
	REQ_OK(v, SET_DIR, 3, DIR_NONE, 0);
	released.after = clock_us();
	record_stop(&r);

	text = read_whole_file(path);
	vcd_signal(text, "sim_3", &s3);
	vcd_signal(text, "sim_3_dir", &s3dir);
	vcd_signal(text, "sim_5", &s5);
	vcd_signal(text, "sim_5_irq", &s5irq);
	/* x in $dumpvars, then each change once, in order. */
	assert_string_equal(vcd_values(&s3, buf), "x010");
	assert_string_equal(vcd_values(&s3dir, buf), "x01z");
	assert_string_equal(vcd_values(&s5, buf), "x01");
	assert_string_equal(vcd_values(&s5irq, buf), "01");
	/* The state at the start is at time 0. */
	assert_int_equal(s3.t_us[1], 0);
	assert_int_equal(s5.t_us[1], 0);
	expect_gap(s3.t_us[3] - s3.t_us[2], &out_high, &out_low,
		   "guest drives line 3 high, then low");
	expect_gap(s5.t_us[2] - s3.t_us[3], &out_low, &in_high,
		   "line 3 low, then host sets line 5");
	expect_gap(s3dir.t_us[3] - s5.t_us[2], &in_high, &released,
		   "line 5 set, then line 3 released");
	/* The interrupt follows its edge, before the test saw it. */
	assert_true(s5irq.t_us[1] >= s5.t_us[2]);
	expect_gap(s5irq.t_us[1] - s5.t_us[2], &in_high, &in_high,
		   "line 5 set, then its interrupt delivered");
	free(text);
}

/*
 * The stream as the control socket gives it: the head (count, names,
 * every line's state), then one line per change and nothing for a `set`
 * that changes nothing; two clients get the same stream.
 */
static void test_trace_stream(void **state)
{
	struct fx *fx = *state;
	struct ctl a, b, c;
	char line[256], want[64];
	unsigned long long ns_a, ns_b;
	unsigned int i;

	ctl_open(fx, 0, &a);
	ctl_open(fx, 0, &b);
	ctl_open(fx, 0, &c);
	CTL_EXPECT(&c, "set 6 1", "ok");
	CTL_EXPECT(&a, "trace", "trace 8");
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "name %u sim-%u", i, i);
		CTL_NEXT(&a, want);
	}
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), " %u in %u", i, i == 6);
		OK(ctl_read_line(&a, line, sizeof(line), g_event_ms * g_scale));
		if (line[0] != '@' || !strstr(line, want))
			fail_msg("state line \"%s\", expected \"@NS%s\"", line,
				 want);
	}
	ctl_send(&b, "trace\n");
	for (i = 0; i < 17; i++)
		OK(ctl_read_line(&b, line, sizeof(line), g_event_ms * g_scale));
	CTL_EXPECT(&c, "set 6 1", "ok"); /* no change, no line */
	CTL_EXPECT(&c, "set 2 1", "ok");
	OK(ctl_read_line(&a, line, sizeof(line), g_event_ms * g_scale));
	assert_int_equal(sscanf(line, "@%llu 2 in 1", &ns_a), 1);
	OK(ctl_read_line(&b, line, sizeof(line), g_event_ms * g_scale));
	assert_int_equal(sscanf(line, "@%llu 2 in 1", &ns_b), 1);
	assert_true(ns_a == ns_b);
	ctl_expect_silent_at(&a, __LINE__);
	/* The one that stopped reading (c) got no trace: its replies only. */
	ctl_expect_silent_at(&c, __LINE__);
	ctl_send(&c, "trace now\n");
	ctl_expect_error_line(&c, "trace with an argument", __LINE__);
}

/* The last one gone, the stream starts again for the next. */
static void test_trace_after_last_client(void **state)
{
	struct fx *fx = *state;
	struct ctl a, c;
	char line[256];
	unsigned int i;

	ctl_open(fx, 0, &a);
	ctl_open(fx, 0, &c);
	ctl_send(&a, "trace\n");
	for (i = 0; i < 17; i++)
		OK(ctl_read_line(&a, line, sizeof(line), g_event_ms * g_scale));
	ctl_close(fx, &a);
	CTL_EXPECT(&c, "set 1 1", "ok"); /* finds nobody: tracing stops */
	CTL_EXPECT(&c, "set 4 1", "ok");
	ctl_open(fx, 0, &a);
	ctl_send(&a, "trace\n");
	for (i = 0; i < 17; i++)
		OK(ctl_read_line(&a, line, sizeof(line), g_event_ms * g_scale));
	/* The last state line is line 7's; line 4's says 1. */
	assert_non_null(strstr(line, " 7 in 0"));
	CTL_EXPECT(&c, "set 4 0", "ok");
	OK(ctl_read_line(&a, line, sizeof(line), g_event_ms * g_scale));
	assert_non_null(strstr(line, " 4 in 0"));
}

/* `record FILE SECONDS` ends by itself with a complete file. */
static void test_record_for_seconds(void **state)
{
	struct fx *fx = *state;
	char sock[256], path[256], out[4096], *text;
	const char *argv[] = {fixture_arg(2), sock,  "record",
			      path,	      "0.3", NULL};
	struct signal_trace s0;
	int64_t start = now_ms();

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	vcd_path(fx, "timed.vcd", path, sizeof(path));
	assert_int_equal(tool_run(argv, out, sizeof(out)), 0);
	assert_true(now_ms() - start >= 300);
	assert_non_null(strstr(out, "recorded to"));
	text = read_whole_file(path);
	vcd_signal(text, "sim_0", &s0);
	assert_int_equal(s0.n, 2); /* x, then 0 */
	/* The end time is the last line: the file is complete. */
	assert_non_null(strrchr(text, '#'));
	assert_string_equal(strchr(strrchr(text, '#'), '\n'), "\n");
	free(text);
}

/* Usage and connection errors: exit 2, with a message, no file made. */
static void test_record_errors(void **state)
{
	struct fx *fx = *state;
	char sock[256], path[256], bad[256], out[4096];
	const char *no_seconds[] = {fixture_arg(2), sock,   "record",
				    path,	    "soon", NULL};
	const char *no_file[] = {fixture_arg(2), sock, "record", NULL};
	const char *no_dir[] = {fixture_arg(2), sock, "record", bad, NULL};
	const char *no_daemon[] = {fixture_arg(2), bad, "record", path, NULL};

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	vcd_path(fx, "never.vcd", path, sizeof(path));
	vcd_path(fx, "no/such/dir.vcd", bad, sizeof(bad));
	assert_int_equal(tool_run(no_seconds, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "usage"));
	assert_int_equal(tool_run(no_file, out, sizeof(out)), 2);
	assert_int_equal(tool_run(no_dir, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "cannot create"));
	assert_int_equal(tool_run(no_daemon, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "cannot connect"));
	assert_int_equal(access(path, F_OK), -1);
}

/* A recording with host sets and guest outputs, released at the end. */
static char *record_scenario(struct fx *fx, const char *name, char *path,
			     size_t len)
{
	struct vmm *v = fx->v[0];
	struct recorder r;
	struct ctl c;

	vcd_path(fx, name, path, len);
	ctl_open(fx, 0, &c);
	record_start(fx, &r, path);
	CTL_EXPECT(&c, "set 2 1", "ok");
	sleep_ms(5);
	CTL_EXPECT(&c, "set 2 0", "ok");
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 3, 1, 0);
	sleep_ms(3);
	REQ_OK(v, SET_VAL, 3, 0, 0);
	REQ_OK(v, SET_DIR, 3, DIR_NONE, 0);
	sleep_ms(2);
	record_stop(&r);
	return read_whole_file(path);
}

/*
 * @theirs (another tool's reading of our file) has the changes of @ours,
 * at the same microseconds; a reader without x starts at its first value.
 */
static void expect_same_changes(const struct signal_trace *ours,
				const struct signal_trace *theirs,
				bool reader_has_x, const char *what)
{
	unsigned int skip = !reader_has_x && ours->value[0] == 'x', i;
	char a[MAX_CHANGES + 1], b[MAX_CHANGES + 1];

	if (theirs->n != ours->n - skip)
		fail_msg("%s: we wrote \"%s\", it read \"%s\"", what,
			 vcd_values(ours, a), vcd_values(theirs, b));
	for (i = 0; i < theirs->n; i++)
		if (theirs->value[i] != ours->value[i + skip] ||
		    theirs->t_us[i] != ours->t_us[i + skip])
			fail_msg("%s: change %u: we wrote %c at %" PRIu64
				 " us, it read %c at %" PRIu64 " us",
				 what, i, ours->value[i + skip],
				 ours->t_us[i + skip], theirs->value[i],
				 theirs->t_us[i]);
}

/* sigrok-cli reads the file and writes back the same changes. */
static void test_sigrok_reads_recording(void **state)
{
	struct fx *fx = *state;
	char path[256], out_path[256], out[4096], *ours, *theirs;
	const char *argv[] = {fixture_arg(3), "-I",  "vcd", "-i",     path,
			      "-O",	      "vcd", "-o",  out_path, NULL};
	static const char *const names[] = {"sim_2", "sim_3"};
	struct signal_trace a, b;
	unsigned int i;

	if (tool_missing(3, "sigrok-cli"))
		return;
	ours = record_scenario(fx, "sigrok.vcd", path, sizeof(path));
	vcd_path(fx, "sigrok-out.vcd", out_path, sizeof(out_path));
	if (tool_run(argv, out, sizeof(out)) != 0)
		fail_msg("sigrok-cli failed: %s", out);
	theirs = read_whole_file(out_path);
	for (i = 0; i < 2; i++) {
		vcd_signal(ours, names[i], &a);
		vcd_signal(theirs, names[i], &b);
		assert_true(a.n >= 3);
		expect_same_changes(&a, &b, false, names[i]);
	}
	free(ours);
	free(theirs);
}

/* vcd2fst converts it; fst2vcd gives back the same changes, x and z too. */
static void test_vcd2fst_converts_recording(void **state)
{
	struct fx *fx = *state;
	char path[256], fst[256], out[1 << 16], *ours;
	const char *to_fst[] = {fixture_arg(4), path, fst, NULL};
	const char *to_vcd[] = {fixture_arg(5), fst, NULL};
	static const char *const names[] = {"sim_2", "sim_3", "sim_3_dir"};
	struct signal_trace a, b;
	unsigned int i;

	if (tool_missing(4, "vcd2fst") || tool_missing(5, "fst2vcd"))
		return;
	ours = record_scenario(fx, "fst.vcd", path, sizeof(path));
	vcd_path(fx, "out.fst", fst, sizeof(fst));
	if (tool_run(to_fst, out, sizeof(out)) != 0)
		fail_msg("vcd2fst failed: %s", out);
	if (tool_run(to_vcd, out, sizeof(out)) != 0)
		fail_msg("fst2vcd failed: %s", out);
	for (i = 0; i < 3; i++) {
		vcd_signal(ours, names[i], &a);
		vcd_signal(out, names[i], &b);
		expect_same_changes(&a, &b, true, names[i]);
	}
	vcd_signal(ours, "sim_3_dir", &a);
	assert_int_equal(a.value[a.n - 1], 'z');
	free(ours);
}

/* ------------------------------------------------------------------ */

#define T(f) cmocka_unit_test_setup_teardown(f, setup_guest, teardown)

static const struct CMUnitTest tests[] = {
	T(test_trace_stream),
	T(test_trace_after_last_client),
	T(test_record_guest_and_host),
	T(test_record_for_seconds),
	T(test_record_errors),
	T(test_sigrok_reads_recording),
	T(test_vcd2fst_converts_recording),
};

FIXTURE_MAIN("DAEMON-BINARY SIM-CLIENT-BINARY SIGROK-CLI VCD2FST FST2VCD",
	     "trace", tests)
