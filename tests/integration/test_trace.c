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
 * installed, those tests are skipped).
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

/* ---- reading a VCD file (ours, sigrok's, fst2vcd's) ---- */

#define MAX_CHANGES 64

/* One signal's changes, times in microseconds. */
struct signal_trace {
	unsigned int n;
	uint64_t t_us[MAX_CHANGES];
	char value[MAX_CHANGES];
};

/* The timescale of a "$timescale 1us $end" (or split over lines), in ns. */
static uint64_t timescale_ns(const char *text)
{
	const char *p = strstr(text, "$timescale");
	unsigned long n;
	char unit[4] = "";

	assert_non_null(p);
	if (sscanf(p + strlen("$timescale"), " %lu %3[a-z]", &n, unit) != 2)
		fail_msg("unreadable $timescale: %.40s", p);
	if (!strcmp(unit, "s"))
		return n * 1000000000ull;
	if (!strcmp(unit, "ms"))
		return n * 1000000ull;
	if (!strcmp(unit, "us"))
		return n * 1000ull;
	if (!strcmp(unit, "ns"))
		return n;
	fail_msg("timescale unit %s", unit);
	return 0;
}

/* The next whitespace-separated token of *@p into @tok; false at the end. */
static bool next_token(const char **p, char *tok, size_t cap)
{
	size_t len;

	*p += strspn(*p, " \t\r\n");
	len = strcspn(*p, " \t\r\n");
	if (!len)
		return false;
	snprintf(tok, cap, "%.*s", (int)len, *p);
	*p += len;
	return true;
}

/*
 * The changes of the signal named @name in the VCD text @text (any
 * layout: ours a change a line, sigrok's a time and its changes a line):
 * its value at each time it was written with a new one.  Fails the test
 * if there is no such signal.
 */
static void vcd_signal(const char *text, const char *name,
		       struct signal_trace *st)
{
	char id[64] = "", tok[128], var[4][64];
	uint64_t scale = timescale_ns(text), now = 0;
	const char *p = text;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	while (next_token(&p, tok, sizeof(tok))) {
		if (!strcmp(tok, "$var")) {
			/* type size id reference [$end] */
			for (i = 0; i < 4; i++)
				if (!next_token(&p, var[i], sizeof(var[i])))
					fail_msg("truncated $var");
			if (!strcmp(var[3], name))
				snprintf(id, sizeof(id), "%s", var[2]);
		} else if (!strcmp(tok, "$dumpvars") || !strcmp(tok, "$end")) {
			continue; /* value changes inside */
		} else if (tok[0] == '$') {
			while (next_token(&p, tok, sizeof(tok)) &&
			       strcmp(tok, "$end"))
				;
		} else if (tok[0] == '#') {
			now = strtoull(tok + 1, NULL, 10) * scale / 1000u;
		} else if (id[0] && strchr("01xzXZ", tok[0]) &&
			   !strcmp(tok + 1, id)) {
			char value = (char)(tok[0] | 0x20);

			if (st->n && st->value[st->n - 1] == value)
				continue;
			if (st->n == MAX_CHANGES)
				fail_msg("signal %s: too many changes", name);
			st->t_us[st->n] = now;
			st->value[st->n++] = value;
		}
	}
	if (!id[0])
		fail_msg("no signal %s in the VCD", name);
}

/* The signal's values in order, as a string ("x01"). */
static const char *values(const struct signal_trace *st, char *buf)
{
	memcpy(buf, st->value, st->n);
	buf[st->n] = '\0';
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long size;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	return text;
}

/* ---- running the client and the tools ---- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Starts @argv with stdout and stderr into a pipe, whose end is *@out. */
static pid_t spawn(const char *const *argv, int *out)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Reads @fd into @buf until it holds @want, EOF or the timeout. */
static bool read_until(int fd, char *buf, size_t cap, const char *want,
		       int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t len = strlen(buf);

	while (!strstr(buf, want) && len < cap - 1) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, want) != NULL;
}

/* Waits for @pid; its exit status, or -1 (killed after the timeout). */
static int wait_exit(pid_t pid, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(5);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs @argv to its end; its exit status, its output in @out. */
static int run(const char *const *argv, char *out, size_t cap)
{
	int fd, status;
	pid_t pid = spawn(argv, &fd);

	out[0] = '\0';
	read_until(fd, out, cap, "\x01never", 30000 * g_scale);
	close(fd);
	status = wait_exit(pid, 30000 * g_scale);
	return status;
}

/* A recording client on socket 0's control socket, writing @vcd. */
struct recorder {
	pid_t pid;
	int out;
	char text[4096];
};

static void record_start(struct fx *fx, struct recorder *r, const char *vcd)
{
	char sock[256];
	const char *argv[] = {fixture_arg(2), sock, "record", vcd, NULL};

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	r->text[0] = '\0';
	r->pid = spawn(argv, &r->out);
	if (!read_until(r->out, r->text, sizeof(r->text), "recording to",
			g_event_ms * g_scale))
		fail_msg("the client did not start recording: \"%s\"",
			 r->text);
}

/* Ctrl-C: the client completes the file and exits 0. */
static void record_stop(struct recorder *r)
{
	int status;

	kill(r->pid, SIGINT);
	status = wait_exit(r->pid, g_event_ms * g_scale);
	read_until(r->out, r->text, sizeof(r->text), "recorded to",
		   g_event_ms * g_scale);
	close(r->out);
	if (status != 0)
		fail_msg("record exited %d: \"%s\"", status, r->text);
}

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
	int ret = setup_with(state, 1, "s8");

	fx_irq_session(*state, 0, 0, NULL);
	return ret;
}

static void vcd_path(struct fx *fx, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fx->d.dir, name);
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

	out_high.before = now_us();
	REQ_OK(v, SET_VAL, 3, 1, 0);
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	out_high.after = now_us();
	sleep_ms(30);
	out_low.before = now_us();
	REQ_OK(v, SET_VAL, 3, 0, 0);
	out_low.after = now_us();
	sleep_ms(20);
	in_high.before = now_us();
	CTL_EXPECT(&c, "set 5 1", "ok");
	EXPECT_VALID(v, 5);
	in_high.after = now_us();
	sleep_ms(10);
	released.before = now_us();
	REQ_OK(v, SET_DIR, 3, DIR_NONE, 0);
	released.after = now_us();
	record_stop(&r);

	text = read_file(path);
	vcd_signal(text, "sim_3", &s3);
	vcd_signal(text, "sim_3_dir", &s3dir);
	vcd_signal(text, "sim_5", &s5);
	vcd_signal(text, "sim_5_irq", &s5irq);
	/* x in $dumpvars, then each change once, in order. */
	assert_string_equal(values(&s3, buf), "x010");
	assert_string_equal(values(&s3dir, buf), "x01z");
	assert_string_equal(values(&s5, buf), "x01");
	assert_string_equal(values(&s5irq, buf), "01");
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
	const char *argv[] = {fixture_arg(2), sock, "record", path, "0.3",
			      NULL};
	struct signal_trace s0;
	int64_t start = now_ms();

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	vcd_path(fx, "timed.vcd", path, sizeof(path));
	assert_int_equal(run(argv, out, sizeof(out)), 0);
	assert_true(now_ms() - start >= 300);
	assert_non_null(strstr(out, "recorded to"));
	text = read_file(path);
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
	const char *no_seconds[] = {fixture_arg(2), sock, "record", path,
				    "soon", NULL};
	const char *no_file[] = {fixture_arg(2), sock, "record", NULL};
	const char *no_dir[] = {fixture_arg(2), sock, "record", bad, NULL};
	const char *no_daemon[] = {fixture_arg(2), bad, "record", path, NULL};

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	vcd_path(fx, "never.vcd", path, sizeof(path));
	vcd_path(fx, "no/such/dir.vcd", bad, sizeof(bad));
	assert_int_equal(run(no_seconds, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "usage"));
	assert_int_equal(run(no_file, out, sizeof(out)), 2);
	assert_int_equal(run(no_dir, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "cannot create"));
	assert_int_equal(run(no_daemon, out, sizeof(out)), 2);
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
	return read_file(path);
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
			 values(ours, a), values(theirs, b));
	for (i = 0; i < theirs->n; i++)
		if (theirs->value[i] != ours->value[i + skip] ||
		    theirs->t_us[i] != ours->t_us[i + skip])
			fail_msg("%s: change %u: we wrote %c at %" PRIu64
				 " us, it read %c at %" PRIu64 " us",
				 what, i, ours->value[i + skip],
				 ours->t_us[i + skip], theirs->value[i],
				 theirs->t_us[i]);
}

static void skip_without(unsigned int arg, const char *tool)
{
	if (!strcmp(fixture_arg(arg), "-")) {
		print_message("# %s is not installed (scripts/install-deps "
			      "--test installs it): skipped\n",
			      tool);
		skip();
	}
}

/* sigrok-cli reads the file and writes back the same changes. */
static void test_sigrok_reads_recording(void **state)
{
	struct fx *fx = *state;
	char path[256], out_path[256], out[4096], *ours, *theirs;
	const char *argv[] = {fixture_arg(3), "-I", "vcd", "-i", path,
			      "-O", "vcd", "-o", out_path, NULL};
	static const char *const names[] = {"sim_2", "sim_3"};
	struct signal_trace a, b;
	unsigned int i;

	skip_without(3, "sigrok-cli");
	ours = record_scenario(fx, "sigrok.vcd", path, sizeof(path));
	vcd_path(fx, "sigrok-out.vcd", out_path, sizeof(out_path));
	if (run(argv, out, sizeof(out)) != 0)
		fail_msg("sigrok-cli failed: %s", out);
	theirs = read_file(out_path);
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

	skip_without(4, "vcd2fst");
	skip_without(5, "fst2vcd");
	ours = record_scenario(fx, "fst.vcd", path, sizeof(path));
	vcd_path(fx, "out.fst", fst, sizeof(fst));
	if (run(to_fst, out, sizeof(out)) != 0)
		fail_msg("vcd2fst failed: %s", out);
	if (run(to_vcd, out, sizeof(out)) != 0)
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

#define T(f)  cmocka_unit_test_setup_teardown(f, setup_guest, teardown)

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
