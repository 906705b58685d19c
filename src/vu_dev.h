/* SPDX-License-Identifier: MIT */
/*
 * One vhost-user back-end device as the front-end (the VMM) sets it up,
 * back-end side (QEMU docs/interop/vhost-user.rst): the connection, its
 * negotiation state, the guest memory it shares and the device's virtqueues.
 *
 * The connection is served from an event loop, one front-end at a time.
 * Every message is checked against the request table (vu_protocol.c)
 * before a handler sees it.  A malformed frame ends the connection; a
 * well-formed request with bad content is refused (a non-zero ack when the
 * front-end asked for one, otherwise the connection ends, since the
 * front-end would go on believing it succeeded).
 *
 * The device behind the queues gives its facts (features, queue count,
 * config space) and hears of its queues' events through struct
 * vu_device_ops; it takes chains from and gives them back to its queues
 * by index with the vu_dev_queue_*() calls, and learns nothing else of
 * vhost-user.  Everything runs on the thread that runs the loop.
 */
#ifndef VDG_VU_DEV_H
#define VDG_VU_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "event_loop.h"
#include "virtqueue.h"

struct vu_dev;

/* What the device behind the queues provides; called on the loop thread. */
struct vu_device_ops {
	/* For log lines: "GPIO" gives "the GPIO config space". */
	const char *name;
	/* Device-specific virtio feature bits (transport bits are added). */
	uint64_t device_features;
	/* Its virtqueues, 1 to VU_DEV_MAX_QUEUES: what GET_QUEUE_NUM says. */
	unsigned int num_queues;
	/*
	 * Copies @size bytes of config space at @offset; 0 or -EINVAL.  The
	 * config space is read-only: SET_CONFIG is refused.
	 */
	int (*get_config)(void *opaque, uint32_t offset, uint32_t size,
			  uint8_t *out);
	/* Queue @index has (maybe) new buffers; it is ready (see below). */
	void (*queue_kick)(void *opaque, struct vu_dev *dev,
			   unsigned int index);
	/*
	 * The front-end stops queue @index (GET_VRING_BASE, RESET_DEVICE or
	 * RESET_OWNER, vu_dev_detach()): give back chains the device still
	 * holds while the ring can take them.  Optional.
	 */
	void (*queue_stop)(void *opaque, struct vu_dev *dev,
			   unsigned int index);
	/* The driver starts over (RESET_DEVICE/OWNER, vu_dev_detach()). */
	void (*reset)(void *opaque);
	/*
	 * The front-end went away (vu_dev_disconnect()), its rings with it:
	 * the queues are not stopped first, nothing can be given back, and a
	 * front-end that reconnects may continue the same guest.  Called
	 * once the connection is closed.  Optional: NULL calls reset.
	 */
	void (*disconnected)(void *opaque);
};

/* The most queues a vhost-user message can name (an 8-bit index). */
#define VU_DEV_MAX_QUEUES 256

/*
 * Creates a device with no connection in *@out (freed with vu_dev_free).
 * The loop and ops are borrowed.  Returns 0, -EINVAL (a queue count out of
 * range) or -ENOMEM.
 */
int vu_dev_new(struct event_loop *loop, const struct vu_device_ops *ops,
	       void *opaque, struct vu_dev **out);

/* Detaches the front-end, if any (vu_dev_detach), and frees @dev. */
void vu_dev_free(struct vu_dev *dev);

/*
 * Serves the connection @conn_fd: taken over (closed at the end, and at
 * once on failure) and watched in the loop, its messages handled as they
 * come.  When the front-end goes or breaks the protocol, the device
 * disconnects by itself (vu_dev_disconnect).  Returns 0 or -errno.
 */
int vu_dev_attach(struct vu_dev *dev, int conn_fd);

/*
 * Reads what has arrived on the connection, without waiting, and handles
 * each message completed by it (a few at most; the loop calls again for
 * the rest).  The loop does this by itself; tests call it directly.
 * Returns 0, or a negative errno when the connection must end (peer gone
 * or protocol violation; -ENOTCONN without a connection): the caller then
 * calls vu_dev_disconnect().
 */
int vu_dev_handle_message(struct vu_dev *dev);

/*
 * Ends the connection as a reset would: stops every queue (queue_stop),
 * closes every fd received and the connection, unmaps guest memory,
 * forgets the negotiation and resets the device (reset, if a front-end
 * was connected).  Safe to call twice, and without a connection.
 */
void vu_dev_detach(struct vu_dev *dev);

/*
 * Ends the connection of a front-end that is gone (it closed the socket,
 * broke the protocol, or shrank its guest memory under us): as
 * vu_dev_detach(), except that the queues are not stopped and the device
 * hears disconnected instead of reset.  Nothing without a connection.
 */
void vu_dev_disconnect(struct vu_dev *dev);

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
 * connection with vu_dev_disconnect().
 */
bool vu_dev_memory_faulted(const struct vu_dev *dev);

/* The virtio features the front-end acknowledged (SET_FEATURES). */
uint64_t vu_dev_features(const struct vu_dev *dev);
bool vu_dev_has_feature(const struct vu_dev *dev, unsigned int bit);

/*
 * Whether the front-end set a ring up where an earlier one left off (its
 * avail or used index is not 0): a front-end that reconnects to a running
 * guest (QEMU's reconnect) continues the rings, a new guest starts them at
 * zero.
 */
bool vu_dev_session_continues(const struct vu_dev *dev);

/*
 * The device's side of its queues.  Each takes the queue's index; an index
 * of no queue does nothing (and fails where there is a return value).
 */

/*
 * Whether queue @index may be served now: it has a kick fd, is enabled
 * (SET_VRING_ENABLE, or implied without protocol features), its rings are
 * in guest memory and the driver has not broken it.
 */
bool vu_dev_queue_ready(const struct vu_dev *dev, unsigned int index);

/*
 * Takes every available chain of queue @index and hands it to @fn, which
 * gives it back with vu_dev_queue_push() (at once or later).  The driver's
 * kicks are off meanwhile (and stay off while polling, see below), and
 * chains it adds meanwhile are taken too.
 * Returns 0, or -EIO when the driver broke the ring: the queue then serves
 * nothing until the device is reset.
 */
typedef void (*vu_dev_chain_fn)(void *opaque, const struct vq_elem *elem);
int vu_dev_queue_drain(struct vu_dev *dev, unsigned int index,
		       vu_dev_chain_fn fn, void *opaque);

/*
 * Polling: a device that looks at its rings by itself for a while after
 * serving them, instead of sleeping until the driver kicks.
 * vu_dev_poll_begin() tells the driver of every ready queue not to kick
 * (VRING_USED_F_NO_NOTIFY, or with EVENT_IDX an avail_event it never
 * reaches), and drains leave kicks off until vu_dev_poll_end() turns them
 * on again.  vu_dev_poll_end() then looks at each ring once more, after
 * its store is visible: true when a driver added buffers before it saw
 * kicks come back on (it did not kick for them): the caller serves them.
 * vu_dev_queue_has_avail() says whether queue @index is ready and has
 * buffers not taken yet (one read of guest memory, no system call).
 */
void vu_dev_poll_begin(struct vu_dev *dev);
bool vu_dev_poll_end(struct vu_dev *dev);
bool vu_dev_queue_has_avail(const struct vu_dev *dev, unsigned int index);

/*
 * Walks again the chain at @head that a drain handed over and the device
 * kept (by its head only, so that no pointer into guest memory outlives a
 * memory table change).  Returns 0, -EINVAL or -EIO (see vq_read_chain).
 */
int vu_dev_queue_read_chain(struct vu_dev *dev, unsigned int index,
			    uint16_t head, struct vq_elem *elem);

/* Gives @elem's chain back to the driver with @len bytes written. */
void vu_dev_queue_push(struct vu_dev *dev, unsigned int index,
		       const struct vq_elem *elem, uint32_t len);

/*
 * Tells the driver about the chains given back, if it wants to hear
 * (vq_notify).  Returns 0, or -errno the first time the call fd fails.
 */
int vu_dev_queue_notify(struct vu_dev *dev, unsigned int index);

/*
 * Inspection, for tests: what the front-end has set up.
 */
struct vu_dev_queue_info {
	uint16_t num;	      /* ring size; 0: not set */
	bool started;	      /* has a kick fd */
	bool enabled;	      /* SET_VRING_ENABLE(1) */
	bool event_idx;	      /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool notify_on_empty; /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
	int kick_fd;	      /* -1: none */
	int call_fd;
	int err_fd;
};

/* Fills @info for queue @index; -EINVAL for an index of no queue. */
int vu_dev_queue_info(const struct vu_dev *dev, unsigned int index,
		      struct vu_dev_queue_info *info);

/* Guest memory regions mapped. */
unsigned int vu_dev_memory_regions(const struct vu_dev *dev);

bool vu_dev_is_connected(const struct vu_dev *dev);

#endif
