// SPDX-License-Identifier: MIT
/*
 * The rings: every queue size, 16-bit index wrap-around, EVENT_IDX and
 * VRING_AVAIL_F_NO_INTERRUPT, indirect descriptors; a ring stopped
 * (GET_VRING_BASE) and restarted, RESET_DEVICE, memory tables replaced
 * while the rings run, 32 memory slots.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_daemon.h"

/*
 * A batch of @n requests over @ngpio lines that are all outputs: row k
 * (requests k*ngpio .. k*ngpio+ngpio-1, one per line) is GET_VALUE,
 * GET_DIRECTION, SET_VALUE or a bad-line GET_VALUE in turn, so each line
 * sees its SET_VALUEs and GET_VALUEs in a known order.  @cur tracks each
 * line's value across batches; @exp receives the expected answers.
 */
static void mixed_batch(struct vmm_gpio_req *reqs, struct vmm_gpio_res *exp,
			unsigned int n, unsigned int ngpio, unsigned int round,
			uint8_t *cur)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint16_t line = (uint16_t)(i % ngpio);
		unsigned int row = i / ngpio;

		exp[i] = (struct vmm_gpio_res){VIRTIO_GPIO_STATUS_OK, 0, 2};
		switch ((row + round) % 4) {
		case 0:
			reqs[i] = (struct vmm_gpio_req){GET_VAL, line, 0};
			exp[i].value = cur[line];
			break;
		case 1:
			reqs[i] = (struct vmm_gpio_req){GET_DIR, line, 0};
			exp[i].value = DIR_OUT;
			break;
		case 2:
			cur[line] = (uint8_t)(((row + round) / 4 + line) & 1);
			reqs[i] =
				(struct vmm_gpio_req){SET_VAL, line, cur[line]};
			break;
		default:
			reqs[i] = (struct vmm_gpio_req){GET_VAL, 0xffff, 0};
			exp[i].status = VIRTIO_GPIO_STATUS_ERR;
			break;
		}
	}
}

static void check_mixed(const struct vmm_gpio_req *reqs,
			const struct vmm_gpio_res *exp,
			const struct vmm_gpio_res *res, unsigned int n,
			unsigned int size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (res[i].used_len != exp[i].used_len ||
		    res[i].status != exp[i].status ||
		    res[i].value != exp[i].value)
			fail_msg("queue size %u, request %u of %u (%s gpio %u "
				 "value %u): expected status %u value %u "
				 "used_len %u, got status %u value %u "
				 "used_len %u",
				 size, i, n, type_name(reqs[i].type),
				 reqs[i].gpio, reqs[i].value, exp[i].status,
				 exp[i].value, exp[i].used_len, res[i].status,
				 res[i].value, res[i].used_len);
}

/* Submits mixed batches of @n for @rounds rounds on lines 0..7. */
static void mixed_rounds(struct vmm *v, unsigned int n, unsigned int rounds,
			 unsigned int size)
{
	struct vmm_gpio_req *reqs = calloc(n, sizeof(*reqs));
	struct vmm_gpio_res *res = calloc(n, sizeof(*res));
	struct vmm_gpio_res *exp = calloc(n, sizeof(*exp));
	uint8_t cur[8] = {0};
	unsigned int r, i;
	int ret;

	assert_non_null(reqs);
	assert_non_null(res);
	assert_non_null(exp);
	for (i = 0; i < 8; i++) {
		REQ_OK(v, SET_DIR, i, DIR_OUT, 0);
		REQ_OK(v, SET_VAL, i, 0, 0);
	}
	for (r = 0; r < rounds; r++) {
		mixed_batch(reqs, exp, n, 8, r, cur);
		memset(res, 0, n * sizeof(*res));
		ret = vmm_gpio_submit(v, reqs, n, res);
		if (ret) {
			free(reqs);
			free(res);
			free(exp);
			fail_msg("queue size %u round %u: batch of %u failed: "
				 "%d (%s)",
				 size, r, n, ret, strerror(-ret));
		}
		for (i = 0; i < n; i++)
			if (res[i].used_len != exp[i].used_len ||
			    res[i].status != exp[i].status ||
			    res[i].value != exp[i].value)
				break;
		if (i < n) {
			check_mixed(reqs, exp, res, n, size);
		}
	}
	free(reqs);
	free(res);
	free(exp);
}

/* A queue size and the rounds of full batches to run through it. */
struct queue_size_case {
	unsigned int size, rounds;
};

static const struct queue_size_case queue_size_2 = {2, 50},
				    queue_size_256 = {256, 10},
				    queue_size_1024 = {1024, 5};
/* 5 full batches of 16384 chains: the 16-bit indexes wrap. */
static const struct queue_size_case queue_size_32768 = {32768, 5};

/* test_queue_size_2, _256, _1024, _32768 */
static void run_queue_size(void **state)
{
	struct fx *fx = *state;
	const struct queue_size_case *c = fx->param;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);

	vmm_negotiate_options_init(&no);
	no.queue.size = c->size;
	/* A one-entry ring only takes one-descriptor (indirect) chains. */
	no.queue.indirect = c->size == 1;
	fx_session(fx, v, 0, &no);
	/* Direct chains take 2 descriptors: a full ring is size / 2. */
	mixed_rounds(v, c->size == 1 ? 1 : c->size / 2, c->rounds, c->size);
	vmm_disconnect(v);
}

/*
 * A one-entry ring holds only one-descriptor chains: the spec (2.7.5.3.1)
 * forbids chains, indirect ones included, longer than the queue size, so
 * no complete GPIO request fits.  Short chains must still come back (used
 * length 0) again and again as the indexes go round the ring.
 */
static void test_queue_size_1(void **state)
{
	struct fx *fx = *state;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct virtio_gpio_request *rq;
	struct vmm_sg o;
	struct vmm_used u;
	unsigned int i;
	uint16_t head;

	vmm_negotiate_options_init(&no);
	no.queue.size = 1;
	fx_session(fx, v, 0, &no);
	OK(vmm_mem_alloc(v, 8, 8, &o.gpa, (void **)&rq));
	o.len = 8;
	rq->type = htole16(GET_VAL);
	for (i = 0; i < 300; i++) {
		OK(vmm_queue_add(v, 0, &o, 1, NULL, 0, VMM_CHAIN_DIRECT,
				 &head));
		if (vmm_queue_kick(v, 0) < 0)
			fail_msg("kick failed");
		OK(vmm_queue_wait_used(v, 0, -1));
		EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
		assert_int_equal(u.id, 0);
		assert_int_equal(u.len, 0);
	}
}

/* Every power of two can be set (with NEED_REPLY) and started. */
static void test_queue_sizes_all_powers(void **state)
{
	struct fx *fx = *state;
	unsigned int size;

	for (size = 1; size <= 32768; size *= 2) {
		struct vmm_negotiate_options no;
		struct vmm *v = fx_vmm(fx, 0, NULL);

		vmm_negotiate_options_init(&no);
		no.queue.size = size;
		no.ack_mode = VMM_ACK_ALL;
		fx_session(fx, v, 0, &no);
		if (size > 1)
			REQ_OK(v, GET_VAL, 0, 0, 0);
	}
}

/* 66 560 requests through a 256 ring: indexes wrap past 65535. */
static void test_index_wrap(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	mixed_rounds(v, 128, 520, 256);
	assert_int_equal(vmm_queue_last_used(v, 0), (uint16_t)(520 * 128 + 16));
}

static void test_no_event_idx(void **state)
{
	struct fx *fx = *state;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);

	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VMM_F_EVENT_IDX);
	fx_session(fx, v, 0, &no);
	mixed_rounds(v, 64, 100, 256);
	mixed_rounds(v, 1, 100, 256);
}

/* Waits for the device's used idx to reach @idx, without notifications. */
static void wait_used_idx(struct vmm *v, uint16_t idx)
{
	int64_t deadline = now_ms() + 5000 * g_scale;

	while (vmm_queue_device_used_idx(v, 0) != idx) {
		if (now_ms() > deadline)
			fail_msg("used idx stuck at %u, expected %u",
				 vmm_queue_device_used_idx(v, 0), idx);
		sleep_ms(1);
	}
}

/*
 * A request's reply can be popped before its notification arrives (the
 * daemon publishes the used entry first): let late notifications land and
 * consume them, so that a later check for "no notification" sees only its
 * own.
 */
static void settle_calls(struct vmm *v)
{
	while (vmm_queue_wait_call(v, 0, quiet_ms(50)) == 1)
		;
}

static void test_event_idx_suppression(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct vmm_used u;
	unsigned int i;

	assert_true(vmm_acked_features(v) & VMM_BIT(VMM_F_EVENT_IDX));
	assert_false(vmm_acked_features(v) & VMM_BIT(VMM_F_NOTIFY_ON_EMPTY));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	settle_calls(v);
	/* Ask for a notification only once used idx passes last + 3. */
	vmm_queue_set_used_event(v, 0, vmm_queue_last_used(v, 0) + 3);
	for (i = 0; i < 4; i++) {
		uint16_t want = vmm_queue_last_used(v, 0) + 1 + i;

		OK(add_get_value(v, 0));
		wait_used_idx(v, want);
		if (i < 3) {
			if (vmm_queue_wait_call(v, 0, quiet_ms(100)) != 0)
				fail_msg("notified at used idx %u before "
					 "crossing used_event",
					 want);
		} else if (vmm_queue_wait_call(v, 0, 2000 * g_scale) != 1) {
			fail_msg("no notification when used idx crossed "
				 "used_event");
		}
	}
	for (i = 0; i < 4; i++) {
		EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
		assert_int_equal(u.len, 2);
	}
	/* Back to normal. */
	vmm_queue_set_used_event(v, 0, vmm_queue_last_used(v, 0));
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

/* The features negotiated besides the defaults without EVENT_IDX. */
static const uint64_t no_interrupt_flag = 0,
		      notify_on_empty = VMM_BIT(VMM_F_NOTIFY_ON_EMPTY);

/* test_no_interrupt_flag, test_notify_on_empty */
static void run_no_interrupt(void **state)
{
	struct fx *fx = *state;
	uint64_t features = *(const uint64_t *)fx->param;
	bool on_empty = features & notify_on_empty;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_used u;

	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VMM_F_EVENT_IDX);
	no.features |= features;
	fx_session(fx, v, 0, &no);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	settle_calls(v);
	vmm_queue_set_no_interrupt(v, 0, true);
	OK(add_get_value(v, 0));
	wait_used_idx(v, vmm_queue_last_used(v, 0) + 1);
	if (on_empty) {
		if (vmm_queue_wait_call(v, 0, 2000 * g_scale) != 1)
			fail_msg("NOTIFY_ON_EMPTY: no notification when the "
				 "ring ran empty");
	} else if (vmm_queue_wait_call(v, 0, quiet_ms(100)) != 0) {
		fail_msg("notified despite VRING_AVAIL_F_NO_INTERRUPT");
	}
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	vmm_queue_set_no_interrupt(v, 0, false);
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

static void test_indirect(void **state)
{
	struct fx *fx = *state;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);

	vmm_negotiate_options_init(&no);
	no.queue.indirect = true;
	fx_session(fx, v, 0, &no);
	assert_true(vmm_acked_features(v) & VMM_BIT(VMM_F_INDIRECT_DESC));
	/* Full rings of indirect chains (one descriptor each). */
	mixed_rounds(v, 256, 5, 256);
	expect_sim_names(v, 8, 0);
}

/* ------------------------------------------------------------------ */
/* Ring stop/start, reset                                               */
/* ------------------------------------------------------------------ */

static void test_get_vring_base_stops_ring(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct vmm_used u;
	uint32_t base;
	unsigned int i;

	for (i = 0; i < 5; i++)
		REQ_OK(v, GET_VAL, i, 0, 0);
	OK(vmm_get_vring_base(v, 0, &base));
	assert_int_equal(base, 5);
	/* Stopped: a new chain is not served. */
	OK(add_get_value(v, 0));
	OK(vmm_queue_kick_force(v, 0));
	sleep_ms(quiet_ms(200));
	assert_int_equal(vmm_queue_device_used_idx(v, 0), 5);
	/* Restart where it stopped, as QEMU does. */
	OK(vmm_queue_start(v, 0, (uint16_t)base));
	OK(vmm_set_vring_enable(v, 0, true));
	OK(vmm_queue_kick_force(v, 0));
	OK(vmm_queue_wait_used(v, 0, -1));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.len, 2);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	OK(vmm_get_vring_base(v, 0, &base));
	assert_int_equal(base, 7);
}

/* Sets up queue 0 again on the same connection (after a reset). */
static void restart_queue(struct vmm *v)
{
	OK(vmm_set_features(v, vmm_acked_features(v)));
	OK(vmm_set_mem_table(v, 0));
	vmm_queue_teardown(v, 0);
	OK(vmm_queue_setup(v, 0, NULL));
	OK(vmm_queue_start(v, 0, 0));
	OK(vmm_set_vring_enable(v, 0, true));
}

static void test_reset_device(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint8_t d0 = get_direction(v, 1);

	REQ_OK(v, SET_DIR, 1, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 1, 1, 0);
	REQ_OK(v, SET_VAL, 2, 1, 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_reset_device(v));
	restart_queue(v);
	REQ_OK(v, GET_DIR, 1, 0, d0);
	REQ_OK(v, GET_VAL, 1, 0, 0);
	EXPECT_OUTPUT_AT(v, 2, 0);
}

static void test_mem_table_replaced_live(void **state)
{
	struct vmm *v = fx_regions_session(*state, 2);
	unsigned int i;

	REQ_OK(v, SET_DIR, 0, DIR_OUT, 0);
	/* The same table again, then a bigger/smaller one, while running. */
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < 3; i++) {
		OK(vmm_set_mem_table(v, i == 1 ? 1 : 2));
		REQ_OK(v, SET_VAL, 0, i & 1, 0);
		REQ_OK(v, GET_VAL, 0, 0, i & 1);
	}
	/* Slots: remove region 1 and add it back. */
	OK(vmm_rem_mem_reg(v, 1));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	OK(vmm_add_mem_reg(v, 1));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	/* Adding an overlapping region is refused; the session stays. */
	EXPECT_RET(vmm_add_mem_reg(v, 1), -EREMOTEIO);
	/* Removing a region that is not there is refused. */
	OK(vmm_rem_mem_reg(v, 1));
	EXPECT_RET(vmm_rem_mem_reg(v, 1), -EREMOTEIO);
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

static void test_32_mem_slots(void **state)
{
	struct fx *fx = *state;
	struct vmm_options o;
	struct vmm_negotiate_options no;
	struct vmm_vu_single_region sr = {0};
	struct vmm *v;
	int fd;

	vmm_options_init(&o);
	o.nregions = 32;
	v = fx_vmm(fx, 0, &o);
	vmm_negotiate_options_init(&no);
	no.add_mem_reg = true;
	fx_session(fx, v, 0, &no);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	/* A 33rd slot is refused, and its fd not kept. */
	sr.region.gpa = 0x40000000;
	sr.region.size = 4096;
	sr.region.uva = 0x10000;
	sr.region.mmap_offset = 0;
	fd = vmm_mem_fd(v);
	EXPECT_RET(vmm_request(v, VMM_VU_ADD_MEM_REG, &sr, sizeof(sr), &fd, 1,
			       true),
		   -EREMOTEIO);
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

#define QUEUE_SIZE(c)	TP(run_queue_size, c)
#define NO_INTERRUPT(c) TP(run_no_interrupt, c)

static const struct CMUnitTest tests[] = {
	T(test_queue_size_1),
	QUEUE_SIZE(queue_size_2),
	QUEUE_SIZE(queue_size_256),
	QUEUE_SIZE(queue_size_1024),
	QUEUE_SIZE(queue_size_32768),
	T(test_queue_sizes_all_powers),
	TS(test_index_wrap),
	T(test_no_event_idx),
	TS(test_event_idx_suppression),
	NO_INTERRUPT(no_interrupt_flag),
	NO_INTERRUPT(notify_on_empty),
	T(test_indirect),
	TS(test_get_vring_base_stops_ring),
	TS(test_reset_device),
	T(test_mem_table_replaced_live),
	T(test_32_mem_slots),
};

const struct fx_tests daemon_rings_tests = FX_TESTS(tests);
