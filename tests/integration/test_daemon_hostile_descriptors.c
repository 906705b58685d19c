// SPDX-License-Identifier: MIT
/*
 * Hostile descriptor chains, one test each: out-of-range heads and links,
 * loops, addresses outside guest memory, bad indirect tables, an avail
 * index that jumps, too many segments, short buffers.  Guest memory outside
 * the used ring (and the response) stays untouched, a malformed chain gets
 * no used entry and breaks its queue, and the next connection gets a fresh
 * device.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "test_daemon.h"

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
	EXPECT_DRIVES_HIGH(x.v, 1);
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

#define TD(n) T(test_desc_##n)

static const struct CMUnitTest tests[] = {
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
};

const struct fx_tests daemon_hostile_descriptors_tests = FX_TESTS(tests);
