// SPDX-License-Identifier: MIT
/*
 * What systemd is told: the datagrams a bound notify socket receives as
 * the daemon gets ready, front-ends come and go, and it stops; and nothing
 * (and no crash) without a notify socket or with one that is gone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "service_status.h"
#include "unit_helpers.h"

struct fixture {
	char dir[64];
	char path[80];
	int fd; /* what systemd would read */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || unit_temp_dir(f->dir, sizeof(f->dir), "status") < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/notify", f->dir);
	f->fd = unit_socket_at(SOCK_DGRAM | SOCK_NONBLOCK, f->path, -1);
	*state = f;
	return f->fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->fd);
	unit_remove_tree(f->dir);
	free(f);
	return 0;
}

static void expect_datagram(struct fixture *f, const char *text)
{
	char buf[256];
	ssize_t n = recv(f->fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static void expect_nothing(struct fixture *f)
{
	char buf[16];

	assert_int_equal(recv(f->fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_life_cycle(void **state)
{
	struct fixture *f = *state;
	struct service_status st;

	service_status_open(&st, f->path, 2);
	/* Front-ends that come before readiness are counted, not sent. */
	service_status_connection(&st, true);
	expect_nothing(f);
	service_status_ready(&st);
	expect_datagram(f, "READY=1\nSTATUS=serving 2 devices, 1 connected");
	service_status_connection(&st, true);
	expect_datagram(f, "STATUS=serving 2 devices, 2 connected");
	service_status_connection(&st, false);
	expect_datagram(f, "STATUS=serving 2 devices, 1 connected");
	service_status_stopping(&st);
	expect_datagram(f, "STOPPING=1");
	/* Disconnections while stopping are not news. */
	service_status_connection(&st, false);
	expect_nothing(f);
	service_status_close(&st);
}

static void test_one_device(void **state)
{
	struct fixture *f = *state;
	struct service_status st;

	service_status_open(&st, f->path, 1);
	service_status_ready(&st);
	expect_datagram(f, "READY=1\nSTATUS=serving 1 device, 0 connected");
	/* More disconnections than connections never go below 0. */
	service_status_connection(&st, false);
	expect_datagram(f, "STATUS=serving 1 device, 0 connected");
	service_status_close(&st);
}

/* Without NOTIFY_SOCKET, or with one nobody reads: nothing breaks. */
static void test_nobody_listens(void **state)
{
	static const char *const sockets[] = {NULL, "", "vsock:2:9",
					      "/nonexistent/notify"};
	struct service_status st;
	unsigned int i;

	for (i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++) {
		service_status_open(&st, sockets[i], 3);
		service_status_ready(&st);
		service_status_connection(&st, true);
		service_status_stopping(&st);
		service_status_close(&st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_life_cycle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_device, setup,
						teardown),
		cmocka_unit_test(test_nobody_listens),
	};

	/* The warnings test_nobody_listens provokes are expected. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
