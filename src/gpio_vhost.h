/* SPDX-License-Identifier: MIT */
/*
 * A VirtIO GPIO device served over vhost-user: the device model (over its
 * back-end) on the queues of a vu_dev.  This glue moves the bytes of
 * requestq chains and eventq pairs between the queues and the device
 * model, which owns their format; keeps a guest's line state over a
 * front-end's reconnect; and puts the back-end's fds in the loop.  It
 * knows neither the wire format of the device nor the vhost-user
 * messages.  Everything runs on the thread that runs the loop.
 */
#ifndef VDG_GPIO_VHOST_H
#define VDG_GPIO_VHOST_H

#include <stdbool.h>

#include "event_loop.h"
#include "gpio_backend.h"

struct gpio_vhost;

/*
 * Creates the device over @be (owned from then on, also on failure) on
 * @loop (borrowed), with no front-end yet.  Returns 0, -EINVAL (a back-end
 * whose lines a guest cannot have: see gpio_device_new) or -ENOMEM.
 */
int gpio_vhost_new(struct event_loop *loop, struct gpio_backend *be,
		   struct gpio_vhost **out);

/* Ends the connection as vu_dev_detach() does and frees everything. */
void gpio_vhost_free(struct gpio_vhost *gv);

/*
 * Called on the loop's thread when the front-end has gone away (not when
 * it is detached): the caller may accept the next one.
 */
typedef void (*gpio_vhost_disconnect_fn)(void *opaque);
void gpio_vhost_set_disconnect_handler(struct gpio_vhost *gv,
				       gpio_vhost_disconnect_fn fn,
				       void *opaque);

/* Serves the front-end on @conn_fd (see vu_dev_attach). 0 or -errno. */
int gpio_vhost_attach(struct gpio_vhost *gv, int conn_fd);

/*
 * Call after each turn of the loop: a front-end that shrank its guest
 * memory under us (the access faulted) is disconnected, with a warning.
 */
void gpio_vhost_check_memory(struct gpio_vhost *gv);

/* Ends the connection as a reset would (vu_dev_detach). */
void gpio_vhost_detach(struct gpio_vhost *gv);

/* vu_dev_guard_thread() for the calling thread (NULL: none). */
void gpio_vhost_guard_thread(struct gpio_vhost *gv);

/*
 * Tells the driver of eventq pairs given back outside a queue's event (a
 * simulated input set from the control socket, say).
 */
void gpio_vhost_flush_events(struct gpio_vhost *gv);

/* gpio_device_trace_lines() of the device: where a trace starts. */
void gpio_vhost_trace_lines(struct gpio_vhost *gv);

/*
 * Polling, for a thread that keeps looking at the rings for a while after
 * serving them (gpio_server.c, --poll-us):
 * gpio_vhost_take_served() says whether a queue was served (on a kick or
 * by gpio_vhost_poll()) since it was last asked;
 * gpio_vhost_poll() serves every queue whose ring has buffers not taken
 * yet, kick or no kick, and says whether there was one;
 * gpio_vhost_poll_begin() asks the driver not to kick any more, and
 * gpio_vhost_poll_end() asks for kicks again, true when buffers came
 * meanwhile that no kick will announce: serve them (gpio_vhost_poll).
 */
bool gpio_vhost_take_served(struct gpio_vhost *gv);
bool gpio_vhost_poll(struct gpio_vhost *gv);
void gpio_vhost_poll_begin(struct gpio_vhost *gv);
bool gpio_vhost_poll_end(struct gpio_vhost *gv);

#endif
