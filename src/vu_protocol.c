// SPDX-License-Identifier: MIT
#include "vu_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vu_msg.h"

/*
 * Messages handled per wake-up of the connection: a front-end that floods
 * its socket shares the thread with the device's queues and control
 * socket; the rest waits for the next turn of the (level-triggered) loop.
 */
#define MESSAGES_PER_WAKEUP 16

#define VRING_INDEX_MASK 0xffull
#define VRING_NOFD_BIT	 (1ull << 8)

#define TRANSPORT_FEATURES                                                   \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) | \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) |                             \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VU_F_PROTOCOL_FEATURES))

#define OFFERED_PROTOCOL_FEATURES                                         \
	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VU_PROTOCOL_F_CONFIG) |                                 \
	 (1ull << VU_PROTOCOL_F_RESET_DEVICE) |                           \
	 (1ull << VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                    \
	 (1ull << VU_PROTOCOL_F_STATUS))

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

struct mem_region_payload {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct mem_table_payload {
	uint32_t nregions;
	uint32_t padding;
	struct mem_region_payload regions[VU_MAX_FDS];
};

struct single_region_payload {
	uint64_t padding;
	struct mem_region_payload region;
};

struct config_payload {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VU_MAX_CONFIG_SIZE];
};

#define CONFIG_HEADER_SIZE offsetof(struct config_payload, data)

typedef int (*request_handler)(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply);

/*
 * What a request must look like before its handler runs.  The handler of a
 * request whose payload is variable checks the exact size itself.
 */
struct request_rule {
	const char *name;
	uint32_t min_size;
	uint32_t max_size;
	uint8_t min_fds;
	uint8_t max_fds;
	bool has_reply; /* the request always gets a reply of its own */
	request_handler handle;
};

static uint64_t payload_u64(const struct vu_msg *msg)
{
	return msg->payload.u64;
}

static void reply_u64(struct vu_msg *reply, uint64_t value)
{
	reply->payload.u64 = value;
	reply->size = sizeof(uint64_t);
}

static bool protocol_features_negotiated(const struct vu_dev *dev)
{
	return vu_dev_has_feature(dev, VU_F_PROTOCOL_FEATURES);
}

/* The virtio features this back-end offers. */
static uint64_t offered_features(const struct vu_dev *dev)
{
	return dev->ops->device_features | TRANSPORT_FEATURES;
}

struct virtqueue *vu_dev_ready_queue(struct vu_dev *dev, unsigned int index)
{
	struct vu_queue *q;

	if (index >= VU_MAX_QUEUES)
		return NULL;
	q = &dev->queues[index];
	if (!q->started || !(q->enabled || !protocol_features_negotiated(dev)))
		return NULL;
	return vq_ready(&q->vq) ? &q->vq : NULL;
}

static void kick_if_ready(struct vu_dev *dev, unsigned int index)
{
	if (vu_dev_ready_queue(dev, index))
		dev->ops->queue_kick(dev->opaque, dev, index);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void remove_kick_fd(struct vu_dev *dev, struct vu_queue *q)
{
	if (q->kick_fd >= 0)
		event_loop_remove(dev->loop, q->kick_fd);
	close_fd(&q->kick_fd);
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case 0:
		return "anonymous inode";
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFIFO:
		return "pipe";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	default:
		return "special file";
	}
}

/*
 * A kick, call or error fd must be an eventfd.  The kernel gives every
 * eventfd (and a few other kinds: epoll, timerfd, signalfd) one anonymous
 * inode without file type bits; a pipe, socket, file, device or directory
 * has one and is refused, as is an O_PATH fd.  The fd is then made
 * non-blocking, so that writing to a counter at its limit or reading an
 * empty one never holds the thread (the status flag is shared with the
 * front-end's copy: QEMU makes its eventfds non-blocking anyway).  What
 * passes and is still not an eventfd can only make its reads and writes
 * fail, which on_kick() and vq_notify() handle.
 */
static int adopt_event_fd(const struct vu_queue *q, const char *what, int fd)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	if ((st.st_mode & S_IFMT) != 0 || flags < 0 || (flags & O_PATH)) {
		log_warn("queue %u: %s fd refused: it is %s %s, not an eventfd",
			 q->index, what, (st.st_mode & S_IFMT) ? "a" : "an",
			 (st.st_mode & S_IFMT) ? file_kind(st.st_mode)
					       : "O_PATH descriptor");
		return -EINVAL;
	}
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/*
 * Watched edge-triggered (see handle_set_vring_kick), so one read per
 * wake-up is enough: the counter need not be emptied for the next kick to
 * wake us.
 */
static void on_kick(void *opaque, uint32_t events)
{
	struct vu_queue *q = opaque;
	uint64_t count;
	ssize_t n;

	do {
		n = read(q->kick_fd, &count, sizeof(count));
	} while (n < 0 && errno == EINTR);
	/*
	 * A kick fd that hangs up, hits end-of-file or cannot be read (not
	 * an eventfd after all) would report itself again and again: stop
	 * watching it.  The queue is then served only when other events
	 * (the eventq, the back-end) come.
	 */
	if ((events & (EPOLLHUP | EPOLLERR)) || n == 0 ||
	    (n < 0 && errno != EAGAIN)) {
		log_warn("queue %u: kick fd %s; not watching it any more",
			 q->index,
			 n < 0 && errno != EAGAIN ? strerror(errno)
						  : "hung up");
		remove_kick_fd(q->dev, q);
		return;
	}
	kick_if_ready(q->dev, q->index);
}

/* Stops a queue: the device lets go of its chains, fds are closed. */
static void stop_queue(struct vu_dev *dev, struct vu_queue *q)
{
	if (q->started && dev->ops->queue_stop)
		dev->ops->queue_stop(dev->opaque, dev, q->index);
	q->started = false;
	remove_kick_fd(dev, q);
	close_fd(&q->vq.call_fd);
	close_fd(&q->err_fd);
}

static void reset_queue(struct vu_dev *dev, struct vu_queue *q)
{
	stop_queue(dev, q);
	vq_init(&q->vq);
	q->enabled = false;
}

static void reset_all_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VU_MAX_QUEUES; i++)
		reset_queue(dev, &dev->queues[i]);
}

/* Re-translates every queue with addresses after the memory table changed. */
static void remap_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VU_MAX_QUEUES; i++) {
		struct virtqueue *vq = &dev->queues[i].vq;

		if (!vq->num || !vq->desc_uva)
			continue;
		if (vq_map(vq, &dev->mem) < 0)
			log_warn("queue %u: rings are not in guest memory", i);
	}
}

static void unmap_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VU_MAX_QUEUES; i++)
		vq_unmap(&dev->queues[i].vq);
}

static int handle_get_features(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	reply_u64(reply, offered_features(dev));
	return 0;
}

static int handle_set_features(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	uint64_t features = payload_u64(msg);
	unsigned int i;

	if (features & ~offered_features(dev)) {
		log_warn("SET_FEATURES: 0x%llx not offered",
			 (unsigned long long)(features &
					      ~offered_features(dev)));
		return -EINVAL;
	}
	dev->features = features;
	for (i = 0; i < VU_MAX_QUEUES; i++) {
		struct virtqueue *vq = &dev->queues[i].vq;

		vq->event_idx =
			vu_dev_has_feature(dev, VIRTIO_RING_F_EVENT_IDX);
		vq->notify_on_empty =
			vu_dev_has_feature(dev, VIRTIO_F_NOTIFY_ON_EMPTY);
	}
	return 0;
}

static int handle_set_owner(struct vu_dev *dev, struct vu_msg *msg,
			    struct vu_msg *reply)
{
	return 0;
}

static int handle_reset_device(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	reset_all_queues(dev);
	dev->ops->reset(dev->opaque);
	return 0;
}

static int handle_reset_owner(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	dev->features = 0;
	return handle_reset_device(dev, msg, reply);
}

static int add_region(struct vu_dev *dev, const struct mem_region_payload *r,
		      int fd)
{
	struct stat st;
	int ret;

	/*
	 * Guest memory is a memfd, a file on /dev/shm or hugetlbfs: a
	 * regular file.  Mapping a device (/dev/zero, /dev/mem, a watchdog)
	 * or anything else the front-end passes is refused up front.
	 */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		log_warn("memory region gpa 0x%llx refused: its fd is a %s, "
			 "not a file (memfd, shm or hugetlbfs)",
			 (unsigned long long)r->gpa, file_kind(st.st_mode));
		return -EINVAL;
	}
	ret = guest_mem_add_region(&dev->mem, fd, r->gpa, r->size, r->uva,
				   r->mmap_offset);

	if (ret < 0)
		log_warn("memory region gpa 0x%llx size 0x%llx refused: %s",
			 (unsigned long long)r->gpa,
			 (unsigned long long)r->size, strerror(-ret));
	return ret;
}

static int handle_set_mem_table(struct vu_dev *dev, struct vu_msg *msg,
				struct vu_msg *reply)
{
	const struct mem_table_payload *table =
		(const void *)msg->payload.bytes;
	uint32_t i, n = table->nregions;
	int ret = 0;

	if (n == 0 || n > VU_MAX_FDS ||
	    msg->size != 8 + n * sizeof(struct mem_region_payload) ||
	    msg->nfds != n) {
		log_warn("SET_MEM_TABLE: %u regions in %u bytes with %u fds", n,
			 msg->size, msg->nfds);
		return -EPROTO;
	}
	unmap_queues(dev);
	guest_mem_clear(&dev->mem);
	for (i = 0; i < n && ret == 0; i++)
		ret = add_region(dev, &table->regions[i], msg->fds[i]);
	if (ret < 0)
		guest_mem_clear(&dev->mem);
	remap_queues(dev);
	return ret;
}

static int handle_add_mem_reg(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	const struct single_region_payload *p =
		(const void *)msg->payload.bytes;
	int ret = add_region(dev, &p->region, msg->fds[0]);

	remap_queues(dev);
	return ret;
}

static int handle_rem_mem_reg(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	const struct single_region_payload *p =
		(const void *)msg->payload.bytes;
	int ret;

	/* Ring pointers may point into the region: drop them first. */
	unmap_queues(dev);
	ret = guest_mem_remove_region(&dev->mem, p->region.gpa, p->region.size,
				      p->region.uva);
	remap_queues(dev);
	return ret;
}

static int handle_get_max_mem_slots(struct vu_dev *dev, struct vu_msg *msg,
				    struct vu_msg *reply)
{
	reply_u64(reply, GUEST_MEM_MAX_REGIONS);
	return 0;
}

/* The queue named by a vring state payload, or NULL. */
static struct vu_queue *state_queue(struct vu_dev *dev,
				    const struct vu_msg *msg)
{
	const struct vring_state_payload *state =
		(const void *)msg->payload.bytes;

	if (state->index >= VU_MAX_QUEUES) {
		log_warn("queue index %u out of range", state->index);
		return NULL;
	}
	return &dev->queues[state->index];
}

static int handle_set_vring_num(struct vu_dev *dev, struct vu_msg *msg,
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

static int handle_set_vring_addr(struct vu_dev *dev, struct vu_msg *msg,
				 struct vu_msg *reply)
{
	const struct vring_addr_payload *addr =
		(const void *)msg->payload.bytes;
	struct vu_queue *q;
	int ret;

	if (addr->index >= VU_MAX_QUEUES)
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

static int handle_set_vring_base(struct vu_dev *dev, struct vu_msg *msg,
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

static int handle_get_vring_base(struct vu_dev *dev, struct vu_msg *msg,
				 struct vu_msg *reply)
{
	struct vring_state_payload *out = (void *)reply->payload.bytes;
	struct vu_queue *q = state_queue(dev, msg);

	if (!q)
		return -EINVAL;
	stop_queue(dev, q);
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
	uint64_t value = payload_u64(msg);
	bool nofd = value & VRING_NOFD_BIT;

	if (value & ~(VRING_INDEX_MASK | VRING_NOFD_BIT))
		return -EINVAL;
	if ((value & VRING_INDEX_MASK) >= VU_MAX_QUEUES)
		return -EINVAL;
	if (nofd != (msg->nfds == 0))
		return -EPROTO;
	*q = &dev->queues[value & VRING_INDEX_MASK];
	*fd = nofd ? -1 : vu_msg_take_fd(msg, 0);
	return 0;
}

static int handle_set_vring_kick(struct vu_dev *dev, struct vu_msg *msg,
				 struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_file(dev, msg, &q, &fd);
	if (ret < 0)
		return ret;
	if (fd < 0) {
		/* Polling mode: nothing in QEMU's GPIO front-end uses it. */
		log_warn("queue %u: kick without fd is not supported",
			 q->index);
		return -EINVAL;
	}
	ret = adopt_event_fd(q, "kick", fd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	remove_kick_fd(dev, q);
	/*
	 * Edge-triggered: an fd that stays readable whatever we read (an
	 * EFD_SEMAPHORE eventfd counting down from 2^64 - 2) wakes us once
	 * per write of the front-end instead of spinning the thread.
	 */
	ret = event_loop_add(dev->loop, fd, EPOLLIN | EPOLLET, on_kick, q);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	q->kick_fd = fd;
	q->started = true;
	/*
	 * The driver has seen every entry used before the start: only new
	 * ones call for a notification, also when the call fd comes later.
	 */
	q->vq.signalled_used = q->vq.used_idx;
	q->vq.signalled_used_valid = true;
	log_debug("queue %u started (size %u)", q->index, q->vq.num);
	kick_if_ready(dev, q->index);
	return 0;
}

static int handle_set_vring_call(struct vu_dev *dev, struct vu_msg *msg,
				 struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_file(dev, msg, &q, &fd);
	if (ret < 0)
		return ret;
	if (fd >= 0 && (ret = adopt_event_fd(q, "call", fd)) < 0) {
		close(fd);
		return ret;
	}
	close_fd(&q->vq.call_fd);
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

static int handle_set_vring_err(struct vu_dev *dev, struct vu_msg *msg,
				struct vu_msg *reply)
{
	struct vu_queue *q;
	int fd, ret;

	ret = vring_file(dev, msg, &q, &fd);
	if (ret < 0)
		return ret;
	if (fd >= 0 && (ret = adopt_event_fd(q, "error", fd)) < 0) {
		close(fd);
		return ret;
	}
	close_fd(&q->err_fd);
	q->err_fd = fd;
	return 0;
}

static int handle_get_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
					struct vu_msg *reply)
{
	reply_u64(reply, OFFERED_PROTOCOL_FEATURES);
	return 0;
}

static int handle_set_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
					struct vu_msg *reply)
{
	uint64_t features = payload_u64(msg);

	if (features & ~OFFERED_PROTOCOL_FEATURES)
		return -EINVAL;
	dev->protocol_features = features;
	return 0;
}

static int handle_get_queue_num(struct vu_dev *dev, struct vu_msg *msg,
				struct vu_msg *reply)
{
	reply_u64(reply, VU_MAX_QUEUES);
	return 0;
}

static int handle_set_vring_enable(struct vu_dev *dev, struct vu_msg *msg,
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
		kick_if_ready(dev, q->index);
	return 0;
}

static int handle_get_config(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	const struct config_payload *in = (const void *)msg->payload.bytes;
	struct config_payload *out = (void *)reply->payload.bytes;

	/*
	 * vhost-user.rst: a zero-length payload is how a back-end says no.
	 * Front-ends also check that a good reply has exactly the size asked.
	 */
	reply->size = 0;
	if (in->size > VU_MAX_CONFIG_SIZE ||
	    msg->size != CONFIG_HEADER_SIZE + in->size) {
		log_warn("GET_CONFIG: %u bytes claimed in a %u-byte message",
			 in->size, msg->size);
		return 0;
	}
	if (dev->ops->get_config(dev->opaque, in->offset, in->size, out->data) <
	    0) {
		log_warn("GET_CONFIG: offset %u size %u outside config space",
			 in->offset, in->size);
		return 0;
	}
	out->offset = in->offset;
	out->size = in->size;
	out->flags = in->flags;
	reply->size = CONFIG_HEADER_SIZE + in->size;
	return 0;
}

static int handle_set_config(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	log_warn("SET_CONFIG refused: the GPIO config space is read-only");
	return -EPERM;
}

static int handle_set_status(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	uint64_t status = payload_u64(msg);

	if (status > UINT8_MAX)
		return -EINVAL;
	dev->status = (uint8_t)status;
	return 0;
}

static int handle_get_status(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	reply_u64(reply, dev->status);
	return 0;
}

#define FIXED(sz, fds) \
	.min_size = (sz), .max_size = (sz), .min_fds = (fds), .max_fds = (fds)

static const struct request_rule request_rules[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = {"GET_FEATURES", FIXED(0, 0), true,
			     handle_get_features},
	[VU_SET_FEATURES] = {"SET_FEATURES", FIXED(8, 0), false,
			     handle_set_features},
	[VU_SET_OWNER] = {"SET_OWNER", FIXED(0, 0), false, handle_set_owner},
	[VU_RESET_OWNER] = {"RESET_OWNER", FIXED(0, 0), false,
			    handle_reset_owner},
	[VU_SET_MEM_TABLE] = {"SET_MEM_TABLE", 8 + 32, 8 + 32 * VU_MAX_FDS, 1,
			      VU_MAX_FDS, false, handle_set_mem_table},
	[VU_SET_VRING_NUM] = {"SET_VRING_NUM", FIXED(8, 0), false,
			      handle_set_vring_num},
	[VU_SET_VRING_ADDR] = {"SET_VRING_ADDR", FIXED(40, 0), false,
			       handle_set_vring_addr},
	[VU_SET_VRING_BASE] = {"SET_VRING_BASE", FIXED(8, 0), false,
			       handle_set_vring_base},
	[VU_GET_VRING_BASE] = {"GET_VRING_BASE", FIXED(8, 0), true,
			       handle_get_vring_base},
	[VU_SET_VRING_KICK] = {"SET_VRING_KICK", 8, 8, 0, 1, false,
			       handle_set_vring_kick},
	[VU_SET_VRING_CALL] = {"SET_VRING_CALL", 8, 8, 0, 1, false,
			       handle_set_vring_call},
	[VU_SET_VRING_ERR] = {"SET_VRING_ERR", 8, 8, 0, 1, false,
			      handle_set_vring_err},
	[VU_GET_PROTOCOL_FEATURES] = {"GET_PROTOCOL_FEATURES", FIXED(0, 0),
				      true, handle_get_protocol_features},
	[VU_SET_PROTOCOL_FEATURES] = {"SET_PROTOCOL_FEATURES", FIXED(8, 0),
				      false, handle_set_protocol_features},
	[VU_GET_QUEUE_NUM] = {"GET_QUEUE_NUM", FIXED(0, 0), true,
			      handle_get_queue_num},
	[VU_SET_VRING_ENABLE] = {"SET_VRING_ENABLE", FIXED(8, 0), false,
				 handle_set_vring_enable},
	[VU_GET_CONFIG] = {"GET_CONFIG", CONFIG_HEADER_SIZE,
			   CONFIG_HEADER_SIZE + VU_MAX_CONFIG_SIZE, 0, 0, true,
			   handle_get_config},
	[VU_SET_CONFIG] = {"SET_CONFIG", CONFIG_HEADER_SIZE,
			   CONFIG_HEADER_SIZE + VU_MAX_CONFIG_SIZE, 0, 0, false,
			   handle_set_config},
	[VU_RESET_DEVICE] = {"RESET_DEVICE", FIXED(0, 0), false,
			     handle_reset_device},
	[VU_GET_MAX_MEM_SLOTS] = {"GET_MAX_MEM_SLOTS", FIXED(0, 0), true,
				  handle_get_max_mem_slots},
	[VU_ADD_MEM_REG] = {"ADD_MEM_REG", FIXED(40, 1), false,
			    handle_add_mem_reg},
	/* QEMU passes the region's fd along, though it is not needed. */
	[VU_REM_MEM_REG] = {"REM_MEM_REG", 40, 40, 0, 1, false,
			    handle_rem_mem_reg},
	[VU_SET_STATUS] = {"SET_STATUS", FIXED(8, 0), false, handle_set_status},
	[VU_GET_STATUS] = {"GET_STATUS", FIXED(0, 0), true, handle_get_status},
};

static int send_reply(struct vu_dev *dev, const struct vu_msg *request,
		      struct vu_msg *reply)
{
	reply->request = request->request;
	reply->flags = VU_FLAG_VERSION | VU_FLAG_REPLY;
	reply->nfds = 0;
	return vu_msg_send(dev->conn_fd, reply);
}

static int send_ack(struct vu_dev *dev, const struct vu_msg *request,
		    int result)
{
	struct vu_msg ack;

	reply_u64(&ack, result < 0 ? (uint64_t)-result : 0);
	return send_reply(dev, request, &ack);
}

static const struct request_rule *find_rule(uint32_t request)
{
	if (request >= VU_REQUEST_MAX || !request_rules[request].handle)
		return NULL;
	return &request_rules[request];
}

static int check_frame(const struct request_rule *rule,
		       const struct vu_msg *msg)
{
	if (msg->size < rule->min_size || msg->size > rule->max_size) {
		log_warn("%s: payload of %u bytes, expected %u..%u", rule->name,
			 msg->size, rule->min_size, rule->max_size);
		return -EPROTO;
	}
	if (msg->nfds < rule->min_fds || msg->nfds > rule->max_fds) {
		log_warn("%s: %u fds, expected %u..%u", rule->name, msg->nfds,
			 rule->min_fds, rule->max_fds);
		return -EPROTO;
	}
	return 0;
}

/*
 * Handles a received message and sends what it calls for.  Returns 0, or
 * -errno when the connection must end.
 */
static int dispatch(struct vu_dev *dev, struct vu_msg *msg,
		    struct vu_msg *reply)
{
	bool need_reply = msg->flags & VU_FLAG_NEED_REPLY;
	const struct request_rule *rule;
	int ret;

	if ((msg->flags & VU_FLAG_VERSION_MASK) != VU_FLAG_VERSION ||
	    (msg->flags & VU_FLAG_REPLY)) {
		log_warn("message %u with flags 0x%x: not a version 1 request",
			 msg->request, msg->flags);
		return -EPROTO;
	}
	rule = find_rule(msg->request);
	if (!rule) {
		log_warn("request %u is not supported; refused", msg->request);
		return need_reply ? send_ack(dev, msg, -EOPNOTSUPP) : 0;
	}
	ret = check_frame(rule, msg);
	if (ret < 0)
		return ret;
	log_debug("%s", rule->name);
	reply->size = 0;
	ret = rule->handle(dev, msg, reply);
	if (ret == -EPROTO)
		return ret;
	if (rule->has_reply)
		return ret < 0 ? ret : send_reply(dev, msg, reply);
	if (need_reply)
		return send_ack(dev, msg, ret);
	if (ret < 0)
		log_warn("%s failed (%s); closing the connection", rule->name,
			 strerror(-ret));
	return ret;
}

int vu_dev_handle_message(struct vu_dev *dev)
{
	struct vu_msg reply;
	unsigned int handled;
	int ret;

	for (handled = 0; handled < MESSAGES_PER_WAKEUP; handled++) {
		ret = vu_msg_reader_read(dev->conn_fd, &dev->reader);
		if (ret == 0)
			return 0;
		if (ret < 0) {
			if (ret != -ECONNRESET)
				log_warn("bad message from the front-end: %s",
					 strerror(-ret));
			return ret;
		}
		ret = dispatch(dev, &dev->reader.msg, &reply);
		/* Whatever fds the handler did not take are not needed. */
		vu_msg_reader_reset(&dev->reader);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void vu_dev_init(struct vu_dev *dev, struct event_loop *loop,
		 const struct vu_device_ops *ops, void *opaque)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->conn_fd = -1;
	dev->loop = loop;
	dev->ops = ops;
	dev->opaque = opaque;
	vu_msg_reader_init(&dev->reader);
	guest_mem_init(&dev->mem);
	for (i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->queues[i];

		vq_init(&q->vq);
		q->dev = dev;
		q->index = i;
		q->kick_fd = -1;
		q->err_fd = -1;
	}
}

void vu_dev_guard_thread(struct vu_dev *dev)
{
	guest_mem_guard_thread(dev ? &dev->mem : NULL);
}

bool vu_dev_memory_faulted(const struct vu_dev *dev)
{
	return dev->mem.faulted;
}

void vu_dev_attach(struct vu_dev *dev, int conn_fd)
{
	dev->conn_fd = conn_fd;
}

void vu_dev_detach(struct vu_dev *dev)
{
	vu_msg_reader_reset(&dev->reader);
	reset_all_queues(dev);
	guest_mem_clear(&dev->mem);
	if (dev->conn_fd >= 0)
		dev->ops->reset(dev->opaque);
	close_fd(&dev->conn_fd);
	dev->features = 0;
	dev->protocol_features = 0;
	dev->status = 0;
}
