// SPDX-License-Identifier: MIT
#include "vu_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_readable(int fd, int64_t deadline_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t left = deadline_ms - now_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, (int)left);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* Stores the fds of every SCM_RIGHTS in @mh; -EPROTO if there are too many. */
static int collect_fds(struct msghdr *mh, struct vu_msg *msg)
{
	struct cmsghdr *cmsg;
	int ret = 0;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		size_t n, i;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(fd));
			if (msg->nfds < VU_MAX_FDS)
				msg->fds[msg->nfds++] = fd;
			else {
				close(fd);
				ret = -EPROTO;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		ret = -EPROTO;
	return ret;
}

/*
 * One recvmsg() of at most @len bytes into @buf, without waiting.  Fds are
 * only accepted with the first bytes of a message (@accept_fds), as every
 * vhost-user peer sends them.  Returns the byte count (0: end of stream),
 * -EAGAIN when nothing is there, -EPROTO or -errno.
 */
static ssize_t recv_some(int fd, void *buf, size_t len, struct vu_msg *msg,
			 bool accept_fds)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	unsigned int had_fds = msg->nfds;
	ssize_t n;
	int ret;

	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ret = collect_fds(&mh, msg);
	if (ret < 0)
		return ret;
	if (msg->nfds != had_fds && !accept_fds)
		return -EPROTO;
	return n;
}

void vu_msg_reader_init(struct vu_msg_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void vu_msg_reader_reset(struct vu_msg_reader *r)
{
	vu_msg_close_fds(&r->msg);
	r->msg.size = 0;
	r->have = 0;
}

int vu_msg_reader_read(int fd, struct vu_msg_reader *r)
{
	struct vu_msg *msg = &r->msg;
	ssize_t n;

	for (;;) {
		size_t want;
		void *dst;

		if (r->have < VU_HEADER_SIZE) {
			dst = (char *)r->header + r->have;
			want = VU_HEADER_SIZE - r->have;
		} else {
			size_t done = r->have - VU_HEADER_SIZE;

			if (done == msg->size)
				return 1;
			dst = msg->payload.bytes + done;
			want = msg->size - done;
		}
		n = recv_some(fd, dst, want, msg, r->have == 0);
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			n = r->have == 0 && msg->nfds == 0 ? -ECONNRESET
							   : -EPROTO;
		if (n < 0)
			goto err_reset;
		r->have += (size_t)n;
		if (r->have == VU_HEADER_SIZE) {
			msg->request = r->header[0];
			msg->flags = r->header[1];
			msg->size = r->header[2];
			if (msg->size > VU_MAX_PAYLOAD) {
				n = -EPROTO;
				goto err_reset;
			}
		}
	}

err_reset:
	vu_msg_reader_reset(r);
	return (int)n;
}

int vu_msg_recv(int fd, struct vu_msg *msg, int timeout_ms)
{
	struct vu_msg_reader r;
	int64_t deadline_ms = now_ms() + timeout_ms;
	int ret;

	vu_msg_reader_init(&r);
	while ((ret = vu_msg_reader_read(fd, &r)) == 0) {
		ret = wait_readable(fd, deadline_ms);
		if (ret < 0) {
			vu_msg_reader_reset(&r);
			break;
		}
	}
	msg->nfds = 0;
	msg->size = 0;
	if (ret < 0)
		return ret;
	*msg = r.msg;
	return 0;
}

int vu_msg_send(int fd, const struct vu_msg *msg)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	uint32_t header[3] = {msg->request, msg->flags, msg->size};
	struct iovec iov[2] = {
		{.iov_base = header, .iov_len = sizeof(header)},
		{.iov_base = (void *)msg->payload.bytes, .iov_len = msg->size},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	size_t total = sizeof(header) + msg->size;
	ssize_t n;

	if (msg->size > VU_MAX_PAYLOAD || msg->nfds > VU_MAX_FDS)
		return -EINVAL;
	if (msg->nfds) {
		struct cmsghdr *cmsg;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(msg->nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(msg->nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), msg->fds, msg->nfds * sizeof(int));
	}
	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/*
	 * Replies are small and never wait: a peer that stops reading its
	 * replies gets disconnected rather than holding this thread.
	 */
	return (size_t)n == total ? 0 : -EIO;
}

void vu_msg_close_fds(struct vu_msg *msg)
{
	unsigned int i;

	for (i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

int vu_msg_take_fd(struct vu_msg *msg, unsigned int index)
{
	int fd;

	if (index >= msg->nfds)
		return -1;
	fd = msg->fds[index];
	msg->fds[index] = -1;
	return fd;
}
