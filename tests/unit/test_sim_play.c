// SPDX-License-Identifier: MIT
/*
 * The player of timed stimulus: its commands and their errors, changes of
 * one time applied as one instant, loops, the `played` line, and a client
 * that goes stopping its play; run on a real event loop and timerfd.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_loop.h"
#include "sim_play.h"

struct log {
	char applied[256]; /* "L=V," per change, "|" per instant */
	uint64_t last_ns;
	char sent[256];
	unsigned int sent_to;
};

static void on_apply(void *opaque, unsigned int line, uint8_t value,
		     uint64_t ns)
{
	struct log *log = opaque;
	size_t n = strlen(log->applied);

	snprintf(log->applied + n, sizeof(log->applied) - n, "%u=%u,", line,
		 value);
	assert_true(ns >= log->last_ns);
	log->last_ns = ns;
}

static void on_settle(void *opaque)
{
	struct log *log = opaque;

	strcat(log->applied, "|");
}

static void on_send(void *opaque, unsigned int client, const char *text)
{
	struct log *log = opaque;

	log->sent_to = client;
	snprintf(log->sent, sizeof(log->sent), "%s", text);
}

static const struct sim_play_ops ops = {on_apply, on_settle, on_send};

struct fixture {
	struct event_loop *loop;
	struct sim_player *p;
	struct log log;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(event_loop_new(&fx->loop), 0);
	assert_int_equal(sim_player_new(fx->loop, 8, &ops, &fx->log, &fx->p),
			 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sim_player_free(fx->p);
	event_loop_free(fx->loop);
	free(fx);
	return 0;
}

/* Runs @command of @client; its reply must be @want. */
static void cmd(struct fixture *fx, unsigned int client, const char *command,
		const char *want)
{
	struct text_buf out = {0};

	assert_int_equal(sim_player_execute(fx->p, client, command,
					    strlen(command), &out),
			 0);
	assert_non_null(out.data);
	assert_string_equal(out.data, want);
	text_buf_free(&out);
}

/* Dispatches the loop until something was sent (5 s at most). */
static void run_until_sent(struct fixture *fx)
{
	unsigned int i;

	for (i = 0; i < 500 && !fx->log.sent[0]; i++)
		assert_true(event_loop_dispatch(fx->loop, 10) >= 0);
	assert_true(fx->log.sent[0] != '\0');
}

static void test_instants_and_loops(void **state)
{
	struct fixture *fx = *state;
	unsigned int steps;

	cmd(fx, 7, "play-step 0 1 1", "ok\n");
	cmd(fx, 7, "play-step 1000000 2 1", "ok\n");
	cmd(fx, 7, "play-step 1000000 3 1", "ok\n");
	cmd(fx, 7, "play-step 2000000 1 0", "ok\n");
	cmd(fx, 7, "play-start 2 3000000", "ok\n");
	run_until_sent(fx);
	assert_int_equal(fx->log.sent_to, 7);
	assert_int_equal(sscanf(fx->log.sent, "played %u late median", &steps),
			 1);
	assert_int_equal(steps, 8);
	/*
	 * Lines 2 and 3 change in one instant; on a slow machine late
	 * changes may join an instant, but never split one.
	 */
	assert_non_null(strstr(fx->log.applied, "2=1,3=1,"));
	assert_null(strstr(fx->log.applied, "2=1,|"));
	/* Nothing more: the timer is disarmed. */
	fx->log.sent[0] = '\0';
	assert_int_equal(event_loop_dispatch(fx->loop, 20), 0);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;

	cmd(fx, 1, "play-start 1 0", "error nothing staged\n");
	cmd(fx, 1, "play-step 0 8 1", "error no line 8 (0..7)\n");
	cmd(fx, 1, "play-step 0 1 2", "error level must be 0 or 1\n");
	cmd(fx, 1, "play-step 5 1 1", "ok\n");
	cmd(fx, 1, "play-step 4 1 0", "error times must not go back\n");
	cmd(fx, 1, "play-step 01 1 0",
	    "error usage: play-step T_NS LINE VALUE, play-start LOOPS "
	    "END_NS\n");
	cmd(fx, 1, "play-step 5 1 1\x01",
	    "error commands are printable ASCII\n");
	cmd(fx, 1, "play-start 1 4",
	    "error the end must be at or after the last change (and not 0 "
	    "when looping)\n");
	cmd(fx, 1, "play-start 0 0",
	    "error the end must be at or after the last change (and not 0 "
	    "when looping)\n");
	cmd(fx, 1, "play-start 0 1000000000", "ok\n");
	/* One play at a time. */
	cmd(fx, 2, "play-step 0 1 1", "ok\n");
	cmd(fx, 2, "play-start 1 0", "error another play is running\n");
}

/* A client gone: its play stops, what it staged goes. */
static void test_client_gone(void **state)
{
	struct fixture *fx = *state;

	cmd(fx, 1, "play-step 100000000 1 1", "ok\n");
	cmd(fx, 1, "play-start 1 100000000", "ok\n");
	cmd(fx, 2, "play-step 0 1 1", "ok\n");
	sim_player_client_gone(fx->p, 1);
	sim_player_client_gone(fx->p, 2);
	cmd(fx, 2, "play-start 1 0", "error nothing staged\n");
	cmd(fx, 3, "play-step 0 4 1", "ok\n");
	cmd(fx, 3, "play-start 1 0", "ok\n");
	run_until_sent(fx);
	assert_string_equal(fx->log.applied, "4=1,|");
	assert_int_equal(fx->log.sent_to, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_instants_and_loops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
