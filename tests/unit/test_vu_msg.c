// SPDX-License-Identifier: MIT
/* vhost-user framing: round trips, fd passing, and every malformed frame. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit_helpers.h"
#include "vu_msg.h"

struct pair {
	int daemon;
	int peer;
	const void *param; /* the test table's initial state */
};

static int setup(void **state)
{
	static struct pair pair;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pair.daemon = sv[0];
	pair.peer = sv[1];
	pair.param = *state;
	*state = &pair;
	return 0;
}

static int teardown(void **state)
{
	struct pair *pair = *state;

	close(pair->daemon);
	if (pair->peer >= 0)
		close(pair->peer);
	return 0;
}

/* Sends raw bytes with @nfds fresh eventfds attached. */
static void send_raw(int sock, const void *buf, size_t len, unsigned int nfds)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	int fds[16];
	unsigned int i;

	assert_true(nfds <= 16);
	for (i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(unit_send_fds(sock, &iov, 1, fds, nfds, 0),
			 (ssize_t)len);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void test_round_trip_with_fds(void **state)
{
	struct pair *pair = *state;
	struct vu_msg out = {.request = 5, .flags = VU_FLAG_VERSION, .size = 3};
	struct vu_msg in;
	uint64_t value = 7, got = 0;

	memcpy(out.payload.bytes, "abc", 3);
	out.fds[0] = eventfd(0, EFD_CLOEXEC);
	out.nfds = 1;
	assert_int_equal(vu_msg_send(pair->peer, &out), 0);
	close(out.fds[0]);

	assert_int_equal(vu_msg_recv(pair->daemon, &in, 100), 0);
	assert_int_equal(in.request, 5);
	assert_int_equal(in.flags, VU_FLAG_VERSION);
	assert_int_equal(in.size, 3);
	assert_memory_equal(in.payload.bytes, "abc", 3);
	assert_int_equal(in.nfds, 1);
	/* The fd really is the eventfd that was sent. */
	assert_int_equal(write(in.fds[0], &value, 8), 8);
	assert_int_equal(read(in.fds[0], &got, 8), 8);
	assert_int_equal(got, 7);
	assert_true(fcntl(in.fds[0], F_GETFD) & FD_CLOEXEC);
	vu_msg_close_fds(&in);
	assert_int_equal(in.nfds, 0);
}

static void test_empty_payload(void **state)
{
	struct pair *pair = *state;
	struct vu_msg out = {.request = 1, .flags = VU_FLAG_VERSION};
	struct vu_msg in;

	assert_int_equal(vu_msg_send(pair->peer, &out), 0);
	assert_int_equal(vu_msg_recv(pair->daemon, &in, 100), 0);
	assert_int_equal(in.request, 1);
	assert_int_equal(in.size, 0);
	assert_int_equal(in.nfds, 0);
}

static void test_clean_close_is_connreset(void **state)
{
	struct pair *pair = *state;
	struct vu_msg in;

	close(pair->peer);
	pair->peer = -1;
	assert_int_equal(vu_msg_recv(pair->daemon, &in, 100), -ECONNRESET);
}

static void test_truncated_header_then_close(void **state)
{
	struct pair *pair = *state;
	struct vu_msg in;

	send_raw(pair->peer, "\x01\x00\x00\x00\x01", 5, 0);
	close(pair->peer);
	pair->peer = -1;
	assert_int_equal(vu_msg_recv(pair->daemon, &in, 100), -EPROTO);
}

static void test_stalled_payload_times_out(void **state)
{
	struct pair *pair = *state;
	uint32_t header[3] = {2, VU_FLAG_VERSION, 8};
	struct vu_msg in;

	send_raw(pair->peer, header, sizeof(header), 0);
	send_raw(pair->peer, "1234", 4, 0);
	assert_int_equal(vu_msg_recv(pair->daemon, &in, 50), -ETIMEDOUT);
}

/*
 * A frame the reader refuses: its header with @header_fds fds, then
 * @more (if any) with @more_fds.
 */
struct bad_frame {
	uint32_t header[3];
	unsigned int header_fds;
	const char *more;
	unsigned int more_fds;
};

static const struct bad_frame oversized_payload = {
	{2, VU_FLAG_VERSION, 0xffffffffu}, 2, NULL, 0};
static const struct bad_frame too_many_fds = {
	{5, VU_FLAG_VERSION, 0}, VU_MAX_FDS + 1, NULL, 0};
static const struct bad_frame fds_inside_payload = {
	{2, VU_FLAG_VERSION, 8}, 0, "12345678", 1};

/*
 * test_oversized_payload_refused, test_too_many_fds_all_closed,
 * test_fds_inside_payload_refused: -EPROTO, and every fd that came with
 * the frame closed.
 */
static void run_bad_frame(void **state)
{
	struct pair *pair = *state;
	const struct bad_frame *c = pair->param;
	struct vu_msg in;
	int before = unit_open_fds();

	send_raw(pair->peer, c->header, sizeof(c->header), c->header_fds);
	if (c->more)
		send_raw(pair->peer, c->more, strlen(c->more), c->more_fds);
	assert_int_equal(vu_msg_recv(pair->daemon, &in, 100), -EPROTO);
	assert_int_equal(in.nfds, 0);
	assert_int_equal(unit_open_fds(), before);
}

/*
 * The reader takes a message as its bytes come, one at a time here, with
 * its fd on the first byte, and never waits for the rest.
 */
static void test_reader_assembles_trickled_message(void **state)
{
	struct pair *pair = *state;
	uint8_t bytes[12 + 4];
	uint32_t header[3] = {7, VU_FLAG_VERSION, 4};
	struct vu_msg_reader r;
	unsigned int i;

	memcpy(bytes, header, 12);
	memcpy(bytes + 12, "wxyz", 4);
	vu_msg_reader_init(&r);
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), 0);
	for (i = 0; i < sizeof(bytes); i++) {
		send_raw(pair->peer, bytes + i, 1, i == 0 ? 1 : 0);
		assert_int_equal(vu_msg_reader_read(pair->daemon, &r),
				 i + 1 == sizeof(bytes) ? 1 : 0);
	}
	assert_int_equal(r.msg.request, 7);
	assert_int_equal(r.msg.size, 4);
	assert_memory_equal(r.msg.payload.bytes, "wxyz", 4);
	assert_int_equal(r.msg.nfds, 1);
	vu_msg_reader_reset(&r);
	assert_int_equal(r.msg.nfds, 0);
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), 0);
}

/*
 * Two messages back to back: only the first one's bytes are read for it,
 * so the second one's fd arrives with the second one.
 */
static void test_reader_stops_at_message_end(void **state)
{
	struct pair *pair = *state;
	uint32_t first[3] = {1, VU_FLAG_VERSION, 0};
	uint32_t second[3 + 2] = {12, VU_FLAG_VERSION, 8, 0, 0};
	struct vu_msg_reader r;

	send_raw(pair->peer, first, sizeof(first), 0);
	send_raw(pair->peer, second, sizeof(second), 1);
	vu_msg_reader_init(&r);
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), 1);
	assert_int_equal(r.msg.request, 1);
	assert_int_equal(r.msg.nfds, 0);
	vu_msg_reader_reset(&r);
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), 1);
	assert_int_equal(r.msg.request, 12);
	assert_int_equal(r.msg.size, 8);
	assert_int_equal(r.msg.nfds, 1);
	vu_msg_reader_reset(&r);
}

/* A message cut short by the peer's end: its fds are closed. */
static void test_reader_error_closes_fds(void **state)
{
	struct pair *pair = *state;
	uint32_t header[3] = {5, VU_FLAG_VERSION, 40};
	struct vu_msg_reader r;
	int before = unit_open_fds();

	send_raw(pair->peer, header, sizeof(header), 2);
	vu_msg_reader_init(&r);
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), 0);
	assert_int_equal(r.msg.nfds, 2);
	close(pair->peer);
	pair->peer = -1;
	assert_int_equal(vu_msg_reader_read(pair->daemon, &r), -EPROTO);
	assert_int_equal(r.msg.nfds, 0);
	/* Everything but the peer's end, closed above, is as before. */
	assert_int_equal(unit_open_fds(), before - 1);
}

static void test_take_fd(void **state)
{
	struct vu_msg msg = {.nfds = 2, .fds = {10, 11}};

	assert_int_equal(vu_msg_take_fd(&msg, 1), 11);
	assert_int_equal(msg.fds[1], -1);
	assert_int_equal(vu_msg_take_fd(&msg, 2), -1);
	msg.nfds = 0; /* the fds are made up: nothing to close */
}

static void test_send_refuses_bad_message(void **state)
{
	struct pair *pair = *state;
	struct vu_msg out = {.request = 1, .size = VU_MAX_PAYLOAD + 1};

	assert_int_equal(vu_msg_send(pair->peer, &out), -EINVAL);
	out.size = 0;
	out.nfds = VU_MAX_FDS + 1;
	assert_int_equal(vu_msg_send(pair->peer, &out), -EINVAL);
}

static void test_send_to_closed_peer(void **state)
{
	struct pair *pair = *state;
	struct vu_msg out = {.request = 1, .flags = VU_FLAG_VERSION};

	close(pair->daemon);
	pair->daemon = socket(AF_UNIX, SOCK_STREAM, 0);
	/* No SIGPIPE: the error comes back as a value. */
	assert_int_equal(vu_msg_send(pair->peer, &out), -EPIPE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* A test named @name: @fn with @param as pair->param. */
#define TC(name, fn, param)                                \
	{                                                  \
		name, fn, setup, teardown, (void *)(param) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip_with_fds),
		T(test_empty_payload),
		T(test_clean_close_is_connreset),
		T(test_truncated_header_then_close),
		T(test_stalled_payload_times_out),
		TC("test_oversized_payload_refused", run_bad_frame,
		   &oversized_payload),
		TC("test_too_many_fds_all_closed", run_bad_frame,
		   &too_many_fds),
		TC("test_fds_inside_payload_refused", run_bad_frame,
		   &fds_inside_payload),
		T(test_reader_assembles_trickled_message),
		T(test_reader_stops_at_message_end),
		T(test_reader_error_closes_fds),
		cmocka_unit_test(test_take_fd),
		T(test_send_refuses_bad_message),
		T(test_send_to_closed_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
