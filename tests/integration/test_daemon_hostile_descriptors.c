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

/* Descriptor flags, short. */
#define R 0
#define W VRING_DESC_F_WRITE
#define N VRING_DESC_F_NEXT
#define I VRING_DESC_F_INDIRECT

/* What a descriptor's address is relative to. */
enum hd_base {
	AT_REQ,	  /* the request buffer */
	AT_RESP,  /* the response buffer */
	AT_TABLE, /* the indirect table */
	AT_START, /* the start of guest memory */
	AT_END,	  /* the end of guest memory */
	AT_ZERO,  /* address 0 */
};

/* A next that is the ring size. */
#define NEXT_NUM -1

/* Descriptor @i of the ring or of the indirect table. */
struct hd_desc {
	bool table;
	uint8_t i;
	enum hd_base base;
	uint64_t off; /* added to the base, wrapping */
	uint32_t len;
	uint16_t flags;
	int next;
};

#define RING(i, base, off, len, flags, next)          \
	{                                             \
		false, i, base, off, len, flags, next \
	}
#define TABLE(i, base, off, len, flags, next)        \
	{                                            \
		true, i, base, off, len, flags, next \
	}
/* The request (8 bytes, readable, next: 1), the response (2, writable). */
#define REQ_OF(ring_or_table, i)  ring_or_table(i, AT_REQ, 0, 8, R | N, 1)
#define RESP_OF(ring_or_table, i) ring_or_table(i, AT_RESP, 0, 2, W, 0)

/*
 * A hostile chain: descriptors laid out in the ring and the indirect
 * table, then @head made available (HD_CHAIN); or the avail index jumping,
 * too many segments, a chain longer than the ring; or a short buffer the
 * VMM queues itself (@out_len and @in_len bytes, -1: none).
 */
struct hd_case {
	const char *what;
	enum {
		HD_CHAIN,
		HD_AVAIL_JUMP,
		HD_TOO_MANY_SEGS,
		HD_LONG_CHAIN,
		HD_SHORT
	} kind;
	int head; /* HD_CHAIN: NEXT_NUM for the ring size */
	unsigned int ndesc;
	struct hd_desc desc[4];
	int out_len, in_len; /* HD_SHORT */
};

static const struct hd_case desc_HEAD_OOR = {"head >= num", HD_CHAIN, NEXT_NUM};
static const struct hd_case desc_HEAD_FFFF = {"head 0xffff", HD_CHAIN, 0xffff};
static const struct hd_case desc_NEXT_LOOP = {
	"next loop 0->1->0",
	HD_CHAIN,
	0,
	2,
	{REQ_OF(RING, 0), RING(1, AT_REQ, 0, 8, R | N, 0)}};
static const struct hd_case desc_SELF_LOOP = {
	"self loop", HD_CHAIN, 0, 1, {RING(0, AT_REQ, 0, 8, R | N, 0)}};
static const struct hd_case desc_ZERO_LEN_LOOP = {
	"loop of zero-length descriptors",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_REQ, 0, 0, R | N, 1), RING(1, AT_REQ, 0, 0, R | N, 0)}};
static const struct hd_case desc_NEXT_OOR = {
	"next >= num",
	HD_CHAIN,
	0,
	1,
	{RING(0, AT_REQ, 0, 8, R | N, NEXT_NUM)}};
static const struct hd_case desc_ADDR_BEYOND = {
	"address beyond memory",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_END, 0x1000, 8, R | N, 1), RESP_OF(RING, 1)}};
static const struct hd_case desc_ADDR_ZERO = {
	"address 0",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_ZERO, 0, 8, R | N, 1), RESP_OF(RING, 1)}};
static const struct hd_case desc_ADDR_WRAP = {
	"address wraps 2^64",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_ZERO, ~0ull - 3, 8, R | N, 1), RESP_OF(RING, 1)}};
static const struct hd_case desc_ADDR_STRADDLE_END = {
	"request straddles the end of memory",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_END, -4ull, 8, R | N, 1), RESP_OF(RING, 1)}};
static const struct hd_case desc_RESP_OUTSIDE = {
	"response outside memory",
	HD_CHAIN,
	0,
	2,
	{REQ_OF(RING, 0), RING(1, AT_END, 0x100000, 2, W, 0)}};
static const struct hd_case desc_RESP_STRADDLE_START = {
	"response straddles the start of memory",
	HD_CHAIN,
	0,
	2,
	{REQ_OF(RING, 0), RING(1, AT_START, -1ull, 2, W, 0)}};
static const struct hd_case desc_HUGE_LEN = {
	"length 0xffffffff",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_REQ, 0, 0xffffffffu, R | N, 1), RESP_OF(RING, 1)}};
static const struct hd_case desc_WRITE_BEFORE_READ = {
	"writable before readable",
	HD_CHAIN,
	0,
	2,
	{RING(0, AT_RESP, 0, 2, W | N, 1), RING(1, AT_REQ, 0, 8, R, 0)}};
static const struct hd_case desc_IND_LEN0 = {"indirect table of length 0",
					     HD_CHAIN,
					     0,
					     1,
					     {RING(0, AT_TABLE, 0, 0, I, 0)}};
static const struct hd_case desc_IND_LEN15 = {
	"indirect table of length 15",
	HD_CHAIN,
	0,
	3,
	{REQ_OF(TABLE, 0), RESP_OF(TABLE, 1), RING(0, AT_TABLE, 0, 15, I, 0)}};
static const struct hd_case desc_IND_LEN_HUGE = {
	"indirect table of length 0xfffffff0",
	HD_CHAIN,
	0,
	3,
	{REQ_OF(TABLE, 0), RESP_OF(TABLE, 1),
	 RING(0, AT_TABLE, 0, 0xfffffff0u, I, 0)}};
static const struct hd_case desc_IND_OUTSIDE = {
	"indirect table outside memory",
	HD_CHAIN,
	0,
	1,
	{RING(0, AT_END, 0x1000, 32, I, 0)}};
static const struct hd_case desc_IND_NESTED = {
	"nested indirect",
	HD_CHAIN,
	0,
	4,
	{TABLE(0, AT_TABLE, 64, 32, I, 0), REQ_OF(TABLE, 4), RESP_OF(TABLE, 5),
	 RING(0, AT_TABLE, 0, 16, I, 0)}};
static const struct hd_case desc_IND_NEXT_OOR = {
	"indirect next >= table size",
	HD_CHAIN,
	0,
	3,
	{TABLE(0, AT_REQ, 0, 8, R | N, 5), RESP_OF(TABLE, 1),
	 RING(0, AT_TABLE, 0, 32, I, 0)}};
static const struct hd_case desc_IND_LOOP = {"indirect loop",
					     HD_CHAIN,
					     0,
					     3,
					     {REQ_OF(TABLE, 0),
					      TABLE(1, AT_REQ, 0, 8, R | N, 0),
					      RING(0, AT_TABLE, 0, 32, I, 0)}};
static const struct hd_case desc_IND_WRITE_BEFORE_READ = {
	"indirect writable before readable",
	HD_CHAIN,
	0,
	3,
	{TABLE(0, AT_RESP, 0, 2, W | N, 1), TABLE(1, AT_REQ, 0, 8, R, 0),
	 RING(0, AT_TABLE, 0, 32, I, 0)}};
static const struct hd_case desc_AVAIL_JUMP = {
	"avail idx jumps by num + 1",
	HD_AVAIL_JUMP,
	0,
	2,
	{REQ_OF(RING, 0), RESP_OF(RING, 1)}};
static const struct hd_case desc_TOO_MANY_SEGS = {"chain of 40 segments",
						  HD_TOO_MANY_SEGS};
static const struct hd_case desc_LONG_CHAIN_NUM = {"chain longer than the ring",
						   HD_LONG_CHAIN};
/* Short buffers: returned with used len 0, queue keeps working. */
static const struct hd_case desc_RESP_1BYTE = {"1-byte response", HD_SHORT,
					       .out_len = 8, .in_len = 1};
static const struct hd_case desc_REQ_4BYTES = {"4-byte request", HD_SHORT,
					       .out_len = 4, .in_len = 2};
static const struct hd_case desc_NO_RESP = {"no response buffer", HD_SHORT,
					    .out_len = 8, .in_len = -1};
static const struct hd_case desc_NO_REQ = {"no request buffer", HD_SHORT,
					   .out_len = -1, .in_len = 2};
static const struct hd_case desc_ZERO_LEN_RESP = {
	"zero-length response", HD_SHORT, .out_len = 8, .in_len = 0};

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

/* The address @base stands for. */
static uint64_t hd_base_gpa(const struct hd_ctx *x, enum hd_base base)
{
	const uint64_t gpa[] = {
		[AT_REQ] = x->req_gpa,	 [AT_RESP] = x->resp_gpa,
		[AT_TABLE] = x->tbl_gpa, [AT_START] = x->reg.gpa,
		[AT_END] = x->mem_end,	 [AT_ZERO] = 0,
	};

	return gpa[base];
}

/*
 * Writes the hostile chain of @c.  Returns true when it is a "short
 * buffer" case that the library queued itself (normal bookkeeping).
 */
static bool hd_build(struct hd_ctx *x, const struct hd_case *c)
{
	struct vring_desc *d = x->rv.desc;
	unsigned int num = x->rv.num, i;

	for (i = 0; i < c->ndesc; i++) {
		const struct hd_desc *e = &c->desc[i];

		desc_set(e->table ? &x->tbl[e->i] : &d[e->i],
			 hd_base_gpa(x, e->base) + e->off, e->len, e->flags,
			 e->next == NEXT_NUM ? (uint16_t)num
					     : (uint16_t)e->next);
	}
	switch (c->kind) {
	case HD_CHAIN:
		OK(vmm_queue_publish(x->v, 0,
				     c->head == NEXT_NUM ? (uint16_t)num
							 : (uint16_t)c->head));
		return false;
	case HD_AVAIL_JUMP:
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
	case HD_LONG_CHAIN:
		/* Every descriptor chained to the next, the last to 0. */
		for (i = 0; i < num; i++)
			desc_set(&d[i], x->req_gpa, 1, R | N,
				 (uint16_t)((i + 1) % num));
		break;
	case HD_SHORT: {
		/* Short buffers through the normal driver path. */
		struct vmm_sg out = {x->req_gpa, (uint32_t)c->out_len},
			      in = {x->resp_gpa, (uint32_t)c->in_len};

		OK(vmm_queue_add(x->v, 0, &out, c->out_len >= 0, &in,
				 c->in_len >= 0, VMM_CHAIN_DIRECT, NULL));
		return true;
	}
	}
	OK(vmm_queue_publish(x->v, 0, 0));
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

/* test_desc_HEAD_OOR, ... test_desc_ZERO_LEN_RESP */
static void run_hostile_desc(void **state)
{
	struct fx *fx = *state;
	const struct hd_case *c = fx->param;
	const char *what = c->what;
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
		hd_check_memory(&x, what, c->kind == HD_TOO_MANY_SEGS);
		free(x.snap);
		/* The line was not driven by a rejected chain. */
		if (c->kind != HD_TOO_MANY_SEGS &&
		    vmm_queue_device_used_idx(x.v, 0) != used0)
			fail_msg("%s: the device returned a used entry for "
				 "a malformed chain",
				 what);
		/* The broken queue serves nothing more. */
		if (c->kind != HD_TOO_MANY_SEGS) {
			struct vring_desc *d = x.rv.desc;

			desc_set(&d[100], x.req_gpa, 8, VRING_DESC_F_NEXT, 101);
			desc_set(&d[101], x.resp_gpa, 2, VRING_DESC_F_WRITE, 0);
			if (c->kind == HD_AVAIL_JUMP)
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

#define TD(n) TP(run_hostile_desc, desc_##n)

static const struct CMUnitTest tests[] = {
	TD(HEAD_OOR),	    TD(HEAD_FFFF),
	TD(NEXT_LOOP),	    TD(SELF_LOOP),
	TD(ZERO_LEN_LOOP),  TD(NEXT_OOR),
	TD(ADDR_BEYOND),    TD(ADDR_ZERO),
	TD(ADDR_WRAP),	    TD(ADDR_STRADDLE_END),
	TD(RESP_OUTSIDE),   TD(RESP_STRADDLE_START),
	TD(HUGE_LEN),	    TD(WRITE_BEFORE_READ),
	TD(IND_LEN0),	    TD(IND_LEN15),
	TD(IND_LEN_HUGE),   TD(IND_OUTSIDE),
	TD(IND_NESTED),	    TD(IND_NEXT_OOR),
	TD(IND_LOOP),	    TD(IND_WRITE_BEFORE_READ),
	TD(AVAIL_JUMP),	    TD(TOO_MANY_SEGS),
	TD(LONG_CHAIN_NUM), TD(RESP_1BYTE),
	TD(REQ_4BYTES),	    TD(NO_RESP),
	TD(NO_REQ),	    TD(ZERO_LEN_RESP),
};

const struct fx_tests daemon_hostile_descriptors_tests = FX_TESTS(tests);
