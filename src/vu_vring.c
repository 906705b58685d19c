// SPDX-License-Identifier: MIT
/*
 * The vhost-user requests that set up one virtqueue (SET_VRING_NUM, _ADDR,
 * _BASE, _KICK, _CALL, _ERR, _ENABLE and GET_VRING_BASE), as the request
 * table in vu_protocol.c calls them: the message is well-formed already.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "log.h"
#include "vu_dev_internal.h"

#define VRING_INDEX_MASK 0xffull
#define VRING_NOFD_BIT	 (1ull << 8)

/* Payload layouts (vhost-user.rst, "Message types"). */
struct vring_state_payload {
	uint32_t index;
	uint32_t num;
};

struct vring_addr_payload {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_uva;
	uint64_t used_uva;
	uint64_t avail_uva;
	uint64_t log_gpa;
};

/* The queue named by a vring state payload, or NULL. */
static struct vu_queue *state_queue(struct vu_dev *dev,
				    const struct vu_msg *msg)
{
	const struct vring_state_payload *state =
		(const void *)msg->payload.bytes;

	return vu_dev_queue(dev, state->index);
}

int vu_vring_set_num(struct vu_dev *dev, struct vu_msg *msg,
		     struct vu_msg *reply)
{
	const struct vring_state_payload *state =
		(const void *)msg->payload.bytes;
	struct vu_queue *q = state_queue(dev, msg);
	uint32_t num = state->num;

	if (!q)
		return -EINVAL;
	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1))) {
		log_warn("queue %u: size %u is not a power of two up to %u",
			 q->index, num, VQ_MAX_SIZE);
		return -EINVAL;
	}
	if (q->started)
		return -EBUSY;
	vq_unmap(&q->vq);
	q->vq.num = (uint16_t)num;
	return 0;
}

int vu_vring_set_addr(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply)
{
	const struct vring_addr_payload *addr =
		(const void *)msg->payload.bytes;
	struct vu_queue *q;
	int ret;

	if (addr->index >= dev->nqueues)
		return -EINVAL;
	q = &dev->queues[addr->index];
	if (q->started)
		return -EBUSY;
	q->vq.desc_uva = addr->desc_uva;
	q->vq.avail_uva = addr->avail_uva;
	q->vq.used_uva = addr->used_uva;
	ret = vq_map(&q->vq, &dev->mem);
	if (ret < 0) {
		/*
		 * QEMU shares only memory backed by a file descriptor: with
		 * plain "-m" the table is empty and this is the first sign.
		 */
		if (dev->mem.nregions == 0)
			log_warn("queue %u: the front-end shared no guest "
				 "memory; QEMU needs a shared memory backend, "
				 "e.g. -object memory-backend-memfd,id=mem,"
				 "size=512M,share=on "
				 "-machine memory-backend=mem",
				 q->index);
		else
			log_warn("queue %u: ring addresses not in guest memory",
				 q->index);
		return ret;
	}
	/*
	 * vq_map() took used_idx from the ring (read once): the driver may
	 * have used entries from a previous back-end.
	 */
	return 0;
}

int vu_vring_set_base(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply)
{
	const struct vring_state_payload *state =
		(const void *)msg->payload.bytes;
	struct vu_queue *q = state_queue(dev, msg);

	if (!q || state->num > UINT16_MAX)
		return -EINVAL;
	if (q->started)
		return -EBUSY;
	q->vq.last_avail_idx = (uint16_t)state->num;
	q->vq.signalled_used_valid = false;
	return 0;
}

int vu_vring_get_base(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply)
{
	struct vring_state_payload *out = (void *)reply->payload.bytes;
	struct vu_queue *q = state_queue(dev, msg);

	if (!q)
		return -EINVAL;
	vu_dev_stop_queue(dev, q);
	out->index = q->index;
	out->num = q->vq.last_avail_idx;
	reply->size = sizeof(*out);
	return 0;
}

/*
 * SET_VRING_KICK/CALL/ERR: a u64 with the queue index and a "no fd" bit;
 * the fd, if any, comes with the message.
 */
static int vring_file(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_queue **q, int *fd)
{
	uint64_t value = msg->payload.u64;
	bool nofd = value & VRING_NOFD_BIT;

	if (value & ~(VRING_INDEX_MASK | VRING_NOFD_BIT))
		return -EINVAL;
	if ((value & VRING_INDEX_MASK) >= dev->nqueues)
		return -EINVAL;
	if (nofd != (msg->nfds == 0))
		return -EPROTO;
	*q = &dev->queues[value & VRING_INDEX_MASK];
	*fd = nofd ? -1 : vu_msg_take_fd(msg, 0);
	return 0;
}

/*
 * The same, with the fd (if any) checked to be an eventfd and made
 * non-blocking (vu_dev_adopt_event_fd); it is closed if it is not one.
 */
static int vring_event_fd(struct vu_dev *dev, struct vu_msg *msg,
			  const char *what, struct vu_queue **q, int *fd)
{
	int ret = vring_file(dev, msg, q, fd);

	if (ret < 0 || *fd < 0)
		return ret;
	ret = vu_dev_adopt_event_fd(*q, what, *fd);
	if (ret < 0)
		close(*fd);
	return ret;
}

int vu_vring_set_kick(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_event_fd(dev, msg, "kick", &q, &fd);
	if (ret < 0)
		return ret;
	if (fd < 0) {
		/* Polling mode: not implemented (QEMU always passes an fd). */
		log_warn("queue %u: kick without fd is not supported",
			 q->index);
		return -EINVAL;
	}
	return vu_dev_start_queue(dev, q, fd);
}

int vu_vring_set_call(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_event_fd(dev, msg, "call", &q, &fd);
	if (ret < 0)
		return ret;
	if (q->vq.call_fd >= 0)
		close(q->vq.call_fd);
	q->vq.call_fd = fd;
	q->vq.call_failed = false;
	/*
	 * QEMU sends the call fd after the kick fd, so buffers used while the
	 * queue started (a latched interrupt) are only announced now.
	 */
	if (q->started && vq_ready(&q->vq) && vq_notify(&q->vq) < 0)
		log_warn("queue %u: cannot notify the driver", q->index);
	return 0;
}

int vu_vring_set_err(struct vu_dev *dev, struct vu_msg *msg,
		     struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_event_fd(dev, msg, "error", &q, &fd);
	if (ret < 0)
		return ret;
	if (q->err_fd >= 0)
		close(q->err_fd);
	q->err_fd = fd;
	return 0;
}

int vu_vring_set_enable(struct vu_dev *dev, struct vu_msg *msg,
			struct vu_msg *reply)
{
	const struct vring_state_payload *state =
		(const void *)msg->payload.bytes;
	struct vu_queue *q = state_queue(dev, msg);

	if (!q || state->num > 1)
		return -EINVAL;
	q->enabled = state->num;
	/* QEMU enables queues it never set up (the eventq without F_IRQ). */
	if (q->enabled)
		vu_dev_kick_if_ready(dev, q->index);
	return 0;
}
