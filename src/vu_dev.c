// SPDX-License-Identifier: MIT
/*
 * A vhost-user device's life cycle, its connection in the event loop and
 * its queues: see vu_dev.h.  What each request does is vu_protocol.c's.
 */
#include "vu_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vu_dev_internal.h"
#include "vu_protocol.h"

/*
 * Messages handled per wake-up of the connection: a front-end that floods
 * its socket shares the thread with the device's queues and control
 * socket; the rest waits for the next turn of the (level-triggered) loop.
 */
#define MESSAGES_PER_WAKEUP 16

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Queues.
 */

struct vu_queue *vu_dev_queue(struct vu_dev *dev, uint32_t index)
{
	if (index >= dev->nqueues) {
		log_warn("queue index %u out of range", index);
		return NULL;
	}
	return &dev->queues[index];
}

/* The queue @index names, or NULL: for the device's calls. */
static struct vu_queue *device_queue(const struct vu_dev *dev,
				     unsigned int index)
{
	return index < dev->nqueues ? &dev->queues[index] : NULL;
}

bool vu_dev_queue_ready(const struct vu_dev *dev, unsigned int index)
{
	const struct vu_queue *q = device_queue(dev, index);

	if (!q || !q->started)
		return false;
	if (!q->enabled && vu_dev_has_feature(dev, VU_F_PROTOCOL_FEATURES))
		return false;
	return vq_ready(&q->vq);
}

void vu_dev_kick_if_ready(struct vu_dev *dev, unsigned int index)
{
	if (vu_dev_queue_ready(dev, index))
		dev->ops->queue_kick(dev->opaque, dev, index);
}

static void remove_kick_fd(struct vu_dev *dev, struct vu_queue *q)
{
	if (q->kick_fd >= 0)
		event_loop_remove(dev->loop, q->kick_fd);
	close_fd(&q->kick_fd);
}

const char *vu_dev_file_kind(mode_t mode)
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
int vu_dev_adopt_event_fd(const struct vu_queue *q, const char *what, int fd)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	if ((st.st_mode & S_IFMT) != 0 || flags < 0 || (flags & O_PATH)) {
		log_warn("queue %u: %s fd refused: it is %s %s, not an eventfd",
			 q->index, what, (st.st_mode & S_IFMT) ? "a" : "an",
			 (st.st_mode & S_IFMT) ? vu_dev_file_kind(st.st_mode)
					       : "O_PATH descriptor");
		return -EINVAL;
	}
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/*
 * Watched edge-triggered (see vu_dev_start_queue), so one read per wake-up
 * is enough: the counter need not be emptied for the next kick to wake us.
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
	vu_dev_kick_if_ready(q->dev, q->index);
}

int vu_dev_start_queue(struct vu_dev *dev, struct vu_queue *q, int fd)
{
	int ret;

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
	vu_dev_kick_if_ready(dev, q->index);
	return 0;
}

/* Closes the queue's fds: it is not started any more. */
static void release_queue(struct vu_dev *dev, struct vu_queue *q)
{
	q->started = false;
	remove_kick_fd(dev, q);
	close_fd(&q->vq.call_fd);
	close_fd(&q->err_fd);
}

void vu_dev_stop_queue(struct vu_dev *dev, struct vu_queue *q)
{
	if (q->started && dev->ops->queue_stop)
		dev->ops->queue_stop(dev->opaque, dev, q->index);
	release_queue(dev, q);
}

/*
 * Back to a queue nobody set up.  @stop: stopped first, so that the device
 * gives back what it holds; otherwise the rings are gone already.
 */
static void reset_queue(struct vu_dev *dev, struct vu_queue *q, bool stop)
{
	if (stop)
		vu_dev_stop_queue(dev, q);
	else
		release_queue(dev, q);
	vq_init(&q->vq);
	q->enabled = false;
}

void vu_dev_reset_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nqueues; i++)
		reset_queue(dev, &dev->queues[i], true);
}

void vu_dev_remap_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nqueues; i++) {
		struct virtqueue *vq = &dev->queues[i].vq;

		if (!vq->num || !vq->desc_uva)
			continue;
		if (vq_map(vq, &dev->mem) < 0) {
			log_warn("queue %u: rings are not in guest memory", i);
			continue;
		}
		/*
		 * A poll window that ended while the rings were unmapped could
		 * not turn the driver's kicks back on: the driver may be
		 * waiting for us.  Look at the rings as a kick would.
		 */
		vu_dev_kick_if_ready(dev, i);
	}
}

void vu_dev_unmap_queues(struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nqueues; i++)
		vq_unmap(&dev->queues[i].vq);
}

/*
 * The device's side of its queues.
 */

int vu_dev_queue_drain(struct vu_dev *dev, unsigned int index,
		       vu_dev_chain_fn fn, void *opaque)
{
	struct vu_queue *q = device_queue(dev, index);
	struct vq_elem elem;
	bool more = true;
	int ret = 0;

	if (!q)
		return -EINVAL;
	while (more) {
		vq_disable_kicks(&q->vq);
		vq_batch_begin(&q->vq);
		while ((ret = vq_pop(&q->vq, &dev->mem, &elem)) == 1)
			fn(opaque, &elem);
		vq_batch_end(&q->vq);
		if (ret < 0)
			return ret;
		/* While the device polls, it looks again by itself. */
		if (dev->polling)
			break;
		/* Buffers added while kicks were off need no new kick. */
		more = vq_enable_kicks(&q->vq);
	}
	return 0;
}

bool vu_dev_queue_has_avail(const struct vu_dev *dev, unsigned int index)
{
	return vu_dev_queue_ready(dev, index) &&
	       vq_avail_pending(&dev->queues[index].vq);
}

void vu_dev_poll_begin(struct vu_dev *dev)
{
	unsigned int i;

	dev->polling = true;
	for (i = 0; i < dev->nqueues; i++)
		if (vu_dev_queue_ready(dev, i))
			vq_disable_kicks(&dev->queues[i].vq);
}

bool vu_dev_poll_end(struct vu_dev *dev)
{
	bool pending = false;
	unsigned int i;

	dev->polling = false;
	/* Every queue, so that none keeps kicks off, and each re-checked. */
	for (i = 0; i < dev->nqueues; i++)
		if (vu_dev_queue_ready(dev, i) &&
		    vq_enable_kicks(&dev->queues[i].vq))
			pending = true;
	return pending;
}

int vu_dev_queue_read_chain(struct vu_dev *dev, unsigned int index,
			    uint16_t head, struct vq_elem *elem)
{
	struct vu_queue *q = device_queue(dev, index);

	return q ? vq_read_chain(&q->vq, &dev->mem, head, elem) : -EINVAL;
}

void vu_dev_queue_push(struct vu_dev *dev, unsigned int index,
		       const struct vq_elem *elem, uint32_t len)
{
	struct vu_queue *q = device_queue(dev, index);

	if (q)
		vq_push(&q->vq, elem, len);
}

int vu_dev_queue_notify(struct vu_dev *dev, unsigned int index)
{
	struct vu_queue *q = device_queue(dev, index);

	return q ? vq_notify(&q->vq) : -EINVAL;
}

bool vu_dev_session_continues(const struct vu_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nqueues; i++) {
		const struct virtqueue *vq = &dev->queues[i].vq;

		if (vq->last_avail_idx || vq->used_idx)
			return true;
	}
	return false;
}

/*
 * The device and its connection.
 */

int vu_dev_new(struct event_loop *loop, const struct vu_device_ops *ops,
	       void *opaque, struct vu_dev **out)
{
	struct vu_dev *dev;
	unsigned int i;

	*out = NULL;
	if (ops->num_queues < 1 || ops->num_queues > VU_DEV_MAX_QUEUES)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->queues = calloc(ops->num_queues, sizeof(*dev->queues));
	if (!dev->queues) {
		free(dev);
		return -ENOMEM;
	}
	dev->nqueues = ops->num_queues;
	dev->conn_fd = -1;
	dev->loop = loop;
	dev->ops = ops;
	dev->opaque = opaque;
	vu_msg_reader_init(&dev->reader);
	guest_mem_init(&dev->mem);
	for (i = 0; i < dev->nqueues; i++) {
		struct vu_queue *q = &dev->queues[i];

		vq_init(&q->vq);
		q->dev = dev;
		q->index = i;
		q->kick_fd = -1;
		q->err_fd = -1;
	}
	*out = dev;
	return 0;
}

void vu_dev_free(struct vu_dev *dev)
{
	if (!dev)
		return;
	vu_dev_detach(dev);
	free(dev->queues);
	free(dev);
}

static void on_connection(void *opaque, uint32_t events)
{
	struct vu_dev *dev = opaque;

	if (vu_dev_handle_message(dev) < 0)
		vu_dev_disconnect(dev);
}

int vu_dev_attach(struct vu_dev *dev, int conn_fd)
{
	int ret;

	ret = event_loop_add(dev->loop, conn_fd, EPOLLIN, on_connection, dev);
	if (ret < 0) {
		close(conn_fd);
		return ret;
	}
	dev->conn_fd = conn_fd;
	return 0;
}

int vu_dev_handle_message(struct vu_dev *dev)
{
	unsigned int handled;
	int ret;

	if (dev->conn_fd < 0)
		return -ENOTCONN;
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
		ret = vu_protocol_dispatch(dev, &dev->reader.msg);
		/* Whatever fds the handler did not take are not needed. */
		vu_msg_reader_reset(&dev->reader);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Closes the connection and forgets what it set up; @stop: as a reset. */
static void end_connection(struct vu_dev *dev, bool stop)
{
	unsigned int i;

	if (dev->conn_fd >= 0)
		event_loop_remove(dev->loop, dev->conn_fd);
	vu_msg_reader_reset(&dev->reader);
	for (i = 0; i < dev->nqueues; i++)
		reset_queue(dev, &dev->queues[i], stop);
	guest_mem_clear(&dev->mem);
}

/* The negotiation starts over with the next front-end. */
static void forget_negotiation(struct vu_dev *dev)
{
	close_fd(&dev->conn_fd);
	dev->features = 0;
	dev->protocol_features = 0;
	dev->status = 0;
}

void vu_dev_detach(struct vu_dev *dev)
{
	end_connection(dev, true);
	if (dev->conn_fd >= 0)
		dev->ops->reset(dev->opaque);
	forget_negotiation(dev);
}

void vu_dev_disconnect(struct vu_dev *dev)
{
	if (dev->conn_fd < 0)
		return;
	end_connection(dev, false);
	forget_negotiation(dev);
	if (dev->ops->disconnected)
		dev->ops->disconnected(dev->opaque);
	else
		dev->ops->reset(dev->opaque);
}

void vu_dev_guard_thread(struct vu_dev *dev)
{
	guest_mem_guard_thread(dev ? &dev->mem : NULL);
}

bool vu_dev_memory_faulted(const struct vu_dev *dev)
{
	return dev->conn_fd >= 0 && dev->mem.faulted;
}

uint64_t vu_dev_features(const struct vu_dev *dev)
{
	return dev->features;
}

bool vu_dev_has_feature(const struct vu_dev *dev, unsigned int bit)
{
	return dev->features & (1ull << bit);
}

/*
 * Inspection.
 */

int vu_dev_queue_info(const struct vu_dev *dev, unsigned int index,
		      struct vu_dev_queue_info *info)
{
	const struct vu_queue *q = device_queue(dev, index);

	if (!q)
		return -EINVAL;
	info->num = q->vq.num;
	info->started = q->started;
	info->enabled = q->enabled;
	info->event_idx = q->vq.event_idx;
	info->notify_on_empty = q->vq.notify_on_empty;
	info->kick_fd = q->kick_fd;
	info->call_fd = q->vq.call_fd;
	info->err_fd = q->err_fd;
	return 0;
}

unsigned int vu_dev_memory_regions(const struct vu_dev *dev)
{
	return dev->mem.nregions;
}

bool vu_dev_is_connected(const struct vu_dev *dev)
{
	return dev->conn_fd >= 0;
}
