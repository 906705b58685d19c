// SPDX-License-Identifier: MIT
/*
 * The daemon process: SIGTERM with sessions active, command lines that
 * are errors (exit status, one line, no file left), socket file modes and
 * groups, the system-call filter on by default and off with --no-seccomp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_daemon.h"

static void test_sigterm_with_active_session(void **state)
{
	struct fx *fx = *state;
	struct vmm *a = fx_default_session(fx, 0, 0);
	struct vmm *b = fx_default_session(fx, 1, 2);

	REQ_OK(a, SET_DIR, 1, DIR_OUT, 0);
	OK(add_get_value(b, 0)); /* one in flight */
	fx_stop_daemon(fx);
	assert_int_equal(dir_entries(fx->d.dir), 0);
	EXPECT_RET(vmm_wait_closed(a, 1000, NULL), 0);
}

/*
 * A command line the daemon refuses: it exits with status 2 and says why
 * in one line (@status -1: with some other non-zero status and at least
 * one line, for errors the system reports).
 */
struct cmdline_case {
	const char *what;
	int status;
	const char *args[8]; /* "%s" is replaced by the socket base path */
};

static const struct cmdline_case cmdline_cases[] = {
	{"count mismatch", 2, {"--socket-path=%s", "-c", "2", "-l", "s8"}},
	{"count mismatch (long)",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s4:s8"}},
	{"s0", 2, {"--socket-path=%s", "--socket-count=1", "--device-list=s0"}},
	{"s65536",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s65536"}},
	{"duplicate host chips",
	 2,
	 {"--socket-path=%s", "--socket-count=2", "--device-list=1:1"}},
	{"x", 2, {"--socket-path=%s", "--socket-count=1", "--device-list=x"}},
	{"empty list",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list="}},
	{"empty entry",
	 2,
	 {"--socket-path=%s", "--socket-count=2", "--device-list=s8:"}},
	{"count 0",
	 2,
	 {"--socket-path=%s", "--socket-count=0", "--device-list=s8"}},
	{"count not a number",
	 2,
	 {"--socket-path=%s", "--socket-count=one", "--device-list=s8"}},
	{"missing --socket-path", 2, {"--socket-count=1", "--device-list=s8"}},
	{"missing --device-list", 2, {"--socket-path=%s", "--socket-count=1"}},
	{"no arguments", 2, {NULL}},
	{"unknown option",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--bogus"}},
	{"stray argument",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8", "extra"}},
	{"--socket-mode not octal",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-mode=0999"}},
	{"--socket-mode beyond 0777",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-mode=4660"}},
	{"--socket-group unknown",
	 2,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=s8",
	  "--socket-group=no-such-group-vdg"}},
	{"host chip that does not exist",
	 -1,
	 {"--socket-path=%s", "--socket-count=1", "--device-list=99"}},
	{"socket directory that does not exist",
	 -1,
	 {"--socket-path=%s/no/such/dir/sock", "--socket-count=1",
	  "--device-list=s8"}},
};

static void test_bad_command_lines(void **state)
{
	struct fx *fx = *state;
	unsigned int i;

	/* Each case's files are removed at its end, the last by teardown. */
	for (i = 0; i < sizeof(cmdline_cases) / sizeof(cmdline_cases[0]); i++) {
		const struct cmdline_case *cc = &cmdline_cases[i];
		char bufs[8][256], first[1024], how[32];
		const char *args[9];
		int lines, status, files;

		if (i)
			daemon_remove_files(&fx->d);
		daemon_prepare(&fx->d);
		args_expand(cc->args, fx->d.base, bufs, args, 8);
		lines = daemon_run(&fx->d, args, NULL, NULL, 5000 * g_scale,
				   first, sizeof(first));
		if (lines == -ETIMEDOUT)
			fail_msg("%s: the daemon did not exit", cc->what);
		status = fx->d.status;
		files = dir_entries(fx->d.dir);
		if (!WIFEXITED(status) ||
		    (cc->status >= 0 && WEXITSTATUS(status) != cc->status) ||
		    (cc->status < 0 && WEXITSTATUS(status) == 0)) {
			print_log(&fx->d, cc->what);
			fail_msg("%s: %s, expected status %d", cc->what,
				 status_text(status, how, sizeof(how)),
				 cc->status);
		}
		if (WEXITSTATUS(status) == 99)
			print_log(&fx->d, "wrapper error");
		if (files != 0)
			fail_msg("%s: %d files left in the socket directory",
				 cc->what, files);
		if (cc->status == 2 && lines != 1) {
			print_log(&fx->d, cc->what);
			fail_msg("%s: %d lines on stderr, expected 1", cc->what,
				 lines);
		}
		if (lines < 1)
			fail_msg("%s: nothing on stderr", cc->what);
		print_message("# %s: exit %d: %s", cc->what,
			      WEXITSTATUS(status), first);
	}
}

static void expect_socket_file(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != mode ||
	    st.st_gid != gid)
		fail_msg("%s: mode %o group %u, expected a socket, mode %o "
			 "group %u",
			 path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_gid, (unsigned int)mode,
			 (unsigned int)gid);
}

/*
 * --socket-mode and --socket-group reach every socket file, the .sim
 * control sockets too, and leave nothing else in the directory; the
 * system-call filter is on by default.
 */
static void test_socket_permissions(void **state)
{
	struct fx *fx = *state;
	char a_group[64], path[192];
	const char *args[] = {"--socket-path=%s",   "-c",    "2", "-l", "s4:s8",
			      "--socket-mode=0660", a_group, NULL};
	gid_t gid = getegid();
	unsigned int i;
	long mode;

	snprintf(a_group, sizeof(a_group), "--socket-group=%u",
		 (unsigned int)gid);
	fx_start_daemon(fx, 2, args);
	for (i = 0; i < 2; i++) {
		daemon_sock(&fx->d, i, path, sizeof(path));
		expect_socket_file(path, 0660, gid);
		/* The .sim socket comes right after its device socket. */
		daemon_sim_sock(&fx->d, i, path, sizeof(path));
		while (access(path, F_OK) < 0 && daemon_alive(&fx->d))
			sleep_ms(2);
		expect_socket_file(path, 0660, gid);
	}
	assert_int_equal(dir_entries(fx->d.dir), 4);
	fresh_session_works(fx, 1);
	/*
	 * On by default, unless the daemon said why not (a sanitizer build),
	 * and in before the session above got its first reply.
	 */
	mode = proc_status(fx->d.pid, "Seccomp");
	if (!getenv("VDG_DAEMON_WRAPPER") && mode != 2 &&
	    daemon_log_count(&fx->d, "no system-call filter") < 1)
		fail_msg("daemon Seccomp: %ld, expected 2 (filter)", mode);
}

/* Without options: owner only; --no-seccomp: no filter. */
static void test_socket_default_mode_no_seccomp(void **state)
{
	static const char *const args[] = {
		"--socket-path=%s", "-c", "1", "-l", "s4",
		"--no-seccomp",	    NULL};
	struct fx *fx = *state;
	char path[192];

	fx_start_daemon(fx, 1, args);
	daemon_sock(&fx->d, 0, path, sizeof(path));
	expect_socket_file(path, 0600, getegid());
	fresh_session_works(fx, 0);
	if (!getenv("VDG_DAEMON_WRAPPER"))
		assert_int_equal(proc_status(fx->d.pid, "Seccomp"), 0);
}

/*
 * A VMM that connects the moment the socket appears already meets the
 * filtered daemon: its first reply comes from a thread under the filter.
 * Several daemons in a row, since the race this closes (threads serving
 * while the main thread was still building the filter) was a matter of
 * a millisecond.
 */
static void test_first_reply_under_the_filter(void **state)
{
	static const char *const args[] = {
		"--socket-path=%s", "-c", "1", "-l", "s4", NULL};
	struct fx *fx = *state;
	unsigned int round;

	/*
	 * Not skip(): cmocka reports a skipped test as "not ok ... # SKIP",
	 * which meson counts as a failure.
	 */
	if (getenv("VDG_DAEMON_WRAPPER")) {
		print_message("# not tried: valgrind cannot apply a filter\n");
		return;
	}
	for (round = 0; round < 20; round++) {
		struct vmm *v = fx_vmm(fx, 0, NULL);
		uint64_t features;
		long mode;

		fx_start_daemon(fx, 1, args);
		fx_connect(fx, v, 0);
		OK(vmm_get_features(v, &features));
		mode = proc_status(fx->d.pid, "Seccomp");
		if (mode != 2 &&
		    daemon_log_count(&fx->d, "no system-call filter") > 0) {
			print_message("# not tried: a sanitizer build runs "
				      "without a filter\n");
			vmm_disconnect(v);
			fx_stop_daemon(fx);
			daemon_remove_files(&fx->d);
			return;
		}
		if (mode != 2)
			fail_msg("round %u: a reply came from a daemon whose "
				 "Seccomp mode is %ld, not 2 (filter)",
				 round, mode);
		vmm_disconnect(v);
		fx_stop_daemon(fx);
		daemon_remove_files(&fx->d);
	}
}

static const struct CMUnitTest tests[] = {
	TM(test_sigterm_with_active_session),
	TN(test_bad_command_lines),
	TN(test_socket_permissions),
	TN(test_socket_default_mode_no_seccomp),
	TN(test_first_reply_under_the_filter),
};

const struct fx_tests daemon_process_tests = FX_TESTS(tests);
