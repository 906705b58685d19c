// SPDX-License-Identifier: MIT
/*
 * Every GPIO request, bad ones included, with buffers split into pieces,
 * straddling memory regions, and in each of eight regions.
 */
#include <endian.h>
#include <string.h>

#include "test_daemon.h"

static void test_get_names(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	char want[64], got[80];
	struct vmm_gpio_res res;
	uint32_t len = sim_names(8, want, sizeof(want));

	assert_int_equal(len, 48);
	expect_sim_names(v, 8, 0);
	/* A larger buffer: still exactly 1 + names size used. */
	expect_sim_names(v, 8, 16);

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

	expect_sim_names(fx_default_session(fx, 0, 2), 16, 0);
}

static void test_direction_and_value(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
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
	EXPECT_DRIVES_HIGH(v, 7);
}

static void test_set_value_before_output(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	/* What Linux's direction_output does: value first, then OUT. */
	REQ_OK(v, SET_VAL, 3, 1, 0);
	REQ_OK(v, GET_VAL, 3, 0, 0); /* still an input at level 0 */
	EXPECT_OUTPUT_AT(v, 3, 1);
	/* The same after the line was an input. */
	REQ_OK(v, SET_DIR, 4, DIR_IN, 0);
	REQ_OK(v, SET_VAL, 4, 1, 0);
	REQ_OK(v, GET_VAL, 4, 0, 0);
	EXPECT_OUTPUT_AT(v, 4, 1);
}

static void test_direction_none_discards(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	REQ_OK(v, SET_VAL, 5, 1, 0);
	EXPECT_OUTPUT_AT(v, 5, 1);
	REQ_OK(v, SET_DIR, 5, DIR_NONE, 0);
	REQ_OK(v, GET_DIR, 5, 0, DIR_NONE);
	EXPECT_OUTPUT_AT(v, 5, 0);

	/* A pending value is discarded by NONE too. */
	REQ_OK(v, SET_VAL, 6, 1, 0);
	REQ_OK(v, SET_DIR, 6, DIR_NONE, 0);
	EXPECT_OUTPUT_AT(v, 6, 0);
}

static void test_bad_requests(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
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
	EXPECT_KICK(v, 0);
	OK(vmm_queue_wait_used(v, 0, -1));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.id, head);
	check_guards(c);
	return u.len;
}

/* Whether the chains are in indirect tables. */
static const bool split_buffers = false, split_buffers_indirect = true;

/* test_split_buffers, test_split_buffers_indirect */
static void run_split_requests(void **state)
{
	struct fx *fx = *state;
	bool indirect = *(const bool *)fx->param;
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

/* A request buffer that straddles two GPA-contiguous regions. */
static void test_buffer_straddles_regions(void **state)
{
	struct vmm *v = fx_regions_session(*state, 2);
	struct vmm_vu_region r0;
	struct virtio_gpio_request rq = {htole16(SET_VAL), htole16(2),
					 htole32(1)};
	struct vmm_sg out, in;
	struct vmm_used u;
	uint8_t *p;
	uint16_t head;
	unsigned int k;

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
	EXPECT_KICK(v, 0);
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
		EXPECT_KICK(v, 0);
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

#define SPLIT(c) TP(run_split_requests, c)

static const struct CMUnitTest tests[] = {
	TS(test_get_names),
	TM(test_get_names_16),
	TS(test_direction_and_value),
	TS(test_set_value_before_output),
	TS(test_direction_none_discards),
	TS(test_bad_requests),
	SPLIT(split_buffers),
	SPLIT(split_buffers_indirect),
	T(test_buffer_straddles_regions),
	T(test_eight_regions),
};

const struct fx_tests daemon_requests_tests = FX_TESTS(tests);
