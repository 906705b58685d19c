// SPDX-License-Identifier: MIT
/*
 * Several sockets served independently, one VMM at a time on a socket,
 * device state reset on reconnect, and 1000 reconnect cycles after which
 * the daemon's fds and RSS are where they were.
 */
#include "test_daemon.h"

static void test_multi_socket_independent(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx_default_session(fx, 0, 0);
	struct vmm *b = fx_default_session(fx, 1, 1);
	struct vmm *c = fx_default_session(fx, 2, 2);
	struct vmm_ring_view rv;
	struct vmm *h;
	unsigned int i;

	REQ_OK(b, SET_DIR, 1, DIR_OUT, 0);
	REQ_OK(b, SET_VAL, 1, 1, 0);
	REQ_OK(a, GET_VAL, 1, 0, 0);
	REQ_OK(c, GET_VAL, 1, 0, 0);
	REQ_OK(b, GET_VAL, 1, 0, 1);
	/* Lines beyond a socket's own ngpio are errors there only. */
	REQ_ERR(a, GET_VAL, 4, 0);
	REQ_OK(b, GET_VAL, 4, 0, 0);
	REQ_ERR(b, GET_VAL, 8, 0);
	REQ_OK(c, GET_VAL, 15, 0, 0);
	REQ_ERR(c, GET_VAL, 16, 0);

	/* Socket 0's VMM goes hostile: bad sizes, then a broken ring. */
	expect_close(fx, "SET_FEATURES with 7 bytes", VMM_VU_SET_FEATURES,
		     VMM_VU_VERSION, "1234567", 7, NULL, 0);
	REQ_OK(b, GET_VAL, 1, 0, 1);
	h = fx_default_session(fx, 3, 0);
	OK(vmm_queue_view(h, 0, &rv));
	desc_set(&rv.desc[0], 0, 8, VRING_DESC_F_NEXT, 0);
	OK(vmm_queue_publish(h, 0, 0));
	OK(vmm_queue_kick_force(h, 0));
	for (i = 0; i < 100; i++) {
		REQ_OK(b, GET_VAL, 1, 0, 1);
		REQ_OK(c, GET_VAL, 1, 0, 0);
	}
	vmm_disconnect(h);
	REQ_OK(b, GET_DIR, 1, 0, DIR_OUT);
	fresh_session_works(fx, 0);
	REQ_OK(b, GET_VAL, 1, 0, 1);
	(void)a;
}

static void test_one_vmm_at_a_time(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx_default_session(fx, 0, 1);
	struct vmm *b = fx_vmm(fx, 1, NULL);
	struct vmm_vu_msg m;
	uint64_t f;

	REQ_OK(a, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(a, SET_VAL, 2, 1, 0);
	/* A second VMM on the same socket waits. */
	fx_connect(fx, b, 1);
	OK(vmm_send(b, VMM_VU_GET_FEATURES, VMM_VU_VERSION, NULL, 0, NULL, 0));
	if (vmm_poll_socket(b, quiet_ms(300)) != 0)
		fail_msg("a second VMM was answered while the first one was "
			 "connected");
	REQ_OK(a, GET_VAL, 2, 0, 1);
	/* The first leaves: the second is served, with a fresh device. */
	vmm_disconnect(a);
	OK(vmm_recv(b, &m, NULL, NULL));
	assert_int_equal(m.hdr.request, VMM_VU_GET_FEATURES);
	assert_int_equal(m.hdr.size, 8);
	f = m.payload.u64;
	assert_true(f & VMM_BIT(VMM_F_PROTOCOL_FEATURES));
	vmm_disconnect(b);
	fx_session(fx, b, 1, NULL);
	REQ_OK(b, GET_VAL, 2, 0, 0);
	EXPECT_OUTPUT_AT(b, 2, 0);
}

static void test_state_reset_on_reconnect(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint8_t d0 = get_direction(v, 5);

	EXPECT_DRIVES_HIGH(v, 5);
	REQ_OK(v, SET_VAL, 6, 1, 0); /* pending, never applied */
	vmm_disconnect(v);

	fx_session(fx, v, 0, NULL);
	REQ_OK(v, GET_DIR, 5, 0, d0);
	REQ_OK(v, GET_VAL, 5, 0, 0);
	EXPECT_OUTPUT_AT(v, 6, 0);
	/* A disconnect with requests in flight. */
	REQ_OK(v, SET_VAL, 5, 1, 0);
	REQ_OK(v, SET_DIR, 5, DIR_OUT, 0);
	OK(add_get_value(v, 0));
	OK(add_get_value(v, 0));
	vmm_disconnect(v);
	fx_session(fx, v, 0, NULL);
	REQ_OK(v, GET_DIR, 5, 0, d0);
	REQ_OK(v, GET_VAL, 5, 0, 0);
}

static void test_reconnect_cycles(void **state)
{
	struct fx *fx = *state;
	int cycles = env_int("VDG_RECONNECT_CYCLES", 1000);
	long slack = env_int("VDG_RSS_SLACK_KB", 1024);
	struct vmm *v = fx_vmm(fx, 0, NULL);
	int fd0, fd1, i;
	long rss0, rss1;

	/* Warm up: let allocators reach their steady state. */
	for (i = 0; i < 20; i++) {
		fx_session(fx, v, 0, NULL);
		REQ_OK(v, SET_DIR, 0, DIR_OUT, 0);
		vmm_disconnect(v);
	}
	fd0 = wait_fd_count(fx->d.pid, -1, 300);
	rss0 = proc_status(fx->d.pid, "VmRSS");
	for (i = 0; i < cycles; i++)
		reconnect_cycle(fx, v, 0, i, 8, 0);
	fd1 = wait_fd_count(fx->d.pid, fd0, 3000 * g_scale);
	rss1 = proc_status(fx->d.pid, "VmRSS");
	print_message("# reconnect: %d cycles, fds %d -> %d, VmRSS %ld -> "
		      "%ld kB\n",
		      cycles, fd0, fd1, rss0, rss1);
	if (fd1 != fd0)
		fail_msg("daemon fd count %d after %d reconnects, %d before",
			 fd1, cycles, fd0);
	if (rss1 > rss0 + slack && daemon_rss_is_meaningful(&fx->d))
		fail_msg("daemon VmRSS grew from %ld to %ld kB over %d "
			 "reconnects (allowed +%ld kB)",
			 rss0, rss1, cycles, slack);
	fresh_session_works(fx, 0);
}

static const struct CMUnitTest tests[] = {
	TM(test_multi_socket_independent),
	TM(test_one_vmm_at_a_time),
	TS(test_state_reset_on_reconnect),
	T(test_reconnect_cycles),
};

const struct fx_tests daemon_sessions_tests = FX_TESTS(tests);
