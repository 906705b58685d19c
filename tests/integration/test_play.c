// SPDX-License-Identifier: MIT
/*
 * Integration tests of timed stimulus: the control client (argv[2]) plays
 * scripts into a simulated chip of the real daemon (argv[1]), which keeps
 * the time with a timerfd.  A fake guest with every line armed sees each
 * played edge, in order, none lost; a recording taken meanwhile shows
 * changes of one instant at one time and gaps as scheduled, within the
 * lateness the daemon itself reports; a serial frame played into a line
 * is decoded by sigrok-cli's uart decoder (argv[3], "-": not checked).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static int setup_guest32(void **state)
{
	return setup_irq_guest(state, "s32");
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Runs `play SCRIPT [--loop N]`; its status, its output in @out. */
static int play(struct fx *fx, const char *script, const char *loops, char *out,
		size_t cap)
{
	char sock[256];
	const char *argv[] = {fixture_arg(2),	       sock,  "play", script,
			      loops ? "--loop" : NULL, loops, NULL};

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	return tool_run(argv, out, cap);
}

/* The `played N late median M us p99 P us max X us` line's N and X. */
static void parse_played(const char *out, unsigned int *steps, uint64_t *max_us)
{
	const char *p = strstr(out, "played ");

	if (!p || sscanf(p,
			 "played %u late median %*u us p99 %*u us max "
			 "%" SCNu64 " us",
			 steps, max_us) != 2)
		fail_msg("no played line in \"%s\"", out);
	print_message("# %.*s", (int)strcspn(p, "\n") + 1, p);
}

/*
 * 20 lines, each armed for a rising edge with its pair queued, rise one
 * after the other 3 ms apart, the last two at the same instant: the guest
 * gets the 20 interrupts in that order.  The recording shows the last two
 * at one time and each gap as scheduled, within the daemon's own lateness.
 */
static void test_played_edges_reach_guest_in_order(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	char script[256], vcd[256], text[2048], out[4096], name[16], *rec;
	struct signal_trace st[20];
	struct recorder r;
	unsigned int i, steps;
	uint64_t max_us, sched_us, gap_us;
	size_t len = 0;

	for (i = 0; i < 20; i++) {
		ARM(v, i, T_RISE);
		UNMASK(v, i);
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%ums sim-%u 1\n",
					(i < 19 ? i : 18) * 3, i);
	}
	vcd_path(fx, "edges.txt", script, sizeof(script));
	write_text(script, text);
	vcd_path(fx, "edges.vcd", vcd, sizeof(vcd));
	record_start(fx, &r, vcd);
	if (play(fx, script, NULL, out, sizeof(out)) != 0)
		fail_msg("play: \"%s\"", out);
	for (i = 0; i < 20; i++)
		EXPECT_VALID(v, i);
	record_stop(&r);
	parse_played(out, &steps, &max_us);
	assert_int_equal(steps, 20);

	rec = read_whole_file(vcd);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "sim_%u", i);
		vcd_signal(rec, name, &st[i]);
		assert_int_equal(st[i].n, 3); /* x, 0, 1 */
		assert_int_equal(st[i].value[2], '1');
	}
	assert_int_equal(st[18].t_us[2], st[19].t_us[2]);
	for (i = 1; i < 20; i++) {
		sched_us = (i < 19 ? i : 18) * 3000u;
		gap_us = st[i].t_us[2] - st[0].t_us[2];
		if (gap_us + max_us + 1 < sched_us ||
		    gap_us > sched_us + max_us + 1)
			fail_msg("line %u rose %" PRIu64 " us after line 0, "
				 "scheduled %" PRIu64 " us, the daemon was "
				 "at most %" PRIu64 " us late",
				 i, gap_us, sched_us, max_us);
	}
	free(rec);
}

/* --loop 3: the script three times, each round END after the last. */
static void test_play_loops(void **state)
{
	struct fx *fx = *state;
	char script[256], vcd[256], out[4096], buf[MAX_CHANGES + 1], *rec;
	struct signal_trace st;
	struct recorder r;
	unsigned int steps, i;
	uint64_t max_us;

	vcd_path(fx, "loop.txt", script, sizeof(script));
	write_text(script, "# a square wave, 4 ms a period\n"
			   "0ms 1 1\n2ms sim-1 0\n4ms end\n");
	vcd_path(fx, "loop.vcd", vcd, sizeof(vcd));
	record_start(fx, &r, vcd);
	assert_int_equal(play(fx, script, "3", out, sizeof(out)), 0);
	record_stop(&r);
	parse_played(out, &steps, &max_us);
	assert_int_equal(steps, 6);
	rec = read_whole_file(vcd);
	vcd_signal(rec, "sim_1", &st);
	assert_string_equal(vcd_values(&st, buf), "x0101010");
	/* Each rise a period after the last, within the lateness. */
	for (i = 4; i < st.n; i += 2)
		assert_true(st.t_us[i] - st.t_us[i - 2] + max_us + 1 >= 4000 &&
			    st.t_us[i] - st.t_us[i - 2] <= 4000 + max_us + 1);
	free(rec);
}

static void test_play_errors(void **state)
{
	struct fx *fx = *state;
	char script[256], missing[256], out[4096];

	vcd_path(fx, "bad.txt", script, sizeof(script));
	write_text(script, "0ms 1 1\n5ms 1 2\n");
	assert_int_equal(play(fx, script, NULL, out, sizeof(out)), 2);
	assert_non_null(
		strstr(out, "bad.txt: line 2: the value must be 0 or 1"));
	write_text(script, "0ms 40 1\n");
	assert_int_equal(play(fx, script, NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "error no line 40 (0..31)"));
	write_text(script, "0ms 1 1\n");
	assert_int_equal(play(fx, script, "x", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "usage"));
	vcd_path(fx, "missing.txt", missing, sizeof(missing));
	assert_int_equal(play(fx, missing, NULL, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "cannot read"));
	/* Nothing of those reached the line. */
	{
		char sock[256];

		daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
		ctl_once_at(fx, sock, "get 1", "1 in 0", __LINE__);
	}
}

/*
 * One play at a time; --loop 0 plays until Ctrl-C, which ends it with
 * status 0 and frees the chip for the next.
 */
static void test_play_forever_until_stopped(void **state)
{
	struct fx *fx = *state;
	char sock[256], script[256], out[4096] = "", line[64];
	const char *argv[] = {fixture_arg(2), sock, "play", script,
			      "--loop",	      "0",  NULL};
	struct ctl w;
	int fd, status;
	pid_t pid;

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	vcd_path(fx, "forever.txt", script, sizeof(script));
	write_text(script, "0ms 5 1\n1ms 5 0\n2ms end\n");
	ctl_open(fx, 0, &w);
	ctl_send(&w, "watch\n");
	pid = tool_spawn(argv, &fd);
	/* Playing once line 5 went high. */
	do
		OK(ctl_read_line(&w, line, sizeof(line), g_event_ms * g_scale));
	while (strcmp(line, "5 in 1"));
	assert_int_equal(play(fx, script, NULL, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "error another play is running"));
	kill(pid, SIGINT);
	status = tool_wait_exit(pid, g_event_ms * g_scale);
	close(fd);
	assert_int_equal(status, 0);
	assert_int_equal(play(fx, script, NULL, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "played 2 "));
}

/* What `record` wrote plays back: the same changes on the same line. */
static void test_play_a_recording(void **state)
{
	struct fx *fx = *state;
	char first[256], second[256], out[4096], a[MAX_CHANGES + 1],
		b[MAX_CHANGES + 1], *rec;
	struct signal_trace st;
	struct recorder r;
	struct ctl c;

	ctl_open(fx, 0, &c);
	vcd_path(fx, "first.vcd", first, sizeof(first));
	record_start(fx, &r, first);
	CTL_EXPECT(&c, "set 3 1", "ok");
	sleep_ms(5);
	CTL_EXPECT(&c, "set 3 0", "ok");
	sleep_ms(5);
	CTL_EXPECT(&c, "set 3 1", "ok");
	record_stop(&r);
	rec = read_whole_file(first);
	vcd_signal(rec, "sim_3", &st);
	vcd_values(&st, a);
	free(rec);
	CTL_EXPECT(&c, "set 3 0", "ok");

	vcd_path(fx, "second.vcd", second, sizeof(second));
	record_start(fx, &r, second);
	assert_int_equal(play(fx, first, NULL, out, sizeof(out)), 0);
	record_stop(&r);
	rec = read_whole_file(second);
	vcd_signal(rec, "sim_3", &st);
	vcd_values(&st, b);
	free(rec);
	assert_string_equal(a, "x0101");
	assert_string_equal(b, a);
	/* The _dir and _irq signals name no line: said, and ignored. */
	assert_non_null(strstr(out, "signals name no line"));
}

/* An 8N1 serial frame spelling @message at @baud into line 2, idle high. */
static void uart_script(const char *message, unsigned int baud, char *text,
			size_t cap)
{
	uint64_t bit_ns = 1000000000ull / baud, t = 20000000;
	unsigned int i, b;
	size_t len = 0;

	len += (size_t)snprintf(text, cap, "0ns 2 1\n");
	for (i = 0; message[i]; i++) {
		/* start bit, 8 data bits LSB first, stop bit, one idle */
		len += (size_t)snprintf(text + len, cap - len,
					"%" PRIu64 "ns 2 0\n", t);
		for (b = 0; b < 8; b++)
			len += (size_t)snprintf(
				text + len, cap - len, "%" PRIu64 "ns 2 %u\n",
				t + (b + 1) * bit_ns, (message[i] >> b) & 1);
		len += (size_t)snprintf(text + len, cap - len,
					"%" PRIu64 "ns 2 1\n", t + 9 * bit_ns);
		t += 11 * bit_ns;
	}
	snprintf(text + len, cap - len, "%" PRIu64 "ns end\n", t + 20000000);
}

/* What sigrok-cli's uart decoder reads on line 2 of @vcd at @baud. */
static void uart_decode(const char *vcd, unsigned int baud, char *decoded,
			size_t cap)
{
	char rx[64], out[8192];
	const char *argv[] = {
		fixture_arg(3), "-I", "vcd", "-i",	     vcd,
		"-P",		rx,   "-A",  "uart=rx-data", NULL};
	const char *p;
	size_t n = 0;

	snprintf(rx, sizeof(rx), "uart:rx=sim_2:baudrate=%u:format=ascii",
		 baud);
	if (tool_run(argv, out, sizeof(out)) != 0)
		fail_msg("sigrok-cli failed: %s", out);
	/* "uart-1: G" lines, one a character. */
	for (p = strstr(out, "uart-1: "); p && n + 1 < cap;
	     p = strstr(p + 1, "uart-1: "))
		decoded[n++] = p[8];
	decoded[n] = '\0';
}

/*
 * A serial frame played into a line while recording: sigrok-cli's uart
 * decoder reads the text back from the recording, which holds the times
 * the daemon applied each bit.  The decoder samples each bit in its
 * middle, so this holds while the daemon is less than half a bit late;
 * when it says it was later (a machine too busy for this rate), the try
 * is repeated, up to three times, then given up (said, not failed).
 */
static void test_serial_frame_decoded(void **state)
{
	static const char message[] = "GPIO";
	const unsigned int baud = 100;
	const uint64_t margin_us = 1000000 / baud / 2;
	struct fx *fx = *state;
	char script[256], vcd[256], out[4096], decoded[16], text[4096];
	unsigned int steps, attempt;
	struct recorder r;
	uint64_t max_us;

	if (tool_missing(3, "sigrok-cli"))
		return;
	uart_script(message, baud, text, sizeof(text));
	vcd_path(fx, "uart.txt", script, sizeof(script));
	write_text(script, text);
	vcd_path(fx, "uart.vcd", vcd, sizeof(vcd));
	for (attempt = 0; attempt < 3; attempt++) {
		record_start(fx, &r, vcd);
		assert_int_equal(play(fx, script, NULL, out, sizeof(out)), 0);
		record_stop(&r);
		parse_played(out, &steps, &max_us);
		print_message("# %u baud: margin %" PRIu64 " us (half a bit), "
			      "the daemon was at most %" PRIu64 " us late\n",
			      baud, margin_us, max_us);
		if (max_us < margin_us)
			break;
	}
	if (attempt == 3) {
		/* Not skip(): it would fail meson's reading of the TAP. */
		print_message("# the machine was too busy three times: "
			      "nothing decoded\n");
		return;
	}
	uart_decode(vcd, baud, decoded, sizeof(decoded));
	if (strcmp(decoded, message))
		fail_msg("sigrok-cli decoded \"%s\", played \"%s\"", decoded,
			 message);
}

/* ------------------------------------------------------------------ */

#define T(f) cmocka_unit_test_setup_teardown(f, setup_guest32, teardown)

static const struct CMUnitTest tests[] = {
	T(test_played_edges_reach_guest_in_order),
	T(test_play_loops),
	T(test_play_errors),
	T(test_play_forever_until_stopped),
	T(test_play_a_recording),
	T(test_serial_frame_decoded),
};

FIXTURE_MAIN("DAEMON-BINARY SIM-CLIENT-BINARY SIGROK-CLI", "play", tests)
