// SPDX-License-Identifier: MIT
/*
 * The vhost-user protocol layer against a fake device, over a socketpair:
 * what each request answers, what it refuses, and which refusals end the
 * connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "event_loop.h"
#include "unit_helpers.h"
#include "vu_dev.h"
#include "vu_protocol.h"
#include "vu_msg.h"

#define DEVICE_FEATURES (1ull << 0)
#define FAKE_QUEUES	2
#define MEM_SIZE	(1u << 20)
#define GPA_BASE	0x100000ull

struct fixture {
	struct event_loop *loop;
	struct vu_dev *dev;
	int peer;
	int memfd;
	uint8_t *mem; /* the "VMM" mapping; uva = its address */
	unsigned int kicks[FAKE_QUEUES];
	unsigned int stops[FAKE_QUEUES];
	unsigned int resets;
	int baseline_fds;
	const void *param; /* the test table's initial state */
	int kick_fd;	   /* start_queue()'s, or -1 */
};

static int fake_get_config(void *opaque, uint32_t offset, uint32_t size,
			   uint8_t *out)
{
	static const uint8_t config[8] = {8, 0, 0, 0, 48, 0, 0, 0};

	if (offset > sizeof(config) || size > sizeof(config) - offset)
		return -EINVAL;
	memcpy(out, config + offset, size);
	return 0;
}

static void fake_kick(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct fixture *f = opaque;

	f->kicks[index]++;
}

static void fake_stop(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct fixture *f = opaque;

	f->stops[index]++;
}

static void fake_reset(void *opaque)
{
	struct fixture *f = opaque;

	f->resets++;
}

static const struct vu_device_ops fake_ops = {
	.name = "fake",
	.device_features = DEVICE_FEATURES,
	.num_queues = FAKE_QUEUES,
	.get_config = fake_get_config,
	.queue_kick = fake_kick,
	.queue_stop = fake_stop,
	.reset = fake_reset,
};

/* What the protocol set up for queue @index. */
static struct vu_dev_queue_info queue(struct fixture *f, unsigned int index)
{
	struct vu_dev_queue_info info;

	assert_int_equal(vu_dev_queue_info(f->dev, index, &info), 0);
	return info;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	if (!f)
		return -1;
	f->param = *state;
	f->kick_fd = -1;
	f->baseline_fds = unit_open_fds();
	if (event_loop_new(&f->loop) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (vu_dev_new(f->loop, &fake_ops, f, &f->dev) < 0 ||
	    vu_dev_attach(f->dev, sv[0]) < 0)
		return -1;
	f->peer = sv[1];
	f->mem = unit_memfd_map("guest", MEM_SIZE, &f->memfd);
	*state = f;
	return f->mem ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vu_dev_free(f->dev);
	if (f->kick_fd >= 0)
		close(f->kick_fd);
	close(f->peer);
	munmap(f->mem, MEM_SIZE);
	close(f->memfd);
	event_loop_free(f->loop);
	/* Everything the protocol received was closed again. */
	assert_int_equal(unit_open_fds(), f->baseline_fds);
	free(f);
	return 0;
}

static void send_msg(struct fixture *f, uint32_t request, uint32_t flags,
		     const void *payload, uint32_t size, const int *fds,
		     unsigned int nfds)
{
	struct vu_msg msg = {.request = request,
			     .flags = VU_FLAG_VERSION | flags,
			     .size = size,
			     .nfds = nfds};

	if (size)
		memcpy(msg.payload.bytes, payload, size);
	if (nfds)
		memcpy(msg.fds, fds, nfds * sizeof(int));
	assert_int_equal(vu_msg_send(f->peer, &msg), 0);
}

/* Sends a request and has the protocol handle it; returns its verdict. */
static int request(struct fixture *f, uint32_t request, uint32_t flags,
		   const void *payload, uint32_t size)
{
	send_msg(f, request, flags, payload, size, NULL, 0);
	return vu_dev_handle_message(f->dev);
}

static int request_u64(struct fixture *f, uint32_t req, uint32_t flags,
		       uint64_t value)
{
	return request(f, req, flags, &value, sizeof(value));
}

static void read_reply(struct fixture *f, uint32_t req, struct vu_msg *reply)
{
	assert_int_equal(vu_msg_recv(f->peer, reply, 1000), 0);
	assert_int_equal(reply->request, req);
	assert_int_equal(reply->flags, VU_FLAG_VERSION | VU_FLAG_REPLY);
	assert_int_equal(reply->nfds, 0);
}

static uint64_t read_reply_u64(struct fixture *f, uint32_t req)
{
	struct vu_msg reply;

	read_reply(f, req, &reply);
	assert_int_equal(reply.size, 8);
	return reply.payload.u64;
}

static void assert_no_reply(struct fixture *f)
{
	char byte;

	assert_int_equal(recv(f->peer, &byte, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_get_features(void **state)
{
	struct fixture *f = *state;
	uint64_t expected = DEVICE_FEATURES | (1ull << VIRTIO_F_VERSION_1) |
			    (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) |
			    (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
			    (1ull << VIRTIO_RING_F_EVENT_IDX) |
			    (1ull << VU_F_PROTOCOL_FEATURES);

	assert_int_equal(request(f, VU_GET_FEATURES, 0, NULL, 0), 0);
	assert_int_equal(read_reply_u64(f, VU_GET_FEATURES), expected);
}

static void test_set_features_sets_ring_options(void **state)
{
	struct fixture *f = *state;
	uint64_t features = (1ull << VIRTIO_F_VERSION_1) |
			    (1ull << VIRTIO_RING_F_EVENT_IDX);

	assert_int_equal(request_u64(f, VU_SET_FEATURES, 0, features), 0);
	assert_no_reply(f);
	assert_int_equal(vu_dev_features(f->dev), features);
	assert_true(queue(f, 0).event_idx);
	assert_false(queue(f, 0).notify_on_empty);
}

static void test_unoffered_feature_nacked(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
		request_u64(f, VU_SET_FEATURES, VU_FLAG_NEED_REPLY, 1ull << 5),
		0);
	assert_int_not_equal(read_reply_u64(f, VU_SET_FEATURES), 0);
	assert_int_equal(vu_dev_features(f->dev), 0);
}

static void test_unoffered_feature_without_ack_closes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request_u64(f, VU_SET_FEATURES, 0, 1ull << 5),
			 -EINVAL);
}

static void test_need_reply_acks_success(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request(f, VU_SET_OWNER, VU_FLAG_NEED_REPLY, NULL, 0),
			 0);
	assert_int_equal(read_reply_u64(f, VU_SET_OWNER), 0);
}

static void test_wrong_size_is_protocol_error(void **state)
{
	struct fixture *f = *state;
	uint32_t four = 0;

	assert_int_equal(request(f, VU_SET_FEATURES, VU_FLAG_NEED_REPLY, &four,
				 sizeof(four)),
			 -EPROTO);
	assert_no_reply(f);
}

/* A request and its u64 payload, sent with an fd it must not carry. */
struct stray_fd {
	uint32_t request;
	uint64_t payload;
};

static const struct stray_fd fd_with_features = {VU_SET_FEATURES, 0};
/* The payload's bit 8 says "no fd". */
static const struct stray_fd call_fd_flag_mismatch = {VU_SET_VRING_CALL,
						      1ull << 8};

/* test_unexpected_fd_is_protocol_error, test_kick_fd_flag_mismatch */
static void run_stray_fd(void **state)
{
	struct fixture *f = *state;
	const struct stray_fd *c = f->param;
	int fd = eventfd(0, EFD_CLOEXEC);

	send_msg(f, c->request, 0, &c->payload, 8, &fd, 1);
	close(fd);
	assert_int_equal(vu_dev_handle_message(f->dev), -EPROTO);
}

static void test_bad_version_is_protocol_error(void **state)
{
	struct fixture *f = *state;
	struct vu_msg msg = {.request = VU_GET_FEATURES, .flags = 2};

	assert_int_equal(vu_msg_send(f->peer, &msg), 0);
	assert_int_equal(vu_dev_handle_message(f->dev), -EPROTO);
	msg.flags = VU_FLAG_VERSION | VU_FLAG_REPLY;
	assert_int_equal(vu_msg_send(f->peer, &msg), 0);
	assert_int_equal(vu_dev_handle_message(f->dev), -EPROTO);
}

static void test_unknown_request_refused_connection_kept(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request(f, 999, VU_FLAG_NEED_REPLY, NULL, 0), 0);
	assert_int_not_equal(read_reply_u64(f, 999), 0);
	assert_int_equal(request(f, VU_SET_LOG_BASE, 0, NULL, 0), 0);
	assert_no_reply(f);
	/* Still serving. */
	assert_int_equal(request(f, VU_GET_QUEUE_NUM, 0, NULL, 0), 0);
	assert_int_equal(read_reply_u64(f, VU_GET_QUEUE_NUM), FAKE_QUEUES);
}

static void test_protocol_features(void **state)
{
	struct fixture *f = *state;
	uint64_t offered;

	assert_int_equal(request(f, VU_GET_PROTOCOL_FEATURES, 0, NULL, 0), 0);
	offered = read_reply_u64(f, VU_GET_PROTOCOL_FEATURES);
	assert_int_equal(offered,
			 (1ull << VU_PROTOCOL_F_MQ) |
				 (1ull << VU_PROTOCOL_F_REPLY_ACK) |
				 (1ull << VU_PROTOCOL_F_CONFIG) |
				 (1ull << VU_PROTOCOL_F_RESET_DEVICE) |
				 (1ull << VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |
				 (1ull << VU_PROTOCOL_F_STATUS));
	assert_int_equal(request_u64(f, VU_SET_PROTOCOL_FEATURES,
				     VU_FLAG_NEED_REPLY, offered),
			 0);
	assert_int_equal(read_reply_u64(f, VU_SET_PROTOCOL_FEATURES), 0);
	assert_int_equal(request_u64(f, VU_SET_PROTOCOL_FEATURES,
				     VU_FLAG_NEED_REPLY, 1ull << 1),
			 0);
	assert_int_not_equal(read_reply_u64(f, VU_SET_PROTOCOL_FEATURES), 0);
}

static void test_max_mem_slots(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request(f, VU_GET_MAX_MEM_SLOTS, 0, NULL, 0), 0);
	assert_int_equal(read_reply_u64(f, VU_GET_MAX_MEM_SLOTS),
			 GUEST_MEM_MAX_REGIONS);
}

static void test_get_config(void **state)
{
	struct fixture *f = *state;
	uint32_t header[3 + 2] = {2, 4, 0};
	struct vu_msg reply;
	const uint8_t expected[4] = {0, 0, 48, 0};

	assert_int_equal(request(f, VU_GET_CONFIG, 0, header, 12 + 4), 0);
	read_reply(f, VU_GET_CONFIG, &reply);
	assert_int_equal(reply.size, 12 + 4);
	assert_memory_equal(reply.payload.bytes, header, 12);
	assert_memory_equal(reply.payload.bytes + 12, expected, 4);
}

static void test_get_config_out_of_range(void **state)
{
	struct fixture *f = *state;
	uint32_t header[3 + 2] = {6, 4, 0};
	struct vu_msg reply;

	/* offset + size past the 8 bytes: an empty reply says no. */
	assert_int_equal(request(f, VU_GET_CONFIG, 0, header, 12 + 4), 0);
	read_reply(f, VU_GET_CONFIG, &reply);
	assert_int_equal(reply.size, 0);
	/* A size that disagrees with the message size: the same. */
	header[0] = 0;
	header[1] = 8;
	assert_int_equal(request(f, VU_GET_CONFIG, 0, header, 12 + 4), 0);
	read_reply(f, VU_GET_CONFIG, &reply);
	assert_int_equal(reply.size, 0);
	/* An offset that wraps around. */
	header[0] = 0xfffffffc;
	header[1] = 4;
	assert_int_equal(request(f, VU_GET_CONFIG, 0, header, 12 + 4), 0);
	read_reply(f, VU_GET_CONFIG, &reply);
	assert_int_equal(reply.size, 0);
}

static void test_set_config_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t payload[4] = {0, 4, 0, 0};

	assert_int_equal(
		request(f, VU_SET_CONFIG, VU_FLAG_NEED_REPLY, payload, 16), 0);
	assert_int_not_equal(read_reply_u64(f, VU_SET_CONFIG), 0);
}

static void test_vring_num_checks(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = {0, 3, 65536, 100};
	uint32_t state_payload[2];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		state_payload[0] = 0;
		state_payload[1] = bad[i];
		assert_int_equal(request(f, VU_SET_VRING_NUM,
					 VU_FLAG_NEED_REPLY, state_payload, 8),
				 0);
		assert_int_not_equal(read_reply_u64(f, VU_SET_VRING_NUM), 0);
	}
	state_payload[1] = 32768;
	assert_int_equal(request(f, VU_SET_VRING_NUM, VU_FLAG_NEED_REPLY,
				 state_payload, 8),
			 0);
	assert_int_equal(read_reply_u64(f, VU_SET_VRING_NUM), 0);
	assert_int_equal(queue(f, 0).num, 32768);
	state_payload[0] = 255;
	state_payload[1] = 8;
	assert_int_equal(request(f, VU_SET_VRING_NUM, VU_FLAG_NEED_REPLY,
				 state_payload, 8),
			 0);
	assert_int_not_equal(read_reply_u64(f, VU_SET_VRING_NUM), 0);
}

static void test_vring_enable_unconfigured_queue(void **state)
{
	struct fixture *f = *state;
	uint32_t payload[2] = {1, 1};

	assert_int_equal(
		request(f, VU_SET_VRING_ENABLE, VU_FLAG_NEED_REPLY, payload, 8),
		0);
	assert_int_equal(read_reply_u64(f, VU_SET_VRING_ENABLE), 0);
	assert_int_equal(f->kicks[1], 0);
}

static void test_status_round_trip(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request_u64(f, VU_SET_STATUS, 0, 0x0f), 0);
	assert_int_equal(request(f, VU_GET_STATUS, 0, NULL, 0), 0);
	assert_int_equal(read_reply_u64(f, VU_GET_STATUS), 0x0f);
}

static void send_mem_table(struct fixture *f, uint32_t nregions,
			   unsigned int nfds)
{
	struct {
		uint32_t nregions, padding;
		uint64_t region[4];
	} table = {nregions, 0, {GPA_BASE, MEM_SIZE, (uintptr_t)f->mem, 0}};
	int fds[2] = {f->memfd, f->memfd};

	send_msg(f, VU_SET_MEM_TABLE, VU_FLAG_NEED_REPLY, &table,
		 8 + 32 * nregions > sizeof(table) ? sizeof(table)
						   : 8 + 32 * nregions,
		 fds, nfds);
}

static void test_mem_table_fd_count_mismatch(void **state)
{
	struct fixture *f = *state;

	send_mem_table(f, 1, 2);
	assert_int_equal(vu_dev_handle_message(f->dev), -EPROTO);
	assert_int_equal(vu_dev_memory_regions(f->dev), 0);
}

/*
 * Memory, one ring of 8 entries, ready to be kicked through f->kick_fd
 * (closed by teardown).
 */
static int start_queue(struct fixture *f)
{
	uint32_t num[2] = {0, 8}, base[2] = {0, 5};
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} addr = {0,
		  0,
		  (uintptr_t)f->mem,
		  (uintptr_t)f->mem + 4096,
		  (uintptr_t)f->mem + 2048,
		  0};
	uint64_t kick = 0;

	send_mem_table(f, 1, 1);
	assert_int_equal(vu_dev_handle_message(f->dev), 0);
	assert_int_equal(read_reply_u64(f, VU_SET_MEM_TABLE), 0);
	assert_int_equal(request(f, VU_SET_VRING_NUM, 0, num, 8), 0);
	assert_int_equal(request(f, VU_SET_VRING_BASE, 0, base, 8), 0);
	assert_int_equal(request(f, VU_SET_VRING_ADDR, 0, &addr, 40), 0);
	f->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	send_msg(f, VU_SET_VRING_KICK, 0, &kick, 8, &f->kick_fd, 1);
	return vu_dev_handle_message(f->dev);
}

/* Kicks through @kick_fd; what one turn of the loop then dispatched. */
static int kick(struct fixture *f, int kick_fd, int timeout_ms)
{
	uint64_t one = 1;

	assert_int_equal(write(kick_fd, &one, 8), 8);
	return event_loop_dispatch(f->loop, timeout_ms);
}

static void test_kick_reaches_device_once_enabled(void **state)
{
	struct fixture *f = *state;
	uint64_t features = 1ull << VU_F_PROTOCOL_FEATURES;
	uint32_t enable[2] = {0, 1};

	assert_int_equal(request_u64(f, VU_SET_FEATURES, 0, features), 0);
	assert_int_equal(start_queue(f), 0);
	/* With PROTOCOL_FEATURES a ring starts disabled. */
	assert_false(vu_dev_queue_ready(f->dev, 0));
	assert_int_equal(f->kicks[0], 0);
	assert_int_equal(request(f, VU_SET_VRING_ENABLE, 0, enable, 8), 0);
	assert_true(vu_dev_queue_ready(f->dev, 0));
	assert_int_equal(f->kicks[0], 1);

	assert_int_equal(kick(f, f->kick_fd, 1000), 1);
	assert_int_equal(f->kicks[0], 2);
}

static void test_get_vring_base_stops_queue(void **state)
{
	struct fixture *f = *state;
	uint32_t index[2] = {0, 0};
	struct vu_msg reply;

	assert_int_equal(start_queue(f), 0);
	/* Without PROTOCOL_FEATURES the ring is enabled by its kick fd. */
	assert_int_equal(f->kicks[0], 1);
	assert_int_equal(request(f, VU_GET_VRING_BASE, 0, index, 8), 0);
	read_reply(f, VU_GET_VRING_BASE, &reply);
	assert_int_equal(reply.size, 8);
	assert_memory_equal(reply.payload.bytes, ((uint32_t[]){0, 5}), 8);
	assert_int_equal(f->stops[0], 1);
	assert_false(vu_dev_queue_ready(f->dev, 0));
	/* The old kick fd is no longer watched. */
	assert_int_equal(kick(f, f->kick_fd, 10), 0);
	assert_int_equal(f->kicks[0], 1);
}

static void test_ring_outside_memory_refused(void **state)
{
	struct fixture *f = *state;
	uint32_t num[2] = {0, 8};
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} addr = {0, 0, 0x10, 0x1000, 0x800, 0};

	send_mem_table(f, 1, 1);
	assert_int_equal(vu_dev_handle_message(f->dev), 0);
	assert_int_equal(read_reply_u64(f, VU_SET_MEM_TABLE), 0);
	assert_int_equal(request(f, VU_SET_VRING_NUM, 0, num, 8), 0);
	assert_int_equal(
		request(f, VU_SET_VRING_ADDR, VU_FLAG_NEED_REPLY, &addr, 40),
		0);
	assert_int_not_equal(read_reply_u64(f, VU_SET_VRING_ADDR), 0);
}

static void test_reset_device(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(start_queue(f), 0);
	assert_int_equal(
		request(f, VU_RESET_DEVICE, VU_FLAG_NEED_REPLY, NULL, 0), 0);
	assert_int_equal(read_reply_u64(f, VU_RESET_DEVICE), 0);
	assert_int_equal(f->resets, 1);
	assert_int_equal(f->stops[0], 1);
	assert_int_equal(queue(f, 0).num, 0);
	assert_int_equal(queue(f, 0).kick_fd, -1);
}

static void test_detach_resets_and_closes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(start_queue(f), 0);
	vu_dev_detach(f->dev);
	assert_int_equal(f->resets, 1);
	assert_int_equal(vu_dev_memory_regions(f->dev), 0);
	assert_false(vu_dev_is_connected(f->dev));
}

/*
 * Descriptors a hostile front-end may pass where an eventfd belongs: every
 * one has a file type (or is O_PATH) and must be refused.  Returns the
 * number made; the caller closes them.
 */
static unsigned int make_non_eventfds(int *fds, const char **names)
{
	unsigned int n = 0;
	int pipe_fds[2], pair[2], ev;
	char path[64];

	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	names[n] = "pipe read end";
	fds[n++] = pipe_fds[0];
	names[n] = "pipe write end";
	fds[n++] = pipe_fds[1];
	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	names[n] = "socket";
	fds[n++] = pair[0];
	close(pair[1]);
	names[n] = "memfd";
	fds[n++] = memfd_create("not-an-eventfd", MFD_CLOEXEC);
	names[n] = "directory";
	fds[n++] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	names[n] = "/dev/null";
	fds[n++] = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* An O_PATH descriptor of a real eventfd: fstat works, I/O does not. */
	ev = eventfd(0, EFD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ev);
	names[n] = "O_PATH eventfd";
	fds[n++] = open(path, O_PATH | O_CLOEXEC);
	close(ev);
	for (unsigned int i = 0; i < n; i++)
		assert_true(fds[i] >= 0);
	return n;
}

static void test_vring_fds_must_be_eventfds(void **state)
{
	static const uint32_t requests[] = {
		VU_SET_VRING_KICK, VU_SET_VRING_CALL, VU_SET_VRING_ERR};
	struct fixture *f = *state;
	const char *names[16];
	int fds[16];
	unsigned int n = make_non_eventfds(fds, names), i, r;
	uint64_t index = 0;

	for (r = 0; r < 3; r++) {
		for (i = 0; i < n; i++) {
			print_message("# request %u with a %s\n", requests[r],
				      names[i]);
			send_msg(f, requests[r], VU_FLAG_NEED_REPLY, &index, 8,
				 &fds[i], 1);
			assert_int_equal(vu_dev_handle_message(f->dev), 0);
			assert_int_not_equal(read_reply_u64(f, requests[r]), 0);
		}
	}
	assert_int_equal(queue(f, 0).kick_fd, -1);
	assert_int_equal(queue(f, 0).call_fd, -1);
	assert_int_equal(queue(f, 0).err_fd, -1);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* A blocking eventfd is taken, and made non-blocking for good. */
static void test_vring_fds_made_non_blocking(void **state)
{
	static const uint32_t requests[] = {
		VU_SET_VRING_KICK, VU_SET_VRING_CALL, VU_SET_VRING_ERR};
	struct fixture *f = *state;
	uint64_t index = 0;
	unsigned int r;

	for (r = 0; r < 3; r++) {
		int fd = eventfd(0, EFD_CLOEXEC);

		assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
		send_msg(f, requests[r], VU_FLAG_NEED_REPLY, &index, 8, &fd, 1);
		assert_int_equal(vu_dev_handle_message(f->dev), 0);
		assert_int_equal(read_reply_u64(f, requests[r]), 0);
		/* Our copy shares the file description with the daemon's. */
		assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
		close(fd);
	}
	assert_true(queue(f, 0).kick_fd >= 0);
	assert_true(queue(f, 0).call_fd >= 0);
	assert_true(queue(f, 0).err_fd >= 0);
}

/*
 * A kick fd that stays readable whatever is read from it (a semaphore
 * eventfd with a huge count) wakes the loop once per write of the
 * front-end, not on every turn of the loop.
 */
static void test_semaphore_kick_fd_does_not_spin(void **state)
{
	struct fixture *f = *state;
	uint64_t count = 1000000, features = 0;
	int sem;
	unsigned int i, kicks;

	assert_int_equal(request_u64(f, VU_SET_FEATURES, 0, features), 0);
	assert_int_equal(start_queue(f), 0);
	sem = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE | EFD_NONBLOCK);
	assert_int_equal(write(sem, &count, 8), 8);
	send_msg(f, VU_SET_VRING_KICK, 0, &(uint64_t){0}, 8, &sem, 1);
	assert_int_equal(vu_dev_handle_message(f->dev), 0);
	kicks = f->kicks[0];
	/* At most the one wake-up for the count already there. */
	for (i = 0; i < 5; i++)
		event_loop_dispatch(f->loop, 0);
	assert_true(f->kicks[0] <= kicks + 1);
	kicks = f->kicks[0];
	assert_int_equal(event_loop_dispatch(f->loop, 0), 0);
	/* The next kick is seen. */
	assert_int_equal(kick(f, sem, 1000), 1);
	assert_int_equal(f->kicks[0], kicks + 1);
	assert_int_equal(event_loop_dispatch(f->loop, 0), 0);
	close(sem);
}

/*
 * An anonymous-inode fd that is not an eventfd passes the type check; if
 * reading it fails (an epoll fd with something ready: readable, but read()
 * is EINVAL), it is dropped rather than reported again on every turn.
 */
static void test_unreadable_kick_fd_dropped(void **state)
{
	struct fixture *f = *state;
	struct epoll_event ev = {.events = EPOLLIN};
	uint64_t one = 1;
	int ep, inner;
	unsigned int i;

	assert_int_equal(start_queue(f), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	inner = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev), 0);
	assert_int_equal(write(inner, &one, 8), 8);
	send_msg(f, VU_SET_VRING_KICK, VU_FLAG_NEED_REPLY, &(uint64_t){0}, 8,
		 &ep, 1);
	assert_int_equal(vu_dev_handle_message(f->dev), 0);
	assert_int_equal(read_reply_u64(f, VU_SET_VRING_KICK), 0);
	for (i = 0; i < 3; i++)
		event_loop_dispatch(f->loop, 0);
	assert_int_equal(queue(f, 0).kick_fd, -1);
	assert_int_equal(event_loop_dispatch(f->loop, 0), 0);
	close(ep);
	close(inner);
}

/* Guest memory must be a file: a device or an eventfd is refused. */
static void test_memory_fd_must_be_a_file(void **state)
{
	struct fixture *f = *state;
	struct {
		uint32_t nregions, padding;
		uint64_t region[4];
	} table = {1, 0, {GPA_BASE, MEM_SIZE, (uintptr_t)f->mem, 0}};
	int fds[2] = {open("/dev/zero", O_RDWR | O_CLOEXEC),
		      eventfd(0, EFD_CLOEXEC)};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		assert_true(fds[i] >= 0);
		send_msg(f, VU_SET_MEM_TABLE, VU_FLAG_NEED_REPLY, &table,
			 8 + 32, &fds[i], 1);
		assert_int_equal(vu_dev_handle_message(f->dev), 0);
		assert_int_not_equal(read_reply_u64(f, VU_SET_MEM_TABLE), 0);
		assert_int_equal(vu_dev_memory_regions(f->dev), 0);
		close(fds[i]);
	}
}

/*
 * A front-end that sends a message a byte at a time never makes the
 * protocol wait: each call takes what is there and returns, and the
 * message is handled once complete.
 */
static void test_trickled_message_never_waits(void **state)
{
	struct fixture *f = *state;
	uint32_t msg[3] = {VU_GET_QUEUE_NUM, VU_FLAG_VERSION, 0};
	const uint8_t *bytes = (const uint8_t *)msg;
	unsigned int i;

	for (i = 0; i < sizeof(msg); i++) {
		assert_int_equal(send(f->peer, bytes + i, 1, 0), 1);
		assert_int_equal(vu_dev_handle_message(f->dev), 0);
		if (i + 1 < sizeof(msg))
			assert_no_reply(f);
	}
	assert_int_equal(read_reply_u64(f, VU_GET_QUEUE_NUM), FAKE_QUEUES);
	/* And with nothing there at all. */
	assert_int_equal(vu_dev_handle_message(f->dev), 0);
	assert_no_reply(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
/* A test named @name: @fn with @param as f->param. */
#define TC(name, fn, param)                                \
	{                                                  \
		name, fn, setup, teardown, (void *)(param) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_get_features),
		T(test_set_features_sets_ring_options),
		T(test_unoffered_feature_nacked),
		T(test_unoffered_feature_without_ack_closes),
		T(test_need_reply_acks_success),
		T(test_wrong_size_is_protocol_error),
		TC("test_unexpected_fd_is_protocol_error", run_stray_fd,
		   &fd_with_features),
		T(test_bad_version_is_protocol_error),
		T(test_unknown_request_refused_connection_kept),
		T(test_protocol_features),
		T(test_max_mem_slots),
		T(test_get_config),
		T(test_get_config_out_of_range),
		T(test_set_config_refused),
		T(test_vring_num_checks),
		T(test_vring_enable_unconfigured_queue),
		T(test_status_round_trip),
		T(test_mem_table_fd_count_mismatch),
		T(test_kick_reaches_device_once_enabled),
		T(test_get_vring_base_stops_queue),
		T(test_ring_outside_memory_refused),
		TC("test_kick_fd_flag_mismatch", run_stray_fd,
		   &call_fd_flag_mismatch),
		T(test_reset_device),
		T(test_detach_resets_and_closes),
		T(test_vring_fds_must_be_eventfds),
		T(test_vring_fds_made_non_blocking),
		T(test_semaphore_kick_fd_does_not_spin),
		T(test_unreadable_kick_fd_dropped),
		T(test_memory_fd_must_be_a_file),
		T(test_trickled_message_never_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
