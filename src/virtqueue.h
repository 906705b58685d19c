/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (VirtIO 1.x, section 2.7) served from guest memory.
 *
 * The device side only: pop available descriptor chains as scatter lists,
 * push them back as used, and decide whether the driver needs a notification.
 * Every value read from the ring is checked before use (head and next below
 * the queue size, chains and indirect tables bounded, readable buffers before
 * writable ones, the avail index never more than the ring size ahead, every
 * address translated through guest_mem with clamping).  A ring that breaks a
 * rule is marked broken and serves nothing more until it is reset; a bad
 * chain never makes us touch memory outside guest regions.
 *
 * No syscalls here except the eventfd write in vq_notify(): the queue is unit
 * tested on rings laid out in ordinary memory.
 */
#ifndef VDG_VIRTQUEUE_H
#define VDG_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"

#define VQ_MAX_SIZE 32768
/*
 * Segments kept per direction for one chain.  The Linux GPIO driver uses one
 * readable and one writable buffer; a chain whose buffers need more segments
 * than this (after splitting at region boundaries) is rejected.
 */
#define VQ_MAX_SEGS 16

/* One popped descriptor chain. */
struct vq_elem {
	uint16_t head;	      /* id to return in the used ring */
	unsigned int out_num; /* device-readable segments */
	unsigned int in_num;  /* device-writable segments */
	uint64_t out_len;     /* total readable bytes */
	uint64_t in_len;      /* total writable bytes */
	struct iovec out[VQ_MAX_SEGS];
	struct iovec in[VQ_MAX_SEGS];
};

struct virtqueue {
	/* Set by the vhost-user layer. */
	uint16_t num;	   /* ring size, a power of two, 0 = not set */
	uint64_t desc_uva; /* SET_VRING_ADDR, in the VMM's address space */
	uint64_t avail_uva;
	uint64_t used_uva;
	bool event_idx;	      /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool notify_on_empty; /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
	int call_fd;	      /* eventfd to notify the driver, or -1 */
	bool call_failed;     /* writing call_fd failed: not tried again */

	/* Ring state. */
	struct vring_desc *desc; /* translated addresses, NULL when unmapped */
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail_idx; /* next avail entry we will look at */
	uint16_t avail_idx_seen; /* avail->idx when we last read it */
	uint16_t used_idx;	 /* next used entry we will fill */
	uint16_t used_batch;	 /* > 0: vq_push() leaves used->idx alone */
	uint16_t signalled_used; /* used_idx at the last notification */
	bool signalled_used_valid;
	bool broken; /* a rule was broken; reset to recover */
};

/*
 * Between vq_batch_begin() and vq_batch_end() (which may nest), vq_push()
 * fills used entries but used->idx is published once, at the end: the
 * driver's side then sees a batch with one transfer of that cache line
 * instead of one per entry.  Notify only after the end.
 */
void vq_batch_begin(struct virtqueue *vq);
void vq_batch_end(struct virtqueue *vq);

/* Zeroes the queue: no size, no addresses, fds -1, not broken. */
void vq_init(struct virtqueue *vq);

/*
 * Translates desc/avail/used through @mem (whole rings must be mapped, each
 * contiguously).  Called when the queue starts and again whenever the memory
 * table changes.  Returns 0 or -EFAULT (rings left unmapped), -EINVAL if num
 * is not set (or not a power of two) or a ring is misaligned (desc 16,
 * avail 2, used 4 bytes).  On success used_idx is taken from the used ring.
 */
int vq_map(struct virtqueue *vq, const struct guest_mem *mem);

/* Forgets the translated ring pointers (memory is going away). */
void vq_unmap(struct virtqueue *vq);

/* True when the rings are mapped and the queue is not broken. */
bool vq_ready(const struct virtqueue *vq);

/*
 * Takes the next available chain.  Returns 1 and fills @elem, 0 when nothing
 * is available, or -EIO when the ring or the chain breaks a rule: the queue
 * is then marked broken (vq->broken) and returns -EIO until vq_init/reset.
 * Pointers in @elem point into guest memory and stay valid until the memory
 * table changes.
 */
int vq_pop(struct virtqueue *vq, const struct guest_mem *mem,
	   struct vq_elem *elem);

/*
 * Walks the chain at @head again, with every check of vq_pop(), for a chain
 * popped earlier and held (the driver must not touch it meanwhile).  Holding
 * only the head keeps no pointer into guest memory across memory table
 * changes.  Returns 0, -EINVAL if the queue is unmapped or @head out of
 * range, or -EIO (queue broken).
 */
int vq_read_chain(struct virtqueue *vq, const struct guest_mem *mem,
		  uint16_t head, struct vq_elem *elem);

/* Returns @elem's chain to the driver with @len bytes written. */
void vq_push(struct virtqueue *vq, const struct vq_elem *elem, uint32_t len);

/* Returns a chain by its head id (used for chains held across calls). */
void vq_push_head(struct virtqueue *vq, uint16_t head, uint32_t len);

/*
 * Whether the driver wants to hear about the used entries pushed since the
 * last notification: with EVENT_IDX, whether used_event was crossed; without
 * it, unless the driver set VRING_AVAIL_F_NO_INTERRUPT, except that with
 * NOTIFY_ON_EMPTY (vq->notify_on_empty) an empty avail ring always notifies.
 */
bool vq_should_notify(struct virtqueue *vq);

/*
 * Writes the call eventfd if vq_should_notify().  Returns 0, or -errno the
 * first time the write fails for any reason but a full counter (the fd is
 * not an eventfd after all): later calls then skip the write and return 0,
 * until the vhost-user layer sets a new call fd and clears call_failed.
 */
int vq_notify(struct virtqueue *vq);

/*
 * Kick suppression while we drain the ring: disable, drain, re-enable, then
 * check once more for buffers that arrived in between.  With EVENT_IDX this
 * writes avail_event; otherwise VRING_USED_F_NO_NOTIFY.
 * vq_enable_kicks() returns true if more buffers are available already.
 */
void vq_disable_kicks(struct virtqueue *vq);
bool vq_enable_kicks(struct virtqueue *vq);

/*
 * Whether the driver has made buffers available that vq_pop() has not taken
 * yet: one read of the avail index, for a device that polls the ring
 * instead of waiting for kicks.  False for a queue not ready.
 */
bool vq_avail_pending(const struct virtqueue *vq);

/* Number of chains popped but not pushed (for GET_VRING_BASE and tests). */
uint16_t vq_inflight(const struct virtqueue *vq);

#endif
