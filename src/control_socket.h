/* SPDX-License-Identifier: MIT */
/*
 * A line-oriented control socket served from an event loop: each complete
 * line a client sends is handed to a command callback, whose reply is sent
 * back in order.  Several clients may be connected; a client that sends an
 * over-long line gets an error for it and stays connected.
 */
#ifndef VDG_CONTROL_SOCKET_H
#define VDG_CONTROL_SOCKET_H

#include <stdbool.h>

#include "event_loop.h"
#include "text_buf.h"

/* Longest command line, without its newline. */
#define CONTROL_SOCKET_MAX_LINE 256

struct control_socket;

/*
 * Appends the reply to @line (no newline) to @out; 0, -ENOMEM, or
 * CONTROL_SOCKET_SUBSCRIBE to also make this client receive every later
 * control_socket_broadcast() (until it disconnects).
 */
#define CONTROL_SOCKET_SUBSCRIBE 1
typedef int (*control_command_fn)(void *opaque, const char *line,
				  struct text_buf *out);

/*
 * Listens on @path (see unix_socket_listen) and serves it on @loop.
 * Returns 0 or -errno.
 */
int control_socket_new(struct event_loop *loop, const char *path,
		       control_command_fn command, void *opaque,
		       struct control_socket **out);

/*
 * Sends @text to every subscribed client, after what it was already sent.
 * A client that cannot take it (gone, or too far behind in reading) is
 * disconnected.  Call only on the thread that runs the socket's loop.
 */
void control_socket_broadcast(struct control_socket *cs, const char *text);

/*
 * Whether a broadcast would reach anyone, so callers can skip making the
 * text.  Same thread rule as control_socket_broadcast().
 */
bool control_socket_has_subscribers(const struct control_socket *cs);

/*
 * Serves @listen_fd, a listening socket someone else made (systemd): taken
 * over (closed at free, also on failure), its file never removed.
 */
int control_socket_new_fd(struct event_loop *loop, int listen_fd,
			  control_command_fn command, void *opaque,
			  struct control_socket **out);

/*
 * Disconnects every client, closes the socket and removes its file (only
 * one control_socket_new() made, and only if it is still that file).
 */
void control_socket_free(struct control_socket *cs);

#endif
