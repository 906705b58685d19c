/* SPDX-License-Identifier: MIT */
/*
 * A line-oriented control socket served from an event loop: each complete
 * line a client sends is handed to a command callback, whose reply is sent
 * back in order.  Several clients may be connected; a client that sends an
 * over-long line gets an error for it and stays connected.
 *
 * What one client can cost the loop's thread and the others:
 *
 * - Memory.  A client's next command runs only while less than
 *   CONTROL_SOCKET_REPLY_THRESHOLD of its replies is unsent; otherwise what
 *   it sent stays in its receive buffer (one recv() of
 *   CONTROL_SOCKET_RECV_SIZE, plus the line being assembled) and its socket
 *   is not read until it has read enough of its replies: the kernel's
 *   socket buffers then hold the rest.  So a client that does not read
 *   holds less than the threshold plus one command's reply.  Broadcasts are
 *   not held back; a client with more than CONTROL_SOCKET_MAX_BACKLOG
 *   unsent (a subscriber too far behind, or one reply that large) is
 *   disconnected.  At most CONTROL_SOCKET_MAX_CLIENTS clients, so all of
 *   them together hold at most CONTROL_SOCKET_MAX_CLIENTS x
 *   (CONTROL_SOCKET_MAX_BACKLOG + a line), 32 MiB, in replies, and 16 x
 *   4.4 KiB of input.  (A reply buffer also keeps up to TEXT_BUF_KEEP of
 *   sent bytes before it moves the rest down, and may be allocated up to
 *   twice what it holds, as it doubles when it grows; only what is
 *   written is touched.)
 * - Time.  One wake-up of a client runs at most
 *   CONTROL_SOCKET_COMMANDS_PER_WAKE commands (and none once its unsent
 *   replies reach the threshold), then the loop serves its other sources
 *   before the client's next turn.
 *
 * A client that shuts down its writing side still has every command it
 * sent run and gets every reply; its connection is closed after that.  One
 * that can no longer read (it closed its end) is closed at its next reply:
 * commands it sent that had not run yet (past one turn's, or behind
 * replies it did not read) are dropped.
 */
#ifndef VDG_CONTROL_SOCKET_H
#define VDG_CONTROL_SOCKET_H

#include <stdbool.h>

#include "event_loop.h"
#include "text_buf.h"

/* Longest command line, without its newline. */
#define CONTROL_SOCKET_MAX_LINE 256
/* Clients at once; more are turned away rather than queued. */
#define CONTROL_SOCKET_MAX_CLIENTS 16
/* Bytes of a client's input read at a time (and kept while it waits). */
#define CONTROL_SOCKET_RECV_SIZE 4096
/* Unsent reply bytes under which a client's next command runs. */
#define CONTROL_SOCKET_REPLY_THRESHOLD (64u << 10)
/* Unsent bytes past which a client is disconnected. */
#define CONTROL_SOCKET_MAX_BACKLOG (2u << 20)
/* Commands one wake-up of a client runs at most. */
#define CONTROL_SOCKET_COMMANDS_PER_WAKE 256

struct control_socket;

/*
 * Appends the reply to @line to @out; 0, -ENOMEM, or a positive mask of
 * channels (bits) to subscribe this client to: it then also receives every
 * later broadcast on them (until it disconnects).
 * CONTROL_SOCKET_SUBSCRIBE is the channel of control_socket_broadcast().
 * @line is the @len bytes the client sent before its newline (and a
 * carriage return just before it), as they came: it may hold NUL bytes.
 * A NUL follows them.
 */
#define CONTROL_SOCKET_SUBSCRIBE 1
typedef int (*control_command_fn)(void *opaque, const char *line, size_t len,
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
 * A client that cannot take it (more than CONTROL_SOCKET_MAX_BACKLOG
 * behind in reading, or no memory) is disconnected.  Call only on the
 * thread that runs the socket's loop.
 */
void control_socket_broadcast(struct control_socket *cs, const char *text);

/*
 * Whether a broadcast would reach anyone, so callers can skip making the
 * text.  Same thread rule as control_socket_broadcast().
 */
bool control_socket_has_subscribers(const struct control_socket *cs);

/*
 * The same on the channels of the mask @channels: a client subscribed to
 * any of them receives @text once.  Same rules and thread.
 */
void control_socket_broadcast_on(struct control_socket *cs,
				 unsigned int channels, const char *text);
bool control_socket_has_subscribers_on(const struct control_socket *cs,
				       unsigned int channels);

/*
 * Clients by number, for a command that answers later: the client whose
 * command is running (0 outside a command), and @text sent to client @id
 * by the same rules as a broadcast (-ENOENT: it is gone).
 */
unsigned int control_socket_running_client(const struct control_socket *cs);
int control_socket_send_to(struct control_socket *cs, unsigned int id,
			   const char *text);

/*
 * A quiet client is not sent the replies that are exactly "ok": one that
 * drives lines at a high rate then costs the daemon no write per command
 * (the fourth system call of an interrupt it causes) and still hears of
 * every error.  Sets it for the client whose command is running; nothing
 * outside a command.
 */
void control_socket_set_quiet(struct control_socket *cs, bool quiet);

/*
 * Called (with the command callback's opaque) when client @id goes, also
 * at control_socket_free(): what it left running can stop.
 */
typedef void (*control_close_fn)(void *opaque, unsigned int id);
void control_socket_set_close_handler(struct control_socket *cs,
				      control_close_fn fn);

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
