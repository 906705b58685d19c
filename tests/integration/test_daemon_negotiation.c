// SPDX-License-Identifier: MIT
/*
 * Negotiation as QEMU does it (and variations), the config space, status,
 * and NEED_REPLY on every message type.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_daemon.h"

static const uint64_t required_features =
	VMM_BIT(VMM_F_VERSION_1) | VMM_BIT(VMM_F_NOTIFY_ON_EMPTY) |
	VMM_BIT(VMM_F_INDIRECT_DESC) | VMM_BIT(VMM_F_EVENT_IDX) |
	VMM_BIT(VMM_F_PROTOCOL_FEATURES);
static const uint64_t required_protocol =
	VMM_BIT(VMM_PF_MQ) | VMM_BIT(VMM_PF_REPLY_ACK) |
	VMM_BIT(VMM_PF_CONFIG) | VMM_BIT(VMM_PF_RESET_DEVICE) |
	VMM_BIT(VMM_PF_CONFIGURE_MEM_SLOTS) | VMM_BIT(VMM_PF_STATUS);

static void test_negotiate_like_qemu(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct virtio_gpio_config cfg;
	uint64_t f, pf, n;

	fx_session(fx, v, 0, NULL);
	f = vmm_offered_features(v);
	pf = vmm_offered_protocol_features(v);
	if ((f & required_features) != required_features)
		fail_msg("features 0x%llx lack 0x%llx", (unsigned long long)f,
			 (unsigned long long)(required_features & ~f));
	if (f & ~(required_features | VMM_BIT(VMM_F_GPIO_IRQ)))
		fail_msg("unexpected features offered: 0x%llx",
			 (unsigned long long)(f & ~required_features));
	if ((pf & required_protocol) != required_protocol)
		fail_msg("protocol features 0x%llx lack 0x%llx",
			 (unsigned long long)pf,
			 (unsigned long long)(required_protocol & ~pf));
	if (pf & ~(required_protocol | VMM_BIT(VMM_PF_BACKEND_REQ)))
		fail_msg("unexpected protocol features offered: 0x%llx",
			 (unsigned long long)(pf & ~required_protocol));
	assert_int_equal(vmm_queue_num(v), 2);
	OK(vmm_get_max_mem_slots(v, &n));
	assert_int_equal(n, 32);
	/* GET_PROTOCOL_FEATURES again after SET_FEATURES: same answer. */
	OK(vmm_get_protocol_features(v, &n));
	assert_int_equal(n, pf);
	OK(vmm_get_features(v, &n));
	assert_int_equal(n, f);

	vmm_gpio_config(v, &cfg);
	assert_int_equal(le16toh(cfg.ngpio), 8);
	assert_int_equal(le32toh(cfg.gpio_names_size), 48);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	EXPECT_DRIVES_HIGH(v, 7);
}

static void test_negotiate_add_mem_reg(void **state)
{
	struct fx *fx = *state;
	struct vmm_options o;
	struct vmm_negotiate_options no;
	struct vmm *v;

	vmm_options_init(&o);
	o.nregions = 4;
	o.gpa_gap = 0x100000;
	o.file_offset = 0x10000;
	v = fx_vmm(fx, 0, &o);
	vmm_negotiate_options_init(&no);
	no.add_mem_reg = true;
	no.nqueues = 2;
	fx_session(fx, v, 0, &no);
	REQ_OK(v, SET_VAL, 3, 1, 0);
	EXPECT_OUTPUT_AT(v, 3, 1);
}

static void test_negotiate_ack_every_message(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;

	vmm_negotiate_options_init(&no);
	no.ack_mode = VMM_ACK_ALL;
	no.nqueues = 2;
	fx_session(fx, v, 0, &no);
	REQ_OK(v, GET_DIR, 1, 0, get_direction(v, 1));
	REQ_OK(v, SET_DIR, 1, DIR_IN, 0);
}

/* Without VHOST_USER_F_PROTOCOL_FEATURES rings start enabled. */
static void test_negotiate_without_protocol_features_bit(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;

	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VMM_F_PROTOCOL_FEATURES);
	fx_session(fx, v, 0, &no);
	assert_false(vmm_acked_features(v) & VMM_BIT(VMM_F_PROTOCOL_FEATURES));
	REQ_OK(v, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(v, GET_DIR, 2, 0, DIR_OUT);
}

/* Requests kicked before SET_VRING_ENABLE are served once enabled. */
static void test_enable_after_kick(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;
	struct vmm_sg o, in;
	struct vmm_used u;
	struct virtio_gpio_request *rq;
	uint8_t *resp;
	uint64_t rq_gpa, resp_gpa;
	uint16_t head;

	vmm_negotiate_options_init(&no);
	no.enable_all = false;
	fx_session(fx, v, 0, &no);
	/* Disable queue 0 again, then queue and kick while disabled. */
	OK(vmm_set_vring_enable(v, 0, false));
	OK(vmm_mem_alloc(v, 8, 8, &rq_gpa, (void **)&rq));
	OK(vmm_mem_alloc(v, 2, 2, &resp_gpa, (void **)&resp));
	rq->type = htole16(GET_VAL);
	o = (struct vmm_sg){rq_gpa, 8};
	in = (struct vmm_sg){resp_gpa, 2};
	OK(vmm_queue_add(v, 0, &o, 1, &in, 1, VMM_CHAIN_DIRECT, &head));
	OK(vmm_queue_kick_force(v, 0));
	OK(vmm_set_vring_enable(v, 0, true));
	OK(vmm_queue_kick_force(v, 0));
	OK(vmm_queue_wait_used(v, 0, -1));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.id, head);
	assert_int_equal(u.len, 2);
	assert_int_equal(resp[0], VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(resp[1], 0);
}

/* ------------------------------------------------------------------ */
/* Config space                                                         */
/* ------------------------------------------------------------------ */

static void test_config(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint8_t buf[16], want[8];
	uint16_t ngpio;
	uint32_t names_size;
	uint64_t f;
	struct {
		uint32_t offset, size;
	} good[] = {{0, 8}, {0, 2}, {2, 2}, {4, 4}, {7, 1}, {0, 1}, {3, 5}},
	  bad[] = {{0, 9},	    {8, 1},	     {4, 8},
		   {1, 8},	    {0xffffffff, 2}, {0xfffffff8, 16},
		   {8, 0xfffffff9}, {0, 256}};
	unsigned int i, failures = 0;

	OK(vmm_gpio_read_config(v, &ngpio, &names_size));
	assert_int_equal(ngpio, 8);
	assert_int_equal(names_size, 48);
	memset(want, 0, sizeof(want));
	want[0] = 8;
	want[4] = 48;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(buf, 0xaa, sizeof(buf));
		OK(vmm_get_config(v, good[i].offset, good[i].size, 0, buf));
		if (memcmp(buf, want + good[i].offset, good[i].size))
			fail_msg("GET_CONFIG(%u, %u) returned wrong bytes",
				 good[i].offset, good[i].size);
	}
	/* The bad ones: a reply with a zero-size payload, session intact. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		if (bad[i].size <= 200)
			ret = vmm_get_config(v, bad[i].offset, bad[i].size, 0,
					     buf);
		else {
			/* Lie: claim a huge size in a correctly sized msg. */
			struct vmm_vu_config c = {.offset = bad[i].offset,
						  .size = bad[i].size};
			struct vmm_vu_msg reply;

			ret = vmm_call(v, VMM_VU_GET_CONFIG, VMM_VU_VERSION, &c,
				       VMM_CONFIG_HDR_SIZE, &reply);
			if (ret == -ECONNRESET) {
				/* Size mismatch: a close is fine too. */
				vmm_disconnect(v);
				v = fx_default_session(fx, 0, 0);
				continue;
			}
			if (ret == 0 && reply.hdr.size != 0)
				ret = -EPROTO;
			else if (ret == 0)
				ret = -EREMOTEIO;
		}
		if (ret != -EREMOTEIO) {
			print_message("# GET_CONFIG(offset %u, size %u): "
				      "expected a reply with a zero-size "
				      "payload (-EREMOTEIO), got %d (%s)\n",
				      bad[i].offset, bad[i].size, ret,
				      strerror(-ret));
			failures++;
		}
		OK(vmm_get_features(v, &f));
	}
	REQ_OK(v, GET_VAL, 1, 0, 0);
	if (failures)
		fail_msg("%u bad GET_CONFIG requests not refused as "
			 "vhost-user.rst says (zero-length payload)",
			 failures);
}

static void test_config_multi_sizes(void **state)
{
	struct fx *fx = *state;
	static const struct {
		uint16_t ngpio;
		uint32_t names;
	} want[] = {{4, 24}, {8, 48}, {16, 10 * 6 + 6 * 7}};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct vmm *v = fx_default_session(fx, i, i);
		uint16_t n;
		uint32_t s;

		OK(vmm_gpio_read_config(v, &n, &s));
		assert_int_equal(n, want[i].ngpio);
		assert_int_equal(s, want[i].names);
	}
}

static void test_set_config_refused(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint8_t data[8] = {99, 0, 0, 0, 1, 0, 0, 0};
	uint16_t n;
	uint32_t s;

	vmm_set_ack_mode(v, VMM_ACK_ALL);
	EXPECT_RET(vmm_set_config(v, 0, 8, 0, data), -EREMOTEIO);
	EXPECT_RET(vmm_set_config(v, 0, 2, 1, data), -EREMOTEIO);
	OK(vmm_gpio_read_config(v, &n, &s));
	assert_int_equal(n, 8);
	assert_int_equal(s, 48);
}

static void test_status(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint64_t st;

	OK(vmm_get_status(v, &st));
	assert_int_equal(st, VMM_STATUS_ACKNOWLEDGE | VMM_STATUS_DRIVER |
				     VMM_STATUS_FEATURES_OK |
				     VMM_STATUS_DRIVER_OK);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_set_status(v, VMM_STATUS_ACKNOWLEDGE));
	OK(vmm_get_status(v, &st));
	assert_int_equal(st, VMM_STATUS_ACKNOWLEDGE);
}

/* ------------------------------------------------------------------ */
/* NEED_REPLY on every message type                                     */
/* ------------------------------------------------------------------ */

/* Nothing more may be waiting on the socket (no stray ack). */
static void assert_no_stray_reply(struct vmm *v, const char *after)
{
	int r = vmm_poll_socket(v, quiet_ms(100));

	if (r != 0) {
		struct vmm_vu_msg m;

		if (vmm_recv(v, &m, NULL, NULL) == 0)
			fail_msg("unexpected message (request %u, size %u) "
				 "after %s",
				 m.hdr.request, m.hdr.size, after);
		fail_msg("connection closed after %s", after);
	}
}

static void test_need_reply_acks(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct vmm_ring_view rv;
	struct vmm_vu_msg m;
	uint64_t u, pf = vmm_acked_protocol_features(v);
	uint32_t base;
	int efd;
	static const uint32_t has_reply[] = {
		VMM_VU_GET_FEATURES, VMM_VU_GET_PROTOCOL_FEATURES,
		VMM_VU_GET_QUEUE_NUM, VMM_VU_GET_MAX_MEM_SLOTS,
		VMM_VU_GET_STATUS};
	unsigned int i;

	assert_true(pf & VMM_BIT(VMM_PF_REPLY_ACK));
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_queue_view(v, 0, &rv));

	/* Messages with a reply of their own: that reply only. */
	for (i = 0; i < sizeof(has_reply) / sizeof(has_reply[0]); i++) {
		OK(vmm_call(v, has_reply[i],
			    VMM_VU_VERSION | VMM_VU_FLAG_NEED_REPLY, NULL, 0,
			    &m));
		assert_int_equal(m.hdr.size, 8);
		assert_no_stray_reply(v, "a GET message with NEED_REPLY");
	}
	{
		struct vmm_vu_config c = {.offset = 0, .size = 8};

		OK(vmm_call(v, VMM_VU_GET_CONFIG,
			    VMM_VU_VERSION | VMM_VU_FLAG_NEED_REPLY, &c,
			    VMM_CONFIG_HDR_SIZE + 8, &m));
		assert_int_equal(m.hdr.size, VMM_CONFIG_HDR_SIZE + 8);
		assert_no_stray_reply(v, "GET_CONFIG with NEED_REPLY");
	}

	/* Messages without: a zero ack each. */
	OK(vmm_set_protocol_features(v, pf));
	OK(vmm_set_owner(v));
	OK(vmm_set_features(v, vmm_acked_features(v)));
	OK(vmm_set_mem_table(v, 0));
	OK(vmm_set_vring_err(v, 0, -1));
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	OK(vmm_set_vring_err(v, 0, efd));
	close(efd);
	OK(vmm_set_vring_enable(v, 1, true));
	OK(vmm_set_vring_enable(v, 1, false));
	OK(vmm_set_status(v, 15));

	/* Stop and restart queue 0 the way QEMU does. */
	OK(vmm_get_vring_base(v, 0, &base));
	assert_no_stray_reply(v, "GET_VRING_BASE with NEED_REPLY");
	OK(vmm_queue_start(v, 0, (uint16_t)base));
	OK(vmm_set_vring_enable(v, 0, true));
	REQ_OK(v, GET_VAL, 0, 0, 0);

	/* Memory slots. */
	OK(vmm_rem_mem_reg(v, 0));
	OK(vmm_add_mem_reg(v, 0));
	REQ_OK(v, GET_VAL, 0, 0, 0);

	/* Refusals keep the session. */
	EXPECT_RET(vmm_request(v, 999, NULL, 0, NULL, 0, true), -EREMOTEIO);
	EXPECT_RET(vmm_set_config(v, 0, 8, 0, NULL), -EREMOTEIO);
	REQ_OK(v, GET_VAL, 0, 0, 0);

	/* Reset device last: everything after it is set up again. */
	OK(vmm_reset_device(v));
	OK(vmm_get_features(v, &u));
	/* RESET_OWNER: deprecated, acked (ignored or rings disabled). */
	OK(vmm_reset_owner(v));
	OK(vmm_get_features(v, &u));
}

static const struct CMUnitTest tests[] = {
	/* negotiation */
	T(test_negotiate_like_qemu),
	T(test_negotiate_add_mem_reg),
	T(test_negotiate_ack_every_message),
	T(test_negotiate_without_protocol_features_bit),
	T(test_enable_after_kick),
	/* config */
	TS(test_config),
	TM(test_config_multi_sizes),
	TS(test_set_config_refused),
	TS(test_status),
	TS(test_need_reply_acks),
};

const struct fx_tests daemon_negotiation_tests = FX_TESTS(tests);
