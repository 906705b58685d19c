// SPDX-License-Identifier: MIT
/*
 * Start-up and shut-down against a hostile or unlucky host: whatever
 * another local user put at the socket paths, the daemon says which path
 * and why in one line and exits 2 at once, never waiting on that user;
 * a device-list path that is not a GPIO chip (a FIFO, a leased file, a
 * terminal, any other device) is refused without being opened; a kernel
 * without seccomp filters is named as the reason the daemon stops; SIGTERM
 * during start-up ends it without leaving a socket file behind; at exit it
 * removes its own socket files and nothing that replaced them.
 *
 * Usage: test_startup DAEMON-BINARY
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "unit_helpers.h"

/* How long a start-up error may take (times g_scale). */
#define ERROR_WITHIN_MS 1000
/* Room for a socket path in the daemon's directory. */
#define PATH_LEN 192

struct st {
	struct fx fx;	  /* fx.d: the daemon, started by each test */
	struct daemon d2; /* a second daemon on fx.d's socket paths */
	bool spawned2;
	char extra[4][192]; /* files the test made besides the sockets */
	struct daemon_args args;
};

static int st_setup(void **state)
{
	struct st *t = (struct st *)fx_alloc(sizeof(*t));

	daemon_prepare(&t->fx.d);
	t->fx.param = *state;
	*state = t;
	return 0;
}

/* The fixture's teardown (fx.d killed if it still runs), d2 and SIGIO. */
static int st_teardown(void **state)
{
	struct st *t = *state;

	if (t->spawned2) {
		if (daemon_alive(&t->d2)) {
			print_log(&t->d2, "test ended with daemon 2 running");
			daemon_kill(&t->d2);
		}
		unlink(t->d2.log);
	}
	signal(SIGIO, SIG_DFL); /* test_chip_leased_file's */
	return teardown(state);
}

/* The daemon's arguments: -s BASE -c @count -l @list, then @extra. */
static const char *const *args_for(struct st *t, unsigned int count,
				   const char *list, const char *const *extra)
{
	return daemon_args(&t->args, &t->fx.d, count, list, extra);
}

/*
 * The daemon, started with @args, exits with status 2 within
 * ERROR_WITHIN_MS, and its output is exactly the one line @want (after
 * "vhost-device-gpio: error: ").
 */
static void expect_start_error(struct st *t, const char *const *args,
			       const char *want)
{
	char first[1024], expected[1024], how[32];
	int64_t start = now_ms();
	int lines = daemon_run(&t->fx.d, args, NULL, NULL,
			       ERROR_WITHIN_MS * g_scale, first, sizeof(first));

	if (lines == -ETIMEDOUT) {
		print_log(&t->fx.d, "still running");
		fail_msg("the daemon still runs %d ms after it started; "
			 "expected \"%s\"",
			 ERROR_WITHIN_MS * g_scale, want);
	}
	snprintf(expected, sizeof(expected), "vhost-device-gpio: error: %s\n",
		 want);
	if (!WIFEXITED(t->fx.d.status) || WEXITSTATUS(t->fx.d.status) != 2 ||
	    lines != 1 || strcmp(first, expected)) {
		print_log(&t->fx.d, "unexpected end");
		fail_msg("expected exit status 2 and the one line \"%s\"; got "
			 "%s and %d lines",
			 want, status_text(t->fx.d.status, how, sizeof(how)),
			 lines);
	}
	print_message("# %lld ms: %s", (long long)(now_ms() - start), first);
}

/* A regular file at @path with a known content. */
static void put_file(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs("not a socket\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void expect_file(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("%s is gone: %s", path, strerror(errno));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "not a socket\n");
}

/*
 * A listener at @path that never accepts, its backlog full: a blocking
 * connect() to it waits forever.  Returns its fd (kept for teardown).
 */
static int full_backlog_squatter(struct st *t, const char *path)
{
	int fd = fx_socket(&t->fx, SOCK_STREAM);

	assert_int_equal(unit_fill_backlog(fd, path), 0);
	return fd;
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	return st.st_ino;
}

/* ------------------------------------------------------------------ */
/* Something in the way of a socket                                     */

/* Something another user put at socket 0's paths before the daemon. */
struct in_the_way {
	bool sim;      /* at PATH0.sim, else at PATH0 */
	bool squatter; /* a listener that accepts nobody, else a file */
};

/*
 * At PATH0.sim, the first the daemon makes, or at PATH0, after which it
 * removes the PATH0.sim it made: the one line names the path and what is
 * there, the daemon exits 2 at once (no wait on a squatter), and what was
 * in the way is left as it was.  test_squatter_at_sim,
 * test_squatter_at_device, test_file_at_sim, test_file_at_device.
 */
static void run_in_the_way(void **state)
{
	struct st *t = *state;
	const struct in_the_way *c = t->fx.param;
	char path[192], want[512];
	ino_t ino = 0;

	if (c->sim)
		daemon_sim_sock(&t->fx.d, 0, path, sizeof(path));
	else
		daemon_sock(&t->fx.d, 0, path, sizeof(path));
	if (c->squatter) {
		full_backlog_squatter(t, path);
		ino = inode_of(path);
	} else {
		put_file(path);
	}
	snprintf(want, sizeof(want), "%s: cannot create the %s: %s", path,
		 c->sim ? "control socket" : "socket",
		 c->squatter ? "another process serves it"
			     : "a file that is not a socket is in the way");
	expect_start_error(t, args_for(t, 1, "s8", NULL), want);
	if (c->squatter)
		assert_int_equal(inode_of(path), ino);
	else
		expect_file(path);
	assert_int_equal(dir_entries(t->fx.d.dir), 1);
}

static const struct in_the_way squatter_at_sim = {true, true};
static const struct in_the_way squatter_at_device = {false, true};
static const struct in_the_way file_at_sim = {true, false};
static const struct in_the_way file_at_device = {false, false};

/* A squatter at the second device's path: the first is cleaned up too. */
static void test_squatter_at_second_device(void **state)
{
	struct st *t = *state;
	char sock[192], want[512];

	daemon_sock(&t->fx.d, 1, sock, sizeof(sock));
	full_backlog_squatter(t, sock);
	snprintf(want, sizeof(want),
		 "%s: cannot create the socket: another process serves it",
		 sock);
	daemon_spawn(&t->fx.d, args_for(t, 2, "s8:s4", NULL));
	if (!daemon_wait_exit(&t->fx.d, ERROR_WITHIN_MS * g_scale))
		fail_msg("the daemon still runs %d ms after it started",
			 ERROR_WITHIN_MS * g_scale);
	assert_true(WIFEXITED(t->fx.d.status));
	assert_int_equal(WEXITSTATUS(t->fx.d.status), 2);
	if (daemon_log_count(&t->fx.d, want) != 1) {
		print_log(&t->fx.d, "no error line");
		fail_msg("no log line \"%s\"", want);
	}
	assert_int_equal(dir_entries(t->fx.d.dir), 1);
}

/* ------------------------------------------------------------------ */
/* -l PATH that is not a GPIO chip: refused, never opened               */

/* A file of the test's in the daemon's directory: d.dir/@name. */
static const char *extra_path(struct st *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < 4 && t->extra[i][0]; i++)
		;
	assert_true(i < 4);
	snprintf(t->extra[i], sizeof(t->extra[i]), "%s/%s", t->fx.d.dir, name);
	return t->extra[i];
}

/* Opens of @path (IN_OPEN: O_PATH lookups are not opens) from now on. */
static int watch_opens(struct st *t, const char *path)
{
	int in = fx_keep_fd(&t->fx, inotify_init1(IN_NONBLOCK | IN_CLOEXEC));

	if (inotify_add_watch(in, path, IN_OPEN) < 0)
		fail_msg("inotify on %s: %s", path, strerror(errno));
	return in;
}

static int opens_seen(int in)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	int count = 0;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *e = (const void *)p;

			count += (e->mask & IN_OPEN) != 0;
			p += sizeof(*e) + e->len;
		}
	}
	return count;
}

/*
 * -l @path: exit 2 within a second, the one line saying it is not a GPIO
 * chip, and @path never opened.
 */
static void expect_not_a_chip(struct st *t, const char *path)
{
	char want[512];
	int in = watch_opens(t, path), i, files = 0;

	snprintf(want, sizeof(want),
		 "--device-list: entry 1 \"%s\": %s is not a GPIO chip", path,
		 path);
	expect_start_error(t, args_for(t, 1, path, NULL), want);
	if (opens_seen(in))
		fail_msg("%s was opened", path);
	/* Nothing but the test's own files in the socket directory. */
	for (i = 0; i < 4; i++)
		files += t->extra[i][0] != '\0';
	assert_int_equal(dir_entries(t->fx.d.dir), files);
}

/* A FIFO (opening it for reading would wait for a writer). */
static void test_chip_fifo(void **state)
{
	struct st *t = *state;
	const char *path = extra_path(t, "fifo");

	assert_int_equal(mkfifo(path, 0600), 0);
	expect_not_a_chip(t, path);
}

/*
 * A regular file under a lease: opening it for writing waits until the
 * lease holder gives it up or /proc/sys/fs/lease-break-time (45 s) passes.
 */
static void test_chip_leased_file(void **state)
{
	struct st *t = *state;
	const char *path = extra_path(t, "leased");
	int fd;

	put_file(path);
	fd = fx_keep_fd(&t->fx, open(path, O_RDONLY | O_CLOEXEC));
	/* The lease-break signal (SIGIO) would end the test. */
	signal(SIGIO, SIG_IGN);
	if (fcntl(fd, F_SETLEASE, F_RDLCK) < 0) {
		signal(SIGIO, SIG_DFL);
		print_message("# no lease on %s (%s): only the type is "
			      "checked\n",
			      path, strerror(errno));
		expect_not_a_chip(t, path);
		return;
	}
	expect_not_a_chip(t, path);
	assert_int_equal(fcntl(fd, F_GETLEASE), F_RDLCK); /* not broken */
	fcntl(fd, F_SETLEASE, F_UNLCK);
	signal(SIGIO, SIG_DFL);
}

/*
 * Character devices that are not GPIO chips: a memory device (a node of
 * /dev/null's number, made for the test so that nobody else opens it) and
 * a terminal (a pseudo-terminal of the test's own).  Opening them proves
 * nothing about a chip; a watchdog would be armed by it.
 */
static void test_chip_other_devices(void **state)
{
	struct st *t = *state;
	const char *node = extra_path(t, "null");
	int master;

	if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) == 0)
		expect_not_a_chip(t, node);
	else
		print_message("# mknod %s: %s: not tried\n", node,
			      strerror(errno));

	master =
		fx_keep_fd(&t->fx, posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	expect_not_a_chip(t, ptsname(master));
}

/* ------------------------------------------------------------------ */
/* A kernel without seccomp filters                                     */

/*
 * In the daemon's process, before the exec: seccomp() and
 * prctl(PR_SET_SECCOMP) fail with EINVAL, as on a kernel built without
 * CONFIG_SECCOMP_FILTER.
 */
static void no_seccomp_filters(void *arg)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (!ctx ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(seccomp),
			     0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 1,
			     SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP)) < 0 ||
	    seccomp_load(ctx) < 0)
		_exit(126);
	seccomp_release(ctx);
}

/*
 * The daemon stops with the reason (not "Cannot allocate memory") and
 * removes its sockets; --no-seccomp, which the message suggests, then
 * serves.
 */
static void test_kernel_without_seccomp_filters(void **state)
{
	static const char want[] =
		"vhost-device-gpio: error: cannot install the system-call "
		"filter: this kernel has no seccomp filter support "
		"(CONFIG_SECCOMP_FILTER); --no-seccomp runs without it";
	const char *no_seccomp[] = {"--no-seccomp", NULL};
	struct st *t = *state;
	int64_t start = now_ms();
	char why[256];

	daemon_spawn_with(&t->fx.d, args_for(t, 1, "s8", NULL),
			  no_seccomp_filters, NULL);
	while (daemon_alive(&t->fx.d)) {
		if (daemon_log_count(&t->fx.d, "no system-call filter") == 1) {
			/* Under valgrind, in an ASan build: no filter. */
			daemon_kill(&t->fx.d);
			print_message("# the daemon runs without a filter "
				      "here: not tried\n");
			return;
		}
		if (now_ms() - start > 5000 * g_scale) {
			print_log(&t->fx.d, "still running");
			fail_msg("the daemon still runs");
		}
		sleep_ms(5);
	}
	if (!WIFEXITED(t->fx.d.status) || WEXITSTATUS(t->fx.d.status) == 0 ||
	    WEXITSTATUS(t->fx.d.status) == 126 ||
	    daemon_log_count(&t->fx.d, want) != 1) {
		print_log(&t->fx.d, "unexpected end");
		fail_msg("expected a non-zero exit and the line \"%s\"", want);
	}
	assert_int_equal(dir_entries(t->fx.d.dir), 0);

	t->fx.d.count = 1;
	daemon_spawn_with(&t->fx.d, args_for(t, 1, "s8", no_seccomp),
			  no_seccomp_filters, NULL);
	while (!socket_exists(&t->fx.d, 0)) {
		if (!daemon_alive(&t->fx.d)) {
			print_log(&t->fx.d, "--no-seccomp");
			fail_msg("--no-seccomp did not serve");
		}
		sleep_ms(2);
	}
	if (daemon_stop(&t->fx.d, why, sizeof(why))) {
		print_log(&t->fx.d, why);
		fail_msg("%s", why);
	}
}

/* ------------------------------------------------------------------ */
/* At exit: only the daemon's own socket files are removed              */

/* A listening socket of the test's own at @path; returns its fd. */
static int listener_at(struct st *t, const char *path)
{
	int fd = fx_socket(&t->fx, SOCK_STREAM);

	assert_int_equal(unit_bind(fd, path, 4), 0);
	return fd;
}

static bool connects(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	assert_true(fd >= 0);
	ok = unit_connect(fd, path) == 0;
	close(fd);
	return ok;
}

/* SIGTERM: the daemon @d exits 0 within 5 s. */
static void stop_clean(struct daemon *d)
{
	char why[256];

	assert_true(daemon_alive(d));
	kill(d->pid, SIGTERM);
	if (daemon_wait_clean_exit(d, why, sizeof(why))) {
		print_log(d, why);
		fail_msg("after SIGTERM: %s", why);
	}
}

/*
 * A daemon serving PATH0 and PATH0.sim (written to @sock and @sim, of
 * PATH_LEN bytes), both then removed by someone else.
 */
static void start_s8_unlinked(struct st *t, char *sock, char *sim)
{
	t->fx.d.count = 1;
	daemon_spawn_wait(&t->fx.d, args_for(t, 1, "s8", NULL));
	daemon_sock(&t->fx.d, 0, sock, PATH_LEN);
	daemon_sim_sock(&t->fx.d, 0, sim, PATH_LEN);
	/*
	 * PATH.sim is made before PATH, and a socket accepts connections
	 * once the daemon knows its file: before that, replacing it is a
	 * start-up failure, not this test's case.
	 */
	while (!connects(sock) && daemon_alive(&t->fx.d))
		sleep_ms(2);
	assert_true(connects(sim));
	assert_int_equal(unlink(sock), 0);
	assert_int_equal(unlink(sim), 0);
}

/*
 * Someone replaced the daemon's socket files while it ran (a regular file
 * at PATH0, a live socket at PATH0.sim): at exit both stay.
 */
static void test_replaced_files_stay(void **state)
{
	struct st *t = *state;
	char sock[PATH_LEN], sim[PATH_LEN];
	ino_t sim_ino;

	start_s8_unlinked(t, sock, sim);
	put_file(sock);
	listener_at(t, sim);
	sim_ino = inode_of(sim);
	stop_clean(&t->fx.d);
	expect_file(sock);
	assert_int_equal(inode_of(sim), sim_ino);
	assert_true(connects(sim));
	if (daemon_log_count(&t->fx.d, ": not removed: it is no longer the "
				       "socket file this daemon made") != 2) {
		print_log(&t->fx.d, "warnings");
		fail_msg("expected a warning for each file left");
	}
}

/*
 * Daemon 2 took over daemon 1's paths after they were removed (an
 * operator restarting a service, say): daemon 1's exit leaves daemon 2's
 * sockets alone, and daemon 2 keeps serving.
 */
static void test_other_daemon_sockets_stay(void **state)
{
	struct st *t = *state;
	char sock[PATH_LEN], sim[PATH_LEN], why[256];
	struct vmm *v;
	int fd;

	start_s8_unlinked(t, sock, sim);

	t->d2 = t->fx.d;
	t->d2.pid = 0;
	t->d2.reaped = false;
	strcpy(t->d2.log, "/tmp/vdg-it-log-XXXXXX");
	fd = mkstemp(t->d2.log);
	assert_true(fd >= 0);
	close(fd);
	t->spawned2 = true;
	daemon_spawn_wait(&t->d2, args_for(t, 1, "s4", NULL));
	while (!connects(sim) && daemon_alive(&t->d2))
		sleep_ms(2);

	stop_clean(&t->fx.d);
	assert_true(connects(sock));
	assert_true(connects(sim));
	v = fx_vmm(&t->fx, 0, NULL);
	OK(vmm_connect(v, sock, 5000 * g_scale));
	OK(vmm_negotiate(v, NULL));
	REQ_OK(v, GET_VAL, 3, 0, 0);
	REQ_ERR(v, GET_VAL, 4, 0); /* daemon 2's 4 lines */
	fx_vmm_free(&t->fx, 0);
	/* Daemon 2 removes its own, as always. */
	if (daemon_stop(&t->d2, why, sizeof(why))) {
		print_log(&t->d2, why);
		fail_msg("daemon 2: %s", why);
	}
	assert_int_equal(dir_entries(t->fx.d.dir), 0);
}

/* ------------------------------------------------------------------ */
/* Signals during start-up                                              */

/* Milliseconds until the daemon's @count sockets exist, or -1. */
static int64_t start_and_time(struct st *t, unsigned int count,
			      const char *list)
{
	int64_t start = now_ms(), deadline = start + 10000 * g_scale;
	unsigned int i;

	t->fx.d.count = count;
	daemon_spawn(&t->fx.d, args_for(t, count, list, NULL));
	for (i = 0; i < count; i++) {
		while (!socket_exists(&t->fx.d, i)) {
			if (!daemon_alive(&t->fx.d) || now_ms() > deadline)
				return -1;
			sleep_ms(1);
		}
	}
	return now_ms() - start;
}

/*
 * SIGTERM at any moment of start-up (spread over the time a start-up
 * takes here) ends the daemon within a second: by the signal before its
 * sockets exist, with status 0 after; never with a socket file left.
 */
static void test_sigterm_during_startup(void **state)
{
	struct st *t = *state;
	const char *list = "s8:s8:s8:s8";
	char why[256], how[32];
	int64_t took;
	int i, rounds = 20, by_signal = 0, clean = 0;

	took = start_and_time(t, 4, list);
	if (took < 0) {
		print_log(&t->fx.d, "start-up");
		fail_msg("the daemon did not start");
	}
	if (daemon_stop(&t->fx.d, why, sizeof(why)))
		fail_msg("%s", why);
	for (i = 0; i < rounds; i++) {
		int delay_us = (int)(took * 1000 * i / (rounds - 1));
		struct timespec ts = {.tv_sec = delay_us / 1000000,
				      .tv_nsec = (delay_us % 1000000) * 1000L};

		daemon_remove_files(&t->fx.d);
		daemon_prepare(&t->fx.d);
		t->fx.d.count = 4;
		daemon_spawn(&t->fx.d, args_for(t, 4, list, NULL));
		nanosleep(&ts, NULL);
		kill(t->fx.d.pid, SIGTERM);
		if (!daemon_wait_exit(&t->fx.d, 1000 * g_scale)) {
			print_log(&t->fx.d, "no exit");
			fail_msg("SIGTERM %d us into start-up: still running "
				 "after %d ms",
				 delay_us, 1000 * g_scale);
		}
		if (WIFSIGNALED(t->fx.d.status) &&
		    WTERMSIG(t->fx.d.status) == SIGTERM) {
			by_signal++;
		} else if (WIFEXITED(t->fx.d.status) &&
			   WEXITSTATUS(t->fx.d.status) == 0) {
			clean++;
		} else {
			print_log(&t->fx.d, "bad end");
			fail_msg("SIGTERM %d us into start-up: %s", delay_us,
				 status_text(t->fx.d.status, how, sizeof(how)));
		}
		if (dir_entries(t->fx.d.dir) != 0) {
			print_log(&t->fx.d, "files left");
			fail_msg("SIGTERM %d us into start-up: %d files left "
				 "in the socket directory",
				 delay_us, dir_entries(t->fx.d.dir));
		}
	}
	print_message("# start-up took %lld ms; %d ended by SIGTERM, %d "
		      "exited 0\n",
		      (long long)took, by_signal, clean);
}

/*
 * stderr is a pipe whose reader is gone (a closed `2>&1 | head`).  A
 * valgrind wrapper reports to stdout (the log file) instead: its own
 * first line would end it with SIGPIPE before the daemon runs.
 */
static void stderr_to_closed_pipe(void *arg)
{
	int p[2];

	if (pipe(p) < 0 || dup2(p[1], STDERR_FILENO) < 0)
		_exit(126);
	close(p[0]);
	close(p[1]);
	child_valgrind_option("--log-fd=1");
	/* The test's own SIG_IGN is inherited: what the daemon sets counts. */
	signal(SIGPIPE, SIG_DFL);
}

/*
 * A start-up error written where nobody reads any more still ends with
 * exit status 2, not with SIGPIPE.
 */
static void test_error_to_closed_pipe(void **state)
{
	struct st *t = *state;
	static const char *const args[] = {"--socket-count=0", NULL};
	char how[32];

	daemon_spawn_with(&t->fx.d, args, stderr_to_closed_pipe, NULL);
	assert_true(daemon_wait_exit(&t->fx.d, ERROR_WITHIN_MS * g_scale));
	if (!WIFEXITED(t->fx.d.status) || WEXITSTATUS(t->fx.d.status) != 2)
		fail_msg("expected exit status 2, got %s",
			 status_text(t->fx.d.status, how, sizeof(how)));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, st_setup, st_teardown)
/* test_@c: run_in_the_way() with &@c as fx.param. */
#define IN_THE_WAY(c)                                              \
	{                                                          \
		"test_" #c, run_in_the_way, st_setup, st_teardown, \
			(void *)&(c)                               \
	}

static const struct CMUnitTest tests[] = {
	IN_THE_WAY(squatter_at_sim),
	IN_THE_WAY(squatter_at_device),
	T(test_squatter_at_second_device),
	IN_THE_WAY(file_at_sim),
	IN_THE_WAY(file_at_device),
	T(test_chip_fifo),
	T(test_chip_leased_file),
	T(test_chip_other_devices),
	T(test_kernel_without_seccomp_filters),
	T(test_replaced_files_stay),
	T(test_other_daemon_sockets_stay),
	T(test_sigterm_during_startup),
	T(test_error_to_closed_pipe),
};

FIXTURE_MAIN("DAEMON-BINARY", "startup", tests)
