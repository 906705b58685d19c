// SPDX-License-Identifier: MIT
/*
 * Soak test: one daemon through every kind of front-end churn, and at the
 * end its fd count and thread count are exactly where they started and its
 * resident memory within a small bound.
 *
 *   1. connect / negotiate / disconnect cycles (some left half-way through
 *      the set-up, some with requests in flight)
 *   2. VMM processes killed with SIGKILL while they submit requests
 *   3. memory regions removed (REM_MEM_REG) while the requestq runs
 *   4. connections dropped with interrupts pending: lines armed, eventq
 *      pairs queued, edges made through the .sim control socket
 *
 * Usage: test_soak DAEMON-BINARY.  Environment, besides the fixture's
 * (fixture.h):
 *   VDG_SOAK_CYCLES   cycles of phase 1 (default 1000); the other phases
 *                     run a tenth of that each (at least 10)
 *   VDG_RSS_SLACK_KB  allowed VmRSS growth (default 2048)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "fixture.h"

#define NLINES 8

static int setup_s8(void **state)
{
	return setup_with(state, 1, "s8");
}

/* ---- phase 1 ---- */

static void connect_cycles(struct fx *fx, int cycles)
{
	struct vmm *v = fx_vmm(fx, 0, NULL);
	int i;

	/* The lines' levels are whatever phase 4 left: any value goes. */
	for (i = 0; i < cycles; i++)
		reconnect_cycle(fx, v, 0, i, NLINES, -1);
	fx_vmm_free(fx, 0);
}

/* ---- phase 2 ---- */

/*
 * A VMM in a child process: negotiates, tells the parent through @ready,
 * then submits requests in a loop until it is killed.
 */
static void killed_vmm_child(const char *path, int ready)
{
	struct vmm_used used;
	struct vmm *v;
	unsigned int n = 0, k;
	uint64_t mark;

	if (vmm_new(NULL, &v) || vmm_connect(v, path, 5000 * g_scale) ||
	    vmm_negotiate(v, NULL))
		_exit(1);
	mark = vmm_mem_mark(v);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		/* Batches of 8 requests, answered before the next batch. */
		for (k = 0; k < 8; k++)
			if (add_get_value(v, (uint16_t)(n++ % NLINES)))
				_exit(1);
		while (vmm_queue_inflight(v, 0) > 0) {
			if (vmm_queue_wait_used(v, 0, 5000) < 0)
				_exit(1);
			while (vmm_queue_pop_used(v, 0, &used) == 1)
				;
		}
		vmm_mem_release(v, mark);
	}
}

static void killed_vmms(struct fx *fx, int rounds)
{
	char path[170];
	int i;

	daemon_sock(&fx->d, 0, path, sizeof(path));
	for (i = 0; i < rounds; i++) {
		int pipefd[2], status;
		char c;
		pid_t pid;

		assert_int_equal(pipe(pipefd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pipefd[0]);
			killed_vmm_child(path, pipefd[1]);
		}
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) != 1) {
			waitpid(pid, &status, 0);
			fail_msg("round %d: the VMM child could not connect",
				 i);
		}
		close(pipefd[0]);
		/* Let it run for 0..4 ms of requests, then kill it. */
		sleep_ms(i % 5);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %d: the VMM child ended by itself (%d)",
				 i, status);
		assert_true(daemon_alive(&fx->d));
	}
}

/* ---- phase 3 ---- */

static void regions_removed(struct fx *fx, int rounds)
{
	struct vmm_options o;
	struct vmm_negotiate_options no;
	struct vmm *v;
	int i, k;

	vmm_options_init(&o);
	o.nregions = 2;
	v = fx_vmm(fx, 0, &o);
	vmm_negotiate_options_init(&no);
	no.add_mem_reg = true;
	for (i = 0; i < rounds; i++) {
		fx_session(fx, v, 0, &no);
		for (k = 0; k < 4; k++)
			OK(add_get_value(v, (uint16_t)k));
		/* The region without the rings, then the one with them. */
		OK(vmm_rem_mem_reg(v, 1));
		OK(add_get_value(v, 4));
		OK(vmm_rem_mem_reg(v, 0));
		/* Kicks with the rings' memory gone. */
		for (k = 0; k < 4; k++)
			if (vmm_queue_kick_force(v, 0) < 0)
				fail_msg("kick failed");
		if (i % 2) {
			/* Given back: the daemon serves again or keeps the
			 * queue broken, but stays up. */
			OK(vmm_add_mem_reg(v, 0));
			OK(vmm_add_mem_reg(v, 1));
			(void)add_get_value(v, 5);
		}
		vmm_disconnect(v);
		assert_true(daemon_alive(&fx->d));
	}
	fx_vmm_free(fx, 0);
}

/* ---- phase 4 ---- */

static void irq_pending_teardown(struct fx *fx, int rounds)
{
	struct vmm_negotiate_options no;
	struct vmm_gpio_req reqs[NLINES];
	struct vmm_gpio_res res[NLINES];
	struct vmm *v = fx_vmm(fx, 0, NULL);
	char sim[170], cmd[32];
	unsigned int line;
	int i;

	/* Both queues, memory given region by region. */
	irq_options_init(&no);
	no.queue.size = 64;
	no.add_mem_reg = true;
	daemon_sim_sock(&fx->d, 0, sim, sizeof(sim));
	for (i = 0; i < rounds; i++) {
		fx_irq_negotiate(fx, v, 0, &no);
		for (line = 0; line < NLINES; line++)
			reqs[line] = (struct vmm_gpio_req){
				IRQ_TYPE, (uint16_t)line, T_BOTH};
		OK(vmm_gpio_submit(v, reqs, NLINES, res));
		for (line = 0; line < NLINES; line++)
			assert_int_equal(res[line].status,
					 VIRTIO_GPIO_STATUS_OK);
		/* Pairs queued for every line, some fired, some pending. */
		for (line = 0; line < NLINES; line++)
			OK(vmm_gpio_irq_add(v, (uint16_t)line, NULL));
		assert_true(vmm_queue_kick(v, EVQ) >= 0);
		snprintf(cmd, sizeof(cmd), "set %d %d", i % NLINES,
			 i % 2 ? 0 : 1);
		ctl_once_at(fx, sim, cmd, "ok", __LINE__);
		if (i % 3 == 0)
			/* An edge latched while masked, a request in flight. */
			OK(add_get_value(v, 0));
		vmm_disconnect(v);
	}
	fx_vmm_free(fx, 0);
}

/* ------------------------------------------------------------------ */

struct footprint {
	int fds, threads;
	long rss_kb;
};

static void measure(struct fx *fx, const struct footprint *want,
		    struct footprint *out)
{
	/* Disconnects are handled asynchronously: let the fds settle. */
	out->fds = wait_fd_count(fx->d.pid, want ? want->fds : -1,
				 want ? 3000 * g_scale : 300);
	out->threads = proc_thread_count(fx->d.pid);
	out->rss_kb = proc_status(fx->d.pid, "VmRSS");
}

static void check(struct fx *fx, const char *phase, const struct footprint *f0,
		  const struct footprint *f1, long slack)
{
	print_message("# after %s: fds %d -> %d, threads %d -> %d, VmRSS "
		      "%ld -> %ld kB\n",
		      phase, f0->fds, f1->fds, f0->threads, f1->threads,
		      f0->rss_kb, f1->rss_kb);
	if (f1->fds != f0->fds)
		fail_msg("%s: daemon fd count %d, %d before", phase, f1->fds,
			 f0->fds);
	if (f1->threads != f0->threads)
		fail_msg("%s: daemon thread count %d, %d before", phase,
			 f1->threads, f0->threads);
	if (f1->rss_kb > f0->rss_kb + slack && daemon_rss_is_meaningful(&fx->d))
		fail_msg("%s: daemon VmRSS grew from %ld to %ld kB (allowed "
			 "+%ld kB)",
			 phase, f0->rss_kb, f1->rss_kb, slack);
}

/* The phases, in order; @warm_up is the count of their warm-up run. */
static const struct {
	const char *name;
	void (*run)(struct fx *fx, int count);
	int warm_up;
	bool cycles; /* counts cycles, else rounds */
} phases[] = {
	{"connect cycles", connect_cycles, 20, true},
	{"VMMs killed mid-request", killed_vmms, 2, false},
	{"memory regions removed", regions_removed, 2, false},
	{"disconnects with interrupts pending", irq_pending_teardown, 2, false},
};

#define NPHASES (sizeof(phases) / sizeof(phases[0]))

static void test_soak(void **state)
{
	struct fx *fx = *state;
	int cycles = env_int("VDG_SOAK_CYCLES", 1000);
	int rounds = cycles / 10 < 10 ? 10 : cycles / 10;
	long slack = env_int("VDG_RSS_SLACK_KB", 2048);
	struct footprint f0, f1;
	int64_t t0 = now_ms();
	unsigned int i;

	/* Warm-up: every phase once, so allocators reach steady state. */
	for (i = 0; i < NPHASES; i++)
		phases[i].run(fx, phases[i].warm_up);
	measure(fx, NULL, &f0);

	for (i = 0; i < NPHASES; i++) {
		phases[i].run(fx, phases[i].cycles ? cycles : rounds);
		measure(fx, &f0, &f1);
		check(fx, phases[i].name, &f0, &f1, slack);
	}

	/* And it still serves. */
	fx_default_session(fx, 0, 0);
	EXPECT_DRIVES_HIGH(fx->v[0], 1);
	print_message("# soak: %d cycles + 3 x %d rounds in %lld ms\n", cycles,
		      rounds, (long long)(now_ms() - t0));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_soak, setup_s8, teardown),
};

FIXTURE_MAIN("DAEMON-BINARY", "soak", tests)
