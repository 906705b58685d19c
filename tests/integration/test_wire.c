// SPDX-License-Identifier: MIT
/*
 * Integration tests of wires: the real daemon (argv[1]) with simulated
 * chips whose lines are wired, from the command line (--wire) and the
 * control socket (`wire`, `unwire`), driven by fake guests and the control
 * client (argv[2]): one guest's output reaches another guest's armed
 * input, both ways; a wire within a chip shows both lines in a trace;
 * what is refused is refused with a clear error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* Two 8-line chips, 0:3 driving 1:5, and a guest on each. */
static int setup_two_guests(void **state)
{
	static const char *const extra[] = {"--wire=0:3=1:5", NULL};
	struct fx *fx = fx_new();
	struct daemon_args a;

	fx->param = *state;
	*state = fx;
	daemon_prepare(&fx->d);
	fx->d.count = 2;
	daemon_spawn_wait(&fx->d, daemon_args(&a, &fx->d, 2, "s8:s8", extra));
	fx->have_daemon = true;
	fx_irq_session(fx, 0, 0, NULL);
	fx_irq_session(fx, 1, 1, NULL);
	return 0;
}

/*
 * Asks @c "get LINE" until the reply is @want (a wire from another device
 * follows at that device's next loop turn), for g_event_ms at most.
 */
static void wait_state_at(struct ctl *c, const char *get, const char *want,
			  int line)
{
	int64_t deadline = now_ms() + g_event_ms * g_scale;
	char reply[64];

	do
		ctl_cmd_at(c, get, reply, sizeof(reply), line);
	while (strcmp(reply, want) && now_ms() < deadline);
	if (strcmp(reply, want))
		fail_msg("line %d: \"%s\" stays \"%s\", expected \"%s\"", line,
			 get, reply, want);
}

#define WAIT_STATE(c, get, want) wait_state_at(c, get, want, __LINE__)

static int setup_guest(void **state)
{
	return setup_irq_guest(state, "s8");
}

/*
 * Guest A drives its output 0:3; guest B's input 1:5, armed for both
 * edges, follows and interrupts, up and down.
 */
static void test_output_reaches_other_guest(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx->v[0], *b = fx->v[1];
	struct ctl c1;

	ARM(b, 5, T_BOTH);
	UNMASK(b, 5);
	REQ_OK(a, SET_VAL, 3, 1, 0);
	REQ_OK(a, SET_DIR, 3, DIR_OUT, 0);
	EXPECT_VALID(b, 5);
	REQ_OK(b, GET_VAL, 5, 0, 1);
	UNMASK(b, 5);
	REQ_OK(a, SET_VAL, 3, 0, 0);
	EXPECT_VALID(b, 5);
	/* The edge interrupted after the level changed. */
	REQ_OK(b, GET_VAL, 5, 0, 0);
	/* The wired input is not the host's to set; the list says why. */
	ctl_open(fx, 1, &c1);
	CTL_EXPECT(&c1, "set 5 1", "error line 5 is wired: unwire it first");
	ctl_send(&c1, "list\n");
	{
		char line[64];
		unsigned int i;

		for (i = 0; i < 8; i++)
			OK(ctl_read_line(&c1, line, sizeof(line),
					 g_event_ms * g_scale));
	}
	CTL_NEXT(&c1, "wire 0:3 1:5");
	CTL_NEXT(&c1, "end");
	/* Unwired: the host's again, and A no longer reaches it. */
	CTL_EXPECT(&c1, "unwire 5", "ok");
	CTL_EXPECT(&c1, "set 5 1", "ok");
	UNMASK(b, 5);
	EXPECT_VALID(b, 5);
	UNMASK(b, 5);
	REQ_OK(a, SET_VAL, 3, 1, 0);
	EXPECT_QUIET(b);
	REQ_OK(b, GET_VAL, 5, 0, 1);
}

/* The other way, wired at run time from B's control socket. */
static void test_wired_at_run_time_both_ways(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx->v[0], *b = fx->v[1];
	struct ctl c1;

	ctl_open(fx, 1, &c1);
	CTL_EXPECT(&c1, "wire 2 0:6", "ok");
	ARM(a, 6, T_RISE);
	UNMASK(a, 6);
	REQ_OK(b, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(b, SET_VAL, 2, 1, 0);
	EXPECT_VALID(a, 6);
	REQ_OK(a, GET_VAL, 6, 0, 1);
	/* A new wire brings its driver's level. */
	CTL_EXPECT(&c1, "wire 0:6 7", "ok");
	WAIT_STATE(&c1, "get 7", "7 in 1");
}

/* A chain, and the loops and second drivers refused. */
static void test_refused_wires(void **state)
{
	struct fx *fx = *state;
	struct ctl c0;

	ctl_open(fx, 0, &c0);
	CTL_EXPECT(&c0, "wire 1:5 4", "ok"); /* 0:3 -> 1:5 -> 0:4 */
	CTL_EXPECT(&c0, "wire 4 3", "error 0:4 to 0:3 would close a loop");
	CTL_EXPECT(&c0, "wire 2 1:5", "error 1:5 is driven by 0:3 already");
	CTL_EXPECT(&c0, "wire 2 2", "error 0:2 to 0:2 would close a loop");
	CTL_EXPECT(&c0, "wire 2 2:1", "error no device 2 (0..1)");
	CTL_EXPECT(&c0, "wire 2 1:8", "error no line 8 on device 1 (0..7)");
	CTL_EXPECT(&c0, "unwire 2", "error no wire drives 0:2");
	CTL_EXPECT(&c0, "wire 2",
		   "error usage: wire SRC DST, unwire DST "
		   "(LINE or DEVICE:LINE)");
	/* The chain carries a host set through both wires. */
	CTL_EXPECT(&c0, "set 3 1", "ok");
	WAIT_STATE(&c0, "get 4", "4 in 1");
}

/* Within one chip: a trace shows the driver and the driven line. */
static void test_wire_within_chip_traced(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	char vcd[256], buf[MAX_CHANGES + 1], *rec;
	struct signal_trace s1, s2;
	struct recorder r;
	struct ctl c;

	ctl_open(fx, 0, &c);
	CTL_EXPECT(&c, "wire 1 2", "ok");
	ARM(v, 2, T_RISE);
	UNMASK(v, 2);
	vcd_path(fx, "wired.vcd", vcd, sizeof(vcd));
	record_start(fx, &r, vcd);
	REQ_OK(v, SET_DIR, 1, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 1, 1, 0);
	EXPECT_VALID(v, 2);
	/* Within a chip the input follows at once, before the reply. */
	REQ_OK(v, SET_VAL, 1, 0, 0);
	REQ_OK(v, GET_VAL, 2, 0, 0);
	record_stop(&r);
	rec = read_whole_file(vcd);
	vcd_signal(rec, "sim_1", &s1);
	vcd_signal(rec, "sim_2", &s2);
	if (strcmp(vcd_values(&s1, buf), "x010") ||
	    strcmp(vcd_values(&s2, buf), "x010"))
		fail_msg("sim_1 %s, sim_2 %s in:\n%s", vcd_values(&s1, buf),
			 vcd_values(&s2, buf + 40), rec);
	assert_string_equal(vcd_values(&s1, buf), "x010");
	assert_string_equal(vcd_values(&s2, buf), "x010");
	/* The driven line follows: never before its driver. */
	assert_true(s2.t_us[2] >= s1.t_us[2]);
	assert_true(s2.t_us[3] >= s1.t_us[3]);
	free(rec);
}

/*
 * --wire mistakes end the daemon at start: status 2, one clear line (for
 * a device that is not there, after the devices that are were set up).
 */
static void test_wire_option_errors(void **state)
{
	static const struct {
		const char *list, *wire, *want;
	} cases[] = {
		{"s8", "--wire=0:1=0:2,0:1", "--wire: 0:1 to 0:1 would close"},
		{"s8", "--wire=0:1=0:2", NULL},
		{"s8:s8", "--wire=0:1=1:2,1:2", "--wire: 1:2 is wired twice"},
		{"s8", "--wire=0:1=1:2", "no device 1 (0..0)"},
		{"s8", "--wire=1=2", "expected DEVICE:LINE=DEVICE:LINE"},
		{"s8", "--wire=0:1=0:8", "no line 8 on device 0 (0..7)"},
	};
	struct fx *fx = *state;
	char first[512];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *extra[] = {cases[i].wire, NULL};
		struct daemon_args a;
		int lines;

		if (!cases[i].want)
			continue; /* a valid one: the other tests run it */
		daemon_prepare(&fx->d);
		lines = daemon_run(
			&fx->d,
			daemon_args(&a, &fx->d, cases[i].list[2] ? 2 : 1,
				    cases[i].list, extra),
			NULL, NULL, 5000 * g_scale, first, sizeof(first));
		if (lines < 0 || !WIFEXITED(fx->d.status) ||
		    WEXITSTATUS(fx->d.status) != 2 ||
		    daemon_log_count(&fx->d, cases[i].want) != 1)
			fail_msg("%s: %d lines, status %d, first \"%s\", "
				 "expected \"%s\"",
				 cases[i].wire, lines, fx->d.status, first,
				 cases[i].want);
		daemon_remove_files(&fx->d);
	}
}

#define T2(f) cmocka_unit_test_setup_teardown(f, setup_two_guests, teardown)
#define T(f)  cmocka_unit_test_setup_teardown(f, setup_guest, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_none, teardown)

static const struct CMUnitTest tests[] = {
	T2(test_output_reaches_other_guest),
	T2(test_wired_at_run_time_both_ways),
	T2(test_refused_wires),
	T(test_wire_within_chip_traced),
	TN(test_wire_option_errors),
};

FIXTURE_MAIN("DAEMON-BINARY SIM-CLIENT-BINARY", "wire", tests)
