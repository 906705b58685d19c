/* SPDX-License-Identifier: MIT */
/*
 * The vhost-user protocol, back-end side (QEMU docs/interop/vhost-user.rst):
 * one connection's negotiation state, guest memory and virtqueues.
 *
 * Every message is checked against a table (payload size, fd count, queue
 * index) before a handler sees it.  A malformed frame ends the connection; a
 * well-formed request with bad content is refused (a non-zero ack when the
 * front-end asked for one, otherwise the connection ends, since the front-end
 * would go on believing it succeeded).  The device behind the queues is
 * reached through struct vu_device_ops.
 */
#ifndef VDG_VU_PROTOCOL_H
#define VDG_VU_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

#include "event_loop.h"
#include "guest_mem.h"
#include "virtqueue.h"
#include "vu_msg.h"

#define VU_MAX_QUEUES 2
/* Bytes of device config space the protocol will ever copy. */
#define VU_MAX_CONFIG_SIZE 256

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_SET_VRING_ENDIAN = 23,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_REQUEST_MAX,
};

/* Protocol feature bits. */
#define VU_PROTOCOL_F_MQ		  0
#define VU_PROTOCOL_F_REPLY_ACK		  3
#define VU_PROTOCOL_F_CONFIG		  9
#define VU_PROTOCOL_F_RESET_DEVICE	  13
#define VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VU_PROTOCOL_F_STATUS		  16

#define VU_F_PROTOCOL_FEATURES 30

struct vu_dev;

/* What the device behind the queues provides; called on the loop thread. */
struct vu_device_ops {
	/* Device-specific virtio feature bits (transport bits are added). */
	uint64_t device_features;
	/* Copies @size bytes of config space at @offset; 0 or -EINVAL. */
	int (*get_config)(void *opaque, uint32_t offset, uint32_t size,
			  uint8_t *out);
	/* Queue @index has (maybe) new buffers; it is started and enabled. */
	void (*queue_kick)(void *opaque, struct vu_dev *dev,
			   unsigned int index);
	/*
	 * Queue @index stops (GET_VRING_BASE, reset, disconnect): give back
	 * or forget chains the device still holds.  Optional.
	 */
	void (*queue_stop)(void *opaque, struct vu_dev *dev,
			   unsigned int index);
	/* The guest driver starts over (disconnect, RESET_DEVICE/OWNER). */
	void (*reset)(void *opaque);
};

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
	struct vu_queue queues[VU_MAX_QUEUES];
};

/* Prepares @dev with no connection.  The loop and ops are borrowed. */
void vu_dev_init(struct vu_dev *dev, struct event_loop *loop,
		 const struct vu_device_ops *ops, void *opaque);

/* Starts serving @conn_fd (owned from now on). */
void vu_dev_attach(struct vu_dev *dev, int conn_fd);

/*
 * The connection is readable: reads what has arrived, without waiting, and
 * handles each message completed by it (a few at most; the loop calls
 * again for the rest).  Returns 0, or a negative errno when the connection
 * must end (peer gone or protocol violation); the caller then calls
 * vu_dev_detach().
 */
int vu_dev_handle_message(struct vu_dev *dev);

/*
 * Ends the connection: stops every queue, closes every fd received, unmaps
 * guest memory, resets negotiation and the device.  Safe to call twice.
 */
void vu_dev_detach(struct vu_dev *dev);

/*
 * Makes the calling thread's accesses to @dev's guest memory survive a
 * front-end that truncates its memory file (guest_mem_guard_thread): call
 * it on the thread that serves @dev, before serving (NULL: the thread
 * serves nothing any more).
 */
void vu_dev_guard_thread(struct vu_dev *dev);

/*
 * Whether an access to guest memory faulted since the connection began
 * (the front-end shrank a memory file under us): the caller then ends the
 * connection with vu_dev_detach().
 */
bool vu_dev_memory_faulted(const struct vu_dev *dev);

/* The virtqueue @index if it may be served now (started, enabled, mapped). */
struct virtqueue *vu_dev_ready_queue(struct vu_dev *dev, unsigned int index);

static inline bool vu_dev_has_feature(const struct vu_dev *dev,
				      unsigned int bit)
{
	return dev->features & (1ull << bit);
}

#endif
