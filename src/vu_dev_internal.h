/* SPDX-License-Identifier: MIT */
/*
 * Shared by vu_dev.c (the device's life cycle, connection and queues),
 * vu_protocol.c (the request table and the device-wide requests) and
 * vu_vring.c (the requests that set up one queue) only: nothing else
 * includes it, so that struct vu_dev stays opaque to the rest of the
 * daemon.
 */
#ifndef VDG_VU_DEV_INTERNAL_H
#define VDG_VU_DEV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event_loop.h"
#include "guest_mem.h"
#include "virtqueue.h"
#include "vu_dev.h"
#include "vu_msg.h"

struct vu_queue {
	struct virtqueue vq;
	struct vu_dev *dev; /* back pointers for the kick callback */
	unsigned int index;
	int kick_fd;
	int err_fd;
	bool started; /* has a kick fd since the last stop */
	bool enabled; /* SET_VRING_ENABLE(1), or implied without PROTOCOL_F */
};

struct vu_dev {
	int conn_fd; /* -1 when no front-end is connected */
	struct event_loop *loop;
	const struct vu_device_ops *ops;
	void *opaque;

	uint64_t features;	     /* acknowledged by SET_FEATURES */
	uint64_t protocol_features;  /* acknowledged */
	uint8_t status;		     /* SET_STATUS */
	struct vu_msg_reader reader; /* the message being received */
	struct guest_mem mem;
	unsigned int nqueues; /* ops->num_queues */
	struct vu_queue *queues;
	bool polling; /* vu_dev_poll_begin(): kicks stay off after drains */
};

/* The queue @index names, or NULL (a log line says so). */
struct vu_queue *vu_dev_queue(struct vu_dev *dev, uint32_t index);

/* Tells the device that queue @index has buffers, if it may serve them. */
void vu_dev_kick_if_ready(struct vu_dev *dev, unsigned int index);

/*
 * A kick, call or error fd the front-end passed for @q: refused (-EINVAL,
 * with a warning) unless it is an eventfd, then made non-blocking.  The
 * caller still owns @fd.  Returns 0 or -errno.
 */
int vu_dev_adopt_event_fd(const struct vu_queue *q, const char *what, int fd);

/* What kind of file @mode is, for a warning ("regular file", "pipe"). */
const char *vu_dev_file_kind(mode_t mode);

/*
 * Starts @q with the kick fd @fd (an adopted eventfd, taken over also on
 * failure): watched in the loop, and the device kicked if the queue is
 * ready.  Returns 0 or -errno.
 */
int vu_dev_start_queue(struct vu_dev *dev, struct vu_queue *q, int fd);

/* Stops @q: the device lets go of its chains, fds are closed. */
void vu_dev_stop_queue(struct vu_dev *dev, struct vu_queue *q);

/* Stops every queue and forgets its set-up. */
void vu_dev_reset_queues(struct vu_dev *dev);

/* Re-translates every queue's rings after the memory table changed. */
void vu_dev_remap_queues(struct vu_dev *dev);

/* Forgets every queue's ring pointers (memory is going away). */
void vu_dev_unmap_queues(struct vu_dev *dev);

/*
 * vu_vring.c: the requests that set up one virtqueue, as vu_protocol.c's
 * request table calls its handlers (the frame is checked already): 0 or
 * -errno, and GET_VRING_BASE's reply in @reply.
 */
int vu_vring_set_num(struct vu_dev *dev, struct vu_msg *msg,
		     struct vu_msg *reply);
int vu_vring_set_addr(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply);
int vu_vring_set_base(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply);
int vu_vring_get_base(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply);
int vu_vring_set_kick(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply);
int vu_vring_set_call(struct vu_dev *dev, struct vu_msg *msg,
		      struct vu_msg *reply);
int vu_vring_set_err(struct vu_dev *dev, struct vu_msg *msg,
		     struct vu_msg *reply);
int vu_vring_set_enable(struct vu_dev *dev, struct vu_msg *msg,
			struct vu_msg *reply);

#endif
