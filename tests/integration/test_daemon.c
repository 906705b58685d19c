// SPDX-License-Identifier: MIT
/*
 * Integration tests: the real vhost-device-gpio binary (argv[1]) driven by
 * the VMM stand-in over its vhost-user sockets.
 *
 * Every test starts its own daemon on a fresh temporary directory, and its
 * teardown checks that the daemon is still alive, then stops it with
 * SIGTERM and checks exit status 0 and that the socket files are gone.
 *
 * The daemon process and the fixture live in fixture.c (shared with
 * test_irq.c).  Environment: see fixture.h, plus
 *   VDG_RECONNECT_CYCLES cycles of the reconnect test (default 1000)
 *   VDG_RSS_SLACK_KB     allowed VmRSS growth in that test (default 1024)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */
/* ------------------------------------------------------------------ */

static int setup_s8(void **state)
{
	return setup_with(state, 1, "s8");
}

/* The short options, as users type them: -c 3 -l s4:s8:s16. */
static int setup_multi(void **state)
{
	struct fx *fx = fx_new();
	char a_path[192];
	const char *args[] = {a_path, "-c", "3", "-l", "s4:s8:s16", NULL};

	*state = fx;
	daemon_prepare(&fx->d);
	fx->d.count = 3;
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", fx->d.base);
	daemon_spawn_wait(&fx->d, args);
	fx->have_daemon = true;
	return 0;
}

/* The direction a line reports before anyone touched it. */
static uint8_t get_direction(struct vmm *v, uint16_t gpio)
{
	struct vmm_gpio_res res;

	OK(vmm_gpio_request(v, GET_DIR, gpio, 0, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 2);
	if (res.value != DIR_NONE && res.value != DIR_IN)
		fail_msg("untouched line %u reports direction %u, expected "
			 "NONE (0) or IN (2)",
			 gpio, res.value);
	return res.value;
}

/* "sim-0\0sim-1\0..." for @n lines; returns its size. */
static uint32_t sim_names(unsigned int n, char *buf, size_t cap)
{
	uint32_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int w = snprintf(buf + len, cap - len, "sim-%u", i);

		len += (uint32_t)w + 1;
	}
	return len;
}

/* A quick proof that socket @sock serves a new VMM properly. */
static void fresh_session_works(struct fx *fx, unsigned int sock)
{
	struct vmm *v = fx_default_session(fx, MAX_VMMS - 1, sock);

	REQ_OK(v, GET_VAL, 0, 0, 0);
	fx_vmm_free(fx, MAX_VMMS - 1);
}

/* ------------------------------------------------------------------ */
/* Negotiation                                                          */
/* ------------------------------------------------------------------ */

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
	REQ_OK(v, SET_DIR, 7, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 7, 1, 0);
	REQ_OK(v, GET_VAL, 7, 0, 1);
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
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 3, 0, 1);
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
	struct vmm *v = fx_default_session(fx, 0, 0);
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
	struct vmm *v = fx_default_session(fx, 0, 0);
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
	struct vmm *v = fx_default_session(fx, 0, 0);
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
	struct vmm *v = fx_default_session(fx, 0, 0);
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

/* ------------------------------------------------------------------ */
/* Requests                                                             */
/* ------------------------------------------------------------------ */

static void test_get_names(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	char want[64], got[80];
	struct vmm_gpio_res res;
	uint32_t len = sim_names(8, want, sizeof(want));

	assert_int_equal(len, 48);
	memset(got, 0x77, sizeof(got));
	OK(vmm_gpio_get_names(v, got, len, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 1 + len);
	assert_memory_equal(got, want, len);

	/* A larger buffer: still exactly 1 + names size used. */
	memset(got, 0x77, sizeof(got));
	OK(vmm_gpio_get_names(v, got, len + 16, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 1 + len);
	assert_memory_equal(got, want, len);

	/* A buffer one byte short: returned unused. */
	memset(got, 0x77, sizeof(got));
	OK(vmm_gpio_get_names(v, got, len - 1, &res));
	assert_int_equal(res.used_len, 0);
	assert_int_equal(res.status, 0xee);
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

static void test_get_names_16(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 2);
	char want[128], got[128];
	struct vmm_gpio_res res;
	uint32_t len = sim_names(16, want, sizeof(want));

	OK(vmm_gpio_get_names(v, got, len, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 1 + len);
	assert_memory_equal(got, want, len);
}

static void test_direction_and_value(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	uint8_t d0 = get_direction(v, 2);
	unsigned int i;

	/* Undriven input reads 0, every line. */
	for (i = 0; i < 8; i++)
		REQ_OK(v, GET_VAL, i, 0, 0);
	REQ_OK(v, GET_DIR, 2, 0, d0);
	REQ_OK(v, SET_DIR, 2, DIR_IN, 0);
	REQ_OK(v, GET_DIR, 2, 0, DIR_IN);
	REQ_OK(v, GET_VAL, 2, 0, 0);
	REQ_OK(v, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(v, GET_DIR, 2, 0, DIR_OUT);
	REQ_OK(v, GET_VAL, 2, 0, 0);
	REQ_OK(v, SET_VAL, 2, 1, 0);
	REQ_OK(v, GET_VAL, 2, 0, 1);
	REQ_OK(v, SET_VAL, 2, 0, 0);
	REQ_OK(v, GET_VAL, 2, 0, 0);
	REQ_OK(v, SET_VAL, 2, 1, 0);
	/* Back to input: reads the input level again. */
	REQ_OK(v, SET_DIR, 2, DIR_IN, 0);
	REQ_OK(v, GET_DIR, 2, 0, DIR_IN);
	REQ_OK(v, GET_VAL, 2, 0, 0);
	/* Other lines untouched. */
	REQ_OK(v, GET_DIR, 3, 0, d0);
	REQ_OK(v, GET_VAL, 3, 0, 0);
	/* Last line works. */
	REQ_OK(v, SET_DIR, 7, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 7, 1, 0);
	REQ_OK(v, GET_VAL, 7, 0, 1);
}

static void test_set_value_before_output(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	/* What Linux's direction_output does: value first, then OUT. */
	REQ_OK(v, SET_VAL, 3, 1, 0);
	REQ_OK(v, GET_VAL, 3, 0, 0); /* still an input at level 0 */
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 3, 0, 1);
	/* The same after the line was an input. */
	REQ_OK(v, SET_DIR, 4, DIR_IN, 0);
	REQ_OK(v, SET_VAL, 4, 1, 0);
	REQ_OK(v, GET_VAL, 4, 0, 0);
	REQ_OK(v, SET_DIR, 4, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 4, 0, 1);
}

static void test_direction_none_discards(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	REQ_OK(v, SET_VAL, 5, 1, 0);
	REQ_OK(v, SET_DIR, 5, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 5, 0, 1);
	REQ_OK(v, SET_DIR, 5, DIR_NONE, 0);
	REQ_OK(v, GET_DIR, 5, 0, DIR_NONE);
	REQ_OK(v, SET_DIR, 5, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 5, 0, 0);

	/* A pending value is discarded by NONE too. */
	REQ_OK(v, SET_VAL, 6, 1, 0);
	REQ_OK(v, SET_DIR, 6, DIR_NONE, 0);
	REQ_OK(v, SET_DIR, 6, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 6, 0, 0);
}

static void test_bad_requests(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	static const uint16_t types[] = {GET_DIR, SET_DIR, GET_VAL, SET_VAL,
					 VIRTIO_GPIO_MSG_IRQ_TYPE};
	static const uint16_t bad_lines[] = {8, 9, 0x7fff, 0xffff};
	unsigned int i, j;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (j = 0; j < sizeof(bad_lines) / sizeof(bad_lines[0]); j++)
			REQ_ERR(v, types[i], bad_lines[j],
				types[i] == SET_DIR ? DIR_IN : 0);
	/* Unknown types. */
	REQ_ERR(v, 0, 0, 0);
	REQ_ERR(v, 7, 0, 0);
	REQ_ERR(v, 0x100, 0, 0);
	REQ_ERR(v, 0xffff, 0, 0);
	/* Bad direction and value. */
	REQ_ERR(v, SET_DIR, 1, 3);
	REQ_ERR(v, SET_DIR, 1, 0x101);
	REQ_ERR(v, SET_DIR, 1, 0xffffffff);
	REQ_ERR(v, SET_VAL, 1, 2);
	REQ_ERR(v, SET_VAL, 1, 0x100);
	REQ_ERR(v, SET_VAL, 1, 0xffffffff);
	/* Bad IRQ_TYPE values (and IRQ_TYPE without F_IRQ: test_irq.c). */
	REQ_ERR(v, VIRTIO_GPIO_MSG_IRQ_TYPE, 1, 5);
	REQ_ERR(v, VIRTIO_GPIO_MSG_IRQ_TYPE, 1, 0xffffffff);
	/* Failed requests changed nothing. */
	REQ_OK(v, GET_DIR, 1, 0, get_direction(v, 0));
	REQ_OK(v, GET_VAL, 1, 0, 0);
	REQ_OK(v, SET_DIR, 1, DIR_OUT, 0);
	REQ_ERR(v, SET_VAL, 1, 2);
	REQ_OK(v, GET_VAL, 1, 0, 0);
	REQ_ERR(v, SET_DIR, 1, 3);
	REQ_OK(v, GET_DIR, 1, 0, DIR_OUT);
}

/*
 * Builds a chain from pieces: request bytes @req split into @rsplit pieces
 * (sizes), response buffer split into @wsplit pieces.  Each piece has
 * 16 guard bytes (0xa5) on both sides.  Returns the response pieces'
 * pointers for reading back.
 */
struct split_chain {
	unsigned int nout, nin;
	struct vmm_sg out[16], in[16];
	uint8_t *inp[16];
	uint8_t *guards[64];
	unsigned int nguards;
};

static uint8_t *alloc_guarded(struct vmm *v, struct split_chain *c,
			      uint32_t len, uint64_t *gpa)
{
	uint8_t *p;

	OK(vmm_mem_alloc(v, len + 32, 16, gpa, (void **)&p));
	memset(p, 0xa5, 16);
	memset(p + 16 + len, 0xa5, 16);
	c->guards[c->nguards++] = p;
	c->guards[c->nguards++] = p + 16 + len;
	*gpa += 16;
	return p + 16;
}

static void check_guards(const struct split_chain *c)
{
	unsigned int i, k;

	for (i = 0; i < c->nguards; i++)
		for (k = 0; k < 16; k++)
			if (c->guards[i][k] != 0xa5)
				fail_msg("guard byte %u of guard %u written "
					 "(0x%02x)",
					 k, i, c->guards[i][k]);
}

static void build_split(struct vmm *v, struct split_chain *c, const void *req,
			const uint32_t *rsplit, unsigned int nr,
			const uint32_t *wsplit, unsigned int nw)
{
	const uint8_t *src = req;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < nr; i++) {
		uint8_t *p = alloc_guarded(v, c, rsplit[i], &c->out[i].gpa);

		memcpy(p, src, rsplit[i]);
		src += rsplit[i];
		c->out[i].len = rsplit[i];
	}
	for (i = 0; i < nw; i++) {
		c->inp[i] = alloc_guarded(v, c, wsplit[i], &c->in[i].gpa);
		memset(c->inp[i], 0xee, wsplit[i]);
		c->in[i].len = wsplit[i];
	}
	c->nout = nr;
	c->nin = nw;
}

static uint32_t run_chain(struct vmm *v, struct split_chain *c,
			  enum vmm_chain_mode mode)
{
	struct vmm_used u;
	uint16_t head;

	OK(vmm_queue_add(v, 0, c->out, c->nout, c->in, c->nin, mode, &head));
	EXPECT_RET(vmm_queue_kick(v, 0), 1);
	OK(vmm_queue_wait_used(v, 0, -1));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.id, head);
	check_guards(c);
	return u.len;
}

static void split_requests(struct fx *fx, bool indirect)
{
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct virtio_gpio_request rq;
	struct split_chain c;
	enum vmm_chain_mode mode =
		indirect ? VMM_CHAIN_INDIRECT : VMM_CHAIN_DIRECT;
	static const uint32_t r35[] = {3, 5}, w11[] = {1, 1};
	static const uint32_t r1[] = {1, 1, 1, 1, 1, 1, 1, 1};
	static const uint32_t r44[] = {4, 4}, w2[] = {2}, r8[] = {8};
	static const uint32_t w1big[] = {1, 10}, r16[] = {16};
	char names[64];
	uint32_t nlen = sim_names(8, names, sizeof(names));
	uint32_t wn[] = {1, 10, nlen - 10};
	uint64_t mark;

	vmm_negotiate_options_init(&no);
	no.queue.indirect = true;
	no.queue.indirect_max = 16;
	fx_session(fx, v, 0, &no);
	mark = vmm_mem_mark(v);

	/* SET_DIRECTION OUT on line 3, request 3+5, response 1+1. */
	rq = (struct virtio_gpio_request){htole16(SET_DIR), htole16(3),
					  htole32(DIR_OUT)};
	build_split(v, &c, &rq, r35, 2, w11, 2);
	assert_int_equal(run_chain(v, &c, mode), 2);
	assert_int_equal(c.inp[0][0], VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(c.inp[1][0], 0);
	vmm_mem_release(v, mark);

	/* SET_VALUE 1 in eight one-byte pieces. */
	rq = (struct virtio_gpio_request){htole16(SET_VAL), htole16(3),
					  htole32(1)};
	build_split(v, &c, &rq, r1, 8, w11, 2);
	assert_int_equal(run_chain(v, &c, mode), 2);
	assert_int_equal(c.inp[0][0], VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(c.inp[1][0], 0);
	vmm_mem_release(v, mark);

	/* GET_VALUE 4+4 -> 1. */
	rq = (struct virtio_gpio_request){htole16(GET_VAL), htole16(3), 0};
	build_split(v, &c, &rq, r44, 2, w2, 1);
	assert_int_equal(run_chain(v, &c, mode), 2);
	assert_int_equal(c.inp[0][0], VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(c.inp[0][1], 1);
	vmm_mem_release(v, mark);

	/* A 16-byte request buffer (extra bytes ignored), response 1+10. */
	{
		uint8_t big[16];

		memset(big, 0x5c, sizeof(big));
		memcpy(big, &rq, sizeof(rq));
		build_split(v, &c, big, r16, 1, w1big, 2);
		assert_int_equal(run_chain(v, &c, mode), 2);
		assert_int_equal(c.inp[0][0], VIRTIO_GPIO_STATUS_OK);
		assert_int_equal(c.inp[1][0], 1);
		/* Bytes after the 2-byte response untouched. */
		for (unsigned int k = 1; k < 10; k++)
			assert_int_equal(c.inp[1][k], 0xee);
		vmm_mem_release(v, mark);
	}

	/* GET_NAMES with the response in three pieces. */
	rq = (struct virtio_gpio_request){htole16(VIRTIO_GPIO_MSG_GET_NAMES), 0,
					  0};
	build_split(v, &c, &rq, r8, 1, wn, 3);
	assert_int_equal(run_chain(v, &c, mode), 1 + nlen);
	assert_int_equal(c.inp[0][0], VIRTIO_GPIO_STATUS_OK);
	assert_memory_equal(c.inp[1], names, 10);
	assert_memory_equal(c.inp[2], names + 10, nlen - 10);
	vmm_mem_release(v, mark);
}

static void test_split_buffers(void **state)
{
	split_requests(*state, false);
}

static void test_split_buffers_indirect(void **state)
{
	split_requests(*state, true);
}

/* A request buffer that straddles two GPA-contiguous regions. */
static void test_buffer_straddles_regions(void **state)
{
	struct fx *fx = *state;
	struct vmm_options o;
	struct vmm *v;
	struct vmm_vu_region r0;
	struct virtio_gpio_request rq = {htole16(SET_VAL), htole16(2),
					 htole32(1)};
	struct vmm_sg out, in;
	struct vmm_used u;
	uint8_t *p;
	uint16_t head;
	unsigned int k;

	vmm_options_init(&o);
	o.nregions = 2;
	v = fx_vmm(fx, 0, &o);
	fx_session(fx, v, 0, NULL);
	REQ_OK(v, SET_DIR, 2, DIR_OUT, 0);
	OK(vmm_region(v, 0, &r0));
	/* 3 bytes at the end of region 0, 5 at the start of region 1. */
	out.gpa = r0.gpa + r0.size - 3;
	out.len = 8;
	for (k = 0; k < 8; k++) {
		p = vmm_gpa_to_ptr(v, out.gpa + k, 1);
		assert_non_null(p);
		*p = ((uint8_t *)&rq)[k];
	}
	/* The response in region 0, just before the request. */
	in.gpa = r0.gpa + r0.size - 16;
	in.len = 2;
	p = vmm_gpa_to_ptr(v, in.gpa, 2);
	memset(p, 0xee, 2);
	OK(vmm_queue_add(v, 0, &out, 1, &in, 1, VMM_CHAIN_DIRECT, &head));
	EXPECT_RET(vmm_queue_kick(v, 0), 1);
	OK(vmm_queue_wait_used(v, 0, -1));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.len, 2);
	assert_int_equal(p[0], VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(p[1], 0);
	REQ_OK(v, GET_VAL, 2, 0, 1);

	/* A 2-byte response straddling the boundary. */
	{
		struct virtio_gpio_request g = {htole16(GET_VAL), htole16(2),
						0};
		struct vmm_sg o2, i2 = {r0.gpa + r0.size - 1, 2};
		uint8_t *a = vmm_gpa_to_ptr(v, i2.gpa, 1);
		uint8_t *b = vmm_gpa_to_ptr(v, i2.gpa + 1, 1);
		uint8_t *rqp;

		OK(vmm_mem_alloc(v, 8, 8, &o2.gpa, (void **)&rqp));
		o2.len = 8;
		memcpy(rqp, &g, 8);
		*a = *b = 0xee;
		OK(vmm_queue_add(v, 0, &o2, 1, &i2, 1, VMM_CHAIN_DIRECT,
				 &head));
		EXPECT_RET(vmm_queue_kick(v, 0), 1);
		OK(vmm_queue_wait_used(v, 0, -1));
		EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
		assert_int_equal(u.len, 2);
		assert_int_equal(*a, VIRTIO_GPIO_STATUS_OK);
		assert_int_equal(*b, 1);
	}
}

/* Requests whose buffers sit in each of 8 regions with GPA gaps. */
static void test_eight_regions(void **state)
{
	struct fx *fx = *state;
	struct vmm_options o;
	struct vmm *v;
	unsigned int r;

	vmm_options_init(&o);
	o.nregions = 8;
	o.gpa_gap = 0x40000;
	o.file_offset = 0x3000;
	o.gpa_base = 0x80000000ull;
	v = fx_vmm(fx, 0, &o);
	fx_session(fx, v, 0, NULL);
	REQ_OK(v, SET_DIR, 1, DIR_OUT, 0);
	for (r = 0; r < 8; r++) {
		struct vmm_vu_region reg;
		uint64_t gpa;

		OK(vmm_region(v, r, &reg));
		/* Move the allocator into region r (it never straddles). */
		do
			OK(vmm_mem_alloc(v, 4096, 8, &gpa, NULL));
		while (gpa < reg.gpa);
		/* The request and response land right after, in region r. */
		REQ_OK(v, SET_VAL, 1, r & 1, 0);
		REQ_OK(v, GET_VAL, 1, 0, r & 1);
	}
}

/* ------------------------------------------------------------------ */
/* Queue sizes, wrap-around, EVENT_IDX, indirect                        */
/* ------------------------------------------------------------------ */

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

static void queue_size_run(struct fx *fx, unsigned int size,
			   unsigned int rounds)
{
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);

	vmm_negotiate_options_init(&no);
	no.queue.size = size;
	/* A one-entry ring only takes one-descriptor (indirect) chains. */
	no.queue.indirect = size == 1;
	fx_session(fx, v, 0, &no);
	/* Direct chains take 2 descriptors: a full ring is size / 2. */
	mixed_rounds(v, size == 1 ? 1 : size / 2, rounds, size);
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

static void test_queue_size_2(void **state)
{
	queue_size_run(*state, 2, 50);
}

static void test_queue_size_256(void **state)
{
	queue_size_run(*state, 256, 10);
}

static void test_queue_size_1024(void **state)
{
	queue_size_run(*state, 1024, 5);
}

/* 5 full batches of 16384 chains: the 16-bit indexes wrap. */
static void test_queue_size_32768(void **state)
{
	queue_size_run(*state, 32768, 5);
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
	struct vmm *v = fx_default_session(fx, 0, 0);

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
	struct vmm *v = fx_default_session(fx, 0, 0);
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

static void no_interrupt_run(struct fx *fx, bool notify_on_empty)
{
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_used u;

	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VMM_F_EVENT_IDX);
	if (notify_on_empty)
		no.features |= VMM_BIT(VMM_F_NOTIFY_ON_EMPTY);
	fx_session(fx, v, 0, &no);
	REQ_OK(v, GET_VAL, 0, 0, 0);
	settle_calls(v);
	vmm_queue_set_no_interrupt(v, 0, true);
	OK(add_get_value(v, 0));
	wait_used_idx(v, vmm_queue_last_used(v, 0) + 1);
	if (notify_on_empty) {
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

static void test_no_interrupt_flag(void **state)
{
	no_interrupt_run(*state, false);
}

static void test_notify_on_empty(void **state)
{
	no_interrupt_run(*state, true);
}

static void test_indirect(void **state)
{
	struct fx *fx = *state;
	struct vmm_negotiate_options no;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	char names[64], got[64];
	struct vmm_gpio_res r;
	uint32_t len = sim_names(8, names, sizeof(names));

	vmm_negotiate_options_init(&no);
	no.queue.indirect = true;
	fx_session(fx, v, 0, &no);
	assert_true(vmm_acked_features(v) & VMM_BIT(VMM_F_INDIRECT_DESC));
	/* Full rings of indirect chains (one descriptor each). */
	mixed_rounds(v, 256, 5, 256);
	OK(vmm_gpio_get_names(v, got, len, &r));
	assert_int_equal(r.used_len, 1 + len);
	assert_memory_equal(got, names, len);
}

/* ------------------------------------------------------------------ */
/* Ring stop/start, reset                                               */
/* ------------------------------------------------------------------ */

static void test_get_vring_base_stops_ring(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
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
	struct vmm *v = fx_default_session(fx, 0, 0);
	uint8_t d0 = get_direction(v, 1);

	REQ_OK(v, SET_DIR, 1, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 1, 1, 0);
	REQ_OK(v, SET_VAL, 2, 1, 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_reset_device(v));
	restart_queue(v);
	REQ_OK(v, GET_DIR, 1, 0, d0);
	REQ_OK(v, GET_VAL, 1, 0, 0);
	REQ_OK(v, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 2, 0, 0);
}

static void test_mem_table_replaced_live(void **state)
{
	struct fx *fx = *state;
	struct vmm_options o;
	struct vmm *v;
	unsigned int i;

	vmm_options_init(&o);
	o.nregions = 2;
	v = fx_vmm(fx, 0, &o);
	fx_session(fx, v, 0, NULL);
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

/* ------------------------------------------------------------------ */
/* Hostile messages                                                     */
/* ------------------------------------------------------------------ */

/*
 * Sends one hostile message on a fresh connection (after GET_FEATURES,
 * GET/SET_PROTOCOL_FEATURES) and expects the daemon to close it.
 */
static void expect_close(struct fx *fx, const char *what, uint32_t request,
			 uint32_t flags, const void *payload, uint32_t size,
			 const int *fds, unsigned int nfds)
{
	struct vmm *v = fx_vmm(fx, 0, NULL);
	uint32_t got = 0;
	uint64_t pf;
	int ret;

	fx_connect(fx, v, 0);
	OK(vmm_get_protocol_features(v, &pf));
	OK(vmm_set_protocol_features(v, pf));
	OK(vmm_send(v, request, flags, payload, size, fds, nfds));
	ret = vmm_wait_closed(v, 2000 * g_scale, &got);
	if (ret == -EPROTO)
		fail_msg("%s: expected the connection closed, got a reply "
			 "(request %u)",
			 what, got);
	if (ret)
		fail_msg("%s: expected the connection closed, got %d (%s)",
			 what, ret, strerror(-ret));
	if (!daemon_alive(&fx->d))
		fail_msg("%s: daemon died", what);
}

static const struct {
	uint32_t request;
	uint32_t size;
	unsigned int nfds;
	const char *name;
} fixed_size[] = {
	{VMM_VU_GET_FEATURES, 0, 0, "GET_FEATURES"},
	{VMM_VU_SET_FEATURES, 8, 0, "SET_FEATURES"},
	{VMM_VU_SET_OWNER, 0, 0, "SET_OWNER"},
	{VMM_VU_RESET_OWNER, 0, 0, "RESET_OWNER"},
	{VMM_VU_SET_VRING_NUM, 8, 0, "SET_VRING_NUM"},
	{VMM_VU_SET_VRING_ADDR, 40, 0, "SET_VRING_ADDR"},
	{VMM_VU_SET_VRING_BASE, 8, 0, "SET_VRING_BASE"},
	{VMM_VU_GET_VRING_BASE, 8, 0, "GET_VRING_BASE"},
	{VMM_VU_SET_VRING_KICK, 8, 1, "SET_VRING_KICK"},
	{VMM_VU_SET_VRING_CALL, 8, 1, "SET_VRING_CALL"},
	{VMM_VU_SET_VRING_ERR, 8, 1, "SET_VRING_ERR"},
	{VMM_VU_GET_PROTOCOL_FEATURES, 0, 0, "GET_PROTOCOL_FEATURES"},
	{VMM_VU_SET_PROTOCOL_FEATURES, 8, 0, "SET_PROTOCOL_FEATURES"},
	{VMM_VU_GET_QUEUE_NUM, 0, 0, "GET_QUEUE_NUM"},
	{VMM_VU_SET_VRING_ENABLE, 8, 0, "SET_VRING_ENABLE"},
	{VMM_VU_GET_MAX_MEM_SLOTS, 0, 0, "GET_MAX_MEM_SLOTS"},
	{VMM_VU_ADD_MEM_REG, 40, 1, "ADD_MEM_REG"},
	{VMM_VU_REM_MEM_REG, 40, 0, "REM_MEM_REG"},
	{VMM_VU_RESET_DEVICE, 0, 0, "RESET_DEVICE"},
	{VMM_VU_SET_STATUS, 8, 0, "SET_STATUS"},
	{VMM_VU_GET_STATUS, 0, 0, "GET_STATUS"},
};

static void test_hostile_wrong_sizes(void **state)
{
	struct fx *fx = *state;
	uint8_t payload[64];
	unsigned int i, k;
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds = proc_fd_count(fx->d.pid);

	assert_true(efd >= 0);
	memset(payload, 0, sizeof(payload));
	for (i = 0; i < sizeof(fixed_size) / sizeof(fixed_size[0]); i++) {
		int sizes[3] = {(int)fixed_size[i].size - 1,
				(int)fixed_size[i].size + 1,
				(int)fixed_size[i].size + 8};

		for (k = 0; k < 3; k++) {
			char what[96];
			int fds[1] = {efd};

			if (sizes[k] < 0)
				continue;
			snprintf(what, sizeof(what), "%s with %d payload bytes",
				 fixed_size[i].name, sizes[k]);
			expect_close(fx, what, fixed_size[i].request,
				     VMM_VU_VERSION | VMM_VU_FLAG_NEED_REPLY,
				     payload, (uint32_t)sizes[k], fds,
				     fixed_size[i].nfds);
		}
	}
	close(efd);
	/* Bad header versions. */
	{
		static const uint32_t bad_flags[] = {0, 2, 3,
						     VMM_VU_FLAG_NEED_REPLY};

		for (i = 0; i < 4; i++) {
			char what[64];

			snprintf(what, sizeof(what),
				 "GET_FEATURES with flags 0x%x", bad_flags[i]);
			expect_close(fx, what, VMM_VU_GET_FEATURES,
				     bad_flags[i], NULL, 0, NULL, 0);
		}
	}
	fx_vmm_free(fx, 0);
	{
		int n = wait_fd_count(fx->d.pid, base_fds, 2000 * g_scale);

		if (n != base_fds)
			fail_msg("daemon fd count %d after the hostile "
				 "connections, %d before",
				 n, base_fds);
	}
	fresh_session_works(fx, 0);
}

static void test_hostile_fd_counts(void **state)
{
	struct fx *fx = *state;
	int efd[20], i, base_fds;
	uint64_t kick0 = 0, kick0_nofd = VMM_VU_VRING_NOFD, feat = 0;
	struct vmm_vu_mem_table mt;
	struct vmm_vu_single_region sr = {0};
	struct vmm *tmp;

	base_fds = proc_fd_count(fx->d.pid);
	for (i = 0; i < 20; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		assert_true(efd[i] >= 0);
	}
	OK(vmm_new(NULL, &tmp));
	memset(&mt, 0, sizeof(mt));
	mt.nregions = 2;
	OK(vmm_region(tmp, 0, &mt.regions[0]));
	mt.regions[1] = mt.regions[0];
	mt.regions[1].gpa += 0x10000000;
	mt.regions[1].uva += 0x10000000;
	OK(vmm_region(tmp, 0, &sr.region));

	expect_close(fx, "SET_VRING_KICK with 2 fds", VMM_VU_SET_VRING_KICK,
		     VMM_VU_VERSION, &kick0, 8, efd, 2);
	expect_close(fx, "SET_VRING_KICK with no fd and no NOFD flag",
		     VMM_VU_SET_VRING_KICK, VMM_VU_VERSION, &kick0, 8, NULL, 0);
	expect_close(fx, "SET_VRING_KICK with NOFD flag and an fd",
		     VMM_VU_SET_VRING_KICK, VMM_VU_VERSION, &kick0_nofd, 8, efd,
		     1);
	expect_close(fx, "SET_VRING_CALL with 20 fds", VMM_VU_SET_VRING_CALL,
		     VMM_VU_VERSION, &kick0, 8, efd, 20);
	expect_close(fx, "SET_FEATURES with an fd", VMM_VU_SET_FEATURES,
		     VMM_VU_VERSION, &feat, 8, efd, 1);
	expect_close(fx, "GET_FEATURES with an fd", VMM_VU_GET_FEATURES,
		     VMM_VU_VERSION, NULL, 0, efd, 1);
	expect_close(fx, "SET_OWNER with 3 fds", VMM_VU_SET_OWNER,
		     VMM_VU_VERSION, NULL, 0, efd, 3);
	{
		int mfd[3] = {vmm_mem_fd(tmp), vmm_mem_fd(tmp),
			      vmm_mem_fd(tmp)};

		expect_close(fx, "SET_MEM_TABLE 2 regions, 1 fd",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 64,
			     mfd, 1);
		mt.nregions = 1;
		expect_close(fx, "SET_MEM_TABLE 1 region, 2 fds",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 32,
			     mfd, 2);
		expect_close(fx, "SET_MEM_TABLE 1 region, 0 fds",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 32,
			     NULL, 0);
		expect_close(fx, "ADD_MEM_REG with 0 fds", VMM_VU_ADD_MEM_REG,
			     VMM_VU_VERSION, &sr, sizeof(sr), NULL, 0);
		expect_close(fx, "ADD_MEM_REG with 2 fds", VMM_VU_ADD_MEM_REG,
			     VMM_VU_VERSION, &sr, sizeof(sr), mfd, 2);
	}
	vmm_free(tmp);
	for (i = 0; i < 20; i++)
		close(efd[i]);
	fx_vmm_free(fx, 0);
	i = wait_fd_count(fx->d.pid, base_fds, 2000 * g_scale);
	if (i != base_fds)
		fail_msg("daemon fd count %d after messages with wrong fds, "
			 "%d before (received fds leaked?)",
			 i, base_fds);
	fresh_session_works(fx, 0);
}

/* Sends a SET_MEM_TABLE claiming @nregions with @size bytes and @nfds. */
static int send_mem_table(struct vmm *v, uint32_t nregions, uint32_t size,
			  unsigned int nfds, bool need_reply)
{
	uint8_t buf[8 + 32 * 12];
	struct vmm_vu_region r;
	int fds[12];
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &nregions, 4);
	OK(vmm_region(v, 0, &r));
	for (i = 0; i < 12; i++) {
		struct vmm_vu_region ri = r;

		ri.gpa += i * 0x10000000ull;
		ri.uva += i * 0x10000000ull;
		memcpy(buf + 8 + 32 * i, &ri, 32);
		fds[i] = vmm_mem_fd(v);
	}
	return vmm_send(v, VMM_VU_SET_MEM_TABLE,
			VMM_VU_VERSION |
				(need_reply ? VMM_VU_FLAG_NEED_REPLY : 0),
			buf, size, fds, nfds);
}

/* Either closes the connection or answers a non-zero ack. */
static void expect_refused_or_closed(struct vmm *v, uint32_t request,
				     const char *what)
{
	struct vmm_vu_msg m;
	int ret = vmm_recv(v, &m, NULL, NULL);

	if (ret == -ECONNRESET) {
		vmm_disconnect(v);
		return;
	}
	if (ret)
		fail_msg("%s: no reply and no close: %d (%s)", what, ret,
			 strerror(-ret));
	if (m.hdr.request != request || m.hdr.size != 8)
		fail_msg("%s: odd reply (request %u, size %u)", what,
			 m.hdr.request, m.hdr.size);
	if (m.payload.u64 == 0)
		fail_msg("%s: accepted (ack 0)", what);
}

static void test_hostile_mem_table(void **state)
{
	struct fx *fx = *state;
	struct vmm *v;
	uint64_t pf;
	int base_fds = proc_fd_count(fx->d.pid);
	static const struct {
		uint32_t nregions, size;
		unsigned int nfds;
		const char *what;
	} cases[] = {
		{9, 8 + 32 * 9, 9, "nregions 9"},
		{12, 8 + 32 * 12, 12, "nregions 12"},
		{0x80000000u, 8 + 32 * 8, 8, "nregions 2^31"},
		{1, 8 + 32 * 2, 1, "nregions 1 with 2 regions of payload"},
		{2, 8 + 32 * 1, 2, "nregions 2 with 1 region of payload"},
		{1, 8 + 32 + 1, 1, "one byte too many"},
		{1, 8 + 31, 1, "one byte short"},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = fx_vmm(fx, 0, NULL);
		fx_connect(fx, v, 0);
		OK(vmm_get_protocol_features(v, &pf));
		OK(vmm_set_protocol_features(v, pf));
		OK(send_mem_table(v, cases[i].nregions, cases[i].size,
				  cases[i].nfds, true));
		expect_refused_or_closed(v, VMM_VU_SET_MEM_TABLE,
					 cases[i].what);
		assert_true(daemon_alive(&fx->d));
	}
	fx_vmm_free(fx, 0);
	i = (unsigned int)wait_fd_count(fx->d.pid, base_fds, 2000 * g_scale);
	if ((int)i != base_fds)
		fail_msg("daemon fd count %u after bad mem tables, %d before",
			 i, base_fds);
	fresh_session_works(fx, 0);
}

/* Well-formed region descriptions with bad content: refused, session kept. */
static void test_hostile_mem_regions(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	struct vmm_vu_region good;
	struct vmm_vu_single_region sr;
	int fd = vmm_mem_fd(v);
	struct {
		const char *what;
		uint64_t gpa, size, uva, off;
	} cases[6];
	unsigned int i;

	OK(vmm_region(v, 0, &good));
	cases[0] = (typeof(cases[0])){"size 0", 0x40000000, 0, 0x7000000000, 0};
	cases[1] = (typeof(cases[0])){"gpa + size overflows",
				      0xfffffffffffff000ull, 0x2000,
				      0x7000000000, 0};
	cases[2] = (typeof(cases[0])){"uva + size overflows", 0x40000000,
				      0x2000, 0xfffffffffffff000ull, 0};
	cases[3] =
		(typeof(cases[0])){"mmap offset + size overflows", 0x40000000,
				   0x2000, 0x7000000000, 0xfffffffffffff000ull};
	cases[4] = (typeof(cases[0])){"overlaps region 0 in GPA", good.gpa,
				      0x1000, 0x7000000000, 0};
	cases[5] = (typeof(cases[0])){"overlaps region 0 in UVA", 0x40000000,
				      0x1000, good.uva, 0};
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < 6; i++) {
		int ret;

		sr.padding = 0;
		sr.region.gpa = cases[i].gpa;
		sr.region.size = cases[i].size;
		sr.region.uva = cases[i].uva;
		sr.region.mmap_offset = cases[i].off;
		ret = vmm_request(v, VMM_VU_ADD_MEM_REG, &sr, sizeof(sr), &fd,
				  1, true);
		if (ret != -EREMOTEIO)
			fail_msg("ADD_MEM_REG %s: expected a refusal, got %d "
				 "(%s)",
				 cases[i].what, ret, strerror(-ret));
		REQ_OK(v, GET_VAL, 0, 0, 0);
	}
}

/* A region bigger than its memfd: the daemon must not die of SIGBUS. */
static void test_hostile_region_beyond_eof(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	struct vmm_vu_region good;
	struct vmm_vu_single_region sr = {0};
	struct virtio_gpio_request *rq;
	struct vmm_ring_view rv;
	uint64_t rq_gpa;
	int fd = vmm_mem_fd(v), ret;

	OK(vmm_region(v, 0, &good));
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	sr.region.gpa = 0x40000000;
	sr.region.size = 0x100000;
	sr.region.uva = 0x7000000000ull;
	sr.region.mmap_offset = good.mmap_offset + good.size; /* past EOF */
	ret = vmm_request(v, VMM_VU_ADD_MEM_REG, &sr, sizeof(sr), &fd, 1, true);
	if (ret == -EREMOTEIO) {
		REQ_OK(v, GET_VAL, 0, 0, 0);
		return; /* refused up front: fine */
	}
	OK(ret);
	/* Accepted: point a request's response into it. */
	OK(vmm_mem_alloc(v, 8, 8, &rq_gpa, (void **)&rq));
	rq->type = htole16(GET_VAL);
	OK(vmm_queue_view(v, 0, &rv));
	rv.desc[0] =
		(struct vring_desc){htole64(rq_gpa), htole32(8),
				    htole16(VRING_DESC_F_NEXT), htole16(1)};
	rv.desc[1] = (struct vring_desc){htole64(0x40000000), htole32(2),
					 htole16(VRING_DESC_F_WRITE), 0};
	OK(vmm_queue_publish(v, 0, 0));
	OK(vmm_queue_kick_force(v, 0));
	sleep_ms(quiet_ms(300));
	if (!daemon_alive(&fx->d))
		fail_msg("daemon died after using a region beyond the end of "
			 "its memfd");
	vmm_disconnect(v);
	fresh_session_works(fx, 0);
}

static void test_hostile_bad_queue_index(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	static const uint32_t bad[] = {2, 3, 255, 256, 0xffffffff};
	struct vmm_vu_vring_addr addr = {0};
	uint64_t f;
	unsigned int i;
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds;

	assert_true(efd >= 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	/* A round trip: the set-up's last messages are all handled. */
	OK(vmm_get_features(v, &f));
	base_fds = proc_fd_count(fx->d.pid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_RET(vmm_set_vring_num(v, bad[i], 256), -EREMOTEIO);
		EXPECT_RET(vmm_set_vring_base(v, bad[i], 0), -EREMOTEIO);
		EXPECT_RET(vmm_set_vring_enable(v, bad[i], true), -EREMOTEIO);
		addr.index = bad[i];
		EXPECT_RET(vmm_set_vring_addr(v, &addr), -EREMOTEIO);
		if (bad[i] <= 255) {
			/* u64 index field: bits 0-7 only. */
			EXPECT_RET(vmm_set_vring_kick(v, bad[i], efd),
				   -EREMOTEIO);
			EXPECT_RET(vmm_set_vring_call(v, bad[i], efd),
				   -EREMOTEIO);
			EXPECT_RET(vmm_set_vring_err(v, bad[i], efd),
				   -EREMOTEIO);
		}
		OK(vmm_get_features(v, &f));
	}
	close(efd);
	i = (unsigned int)wait_fd_count(fx->d.pid, base_fds, 2000 * g_scale);
	if ((int)i != base_fds)
		fail_msg("daemon fd count %u after refused KICK/CALL/ERR, %d "
			 "before (fds of refused messages leaked?)",
			 i, base_fds);
	/* The eventq index (1) is fine even though never configured. */
	OK(vmm_set_vring_enable(v, 1, true));
	REQ_OK(v, GET_VAL, 0, 0, 0);

	/* GET_VRING_BASE of a bad index: refused somehow, daemon alive. */
	{
		struct vmm_vu_vring_state st = {255, 0};
		struct vmm_vu_msg m;
		int ret = vmm_call(v, VMM_VU_GET_VRING_BASE, VMM_VU_VERSION,
				   &st, sizeof(st), &m);

		if (ret != 0 && ret != -ECONNRESET)
			fail_msg("GET_VRING_BASE(255): %d (%s)", ret,
				 strerror(-ret));
		vmm_disconnect(v);
	}
	/* Without NEED_REPLY a refusal closes the connection. */
	{
		struct vmm_vu_vring_state st = {255, 256};

		expect_close(fx, "SET_VRING_NUM(255) without NEED_REPLY",
			     VMM_VU_SET_VRING_NUM, VMM_VU_VERSION, &st,
			     sizeof(st), NULL, 0);
	}
	fresh_session_works(fx, 0);
}

static void test_hostile_vring_num(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	static const uint32_t bad[] = {0,     3,     6,	    100,
				       32769, 65535, 65536, 0xffffffff};
	unsigned int i;

	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vmm_set_vring_num(v, 1, bad[i]);

		if (ret != -EREMOTEIO)
			fail_msg("SET_VRING_NUM %u: expected refusal, got %d "
				 "(%s)",
				 bad[i], ret, strerror(-ret));
	}
	OK(vmm_set_vring_num(v, 1, 1));
	OK(vmm_set_vring_num(v, 1, 32768));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	{
		struct vmm_vu_vring_state st = {1, 3};

		expect_close(fx, "SET_VRING_NUM 3 without NEED_REPLY",
			     VMM_VU_SET_VRING_NUM, VMM_VU_VERSION, &st,
			     sizeof(st), NULL, 0);
	}
	fresh_session_works(fx, 0);
}

static void test_hostile_vring_addr(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;
	struct vmm_ring_view rv;
	struct vmm_vu_region r;
	struct vmm_vu_vring_addr a;
	uint64_t end;
	unsigned int i;
	struct {
		const char *what;
		int which; /* 0 desc, 1 used, 2 avail */
		uint64_t uva;
	} cases[6];

	vmm_negotiate_options_init(&no);
	no.nqueues = 2;
	fx_session(fx, v, 0, &no);
	OK(vmm_queue_view(v, 1, &rv));
	OK(vmm_region(v, 0, &r));
	end = r.uva + r.size;
	cases[0] = (typeof(cases[0])){"desc at 0x1000", 0, 0x1000};
	cases[1] = (typeof(cases[0])){"desc running past the end", 0, end - 16};
	cases[2] = (typeof(cases[0])){"used past the end", 1, end + 4096};
	cases[3] = (typeof(cases[0])){"used running past the end", 1, end - 8};
	cases[4] = (typeof(cases[0])){"avail at ~0", 2, ~0ull - 3};
	cases[5] = (typeof(cases[0])){"avail running past the end", 2, end - 4};
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < 6; i++) {
		int ret;

		a = (struct vmm_vu_vring_addr){
			1, 0, rv.desc_uva, rv.used_uva, rv.avail_uva, 0};
		if (cases[i].which == 0)
			a.desc_uva = cases[i].uva;
		else if (cases[i].which == 1)
			a.used_uva = cases[i].uva;
		else
			a.avail_uva = cases[i].uva;
		ret = vmm_set_vring_addr(v, &a);
		if (ret != -EREMOTEIO)
			fail_msg("SET_VRING_ADDR %s: expected a refusal, got "
				 "%d (%s)",
				 cases[i].what, ret, strerror(-ret));
		REQ_OK(v, GET_VAL, 0, 0, 0);
	}
}

/*
 * QEMU started without a shared memory backend shares no region at all:
 * the first ring address then fails, and the log must say what to change
 * rather than only "not in guest memory".
 */
static void test_no_shared_memory_is_explained(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_vu_vring_addr a = {0, 0, 0x10000, 0x12000, 0x11000, 0};
	uint64_t features;
	int ret;

	fx_connect(fx, v, 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_set_owner(v));
	OK(vmm_get_features(v, &features));
	OK(vmm_set_features(v, features));
	OK(vmm_get_protocol_features(v, &features));
	OK(vmm_set_protocol_features(v, features));
	OK(vmm_set_vring_num(v, 0, 256));
	ret = vmm_set_vring_addr(v, &a);
	if (ret != -EREMOTEIO)
		fail_msg("SET_VRING_ADDR without memory: expected a refusal, "
			 "got %d (%s)",
			 ret, strerror(-ret));
	if (!daemon_log_wait(&fx->d, "shared no guest memory",
			     2000 * g_scale)) {
		print_log(&fx->d, "no hint about shared memory");
		fail_msg("the log does not explain the empty memory table");
	}
	assert_true(daemon_log_wait(&fx->d, "share=on", 0));
	fx_vmm_free(fx, 0);
	fresh_session_works(fx, 0);
}

static void test_hostile_unknown_request(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	uint64_t payload = 0x1234, f;
	uint32_t got = 0;

	vmm_set_ack_mode(v, VMM_ACK_ALL);
	EXPECT_RET(vmm_request(v, 999, NULL, 0, NULL, 0, true), -EREMOTEIO);
	EXPECT_RET(vmm_request(v, 999, &payload, 8, NULL, 0, true), -EREMOTEIO);
	EXPECT_RET(vmm_request(v, 0, NULL, 0, NULL, 0, true), -EREMOTEIO);
	/* Without NEED_REPLY: ignored, nothing sent back, session kept. */
	OK(vmm_send(v, 999, VMM_VU_VERSION, &payload, 8, NULL, 0));
	OK(vmm_send(v, 0x7fffffff, VMM_VU_VERSION, NULL, 0, NULL, 0));
	EXPECT_RET(vmm_wait_closed(v, quiet_ms(200), &got), -ETIMEDOUT);
	OK(vmm_get_features(v, &f));
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

static void test_hostile_huge_payload(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_vu_hdr h = {VMM_VU_SET_FEATURES, VMM_VU_VERSION,
			       0xffffffffu};
	uint8_t junk[4096];
	int ret;

	fx_connect(fx, v, 0);
	OK(vmm_send_bytes(v, &h, sizeof(h), NULL, 0));
	memset(junk, 0, sizeof(junk));
	/* The daemon may close before we finish: ignore send errors. */
	(void)vmm_send_bytes(v, junk, sizeof(junk), NULL, 0);
	ret = vmm_wait_closed(v, 2000 * g_scale, NULL);
	if (ret)
		fail_msg("4 GiB payload header: expected a close, got %d (%s)",
			 ret, strerror(-ret));
	/* The same for an unknown request type. */
	fx_connect(fx, v, 0);
	h.request = 999;
	OK(vmm_send_bytes(v, &h, sizeof(h), NULL, 0));
	(void)vmm_send_bytes(v, junk, sizeof(junk), NULL, 0);
	ret = vmm_wait_closed(v, 2000 * g_scale, NULL);
	if (ret)
		fail_msg("unknown request with 4 GiB payload: expected a "
			 "close, got %d (%s)",
			 ret, strerror(-ret));
	/* And a 64 KiB one. */
	fx_connect(fx, v, 0);
	h.request = VMM_VU_SET_MEM_TABLE;
	h.size = 0x10000;
	OK(vmm_send_bytes(v, &h, sizeof(h), NULL, 0));
	for (int k = 0; k < 16; k++)
		(void)vmm_send_bytes(v, junk, sizeof(junk), NULL, 0);
	ret = vmm_wait_closed(v, 2000 * g_scale, NULL);
	if (ret)
		fail_msg("SET_MEM_TABLE with 64 KiB payload: expected a close, "
			 "got %d (%s)",
			 ret, strerror(-ret));
	fresh_session_works(fx, 0);
}

static void test_hostile_truncated(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_vu_hdr h = {VMM_VU_SET_FEATURES, VMM_VU_VERSION, 8};
	uint8_t partial[16];
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds = proc_fd_count(fx->d.pid);
	int n;

	/* Half a header, then close. */
	fx_connect(fx, v, 0);
	OK(vmm_send_bytes(v, &h, 6, NULL, 0));
	vmm_disconnect(v);
	/* A header and half its payload, then close. */
	fx_connect(fx, v, 0);
	memcpy(partial, &h, sizeof(h));
	memset(partial + sizeof(h), 0, 4);
	OK(vmm_send_bytes(v, partial, sizeof(h) + 4, NULL, 0));
	vmm_disconnect(v);
	/* Half a header carrying an fd, then close. */
	fx_connect(fx, v, 0);
	h.request = VMM_VU_SET_VRING_CALL;
	OK(vmm_send_bytes(v, &h, 5, &efd, 1));
	vmm_disconnect(v);
	/* One byte, then close. */
	fx_connect(fx, v, 0);
	OK(vmm_send_bytes(v, &h, 1, NULL, 0));
	vmm_disconnect(v);
	/* Connect and close at once. */
	fx_connect(fx, v, 0);
	vmm_disconnect(v);
	close(efd);
	n = wait_fd_count(fx->d.pid, base_fds, 2000 * g_scale);
	if (n != base_fds)
		fail_msg("daemon fd count %d after truncated messages, %d "
			 "before",
			 n, base_fds);
	fresh_session_works(fx, 0);
}

/* ------------------------------------------------------------------ */
/* Hostile descriptors                                                  */
/* ------------------------------------------------------------------ */

enum hd_case {
	HD_HEAD_OOR,
	HD_HEAD_FFFF,
	HD_NEXT_LOOP,
	HD_SELF_LOOP,
	HD_ZERO_LEN_LOOP,
	HD_NEXT_OOR,
	HD_ADDR_BEYOND,
	HD_ADDR_ZERO,
	HD_ADDR_WRAP,
	HD_ADDR_STRADDLE_END,
	HD_RESP_OUTSIDE,
	HD_RESP_STRADDLE_START,
	HD_HUGE_LEN,
	HD_WRITE_BEFORE_READ,
	HD_IND_LEN0,
	HD_IND_LEN15,
	HD_IND_LEN_HUGE,
	HD_IND_OUTSIDE,
	HD_IND_NESTED,
	HD_IND_NEXT_OOR,
	HD_IND_LOOP,
	HD_IND_WRITE_BEFORE_READ,
	HD_AVAIL_JUMP,
	HD_TOO_MANY_SEGS,
	HD_LONG_CHAIN_NUM,
	/* Short buffers: returned with used len 0, queue keeps working. */
	HD_RESP_1BYTE,
	HD_REQ_4BYTES,
	HD_NO_RESP,
	HD_NO_REQ,
	HD_ZERO_LEN_RESP,
};

static const char *const hd_names[] = {
	"head >= num",
	"head 0xffff",
	"next loop 0->1->0",
	"self loop",
	"loop of zero-length descriptors",
	"next >= num",
	"address beyond memory",
	"address 0",
	"address wraps 2^64",
	"request straddles the end of memory",
	"response outside memory",
	"response straddles the start of memory",
	"length 0xffffffff",
	"writable before readable",
	"indirect table of length 0",
	"indirect table of length 15",
	"indirect table of length 0xfffffff0",
	"indirect table outside memory",
	"nested indirect",
	"indirect next >= table size",
	"indirect loop",
	"indirect writable before readable",
	"avail idx jumps by num + 1",
	"chain of 40 segments",
	"chain longer than the ring",
	"1-byte response",
	"4-byte request",
	"no response buffer",
	"no request buffer",
	"zero-length response",
};

struct hd_ctx {
	struct vmm *v;
	struct vmm_ring_view rv;
	struct vmm_vu_region reg;
	uint64_t mem_end;
	uint64_t req_gpa, resp_gpa, tbl_gpa;
	uint8_t *resp;
	struct vring_desc *tbl;
	uint8_t *mem, *snap;
};

static void desc_set(struct vring_desc *d, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

/*
 * Writes the hostile chain for @c.  Returns true when it is a "short
 * buffer" case that the library queued itself (normal bookkeeping).
 */
static bool hd_build(struct hd_ctx *x, enum hd_case c)
{
	struct vring_desc *d = x->rv.desc;
	const uint16_t R = 0, W = VRING_DESC_F_WRITE, N = VRING_DESC_F_NEXT,
		       I = VRING_DESC_F_INDIRECT;
	unsigned int num = x->rv.num, i;
	uint16_t head = 0;

	switch (c) {
	case HD_HEAD_OOR:
		head = (uint16_t)num;
		break;
	case HD_HEAD_FFFF:
		head = 0xffff;
		break;
	case HD_NEXT_LOOP:
		desc_set(&d[0], x->req_gpa, 8, R | N, 1);
		desc_set(&d[1], x->req_gpa, 8, R | N, 0);
		break;
	case HD_SELF_LOOP:
		desc_set(&d[0], x->req_gpa, 8, R | N, 0);
		break;
	case HD_ZERO_LEN_LOOP:
		desc_set(&d[0], x->req_gpa, 0, R | N, 1);
		desc_set(&d[1], x->req_gpa, 0, R | N, 0);
		break;
	case HD_NEXT_OOR:
		desc_set(&d[0], x->req_gpa, 8, R | N, (uint16_t)num);
		break;
	case HD_ADDR_BEYOND:
		desc_set(&d[0], x->mem_end + 0x1000, 8, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		break;
	case HD_ADDR_ZERO:
		desc_set(&d[0], 0, 8, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		break;
	case HD_ADDR_WRAP:
		desc_set(&d[0], ~0ull - 3, 8, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		break;
	case HD_ADDR_STRADDLE_END:
		desc_set(&d[0], x->mem_end - 4, 8, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		break;
	case HD_RESP_OUTSIDE:
		desc_set(&d[0], x->req_gpa, 8, R | N, 1);
		desc_set(&d[1], x->mem_end + 0x100000, 2, W, 0);
		break;
	case HD_RESP_STRADDLE_START:
		desc_set(&d[0], x->req_gpa, 8, R | N, 1);
		desc_set(&d[1], x->reg.gpa - 1, 2, W, 0);
		break;
	case HD_HUGE_LEN:
		desc_set(&d[0], x->req_gpa, 0xffffffffu, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		break;
	case HD_WRITE_BEFORE_READ:
		desc_set(&d[0], x->resp_gpa, 2, W | N, 1);
		desc_set(&d[1], x->req_gpa, 8, R, 0);
		break;
	case HD_IND_LEN0:
		desc_set(&d[0], x->tbl_gpa, 0, I, 0);
		break;
	case HD_IND_LEN15:
		desc_set(&x->tbl[0], x->req_gpa, 8, R | N, 1);
		desc_set(&x->tbl[1], x->resp_gpa, 2, W, 0);
		desc_set(&d[0], x->tbl_gpa, 15, I, 0);
		break;
	case HD_IND_LEN_HUGE:
		desc_set(&x->tbl[0], x->req_gpa, 8, R | N, 1);
		desc_set(&x->tbl[1], x->resp_gpa, 2, W, 0);
		desc_set(&d[0], x->tbl_gpa, 0xfffffff0u, I, 0);
		break;
	case HD_IND_OUTSIDE:
		desc_set(&d[0], x->mem_end + 0x1000, 32, I, 0);
		break;
	case HD_IND_NESTED:
		desc_set(&x->tbl[0], x->tbl_gpa + 64, 32, I, 0);
		desc_set(&x->tbl[4], x->req_gpa, 8, R | N, 1);
		desc_set(&x->tbl[5], x->resp_gpa, 2, W, 0);
		desc_set(&d[0], x->tbl_gpa, 16, I, 0);
		break;
	case HD_IND_NEXT_OOR:
		desc_set(&x->tbl[0], x->req_gpa, 8, R | N, 5);
		desc_set(&x->tbl[1], x->resp_gpa, 2, W, 0);
		desc_set(&d[0], x->tbl_gpa, 32, I, 0);
		break;
	case HD_IND_LOOP:
		desc_set(&x->tbl[0], x->req_gpa, 8, R | N, 1);
		desc_set(&x->tbl[1], x->req_gpa, 8, R | N, 0);
		desc_set(&d[0], x->tbl_gpa, 32, I, 0);
		break;
	case HD_IND_WRITE_BEFORE_READ:
		desc_set(&x->tbl[0], x->resp_gpa, 2, W | N, 1);
		desc_set(&x->tbl[1], x->req_gpa, 8, R, 0);
		desc_set(&d[0], x->tbl_gpa, 32, I, 0);
		break;
	case HD_AVAIL_JUMP:
		desc_set(&d[0], x->req_gpa, 8, R | N, 1);
		desc_set(&d[1], x->resp_gpa, 2, W, 0);
		for (i = 0; i < num; i++)
			x->rv.avail->ring[i] = 0;
		__atomic_store_n(&x->rv.avail->idx,
				 htole16((uint16_t)(le16toh(x->rv.avail->idx) +
						    num + 1)),
				 __ATOMIC_RELEASE);
		return false;
	case HD_TOO_MANY_SEGS:
		/* 8 one-byte request pieces, 32 one-byte response pieces. */
		for (i = 0; i < 40; i++) {
			if (i < 8)
				desc_set(&d[i], x->req_gpa + i, 1, R | N,
					 (uint16_t)(i + 1));
			else
				desc_set(&d[i], x->resp_gpa + (i - 8) % 2, 1,
					 W | (i < 39 ? N : 0),
					 (uint16_t)(i + 1));
		}
		break;
	case HD_LONG_CHAIN_NUM:
		/* Every descriptor chained to the next, the last to 0. */
		for (i = 0; i < num; i++)
			desc_set(&d[i], x->req_gpa, 1, R | N,
				 (uint16_t)((i + 1) % num));
		break;
	default: {
		/* Short buffers through the normal driver path. */
		struct vmm_sg out = {x->req_gpa, 8}, in = {x->resp_gpa, 2};
		unsigned int nout = 1, nin = 1;

		if (c == HD_RESP_1BYTE)
			in.len = 1;
		else if (c == HD_REQ_4BYTES)
			out.len = 4;
		else if (c == HD_NO_RESP)
			nin = 0;
		else if (c == HD_NO_REQ)
			nout = 0;
		else if (c == HD_ZERO_LEN_RESP)
			in.len = 0;
		OK(vmm_queue_add(x->v, 0, &out, nout, &in, nin,
				 VMM_CHAIN_DIRECT, NULL));
		return true;
	}
	}
	OK(vmm_queue_publish(x->v, 0, head));
	return false;
}

/*
 * Compares guest memory with the snapshot, outside the used ring (and the
 * response buffer when @resp_ok).
 */
static void hd_check_memory(struct hd_ctx *x, const char *what, bool resp_ok)
{
	uint64_t used_off = x->rv.used_gpa - x->reg.gpa;
	uint64_t used_len = 6 + 8ull * x->rv.num;
	uint64_t resp_off = x->resp_gpa - x->reg.gpa;
	uint64_t i;

	for (i = 0; i < x->reg.size; i++) {
		if (i >= used_off && i < used_off + used_len)
			continue;
		if (resp_ok && i >= resp_off && i < resp_off + 2)
			continue;
		if (x->mem[i] != x->snap[i])
			fail_msg("%s: guest memory at GPA 0x%llx changed "
				 "(0x%02x -> 0x%02x) outside the used ring",
				 what, (unsigned long long)(x->reg.gpa + i),
				 x->snap[i], x->mem[i]);
	}
}

static void run_hostile_desc(void **state, enum hd_case c)
{
	struct fx *fx = *state;
	const char *what = hd_names[c];
	struct hd_ctx x = {0};
	struct vmm_used u;
	uint64_t mark;
	uint16_t used0;
	bool shortbuf;
	void *p;

	x.v = fx_default_session(fx, 0, 0);
	REQ_OK(x.v, SET_DIR, 1, DIR_OUT, 0);
	OK(vmm_queue_view(x.v, 0, &x.rv));
	OK(vmm_region(x.v, 0, &x.reg));
	x.mem_end = x.reg.gpa + x.reg.size;
	x.mem = vmm_gpa_to_ptr(x.v, x.reg.gpa, x.reg.size);
	assert_non_null(x.mem);

	/*
	 * Request, response and a table, each between 64 guard bytes
	 * (0xa5); everything after them gets a 0x5a pattern, so that a
	 * stray write of any value shows in the snapshot comparison.
	 */
	OK(vmm_mem_alloc(x.v, 64, 64, NULL, &p));
	memset(p, 0xa5, 64);
	OK(vmm_mem_alloc(x.v, 8, 8, &x.req_gpa, &p));
	{
		struct virtio_gpio_request rq = {htole16(SET_VAL), htole16(1),
						 htole32(1)};

		memcpy(p, &rq, 8);
	}
	OK(vmm_mem_alloc(x.v, 64, 64, NULL, &p));
	memset(p, 0xa5, 64);
	OK(vmm_mem_alloc(x.v, 2, 2, &x.resp_gpa, (void **)&x.resp));
	memset(x.resp, 0xee, 2);
	OK(vmm_mem_alloc(x.v, 64, 64, NULL, &p));
	memset(p, 0xa5, 64);
	OK(vmm_mem_alloc(x.v, 16 * 8, 16, &x.tbl_gpa, (void **)&x.tbl));
	OK(vmm_mem_alloc(x.v, 64, 64, NULL, &p));
	memset(p, 0xa5, 64);
	mark = vmm_mem_mark(x.v);
	memset(x.mem + mark, 0x5a, x.reg.size - mark);
	x.snap = malloc(x.reg.size);
	assert_non_null(x.snap);

	used0 = vmm_queue_device_used_idx(x.v, 0);
	shortbuf = hd_build(&x, c);
	memcpy(x.snap, x.mem, x.reg.size);
	(void)vmm_queue_kick_force(x.v, 0);

	if (shortbuf) {
		int ret = vmm_queue_wait_used(x.v, 0, -1);

		if (ret) {
			free(x.snap);
			fail_msg("%s: chain not returned: %d (%s)", what, ret,
				 strerror(-ret));
		}
		/* Compare before popping: the pop writes used_event. */
		hd_check_memory(&x, what, false);
		free(x.snap);
		EXPECT_RET(vmm_queue_pop_used(x.v, 0, &u), 1);
		if (u.len != 0)
			fail_msg("%s: used len %u, expected 0", what, u.len);
		/* The queue still works. */
		REQ_OK(x.v, GET_VAL, 1, 0, 0);
		REQ_OK(x.v, SET_VAL, 1, 1, 0);
		REQ_OK(x.v, GET_VAL, 1, 0, 1);
	} else {
		sleep_ms(quiet_ms(200));
		if (!daemon_alive(&fx->d)) {
			free(x.snap);
			fail_msg("%s: daemon died", what);
		}
		hd_check_memory(&x, what, c == HD_TOO_MANY_SEGS);
		free(x.snap);
		/* The line was not driven by a rejected chain. */
		if (c != HD_TOO_MANY_SEGS &&
		    vmm_queue_device_used_idx(x.v, 0) != used0)
			fail_msg("%s: the device returned a used entry for "
				 "a malformed chain",
				 what);
		/* The broken queue serves nothing more. */
		if (c != HD_TOO_MANY_SEGS) {
			struct vring_desc *d = x.rv.desc;

			desc_set(&d[100], x.req_gpa, 8, VRING_DESC_F_NEXT, 101);
			desc_set(&d[101], x.resp_gpa, 2, VRING_DESC_F_WRITE, 0);
			if (c == HD_AVAIL_JUMP)
				x.rv.avail->ring[le16toh(x.rv.avail->idx) &
						 (x.rv.num - 1)] = htole16(100);
			OK(vmm_queue_publish(x.v, 0, 100));
			OK(vmm_queue_kick_force(x.v, 0));
			sleep_ms(quiet_ms(200));
			if (vmm_queue_device_used_idx(x.v, 0) != used0)
				fail_msg("%s: a broken queue kept serving",
					 what);
		}
	}
	assert_true(daemon_alive(&fx->d));
	/* Reconnect: a fresh device. */
	vmm_disconnect(x.v);
	fx_session(fx, x.v, 0, NULL);
	REQ_OK(x.v, GET_VAL, 1, 0, 0);
	REQ_OK(x.v, SET_DIR, 1, DIR_OUT, 0);
	REQ_OK(x.v, SET_VAL, 1, 1, 0);
	REQ_OK(x.v, GET_VAL, 1, 0, 1);
}

#define HD_TEST(name)                               \
	static void test_desc_##name(void **state)  \
	{                                           \
		run_hostile_desc(state, HD_##name); \
	}

HD_TEST(HEAD_OOR)
HD_TEST(HEAD_FFFF)
HD_TEST(NEXT_LOOP)
HD_TEST(SELF_LOOP)
HD_TEST(ZERO_LEN_LOOP)
HD_TEST(NEXT_OOR)
HD_TEST(ADDR_BEYOND)
HD_TEST(ADDR_ZERO)
HD_TEST(ADDR_WRAP)
HD_TEST(ADDR_STRADDLE_END)
HD_TEST(RESP_OUTSIDE)
HD_TEST(RESP_STRADDLE_START)
HD_TEST(HUGE_LEN)
HD_TEST(WRITE_BEFORE_READ)
HD_TEST(IND_LEN0)
HD_TEST(IND_LEN15)
HD_TEST(IND_LEN_HUGE)
HD_TEST(IND_OUTSIDE)
HD_TEST(IND_NESTED)
HD_TEST(IND_NEXT_OOR)
HD_TEST(IND_LOOP)
HD_TEST(IND_WRITE_BEFORE_READ)
HD_TEST(AVAIL_JUMP)
HD_TEST(TOO_MANY_SEGS)
HD_TEST(LONG_CHAIN_NUM)
HD_TEST(RESP_1BYTE)
HD_TEST(REQ_4BYTES)
HD_TEST(NO_RESP)
HD_TEST(NO_REQ)
HD_TEST(ZERO_LEN_RESP)

/* ------------------------------------------------------------------ */
/* Several sockets, one VMM at a time, reconnects                       */
/* ------------------------------------------------------------------ */

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
	REQ_OK(b, SET_DIR, 2, DIR_OUT, 0);
	REQ_OK(b, GET_VAL, 2, 0, 0);
}

static void test_state_reset_on_reconnect(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	uint8_t d0 = get_direction(v, 5);

	REQ_OK(v, SET_DIR, 5, DIR_OUT, 0);
	REQ_OK(v, SET_VAL, 5, 1, 0);
	REQ_OK(v, GET_VAL, 5, 0, 1);
	REQ_OK(v, SET_VAL, 6, 1, 0); /* pending, never applied */
	vmm_disconnect(v);

	fx_session(fx, v, 0, NULL);
	REQ_OK(v, GET_DIR, 5, 0, d0);
	REQ_OK(v, GET_VAL, 5, 0, 0);
	REQ_OK(v, SET_DIR, 6, DIR_OUT, 0);
	REQ_OK(v, GET_VAL, 6, 0, 0);
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
	if (rss1 > rss0 + slack)
		fail_msg("daemon VmRSS grew from %ld to %ld kB over %d "
			 "reconnects (allowed +%ld kB)",
			 rss0, rss1, cycles, slack);
	fresh_session_works(fx, 0);
}

/* ------------------------------------------------------------------ */
/* Process life                                                         */
/* ------------------------------------------------------------------ */

static void test_sigterm_with_active_session(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx_default_session(fx, 0, 0);
	struct vmm *b = fx_default_session(fx, 1, 2);

	REQ_OK(a, SET_DIR, 1, DIR_OUT, 0);
	OK(add_get_value(b, 0)); /* one in flight */
	fx_stop_daemon(fx);
	assert_int_equal(dir_entries(fx->d.dir), 0);
	EXPECT_RET(vmm_wait_closed(a, 1000, NULL), 0);
}

struct cmdline_case {
	const char *what;
	const char *args[8]; /* "%s" is replaced by the socket base path */
	int want_status;     /* -1: any non-zero */
	bool one_line;
};

static const struct cmdline_case cmdline_cases[] = {
	{"count mismatch",
	 {"--socket-path=%s", "-c", "2", "-l", "s8"},
	 2,
	 true},
	{"count mismatch (long)",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s4:s8"},
	 2,
	 true},
	{"s0",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s0"},
	 2,
	 true},
	{"s65536",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s65536"},
	 2,
	 true},
	{"duplicate host chips",
	 {"--socket-path=%s", "--socket-count=2", "--device-list=1:1"},
	 2,
	 true},
	{"x",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=x"},
	 2,
	 true},
	{"empty list",
	 {"--socket-path=%s", "--socket-count=1", "--device-list="},
	 2,
	 true},
	{"empty entry",
	 {"--socket-path=%s", "--socket-count=2", "--device-list=s8:"},
	 2,
	 true},
	{"count 0",
	 {"--socket-path=%s", "--socket-count=0", "--device-list=s8"},
	 2,
	 true},
	{"count not a number",
	 {"--socket-path=%s", "--socket-count=one", "--device-list=s8"},
	 2,
	 true},
	{"missing --socket-path",
	 {"--socket-count=1", "--device-list=s8"},
	 2,
	 true},
	{"missing --device-list",
	 {"--socket-path=%s", "--socket-count=1"},
	 2,
	 true},
	{"no arguments", {NULL}, 2, true},
	{"unknown option",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--bogus"},
	 2,
	 true},
	{"stray argument",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8", "extra"},
	 2,
	 true},
	{"--socket-mode not octal",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-mode=0999"},
	 2,
	 true},
	{"--socket-mode beyond 0777",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-mode=4660"},
	 2,
	 true},
	{"--socket-group unknown",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-group=no-such-group-vdg"},
	 2,
	 true},
	{"host chip that does not exist",
	 {"--socket-path=%s", "--socket-count=1", "--device-list=99"},
	 -1,
	 false},
	{"socket directory that does not exist",
	 {"--socket-path=%s/no/such/dir/sock", "--socket-count=1",
	  "--device-list=s8"},
	 -1,
	 false},
};

static void test_bad_command_lines(void **state)
{
	struct fx *fx = *state;
	unsigned int i;

	/* Each case's files are removed at its end, the last by teardown. */
	for (i = 0; i < sizeof(cmdline_cases) / sizeof(cmdline_cases[0]); i++) {
		const struct cmdline_case *cc = &cmdline_cases[i];
		char bufs[8][256], first[1024], how[32];
		const char *args[9];
		int lines, status, files;

		if (i)
			daemon_remove_files(&fx->d);
		daemon_prepare(&fx->d);
		args_expand(cc->args, fx->d.base, bufs, args, 8);
		lines = daemon_run(&fx->d, args, NULL, NULL, 5000 * g_scale,
				   first, sizeof(first));
		if (lines == -ETIMEDOUT)
			fail_msg("%s: the daemon did not exit", cc->what);
		status = fx->d.status;
		files = dir_entries(fx->d.dir);
		if (!WIFEXITED(status) ||
		    (cc->want_status >= 0 &&
		     WEXITSTATUS(status) != cc->want_status) ||
		    (cc->want_status < 0 && WEXITSTATUS(status) == 0)) {
			print_log(&fx->d, cc->what);
			fail_msg("%s: %s, expected status %d", cc->what,
				 status_text(status, how, sizeof(how)),
				 cc->want_status);
		}
		if (WEXITSTATUS(status) == 99)
			print_log(&fx->d, "wrapper error");
		if (files != 0)
			fail_msg("%s: %d files left in the socket directory",
				 cc->what, files);
		if (cc->one_line && lines != 1) {
			print_log(&fx->d, cc->what);
			fail_msg("%s: %d lines on stderr, expected 1", cc->what,
				 lines);
		}
		if (lines < 1)
			fail_msg("%s: nothing on stderr", cc->what);
		print_message("# %s: exit %d: %s", cc->what,
			      WEXITSTATUS(status), first);
	}
}

static void expect_socket_file(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != mode ||
	    st.st_gid != gid)
		fail_msg("%s: mode %o group %u, expected a socket, mode %o "
			 "group %u",
			 path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_gid, (unsigned int)mode,
			 (unsigned int)gid);
}

/*
 * --socket-mode and --socket-group reach every socket file, the .sim
 * control sockets too, and leave nothing else in the directory; the
 * system-call filter is on by default.
 */
static void test_socket_permissions(void **state)
{
	struct fx *fx = *state;
	char a_path[192], a_group[64], path[192];
	const char *args[] = {a_path,  "-c",	"2",
			      "-l",    "s4:s8", "--socket-mode=0660",
			      a_group, NULL};
	gid_t gid = getegid();
	unsigned int i;
	int mode;

	daemon_prepare(&fx->d);
	fx->d.count = 2;
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", fx->d.base);
	snprintf(a_group, sizeof(a_group), "--socket-group=%u",
		 (unsigned int)gid);
	daemon_spawn_wait(&fx->d, args);
	fx->have_daemon = true;
	for (i = 0; i < 2; i++) {
		daemon_sock(&fx->d, i, path, sizeof(path));
		expect_socket_file(path, 0660, gid);
		/* The .sim socket comes right after its device socket. */
		daemon_sim_sock(&fx->d, i, path, sizeof(path));
		while (access(path, F_OK) < 0 && daemon_alive(&fx->d))
			sleep_ms(2);
		expect_socket_file(path, 0660, gid);
	}
	assert_int_equal(dir_entries(fx->d.dir), 4);
	fresh_session_works(fx, 1);
	/* On by default, unless the daemon said why not (a sanitizer build). */
	mode = proc_status(fx->d.pid, "Seccomp");
	if (!getenv("VDG_DAEMON_WRAPPER") && mode != 2 &&
	    daemon_log_count(&fx->d, "no system-call filter") < 1)
		fail_msg("daemon Seccomp: %d, expected 2 (filter)", mode);
}

/* Without options: owner only; --no-seccomp: no filter. */
static void test_socket_default_mode_no_seccomp(void **state)
{
	struct fx *fx = *state;
	char a_path[192], path[192];
	const char *args[] = {a_path, "-c",	      "1", "-l",
			      "s4",   "--no-seccomp", NULL};

	daemon_prepare(&fx->d);
	fx->d.count = 1;
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", fx->d.base);
	daemon_spawn_wait(&fx->d, args);
	fx->have_daemon = true;
	daemon_sock(&fx->d, 0, path, sizeof(path));
	expect_socket_file(path, 0600, getegid());
	fresh_session_works(fx, 0);
	if (!getenv("VDG_DAEMON_WRAPPER"))
		assert_int_equal(proc_status(fx->d.pid, "Seccomp"), 0);
}

/* ------------------------------------------------------------------ */

#define T(f)  cmocka_unit_test_setup_teardown(f, setup_s8, teardown)
#define TM(f) cmocka_unit_test_setup_teardown(f, setup_multi, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_none, teardown)
#define TD(n) T(test_desc_##n)

static const struct CMUnitTest tests[] = {
	/* negotiation */
	T(test_negotiate_like_qemu),
	T(test_negotiate_add_mem_reg),
	T(test_negotiate_ack_every_message),
	T(test_negotiate_without_protocol_features_bit),
	T(test_enable_after_kick),
	/* config */
	T(test_config),
	TM(test_config_multi_sizes),
	T(test_set_config_refused),
	T(test_status),
	T(test_need_reply_acks),
	/* requests */
	T(test_get_names),
	TM(test_get_names_16),
	T(test_direction_and_value),
	T(test_set_value_before_output),
	T(test_direction_none_discards),
	T(test_bad_requests),
	T(test_split_buffers),
	T(test_split_buffers_indirect),
	T(test_buffer_straddles_regions),
	T(test_eight_regions),
	/* rings */
	T(test_queue_size_1),
	T(test_queue_size_2),
	T(test_queue_size_256),
	T(test_queue_size_1024),
	T(test_queue_size_32768),
	T(test_queue_sizes_all_powers),
	T(test_index_wrap),
	T(test_no_event_idx),
	T(test_event_idx_suppression),
	T(test_no_interrupt_flag),
	T(test_notify_on_empty),
	T(test_indirect),
	T(test_get_vring_base_stops_ring),
	T(test_reset_device),
	T(test_mem_table_replaced_live),
	T(test_32_mem_slots),
	/* hostile messages */
	T(test_hostile_wrong_sizes),
	T(test_hostile_fd_counts),
	T(test_hostile_mem_table),
	T(test_hostile_mem_regions),
	T(test_hostile_region_beyond_eof),
	T(test_hostile_bad_queue_index),
	T(test_hostile_vring_num),
	T(test_hostile_vring_addr),
	T(test_no_shared_memory_is_explained),
	T(test_hostile_unknown_request),
	T(test_hostile_huge_payload),
	T(test_hostile_truncated),
	/* hostile descriptors */
	TD(HEAD_OOR),
	TD(HEAD_FFFF),
	TD(NEXT_LOOP),
	TD(SELF_LOOP),
	TD(ZERO_LEN_LOOP),
	TD(NEXT_OOR),
	TD(ADDR_BEYOND),
	TD(ADDR_ZERO),
	TD(ADDR_WRAP),
	TD(ADDR_STRADDLE_END),
	TD(RESP_OUTSIDE),
	TD(RESP_STRADDLE_START),
	TD(HUGE_LEN),
	TD(WRITE_BEFORE_READ),
	TD(IND_LEN0),
	TD(IND_LEN15),
	TD(IND_LEN_HUGE),
	TD(IND_OUTSIDE),
	TD(IND_NESTED),
	TD(IND_NEXT_OOR),
	TD(IND_LOOP),
	TD(IND_WRITE_BEFORE_READ),
	TD(AVAIL_JUMP),
	TD(TOO_MANY_SEGS),
	TD(LONG_CHAIN_NUM),
	TD(RESP_1BYTE),
	TD(REQ_4BYTES),
	TD(NO_RESP),
	TD(NO_REQ),
	TD(ZERO_LEN_RESP),
	/* sockets and sessions */
	TM(test_multi_socket_independent),
	TM(test_one_vmm_at_a_time),
	T(test_state_reset_on_reconnect),
	T(test_reconnect_cycles),
	TM(test_sigterm_with_active_session),
	TN(test_bad_command_lines),
	TN(test_socket_permissions),
	TN(test_socket_default_mode_no_seccomp),
};

FIXTURE_MAIN("DAEMON-BINARY", "daemon", tests)
