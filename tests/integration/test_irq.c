// SPDX-License-Identifier: MIT
/*
 * Integration tests of interrupts: the real daemon (argv[1]) with a
 * simulated chip, driven as a guest through the VMM stand-in (IRQ_TYPE on
 * the requestq, unmask pairs on the eventq) and as the host through the
 * chip's control socket (PATH<i>.sim) and its client binary (argv[2]).
 *
 * Every test starts its own daemon (fixture.c); teardown checks that it is
 * alive and exits 0 on SIGTERM with its sockets, control sockets included,
 * removed.  Every interrupt check is exact: the line, the status, used
 * length 1, a call notification, and nothing else on the eventq for a
 * while afterwards.
 *
 * Environment: see fixture.h, plus
 *   VDG_LATENCY_ITERATIONS  samples of the latency measurement (default 200)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"
#include "unit_helpers.h"

/* Control clients the daemon admits at once (control_socket.h). */
#define CTL_FLOOD_CLIENTS 16
/* Peak memory (VmHWM) growth allowed in test_ctl_flood_memory. */
#define CTL_FLOOD_HWM_KB (48 * 1024)

/* ------------------------------------------------------------------ */
/* The control socket                                                   */
/* ------------------------------------------------------------------ */

/* The test's default control connection, to socket 0's chip. */
static struct ctl g_ctl;

static struct ctl *ctl0(struct fx *fx)
{
	if (g_ctl.fd < 0)
		ctl_open(fx, 0, &g_ctl);
	return &g_ctl;
}

/* Sets simulated input level @val on @gpio through the control socket. */
static void sim_set_at(struct fx *fx, unsigned int gpio, unsigned int val,
		       int line)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "set %u %u", gpio, val);
	ctl_expect_at(ctl0(fx), cmd, "ok", line);
}

#define SIM_SET(fx, gpio, val) sim_set_at(fx, gpio, val, __LINE__)

/* @name (none, in, out) as a VIRTIO_GPIO_DIRECTION_* in *@dir. */
static int direction_named(const char *name, uint32_t *dir)
{
	static const char *const names[] = {
		[DIR_NONE] = "none", [DIR_IN] = "in", [DIR_OUT] = "out"};
	uint32_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && !strcmp(name, names[i])) {
			*dir = i;
			return 0;
		}
	return -EINVAL;
}

/*
 * STEPS(fx, v, "s0=1 a0=rise u0 q"): the host's and the guest's moves on
 * socket 0's chip and what must come back on @v's eventq after them, one
 * word each, in order:
 *   s3=1     the host sets line 3's input level to 1 (SIM_SET)
 *   a3=rise  the guest sets line 3's interrupt type: none, rise, fall,
 *            both, high or low (ARM)
 *   o3=1     the guest sets line 3's value to 1 (SET_VALUE, accepted)
 *   d3=out   the guest sets line 3's direction: none, in or out
 *            (SET_DIRECTION, accepted)
 *   u3       the guest queues an unmask pair for line 3 (UNMASK)
 *   v3, i3   line 3's pair comes back VALID, INVALID (EXPECT_VALID,
 *            EXPECT_INVALID)
 *   q        nothing comes back (EXPECT_QUIET)
 * A failure names the line of the STEPS.
 */
static void steps_at(struct fx *fx, struct vmm *v, const char *steps, int line)
{
	char word[16], *end;
	unsigned long gpio;
	uint32_t type;
	int n;

	for (; sscanf(steps, " %15s%n", word, &n) == 1; steps += n) {
		gpio = strtoul(word + 1, &end, 10);
		if (end == word + 1 || gpio > 0xffff)
			end = "?"; /* no line number: only "q" is left */
		if (word[0] == 's' && end[0] == '=' && strchr("01", end[1]) &&
		    end[1] && !end[2])
			sim_set_at(fx, (unsigned int)gpio, end[1] == '1', line);
		else if (word[0] == 'a' && end[0] == '=' &&
			 !irq_type_named(end + 1, &type))
			req_expect(v, IRQ_TYPE, (uint16_t)gpio, type,
				   VIRTIO_GPIO_STATUS_OK, 0, line);
		else if (word[0] == 'o' && end[0] == '=' &&
			 strchr("01", end[1]) && end[1] && !end[2])
			req_expect(v, SET_VAL, (uint16_t)gpio, end[1] == '1',
				   VIRTIO_GPIO_STATUS_OK, 0, line);
		else if (word[0] == 'd' && end[0] == '=' &&
			 !direction_named(end + 1, &type))
			req_expect(v, SET_DIR, (uint16_t)gpio, type,
				   VIRTIO_GPIO_STATUS_OK, 0, line);
		else if (word[0] == 'u' && !*end)
			unmask_at(v, (uint16_t)gpio, line);
		else if (word[0] == 'v' && !*end)
			expect_irq_at(v, (uint16_t)gpio, -1, VALID, 1, line);
		else if (word[0] == 'i' && !*end)
			expect_irq_at(v, (uint16_t)gpio, -1, INVALID, 1, line);
		else if (!strcmp(word, "q"))
			expect_quiet_at(v, line);
		else
			fail_msg("line %d: no step \"%s\"", line, word);
	}
}

#define STEPS(fx, v, steps) steps_at(fx, v, steps, __LINE__)

/* ------------------------------------------------------------------ */
/* Fixtures and guest helpers                                           */
/* ------------------------------------------------------------------ */

static int setup_irq(void **state, unsigned int count, const char *list)
{
	g_ctl.fd = -1;
	g_ctl.len = 0;
	return setup_with(state, count, list);
}

static int setup_s8(void **state)
{
	return setup_irq(state, 1, "s8");
}

static int setup_s4_s8(void **state)
{
	return setup_irq(state, 2, "s4:s8");
}

static int setup_s1024(void **state)
{
	return setup_irq(state, 1, "s1024");
}

/* Both queues of @size, indirect descriptors, everything else default. */
static void irq_options(struct vmm_negotiate_options *no, unsigned int size)
{
	irq_options_init(no);
	no->queue.size = size;
	no->queue.indirect = true;
	no->queue.indirect_max = 2;
}

/*
 * @v connects again to socket 0 and continues its guest as QEMU's
 * reconnect does: the rings restart at their used index.
 */
static void irq_session_resume(struct fx *fx, struct vmm *v)
{
	struct vmm_negotiate_options no;

	irq_options(&no, 256);
	no.resume_at_used = true;
	fx_session(fx, v, 0, &no);
}

/* A guest with both queues of @size (indirect descriptors), F_IRQ acked. */
static struct vmm *irq_session_sized(struct fx *fx, unsigned int slot,
				     unsigned int size)
{
	struct vmm_negotiate_options no;

	irq_options(&no, size);
	return fx_irq_session(fx, slot, 0, &no);
}

static struct vmm *irq_session(struct fx *fx)
{
	return irq_session_sized(fx, 0, 256);
}

/* setup_s8, and a guest (irq_session) in slot 0 for the test to drive. */
static int setup_guest(void **state)
{
	int ret = setup_s8(state);

	irq_session(*state);
	return ret;
}

/*
 * After a request's reply: the pair must already be in the used ring (the
 * device returns it before, or at the latest with, the reply).
 */
static void expect_returned_by_now_at(struct vmm *v, uint16_t gpio,
				      uint16_t head, uint8_t status,
				      const char *request, int line)
{
	if (vmm_queue_device_used_idx(v, EVQ) == vmm_queue_last_used(v, EVQ))
		fail_msg("line %d: gpio %u's pending pair was not returned by "
			 "the time %s's reply arrived",
			 line, gpio, request);
	expect_irq_at(v, gpio, head, status, 1, line);
}

#define EXPECT_RETURNED_BY_NOW(v, gpio, head, status, request) \
	expect_returned_by_now_at(v, gpio, head, status, request, __LINE__)

/* ------------------------------------------------------------------ */
/* Feature and IRQ_TYPE requests                                        */
/* ------------------------------------------------------------------ */

static void test_irq_feature_offered(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	assert_true(vmm_offered_features(v) & VMM_BIT(VMM_F_GPIO_IRQ));
	assert_int_equal(vmm_queue_num(v), 2);
	STEPS(fx, v, "a0=none a0=rise a0=none q");
}

static void test_irq_type_values(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint32_t good[] = {T_NONE, T_RISE, T_FALL, T_BOTH,
					T_HIGH, T_NONE, T_LOW,	T_NONE};
	static const uint32_t bad[] = {
		5,    6,     7,	      9,     10,     12,	 16,
		0xff, 0x100, 0x10001, 0x104, 0x8000, 0x80000001, 0xffffffff};
	unsigned int i, line;

	/* Line 0 stays an input, line 1 becomes an output, line 2 none. */
	STEPS(fx, v, "d1=out d2=none");
	for (line = 0; line < 3; line++) {
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			/* Changing the type goes through NONE. */
			ARM(v, line, good[i]);
			if (good[i] != T_NONE)
				ARM(v, line, T_NONE);
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			REQ_ERR(v, IRQ_TYPE, line, bad[i]);
	}
	/* Lines beyond ngpio. */
	REQ_ERR(v, IRQ_TYPE, 8, T_RISE);
	REQ_ERR(v, IRQ_TYPE, 8, T_NONE);
	REQ_ERR(v, IRQ_TYPE, 0xffff, T_BOTH);
	/* A refused value leaves the line disabled. */
	REQ_ERR(v, IRQ_TYPE, 3, 5);
	STEPS(fx, v, "u3 i3 q");
}

static void test_irq_type_without_feature(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;
	static const uint32_t vals[] = {T_NONE, T_RISE, T_FALL, T_BOTH,
					T_HIGH, T_LOW,	5};
	unsigned int i;

	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VMM_F_GPIO_IRQ);
	fx_session(fx, v, 0, &no);
	assert_false(vmm_acked_features(v) & VMM_BIT(VMM_F_GPIO_IRQ));
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		REQ_ERR(v, IRQ_TYPE, 1, vals[i]);
	/* The rest still works. */
	EXPECT_DRIVES_HIGH(v, 1);
}

/* ------------------------------------------------------------------ */
/* Edge interrupts                                                      */
/* ------------------------------------------------------------------ */

/*
 * A test that is only a STEPS script on the guest's socket 0, in a table
 * (SCRIPT); a failure names the line of its SCRIPT.
 */
struct steps_script {
	const char *steps;
	int line;
};

#define SCRIPT(name, steps) \
	static const struct steps_script name = {steps, __LINE__}

static void run_script(void **state)
{
	struct fx *fx = *state;
	const struct steps_script *c = fx->param;

	steps_at(fx, fx->v[0], c->steps, c->line);
}

/*
 * Rising, then falling: enabled while idle (enabling is not an edge), the
 * edge; unmasked while active: no edge, nothing; the same level again (no
 * edge), the other edge (ignored); the edge again.
 */
SCRIPT(edge_rising, "s0=0 a0=rise u0 q s0=1 v0 q u0 q "
		    "s0=1 s0=0 s0=0 q s0=1 v0 q");
SCRIPT(edge_falling, "s0=1 a0=fall u0 q s0=0 v0 q u0 q "
		     "s0=0 s0=1 s0=1 q s0=0 v0 q");

SCRIPT(edge_both, "a0=both u0 q s0=1 v0 u0 s0=1 q s0=0 v0 u0 s0=0 q "
		  "s0=1 v0 q");

/* Edges on one line reach only that line's pair. */
static void test_lines_independent(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint16_t heads[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		ARM(v, i, T_BOTH);
	for (i = 0; i < 8; i++)
		OK(vmm_gpio_irq_add(v, i, &heads[i]));
	assert_true(vmm_queue_kick(v, EVQ) >= 0);
	STEPS(fx, v, "q s3=1");
	expect_irq_at(v, 3, heads[3], VALID, 1, __LINE__);
	STEPS(fx, v, "q s6=1");
	expect_irq_at(v, 6, heads[6], VALID, 1, __LINE__);
	SIM_SET(fx, 3, 0); /* masked: latched for 3 */
	STEPS(fx, v, "q");
	for (i = 0; i < 8; i++) {
		if (i == 3 || i == 6)
			continue;
		SIM_SET(fx, i, 1);
		expect_irq_at(v, i, heads[i], VALID, 1, __LINE__);
	}
	STEPS(fx, v, "q u3 v3 q");
}

/* ------------------------------------------------------------------ */
/* Edge latching while masked                                           */
/* ------------------------------------------------------------------ */

SCRIPT(edge_latch_rising,
       /* An edge before the interrupt is enabled is not latched. */
       "s0=1 s0=0 a0=rise u0 q s0=1 v0 "
       /* Masked: only falling edges, nothing to deliver. */
       "s0=0 u0 q s0=1 v0 "
       /* Masked: two rising edges make one latch, delivered at once. */
       "s0=0 s0=1 s0=0 s0=1 s0=0 q u0 v0 u0 q "
       /* And the line still works. */
       "s0=1 v0 q");

SCRIPT(edge_latch_falling,
       /* Masked (never unmasked yet): a rising edge is not latched. */
       "a0=fall s0=1 u0 q s0=0 v0 "
       /* Masked: two falling edges, one latch. */
       "s0=1 s0=0 s0=1 s0=0 q u0 v0 u0 q "
       /* Masked before the first unmask: a falling edge is latched. */
       "a1=fall s1=1 s1=0 u1 v1 q");

SCRIPT(edge_latch_both,
       /* Rising, latched; falling, latched. */
       "a0=both s0=1 q u0 v0 s0=0 u0 v0 "
       /* Several edges while masked: one latch. */
       "s0=1 s0=0 s0=1 u0 v0 u0 q s0=0 v0 q");

/* ------------------------------------------------------------------ */
/* Level interrupts                                                     */
/* ------------------------------------------------------------------ */

/*
 * High, then low: armed while idle, nothing; active: delivered; idle,
 * unmasked: nothing, and idle again nothing; active: delivered, and while
 * active the pair comes back as soon as it is queued.
 */
SCRIPT(level_high, "s0=0 a0=high u0 q s0=1 v0 q s0=0 u0 q s0=0 q "
		   "s0=1 v0 q u0 v0 q");
SCRIPT(level_low, "s0=1 a0=low u0 q s0=0 v0 q s0=1 u0 q s0=1 q "
		  "s0=0 v0 q u0 v0 q");

/* Unmasked again while still active: fires again, every time. */
SCRIPT(level_refire_while_active,
       "s0=1 a0=high a1=low "
       "u0 v0 q u1 v1 q u0 v0 q u1 v1 q u0 v0 q u1 v1 q "
       "u0 v0 q u1 v1 q u0 v0 q u1 v1 q "
       /* Inactive, then active again while masked: active at unmask. */
       "s0=0 s0=1 u0 v0 q");

/* Nothing is latched for level types while masked. */
SCRIPT(level_not_latched, "a0=high s0=1 s0=0 u0 q "
			  /* After a delivery too. */
			  "s0=1 v0 s0=0 u0 q "
			  "s1=1 a1=low s1=0 s1=1 u1 q s1=0 v1 s1=1 u1 q");

/* ------------------------------------------------------------------ */
/* Disabling                                                            */
/* ------------------------------------------------------------------ */

/* IRQ_TYPE NONE returns the pending pair INVALID, whatever the type. */
static void test_disarm_returns_pending_pair(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint32_t types[] = {T_RISE, T_FALL, T_BOTH, T_HIGH, T_LOW};
	unsigned int i;

	/* Lines 0..3 low, 4 high: no type is active at unmask. */
	STEPS(fx, v, "s4=1");
	for (i = 0; i < 5; i++) {
		uint16_t line = (uint16_t)i;
		uint16_t head;

		ARM(v, line, types[i]);
		head = UNMASK(v, line);
		STEPS(fx, v, "q");
		ARM(v, line, T_NONE);
		EXPECT_RETURNED_BY_NOW(v, line, head, INVALID, "IRQ_TYPE NONE");
		STEPS(fx, v, "q");
		/* Disabled: an event gives nothing, a new pair bounces. */
		SIM_SET(fx, line, i == 4 ? 0 : 1);
		STEPS(fx, v, "q");
		UNMASK(v, line);
		EXPECT_INVALID(v, line);
	}
	/* IRQ_TYPE NONE with no pair pending: nothing on the eventq. */
	STEPS(fx, v, "a6=both a6=none a7=none q");
}

/* IRQ_TYPE NONE drops a latched edge. */
static void test_disarm_drops_latch(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint32_t types[] = {T_RISE, T_FALL, T_BOTH};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint16_t line = (uint16_t)i;

		if (types[i] == T_FALL)
			SIM_SET(fx, line, 1);
		ARM(v, line, types[i]);
		SIM_SET(fx, line, types[i] == T_FALL ? 0 : 1); /* latched */
		ARM(v, line, T_NONE);
		STEPS(fx, v, "q");
		ARM(v, line, types[i]);
		UNMASK(v, line);
		STEPS(fx, v, "q");
		/* The line works again. */
		SIM_SET(fx, line, types[i] == T_FALL ? 1 : 0);
		SIM_SET(fx, line, types[i] == T_FALL ? 0 : 1);
		EXPECT_VALID(v, line);
		STEPS(fx, v, "q");
	}
	/* A latch made after a delivery is dropped too. */
	STEPS(fx, v, "a5=both s5=1 u5 v5");
	SIM_SET(fx, 5, 0); /* latched */
	UNMASK(v, 6);	   /* line 6 disabled: bounces */
	STEPS(fx, v, "i6 a5=none a5=both u5 q");
}

/* SET_DIRECTION NONE with a pending pair: INVALID, and the type is gone. */
static void test_direction_none_returns_pending_pair(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint16_t head;

	STEPS(fx, v, "a3=both");
	head = UNMASK(v, 3);
	STEPS(fx, v, "q d3=none");
	EXPECT_RETURNED_BY_NOW(v, 3, head, INVALID, "SET_DIRECTION NONE");
	STEPS(fx, v, "q s3=1 q u3 i3 q");

	/* A latched edge is dropped too. */
	STEPS(fx, v, "a4=rise s4=1 d4=none d4=in a4=rise u4 q");
	/* Other directions keep the interrupt. */
	STEPS(fx, v, "d4=in s4=0 s4=1 v4 q");
}

/* ------------------------------------------------------------------ */
/* Pairs the device refuses                                             */
/* ------------------------------------------------------------------ */

static void test_pair_for_disabled_line(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		uint16_t head = UNMASK(v, (uint16_t)i);

		expect_irq_at(v, (uint16_t)i, head, INVALID, 1, __LINE__);
	}
	STEPS(fx, v, "q");
	/* Disabled after having been enabled. */
	STEPS(fx, v, "a2=rise a2=none u2 i2 q");
}

static void test_second_pair_same_line(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint16_t first, second;

	STEPS(fx, v, "a1=rise");
	first = UNMASK(v, 1);
	STEPS(fx, v, "q");
	second = UNMASK(v, 1);
	expect_irq_at(v, 1, second, INVALID, 1, __LINE__);
	STEPS(fx, v, "q");
	/* The first one is still pending and fires. */
	STEPS(fx, v, "s1=1");
	expect_irq_at(v, 1, first, VALID, 1, __LINE__);
	STEPS(fx, v, "q");
	/* Both queued in one kick: the later one bounces. */
	OK(vmm_gpio_irq_add(v, 1, &first));
	OK(vmm_gpio_irq_add(v, 1, &second));
	assert_true(vmm_queue_kick(v, EVQ) >= 0);
	expect_irq_at(v, 1, second, INVALID, 1, __LINE__);
	STEPS(fx, v, "q s1=0 s1=1");
	expect_irq_at(v, 1, first, VALID, 1, __LINE__);
	STEPS(fx, v, "q");
}

static void test_pair_bad_gpio(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint16_t bad[] = {8, 9, 255, 256, 0x8000, 0xffff};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t head = UNMASK(v, bad[i]);

		expect_irq_at(v, bad[i], head, INVALID, 1, __LINE__);
	}
	STEPS(fx, v, "q");
	/* The eventq still works. */
	STEPS(fx, v, "a7=rise u7 s7=1 v7 q");
}

static void test_pair_malformed(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const struct {
		uint32_t req, resp;
	} bad[] = {{1, 1}, {2, 0}, {0, 1}, {1, 0}, {0, 8}, {8, 0}};
	unsigned int i;

	/* Enabled and active: a good pair would fire at once. */
	STEPS(fx, v, "a1=low");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t head;

		OK(vmm_gpio_irq_add_raw(v, 1, bad[i].req, bad[i].resp, &head));
		assert_true(vmm_queue_kick(v, EVQ) >= 0);
		expect_irq_at(v, 1, head, INVALID, 0, __LINE__);
	}
	STEPS(fx, v, "q");
	/* The eventq still works. */
	STEPS(fx, v, "u1 v1 q");
}

/* Buffers larger than needed are fine: used length is still 1. */
static void test_pair_larger_buffers(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint16_t head;

	OK(vmm_gpio_irq_add_raw(v, 2, 8, 8, &head));
	assert_true(vmm_queue_kick(v, EVQ) >= 0);
	expect_irq_at(v, 2, head, INVALID, 1, __LINE__);
	STEPS(fx, v, "a2=rise");
	OK(vmm_gpio_irq_add_raw(v, 2, 4, 2, &head));
	assert_true(vmm_queue_kick(v, EVQ) >= 0);
	STEPS(fx, v, "q s2=1");
	expect_irq_at(v, 2, head, VALID, 1, __LINE__);
	STEPS(fx, v, "q");
}

/* ------------------------------------------------------------------ */
/* Queue life: stop/restart, disconnect                                 */
/* ------------------------------------------------------------------ */

/*
 * Enables lines 0..3 (EDGE_RISING) and 5 (LEVEL_HIGH), queues pairs for 0..3,
 * then stops the eventq (GET_VRING_BASE): the four pairs must be back,
 * INVALID, by the time of the reply.  Returns the ring base.
 */
static uint32_t stop_eventq_with_pairs(struct fx *fx, struct vmm *v)
{
	struct vmm_gpio_irq ev;
	unsigned int i, seen = 0;
	uint32_t base;

	for (i = 0; i < 4; i++) {
		ARM(v, i, T_RISE);
		OK(vmm_gpio_irq_add(v, (uint16_t)i, NULL));
	}
	STEPS(fx, v, "a5=high");
	/* Line 7 is disabled: its pair bounces, proving the four before it
	 * were taken. */
	STEPS(fx, v, "u7 i7 q");

	OK(vmm_get_vring_base(v, EVQ, &base));
	assert_int_equal(base, 5);
	if (vmm_queue_device_used_idx(v, EVQ) !=
	    (uint16_t)(vmm_queue_last_used(v, EVQ) + 4))
		fail_msg("%u of the 4 pending pairs returned by the time "
			 "GET_VRING_BASE's reply arrived",
			 (uint16_t)(vmm_queue_device_used_idx(v, EVQ) -
				    vmm_queue_last_used(v, EVQ)));
	for (i = 0; i < 4; i++) {
		EXPECT_RET(vmm_gpio_irq_pop(v, &ev), 1);
		if (ev.gpio > 3 || (seen & (1u << ev.gpio)) ||
		    ev.status != INVALID || ev.used_len != 1)
			fail_msg("after GET_VRING_BASE: gpio %u's pair %s "
				 "used length %u",
				 ev.gpio, irq_status_name(ev.status),
				 ev.used_len);
		seen |= 1u << ev.gpio;
	}
	vmm_queue_wait_call(v, EVQ, 0); /* a notification is allowed */
	return base;
}

/* Restarts the eventq where it stopped, as QEMU does. */
static void restart_eventq(struct vmm *v, uint32_t base)
{
	OK(vmm_queue_start(v, EVQ, (uint16_t)base));
	OK(vmm_set_vring_enable(v, EVQ, true));
	OK(vmm_queue_kick_force(v, EVQ));
}

static void test_eventq_stop_restart(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint32_t base = stop_eventq_with_pairs(fx, v);

	/* Stopped: edges are latched for the masked lines. */
	STEPS(fx, v, "s0=1 q");

	/* Restarted: types and latches are still there. */
	restart_eventq(v, base);
	STEPS(fx, v, "q u0 v0 u1 u2 u3 u5 q s1=1 v1 s3=1 v3 s5=1 v5 s2=1 v2 q");
	OK(vmm_get_vring_base(v, EVQ, &base));
	assert_int_equal(base, 10);
}

/*
 * A pair queued (and kicked) while the eventq is stopped is not taken then;
 * on restart it is, and a latched edge returns it VALID with a call
 * notification even though SET_VRING_CALL comes after SET_VRING_KICK.
 */
static void test_eventq_pair_queued_while_stopped(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint32_t base = stop_eventq_with_pairs(fx, v);

	OK(vmm_gpio_irq_add(v, 2, NULL));
	OK(vmm_queue_kick_force(v, EVQ));
	STEPS(fx, v, "s2=1 q");
	restart_eventq(v, base);
	STEPS(fx, v, "v2 q u1 s1=1 v1 q");
}

/*
 * QEMU's reconnect: the connection drops while the guest runs with pairs
 * held; the new connection replays the set-up with each ring's base at its
 * used index, so the held pairs come in again.  The guest never re-sends its
 * IRQ_TYPEs or directions: the daemon must keep them for it.
 */
static void test_reconnect_continues_guest(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	STEPS(fx, v, "a0=rise a1=both a4=high o2=1 d2=out u0 u1 q");
	vmm_drop_connection(v);
	irq_session_resume(fx, v);
	/* The held pairs are taken again, and nothing fires by itself. */
	STEPS(fx, v, "q");
	REQ_OK(v, GET_DIR, 2, 0, DIR_OUT);
	REQ_OK(v, GET_VAL, 2, 0, 1);
	STEPS(fx, v, "s0=1 v0 s1=1 v1");
	/* A level type armed before the drop fires on its first unmask. */
	STEPS(fx, v, "s4=1 u4 v4 q");
}

/*
 * Edges that come while no front-end is connected: nobody sees them as they
 * happen, but the guest armed for them and its driver still holds the
 * pairs.  When the front-end continues the guest, a line whose level
 * changed the armed way fires at once; one that changed the other way
 * does not.
 */
static void test_reconnect_delivers_edge_from_the_gap(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	STEPS(fx, v, "s1=1 a0=rise a1=fall a2=rise u0 u1 u2 q");
	vmm_drop_connection(v);
	assert_true(daemon_log_wait(&fx->d, "front-end disconnected",
				    g_event_ms * g_scale));
	STEPS(fx, v, "s0=1 s1=0 s2=1 s2=0");
	irq_session_resume(fx, v);
	STEPS(fx, v, "v0 v1");
	/* A pulse that came and went within the gap cannot be seen. */
	STEPS(fx, v, "q");
}

static void test_disconnect_with_pending_pairs(void **state)
{
	struct fx *fx = *state;
	static const uint32_t types[] = {T_RISE, T_FALL, T_BOTH, T_HIGH, T_LOW};
	struct vmm *v = fx->v[0];
	char reply[64];
	unsigned int i, cycle;
	int fds0;

	/* Line 4 high so LEVEL_LOW stays pending; line 6 high for later. */
	STEPS(fx, v, "s4=1 s6=1");
	for (i = 0; i < 5; i++) {
		ARM(v, i, types[i]);
		UNMASK(v, (uint16_t)i);
	}
	STEPS(fx, v, "a5=rise");
	SIM_SET(fx, 5, 1); /* latched */
	STEPS(fx, v, "q");
	vmm_disconnect(v);
	/* Edges with nobody connected. */
	STEPS(fx, v, "s0=1 s3=1");
	assert_true(daemon_alive(&fx->d));

	/* A new guest finds every interrupt disabled and no latch. */
	v = irq_session(fx);
	for (i = 0; i < 8; i++) {
		UNMASK(v, (uint16_t)i);
		EXPECT_INVALID(v, (uint16_t)i);
	}
	STEPS(fx, v, "q");
	/* The simulated levels are host state: kept. */
	REQ_OK(v, GET_VAL, 6, 0, 1);
	REQ_OK(v, GET_VAL, 7, 0, 0);
	ctl_cmd_at(ctl0(fx), "get 6", reply, sizeof(reply), __LINE__);
	assert_string_equal(reply, "6 in 1");

	/* Cycles of leaving with pairs pending leak nothing. */
	vmm_disconnect(v);
	fds0 = wait_fd_count(fx->d.pid, -1, quiet_ms(300));
	for (cycle = 0; cycle < 20; cycle++) {
		v = irq_session(fx);
		for (i = 0; i < 8; i++) {
			ARM(v, i, T_BOTH);
			OK(vmm_gpio_irq_add(v, (uint16_t)i, NULL));
		}
		assert_true(vmm_queue_kick(v, EVQ) >= 0);
		if (cycle % 2)
			REQ_OK(v, GET_VAL, 0, 0, 1);
		vmm_disconnect(v);
	}
	EXPECT_FDS(fx, fds0, 3000 * g_scale,
		   "20 reconnects with pending pairs");
	v = irq_session(fx);
	STEPS(fx, v, "u0 i0 a0=fall u0 s0=0 v0 q");
}

/* ------------------------------------------------------------------ */
/* Outputs                                                              */
/* ------------------------------------------------------------------ */

/* An output's level is its driven value: driving it makes edges. */
static void test_output_driven_edges(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	STEPS(fx, v, "d4=out a4=rise u4 q o4=1 v4");
	CTL_EXPECT(ctl0(fx), "get 4", "4 out 1");
	STEPS(fx, v, "u4 o4=1 o4=0 q o4=1 v4");

	STEPS(fx, v, "a4=none a4=fall u4 q o4=0 v4");
	/* Latched while masked, as for inputs. */
	STEPS(fx, v, "o4=1 o4=0 u4 v4");

	/* Level: driven high, active at once. */
	STEPS(fx, v, "a4=none a4=high o4=1 u4 v4 q");
}

/* The simulated input level does not move an output's level. */
static void test_output_ignores_sim_input(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	STEPS(fx, v, "o5=1 d5=out a5=both u5 q s5=0 s5=1 s5=0 q");
	CTL_EXPECT(ctl0(fx), "get 5", "5 out 1");
	REQ_OK(v, GET_VAL, 5, 0, 1);
	STEPS(fx, v, "o5=0 v5 q");
}

/*
 * A direction change that changes the line's level is an edge: an input at
 * 0 becoming an output driven 1 rises, and back to input falls.
 */
static void test_direction_change_edges(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	STEPS(fx, v, "a2=rise u2");
	/* Linux's direction_output: SET_VALUE first, then SET_DIRECTION. */
	STEPS(fx, v, "o2=1 q d2=out v2");
	CTL_EXPECT(ctl0(fx), "get 2", "2 out 1");
	STEPS(fx, v, "a2=none a2=both u2 q d2=in v2");
	CTL_EXPECT(ctl0(fx), "get 2", "2 in 0");
	/* Same level across the change: no edge. */
	STEPS(fx, v, "s2=1 u2");
	EXPECT_VALID(v, 2); /* the rising edge latched by the set */
	STEPS(fx, v, "u2 o2=1 d2=out q");
}

/* ------------------------------------------------------------------ */
/* The control socket                                                   */
/* ------------------------------------------------------------------ */

static void test_ctl_get_set_list(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl *c = ctl0(fx);
	char reply[64], want[64];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "get %u", i);
		snprintf(want, sizeof(want), "%u in 0", i);
		CTL_EXPECT(c, cmd, want);
	}
	CTL_EXPECT(c, "set 5 1", "ok");
	CTL_EXPECT(c, "get 5", "5 in 1");
	REQ_OK(v, GET_VAL, 5, 0, 1);
	CTL_EXPECT(c, "set 5 0", "ok");
	REQ_OK(v, GET_VAL, 5, 0, 0);
	CTL_EXPECT(c, "set 5 1", "ok");
	CTL_EXPECT(c, "set 5 1", "ok");
	/* The guest's side: an output shows its driven value. */
	STEPS(fx, v, "d3=out o3=1");
	CTL_EXPECT(c, "get 3", "3 out 1");
	STEPS(fx, v, "o3=0");
	CTL_EXPECT(c, "get 3", "3 out 0");
	CTL_EXPECT(c, "set 2 1", "ok");
	STEPS(fx, v, "d2=none");
	CTL_EXPECT(c, "get 2", "2 none 1");
	CTL_EXPECT(c, "get 7", "7 in 0");

	ctl_send(c, "list\n");
	for (i = 0; i < 8; i++) {
		static const char *const lines[] = {
			"0 in 0", "1 in 0", "2 none 1", "3 out 0",
			"4 in 0", "5 in 1", "6 in 0",	"7 in 0"};

		OK(ctl_read_line(c, reply, sizeof(reply),
				 g_event_ms * g_scale));
		assert_string_equal(reply, lines[i]);
	}
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "end");
	ctl_expect_silent_at(c, __LINE__);

	/* Several commands in one write: one reply each, in order. */
	ctl_send(c, "set 0 1\nget 0\nset 0 0\nget 0\n");
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "ok");
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "0 in 1");
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "ok");
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "0 in 0");
	/* A command split across writes. */
	ctl_send(c, "se");
	sleep_ms(20);
	ctl_send(c, "t 1 1");
	sleep_ms(20);
	ctl_send(c, "\n");
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "ok");
	CTL_EXPECT(c, "get 1", "1 in 1");
	ctl_expect_silent_at(c, __LINE__);
}

static void test_ctl_errors(void **state)
{
	struct fx *fx = *state;
	struct ctl *c = ctl0(fx);
	static const char *const bad[] = {
		"set 99 1", "set 1 2",	"bogus",    "",	     "get 8",
		"get",	    "set 1",	"set",	    "get x", "set x 1",
		"set -1 1", "set 1 -1", "get 65536"};
	char long_line[302];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64], what[80];

		snprintf(text, sizeof(text), "%s\n", bad[i]);
		snprintf(what, sizeof(what), "command \"%s\"", bad[i]);
		ctl_send(c, text);
		ctl_expect_error_line(c, what, __LINE__);
		/* The connection is kept, and the next reply is the next
		 * command's. */
		CTL_EXPECT(c, "get 1", "1 in 0");
	}
	/* A 300-character line: one error, connection kept. */
	memset(long_line, 'a', 300);
	long_line[300] = '\n';
	long_line[301] = 0;
	ctl_send(c, long_line);
	ctl_expect_error_line(c, "300-character line", __LINE__);
	CTL_EXPECT(c, "set 1 1", "ok");
	CTL_EXPECT(c, "get 1", "1 in 1");
	/* A 300-character line that starts like a good command. */
	memset(long_line, ' ', 300);
	memcpy(long_line, "set 1 0", 7);
	ctl_send(c, long_line);
	ctl_expect_error_line(c, "\"set 1 0\" padded to 300 characters",
			      __LINE__);
	CTL_EXPECT(c, "get 1", "1 in 1");
	ctl_expect_silent_at(c, __LINE__);
	/* Nothing above changed a line. */
	CTL_EXPECT(c, "get 0", "0 in 0");
	assert_true(daemon_alive(&fx->d));
}

/*
 * A NUL byte (or any byte that is not printable ASCII) makes the whole line
 * an error, wherever it is: `set 2 1\0garbage` was answered `ok` and set
 * the line, the NUL ending the command early.
 */
static void test_ctl_nul_byte(void **state)
{
	static const char nul_after[] = "set 2 1\0garbage\n";
	static const char nul_last[] = "set 2 1\0\n";
	static const char escape[] = "set 2 1\x1b\n";
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl *c = ctl0(fx);
	char reply[128];

	ctl_send_bytes(c, nul_after, sizeof(nul_after) - 1);
	OK(ctl_read_line(c, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "error byte 0x00 at column 8: commands "
				   "are printable ASCII");
	ctl_send_bytes(c, nul_last, sizeof(nul_last) - 1);
	ctl_expect_error_line(c, "\"set 2 1\\0\"", __LINE__);
	ctl_send_bytes(c, escape, sizeof(escape) - 1);
	ctl_expect_error_line(c, "\"set 2 1\\x1b\"", __LINE__);
	/* Nothing was set; the connection is kept. */
	CTL_EXPECT(c, "get 2", "2 in 0");
	REQ_OK(v, GET_VAL, 2, 0, 0);
	CTL_EXPECT(c, "set 2 1", "ok");
	REQ_OK(v, GET_VAL, 2, 0, 1);
	ctl_expect_silent_at(c, __LINE__);
}

static void test_ctl_two_clients(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl a, b;
	char reply[64];

	ctl_open(fx, 0, &a);
	ctl_open(fx, 0, &b);
	STEPS(fx, v, "a6=both u6");
	CTL_EXPECT(&a, "set 6 1", "ok");
	STEPS(fx, v, "v6");
	CTL_EXPECT(&b, "get 6", "6 in 1");
	STEPS(fx, v, "u6");
	CTL_EXPECT(&b, "set 6 0", "ok");
	STEPS(fx, v, "v6");
	CTL_EXPECT(&a, "get 6", "6 in 0");
	/* Interleaved partial commands do not mix. */
	ctl_send(&a, "get ");
	ctl_send(&b, "set 6 ");
	ctl_send(&a, "6\n");
	OK(ctl_read_line(&a, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "6 in 0");
	ctl_send(&b, "1\n");
	OK(ctl_read_line(&b, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "ok");
	CTL_EXPECT(&a, "get 6", "6 in 1");
	/* An error on one does not disturb the other. */
	ctl_send(&a, "bogus\n");
	ctl_expect_error_line(&a, "bogus", __LINE__);
	CTL_EXPECT(&b, "get 6", "6 in 1");
	/* One leaves; the other stays served. */
	ctl_close(fx, &a);
	CTL_EXPECT(&b, "get 0", "0 in 0");
	ctl_open(fx, 0, &a);
	CTL_EXPECT(&a, "get 6", "6 in 1");
	ctl_expect_silent_at(&b, __LINE__);
}

/*
 * `quiet on`: the edges of `set` still reach the guest, without the "ok"
 * per command; errors still come back; `quiet off` brings "ok" back.
 */
static void test_ctl_quiet(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl a, b;

	ctl_open(fx, 0, &a);
	ctl_open(fx, 0, &b);
	CTL_EXPECT(&a, "quiet\ton", "quiet on");
	STEPS(fx, v, "a6=both u6");
	ctl_send(&a, "set 6 1\n");
	STEPS(fx, v, "v6 u6");
	ctl_send(&a, "set 6 0\n");
	STEPS(fx, v, "v6");
	ctl_expect_silent_at(&a, __LINE__);
	CTL_EXPECT(&a, "get 6", "6 in 0");
	ctl_send(&a, "set 99 1\n");
	ctl_expect_error_line(&a, "set 99 1", __LINE__);
	ctl_send(&a, "quiet\n");
	ctl_expect_error_line(&a, "quiet", __LINE__);
	/* The other client was never quiet. */
	CTL_EXPECT(&b, "set 6 1", "ok");
	CTL_EXPECT(&a, "quiet  off", "quiet off");
	CTL_EXPECT(&a, "set 6 0", "ok");
	ctl_close(fx, &a);
	ctl_close(fx, &b);
}

/* One control socket per simulated chip, owner-only, removed on exit. */
static void test_ctl_socket_per_chip(void **state)
{
	struct fx *fx = *state;
	struct ctl c0, c1;
	char path[200], reply[64];
	unsigned int i;
	struct stat st;

	ctl_open(fx, 0, &c0);
	ctl_open(fx, 1, &c1);
	for (i = 0; i < 2; i++) {
		daemon_sim_sock(&fx->d, i, path, sizeof(path));
		assert_int_equal(lstat(path, &st), 0);
		if (!S_ISSOCK(st.st_mode) || (st.st_mode & 0077) ||
		    (st.st_mode & 0600) != 0600)
			fail_msg("%s: mode 0%o, expected an owner-only socket",
				 path, st.st_mode);
	}
	ctl_send(&c0, "list\n");
	for (i = 0; i < 4; i++)
		OK(ctl_read_line(&c0, reply, sizeof(reply),
				 g_event_ms * g_scale));
	assert_string_equal(reply, "3 in 0");
	OK(ctl_read_line(&c0, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "end");
	ctl_send(&c1, "list\n");
	for (i = 0; i < 8; i++)
		OK(ctl_read_line(&c1, reply, sizeof(reply),
				 g_event_ms * g_scale));
	assert_string_equal(reply, "7 in 0");
	OK(ctl_read_line(&c1, reply, sizeof(reply), g_event_ms * g_scale));
	assert_string_equal(reply, "end");
	ctl_send(&c0, "get 4\n");
	ctl_expect_error_line(&c0, "get 4 on a 4-line chip", __LINE__);
	CTL_EXPECT(&c1, "set 4 1", "ok");
	CTL_EXPECT(&c1, "get 4", "4 in 1");
	CTL_EXPECT(&c0, "get 3", "3 in 0");
	/* Stopping the daemon removes both (checked by teardown). */
}

/* Runs the client with @args; returns its exit status (-1: not exited). */
static int run_client(const char *const *args, char *out, size_t cap)
{
	const char *argv[16];
	unsigned int n = 0;

	argv[n++] = fixture_arg(2);
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	return tool_run(argv, out, cap);
}

static void client_expect_at(const char *const *args, int want_status,
			     const char *want_out, int line)
{
	char out[4096];
	int st = run_client(args, out, sizeof(out));

	if (st != want_status || (want_out && strcmp(out, want_out) != 0))
		fail_msg("line %d: client %s %s: exit %d, expected %d; output "
			 "\"%s\"%s%s%s",
			 line, args[0] ? args[0] : "",
			 args[0] && args[1] ? args[1] : "", st, want_status,
			 out, want_out ? ", expected \"" : "",
			 want_out ? want_out : "", want_out ? "\"" : "");
}

#define CLIENT_EXPECT(want_status, want_out, ...)                      \
	do {                                                           \
		const char *const _a[] = {__VA_ARGS__, NULL};          \
		client_expect_at(_a, want_status, want_out, __LINE__); \
	} while (0)

static void test_client_binary(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	char sock[200], list[256], out[4096];
	unsigned int i;

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	STEPS(fx, v, "a5=rise u5");
	CLIENT_EXPECT(0, "ok\n", sock, "set", "5", "1");
	STEPS(fx, v, "v5");
	CLIENT_EXPECT(0, "5 in 1\n", sock, "get", "5");
	list[0] = 0;
	for (i = 0; i < 8; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%u in %u\n", i, i == 5);
	strcat(list, "end\n");
	CLIENT_EXPECT(0, list, sock, "list");
	/* The daemon's errors: exit 1, and the reply is shown. */
	{
		const char *const a[] = {sock, "set", "99", "1", NULL};

		assert_int_equal(run_client(a, out, sizeof(out)), 1);
		if (!strstr(out, "error "))
			fail_msg("client set 99 1: output \"%s\" lacks the "
				 "error reply",
				 out);
	}
	CLIENT_EXPECT(1, NULL, sock, "set", "1", "2");
	CLIENT_EXPECT(1, NULL, sock, "bogus");
	/* Usage errors and no daemon: exit 2. */
	{
		const char *const a[] = {NULL};

		assert_int_equal(run_client(a, out, sizeof(out)), 2);
	}
	CLIENT_EXPECT(2, NULL, sock);
	/* No daemon: each way in names the socket and the reason. */
#define NO_SOCK "/nonexistent/vdg-test.sock0.sim"
#define NO_SOCK_SAYS                                                     \
	"vhost-device-gpio-sim: cannot connect to " NO_SOCK ": No such " \
	"file or directory\n"
	CLIENT_EXPECT(2, NO_SOCK_SAYS, NO_SOCK, "get", "0");
	CLIENT_EXPECT(2, NO_SOCK_SAYS, NO_SOCK, "record", "/dev/null");
	CLIENT_EXPECT(2, NO_SOCK_SAYS, NO_SOCK, "play", "/dev/null");
	{
		char notsock[200];
		int fd;

		snprintf(notsock, sizeof(notsock), "%s/not-a-socket",
			 fx->d.dir);
		fd = open(notsock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		close(fd);
		i = (unsigned int)run_client(
			(const char *const[]){notsock, "get", "0", NULL}, out,
			sizeof(out));
		unlink(notsock);
		if (i != 2)
			fail_msg("client on a regular file: exit %d, expected "
				 "2; output \"%s\"",
				 (int)i, out);
	}
	/* Nothing above moved a line but 5. */
	CLIENT_EXPECT(0, "1 in 0\n", sock, "get", "1");
	STEPS(fx, v, "q");
	assert_true(daemon_alive(&fx->d));
}

/*
 * `watch`: the state of every line, then one line per change of a line's
 * direction or value, whoever made it (guest requests, the host's sets, the
 * reset of a disconnecting guest), and nothing for a request or set that
 * changes nothing.  Other clients are unaffected; a watcher may still send
 * commands; a watcher that goes away is forgotten.
 */
static void test_ctl_watch(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl w, w2;
	unsigned int i;
	char want[32];

	STEPS(fx, v, "s6=1");
	ctl_open(fx, 0, &w);
	ctl_send(&w, "watch\n");
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "%u in %u", i, i == 6);
		CTL_NEXT(&w, want);
	}
	CTL_NEXT(&w, "end");
	ctl_expect_silent_at(&w, __LINE__);

	/* The guest: Linux's direction_output, then driving the line. */
	STEPS(fx, v, "o3=1 d3=out");
	CTL_NEXT(&w, "3 out 1");
	STEPS(fx, v, "o3=0");
	CTL_NEXT(&w, "3 out 0");
	STEPS(fx, v, "o3=0");
	REQ_OK(v, GET_VAL, 6, 0, 1);
	ctl_expect_silent_at(&w, __LINE__);

	/* The host; the setting client sees only its "ok". */
	STEPS(fx, v, "s1=1");
	CTL_NEXT(&w, "1 in 1");
	STEPS(fx, v, "s1=1");
	SIM_SET(fx, 3, 1); /* an output: its value does not move */
	ctl_expect_silent_at(&w, __LINE__);
	ctl_expect_silent_at(ctl0(fx), __LINE__);

	/* Released: no longer driven, it shows the input level again. */
	STEPS(fx, v, "d3=none");
	CTL_NEXT(&w, "3 none 1");
	/* A watcher's own commands are answered in the stream. */
	ctl_send(&w, "get 1\n");
	CTL_NEXT(&w, "1 in 1");

	/* Two watchers see the same changes. */
	ctl_open(fx, 0, &w2);
	ctl_send(&w2, "watch\n");
	for (i = 0; i < 8; i++)
		ctl_read_line(&w2, want, sizeof(want), g_event_ms * g_scale);
	CTL_NEXT(&w2, "end");
	STEPS(fx, v, "s0=1");
	CTL_NEXT(&w, "0 in 1");
	CTL_NEXT(&w2, "0 in 1");

	/* A disconnecting guest's lines go back to inputs. */
	STEPS(fx, v, "d4=out");
	CTL_NEXT(&w, "4 out 0");
	CTL_NEXT(&w2, "4 out 0");
	vmm_disconnect(v);
	CTL_NEXT(&w, "3 in 1");
	CTL_NEXT(&w, "4 in 0");
	ctl_expect_silent_at(&w, __LINE__);

	/* A watcher that went away: the others go on. */
	ctl_close(fx, &w);
	STEPS(fx, v, "s0=0");
	CTL_NEXT(&w2, "3 in 1");
	CTL_NEXT(&w2, "4 in 0");
	CTL_NEXT(&w2, "0 in 0");
	ctl_expect_silent_at(&w2, __LINE__);
	assert_true(daemon_alive(&fx->d));
}

/* Reads @fd into @out (from *@len on) until @out contains @needle. */
static bool read_until(int fd, char *out, size_t cap, size_t *len,
		       const char *needle)
{
	int64_t deadline = now_ms() + g_event_ms * g_scale;

	while (!strstr(out, needle)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		r = read(fd, out + *len, cap - 1 - *len);
		if (r <= 0)
			return false;
		*len += (size_t)r;
		out[*len] = 0;
	}
	return true;
}

/* The client binary's `watch` streams each change as it comes (a pipe). */
static void test_client_watch(void **state)
{
	struct fx *fx = *state;
	char sock[200], out[1024] = "";
	int pipefd[2], status;
	bool listed, changed = false;
	size_t len = 0;
	pid_t pid;

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execl(fixture_arg(2), fixture_arg(2), sock, "watch",
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	listed = read_until(pipefd[0], out, sizeof(out), &len, "end\n");
	if (listed) {
		SIM_SET(fx, 2, 1);
		changed = read_until(pipefd[0], out, sizeof(out), &len,
				     "2 in 1\n");
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(pipefd[0]);
	if (!listed || !changed ||
	    strcmp(out, "0 in 0\n1 in 0\n2 in 0\n3 in 0\n4 in 0\n5 in 0\n"
			"6 in 0\n7 in 0\nend\n2 in 1\n"))
		fail_msg("client watch printed \"%s\", expected the list, "
			 "end, then \"2 in 1\"",
			 out);
}

/* ------------------------------------------------------------------ */
/* Scale: 1024 lines all armed                                          */
/* ------------------------------------------------------------------ */

static void test_1024_lines_all_armed(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session_sized(fx, 0, 1024);
	static struct vmm_gpio_req reqs[1024];
	static struct vmm_gpio_res res[1024];
	long long sw0, sw1;
	int threads0, threads1;
	unsigned int i;
	uint16_t last_head = 0;

	ctl0(fx);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	sleep_ms(quiet_ms(100));
	threads0 = proc_thread_count(fx->d.pid);
	for (i = 0; i < 1024; i++)
		reqs[i] = (struct vmm_gpio_req){IRQ_TYPE, (uint16_t)i, T_BOTH};
	OK(vmm_gpio_submit(v, reqs, 1024, res));
	for (i = 0; i < 1024; i++)
		if (res[i].status != VIRTIO_GPIO_STATUS_OK ||
		    res[i].used_len != 2)
			fail_msg("IRQ_TYPE EDGE_BOTH on line %u: status %u "
				 "used length %u",
				 i, res[i].status, res[i].used_len);
	for (i = 0; i < 1024; i++)
		OK(vmm_gpio_irq_add(v, (uint16_t)i, &last_head));
	assert_int_equal(vmm_queue_free_descs(v, EVQ), 0);
	assert_true(vmm_queue_kick(v, EVQ) >= 0);
	STEPS(fx, v, "q");
	sleep_ms(quiet_ms(200));
	threads1 = proc_thread_count(fx->d.pid);
	if (threads1 != threads0)
		fail_msg("daemon threads: %d before arming 1024 lines, %d "
			 "after",
			 threads0, threads1);
	sw0 = proc_threads_status_sum(fx->d.pid, "voluntary_ctxt_switches");
	sleep_ms(1000);
	sw1 = proc_threads_status_sum(fx->d.pid, "voluntary_ctxt_switches");
	print_message("# 1024 lines armed: %d threads, %lld voluntary "
		      "context switches in 1 s idle\n",
		      threads1, sw1 - sw0);
	if (sw1 != sw0)
		fail_msg("daemon woke up %lld times in 1 s of idleness with "
			 "1024 interrupts armed",
			 sw1 - sw0);
	STEPS(fx, v, "s1023=1");
	expect_irq_at(v, 1023, last_head, VALID, 1, __LINE__);
	STEPS(fx, v, "q s0=1 v0 q");
	assert_int_equal(proc_thread_count(fx->d.pid), threads0);
}

/* ------------------------------------------------------------------ */
/* Latency                                                              */
/* ------------------------------------------------------------------ */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* From `set` on the control socket to the used entry on the eventq. */
static void test_irq_latency(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl *c = ctl0(fx);
	int n = env_int("VDG_LATENCY_ITERATIONS", 200), i;
	int64_t *samples;
	char reply[64];

	if (n < 1)
		n = 1;
	samples = calloc((size_t)n, sizeof(*samples));
	assert_non_null(samples);
	STEPS(fx, v, "a0=both");
	for (i = 0; i < n; i++) {
		struct vmm_gpio_irq ev;
		char cmd[32];
		int64_t t0;
		int ret;

		STEPS(fx, v, "u0");
		/* A round trip so that the daemon has seen the pair. */
		ctl_cmd_at(c, "get 1", reply, sizeof(reply), __LINE__);
		snprintf(cmd, sizeof(cmd), "set 0 %d\n", (i + 1) % 2);
		t0 = now_ns();
		ctl_send(c, cmd);
		ret = vmm_gpio_irq_wait(v, &ev, g_event_ms * g_scale);
		samples[i] = now_ns() - t0;
		if (ret || ev.gpio != 0 || ev.status != VALID ||
		    ev.used_len != 1) {
			free(samples);
			fail_msg("iteration %d: ret %d gpio %u status %u used "
				 "length %u",
				 i, ret, ev.gpio, ev.status, ev.used_len);
		}
		ret = ctl_read_line(c, reply, sizeof(reply),
				    g_event_ms * g_scale);
		if (ret || strcmp(reply, "ok")) {
			free(samples);
			fail_msg("iteration %d: set replied \"%s\" (%d)", i,
				 ret ? "" : reply, ret);
		}
	}
	STEPS(fx, v, "q");
	qsort(samples, (size_t)n, sizeof(*samples), cmp_i64);
	print_message("# irq latency (set on the control socket -> used "
		      "eventq entry): %d iterations, median %.1f us, p99 "
		      "%.1f us, min %.1f us, max %.1f us\n",
		      n, samples[n / 2] / 1e3, samples[(n * 99) / 100] / 1e3,
		      samples[0] / 1e3, samples[n - 1] / 1e3);
	free(samples);
}

/* ------------------------------------------------------------------ */
/* Floods: what one control client can cost the others                */
/* ------------------------------------------------------------------ */

/* Control clients of a flood test, closed by teardown_flood. */
static int g_flood_fds[CTL_FLOOD_CLIENTS];

static int setup_s65535(void **state)
{
	unsigned int i;
	int ret;

	for (i = 0; i < CTL_FLOOD_CLIENTS; i++)
		g_flood_fds[i] = -1;
	ret = setup_irq(state, 1, "s65535");
	irq_session(*state);
	return ret;
}

static int teardown_flood(void **state)
{
	unsigned int i;

	for (i = 0; i < CTL_FLOOD_CLIENTS; i++) {
		if (g_flood_fds[i] >= 0)
			close(g_flood_fds[i]);
		g_flood_fds[i] = -1;
	}
	return teardown(state);
}

/* Control client @slot of socket 0, non-blocking, closed by teardown. */
static int flood_client(struct fx *fx, unsigned int slot)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	char path[108];
	int ret;

	assert_true(fd >= 0);
	daemon_sim_sock(&fx->d, 0, path, sizeof(path));
	ret = unit_connect(fd, path);
	if (ret < 0)
		fail_msg("cannot connect to %s: %s", path, strerror(-ret));
	g_flood_fds[slot] = fd;
	return fd;
}

/* Sends all of @text on a non-blocking @fd, waiting for room. */
static void flood_send(int fd, const char *text, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&pfd, 1, g_event_ms * g_scale) <= 0)
				fail_msg("control socket: no room to send");
			continue;
		}
		if (n < 0)
			fail_msg("control socket send: %s", strerror(errno));
		off += (size_t)n;
	}
}

/* A guest GET_VALUE answered within 1 s (scaled); returns its time. */
static int64_t timed_get_value_at(struct vmm *v, uint16_t gpio, uint8_t want,
				  const char *during, int line)
{
	int64_t t0 = now_ms(), ms;

	req_expect(v, GET_VAL, gpio, 0, VIRTIO_GPIO_STATUS_OK, want, line);
	ms = now_ms() - t0;
	if (ms > 1000 * g_scale)
		fail_msg("line %d: GET_VALUE took %lld ms %s", line,
			 (long long)ms, during);
	return ms;
}

#define TIMED_GET_VALUE(v, gpio, want, during) \
	timed_get_value_at(v, gpio, want, during, __LINE__)

/* Whether the peak memory can be judged (no valgrind, no ASan). */
static bool hwm_meaningful(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return false;
#else
	const char *w = getenv("VDG_DAEMON_WRAPPER");

	return !w || !*w;
#endif
}

/*
 * The largest chip (s65535: a `list` reply is ~850 KB) and every control
 * client it admits, none of them reading: one writes `list` 819 times in
 * one 4 KiB write, 15 send `watch`.  Before, the `list` client alone took
 * the daemon from 4 MB to 572 MB (all 819 replies were made before the
 * 8 MiB limit was looked at) and the guest's requests stalled for seconds.
 * Now a client's next command waits while 64 KiB of its replies are
 * unsent, so each holds about one reply.  Then, the `list` client gone, a
 * client that reads keeps setting a line until every watcher is more than
 * 2 MiB behind: each is disconnected.  All along the guest's GET_VALUE is
 * answered within 1 s and the daemon's peak memory (VmHWM) stays within
 * CTL_FLOOD_HWM_KB of what it was before the flood.
 */
static void test_ctl_flood_memory(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	pid_t pid = fx->d.pid;
	static char text[4096];
	int64_t worst = 0, ms;
	long hwm0, hwm1;
	int fds0, setter;
	unsigned int i, sets = 0;
	size_t got = 0;

	TIMED_GET_VALUE(v, 65534, 0, "before the flood");
	hwm0 = proc_status(pid, "VmHWM");
	fds0 = proc_fd_count(pid);

	/* 819 `list` commands in one write, never read. */
	for (i = 0; i < 819; i++)
		memcpy(text + 5 * i, "list\n", 5);
	flood_send(flood_client(fx, 0), text, 5 * 819);
	ms = TIMED_GET_VALUE(v, 65534, 0, "with 819 lists queued");
	worst = ms > worst ? ms : worst;
	/* 15 watchers, never read. */
	for (i = 1; i < CTL_FLOOD_CLIENTS; i++) {
		flood_send(flood_client(fx, i), "watch\n", 6);
		ms = TIMED_GET_VALUE(v, 65534, 0, "with watchers joining");
		worst = ms > worst ? ms : worst;
	}
	if (wait_fd_count(pid, fds0 + CTL_FLOOD_CLIENTS, 5000 * g_scale) !=
	    fds0 + CTL_FLOOD_CLIENTS)
		fail_msg("the daemon does not hold the %d control clients",
			 CTL_FLOOD_CLIENTS);
	sleep_ms(200);
	ms = TIMED_GET_VALUE(v, 65534, 0, "with every client flooding");
	worst = ms > worst ? ms : worst;
	hwm1 = proc_status(pid, "VmHWM");
	print_message("# flood: VmHWM %ld kB before, %ld kB with 819 lists and "
		      "15 watchers queued; guest GET_VALUE at most %lld ms\n",
		      hwm0, hwm1, (long long)worst);

	/* The list client goes; a reading client keeps setting line 65534. */
	close(g_flood_fds[0]);
	g_flood_fds[0] = -1;
	if (wait_fd_count(pid, fds0 + CTL_FLOOD_CLIENTS - 1, 5000 * g_scale) !=
	    fds0 + CTL_FLOOD_CLIENTS - 1)
		fail_msg("the list client's connection was not closed");
	setter = flood_client(fx, 0);
	for (i = 0; i < sizeof(text) / 24; i++)
		memcpy(text + 24 * i, "set 65534 1\nset 65534 0\n", 24);
	while (proc_fd_count(pid) > fds0 + 1) {
		char replies[4096];
		size_t want = (size_t)sets * 3;

		if (sets > 2000000)
			fail_msg("watchers not dropped after %u sets", sets);
		flood_send(setter, text, 24 * (sizeof(text) / 24));
		sets += 2 * (unsigned int)(sizeof(text) / 24);
		/* Every "ok" before the next batch. */
		while (got < want + 3 * 2 * (sizeof(text) / 24)) {
			struct pollfd pfd = {.fd = setter, .events = POLLIN};
			ssize_t n;

			if (poll(&pfd, 1, g_event_ms * g_scale) <= 0)
				fail_msg("the setter's replies stopped");
			n = recv(setter, replies, sizeof(replies), 0);
			if (n <= 0)
				fail_msg("the setter was disconnected");
			got += (size_t)n;
		}
		if (sets % 32768 < 340) {
			ms = TIMED_GET_VALUE(v, 65534, 0,
					     "while watchers fall behind");
			worst = ms > worst ? ms : worst;
		}
	}
	ms = TIMED_GET_VALUE(v, 65534, 0, "after the watchers were dropped");
	worst = ms > worst ? ms : worst;
	hwm1 = proc_status(pid, "VmHWM");
	print_message("# flood: every watcher dropped after %u sets; VmHWM %ld "
		      "kB (%ld kB over the start, limit %d); guest GET_VALUE "
		      "at most %lld ms\n",
		      sets, hwm1, hwm1 - hwm0, CTL_FLOOD_HWM_KB,
		      (long long)worst);
	if (hwm_meaningful() && hwm1 - hwm0 > CTL_FLOOD_HWM_KB)
		fail_msg("VmHWM grew by %ld kB (limit %d kB)", hwm1 - hwm0,
			 CTL_FLOOD_HWM_KB);
	/* The setter was served all along, and still is. */
	g_flood_fds[0] = -1;
	close(setter);
	CTL_EXPECT(ctl0(fx), "get 65534", "65534 in 0");
}

/* ------------------------------------------------------------------ */
/* Floods: what one guest can make the log cost                         */
/* ------------------------------------------------------------------ */

/* The daemon's rate limit of a socket thread's messages (src/log.h). */
#define LOG_BURST   20
#define LOG_PER_SEC 10

/*
 * @n GET_VALUE requests with a 1-byte response buffer (undersized: each
 * comes back unanswered, used length 0, and makes the daemon warn), in
 * batches that fill a 256-entry queue.
 */
static void undersized_flood(struct vmm *v, unsigned int n)
{
	uint64_t mark = vmm_mem_mark(v);
	struct virtio_gpio_request *rq;
	struct vmm_sg out = {.len = 8}, in = {.len = 1};
	unsigned int done = 0;

	OK(vmm_mem_alloc(v, 8, 8, &out.gpa, (void **)&rq));
	OK(vmm_mem_alloc(v, 1, 1, &in.gpa, NULL));
	rq->type = htole16(GET_VAL);
	rq->gpio = 0;
	rq->value = 0;
	while (done < n) {
		unsigned int batch = n - done < 128 ? n - done : 128, i;

		for (i = 0; i < batch; i++)
			OK(vmm_queue_add(v, 0, &out, 1, &in, 1,
					 VMM_CHAIN_DIRECT, NULL));
		if (vmm_queue_kick(v, 0) < 0)
			fail_msg("kick failed");
		for (i = 0; i < batch;) {
			struct vmm_used u;
			int r = vmm_queue_pop_used(v, 0, &u);

			if (r == 0) {
				OK(vmm_queue_wait_used(v, 0, -1));
				continue;
			}
			EXPECT_RET(r, 1);
			assert_int_equal(u.len, 0);
			i++;
		}
		done += batch;
	}
	vmm_mem_release(v, mark);
}

/* Sum of N over the log's "N messages suppressed" lines; their count. */
static unsigned long suppressed_total(const struct daemon *d,
				      unsigned int *lines)
{
	char line[1024];
	unsigned long total = 0;
	FILE *f = fopen(d->log, "r");

	*lines = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " messages suppressed");
		unsigned long n;

		if (!p)
			p = strstr(line, " message suppressed");
		if (!p)
			continue;
		while (p > line && p[-1] >= '0' && p[-1] <= '9')
			p--;
		if (sscanf(p, "%lu", &n) == 1) {
			total += n;
			(*lines)++;
		}
	}
	fclose(f);
	return total;
}

/*
 * A guest sending 20,480 requests with undersized response buffers: each
 * is a warning, and they came out as 20,480 lines (2.9 MB) in 0.1 s.  Now
 * the socket's thread logs LOG_BURST of them, then LOG_PER_SEC a second,
 * and says how many it held back: the log holds at most LOG_BURST +
 * LOG_PER_SEC x (seconds + 1) of them, plus as many "suppressed" lines,
 * and every warning is either printed or counted.  The device answers
 * throughout.
 */
static void test_guest_warning_flood(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	unsigned int printed, notes, bound;
	unsigned long held;
	int64_t t0 = now_ms(), ms;
	int lines;

	undersized_flood(v, 20480);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	ms = now_ms() - t0;
	vmm_disconnect(v);
	fx_stop_daemon(fx);
	printed = (unsigned int)daemon_log_count(&fx->d, "undersized response");
	held = suppressed_total(&fx->d, &notes);
	lines = daemon_log_count(&fx->d, "");
	daemon_remove_files(&fx->d);
	bound = LOG_BURST + LOG_PER_SEC * (unsigned int)(ms / 1000 + 1);
	print_message("# 20480 undersized requests in %lld ms: %u warnings "
		      "logged, %lu messages suppressed in %u lines (%d lines "
		      "in all)\n",
		      (long long)ms, printed, held, notes, lines);
	if (printed > bound || notes > bound || notes < 1)
		fail_msg("%u warnings and %u \"suppressed\" lines logged "
			 "(at most %u each, at least one \"suppressed\")",
			 printed, notes, bound);
	/*
	 * Every warning printed or counted; the count also holds the
	 * thread's few other lines (connected, disconnected).
	 */
	if (printed + held < 20480 || printed + held > 20480 + 10)
		fail_msg("%u printed + %lu suppressed: expected 20480 warnings "
			 "and a few other lines",
			 printed, held);
}

/*
 * Makes the daemon's stderr the pipe whose write end is *@arg.  A valgrind
 * wrapper reports to stdout (the log file) instead: its own lines would
 * wait for the pipe's reader.
 */
static void stderr_to_pipe(void *arg)
{
	dup2(*(int *)arg, STDERR_FILENO);
	child_valgrind_option("--log-fd=1");
}

/* Fills the pipe @fd_nb (a non-blocking opening of it) to the brim. */
static void fill_pipe(int fd_nb)
{
	static const char junk[256] = "filler\n";

	while (write(fd_nb, junk, sizeof(junk)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	/* Smaller pieces until not a byte fits. */
	while (write(fd_nb, junk, 1) > 0)
		;
}

static int setup_no_daemon(void **state)
{
	g_ctl.fd = -1;
	g_ctl.len = 0;
	return setup_none(state);
}

/*
 * A daemon whose stderr is a pipe nobody reads (a journal or a log
 * collector that stalled): before, its first log line blocked the thread
 * that wrote it for good, the guest's requests and the control socket
 * with it.  Now lines it cannot take are dropped and counted: guest
 * requests (with their warnings) and control commands are answered, the
 * count comes out once the pipe is read, and SIGTERM ends the daemon with
 * status 0 within 5 s, the pipe full again.
 */
static void test_stderr_pipe_not_read(void **state)
{
	struct fx *fx = *state;
	char proc[64], buf[65536], *line, *save = NULL;
	struct daemon *d = &fx->d;
	struct daemon_args a;
	int64_t deadline;
	size_t got = 0;
	struct vmm *v;
	int p[2], fill;

	/* One page of pipe, filled through a non-blocking opening of its
	 * own (O_NONBLOCK on p[1] would reach the daemon's stderr too). */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fx_keep_fd(fx, p[0]);
	fx_keep_fd(fx, p[1]);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 4096) >= 4096);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p[1]);
	fill = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fill >= 0);
	fx_keep_fd(fx, fill);
	fill_pipe(fill);

	daemon_prepare(d);
	d->count = 1;
	daemon_spawn_with(d, daemon_args(&a, d, 1, "s8", NULL), stderr_to_pipe,
			  &p[1]);
	daemon_wait_sockets(d);
	fx->have_daemon = true;

	/* Guest requests, with warnings, and control commands. */
	v = irq_session(fx);
	undersized_flood(v, 2048);
	TIMED_GET_VALUE(v, 1, 0, "with stderr full");
	CTL_EXPECT(ctl0(fx), "set 1 1", "ok");
	CTL_EXPECT(ctl0(fx), "get 1", "1 in 1");
	TIMED_GET_VALUE(v, 1, 1, "with stderr full");

	/* Read: the next line says how many were lost. */
	while (read(p[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		;
	/* A token for the thread's next line (LOG_PER_SEC a second). */
	sleep_ms(300);
	vmm_disconnect(v);
	deadline = now_ms() + g_event_ms * g_scale;
	buf[0] = '\0';
	while (!strstr(buf, " log lines lost: stderr was not being read\n")) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		ssize_t n;

		if (now_ms() > deadline || got == sizeof(buf) - 1)
			fail_msg("no \"log lines lost\" line; read: %s", buf);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(p[0], buf + got, sizeof(buf) - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
		buf[got] = '\0';
	}
	/* One TAP comment a line: meson takes a bare line for bad TAP. */
	print_message("# after reading the pipe:\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		print_message("#   %s\n", line);

	/* Full again, its reader still there: SIGTERM still ends it. */
	fill_pipe(fill);
	CTL_EXPECT(ctl0(fx), "get 1", "1 in 1");
	fx_stop_daemon(fx);
	daemon_remove_files(d);
}

/* ------------------------------------------------------------------ */

/* T: a daemon and a guest (setup_guest); T0: the daemon only. */
#define T(f)  cmocka_unit_test_setup_teardown(f, setup_guest, teardown)
#define T0(f) cmocka_unit_test_setup_teardown(f, setup_s8, teardown)
/* test_@param: @f run with &@param as fx->param, after setup_guest. */
#define TC(f, param)                                                       \
	{                                                                  \
		"test_" #param, f, setup_guest, teardown, (void *)&(param) \
	}
#define SCRIPTED(c) TC(run_script, c)
#define T2(f)	    cmocka_unit_test_setup_teardown(f, setup_s4_s8, teardown)
#define T1K(f)	    cmocka_unit_test_setup_teardown(f, setup_s1024, teardown)
#define TFL(f)	    cmocka_unit_test_setup_teardown(f, setup_s65535, teardown_flood)
#define TN(f)	    cmocka_unit_test_setup_teardown(f, setup_no_daemon, teardown)

static const struct CMUnitTest tests[] = {
	/* feature and IRQ_TYPE */
	T(test_irq_feature_offered),
	T(test_irq_type_values),
	T0(test_irq_type_without_feature),
	/* edges */
	SCRIPTED(edge_rising),
	SCRIPTED(edge_falling),
	SCRIPTED(edge_both),
	T(test_lines_independent),
	SCRIPTED(edge_latch_rising),
	SCRIPTED(edge_latch_falling),
	SCRIPTED(edge_latch_both),
	/* levels */
	SCRIPTED(level_high),
	SCRIPTED(level_low),
	SCRIPTED(level_refire_while_active),
	SCRIPTED(level_not_latched),
	/* disabling */
	T(test_disarm_returns_pending_pair),
	T(test_disarm_drops_latch),
	T(test_direction_none_returns_pending_pair),
	/* refused pairs */
	T(test_pair_for_disabled_line),
	T(test_second_pair_same_line),
	T(test_pair_bad_gpio),
	T(test_pair_malformed),
	T(test_pair_larger_buffers),
	/* queue life */
	T(test_eventq_stop_restart),
	T(test_eventq_pair_queued_while_stopped),
	T(test_reconnect_continues_guest),
	T(test_reconnect_delivers_edge_from_the_gap),
	T(test_disconnect_with_pending_pairs),
	/* outputs */
	T(test_output_driven_edges),
	T(test_output_ignores_sim_input),
	T(test_direction_change_edges),
	/* control socket and client */
	T(test_ctl_get_set_list),
	T0(test_ctl_errors),
	T(test_ctl_nul_byte),
	T(test_ctl_two_clients),
	T(test_ctl_quiet),
	T2(test_ctl_socket_per_chip),
	T(test_client_binary),
	T(test_ctl_watch),
	T0(test_client_watch),
	/* floods */
	TFL(test_ctl_flood_memory),
	T(test_guest_warning_flood),
	TN(test_stderr_pipe_not_read),
	/* scale and latency */
	T1K(test_1024_lines_all_armed),
	T(test_irq_latency),
};

FIXTURE_MAIN("DAEMON-BINARY SIM-CLIENT-BINARY", "irq", tests)
