// SPDX-License-Identifier: MIT
/*
 * The VirtIO GPIO device on a vhost-user device's queues: see gpio_vhost.h.
 */
#include "gpio_vhost.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "gpio_device.h"
#include "log.h"
#include "vu_dev.h"

struct gpio_vhost {
	struct event_loop *loop;
	struct vu_dev *vu;
	struct gpio_device *device;
	struct gpio_fd_watcher watcher; /* for the back-end's fds */
	uint8_t *response;		/* room for the largest response */
	size_t response_size;
	bool events_pushed;   /* eventq entries used since the last notify */
	bool session_started; /* a queue of this connection was served */
	bool served; /* a queue was served since gpio_vhost_take_served() */
	gpio_vhost_disconnect_fn on_disconnect; /* may be NULL */
	void *disconnect_opaque;
};

/* Copies up to @len bytes gathered from @iov into @buf; returns the count. */
static size_t iov_to_buf(const struct iovec *iov, unsigned int count, void *buf,
			 size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < count && done < len; i++) {
		size_t n = iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, iov[i].iov_base, n);
		done += n;
	}
	return done;
}

static void buf_to_iov(const struct iovec *iov, unsigned int count,
		       const void *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < count && done < len; i++) {
		size_t n = iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(iov[i].iov_base, (const char *)buf + done, n);
		done += n;
	}
}

/* Serves one chain of the requestq and gives it back. */
static void serve_request(void *opaque, const struct vq_elem *elem)
{
	struct gpio_vhost *gv = opaque;
	uint8_t request[GPIO_DEVICE_REQUEST_SIZE];
	size_t request_len, response_len, room;
	int ret;

	request_len =
		iov_to_buf(elem->out, elem->out_num, request, sizeof(request));
	room = elem->in_len < gv->response_size ? elem->in_len
						: gv->response_size;
	ret = gpio_device_handle_request(gv->device, request, request_len,
					 gv->response, room, &response_len);
	if (ret < 0) {
		log_warn("requestq: %s request (%zu bytes, %llu bytes of "
			 "response room) returned unanswered",
			 ret == -ENOBUFS ? "undersized response for a"
					 : "malformed",
			 request_len, (unsigned long long)elem->in_len);
		response_len = 0;
	} else {
		buf_to_iov(elem->in, elem->in_num, gv->response, response_len);
	}
	vu_dev_queue_push(gv->vu, GPIO_DEVICE_REQUESTQ, elem,
			  (uint32_t)response_len);
}

static void process_requests(struct gpio_vhost *gv)
{
	if (vu_dev_queue_drain(gv->vu, GPIO_DEVICE_REQUESTQ, serve_request,
			       gv) < 0)
		log_warn("requestq broken by the driver; it stays "
			 "stopped until the device is reset");
	if (vu_dev_queue_notify(gv->vu, GPIO_DEVICE_REQUESTQ) < 0)
		log_warn("requestq: cannot notify the driver");
}

static void notify_events(struct gpio_vhost *gv)
{
	if (!gv->events_pushed)
		return;
	gv->events_pushed = false;
	if (vu_dev_queue_notify(gv->vu, GPIO_DEVICE_EVENTQ) < 0)
		log_warn("eventq: cannot notify the driver");
}

/*
 * The device gives an eventq pair back.  Only its head was kept: the chain
 * is read again now, so no pointer into guest memory outlives a memory
 * table change.
 */
static void irq_done(void *opaque, uint16_t head, const void *resp,
		     size_t resp_len, bool fired)
{
	struct gpio_vhost *gv = opaque;
	struct vq_elem elem;
	uint32_t len = 0;

	if (vu_dev_queue_read_chain(gv->vu, GPIO_DEVICE_EVENTQ, head, &elem) <
	    0) {
		log_warn("eventq: pair %u cannot be returned", head);
		return;
	}
	if (elem.in_len >= resp_len) {
		buf_to_iov(elem.in, elem.in_num, resp, resp_len);
		len = (uint32_t)resp_len;
	}
	vu_dev_queue_push(gv->vu, GPIO_DEVICE_EVENTQ, &elem, len);
	gv->events_pushed = true;
	log_debug("eventq: pair %u returned %s", head,
		  fired ? "VALID" : "INVALID");
}

/* Each pair unmasks one line's interrupt until the device returns it. */
static void serve_event(void *opaque, const struct vq_elem *elem)
{
	struct gpio_vhost *gv = opaque;
	uint8_t request[GPIO_DEVICE_REQUEST_SIZE];
	size_t len;

	len = iov_to_buf(elem->out, elem->out_num, request, sizeof(request));
	if (gpio_device_irq_request(gv->device, request, len, elem->in_len,
				    elem->head) < 0) {
		log_warn("eventq: malformed pair returned unanswered");
		vu_dev_queue_push(gv->vu, GPIO_DEVICE_EVENTQ, elem, 0);
		gv->events_pushed = true;
	}
}

static void process_events(struct gpio_vhost *gv)
{
	if (vu_dev_queue_drain(gv->vu, GPIO_DEVICE_EVENTQ, serve_event, gv) < 0)
		log_warn("eventq broken by the driver; it stays "
			 "stopped until the device is reset");
	notify_events(gv);
}

/*
 * After a disconnect the device kept the guest's line state.  A front-end
 * that continues the same guest (QEMU's reconnect) starts the rings where
 * they were, a new guest at zero: that tells whether to restore the state.
 */
static void begin_session(struct gpio_vhost *gv, struct vu_dev *dev)
{
	int ret;

	gv->session_started = true;
	if (!gpio_device_is_suspended(gv->device))
		return;
	if (!vu_dev_session_continues(dev)) {
		gpio_device_reset(gv->device);
		return;
	}
	ret = gpio_device_resume(gv->device);
	if (ret < 0)
		log_warn("the guest's lines could not all be restored");
	else
		log_info("front-end continues the running guest; line "
			 "state restored");
}

static void on_queue_kick(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct gpio_vhost *gv = opaque;

	if (!vu_dev_queue_ready(dev, index))
		return;
	if (!gv->session_started)
		begin_session(gv, dev);
	gpio_device_set_features(gv->device, vu_dev_features(dev));
	if (index == GPIO_DEVICE_REQUESTQ) {
		process_requests(gv);
		/* IRQ_TYPE NONE gives held pairs back. */
		notify_events(gv);
		gv->served = true;
	} else if (index == GPIO_DEVICE_EVENTQ &&
		   gpio_device_has_irq_feature(gv->device)) {
		process_events(gv);
		gv->served = true;
	}
}

/*
 * The VMM stops the eventq (GET_VRING_BASE, RESET_DEVICE): held pairs go back
 * INVALID so that none is lost inside the back-end; the driver queues them
 * again.  (Not when the front-end is gone: see on_disconnected.)
 */
static void on_queue_stop(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct gpio_vhost *gv = opaque;

	if (index != GPIO_DEVICE_EVENTQ)
		return;
	gpio_device_irq_flush(gv->device);
	notify_events(gv);
}

static int get_config(void *opaque, uint32_t offset, uint32_t size,
		      uint8_t *out)
{
	struct gpio_vhost *gv = opaque;

	return gpio_device_read_config(gv->device, offset, size, out);
}

static void reset_device(void *opaque)
{
	struct gpio_vhost *gv = opaque;

	gv->session_started = false;
	gpio_device_reset(gv->device);
}

/*
 * The front-end is gone.  The device keeps the guest's line state, in case
 * the next front-end continues the guest (begin_session): a reconnecting
 * QEMU starts the rings at the used index and so hands the held eventq
 * pairs in again by itself.
 */
static void on_disconnected(void *opaque)
{
	struct gpio_vhost *gv = opaque;

	gv->session_started = false;
	gpio_device_suspend(gv->device);
	if (gv->on_disconnect)
		gv->on_disconnect(gv->disconnect_opaque);
}

static const struct vu_device_ops gpio_vu_ops = {
	.name = "GPIO",
	.device_features = GPIO_DEVICE_FEATURES,
	.num_queues = GPIO_DEVICE_NUM_QUEUES,
	.get_config = get_config,
	.queue_kick = on_queue_kick,
	.queue_stop = on_queue_stop,
	.reset = reset_device,
	.disconnected = on_disconnected,
};

struct fd_watch {
	struct gpio_vhost *gv;
	void (*ready)(void *arg);
	void *arg;
};

static void on_backend_fd(void *opaque, uint32_t events)
{
	struct fd_watch *watch = opaque;

	watch->ready(watch->arg);
	/* A line event may have returned eventq pairs. */
	notify_events(watch->gv);
}

/*
 * The event loop frees nothing of ours, so each watch is one allocation kept
 * with the fd; the back-end unwatches before closing it.
 */
static int backend_watch(void *ctx, int fd, void (*ready)(void *arg), void *arg)
{
	struct gpio_vhost *gv = ctx;
	struct fd_watch *watch = malloc(sizeof(*watch));
	int ret;

	if (!watch)
		return -ENOMEM;
	watch->gv = gv;
	watch->ready = ready;
	watch->arg = arg;
	ret = event_loop_add(gv->loop, fd, EPOLLIN, on_backend_fd, watch);
	if (ret < 0)
		free(watch);
	return ret;
}

static void backend_unwatch(void *ctx, int fd)
{
	struct gpio_vhost *gv = ctx;
	void *opaque = event_loop_remove_get(gv->loop, fd);

	free(opaque);
}

int gpio_vhost_new(struct event_loop *loop, struct gpio_backend *be,
		   struct gpio_vhost **out)
{
	struct gpio_vhost *gv;
	int ret;

	*out = NULL;
	gv = calloc(1, sizeof(*gv));
	if (!gv) {
		gpio_backend_destroy(be);
		return -ENOMEM;
	}
	gv->loop = loop;
	ret = gpio_device_new(be, &gv->device);
	if (ret < 0)
		goto err_free;
	ret = -ENOMEM;
	gv->response_size = gpio_device_max_response_size(gv->device);
	gv->response = malloc(gv->response_size);
	if (!gv->response)
		goto err_free_device;
	ret = vu_dev_new(loop, &gpio_vu_ops, gv, &gv->vu);
	if (ret < 0)
		goto err_free_response;
	gpio_device_set_irq_handler(gv->device, irq_done, gv);
	gv->watcher.watch = backend_watch;
	gv->watcher.unwatch = backend_unwatch;
	gv->watcher.ctx = gv;
	gpio_backend_set_fd_watcher(be, &gv->watcher);
	*out = gv;
	return 0;

err_free_response:
	free(gv->response);
err_free_device:
	gpio_device_free(gv->device);
err_free:
	free(gv);
	return ret;
}

void gpio_vhost_free(struct gpio_vhost *gv)
{
	if (!gv)
		return;
	vu_dev_detach(gv->vu);
	/* The back-end may still have fds in the loop: free it first. */
	gpio_device_free(gv->device);
	vu_dev_free(gv->vu);
	free(gv->response);
	free(gv);
}

void gpio_vhost_set_disconnect_handler(struct gpio_vhost *gv,
				       gpio_vhost_disconnect_fn fn,
				       void *opaque)
{
	gv->on_disconnect = fn;
	gv->disconnect_opaque = opaque;
}

int gpio_vhost_attach(struct gpio_vhost *gv, int conn_fd)
{
	return vu_dev_attach(gv->vu, conn_fd);
}

void gpio_vhost_check_memory(struct gpio_vhost *gv)
{
	if (!vu_dev_memory_faulted(gv->vu))
		return;
	log_warn("the front-end truncated a guest memory file under us; "
		 "closing the connection");
	vu_dev_disconnect(gv->vu);
}

void gpio_vhost_detach(struct gpio_vhost *gv)
{
	vu_dev_detach(gv->vu);
}

void gpio_vhost_guard_thread(struct gpio_vhost *gv)
{
	vu_dev_guard_thread(gv ? gv->vu : NULL);
}

void gpio_vhost_flush_events(struct gpio_vhost *gv)
{
	notify_events(gv);
}

void gpio_vhost_trace_lines(struct gpio_vhost *gv)
{
	gpio_device_trace_lines(gv->device);
}

bool gpio_vhost_take_served(struct gpio_vhost *gv)
{
	bool served = gv->served;

	gv->served = false;
	return served;
}

bool gpio_vhost_poll(struct gpio_vhost *gv)
{
	bool served = false;
	unsigned int i;

	for (i = 0; i < GPIO_DEVICE_NUM_QUEUES; i++) {
		/*
		 * Without F_IRQ the eventq is never served: buffers a driver
		 * put there anyway must not keep the thread polling.
		 */
		if (i == GPIO_DEVICE_EVENTQ &&
		    !gpio_device_has_irq_feature(gv->device))
			continue;
		if (vu_dev_queue_has_avail(gv->vu, i)) {
			on_queue_kick(gv, gv->vu, i);
			served = true;
		}
	}
	return served;
}

void gpio_vhost_poll_begin(struct gpio_vhost *gv)
{
	vu_dev_poll_begin(gv->vu);
}

bool gpio_vhost_poll_end(struct gpio_vhost *gv)
{
	return vu_dev_poll_end(gv->vu);
}
