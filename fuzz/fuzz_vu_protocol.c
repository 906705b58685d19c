// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vhost-user message layer (vu_msg framing and
 * vu_protocol handling) against a fake device, over a socketpair.
 *
 * The input is a sequence of records:
 *
 *   0xff OFF_LO OFF_HI LEN BYTES...   write BYTES into the guest RAM memfd
 *                                     (64 KiB) at OFF % 64 KiB
 *   0xfe                              run the event loop once (kicks)
 *   0xfd                              truncate the guest RAM memfd to 0
 *                                     (what a hostile VMM may do after
 *                                     the daemon mapped it; a later 0xff
 *                                     write grows it again)
 *   REQ FLAGS SIZE_LO SIZE_HI FDSPEC KINDS PAYLOAD...
 *                                     one message: request REQ, raw flags,
 *                                     the header claims SIZE payload bytes
 *                                     and up to SIZE follow (the last
 *                                     message may be cut short);
 *                                     FDSPEC % 11 fds ride along, fd i < 4
 *                                     of kind (KINDS >> 2i) & 3, plus 4 if
 *                                     bit 4 + i of FDSPEC is set (fd i >= 4:
 *                                     kind 1): 0 the guest RAM memfd, 1 an
 *                                     eventfd already signalled, 2 a quiet
 *                                     eventfd, 3 a 4 KiB memfd, 4 a blocking
 *                                     semaphore eventfd at its limit
 *                                     (readable for ever, a write blocks),
 *                                     5 the read end and 6 the write end of
 *                                     a full pipe, 7 a connected socket
 *
 * Each message is handled by vu_dev_handle_message() as the daemon's loop
 * would; replies are read and checked, then dropped.  The harness's thread
 * is guarded as a serving thread is (guest_mem_guard_thread), so an access
 * to truncated guest memory must end the connection, not the process.  The
 * fake device takes and returns every chain on a kick (vu_dev_queue_drain,
 * as the daemon's device does), so a well-formed set-up also walks the
 * rings.  After the last record the peer's side is shut, the connection
 * detached, and every fd the input created must be closed again.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event_loop.h"
#include "log.h"
#include "vu_dev.h"
#include "vu_msg.h"
#include "vu_protocol.h"

#define RAM_SIZE    0x10000u
#define SMALL_SIZE  0x1000u
#define MAX_FDS_OUT 10
#define FAKE_QUEUES 2

static int fake_get_config(void *opaque, uint32_t offset, uint32_t size,
			   uint8_t *out)
{
	static const uint8_t config[8] = {8, 0, 0, 0, 48, 0, 0, 0};

	if (offset > sizeof(config) || size > sizeof(config) - offset)
		return -EINVAL;
	memcpy(out, config + offset, size);
	return 0;
}

struct kick {
	struct vu_dev *dev;
	unsigned int index;
};

/* Writes a byte of the response and gives the chain back. */
static void fake_chain(void *opaque, const struct vq_elem *elem)
{
	const struct kick *k = opaque;

	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "queue %u: chain %u\n", k->index, elem->head);
	assert(elem->out_num <= VQ_MAX_SEGS && elem->in_num <= VQ_MAX_SEGS);
	if (elem->in_num && elem->in[0].iov_len)
		((volatile uint8_t *)elem->in[0].iov_base)[0] = 0;
	vu_dev_queue_push(k->dev, k->index, elem,
			  elem->in_len > 2 ? 2 : (uint32_t)elem->in_len);
}

/* Takes what is available and gives it back, as the daemon's device does. */
static void fake_kick(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct kick k = {dev, index};

	assert(index < FAKE_QUEUES);
	assert(vu_dev_queue_ready(dev, index));
	(void)vu_dev_queue_drain(dev, index, fake_chain, &k);
	(void)vu_dev_queue_notify(dev, index);
}

static void fake_stop(void *opaque, struct vu_dev *dev, unsigned int index)
{
	assert(index < FAKE_QUEUES);
}

static void fake_reset(void *opaque)
{
}

static const struct vu_device_ops fake_ops = {
	.name = "fake",
	.device_features = 1ull << 0,
	.num_queues = FAKE_QUEUES,
	.get_config = fake_get_config,
	.queue_kick = fake_kick,
	.queue_stop = fake_stop,
	.reset = fake_reset,
};

/*
 * Open fds among the lowest 256: a leaked fd takes the lowest free number,
 * and fewer than 100 are ever open at once here, so a leak shows at once.
 */
static int open_fd_count(void)
{
	int count = 0;

	for (int fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			count++;
	return count;
}

static int new_memfd(size_t size)
{
	int fd = memfd_create("fuzz-ram", MFD_CLOEXEC);

	assert(fd >= 0);
	assert(ftruncate(fd, (off_t)size) == 0);
	return fd;
}

/* One end of a pipe whose 4 KiB are full; the other end is closed. */
static int full_pipe_end(bool write_end)
{
	static const uint8_t page[4096];
	int p[2];

	assert(pipe2(p, O_CLOEXEC) == 0);
	assert(fcntl(p[1], F_SETPIPE_SZ, 4096) >= 4096);
	assert(write(p[1], page, sizeof(page)) == sizeof(page));
	close(p[write_end ? 0 : 1]);
	return p[write_end ? 1 : 0];
}

static int new_fd(int kind, int ram)
{
	const uint64_t at_limit = UINT64_MAX - 1;
	int fd = -1, sv[2];
	uint64_t one = 1;

	switch (kind) {
	case 4:
		fd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
		assert(fd >= 0 && write(fd, &at_limit, 8) == 8);
		break;
	case 5:
	case 6:
		fd = full_pipe_end(kind == 6);
		break;
	case 7:
		assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		       0);
		close(sv[1]);
		fd = sv[0];
		break;
	case 0:
		fd = dup(ram);
		break;
	case 1:
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert(fd >= 0 && write(fd, &one, sizeof(one)) == sizeof(one));
		break;
	case 2:
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		break;
	case 3:
		fd = new_memfd(SMALL_SIZE);
		break;
	}
	assert(fd >= 0);
	return fd;
}

/* Sends @len bytes with @nfds fds on the first byte. */
static int send_raw(int sock, const uint8_t *buf, size_t len, const int *fds,
		    unsigned int nfds)
{
	char control[CMSG_SPACE(MAX_FDS_OUT * sizeof(int))];
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds) {
		struct cmsghdr *cmsg;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n == (ssize_t)len ? 0 : -1;
}

/* Reads and checks what the back-end replied, then drops it. */
static void drain_replies(int sock)
{
	uint8_t buf[8192];
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];

	for (;;) {
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = control,
				    .msg_controllen = sizeof(control)};
		ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n <= 0)
			break;
		/* Replies never carry fds. */
		assert(CMSG_FIRSTHDR(&mh) == NULL);
		if (n >= 12) {
			uint32_t flags;

			memcpy(&flags, buf + 4, 4);
			assert(flags == (VU_FLAG_VERSION | VU_FLAG_REPLY));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_loop *loop;
	static uint8_t msgbuf[12 + 65536];
	struct vu_dev *dev;
	int sv[2], ram, baseline;
	size_t pos = 0;
	bool alive = true;

	if (!loop) {
		log_set_level(LOG_LEVEL_ERROR);
		assert(event_loop_new(&loop) == 0);
		assert(guest_mem_install_fault_handler() == 0);
	}
	baseline = open_fd_count();
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	ram = new_memfd(RAM_SIZE);
	assert(vu_dev_new(loop, &fake_ops, NULL, &dev) == 0);
	assert(vu_dev_attach(dev, sv[0]) == 0);
	vu_dev_guard_thread(dev);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "input of %zu bytes\n", size);

	while (alive && pos < size) {
		uint8_t type = data[pos++];

		if (type == 0xff) {
			size_t off, len;

			if (size - pos < 3)
				break;
			off = (size_t)(data[pos] | data[pos + 1] << 8) %
			      RAM_SIZE;
			len = data[pos + 2];
			pos += 3;
			if (len > size - pos)
				len = size - pos;
			if (len > RAM_SIZE - off)
				len = RAM_SIZE - off;
			assert(pwrite(ram, data + pos, len, (off_t)off) ==
			       (ssize_t)len);
			pos += len;
		} else if (type == 0xfe) {
			(void)event_loop_dispatch(loop, 0);
			drain_replies(sv[1]);
		} else if (type == 0xfd) {
			assert(ftruncate(ram, 0) == 0);
		} else {
			uint32_t req = type, flags = 0, claimed = 0;
			int fds[MAX_FDS_OUT];
			unsigned int nfds = 0, kinds = 0, fdspec = 0, i;
			size_t payload, len;
			int ret;

			if (pos < size)
				flags = data[pos++];
			if (size - pos >= 2) {
				claimed = (uint32_t)(data[pos] | data[pos + 1]
									 << 8);
				pos += 2;
			}
			if (pos < size) {
				fdspec = data[pos++];
				nfds = fdspec % (MAX_FDS_OUT + 1);
			}
			if (pos < size)
				kinds = data[pos++];
			payload = claimed < size - pos ? claimed : size - pos;
			memcpy(msgbuf, &req, 4);
			memcpy(msgbuf + 4, &flags, 4);
			memcpy(msgbuf + 8, &claimed, 4);
			memcpy(msgbuf + 12, data + pos, payload);
			pos += payload;
			len = 12 + payload;
			for (i = 0; i < nfds; i++)
				fds[i] = new_fd(
					i < 4 ? (int)(((kinds >> (2 * i)) & 3) |
						      (((fdspec >> (4 + i)) & 1)
						       << 2))
					      : 1,
					ram);
			ret = send_raw(sv[1], msgbuf, len, fds, nfds);
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			if (ret < 0)
				break;
			/* A message cut short: the peer is gone. */
			if (payload < claimed)
				shutdown(sv[1], SHUT_WR);
			ret = vu_dev_handle_message(dev);
			drain_replies(sv[1]);
			if (ret < 0)
				alive = false;
		}
		/* What the server does when guest memory shrank under it. */
		if (vu_dev_memory_faulted(dev)) {
			vu_dev_disconnect(dev);
			alive = false;
		}
		/* The loop's turn may have ended the connection. */
		if (!vu_dev_is_connected(dev))
			alive = false;
	}
	vu_dev_detach(dev);
	assert(!vu_dev_is_connected(dev));
	vu_dev_guard_thread(NULL);
	vu_dev_free(dev);
	close(sv[1]);
	close(ram);
	/* Every fd the input created or passed has been closed. */
	assert(open_fd_count() == baseline);
	return 0;
}
