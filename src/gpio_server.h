/* SPDX-License-Identifier: MIT */
/*
 * One vhost-user GPIO socket: a listening Unix socket, the VirtIO GPIO device
 * behind it (gpio_vhost.h), a simulated chip's control socket, and the
 * thread that serves them with its own event loop.  One front-end at a
 * time; after a disconnect the next connection is accepted (and may
 * continue the guest: the device keeps its line state until then).
 * Sockets are independent: nothing one guest does reaches another
 * socket's thread.
 */
#ifndef VDG_GPIO_SERVER_H
#define VDG_GPIO_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "gpio_backend.h"
#include "wire_hub.h"

struct gpio_server;

/* Where a server listens. */
struct gpio_server_socket {
	/*
	 * With @listen_fd -1: the path to create the socket at.  Otherwise
	 * the path the given socket is bound to ("" or NULL: unnamed), for
	 * PATH.sim and log lines.
	 */
	const char *path;
	/* The name in log lines; NULL: @path's base name, else "fd N". */
	const char *name;
	/*
	 * A listening socket made by someone else (a VMM, systemd), or -1.
	 * Taken over (closed at the end, also on failure) but its file is
	 * never removed.
	 */
	int listen_fd;
	/*
	 * The simulated chip's control socket, if given (taken over the same
	 * way), or -1: then PATH.sim is created.  For a given @listen_fd a
	 * PATH.sim that cannot be created is a warning, not a failure.
	 */
	int sim_fd;
	/*
	 * The daemon's wires between simulated chips (borrowed; NULL: none)
	 * and this socket's index, the device number wires name.
	 */
	struct wire_hub *wires;
	unsigned int index;
};

/*
 * Makes the socket @sock describes ready (bound and listening, but not yet
 * served) for a VirtIO GPIO device over the back-end @be, which the server
 * owns from then on, also on failure.  A simulated chip (gpio_sim) gets a
 * control socket: the given one or PATH.sim; any other back-end closes a
 * given control socket, with an info line.  A stale socket file left by a
 * dead process is replaced; a live socket or any other file at the path
 * (or PATH.sim) is refused with -EADDRINUSE or -EEXIST.  Returns 0 or
 * -errno.  On failure, @err (if not NULL) holds one sentence that names
 * what failed, starting with the path of the socket that could not be made
 * ("PATH.sim: cannot create the control socket: a file that is not a
 * socket is in the way") or, when the device could not be made, with the
 * socket's path, name or fd.
 */
int gpio_server_new(const struct gpio_server_socket *sock,
		    struct gpio_backend *be, struct gpio_server **out,
		    char *err, size_t err_size);

/*
 * Called on the server's thread when a front-end connects (true) or goes
 * away (false); not when the server is freed.  Set before starting.
 */
typedef void (*gpio_server_connection_fn)(void *opaque, bool connected);
void gpio_server_set_connection_handler(struct gpio_server *server,
					gpio_server_connection_fn fn,
					void *opaque);

/*
 * Polling (--poll-us): after serving a queue, the thread keeps looking at
 * the rings for @poll_us microseconds, with the driver's kicks off, before
 * it sleeps again; 0 (the default) never polls.  Set before starting.
 */
void gpio_server_set_poll(struct gpio_server *server, unsigned int poll_us);

/*
 * What serving threads wait for before they serve anything: the caller
 * opens it once everything that must be in place is (the system-call
 * filter, which must cover a thread's first request but cannot let a
 * thread be created after it).  Waiting and opening take only a futex.
 */
struct gpio_server_gate {
	pthread_mutex_t lock;
	pthread_cond_t opened_cond;
	bool opened;
};

#define GPIO_SERVER_GATE_INIT                                            \
	{                                                                \
		.lock = PTHREAD_MUTEX_INITIALIZER,                       \
		.opened_cond = PTHREAD_COND_INITIALIZER, .opened = false \
	}

/* Lets every thread started with @gate serve.  Call it also on failure. */
void gpio_server_gate_open(struct gpio_server_gate *gate);

/*
 * Starts the serving thread, which serves once @gate (borrowed: it must
 * outlive the thread; NULL: at once) is open.  Returns 0 or -errno.
 */
int gpio_server_start(struct gpio_server *server,
		      struct gpio_server_gate *gate);

/*
 * Stops the thread (if started), disconnects the front-end, removes the
 * socket files it created and frees everything.
 */
void gpio_server_free(struct gpio_server *server);

#endif
