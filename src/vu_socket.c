// SPDX-License-Identifier: MIT
#include "vu_socket.h"

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
 * Reads exactly @len bytes into @buf.  Fds are only accepted with the first
 * bytes of the message (@accept_fds), as every vhost-user peer sends them.
 */
static int read_exact(int fd, void *buf, size_t len, struct vu_msg *msg,
		      bool accept_fds, int64_t deadline_ms)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	size_t done = 0;

	while (done < len) {
		struct iovec iov = {.iov_base = (char *)buf + done,
				    .iov_len = len - done};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control,
			.msg_controllen = sizeof(control),
		};
		unsigned int had_fds = msg->nfds;
		ssize_t n;
		int ret;

		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			ret = wait_readable(fd, deadline_ms);
			if (ret < 0)
				return ret;
			continue;
		}
		ret = collect_fds(&mh, msg);
		if (ret < 0)
			return ret;
		if (msg->nfds != had_fds && !(accept_fds && done == 0))
			return -EPROTO;
		if (n == 0)
			return done == 0 && accept_fds ? -ECONNRESET : -EPROTO;
		done += (size_t)n;
	}
	return 0;
}

int vu_msg_recv(int fd, struct vu_msg *msg, int timeout_ms)
{
	uint32_t header[3];
	int64_t deadline_ms = now_ms() + timeout_ms;
	int ret;

	msg->nfds = 0;
	msg->size = 0;
	ret = read_exact(fd, header, sizeof(header), msg, true, deadline_ms);
	if (ret < 0)
		goto err_close_fds;
	msg->request = header[0];
	msg->flags = header[1];
	msg->size = header[2];
	if (msg->size > VU_MAX_PAYLOAD) {
		ret = -EPROTO;
		goto err_close_fds;
	}
	ret = read_exact(fd, msg->payload.bytes, msg->size, msg, false,
			 deadline_ms);
	if (ret < 0)
		goto err_close_fds;
	return 0;

err_close_fds:
	vu_msg_close_fds(msg);
	return ret;
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
