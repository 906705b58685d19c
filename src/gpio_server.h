/* SPDX-License-Identifier: MIT */
/*
 * One vhost-user GPIO socket: a listening Unix socket, the VirtIO GPIO device
 * behind it, and the thread that serves them with its own event loop.  One
 * front-end at a time; after a disconnect the device is reset and the next
 * connection is accepted.  Sockets are independent: nothing one guest does
 * reaches another socket's thread.
 */
#ifndef VDG_GPIO_SERVER_H
#define VDG_GPIO_SERVER_H

#include "gpio_device.h"

struct gpio_server;

/*
 * Creates the socket at @path (bound and listening, but not yet served) for
 * @device, which the server owns from then on, also on failure.  @sim, if
 * not NULL, is @device's simulated chip: its control socket is @path.sim.  A
 * stale socket file left by a dead process is replaced; a live socket or any
 * other file at @path is refused with -EADDRINUSE or -EEXIST.  Returns 0 or
 * -errno.
 */
int gpio_server_new(const char *path, struct gpio_device *device,
		    struct gpio_backend *sim, struct gpio_server **out);

/* Starts the serving thread.  Returns 0 or -errno. */
int gpio_server_start(struct gpio_server *server);

/*
 * Stops the thread (if started), disconnects the front-end, removes the
 * socket file and frees everything.
 */
void gpio_server_free(struct gpio_server *server);

#endif
