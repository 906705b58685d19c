// SPDX-License-Identifier: MIT
/*
 * Split virtqueues laid out in a memfd-backed guest memory, driven the way a
 * guest driver would: descriptors, avail entries and indexes are written as
 * little-endian bytes through a mapping of our own, and what the device
 * writes back is checked byte for byte through that same mapping.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_ring.h>

#include "log.h"
#include "unit_helpers.h"
#include "virtqueue.h"

#define MIB (1024u * 1024u)

/*
 * Two regions adjacent in guest-physical space but apart in the VMM's
 * address space and in the file, so that code mixing up gpa, uva and file
 * offsets goes wrong here.
 */
#define FILE_SIZE   (16u * MIB)
#define G0	    0x40000000ull
#define R0_SIZE	    (4u * MIB)
#define U0	    0x7f0000000000ull
#define G1	    (G0 + R0_SIZE)
#define R1_SIZE	    (1u * MIB)
#define U1	    0x7e0000000000ull
#define R1_FILE_OFF (8u * MIB)
#define G_END	    (G1 + R1_SIZE)

/* Ring parts in region 0, each far enough apart for 32768 entries. */
#define DESC_OFF  0x000000u
#define AVAIL_OFF 0x080000u
#define USED_OFF  0x100000u
#define BUF_OFF	  0x200000u

/* A guest-physical address outside guest memory. */
#define NOWHERE 0x10000000ull

/* The ring size of most tests (setup), and of the rest (setup64). */
#define RING   8
#define RING64 64

/* Descriptor @i of the ring, buffer @n, an indirect table: guest-physical. */
#define DESC(i) (G0 + DESC_OFF + 16ull * (i))
#define BUF(n)	(G0 + BUF_OFF + 0x100ull * (n))
#define TABLE	BUF(32)

#define F_NEXT	   VRING_DESC_F_NEXT
#define F_WRITE	   VRING_DESC_F_WRITE
#define F_INDIRECT VRING_DESC_F_INDIRECT

struct fixture {
	struct guest_mem mem;
	struct virtqueue vq;
	struct vq_elem elem;
	int fd;
	uint8_t *ram; /* the driver's view of the whole file */
	uint16_t num;
	uint16_t avail_idx; /* the driver's next avail idx */
	const void *param;  /* the test table's initial state */
};

/* ---- the driver's side ---- */

static uint8_t *drv_ptr(struct fixture *f, uint64_t gpa)
{
	if (gpa >= G0 && gpa < G1)
		return f->ram + (gpa - G0);
	if (gpa >= G1 && gpa < G_END)
		return f->ram + R1_FILE_OFF + (gpa - G1);
	fail_msg("driver address 0x%llx not in guest memory",
		 (unsigned long long)gpa);
	return NULL;
}

/* Byte by byte, so that writes may cross from one region to the next. */
static void drv_write(struct fixture *f, uint64_t gpa, const void *data,
		      size_t len)
{
	const uint8_t *bytes = data;

	for (size_t i = 0; i < len; i++)
		*drv_ptr(f, gpa + i) = bytes[i];
}

static void drv_read(struct fixture *f, uint64_t gpa, void *data, size_t len)
{
	uint8_t *bytes = data;

	for (size_t i = 0; i < len; i++)
		bytes[i] = *drv_ptr(f, gpa + i);
}

static void drv_write16(struct fixture *f, uint64_t gpa, uint16_t v)
{
	uint16_t le = htole16(v);

	drv_write(f, gpa, &le, sizeof(le));
}

static uint16_t drv_read16(struct fixture *f, uint64_t gpa)
{
	uint16_t le;

	drv_read(f, gpa, &le, sizeof(le));
	return le16toh(le);
}

static uint64_t avail_gpa(void)
{
	return G0 + AVAIL_OFF;
}

static uint64_t used_gpa(void)
{
	return G0 + USED_OFF;
}

static void put_desc_at(struct fixture *f, uint64_t gpa, uint64_t addr,
			uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t raw[16];
	uint64_t le_addr = htole64(addr);
	uint32_t le_len = htole32(len);
	uint16_t le_flags = htole16(flags), le_next = htole16(next);

	memcpy(raw, &le_addr, 8);
	memcpy(raw + 8, &le_len, 4);
	memcpy(raw + 12, &le_flags, 2);
	memcpy(raw + 14, &le_next, 2);
	drv_write(f, gpa, raw, sizeof(raw));
}

static void put_desc(struct fixture *f, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	put_desc_at(f, DESC(i), addr, len, flags, next);
}

static void set_avail_idx(struct fixture *f, uint16_t idx)
{
	f->avail_idx = idx;
	drv_write16(f, avail_gpa() + 2, idx);
}

static void avail_add(struct fixture *f, uint16_t head)
{
	drv_write16(f, avail_gpa() + 4 + 2ull * (f->avail_idx % f->num), head);
	set_avail_idx(f, (uint16_t)(f->avail_idx + 1));
}

static void set_avail_flags(struct fixture *f, uint16_t flags)
{
	drv_write16(f, avail_gpa(), flags);
}

static void set_used_event(struct fixture *f, uint16_t v)
{
	drv_write16(f, avail_gpa() + 4 + 2ull * f->num, v);
}

static uint16_t used_flags(struct fixture *f)
{
	return drv_read16(f, used_gpa());
}

static uint16_t used_idx(struct fixture *f)
{
	return drv_read16(f, used_gpa() + 2);
}

static uint16_t avail_event(struct fixture *f)
{
	return drv_read16(f, used_gpa() + 4 + 8ull * f->num);
}

/* The 8 bytes of used ring entry @slot, for exact comparison. */
static void used_elem_bytes(struct fixture *f, unsigned int slot,
			    uint8_t out[8])
{
	drv_read(f, used_gpa() + 4 + 8ull * slot, out, 8);
}

static void assert_used_elem(struct fixture *f, unsigned int slot, uint32_t id,
			     uint32_t len)
{
	uint8_t got[8],
		want[8] = {
			id & 0xff,	    (id >> 8) & 0xff, (id >> 16) & 0xff,
			id >> 24,	    len & 0xff,	      (len >> 8) & 0xff,
			(len >> 16) & 0xff, len >> 24,
		};

	used_elem_bytes(f, slot, got);
	assert_memory_equal(got, want, 8);
}

/* One readable buffer of @len bytes: the simplest chain there is. */
static void add_simple_chain(struct fixture *f, uint16_t head, uint32_t len)
{
	put_desc(f, head, BUF(head % 32), len, 0, 0);
	avail_add(f, head);
}

static int pop(struct fixture *f);

/* The next chain taken is the one with head @head. */
static void expect_pop(struct fixture *f, uint16_t head)
{
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.head, head);
}

/* Such a chain with head @head made available, and taken. */
static void take(struct fixture *f, uint16_t head)
{
	add_simple_chain(f, head, 4);
	expect_pop(f, head);
}

/* Chains 0 to @n - 1 made available, then all taken in that order. */
static void take_chains(struct fixture *f, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		add_simple_chain(f, i, 4);
	for (uint16_t i = 0; i < n; i++) {
		assert_int_equal(pop(f), 1);
		assert_int_equal(f->elem.head, i);
	}
}

/* ---- set-up ---- */

static void configure(struct fixture *f, uint16_t num)
{
	vq_init(&f->vq);
	f->num = num;
	f->vq.num = num;
	f->vq.desc_uva = U0 + DESC_OFF;
	f->vq.avail_uva = U0 + AVAIL_OFF;
	f->vq.used_uva = U0 + USED_OFF;
}

static int setup_num(void **state, uint16_t num)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = unit_memfd_map("guest-ram", FILE_SIZE, &f->fd);
	if (!f->ram)
		return -1;
	guest_mem_init(&f->mem);
	if (guest_mem_add_region(&f->mem, f->fd, G0, R0_SIZE, U0, 0) < 0 ||
	    guest_mem_add_region(&f->mem, f->fd, G1, R1_SIZE, U1, R1_FILE_OFF) <
		    0)
		return -1;
	configure(f, num);
	if (vq_map(&f->vq, &f->mem) < 0)
		return -1;
	f->param = *state;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_num(state, RING);
}

static int setup64(void **state)
{
	return setup_num(state, RING64);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	guest_mem_clear(&f->mem);
	munmap(f->ram, FILE_SIZE);
	close(f->fd);
	if (f->vq.call_fd >= 0)
		close(f->vq.call_fd);
	free(f);
	return 0;
}

static int pop(struct fixture *f)
{
	return vq_pop(&f->vq, &f->mem, &f->elem);
}

/*
 * The chain just offered breaks a rule: the queue must refuse it, consume
 * nothing, write nothing, and refuse everything after it, even a chain that
 * is fine.
 */
static void assert_pop_breaks(struct fixture *f)
{
	uint16_t last = f->vq.last_avail_idx;
	uint16_t good = (uint16_t)(f->num - 1);

	assert_int_equal(pop(f), -EIO);
	assert_true(f->vq.broken);
	assert_false(vq_ready(&f->vq));
	assert_int_equal(f->vq.last_avail_idx, last);
	assert_int_equal(f->elem.out_num, 0);
	assert_int_equal(f->elem.in_num, 0);

	add_simple_chain(f, good, 4);
	assert_int_equal(pop(f), -EIO);
	assert_int_equal(f->vq.last_avail_idx, last);
	assert_int_equal(used_idx(f), 0);
}

/*
 * A chain the driver offers: descriptors (in the ring, DESC(i), or in a
 * table anywhere else) put in guest memory, then @head made available.
 * Either it breaks the queue (assert_pop_breaks), or it comes out with
 * these segments.
 */
struct chain {
	struct {
		uint64_t at, addr;
		uint32_t len;
		uint16_t flags, next;
	} desc[4]; /* up to the first with @at 0 */
	uint16_t head;
	bool top_and_bottom; /* add_top_and_bottom_regions() first */
	bool broken;
	unsigned int out_num, in_num;
	uint32_t out_len, in_len;
};

static void add_top_and_bottom_regions(struct fixture *f);

static void run_chain(void **state)
{
	struct fixture *f = *state;
	const struct chain *c = f->param;
	unsigned int i;

	if (c->top_and_bottom)
		add_top_and_bottom_regions(f);
	for (i = 0; i < 4 && c->desc[i].at; i++)
		put_desc_at(f, c->desc[i].at, c->desc[i].addr, c->desc[i].len,
			    c->desc[i].flags, c->desc[i].next);
	avail_add(f, c->head);
	if (c->broken) {
		assert_pop_breaks(f);
		return;
	}
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.head, c->head);
	assert_false(f->vq.broken);
	assert_int_equal(f->elem.out_num, c->out_num);
	assert_int_equal(f->elem.in_num, c->in_num);
	assert_int_equal(f->elem.out_len, c->out_len);
	assert_int_equal(f->elem.in_len, c->in_len);
	if (c->out_num == 1)
		assert_int_equal(f->elem.out[0].iov_len, c->out_len);
}

/* ---- init and map ---- */

static void test_init_defaults(void **state)
{
	struct virtqueue vq;

	memset(&vq, 0xff, sizeof(vq));
	vq_init(&vq);
	assert_int_equal(vq.num, 0);
	assert_int_equal(vq.call_fd, -1);
	assert_null(vq.desc);
	assert_null(vq.avail);
	assert_null(vq.used);
	assert_int_equal(vq.desc_uva, 0);
	assert_int_equal(vq.last_avail_idx, 0);
	assert_int_equal(vq.used_idx, 0);
	assert_false(vq.event_idx);
	assert_false(vq.notify_on_empty);
	assert_false(vq.signalled_used_valid);
	assert_false(vq.broken);
	assert_false(vq_ready(&vq));
}

static void test_map_requires_num(void **state)
{
	struct fixture *f = *state;

	configure(f, 0);
	assert_int_equal(vq_map(&f->vq, &f->mem), -EINVAL);
	assert_null(f->vq.desc);
}

static void test_map_rejects_non_power_of_two(void **state)
{
	struct fixture *f = *state;

	configure(f, 6);
	assert_int_equal(vq_map(&f->vq, &f->mem), -EINVAL);
	configure(f, 65535);
	assert_int_equal(vq_map(&f->vq, &f->mem), -EINVAL);
	assert_false(vq_ready(&f->vq));
}

/*
 * A ring of @num entries maps onto the right bytes: a chain whose head is
 * the last descriptor comes out, its used entry goes to slot 0, and the
 * event fields are found right after the avail and used entries.
 */
static void run_ring_size(void **state)
{
	struct fixture *f = *state;
	uint16_t num = (uint16_t)(uintptr_t)f->param;
	uint16_t last = (uint16_t)(num - 1);
	uint64_t len = 1;

	configure(f, num);
	f->vq.event_idx = true;
	set_avail_idx(f, 0);
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	assert_ptr_equal(f->vq.desc, guest_mem_gpa_to_ptr(&f->mem, G0, &len));
	assert_ptr_equal(f->vq.avail,
			 guest_mem_gpa_to_ptr(&f->mem, avail_gpa(), &len));
	assert_ptr_equal(f->vq.used,
			 guest_mem_gpa_to_ptr(&f->mem, used_gpa(), &len));

	take(f, last);
	vq_push(&f->vq, &f->elem, 0);
	assert_used_elem(f, 0, last, 0);
	assert_int_equal(used_idx(f), 1);
	assert_true(vq_should_notify(&f->vq));

	/* used_event = 1 is crossed by the second entry. */
	set_used_event(f, 1);
	take(f, last);
	vq_push(&f->vq, &f->elem, 0);
	assert_true(vq_should_notify(&f->vq));

	assert_false(vq_enable_kicks(&f->vq));
	assert_int_equal(avail_event(f), 2);
}

/*
 * SET_VRING_ADDR gives one part of the ring this address (in the VMM's
 * address space): what vq_map() says.  A ring it refuses is not mapped at
 * all.
 */
struct ring_addr {
	enum { RING_DESC, RING_AVAIL, RING_USED } part;
	uint64_t uva;
	int ret;
};

static const struct ring_addr map_ring_outside_memory = {RING_DESC, 0x1000,
							 -EFAULT};
/* SET_VRING_ADDR carries VMM addresses, not guest-physical ones. */
static const struct ring_addr map_gpa_is_not_uva = {RING_AVAIL, G0 + AVAIL_OFF,
						    -EFAULT};
/* 6 + 8 * 8 = 70 bytes, the last 4 beyond region 0. */
static const struct ring_addr map_ring_running_past_region = {
	RING_USED, U0 + R0_SIZE - 68, -EFAULT};
/* 6 + 2 * 8 = 22 bytes ending on the last byte of region 0. */
static const struct ring_addr map_ring_ending_at_region_end = {
	RING_AVAIL, U0 + R0_SIZE - 22, 0};
static const struct ring_addr map_misaligned_desc = {
	RING_DESC, U0 + DESC_OFF + 8, -EINVAL};
static const struct ring_addr map_misaligned_avail = {
	RING_AVAIL, U0 + AVAIL_OFF + 1, -EINVAL};
static const struct ring_addr map_misaligned_used = {
	RING_USED, U0 + USED_OFF + 2, -EINVAL};

static void run_ring_addr(void **state)
{
	struct fixture *f = *state;
	const struct ring_addr *c = f->param;
	uint64_t *uva[] = {&f->vq.desc_uva, &f->vq.avail_uva, &f->vq.used_uva};

	*uva[c->part] = c->uva;
	assert_int_equal(vq_map(&f->vq, &f->mem), c->ret);
	assert_int_equal(vq_ready(&f->vq), c->ret == 0);
	if (c->ret) {
		assert_null(f->vq.desc);
		assert_null(f->vq.avail);
		assert_null(f->vq.used);
	}
}

static void test_failed_remap_leaves_unmapped(void **state)
{
	struct fixture *f = *state;

	assert_true(vq_ready(&f->vq));
	add_simple_chain(f, 0, 4);
	f->vq.desc_uva = 0x1000;
	assert_int_equal(vq_map(&f->vq, &f->mem), -EFAULT);
	assert_null(f->vq.desc);
	assert_null(f->vq.avail);
	assert_null(f->vq.used);
	assert_int_equal(pop(f), 0);
}

static void test_map_takes_used_idx_from_ring(void **state)
{
	struct fixture *f = *state;

	drv_write16(f, used_gpa() + 2, 5);
	f->vq.signalled_used_valid = true;
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	assert_int_equal(f->vq.used_idx, 5);
	assert_false(f->vq.signalled_used_valid);
}

static void test_unmap(void **state)
{
	struct fixture *f = *state;

	add_simple_chain(f, 0, 4);
	vq_unmap(&f->vq);
	assert_false(vq_ready(&f->vq));
	assert_false(f->vq.broken);
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->vq.last_avail_idx, 0);
}

/* ---- pop ---- */

static void test_pop_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pop(f), 0);
	assert_int_equal(f->vq.last_avail_idx, 0);
}

/*
 * The chain the Linux GPIO driver sends, with head 0: @request (8 bytes at
 * BUF(0)), then a 2-byte response buffer at BUF(1).  Its two descriptors are
 * in the ring, or in an indirect table at @table unless that is 0.
 */
static void add_request_chain(struct fixture *f, const uint8_t *request,
			      uint64_t table)
{
	drv_write(f, BUF(0), request, 8);
	if (table) {
		put_desc_at(f, table, BUF(0), 8, F_NEXT, 1);
		put_desc_at(f, table + 16, BUF(1), 2, F_WRITE, 0);
		put_desc(f, 0, table, 32, F_INDIRECT, 0);
	} else {
		put_desc(f, 0, BUF(0), 8, F_NEXT, 1);
		put_desc(f, 1, BUF(1), 2, F_WRITE, 0);
	}
	avail_add(f, 0);
}

/* That chain comes out: @request to read, BUF(1) to write. */
static void assert_pop_request_chain(struct fixture *f, const uint8_t *request)
{
	uint64_t len = 2;

	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.head, 0);
	assert_int_equal(f->elem.out_num, 1);
	assert_int_equal(f->elem.in_num, 1);
	assert_int_equal(f->elem.out_len, 8);
	assert_int_equal(f->elem.in_len, 2);
	assert_int_equal(f->elem.out[0].iov_len, 8);
	assert_int_equal(f->elem.in[0].iov_len, 2);
	assert_memory_equal(f->elem.out[0].iov_base, request, 8);
	assert_ptr_equal(f->elem.in[0].iov_base,
			 guest_mem_gpa_to_ptr(&f->mem, BUF(1), &len));
}

static void test_pop_request_response(void **state)
{
	struct fixture *f = *state;
	const uint8_t request[8] = {4, 0, 3, 0, 0, 0, 0, 0};
	const uint8_t response[2] = {0, 1};
	uint8_t written[2];

	add_request_chain(f, request, 0);
	assert_pop_request_chain(f, request);

	memcpy(f->elem.in[0].iov_base, response, sizeof(response));
	drv_read(f, BUF(1), written, sizeof(written));
	assert_memory_equal(written, response, 2);

	assert_int_equal(f->vq.last_avail_idx, 1);
	assert_int_equal(vq_inflight(&f->vq), 1);
	assert_int_equal(pop(f), 0);
}

static void test_pop_in_ring_order(void **state)
{
	struct fixture *f = *state;

	add_simple_chain(f, 3, 4);
	add_simple_chain(f, 0, 4);
	expect_pop(f, 3);
	expect_pop(f, 0);
	assert_int_equal(pop(f), 0);
	assert_int_equal(vq_inflight(&f->vq), 2);
}

static void test_pop_does_not_write_guest_memory(void **state)
{
	struct fixture *f = *state;
	const size_t span = 3 * MIB;
	uint8_t *before = malloc(span);

	assert_non_null(before);
	f->vq.event_idx = true;
	put_desc(f, 0, BUF(0), 8, F_NEXT, 1);
	put_desc(f, 1, BUF(1), 2, F_WRITE, 0);
	avail_add(f, 0);
	put_desc(f, 2, BUF(2), 8, F_NEXT, 2);
	avail_add(f, 2);
	memcpy(before, f->ram, span);

	assert_int_equal(pop(f), 1);
	assert_int_equal(pop(f), -EIO);
	assert_memory_equal(f->ram, before, span);
	free(before);
}

/* Their addresses are never looked at: nothing is there to access. */
static const struct chain zero_length_descriptors_add_no_segment = {
	.desc = {{DESC(0), NOWHERE, 0, F_NEXT, 1},
		 {DESC(1), BUF(1), 4, F_NEXT, 2},
		 {DESC(2), NOWHERE, 0, F_WRITE | F_NEXT, 3},
		 {DESC(3), BUF(3), 2, F_WRITE, 0}},
	.out_num = 1,
	.in_num = 1,
	.out_len = 4,
	.in_len = 2,
};

static const struct chain only_zero_length_descriptor = {
	.desc = {{DESC(0), BUF(0), 0, 0, 0}},
};

static void test_buffer_straddling_regions(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint64_t len = 3;

	drv_write(f, G1 - 3, data, sizeof(data));
	put_desc(f, 0, G1 - 3, 8, 0, 0);
	avail_add(f, 0);

	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.out_num, 2);
	assert_int_equal(f->elem.out_len, 8);
	assert_int_equal(f->elem.out[0].iov_len, 3);
	assert_int_equal(f->elem.out[1].iov_len, 5);
	assert_ptr_equal(f->elem.out[0].iov_base,
			 guest_mem_gpa_to_ptr(&f->mem, G1 - 3, &len));
	assert_ptr_equal(f->elem.out[1].iov_base,
			 guest_mem_gpa_to_ptr(&f->mem, G1, &len));
	assert_memory_equal(f->elem.out[0].iov_base, data, 3);
	assert_memory_equal(f->elem.out[1].iov_base, data + 3, 5);
}

/* @n descriptors 0..n-1 chained in order, each one byte. */
static void chain_n(struct fixture *f, unsigned int n, uint16_t flags)
{
	for (unsigned int i = 0; i < n; i++)
		put_desc(f, (uint16_t)i, BUF(i), 1,
			 (uint16_t)(flags | (i + 1 < n ? F_NEXT : 0)),
			 (uint16_t)(i + 1));
	avail_add(f, 0);
}

static void test_max_readable_segments(void **state)
{
	struct fixture *f = *state;

	chain_n(f, VQ_MAX_SEGS, 0);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.out_num, VQ_MAX_SEGS);
	assert_int_equal(f->elem.out_len, VQ_MAX_SEGS);
}

static void test_max_writable_segments(void **state)
{
	struct fixture *f = *state;

	chain_n(f, VQ_MAX_SEGS, F_WRITE);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.in_num, VQ_MAX_SEGS);
}

static void test_too_many_readable_segments(void **state)
{
	struct fixture *f = *state;

	chain_n(f, VQ_MAX_SEGS + 1, 0);
	assert_pop_breaks(f);
}

static void test_too_many_writable_segments(void **state)
{
	struct fixture *f = *state;

	chain_n(f, VQ_MAX_SEGS + 1, F_WRITE);
	assert_pop_breaks(f);
}

static void test_straddling_buffer_counts_two_segments(void **state)
{
	struct fixture *f = *state;
	unsigned int n = VQ_MAX_SEGS;

	chain_n(f, n, 0);
	put_desc(f, (uint16_t)(n - 1), G1 - 1, 2, 0, 0);
	assert_pop_breaks(f);
}

static void test_chain_of_num_descriptors(void **state)
{
	struct fixture *f = *state;

	chain_n(f, f->num, 0);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.out_num, f->num);
}

static void test_full_ring(void **state)
{
	struct fixture *f = *state;

	take_chains(f, f->num);
	assert_int_equal(pop(f), 0);
	assert_int_equal(vq_inflight(&f->vq), f->num);
}

static void test_wraparound(void **state)
{
	struct fixture *f = *state;

	drv_write16(f, used_gpa() + 2, 65534);
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	f->vq.last_avail_idx = 65534;
	set_avail_idx(f, 65534);
	for (uint16_t i = 0; i < 4; i++)
		add_simple_chain(f, i, 4);
	assert_int_equal(drv_read16(f, avail_gpa() + 2), 2);

	for (uint16_t i = 0; i < 4; i++) {
		assert_int_equal(pop(f), 1);
		assert_int_equal(f->elem.head, i);
	}
	assert_int_equal(pop(f), 0);
	assert_int_equal(f->vq.last_avail_idx, 2);
	assert_int_equal(vq_inflight(&f->vq), 4);

	for (uint16_t i = 0; i < 4; i++)
		vq_push_head(&f->vq, i, 10 + i);
	assert_int_equal(used_idx(f), 2);
	assert_int_equal(vq_inflight(&f->vq), 0);
	assert_used_elem(f, 6, 0, 10);
	assert_used_elem(f, 7, 1, 11);
	assert_used_elem(f, 0, 2, 12);
	assert_used_elem(f, 1, 3, 13);
}

/* ---- rules: each makes the queue broken ---- */

static void test_avail_idx_too_far_ahead(void **state)
{
	struct fixture *f = *state;

	for (uint16_t i = 0; i < f->num; i++)
		put_desc(f, i, BUF(i), 4, 0, 0);
	set_avail_idx(f, (uint16_t)(f->num + 1));
	assert_pop_breaks(f);
}

/* A driver may not take buffers back: the idx moving back is a jump. */
static void test_avail_idx_going_back(void **state)
{
	struct fixture *f = *state;

	f->vq.last_avail_idx = 5;
	set_avail_idx(f, 4);
	assert_pop_breaks(f);
}

static const struct chain head_out_of_range = {.head = RING, .broken = true};

static const struct chain next_out_of_range = {
	.desc = {{DESC(0), BUF(0), 4, F_NEXT, RING}}, .broken = true};

static const struct chain descriptor_loop = {
	.desc = {{DESC(0), BUF(0), 0, F_NEXT, 1},
		 {DESC(1), BUF(1), 0, F_NEXT, 0}},
	.broken = true};

static const struct chain descriptor_self_loop = {
	.desc = {{DESC(0), BUF(0), 0, F_NEXT, 0}}, .broken = true};

static const struct chain readable_after_writable = {
	.desc = {{DESC(0), BUF(0), 2, F_WRITE | F_NEXT, 1},
		 {DESC(1), BUF(1), 8, 0, 0}},
	.broken = true};

static const struct chain empty_readable_after_writable = {
	.desc = {{DESC(0), BUF(0), 2, F_WRITE | F_NEXT, 1},
		 {DESC(1), BUF(1), 0, 0, 0}},
	.broken = true};

static const struct chain buffer_outside_memory = {
	.desc = {{DESC(0), NOWHERE, 4, 0, 0}}, .broken = true};

static const struct chain buffer_running_past_memory = {
	.desc = {{DESC(0), G_END - 2, 4, F_WRITE, 0}}, .broken = true};

static const struct chain buffer_wrapping_address_space = {
	.desc = {{DESC(0), UINT64_MAX - 1, 4, 0, 0}}, .broken = true};

/*
 * Guest memory at both ends of the address space: a buffer or table that
 * runs off the top must not continue at address 0.
 */
static void add_top_and_bottom_regions(struct fixture *f)
{
	assert_int_equal(guest_mem_add_region(&f->mem, f->fd, UINT64_MAX - 4095,
					      4096, 0x7d0000000000, 12 * MIB),
			 0);
	assert_int_equal(guest_mem_add_region(&f->mem, f->fd, 0, 4096,
					      0x7c0000000000, 13 * MIB),
			 0);
}

static const struct chain buffer_wrapping_into_low_memory = {
	.desc = {{DESC(0), UINT64_MAX - 1, 4, 0, 0}},
	.top_and_bottom = true,
	.broken = true};

static const struct chain buffer_ending_at_top_of_memory = {
	.desc = {{DESC(0), UINT64_MAX - 3, 4, 0, 0}},
	.top_and_bottom = true,
	.out_num = 1,
	.out_len = 4};

static void test_broken_until_init(void **state)
{
	struct fixture *f = *state;

	avail_add(f, f->num);
	assert_int_equal(pop(f), -EIO);
	/* Map again: still broken. */
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	assert_int_equal(pop(f), -EIO);

	configure(f, f->num);
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	f->vq.last_avail_idx = 1;
	add_simple_chain(f, 2, 4);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.head, 2);
}

/* ---- indirect tables ---- */

/* VirtIO 1.x 2.7.5.3.2: the device ignores WRITE on the table's descriptor. */
static const struct chain indirect_write_flag_ignored = {
	.desc = {{TABLE, BUF(0), 8, 0, 0},
		 {DESC(0), TABLE, 16, F_INDIRECT | F_WRITE, 0}},
	.out_num = 1,
	.out_len = 8};

/* VirtIO 1.x 2.7.5.3.2: direct descriptors followed by an indirect one. */
static const struct chain direct_then_indirect = {
	.desc = {{TABLE, BUF(1), 2, F_WRITE, 0},
		 {DESC(0), BUF(0), 8, F_NEXT, 1},
		 {DESC(1), TABLE, 16, F_INDIRECT, 0}},
	.out_num = 1,
	.in_num = 1,
	.out_len = 8,
	.in_len = 2};

static void put_table_chain(struct fixture *f, uint64_t table, unsigned int n,
			    uint16_t flags)
{
	for (unsigned int i = 0; i < n; i++)
		put_desc_at(f, table + 16ull * i, BUF(i), 1,
			    (uint16_t)(flags | (i + 1 < n ? F_NEXT : 0)),
			    (uint16_t)(i + 1));
}

static void test_indirect_table_of_num_entries(void **state)
{
	struct fixture *f = *state;

	put_table_chain(f, TABLE, f->num, 0);
	put_desc(f, 0, TABLE, 16u * f->num, F_INDIRECT, 0);
	avail_add(f, 0);
	assert_int_equal(pop(f), 1);
	assert_int_equal(f->elem.out_num, f->num);
}

/* Linux puts a 2-entry table in a 1-entry ring: the ring size is no limit. */
static const struct chain indirect_table_larger_than_ring = {
	.desc = {{TABLE, BUF(0), 1, 0, 1},
		 {DESC(0), TABLE, 16u * (RING + 1u), F_INDIRECT, 0}},
	.out_num = 1,
	.out_len = 1};

static const struct chain indirect_table_beyond_max_queue_size = {
	.desc = {{DESC(0), TABLE, 16u * (VQ_MAX_SIZE + 1u), F_INDIRECT, 0}},
	.broken = true};

static const struct chain indirect_len_zero = {
	.desc = {{DESC(0), TABLE, 0, F_INDIRECT, 0}}, .broken = true};

/* A one-entry table with 8 bytes to spare is refused, not rounded down. */
static const struct chain indirect_len_not_multiple_of_16 = {
	.desc = {{TABLE, BUF(0), 1, 0, 1}, {DESC(0), TABLE, 24, F_INDIRECT, 0}},
	.broken = true};

static const struct chain nested_indirect = {
	.desc = {{TABLE + 0x100, BUF(0), 1, 0, 1},
		 {TABLE, TABLE + 0x100, 16, F_INDIRECT, 0},
		 {DESC(0), TABLE, 16, F_INDIRECT, 0}},
	.broken = true};

static const struct chain indirect_with_next = {
	.desc = {{TABLE, BUF(0), 1, 0, 1},
		 {DESC(0), TABLE, 16, F_INDIRECT | F_NEXT, 1},
		 {DESC(1), BUF(1), 2, F_WRITE, 0}},
	.broken = true};

static const struct chain indirect_next_out_of_range = {
	.desc = {{TABLE, BUF(0), 8, F_NEXT, 2},
		 {TABLE + 16, BUF(1), 2, F_WRITE, 0},
		 {DESC(0), TABLE, 32, F_INDIRECT, 0}},
	.broken = true};

static const struct chain indirect_loop = {
	.desc = {{TABLE, BUF(0), 1, F_NEXT, 1},
		 {TABLE + 16, BUF(1), 1, F_NEXT, 0},
		 {DESC(0), TABLE, 32, F_INDIRECT, 0}},
	.broken = true};

static const struct chain indirect_table_outside_memory = {
	.desc = {{DESC(0), NOWHERE, 32, F_INDIRECT, 0}}, .broken = true};

static const struct chain indirect_table_running_past_memory = {
	.desc = {{G_END - 16, BUF(0), 1, 0, 1},
		 {DESC(0), G_END - 16, 32, F_INDIRECT, 0}},
	.broken = true};

static const struct chain indirect_table_wrapping_address_space = {
	.desc = {{DESC(0), UINT64_MAX - 15, 32, F_INDIRECT, 0}},
	.broken = true};

static const struct chain readable_in_table_after_writable = {
	.desc = {{TABLE, BUF(1), 8, 0, 0},
		 {DESC(0), BUF(0), 2, F_WRITE | F_NEXT, 1},
		 {DESC(1), TABLE, 16, F_INDIRECT, 0}},
	.broken = true};

static void test_indirect_too_many_segments(void **state)
{
	struct fixture *f = *state;

	put_table_chain(f, TABLE, VQ_MAX_SEGS + 1, F_WRITE);
	put_desc(f, 0, TABLE, 16u * (VQ_MAX_SEGS + 1), F_INDIRECT, 0);
	avail_add(f, 0);
	assert_pop_breaks(f);
}

static const struct chain indirect_table_wrapping_into_low_memory = {
	.desc = {{DESC(0), UINT64_MAX - 15, 32, F_INDIRECT, 0}},
	.top_and_bottom = true,
	.broken = true};

/*
 * A two-entry indirect table at a guest-physical address: @param, for
 * test_indirect_table, test_indirect_table_straddling_regions,
 * test_indirect_entry_straddling_regions and
 * test_indirect_table_misaligned.  Tables that cannot be read in place are
 * copied out entry by entry.
 */
static void run_table_at(void **state)
{
	struct fixture *f = *state;
	const uint8_t request[8] = {4, 0, 7, 0, 0, 0, 0, 0};

	add_request_chain(f, request, (uintptr_t)f->param);
	assert_pop_request_chain(f, request);
}

/* ---- push ---- */

static void test_push_writes_used_entry(void **state)
{
	struct fixture *f = *state;
	uint8_t idx_bytes[2];

	take(f, 3);
	vq_push(&f->vq, &f->elem, 2);

	assert_used_elem(f, 0, 3, 2);
	drv_read(f, used_gpa() + 2, idx_bytes, 2);
	assert_int_equal(idx_bytes[0], 1);
	assert_int_equal(idx_bytes[1], 0);
	assert_int_equal(f->vq.used_idx, 1);
	assert_int_equal(vq_inflight(&f->vq), 0);
	assert_int_equal(used_flags(f), 0);
}

static void test_push_head_out_of_order(void **state)
{
	struct fixture *f = *state;

	take(f, 3);
	take(f, 5);
	vq_push_head(&f->vq, 5, 0x01020304);
	vq_push_head(&f->vq, 3, 0);

	assert_used_elem(f, 0, 5, 0x01020304);
	assert_used_elem(f, 1, 3, 0);
	assert_int_equal(used_idx(f), 2);
}

static void test_push_without_inflight_writes_nothing(void **state)
{
	struct fixture *f = *state;

	vq_push_head(&f->vq, 0, 2);
	assert_int_equal(used_idx(f), 0);
	assert_used_elem(f, 0, 0, 0);
	assert_int_equal(f->vq.used_idx, 0);
}

static void test_push_head_out_of_range_writes_nothing(void **state)
{
	struct fixture *f = *state;

	take(f, 0);
	vq_push_head(&f->vq, f->num, 2);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(vq_inflight(&f->vq), 1);
}

/* In a batch the entries are written at once, used->idx at the end. */
static void test_batch_publishes_used_idx_at_end(void **state)
{
	struct fixture *f = *state;

	take_chains(f, 3);
	vq_batch_begin(&f->vq);
	for (uint16_t i = 0; i < 3; i++)
		vq_push_head(&f->vq, i, i);
	assert_used_elem(f, 2, 2, 2);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(vq_inflight(&f->vq), 0);
	vq_batch_end(&f->vq);
	assert_int_equal(used_idx(f), 3);
	/* Outside a batch, each entry is shown at once again. */
	take(f, 7);
	vq_push_head(&f->vq, 7, 0);
	assert_int_equal(used_idx(f), 4);
}

static void test_batch_nests(void **state)
{
	struct fixture *f = *state;

	take_chains(f, 2);
	vq_batch_begin(&f->vq);
	vq_batch_begin(&f->vq);
	vq_push_head(&f->vq, 0, 0);
	vq_batch_end(&f->vq);
	assert_int_equal(used_idx(f), 0);
	vq_push_head(&f->vq, 1, 0);
	vq_batch_end(&f->vq);
	assert_int_equal(used_idx(f), 2);
	/* An end too many changes nothing. */
	vq_batch_end(&f->vq);
	assert_int_equal(used_idx(f), 2);
}

/* What was served before the driver broke the queue is still its. */
static void test_batch_end_shows_entries_of_a_broken_queue(void **state)
{
	struct fixture *f = *state;

	take(f, 0);
	vq_batch_begin(&f->vq);
	vq_push_head(&f->vq, 0, 2);
	set_avail_idx(f, (uint16_t)(f->avail_idx + f->num + 1));
	assert_int_equal(pop(f), -EIO);
	vq_batch_end(&f->vq);
	assert_int_equal(used_idx(f), 1);
	assert_used_elem(f, 0, 0, 2);
}

/*
 * avail->idx is read again only when the entries known from the last read
 * are taken: the driver's later store is seen then.
 */
static void test_avail_idx_reread_after_known_entries(void **state)
{
	struct fixture *f = *state;

	add_simple_chain(f, 0, 4);
	add_simple_chain(f, 1, 4);
	expect_pop(f, 0);
	add_simple_chain(f, 2, 4);
	expect_pop(f, 1);
	expect_pop(f, 2);
	assert_int_equal(pop(f), 0);
}

static void test_push_on_broken_queue_writes_nothing(void **state)
{
	struct fixture *f = *state;

	take(f, 0);
	avail_add(f, f->num);
	assert_int_equal(pop(f), -EIO);
	vq_push_head(&f->vq, 0, 2);
	assert_int_equal(used_idx(f), 0);
	assert_used_elem(f, 0, 0, 0);
}

static void test_push_on_unmapped_queue_writes_nothing(void **state)
{
	struct fixture *f = *state;

	take(f, 1);
	vq_unmap(&f->vq);
	vq_push_head(&f->vq, 1, 2);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->vq.used_idx, 0);
}

/* ---- used buffer notifications ---- */

static void pop_push(struct fixture *f)
{
	take(f, 0);
	vq_push(&f->vq, &f->elem, 0);
}

/*
 * A used buffer notification scenario: the queue's options, then steps,
 * each a driver's or device's action or what vq_should_notify() must say
 * then.
 */
enum {
	EVENT_IDX = 1 << 0,	  /* VIRTIO_RING_F_EVENT_IDX negotiated */
	NOTIFY_ON_EMPTY = 1 << 1, /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
};

enum notify_step {
	END,
	PUSH,	      /* a chain made available, taken and used (pop_push) */
	OFFER,	      /* a chain made available, not taken */
	NO_INTERRUPT, /* the driver sets VRING_AVAIL_F_NO_INTERRUPT */
	INTERRUPT,    /* and clears it */
	REMAP,	      /* vq_map() again */
	UNMAP,	      /* vq_unmap() */
	NOTIFY,	      /* vq_should_notify(): yes */
	QUIET,	      /* vq_should_notify(): no */
	EMPTY,	      /* every available chain was taken */
	STEP_VALUE = 0x10000,
};

/* The driver sets used_event to @v. */
#define USED_EVENT(v) (STEP_VALUE + (v))
/* The last notification was decided at used idx @v. */
#define SIGNALLED(v) (2 * STEP_VALUE + (v))

struct notify_case {
	unsigned int options;
	int steps[12];
};

static const struct notify_case notify_after_push = {0, {PUSH, NOTIFY}};
static const struct notify_case no_notify_without_new_used = {
	0, {PUSH, NOTIFY, QUIET}};
static const struct notify_case no_interrupt_suppresses = {
	0, {NO_INTERRUPT, PUSH, QUIET}};
static const struct notify_case no_interrupt_cleared_notifies = {
	0, {NO_INTERRUPT, PUSH, QUIET, INTERRUPT, PUSH, NOTIFY}};
static const struct notify_case notify_on_empty_overrides_no_interrupt = {
	NOTIFY_ON_EMPTY, {NO_INTERRUPT, PUSH, NOTIFY}};
static const struct notify_case notify_on_empty_needs_empty_ring = {
	NOTIFY_ON_EMPTY, {NO_INTERRUPT, PUSH, OFFER, QUIET}};
static const struct notify_case empty_ring_without_notify_on_empty = {
	0, {NO_INTERRUPT, PUSH, EMPTY, QUIET}};
static const struct notify_case event_idx_first_decision_notifies = {
	EVENT_IDX, {USED_EVENT(100), PUSH, NOTIFY, SIGNALLED(1)}};
/* The driver wants to hear once entry 2 (the third) is used. */
static const struct notify_case event_idx_used_event_crossed = {
	EVENT_IDX,
	{PUSH, NOTIFY, USED_EVENT(2), PUSH, QUIET, PUSH, NOTIFY, PUSH, QUIET}};
static const struct notify_case event_idx_crossed_by_a_batch = {
	EVENT_IDX, {PUSH, NOTIFY, USED_EVENT(2), PUSH, PUSH, PUSH, NOTIFY}};
static const struct notify_case event_idx_ignores_no_interrupt = {
	EVENT_IDX, {NO_INTERRUPT, PUSH, NOTIFY, USED_EVENT(1), PUSH, NOTIFY}};
static const struct notify_case event_idx_notify_on_empty = {
	EVENT_IDX | NOTIFY_ON_EMPTY,
	{PUSH, NOTIFY, USED_EVENT(100), PUSH, NOTIFY}};
static const struct notify_case remap_forgets_signalled = {
	EVENT_IDX, {PUSH, NOTIFY, USED_EVENT(100), PUSH, REMAP, NOTIFY}};
static const struct notify_case unmapped_never_notifies = {
	0, {PUSH, UNMAP, QUIET}};

static void run_notify(void **state)
{
	struct fixture *f = *state;
	const struct notify_case *c = f->param;
	unsigned int i;
	int step;

	f->vq.event_idx = c->options & EVENT_IDX;
	f->vq.notify_on_empty = c->options & NOTIFY_ON_EMPTY;
	for (i = 0; (step = c->steps[i]) != END; i++) {
		if (step >= 2 * STEP_VALUE) {
			assert_true(f->vq.signalled_used_valid);
			assert_int_equal(f->vq.signalled_used,
					 step - 2 * STEP_VALUE);
		} else if (step >= STEP_VALUE) {
			set_used_event(f, (uint16_t)(step - STEP_VALUE));
		} else if (step == PUSH) {
			pop_push(f);
		} else if (step == OFFER) {
			add_simple_chain(f, 1, 4);
		} else if (step == NO_INTERRUPT || step == INTERRUPT) {
			set_avail_flags(f, step == NO_INTERRUPT
						   ? VRING_AVAIL_F_NO_INTERRUPT
						   : 0);
		} else if (step == REMAP) {
			assert_int_equal(vq_map(&f->vq, &f->mem), 0);
		} else if (step == UNMAP) {
			vq_unmap(&f->vq);
		} else if (step == EMPTY) {
			assert_int_equal(drv_read16(f, avail_gpa() + 2),
					 f->vq.last_avail_idx);
		} else if (vq_should_notify(&f->vq) != (step == NOTIFY)) {
			fail_msg("step %u: a notification %s due", i,
				 step == NOTIFY ? "is" : "is not");
		}
	}
}

static void test_event_idx_wraparound(void **state)
{
	struct fixture *f = *state;

	f->vq.event_idx = true;
	drv_write16(f, used_gpa() + 2, 65534);
	assert_int_equal(vq_map(&f->vq, &f->mem), 0);
	f->vq.last_avail_idx = 65534;
	set_avail_idx(f, 65534);

	pop_push(f);
	assert_true(vq_should_notify(&f->vq));
	assert_int_equal(f->vq.signalled_used, 65535);
	set_used_event(f, 65535);
	pop_push(f);
	assert_int_equal(used_idx(f), 0);
	assert_true(vq_should_notify(&f->vq));
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* What the driver reads from the call eventfd: its count, 0 if none. */
static uint64_t calls(struct fixture *f)
{
	uint64_t count = 0;
	ssize_t n = read(f->vq.call_fd, &count, sizeof(count));

	if (n < 0)
		assert_int_equal(errno, EAGAIN);
	else
		assert_int_equal(n, 8);
	return count;
}

static void test_notify_writes_eventfd(void **state)
{
	struct fixture *f = *state;

	f->vq.call_fd = new_eventfd();
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), 0);
	assert_int_equal(calls(f), 1);
}

static void test_notify_not_needed_writes_nothing(void **state)
{
	struct fixture *f = *state;

	f->vq.call_fd = new_eventfd();
	set_avail_flags(f, VRING_AVAIL_F_NO_INTERRUPT);
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), 0);
	assert_int_equal(calls(f), 0);
}

/* Without a call fd the decision waits for the first call with one. */
static void test_notify_without_call_fd(void **state)
{
	struct fixture *f = *state;

	f->vq.event_idx = true;
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), 0);
	assert_false(f->vq.signalled_used_valid);

	f->vq.call_fd = new_eventfd();
	assert_int_equal(vq_notify(&f->vq), 0);
	assert_int_equal(calls(f), 1);
}

static void test_notify_saturated_eventfd(void **state)
{
	struct fixture *f = *state;
	const uint64_t almost_full = UINT64_MAX - 1;

	f->vq.call_fd = new_eventfd();
	assert_int_equal(write(f->vq.call_fd, &almost_full, 8), 8);
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), 0);
}

static void test_notify_write_error(void **state)
{
	struct fixture *f = *state;

	f->vq.call_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(f->vq.call_fd >= 0);
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), -EBADF);
	/* Reported once: the caller logs it once, not per interrupt. */
	assert_true(f->vq.call_failed);
	pop_push(f);
	assert_int_equal(vq_notify(&f->vq), 0);
}

/* ---- available buffer notifications (kicks) ---- */

static void test_disable_kicks_sets_no_notify(void **state)
{
	struct fixture *f = *state;
	uint8_t flags[2];

	vq_disable_kicks(&f->vq);
	drv_read(f, used_gpa(), flags, 2);
	assert_int_equal(flags[0], VRING_USED_F_NO_NOTIFY);
	assert_int_equal(flags[1], 0);
	assert_int_equal(avail_event(f), 0);
}

static void test_enable_kicks_clears_no_notify(void **state)
{
	struct fixture *f = *state;

	vq_disable_kicks(&f->vq);
	assert_false(vq_enable_kicks(&f->vq));
	assert_int_equal(used_flags(f), 0);
}

static void test_enable_kicks_reports_pending(void **state)
{
	struct fixture *f = *state;

	vq_disable_kicks(&f->vq);
	add_simple_chain(f, 0, 4);
	assert_true(vq_enable_kicks(&f->vq));
	assert_int_equal(pop(f), 1);
	assert_false(vq_enable_kicks(&f->vq));
}

/* What a polling device looks at: the avail idx against the next one. */
static void test_avail_pending(void **state)
{
	struct fixture *f = *state;

	assert_false(vq_avail_pending(&f->vq));
	add_simple_chain(f, 0, 4);
	assert_true(vq_avail_pending(&f->vq));
	assert_int_equal(pop(f), 1);
	assert_false(vq_avail_pending(&f->vq));
	add_simple_chain(f, 1, 4);
	vq_unmap(&f->vq);
	assert_false(vq_avail_pending(&f->vq));
}

/*
 * With EVENT_IDX, three chains taken, kicks disabled and maybe enabled
 * again: avail_event tells the driver which entry to kick for.
 */
struct kicks_case {
	bool enable;
	uint16_t avail_event;
};

static const struct kicks_case event_idx_disable_kicks = {false, 2};
static const struct kicks_case event_idx_enable_kicks = {true, 3};

static void run_kicks(void **state)
{
	struct fixture *f = *state;
	const struct kicks_case *c = f->param;

	f->vq.event_idx = true;
	take_chains(f, 3);
	vq_disable_kicks(&f->vq);
	if (c->enable)
		assert_false(vq_enable_kicks(&f->vq));
	assert_int_equal(avail_event(f), c->avail_event);
	assert_int_equal(used_flags(f), 0);
}

static void test_event_idx_enable_kicks_reports_pending(void **state)
{
	struct fixture *f = *state;

	f->vq.event_idx = true;
	vq_disable_kicks(&f->vq);
	add_simple_chain(f, 0, 4);
	assert_true(vq_enable_kicks(&f->vq));
	assert_int_equal(avail_event(f), 0);
}

static void test_event_idx_avail_event_wraps(void **state)
{
	struct fixture *f = *state;

	f->vq.event_idx = true;
	vq_disable_kicks(&f->vq);
	assert_int_equal(avail_event(f), 65535);
}

static void test_kicks_on_broken_queue_write_nothing(void **state)
{
	struct fixture *f = *state;

	avail_add(f, f->num);
	assert_int_equal(pop(f), -EIO);
	vq_disable_kicks(&f->vq);
	assert_int_equal(used_flags(f), 0);
	f->vq.event_idx = true;
	assert_false(vq_enable_kicks(&f->vq));
	assert_int_equal(avail_event(f), 0);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define T64(fn) cmocka_unit_test_setup_teardown(fn, setup64, teardown)
/* test_@c: run_chain() of the struct chain @c. */
#define CHAIN(c)                                                     \
	{                                                            \
		"test_" #c, run_chain, setup, teardown, (void *)&(c) \
	}
/* test_@c: run_ring_addr() of the struct ring_addr @c. */
#define MAP(c)                                                           \
	{                                                                \
		"test_" #c, run_ring_addr, setup, teardown, (void *)&(c) \
	}
/* test_@c: run_notify() of the struct notify_case @c. */
#define NOTIFY(c)                                                     \
	{                                                             \
		"test_" #c, run_notify, setup, teardown, (void *)&(c) \
	}
/* test_@c: run_kicks() of the struct kicks_case @c. */
#define KICKS(c)                                                     \
	{                                                            \
		"test_" #c, run_kicks, setup, teardown, (void *)&(c) \
	}
/* test_ring_size_@n: run_ring_size() of a ring of @n entries. */
#define RING_SIZE(n)                                                  \
	{                                                             \
		"test_ring_size_" #n, run_ring_size, setup, teardown, \
			(void *)(n)                                   \
	}
/* @name: run_table_at() with the table at guest-physical address @gpa. */
#define TABLE_AT(name, gpa)                                                   \
	{                                                                     \
		name, run_table_at, setup, teardown, (void *)(uintptr_t)(gpa) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults),
		T(test_map_requires_num),
		T(test_map_rejects_non_power_of_two),
		RING_SIZE(1),
		RING_SIZE(256),
		RING_SIZE(1024),
		RING_SIZE(32768),
		MAP(map_ring_outside_memory),
		MAP(map_gpa_is_not_uva),
		MAP(map_ring_running_past_region),
		MAP(map_ring_ending_at_region_end),
		MAP(map_misaligned_desc),
		MAP(map_misaligned_avail),
		MAP(map_misaligned_used),
		T(test_failed_remap_leaves_unmapped),
		T(test_map_takes_used_idx_from_ring),
		T(test_unmap),

		T(test_pop_empty),
		T(test_pop_request_response),
		T(test_pop_in_ring_order),
		T(test_pop_does_not_write_guest_memory),
		CHAIN(zero_length_descriptors_add_no_segment),
		CHAIN(only_zero_length_descriptor),
		T(test_buffer_straddling_regions),
		T64(test_max_readable_segments),
		T64(test_max_writable_segments),
		T64(test_too_many_readable_segments),
		T64(test_too_many_writable_segments),
		T64(test_straddling_buffer_counts_two_segments),
		T(test_chain_of_num_descriptors),
		T(test_full_ring),
		T(test_wraparound),

		T(test_avail_idx_too_far_ahead),
		T(test_avail_idx_going_back),
		CHAIN(head_out_of_range),
		CHAIN(next_out_of_range),
		CHAIN(descriptor_loop),
		CHAIN(descriptor_self_loop),
		CHAIN(readable_after_writable),
		CHAIN(empty_readable_after_writable),
		CHAIN(buffer_outside_memory),
		CHAIN(buffer_running_past_memory),
		CHAIN(buffer_wrapping_address_space),
		CHAIN(buffer_wrapping_into_low_memory),
		CHAIN(buffer_ending_at_top_of_memory),
		T(test_broken_until_init),
		T(test_batch_publishes_used_idx_at_end),
		T(test_batch_nests),
		T(test_batch_end_shows_entries_of_a_broken_queue),
		T(test_avail_idx_reread_after_known_entries),

		TABLE_AT("test_indirect_table", TABLE),
		CHAIN(indirect_write_flag_ignored),
		CHAIN(direct_then_indirect),
		T(test_indirect_table_of_num_entries),
		CHAIN(indirect_table_larger_than_ring),
		CHAIN(indirect_table_beyond_max_queue_size),
		CHAIN(indirect_len_zero),
		CHAIN(indirect_len_not_multiple_of_16),
		CHAIN(nested_indirect),
		CHAIN(indirect_with_next),
		CHAIN(indirect_next_out_of_range),
		CHAIN(indirect_loop),
		CHAIN(indirect_table_outside_memory),
		CHAIN(indirect_table_running_past_memory),
		CHAIN(indirect_table_wrapping_address_space),
		CHAIN(indirect_table_wrapping_into_low_memory),
		CHAIN(readable_in_table_after_writable),
		T64(test_indirect_too_many_segments),
		TABLE_AT("test_indirect_table_straddling_regions", G1 - 16),
		TABLE_AT("test_indirect_entry_straddling_regions", G1 - 8),
		TABLE_AT("test_indirect_table_misaligned", TABLE + 1),

		T(test_push_writes_used_entry),
		T(test_push_head_out_of_order),
		T(test_push_without_inflight_writes_nothing),
		T(test_push_head_out_of_range_writes_nothing),
		T(test_push_on_broken_queue_writes_nothing),
		T(test_push_on_unmapped_queue_writes_nothing),

		NOTIFY(notify_after_push),
		NOTIFY(no_notify_without_new_used),
		NOTIFY(no_interrupt_suppresses),
		NOTIFY(no_interrupt_cleared_notifies),
		NOTIFY(notify_on_empty_overrides_no_interrupt),
		NOTIFY(notify_on_empty_needs_empty_ring),
		NOTIFY(empty_ring_without_notify_on_empty),
		NOTIFY(event_idx_first_decision_notifies),
		NOTIFY(event_idx_used_event_crossed),
		NOTIFY(event_idx_crossed_by_a_batch),
		NOTIFY(event_idx_ignores_no_interrupt),
		T(test_event_idx_wraparound),
		NOTIFY(event_idx_notify_on_empty),
		NOTIFY(remap_forgets_signalled),
		NOTIFY(unmapped_never_notifies),
		T(test_notify_writes_eventfd),
		T(test_notify_not_needed_writes_nothing),
		T(test_notify_without_call_fd),
		T(test_notify_saturated_eventfd),
		T(test_notify_write_error),

		T(test_disable_kicks_sets_no_notify),
		T(test_enable_kicks_clears_no_notify),
		T(test_avail_pending),
		T(test_enable_kicks_reports_pending),
		KICKS(event_idx_disable_kicks),
		KICKS(event_idx_enable_kicks),
		T(test_event_idx_enable_kicks_reports_pending),
		T(test_event_idx_avail_event_wraps),
		T(test_kicks_on_broken_queue_write_nothing),
	};

	/* Broken rings are the point of many tests: keep their warnings out. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
