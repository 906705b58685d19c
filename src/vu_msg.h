/* SPDX-License-Identifier: MIT */
/*
 * vhost-user message framing on a Unix stream socket: a 12-byte header, a
 * payload of the size the header gives, and file descriptors passed as
 * SCM_RIGHTS with the first bytes.  Nothing here knows what a request means.
 */
#ifndef VDG_VU_MSG_H
#define VDG_VU_MSG_H

#include <stddef.h>
#include <stdint.h>

#define VU_HEADER_SIZE 12
/* Larger than any message the protocol accepts (GET_CONFIG: 12 + 256). */
#define VU_MAX_PAYLOAD 4096
/* VHOST_MEMORY_BASELINE_NREGIONS: the most fds one message can carry. */
#define VU_MAX_FDS 8

#define VU_FLAG_VERSION_MASK 0x3u
#define VU_FLAG_VERSION	     0x1u
#define VU_FLAG_REPLY	     (1u << 2)
#define VU_FLAG_NEED_REPLY   (1u << 3)

struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes */
	union {
		uint8_t bytes[VU_MAX_PAYLOAD];
		uint64_t u64;
	} payload;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

/*
 * One message being received without ever waiting: whenever the socket is
 * readable, vu_msg_reader_read() takes what has arrived, and the message is
 * handed over once its last byte is in.  A peer that sends a message one
 * byte at a time therefore costs one short read per byte and never holds
 * the thread that serves other sockets or the control socket.  Only the
 * bytes of the current message are read, so the fds of the next message
 * stay in the socket with it.
 */
struct vu_msg_reader {
	struct vu_msg msg; /* the message so far; whole when read returns 1 */
	uint32_t header[3];
	size_t have; /* bytes of header and payload received */
};

/* Prepares @r for a first message. */
void vu_msg_reader_init(struct vu_msg_reader *r);

/*
 * Reads what has arrived of the current message from @fd (non-blocking).
 * Returns 1 when r->msg is complete (handle it, then vu_msg_reader_reset),
 * 0 when more bytes are needed, -ECONNRESET when the peer closed cleanly
 * between messages, -EPROTO for a malformed frame (payload larger than
 * VU_MAX_PAYLOAD, more fds than VU_MAX_FDS, fds after the first bytes, end
 * of stream inside a message), or another -errno.  Received fds are
 * close-on-exec and owned by r->msg; on any error they are closed and @r is
 * ready for a new message.
 */
int vu_msg_reader_read(int fd, struct vu_msg_reader *r);

/* Closes the fds r->msg still owns and starts the next message. */
void vu_msg_reader_reset(struct vu_msg_reader *r);

/*
 * Reads one whole message, waiting up to @timeout_ms for it (for peers
 * that do want to wait, such as tests).  Received fds are owned by @msg
 * (vu_msg_close_fds); on any error none are left open.  Returns 0,
 * -ETIMEDOUT, or what vu_msg_reader_read() returns.
 */
int vu_msg_recv(int fd, struct vu_msg *msg, int timeout_ms);

/* Writes @msg (header, payload, and msg->nfds fds).  Returns 0 or -errno. */
int vu_msg_send(int fd, const struct vu_msg *msg);

/* Closes the fds @msg still owns and forgets them. */
void vu_msg_close_fds(struct vu_msg *msg);

/* Takes fd @index out of @msg (the caller owns it now), or -1 if absent. */
int vu_msg_take_fd(struct vu_msg *msg, unsigned int index);

#endif
