// SPDX-License-Identifier: MIT
/*
 * The systemd interfaces without libsystemd (src/systemd.c): reading the
 * socket-activation variables, and notification datagrams sent to a bound
 * socket, also with the daemon's system-call filter in place.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"
#include "systemd.h"
#include "unit_helpers.h"

#define SELF 4242

/*
 * systemd_activation_parse() of LISTEN_PID @pid, LISTEN_FDS @fds and
 * LISTEN_FDNAMES @names in this process (SELF) must succeed with @count
 * fds and the names @want (":"-separated; NULL: no names kept).
 */
static void expect_parsed(const char *pid, const char *fds, const char *names,
			  unsigned int count, const char *want)
{
	struct systemd_activation act;
	char err[128], joined[256] = "";
	unsigned int i;

	assert_int_equal(systemd_activation_parse(pid, fds, names, SELF, &act,
						  err, sizeof(err)),
			 0);
	assert_int_equal(act.count, count);
	if (!want) {
		assert_null(act.names);
		systemd_activation_free(&act);
		return;
	}
	assert_non_null(act.names);
	for (i = 0; i < act.count; i++)
		snprintf(joined + strlen(joined),
			 sizeof(joined) - strlen(joined), "%s%s", i ? ":" : "",
			 act.names[i]);
	assert_string_equal(joined, want);
	systemd_activation_free(&act);
	assert_int_equal(act.count, 0);
	assert_null(act.names);
}

/* The same, refused with -EINVAL and a message that names @variable. */
static void expect_refused(const char *pid, const char *fds,
			   const char *variable)
{
	struct systemd_activation act;
	char err[128] = "";

	assert_int_equal(systemd_activation_parse(pid, fds, NULL, SELF, &act,
						  err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(act.count, 0);
	assert_non_null(strstr(err, variable));
}

static void test_not_activated(void **state)
{
	expect_parsed(NULL, "2", "a:b", 0, NULL);
	expect_parsed("", "2", NULL, 0, NULL);
}

/* Variables a parent was given leak to its children: not theirs. */
static void test_other_pid_ignored(void **state)
{
	expect_parsed("4243", "2", "a:b", 0, NULL);
	/* Even a LISTEN_FDS that would be an error for us. */
	expect_parsed("1", "junk", NULL, 0, NULL);
}

static void test_fds_and_names(void **state)
{
	expect_parsed("4242", "3", "dev:dev.sim:other", 3, "dev:dev.sim:other");
	/* Empty names stay empty, in place. */
	expect_parsed("4242", "3", ":b:", 3, ":b:");
	/* No names given. */
	expect_parsed("4242", "1", NULL, 1, NULL);
	/* Zero sockets: nothing to serve from systemd. */
	expect_parsed("4242", "0", "", 0, NULL);
}

/* Names are for log lines only: a count that does not match drops them. */
static void test_names_count_mismatch(void **state)
{
	expect_parsed("4242", "2", "a:b:c", 2, NULL);
	expect_parsed("4242", "2", "a", 2, NULL);
}

static void test_bad_listen_fds(void **state)
{
	static const char *const bad[] = {
		"",   "x",    "-1",
		"+1", " 1",   "1 ",
		"2x", "1025", "99999999999999999999",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused("4242", bad[i], "LISTEN_FDS");
	expect_refused("4242", NULL, "LISTEN_FDS");
	expect_parsed("4242", "1024", NULL, 1024, NULL);
}

static void test_bad_listen_pid(void **state)
{
	expect_refused("12ab", "1", "LISTEN_PID");
}

static void test_from_env_unsets(void **state)
{
	struct systemd_activation act;
	char pid[32], err[128];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "x:y", 1);
	assert_int_equal(systemd_activation_from_env(&act, err, sizeof(err)),
			 0);
	assert_int_equal(act.count, 2);
	assert_string_equal(act.names[1], "y");
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
	systemd_activation_free(&act);

	/* Not ours: still unset, so that nothing we start believes it. */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "1", 1);
	assert_int_equal(systemd_activation_from_env(&act, err, sizeof(err)),
			 0);
	assert_int_equal(act.count, 0);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
}

static void test_status_format(void **state)
{
	char buf[128];

	assert_int_equal(systemd_status_format(buf, sizeof(buf), true, 1, 0),
			 (int)strlen("READY=1\nSTATUS=serving 1 device, 0 "
				     "connected"));
	assert_string_equal(buf, "READY=1\nSTATUS=serving 1 device, 0 "
				 "connected");
	assert_true(systemd_status_format(buf, sizeof(buf), false, 2, 1) > 0);
	assert_string_equal(buf, "STATUS=serving 2 devices, 1 connected");
	assert_int_equal(systemd_status_format(buf, 10, false, 2, 1), -ENOSPC);
}

/* A datagram socket bound to @path, standing in for systemd's. */
static int bind_receiver(const char *path)
{
	int fd = unit_socket_at(SOCK_DGRAM, path, -1);

	assert_true(fd >= 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char buf[256];
	ssize_t n;

	/* Already sent: the wait only guards against a hang. */
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void path_receiver(char *path, size_t len, int *fd)
{
	char dir[64];

	assert_int_equal(unit_temp_dir(dir, sizeof(dir), "sd"), 0);
	snprintf(path, len, "%s/notify", dir);
	*fd = bind_receiver(path);
}

static void path_receiver_remove(const char *path, int fd)
{
	char dir[108];

	close(fd);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path),
		 path);
	assert_int_equal(unit_remove_tree(dir), 0);
}

static void test_notify_path(void **state)
{
	struct systemd_notifier n;
	char path[108];
	int fd;

	path_receiver(path, sizeof(path), &fd);
	assert_int_equal(systemd_notifier_open(&n, path), 0);
	assert_true(n.fd >= 0);
	assert_int_equal(systemd_notifier_send(&n, "READY=1\nSTATUS=hello"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=hello");
	assert_int_equal(systemd_notifier_send(&n, "STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	systemd_notifier_close(&n);
	assert_int_equal(n.fd, -1);
	systemd_notifier_close(&n);
	path_receiver_remove(path, fd);
}

static void test_notify_abstract(void **state)
{
	struct systemd_notifier n;
	char name[64];
	int fd;

	/* The abstract address is exactly the name's bytes, no NUL after. */
	snprintf(name, sizeof(name), "@vdg-test-notify-%d", (int)getpid());
	fd = bind_receiver(name);
	assert_int_equal(systemd_notifier_open(&n, name), 0);
	assert_int_equal(systemd_notifier_send(&n, "READY=1"), 0);
	expect_datagram(fd, "READY=1");
	systemd_notifier_close(&n);
	close(fd);
}

static void test_notify_unset(void **state)
{
	struct systemd_notifier n;

	assert_int_equal(systemd_notifier_open(&n, NULL), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(systemd_notifier_send(&n, "READY=1"), 0);
	systemd_notifier_close(&n);
	assert_int_equal(systemd_notifier_open(&n, ""), 0);
	assert_int_equal(n.fd, -1);
}

static void test_notify_bad_address(void **state)
{
	char path[200];
	struct systemd_notifier n;

	assert_int_equal(systemd_notifier_open(&n, "vsock:2:1234"),
			 -EAFNOSUPPORT);
	assert_int_equal(n.fd, -1);
	assert_int_equal(systemd_notifier_open(&n, "relative/path"),
			 -EAFNOSUPPORT);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(systemd_notifier_open(&n, path), -ENAMETOOLONG);
	assert_int_equal(n.fd, -1);
}

/* Nobody listening: an error to log, not a crash or a hang. */
static void test_notify_nobody(void **state)
{
	struct systemd_notifier n;

	assert_int_equal(systemd_notifier_open(&n, "/nonexistent-vdg/notify"),
			 0);
	assert_int_equal(systemd_notifier_send(&n, "READY=1"), -ENOENT);
	systemd_notifier_close(&n);
}

/*
 * A receiver that never reads: sends fail with -EAGAIN once its queue is
 * full instead of blocking the sender (a hang here is the failure).
 */
static void test_notify_never_blocks(void **state)
{
	struct systemd_notifier n;
	char path[108];
	int fd, i, ret = 0;

	path_receiver(path, sizeof(path), &fd);
	assert_int_equal(systemd_notifier_open(&n, path), 0);
	for (i = 0; i < 100000 && ret == 0; i++)
		ret = systemd_notifier_send(
			&n, "STATUS=serving 1 device, 1 connected");
	assert_int_equal(ret, -EAGAIN);
	assert_true(i > 1);
	expect_datagram(fd, "STATUS=serving 1 device, 1 connected");
	systemd_notifier_close(&n);
	path_receiver_remove(path, fd);
}

/*
 * The daemon sends after its filter went in: sendto must be allowed.  Not
 * run in an AddressSanitizer build (no filter there: src/main.c).
 */
__attribute__((unused)) static void test_notify_under_sandbox(void **state)
{
	struct systemd_notifier n;
	char path[108];
	int fd, status;
	pid_t pid;

	path_receiver(path, sizeof(path), &fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (systemd_notifier_open(&n, path) < 0 ||
		    sandbox_install() < 0)
			_exit(3);
		_exit(systemd_notifier_send(&n, "READY=1\nSTATUS=sandboxed") ==
				      0
			      ? 0
			      : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("the child died by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_datagram(fd, "READY=1\nSTATUS=sandboxed");
	path_receiver_remove(path, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_activated),
		cmocka_unit_test(test_other_pid_ignored),
		cmocka_unit_test(test_fds_and_names),
		cmocka_unit_test(test_names_count_mismatch),
		cmocka_unit_test(test_bad_listen_fds),
		cmocka_unit_test(test_bad_listen_pid),
		cmocka_unit_test(test_from_env_unsets),
		cmocka_unit_test(test_status_format),
		cmocka_unit_test(test_notify_path),
		cmocka_unit_test(test_notify_abstract),
		cmocka_unit_test(test_notify_unset),
		cmocka_unit_test(test_notify_bad_address),
		cmocka_unit_test(test_notify_nobody),
		cmocka_unit_test(test_notify_never_blocks),
#if !defined(__SANITIZE_ADDRESS__)
		/* No filter in such a build (src/main.c); ASan makes calls. */
		cmocka_unit_test(test_notify_under_sandbox),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
