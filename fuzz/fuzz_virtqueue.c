// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the split-virtqueue walker over fuzzed guest memory.
 *
 * Guest memory is one 64 KiB memfd shared as two regions, adjacent in
 * guest-physical space (GPA 0x0000-0x7fff and 0x8000-0xffff) but far apart in
 * the VMM's address space, so chains may cross from one to the other.  The
 * input is
 *
 *   byte  0      queue size: 1 << (b % 9), 1..256
 *   byte  1      bit 0 EVENT_IDX, bit 1 NOTIFY_ON_EMPTY, bit 2 rings at the
 *                offsets of bytes 4..9 instead of the fixed layout
 *   bytes 2-3    last_avail_idx (SET_VRING_BASE), little-endian
 *   bytes 4-9    desc, avail, used ring file offsets (le16 each; bit 2)
 *   bytes 10-25  16 operation bytes, run in a cycle for up to 512 steps
 *   the rest     the guest memory image, from file offset 0
 *
 * Fixed layout: desc at 0x0000, avail at 0x1000, used at 0x2000, buffers
 * anywhere else.  Operations: pop, push (a held chain or the last popped),
 * re-read a held chain, should_notify/notify, kick suppression, the driver
 * moving avail->idx on, and the driver rewriting descriptors it handed over.
 * Every popped or re-read chain must lie inside guest memory, a segment wholly
 * inside one region, with totals that add up; a broken queue must stay broken.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "guest_mem.h"
#include "log.h"
#include "virtqueue.h"

#define FILE_SIZE   0x10000u
#define HALF	    0x8000u
#define UVA_A	    0x7f0000000000ull
#define UVA_B	    0x7e0000100000ull
#define HEADER_SIZE 26
#define NOPS	    16
#define MAX_STEPS   512
#define MAX_HELD    64

struct fuzz_state {
	int memfd;
	int call_fd;
	uint8_t *image; /* our own mapping of the whole file */
	struct guest_mem mem;
};

static struct fuzz_state *state(void)
{
	static struct fuzz_state s;
	static int ready;

	if (ready)
		return &s;
	log_set_level(LOG_LEVEL_ERROR);
	s.memfd = memfd_create("fuzz-guest", MFD_CLOEXEC);
	assert(s.memfd >= 0);
	assert(ftruncate(s.memfd, FILE_SIZE) == 0);
	s.image = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s.memfd, 0);
	assert(s.image != MAP_FAILED);
	s.call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert(s.call_fd >= 0);
	guest_mem_init(&s.mem);
	assert(guest_mem_add_region(&s.mem, s.memfd, 0, HALF, UVA_A, 0) == 0);
	assert(guest_mem_add_region(&s.mem, s.memfd, HALF, HALF, UVA_B, HALF) ==
	       0);
	ready = 1;
	return &s;
}

static uint64_t file_off_to_uva(uint32_t off)
{
	return off < HALF ? UVA_A + off : UVA_B + (off - HALF);
}

/* Whether [p, p+len) lies wholly inside one region's mapping. */
static int inside_one_region(const struct guest_mem *mem, const void *p,
			     size_t len)
{
	uintptr_t a = (uintptr_t)p;

	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];
		uintptr_t lo = (uintptr_t)r->mmap_addr + r->mmap_offset;
		uintptr_t hi = lo + r->size;

		if (a >= lo && a <= hi && len <= hi - a)
			return 1;
	}
	return 0;
}

static void check_elem(const struct fuzz_state *s, const struct virtqueue *vq,
		       const struct vq_elem *e)
{
	uint64_t total = 0;

	assert(e->head < vq->num);
	assert(e->out_num <= VQ_MAX_SEGS && e->in_num <= VQ_MAX_SEGS);
	for (unsigned int i = 0; i < e->out_num; i++) {
		assert(inside_one_region(&s->mem, e->out[i].iov_base,
					 e->out[i].iov_len));
		total += e->out[i].iov_len;
	}
	assert(total == e->out_len);
	total = 0;
	for (unsigned int i = 0; i < e->in_num; i++) {
		assert(inside_one_region(&s->mem, e->in[i].iov_base,
					 e->in[i].iov_len));
		total += e->in[i].iov_len;
		/* The device may write there: try it (ASan checks). */
		if (e->in[i].iov_len)
			((volatile uint8_t *)e->in[i].iov_base)[0] ^= 0;
	}
	assert(total == e->in_len);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state *s = state();
	static struct vq_elem elem, last;
	struct virtqueue vq;
	uint16_t held[MAX_HELD];
	unsigned int nheld = 0, step;
	bool have_last = false;
	uint32_t desc_off = 0, avail_off = 0x1000, used_off = 0x2000;
	const uint8_t *ops;
	uint64_t counter;
	int ret;

	if (size < HEADER_SIZE)
		return 0;
	memset(s->image, 0, FILE_SIZE);
	memcpy(s->image, data + HEADER_SIZE,
	       size - HEADER_SIZE < FILE_SIZE ? size - HEADER_SIZE : FILE_SIZE);
	ops = data + 10;

	vq_init(&vq);
	vq.num = (uint16_t)(1u << (data[0] % 9));
	vq.event_idx = data[1] & 1;
	vq.notify_on_empty = data[1] & 2;
	if (data[1] & 4) {
		desc_off = get16(data + 4);
		avail_off = get16(data + 6);
		used_off = get16(data + 8);
	}
	vq.desc_uva = file_off_to_uva(desc_off);
	vq.avail_uva = file_off_to_uva(avail_off);
	vq.used_uva = file_off_to_uva(used_off);
	vq.call_fd = s->call_fd;

	ret = vq_map(&vq, &s->mem);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "vq_map: %d (num %u)\n", ret, vq.num);
	if (ret < 0) {
		assert(ret == -EFAULT || ret == -EINVAL);
		assert(!vq_ready(&vq));
		assert(vq_pop(&vq, &s->mem, &elem) < 0 ||
		       /* unmapped: nothing to pop */ 1);
		return 0;
	}
	vq.last_avail_idx = get16(data + 2);
	vq.signalled_used_valid = false;

	for (step = 0; step < MAX_STEPS; step++) {
		uint8_t op = ops[step % NOPS];

		switch (op & 7) {
		case 0:
		case 1:
		case 2:
			ret = vq_pop(&vq, &s->mem, &elem);
			if (getenv("FUZZ_VERBOSE"))
				fprintf(stderr, "vq_pop: %d out %u in %u\n",
					ret, elem.out_num, elem.in_num);
			if (ret == 1) {
				check_elem(s, &vq, &elem);
				last = elem;
				have_last = true;
				if (nheld < MAX_HELD)
					held[nheld++] = elem.head;
			} else if (ret < 0) {
				assert(ret == -EIO && vq.broken);
				assert(vq_pop(&vq, &s->mem, &elem) == -EIO);
				goto out;
			}
			break;
		case 3:
			if (op & 8) {
				if (have_last)
					vq_push(&vq, &last, op >> 4);
				have_last = false;
			} else if (nheld) {
				vq_push_head(&vq, held[0], (uint32_t)op << 20);
				memmove(held, held + 1,
					--nheld * sizeof(held[0]));
			}
			break;
		case 4:
			if (nheld) {
				uint16_t head = held[(op >> 3) % nheld];

				ret = vq_read_chain(&vq, &s->mem, head, &elem);
				if (ret == 0)
					check_elem(s, &vq, &elem);
				else if (ret == -EIO)
					goto out;
				else
					assert(ret == -EINVAL);
			}
			break;
		case 5:
			if (op & 8)
				(void)vq_should_notify(&vq);
			else
				assert(vq_notify(&vq) == 0);
			break;
		case 6:
			if (op & 8)
				vq_disable_kicks(&vq);
			else
				(void)vq_enable_kicks(&vq);
			break;
		case 7:
			if (op & 0x80) {
				/*
				 * The driver rewrites a descriptor it handed
				 * over (len, flags or next of one of the
				 * first four): held chains may change under
				 * vq_read_chain.
				 */
				uint32_t off = desc_off + ((op >> 3) & 15) * 4;

				if (off < FILE_SIZE)
					s->image[off] ^= (uint8_t)(step | 1);
			} else if (avail_off + 4 <= FILE_SIZE &&
				   !(avail_off & 1)) {
				/* The driver makes more entries available. */
				uint8_t *idx = s->image + avail_off + 2;
				uint16_t v = get16(idx) + (op >> 3);

				idx[0] = (uint8_t)v;
				idx[1] = (uint8_t)(v >> 8);
			}
			break;
		}
		if (vq.broken)
			break;
	}
out:
	(void)vq_inflight(&vq);
	vq_unmap(&vq);
	if (read(s->call_fd, &counter, sizeof(counter)) < 0)
		counter = 0;
	return 0;
}
