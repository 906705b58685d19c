// SPDX-License-Identifier: MIT
/* The epoll loop: dispatch, and removal of sources from inside callbacks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "event_loop.h"

struct source {
	struct event_loop *loop;
	int fd;
	unsigned int calls;
	struct source *victim; /* removed (and closed) by our callback */
};

static void on_event(void *opaque, uint32_t events)
{
	struct source *s = opaque;
	uint64_t value;

	s->calls++;
	if (read(s->fd, &value, sizeof(value)) != sizeof(value))
		fail();
	if (s->victim) {
		assert_int_equal(event_loop_remove(s->loop, s->victim->fd), 0);
		close(s->victim->fd);
		s->victim->fd = -1;
	}
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
}

static void test_dispatch_runs_ready_callbacks(void **state)
{
	struct event_loop *loop;
	struct source a = {.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
	struct source b = {.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};

	assert_int_equal(event_loop_new(&loop), 0);
	assert_int_equal(event_loop_add(loop, a.fd, EPOLLIN, on_event, &a), 0);
	assert_int_equal(event_loop_add(loop, b.fd, EPOLLIN, on_event, &b), 0);
	assert_int_equal(event_loop_add(loop, b.fd, EPOLLIN, on_event, &b),
			 -EEXIST);
	assert_int_equal(event_loop_dispatch(loop, 0), 0);
	signal_fd(b.fd);
	assert_int_equal(event_loop_dispatch(loop, 1000), 1);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	event_loop_free(loop);
	close(a.fd);
	close(b.fd);
}

/*
 * Both sources fire in one batch and each one's callback removes the other:
 * whichever runs first, the second must not run on a freed source.
 */
static void test_callback_removes_source_of_same_batch(void **state)
{
	struct event_loop *loop;
	struct source a = {.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
	struct source b = {.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};

	assert_int_equal(event_loop_new(&loop), 0);
	a.loop = b.loop = loop;
	a.victim = &b;
	b.victim = &a;
	assert_int_equal(event_loop_add(loop, a.fd, EPOLLIN, on_event, &a), 0);
	assert_int_equal(event_loop_add(loop, b.fd, EPOLLIN, on_event, &b), 0);
	signal_fd(a.fd);
	signal_fd(b.fd);
	assert_int_equal(event_loop_dispatch(loop, 1000), 2);
	assert_int_equal(a.calls + b.calls, 1);
	event_loop_free(loop);
	if (a.fd >= 0)
		close(a.fd);
	if (b.fd >= 0)
		close(b.fd);
}

static void test_remove_unknown_fd(void **state)
{
	struct event_loop *loop;

	assert_int_equal(event_loop_new(&loop), 0);
	assert_int_equal(event_loop_remove(loop, 12345), -ENOENT);
	assert_int_equal(event_loop_add(loop, -1, EPOLLIN, on_event, NULL),
			 -EBADF);
	event_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_runs_ready_callbacks),
		cmocka_unit_test(test_callback_removes_source_of_same_batch),
		cmocka_unit_test(test_remove_unknown_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
