// SPDX-License-Identifier: MIT
/*
 * The system-call filter the daemon installs (src/sandbox.c), installed in
 * forked children: what serving needs still works, anything else kills the
 * process with SIGSYS; on a (faked) kernel without seccomp filters the
 * failure says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>
#include <stdbool.h>
#include <sys/prctl.h>

#include "sandbox.h"

/* Exit statuses of the child before it reaches the call under test. */
#define CHILD_NO_FILTER 3
#define CHILD_SURVIVED	4

/*
 * Forks a child that installs the filter and runs @fn; returns its wait
 * status.  @fn returns normally only if the call was allowed.
 */
static int run_sandboxed(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (sandbox_install() < 0)
			_exit(CHILD_NO_FILTER);
		_exit(fn() == 0 ? 0 : CHILD_SURVIVED);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_killed(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_FILTER)
		fail_msg("sandbox_install() failed");
	if (!WIFSIGNALED(status))
		fail_msg("the forbidden call returned (exit status %d) "
			 "instead of killing the process",
			 WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static int call_socket_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return -1;
}

static int call_execve(void)
{
	char *const argv[] = {(char *)"/bin/true", NULL};

	execve("/bin/true", argv, NULL);
	return -1;
}

/* Opening is refused with EACCES (glibc opens lazily and copes). */
static int call_open(void)
{
	FILE *f = fopen("/etc/hostname", "r");

	if (f) {
		fclose(f);
		return -1;
	}
	return errno == EACCES ? 0 : -1;
}

static int call_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return -1;
}

/* An ioctl that is not one of the GPIO character device's. */
static int call_other_ioctl(void)
{
	int n = 0;

	ioctl(STDIN_FILENO, FIONREAD, &n);
	return -1;
}

/* What a serving thread does: memory, logging, time. */
static int serving_calls(void)
{
	struct timespec ts;
	void *p;

	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 1 << 20) < 0)
		return -1;
	p = malloc(1 << 20);
	free(p);
	if (write(STDERR_FILENO, "", 0) < 0)
		return -1;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return -1;
	return 0;
}

/*
 * Makes this process's seccomp() and prctl(PR_SET_SECCOMP) fail the way
 * they do on a kernel built without seccomp filters (@none: without
 * seccomp at all, PR_GET_SECCOMP failing too), with a filter of our own.
 */
static int fake_kernel_without_filters(bool none)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret;

	if (!ctx)
		return -1;
	ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(none ? ENOSYS : EINVAL),
			       SCMP_SYS(seccomp), 0);
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL),
				       SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP));
	if (ret == 0 && none)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL),
				       SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP));
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

/* What sandbox_install() returns on such a kernel, from a child. */
static int install_without_filters(bool none)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (fake_kernel_without_filters(none) < 0)
			_exit(255);
		_exit(-sandbox_install());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 255)
		fail_msg("cannot fake the kernel");
	return -WEXITSTATUS(status);
}

/*
 * A kernel without seccomp filters is named as such (libseccomp alone
 * makes it a failed seccomp_init(), which was reported as ENOMEM).
 */
static void test_no_filter_support(void **state)
{
	assert_int_equal(install_without_filters(false), -EOPNOTSUPP);
	assert_string_equal(sandbox_strerror(-EOPNOTSUPP),
			    "this kernel has no seccomp filter support "
			    "(CONFIG_SECCOMP_FILTER)");
	assert_int_equal(install_without_filters(true), -ENOSYS);
	assert_string_equal(sandbox_strerror(-ENOSYS),
			    "this kernel has no seccomp support "
			    "(CONFIG_SECCOMP)");
	assert_string_equal(sandbox_strerror(-EACCES), strerror(EACCES));
}

/* A call made under the filter, and whether it kills the process. */
struct sandboxed_call {
	int (*fn)(void);
	bool killed;
};

static const struct sandboxed_call serving_calls_allowed = {serving_calls,
							    false};
static const struct sandboxed_call socket_inet_killed = {call_socket_inet,
							 true};
static const struct sandboxed_call execve_killed = {call_execve, true};
static const struct sandboxed_call open_refused = {call_open, false};
static const struct sandboxed_call fork_killed = {call_fork, true};
static const struct sandboxed_call other_ioctl_killed = {call_other_ioctl,
							 true};

static void run_call(void **state)
{
	const struct sandboxed_call *c = *state;
	int status = run_sandboxed(c->fn);

	if (c->killed) {
		expect_killed(status);
		return;
	}
	if (WIFSIGNALED(status))
		fail_msg("killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* test_@c: run_call() of the struct sandboxed_call @c. */
#define CALL(c)                                                \
	{                                                      \
		"test_" #c, run_call, NULL, NULL, (void *)&(c) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CALL(serving_calls_allowed),
		CALL(socket_inet_killed),
		CALL(execve_killed),
		CALL(open_refused),
		CALL(fork_killed),
		CALL(other_ioctl_killed),
		cmocka_unit_test(test_no_filter_support),
	};

#if defined(__SANITIZE_ADDRESS__)
	/*
	 * The daemon runs without its filter in an AddressSanitizer build
	 * (src/main.c), whose runtime makes calls of its own.
	 */
	(void)tests;
	printf("1..0 # SKIP AddressSanitizer build: no system-call filter\n");
	return 0;
#else
	return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
