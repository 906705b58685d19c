// SPDX-License-Identifier: MIT
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "log.h"

/*
 * The driver writes the rings while we read them.  Each guest field is read
 * exactly once into a local through a volatile access, so that the value we
 * check is the value we use (no double fetch), and written once so that the
 * compiler neither tears nor repeats our stores.
 */
#define READ_ONCE(x)	 (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define DESC_SIZE sizeof(struct vring_desc)

/* A descriptor in host byte order, read once from guest memory. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * Where the descriptors of the chain being walked come from.  The ring's own
 * table is always mapped in one piece (vq_map checks it).  An indirect table
 * is read in place when it is mapped in one piece and aligned; otherwise (it
 * straddles two regions, or the driver did not align it) each entry is
 * copied out byte by byte.  That slow path is accepted rather than refused
 * because the specification asks neither for alignment nor for the table to
 * avoid a boundary of the VMM's memory layout, which the driver cannot see.
 */
struct desc_table {
	const struct vring_desc *ptr; /* NULL: use the copying path */
	uint64_t gpa;
	unsigned int size; /* entries */
};

static int __attribute__((format(printf, 2, 3)))
vq_break(struct virtqueue *vq, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Once per queue: a broken queue is not looked at again. */
	log_warn("virtqueue broken: %s", why);
	vq->broken = true;
	return -EIO;
}

void vq_init(struct virtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
	vq->call_fd = -1;
}

static int map_ring(const struct guest_mem *mem, uint64_t uva, uint64_t size,
		    uintptr_t align, void **ring)
{
	uint64_t len = size;
	void *ptr;

	if (uva % align)
		return -EINVAL;
	ptr = guest_mem_uva_to_ptr(mem, uva, &len);
	if (!ptr || len != size)
		return -EFAULT;
	/*
	 * Only possible if the VMM mapped its memory at an odd offset; ring
	 * fields are accessed in place, so they must be naturally aligned.
	 */
	if ((uintptr_t)ptr % align)
		return -EINVAL;
	*ring = ptr;
	return 0;
}

int vq_map(struct virtqueue *vq, const struct guest_mem *mem)
{
	void *desc, *avail, *used;
	uint64_t num = vq->num;
	int ret;

	vq_unmap(vq);
	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;

	/* Sizes include used_event and avail_event whether used or not. */
	ret = map_ring(mem, vq->desc_uva, DESC_SIZE * num,
		       VRING_DESC_ALIGN_SIZE, &desc);
	if (ret == 0)
		ret = map_ring(mem, vq->avail_uva, 6 + 2 * num,
			       VRING_AVAIL_ALIGN_SIZE, &avail);
	if (ret == 0)
		ret = map_ring(mem, vq->used_uva, 6 + 8 * num,
			       VRING_USED_ALIGN_SIZE, &used);
	if (ret < 0)
		return ret;

	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	/*
	 * The used index in the ring is the one we published last, also across
	 * a back-end restart where our own copy is lost.  Our notion of what
	 * was signalled is not known to be in step with the driver any more.
	 */
	vq->used_idx = le16toh(READ_ONCE(vq->used->idx));
	vq->signalled_used_valid = false;
	vq->avail_idx_seen = vq->last_avail_idx;
	return 0;
}

void vq_unmap(struct virtqueue *vq)
{
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

static bool vq_mapped(const struct virtqueue *vq)
{
	return vq->desc && vq->avail && vq->used;
}

bool vq_ready(const struct virtqueue *vq)
{
	return vq_mapped(vq) && !vq->broken;
}

static uint16_t read_avail_idx(const struct virtqueue *vq)
{
	return le16toh(READ_ONCE(vq->avail->idx));
}

static void copy_from_volatile(void *dst, const volatile uint8_t *src, size_t n)
{
	uint8_t *out = dst;

	for (size_t i = 0; i < n; i++)
		out[i] = src[i];
}

/* Copies @n bytes at @gpa, which the caller knows not to wrap. */
static int copy_from_guest(const struct guest_mem *mem, uint64_t gpa, void *dst,
			   size_t n)
{
	uint8_t *out = dst;

	while (n) {
		uint64_t chunk = n;
		const uint8_t *src = guest_mem_gpa_to_ptr(mem, gpa, &chunk);

		if (!src || chunk == 0)
			return -EFAULT;
		copy_from_volatile(out, src, (size_t)chunk);
		out += chunk;
		gpa += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

static int read_desc(const struct guest_mem *mem, const struct desc_table *t,
		     unsigned int i, struct desc *d)
{
	const struct vring_desc *in_place = t->ptr ? &t->ptr[i] : NULL;
	struct vring_desc copy;

	if (in_place) {
		d->addr = le64toh(READ_ONCE(in_place->addr));
		d->len = le32toh(READ_ONCE(in_place->len));
		d->flags = le16toh(READ_ONCE(in_place->flags));
		d->next = le16toh(READ_ONCE(in_place->next));
		return 0;
	}
	if (copy_from_guest(mem, t->gpa + (uint64_t)i * DESC_SIZE, &copy,
			    sizeof(copy)) < 0)
		return -EFAULT;
	d->addr = le64toh(copy.addr);
	d->len = le32toh(copy.len);
	d->flags = le16toh(copy.flags);
	d->next = le16toh(copy.next);
	return 0;
}

/*
 * Sets up @t for the indirect table @d refers to.  The table may hold at
 * most as many descriptors as the ring: a chain is never longer than the
 * queue size (VirtIO 1.x 2.7.5.3.1).
 */
static int open_indirect(struct virtqueue *vq, const struct guest_mem *mem,
			 const struct desc *d, struct desc_table *t)
{
	uint64_t gpa = d->addr, len = d->len, left = len;
	void *ptr = NULL;

	if (len == 0 || len % DESC_SIZE)
		return vq_break(vq, "indirect table of %u bytes", d->len);
	/*
	 * Not bounded by the ring size: Linux builds a two-entry table for a
	 * GPIO request even in a one-entry ring, and libvhost-user and QEMU
	 * accept it.  The walk inside the table is bounded by its own length.
	 */
	if (len / DESC_SIZE > VQ_MAX_SIZE)
		return vq_break(vq, "indirect table of %" PRIu64 " descriptors",
				(uint64_t)(len / DESC_SIZE));
	if (gpa > UINT64_MAX - (len - 1))
		return vq_break(vq, "indirect table wraps around");

	/* Every byte must be guest memory before any is read. */
	while (left) {
		uint64_t chunk = left;
		void *p = guest_mem_gpa_to_ptr(mem, gpa + (len - left), &chunk);

		if (!p || chunk == 0)
			return vq_break(vq,
					"indirect table at 0x%" PRIx64
					" not in guest memory",
					d->addr);
		if (left == len && chunk == len)
			ptr = p;
		left -= chunk;
	}

	if (ptr && (uintptr_t)ptr % _Alignof(struct vring_desc))
		ptr = NULL;
	t->ptr = ptr;
	t->gpa = gpa;
	t->size = (unsigned int)(len / DESC_SIZE);
	return 0;
}

/*
 * Appends the guest buffer [@gpa, @gpa + @len) to @iov as one segment per
 * region it touches.
 */
static int map_buffer(struct virtqueue *vq, const struct guest_mem *mem,
		      uint64_t gpa, uint32_t len, struct iovec *iov,
		      unsigned int *niov)
{
	if (len && gpa > UINT64_MAX - (len - 1))
		return vq_break(vq, "buffer at 0x%" PRIx64 " wraps around",
				gpa);

	while (len) {
		uint64_t chunk = len;
		void *p = guest_mem_gpa_to_ptr(mem, gpa, &chunk);

		if (!p || chunk == 0)
			return vq_break(vq,
					"buffer byte 0x%" PRIx64
					" not in guest memory",
					gpa);
		if (*niov == VQ_MAX_SEGS)
			return vq_break(vq, "more than %d segments",
					VQ_MAX_SEGS);
		iov[*niov].iov_base = p;
		iov[*niov].iov_len = (size_t)chunk;
		(*niov)++;
		gpa += chunk;
		len -= (uint32_t)chunk;
	}
	return 0;
}

static int walk_chain(struct virtqueue *vq, const struct guest_mem *mem,
		      uint16_t head, struct vq_elem *elem)
{
	struct desc_table ring = {.ptr = vq->desc, .size = vq->num};
	struct desc_table indirect;
	const struct desc_table *t = &ring;
	unsigned int i = head, seen = 0;
	bool writable_seen = false;
	struct desc d;
	int ret;

	for (;;) {
		/* A driver cannot chain more descriptors than a table holds. */
		if (++seen > t->size)
			return vq_break(vq, "descriptor loop from head %u",
					head);
		if (read_desc(mem, t, i, &d) < 0)
			return vq_break(vq, "indirect descriptor %u unreadable",
					i);

		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (t != &ring)
				return vq_break(vq, "nested indirect table");
			if (d.flags & VRING_DESC_F_NEXT)
				return vq_break(vq, "indirect with next");
			ret = open_indirect(vq, mem, &d, &indirect);
			if (ret < 0)
				return ret;
			t = &indirect;
			i = 0;
			seen = 0;
			continue;
		}

		if (d.flags & VRING_DESC_F_WRITE) {
			writable_seen = true;
			ret = map_buffer(vq, mem, d.addr, d.len, elem->in,
					 &elem->in_num);
			elem->in_len += d.len;
		} else {
			if (writable_seen)
				return vq_break(vq, "readable after writable");
			ret = map_buffer(vq, mem, d.addr, d.len, elem->out,
					 &elem->out_num);
			elem->out_len += d.len;
		}
		if (ret < 0)
			return ret;

		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= t->size)
			return vq_break(vq, "next %u beyond table of %u",
					d.next, t->size);
		i = d.next;
	}
}

/* Walks the chain at @head (< num) into @elem.  Returns 0 or -EIO. */
static int fill_elem(struct virtqueue *vq, const struct guest_mem *mem,
		     uint16_t head, struct vq_elem *elem)
{
	int ret;

	elem->head = head;
	elem->out_num = 0;
	elem->in_num = 0;
	elem->out_len = 0;
	elem->in_len = 0;
	ret = walk_chain(vq, mem, head, elem);
	if (ret < 0) {
		/* Leave no half-mapped chain for a careless caller to use. */
		elem->out_num = 0;
		elem->in_num = 0;
	}
	return ret;
}

int vq_pop(struct virtqueue *vq, const struct guest_mem *mem,
	   struct vq_elem *elem)
{
	uint16_t avail_idx, pending, head;
	int ret;

	if (vq->broken)
		return -EIO;
	if (!vq_mapped(vq))
		return 0;

	/*
	 * The driver writes avail->idx for every buffer it adds: read it
	 * again only when the entries known from the last read are used up,
	 * so that a batch costs one transfer of that cache line, not one per
	 * entry (Linux vhost keeps the same shadow).
	 */
	avail_idx = vq->avail_idx_seen;
	pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (pending == 0 || pending > vq->num) {
		avail_idx = read_avail_idx(vq);
		vq->avail_idx_seen = avail_idx;
		pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	}
	if (pending == 0)
		return 0;
	if (pending > vq->num)
		return vq_break(vq, "avail idx %u is %u ahead of %u", avail_idx,
				pending, vq->last_avail_idx);
	/* The ring entry and its descriptors were written before the idx. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	head = le16toh(
		READ_ONCE(vq->avail->ring[vq->last_avail_idx & (vq->num - 1)]));
	if (head >= vq->num)
		return vq_break(vq, "head %u beyond ring of %u", head, vq->num);

	ret = fill_elem(vq, mem, head, elem);
	if (ret < 0)
		return ret;
	vq->last_avail_idx++;
	return 1;
}

int vq_read_chain(struct virtqueue *vq, const struct guest_mem *mem,
		  uint16_t head, struct vq_elem *elem)
{
	if (vq->broken)
		return -EIO;
	if (!vq_mapped(vq) || head >= vq->num)
		return -EINVAL;
	return fill_elem(vq, mem, head, elem);
}

static void publish_used_idx(struct virtqueue *vq)
{
	/* The entries, and the data written to the buffers, before the idx. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->used->idx, htole16(vq->used_idx));
}

void vq_push_head(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *slot;

	/*
	 * Pushing what was never popped would hand the driver a chain it still
	 * owns, or write to a ring that is gone: both are our bugs, and the
	 * driver is better off not seeing them.
	 */
	if (!vq_ready(vq) || head >= vq->num || vq_inflight(vq) == 0)
		return;

	slot = &vq->used->ring[vq->used_idx & (vq->num - 1)];
	WRITE_ONCE(slot->id, htole32(head));
	WRITE_ONCE(slot->len, htole32(len));
	vq->used_idx++;
	if (!vq->used_batch)
		publish_used_idx(vq);
}

void vq_batch_begin(struct virtqueue *vq)
{
	vq->used_batch++;
}

void vq_batch_end(struct virtqueue *vq)
{
	if (!vq->used_batch)
		return;
	/* Even on a queue broken since: what was pushed is the driver's. */
	if (--vq->used_batch == 0 && vq_mapped(vq))
		publish_used_idx(vq);
}

void vq_push(struct virtqueue *vq, const struct vq_elem *elem, uint32_t len)
{
	vq_push_head(vq, elem->head, len);
}

/* used_event sits right after the avail ring entries. */
static uint16_t read_used_event(const struct virtqueue *vq)
{
	return le16toh(READ_ONCE(vq->avail->ring[vq->num]));
}

/* avail_event sits right after the used ring entries. */
static void write_avail_event(struct virtqueue *vq, uint16_t val)
{
	__virtio16 *avail_event = (__virtio16 *)&vq->used->ring[vq->num];

	WRITE_ONCE(*avail_event, htole16(val));
}

bool vq_should_notify(struct virtqueue *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx;
	bool valid = vq->signalled_used_valid;

	if (!vq_ready(vq))
		return false;
	/* Nothing was used since the last decision. */
	if (valid && old == new)
		return false;

	/*
	 * Our used idx store must be visible before we read the driver's
	 * suppression state; otherwise we and the driver could each miss the
	 * other's update and the driver would wait forever.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/*
	 * Like Linux vhost and libvhost-user, remember the used idx of every
	 * decision, not only of notifications: with EVENT_IDX the driver asks
	 * about one entry, and whether it was crossed is judged once.
	 */
	vq->signalled_used = new;
	vq->signalled_used_valid = true;

	/*
	 * NOTIFY_ON_EMPTY overrides both suppression mechanisms (VirtIO 1.x
	 * 6.3, legacy feature bits).
	 */
	if (vq->notify_on_empty && read_avail_idx(vq) == vq->last_avail_idx)
		return true;
	if (vq->event_idx)
		return !valid ||
		       vring_need_event(read_used_event(vq), new, old);
	return !(le16toh(READ_ONCE(vq->avail->flags)) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}

int vq_notify(struct virtqueue *vq)
{
	const uint64_t one = 1;
	ssize_t n;

	/*
	 * Without a call fd nothing can be sent: leave the decision to the
	 * first call after one is set, so that it covers these entries too.
	 */
	if (vq->call_fd < 0 || vq->call_failed || !vq_should_notify(vq))
		return 0;
	do {
		n = write(vq->call_fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(one))
		return 0;
	/* A saturated eventfd counter: the driver has an interrupt pending. */
	if (n < 0 && errno == EAGAIN)
		return 0;
	/* Once: a fd that refuses one write refuses every later one. */
	vq->call_failed = true;
	return n < 0 ? -errno : -EIO;
}

static void set_used_flags(struct virtqueue *vq, bool no_notify)
{
	uint16_t flags = le16toh(READ_ONCE(vq->used->flags));

	if (no_notify)
		flags |= VRING_USED_F_NO_NOTIFY;
	else
		flags &= (uint16_t)~VRING_USED_F_NO_NOTIFY;
	WRITE_ONCE(vq->used->flags, htole16(flags));
}

void vq_disable_kicks(struct virtqueue *vq)
{
	if (!vq_ready(vq))
		return;
	/*
	 * With EVENT_IDX, ask for a kick only when the driver fills the entry
	 * just behind the one we wait for: 65535 entries away, so never before
	 * vq_enable_kicks() moves it again.  The spec wants flags left at 0.
	 */
	if (vq->event_idx)
		write_avail_event(vq, (uint16_t)(vq->last_avail_idx - 1));
	else
		set_used_flags(vq, true);
}

bool vq_enable_kicks(struct virtqueue *vq)
{
	if (!vq_ready(vq))
		return false;
	/* A kick when the driver fills the entry we will look at next. */
	if (vq->event_idx)
		write_avail_event(vq, vq->last_avail_idx);
	else
		set_used_flags(vq, false);
	/*
	 * The driver may have added buffers before it could see the store
	 * above, and will not kick for them: look at its idx only after our
	 * store is visible.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return read_avail_idx(vq) != vq->last_avail_idx;
}

bool vq_avail_pending(const struct virtqueue *vq)
{
	return vq_ready(vq) && read_avail_idx(vq) != vq->last_avail_idx;
}

uint16_t vq_inflight(const struct virtqueue *vq)
{
	return (uint16_t)(vq->last_avail_idx - vq->used_idx);
}
