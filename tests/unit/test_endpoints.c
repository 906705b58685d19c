// SPDX-License-Identifier: MIT
/*
 * Where each device is served: sockets made from --socket-path, the one
 * --fd gives, the ones systemd passes with their PATH.sim control sockets,
 * every start-up error about them, and the counts checked against
 * --socket-count and the device list.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "endpoints.h"
#include "unit_helpers.h"
#include "unix_socket.h"

static char dir[64];

static int group_setup(void **state)
{
	return unit_temp_dir(dir, sizeof(dir), "ep");
}

static int group_teardown(void **state)
{
	return unit_remove_tree(dir);
}

/* What main() has before the endpoints: options with these set. */
static struct options options(const char *path, unsigned int count, int fd)
{
	return (struct options){
		.socket_path = path,
		.socket_count = count,
		.fd = fd,
		.device_list = "s8",
		.socket_mode = UNIX_SOCKET_DEFAULT_MODE,
		.socket_group = UNIX_SOCKET_NO_GROUP,
		.seccomp = true,
	};
}

/* A Unix socket of @type bound to DIR/@name, maybe listening. */
static int unix_socket(int type, const char *name, bool listening)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = unit_socket_at(type, path, listening ? 1 : -1);
	assert_true(fd >= 0);
	return fd;
}

static void expect_error(const struct options *opts,
			 const struct systemd_activation *act,
			 const char *message)
{
	struct endpoint *eps = (void *)1;
	char err[512] = "stale";

	assert_true(endpoints_resolve(opts, act, &eps, err, sizeof(err)) < 0);
	assert_string_equal(err, message);
	assert_ptr_equal(eps, (void *)1);
}

static void test_paths(void **state)
{
	struct options opts = options("/tmp/gpio.sock", 3, -1);
	struct systemd_activation act = {0};
	struct endpoint *eps;
	char err[256] = "stale";
	unsigned int i;

	assert_int_equal(endpoints_resolve(&opts, &act, &eps, err, sizeof(err)),
			 3);
	assert_string_equal(err, "");
	for (i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/tmp/gpio.sock%u", i);
		assert_string_equal(eps[i].path, path);
		assert_string_equal(eps[i].label, path);
		assert_string_equal(eps[i].name, "");
		assert_int_equal(eps[i].fd, -1);
		assert_int_equal(eps[i].sim_fd, -1);
	}
	endpoints_free(eps, 3);
}

/* PATH1023.sim and its NUL, with a byte to spare: 98 characters at most. */
static void test_path_length(void **state)
{
	struct systemd_activation act = {0};
	struct options opts;
	struct endpoint *eps;
	char path[128], err[256];

	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[98] = '\0';
	opts = options(path, 1, -1);
	assert_int_equal(endpoints_resolve(&opts, &act, &eps, err, sizeof(err)),
			 1);
	endpoints_free(eps, 1);
	path[98] = 'p';
	path[99] = '\0';
	expect_error(&opts, &act,
		     "--socket-path is too long for a Unix socket (see "
		     "--help)");
}

static void test_command_line_errors(void **state)
{
	struct systemd_activation none = {0}, act = {.count = 1};
	struct options opts = options(NULL, 1, -1);

	expect_error(&opts, &none,
		     "--socket-path is required (or --fd, or systemd socket "
		     "activation) (see --help)");
	opts.socket_path = "/tmp/gpio.sock";
	expect_error(&opts, &act,
		     "--socket-path cannot be used with socket activation "
		     "(LISTEN_FDS is set) (see --help)");
	opts = options(NULL, 1, 3);
	expect_error(&opts, &act,
		     "--fd cannot be used with socket activation (LISTEN_FDS "
		     "is set) (see --help)");
}

static void test_fd(void **state)
{
	struct systemd_activation act = {0};
	int fd = unix_socket(SOCK_STREAM, "given.sock", true);
	struct options opts = options(NULL, 1, fd);
	struct endpoint *eps;
	char err[256], path[128];

	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(endpoints_resolve(&opts, &act, &eps, err, sizeof(err)),
			 1);
	snprintf(path, sizeof(path), "%s/given.sock", dir);
	assert_string_equal(eps[0].path, path);
	assert_string_equal(eps[0].label, path);
	assert_int_equal(eps[0].fd, fd);
	assert_int_equal(eps[0].sim_fd, -1);
	/* Adopted: an accept() must never block the serving thread. */
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	/* Given sockets nobody took are closed. */
	endpoints_free(eps, 1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

/* An abstract socket has no path: its label is its fd. */
static void test_fd_without_path(void **state)
{
	struct systemd_activation act = {0};
	struct endpoint *eps;
	char err[256], label[32], name[32];
	struct options opts;
	int fd;

	snprintf(name, sizeof(name), "@vdg-ep-%d", (int)getpid());
	fd = unit_socket_at(SOCK_STREAM, name, 1);
	assert_true(fd >= 0);
	opts = options(NULL, 1, fd);
	assert_int_equal(endpoints_resolve(&opts, &act, &eps, err, sizeof(err)),
			 1);
	snprintf(label, sizeof(label), "fd %d", fd);
	assert_string_equal(eps[0].path, "");
	assert_string_equal(eps[0].label, label);
	endpoints_free(eps, 1);
}

static void expect_fd_error(int fd, const char *reason)
{
	struct systemd_activation act = {0};
	struct options opts = options(NULL, 1, fd);
	char message[256];

	snprintf(message, sizeof(message),
		 "--fd: fd %d is not a listening Unix stream socket (%s)", fd,
		 reason);
	expect_error(&opts, &act, message);
}

static void test_fd_errors(void **state)
{
	int pipe_fds[2], fd;

	expect_fd_error(999, "not open");
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	expect_fd_error(pipe_fds[0], "not a socket");
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	expect_fd_error(fd, "not a Unix socket");
	close(fd);
	fd = unix_socket(SOCK_DGRAM, "dgram.sock", false);
	expect_fd_error(fd, "not a stream socket");
	close(fd);
	fd = unix_socket(SOCK_STREAM, "quiet.sock", false);
	expect_fd_error(fd, "not listening");
	close(fd);
}

/*
 * Puts @fds at SYSTEMD_LISTEN_FDS_START on, as systemd does, or skips the
 * test when something else holds those numbers.
 */
static void pass_fds(const int *fds, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (fcntl(SYSTEMD_LISTEN_FDS_START + (int)i, F_GETFD) >= 0 &&
		    fds[i] != SYSTEMD_LISTEN_FDS_START + (int)i)
			skip();
	for (i = 0; i < count; i++) {
		int target = SYSTEMD_LISTEN_FDS_START + (int)i;

		if (fds[i] == target)
			continue;
		assert_int_equal(dup2(fds[i], target), target);
		close(fds[i]);
	}
}

/* The passed fds: taken, then closed. */
static void close_passed(unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		close(SYSTEMD_LISTEN_FDS_START + (int)i);
}

static void test_activation(void **state)
{
	char *names[] = {"a", "a-sim", "b"};
	struct systemd_activation act = {.count = 3, .names = names};
	struct options opts = options(NULL, 1, -1);
	struct endpoint *eps;
	char err[256], path[128];
	int fds[3];

	fds[0] = unix_socket(SOCK_STREAM, "a.sock", true);
	fds[1] = unix_socket(SOCK_STREAM, "a.sock.sim", true);
	fds[2] = unix_socket(SOCK_STREAM, "b.sock", true);
	pass_fds(fds, 3);
	assert_int_equal(endpoints_resolve(&opts, &act, &eps, err, sizeof(err)),
			 2);
	snprintf(path, sizeof(path), "%s/a.sock", dir);
	assert_string_equal(eps[0].path, path);
	assert_string_equal(eps[0].name, "a");
	assert_int_equal(eps[0].fd, SYSTEMD_LISTEN_FDS_START);
	assert_int_equal(eps[0].sim_fd, SYSTEMD_LISTEN_FDS_START + 1);
	snprintf(path, sizeof(path), "%s/b.sock", dir);
	assert_string_equal(eps[1].path, path);
	assert_string_equal(eps[1].label, path);
	assert_string_equal(eps[1].name, "b");
	assert_int_equal(eps[1].fd, SYSTEMD_LISTEN_FDS_START + 2);
	assert_int_equal(eps[1].sim_fd, -1);
	endpoints_free(eps, 2);
	assert_int_equal(fcntl(SYSTEMD_LISTEN_FDS_START, F_GETFD), -1);
}

static void test_activation_errors(void **state)
{
	struct systemd_activation act = {0};
	struct options opts = options(NULL, 1, -1);
	char message[512];
	int fds[3];

	/* A control socket alone. */
	fds[0] = unix_socket(SOCK_STREAM, "c.sock.sim", true);
	pass_fds(fds, 1);
	act.count = 1;
	snprintf(message, sizeof(message),
		 "socket activation: control socket %s/c.sock.sim (fd %d) has "
		 "no device socket %s/c.sock",
		 dir, SYSTEMD_LISTEN_FDS_START, dir);
	expect_error(&opts, &act, message);
	close_passed(1);

	/* Two control sockets bound to the same path, one after the other. */
	fds[0] = unix_socket(SOCK_STREAM, "d.sock", true);
	fds[1] = unix_socket(SOCK_STREAM, "d.sock.sim", true);
	fds[2] = unix_socket(SOCK_STREAM, "d.sock.sim", true);
	pass_fds(fds, 3);
	act.count = 3;
	snprintf(message, sizeof(message),
		 "socket activation: two control sockets %s/d.sock.sim", dir);
	expect_error(&opts, &act, message);
	close_passed(3);

	/* Something that is not a socket among them. */
	fds[0] = unix_socket(SOCK_STREAM, "e.sock", true);
	fds[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pass_fds(fds, 2);
	act.count = 2;
	snprintf(message, sizeof(message),
		 "socket activation: fd %d is not a listening Unix stream "
		 "socket (not a socket)",
		 SYSTEMD_LISTEN_FDS_START + 1);
	expect_error(&opts, &act, message);
	close_passed(2);
}

/*
 * endpoints_check_socket_count() with @sockets device sockets given
 * (@given: any at all): fine if @message is NULL, else -EINVAL with
 * @message.
 */
static void expect_socket_count(const struct options *opts, bool given,
				unsigned int sockets, const char *message)
{
	char err[256] = "";

	assert_int_equal(endpoints_check_socket_count(opts, given, sockets, err,
						      sizeof(err)),
			 message ? -EINVAL : 0);
	if (message)
		assert_string_equal(err, message);
}

static void test_socket_count(void **state)
{
	struct options opts = options(NULL, 2, -1);

	/* Not given, or nothing given to compare with: fine. */
	expect_socket_count(&opts, true, 3, NULL);
	opts.socket_count_given = true;
	expect_socket_count(&opts, false, 3, NULL);
	expect_socket_count(&opts, true, 2, NULL);
	expect_socket_count(&opts, true, 3,
			    "--socket-count is 2 but 3 device sockets were "
			    "given (see --help)");
	opts.fd = 3;
	expect_socket_count(&opts, false, 1,
			    "--socket-count is 2 but 1 device socket was given "
			    "(see --help)");
}

/*
 * How many --device-list entries go with how many sockets: each case is the
 * daemon's options, where the sockets came from, the counts, and the whole
 * message (without its " (see --help)" end), NULL when the pair is good.
 */
static const struct {
	const char *path; /* NULL: --fd */
	int fd;
	bool from_systemd;
	unsigned int sockets, entries;
	const char *message;
} entries_cases[] = {
	{"/tmp/g", -1, false, 2, 2, NULL},
	{"/tmp/g", -1, false, 2, 3,
	 "--device-list has 3 entries but --socket-count is 2"},
	{"/tmp/g", -1, false, 2, 1,
	 "--device-list has 1 entry but --socket-count is 2"},
	{"/tmp/g", -1, true, 2, 1,
	 "--device-list has 1 entry but systemd passed 2 device sockets"},
	{"/tmp/g", -1, true, 1, 3,
	 "--device-list has 3 entries but systemd passed 1 device socket"},
	{NULL, 3, false, 1, 2,
	 "--device-list has 2 entries but --fd serves one device"},
};

static void test_entries(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(entries_cases) / sizeof(entries_cases[0]); i++) {
		const typeof(entries_cases[0]) *c = &entries_cases[i];
		struct options opts = options(c->path, c->path ? 2 : 1, c->fd);
		char err[256] = "", want[256];

		assert_int_equal(endpoints_check_entries(&opts, c->from_systemd,
							 c->sockets, c->entries,
							 err, sizeof(err)),
				 c->message ? -EINVAL : 0);
		if (!c->message)
			continue;
		snprintf(want, sizeof(want), "%s (see --help)", c->message);
		assert_string_equal(err, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_command_line_errors),
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_fd_without_path),
		cmocka_unit_test(test_fd_errors),
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_activation_errors),
		cmocka_unit_test(test_socket_count),
		cmocka_unit_test(test_entries),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
