// SPDX-License-Identifier: MIT
/*
 * The daemon as a supervisor or a VMM starts it: --print-capabilities (QEMU's
 * back-end program conventions), an inherited listening socket (--fd),
 * systemd socket activation with its PATH.sim pairing, readiness and status
 * datagrams to NOTIFY_SOCKET, journal log lines, and the start-up errors.
 * Sockets the test makes and gives must still be there after the daemon.
 *
 * Usage: test_conventions DAEMON-BINARY PYTHON3
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "unit_helpers.h"

#define MAX_GIVEN 8
/* Where systemd puts the first socket it passes. */
#define SD_FIRST_FD 3

/* What the daemon inherits, set up in the child just before the exec. */
struct child_env {
	int keep_fd;		/* inherited at its own number (--fd), or -1 */
	int act_fds[MAX_GIVEN]; /* passed as fds 3.. (socket activation) */
	unsigned int n_act;	/* 0: no LISTEN_* variables */
	const char *listen_fds; /* LISTEN_FDS instead of n_act */
	const char *fdnames;	/* LISTEN_FDNAMES, or NULL */
	bool foreign_pid;	/* LISTEN_PID of another process */
	const char *notify;	/* NOTIFY_SOCKET, or NULL */
	bool journal;		/* JOURNAL_STREAM naming stderr */
	int stdout_fd;		/* stdout goes here instead, or -1 */
	/*
	 * The daemon keeps an inherited fd open until it exits, as it
	 * should (one meant for another process, or one it never got to
	 * use before a start-up error): valgrind must not count it.
	 */
	bool keeps_inherited_fd;
};

struct conv {
	struct fx fx;		    /* fx.d: the daemon, started by each test */
	char given[MAX_GIVEN][160]; /* socket files the test made */
	unsigned int ngiven;
	int notify_fd;
	char notify[160]; /* NOTIFY_SOCKET value */
};

static void child_setup(void *arg)
{
	struct child_env *env = arg;
	int high[MAX_GIVEN];
	unsigned int i;
	char text[32];

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("JOURNAL_STREAM");
	if (env->stdout_fd >= 0)
		dup2(env->stdout_fd, STDOUT_FILENO);
	if (env->keep_fd >= 0)
		fcntl(env->keep_fd, F_SETFD, 0);
	/* Out of the way first, so that moving one clobbers no other. */
	for (i = 0; i < env->n_act; i++)
		high[i] = fcntl(env->act_fds[i], F_DUPFD_CLOEXEC, 100);
	for (i = 0; i < env->n_act; i++)
		dup2(high[i], SD_FIRST_FD + (int)i); /* not close-on-exec */
	if (env->n_act) {
		snprintf(text, sizeof(text), "%d",
			 (int)(env->foreign_pid ? getppid() : getpid()));
		setenv("LISTEN_PID", text, 1);
		snprintf(text, sizeof(text), "%u", env->n_act);
		setenv("LISTEN_FDS", env->listen_fds ? env->listen_fds : text,
		       1);
		if (env->fdnames)
			setenv("LISTEN_FDNAMES", env->fdnames, 1);
	}
	if (env->notify)
		setenv("NOTIFY_SOCKET", env->notify, 1);
	if (env->keeps_inherited_fd)
		child_valgrind_option("--track-fds=no");
	if (env->journal) {
		struct stat st;

		fstat(STDERR_FILENO, &st);
		snprintf(text, sizeof(text), "%llu:%llu",
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", text, 1);
	}
}

static void env_init(struct child_env *env)
{
	memset(env, 0, sizeof(*env));
	env->keep_fd = -1;
	env->stdout_fd = -1;
}

/* The fixture, with a daemon prepared (not started). */
static int conv_setup(void **state)
{
	struct conv *c = (struct conv *)fx_alloc(sizeof(*c));

	daemon_prepare(&c->fx.d);
	c->notify_fd = -1;
	*state = c;
	return 0;
}

/* A listening socket at d.dir/@name, as a VMM or systemd makes one. */
static int given_socket(struct conv *c, const char *name)
{
	int fd = fx_socket(&c->fx, SOCK_STREAM);

	assert_true(c->ngiven < MAX_GIVEN);
	snprintf(c->given[c->ngiven], sizeof(c->given[0]), "%s/%s", c->fx.d.dir,
		 name);
	assert_int_equal(unit_bind(fd, c->given[c->ngiven], 4), 0);
	c->ngiven++;
	return fd;
}

static const char *given_path(struct conv *c, unsigned int i)
{
	return c->given[i];
}

static bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * A listening socket bound to an abstract name, "@NAME" in @path (as
 * unit_bind() takes it); returns its fd.
 */
static int abstract_socket(struct conv *c, const char *name, char *path,
			   size_t size)
{
	int fd = fx_socket(&c->fx, SOCK_STREAM);

	snprintf(path, size, "@vdg-test-%d-%s", (int)getpid(), name);
	assert_int_equal(unit_bind(fd, path, 4), 0);
	return fd;
}

/* systemd's notification socket: a path, or an abstract name. */
static void notify_socket(struct conv *c, bool abstract)
{
	c->notify_fd = fx_socket(&c->fx, SOCK_DGRAM);
	if (abstract)
		snprintf(c->notify, sizeof(c->notify), "@%s/notify",
			 c->fx.d.dir + 1);
	else
		snprintf(c->notify, sizeof(c->notify), "%s/notify",
			 c->fx.d.dir);
	assert_int_equal(unit_bind(c->notify_fd, c->notify, -1), 0);
}

/*
 * The next datagram must be @want.  The wait ends early when the daemon
 * dies; its length only bounds a broken daemon.
 */
static void expect_notify(struct conv *c, const char *want)
{
	int64_t deadline = now_ms() + 10000 * g_scale;
	struct pollfd pfd = {.fd = c->notify_fd, .events = POLLIN};
	char buf[512];
	ssize_t n;

	while (poll(&pfd, 1, 50) == 0) {
		if (!daemon_alive(&c->fx.d)) {
			/* It may have sent before it died. */
			if (poll(&pfd, 1, 0) == 1)
				break;
			print_log(&c->fx.d, "died");
			fail_msg("the daemon exited before sending \"%s\"",
				 want);
		}
		if (now_ms() > deadline) {
			print_log(&c->fx.d, "no datagram");
			fail_msg("nothing on NOTIFY_SOCKET; expected \"%s\"",
				 want);
		}
	}
	n = recv(c->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	if (strcmp(buf, want)) {
		print_log(&c->fx.d, "unexpected datagram");
		fail_msg("NOTIFY_SOCKET got \"%s\", expected \"%s\"", buf,
			 want);
	}
}

static void spawn(struct conv *c, const char *const *args,
		  struct child_env *env)
{
	daemon_spawn_with(&c->fx.d, args, child_setup, env);
}

/* SIGTERM: the daemon says STOPPING=1 (if notifying) and exits 0. */
static void stop(struct conv *c, bool notifying)
{
	char why[256];

	assert_true(daemon_alive(&c->fx.d));
	kill(c->fx.d.pid, SIGTERM);
	if (notifying)
		expect_notify(c, "STOPPING=1");
	if (daemon_wait_clean_exit(&c->fx.d, why, sizeof(why))) {
		print_log(&c->fx.d, why);
		fail_msg("after SIGTERM: %s", why);
	}
	if (getenv("VDG_SHOW_LOG"))
		print_log(&c->fx.d, "VDG_SHOW_LOG");
}

/*
 * spawn() with a NOTIFY_SOCKET (@abstract or a path) added to @env;
 * returns once the daemon said READY=1, serving @ndev devices.
 */
static void spawn_ready(struct conv *c, const char *const *args,
			struct child_env *env, bool abstract, unsigned int ndev)
{
	char ready[64];

	notify_socket(c, abstract);
	env->notify = c->notify;
	spawn(c, args, env);
	snprintf(ready, sizeof(ready),
		 "READY=1\nSTATUS=serving %u device%s, 0 connected", ndev,
		 ndev == 1 ? "" : "s");
	expect_notify(c, ready);
}

/*
 * --fd=@fd --device-list=@list, and JOURNAL_STREAM if @journal: ready,
 * serving one device.
 */
static void spawn_fd(struct conv *c, int fd, const char *list, bool journal)
{
	char a_fd[32], a_list[64];
	const char *args[] = {a_fd, a_list, NULL};
	struct child_env env;

	snprintf(a_fd, sizeof(a_fd), "--fd=%d", fd);
	snprintf(a_list, sizeof(a_list), "--device-list=%s", list);
	env_init(&env);
	env.keep_fd = fd;
	env.journal = journal;
	spawn_ready(c, args, &env, false, 1);
}

/* Connects a VMM to @path and proves one GET_VALUE round trip. */
static struct vmm *serve_check(struct conv *c, unsigned int slot,
			       const char *path, uint16_t ngpio)
{
	struct vmm *v = fx_vmm(&c->fx, slot, NULL);

	OK(vmm_connect(v, path, 5000 * g_scale));
	OK(vmm_negotiate(v, NULL));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	REQ_OK(v, GET_VAL, ngpio - 1, 0, 0);
	/* One past the chip's last line: the device answers ERR. */
	REQ_ERR(v, GET_VAL, ngpio, 0);
	return v;
}

static void expect_log(const struct daemon *d, const char *text)
{
	if (daemon_log_count(d, text) < 1) {
		print_log(d, "missing line");
		fail_msg("no log line contains \"%s\"", text);
	}
}

/* ------------------------------------------------------------------ */

static void test_print_capabilities(void **state)
{
	static const char check[] =
		"import json, sys\n"
		"caps = json.load(open(sys.argv[1]))\n"
		"assert caps['type'] == 'gpio', caps\n"
		"f = caps['features']\n"
		"assert all(isinstance(x, str) for x in f), f\n"
		"assert len(set(f)) == len(f), f\n"
		"for want in ('socket-path', 'fd', 'socket-activation',\n"
		"             'sd-notify', 'device-list', 'simulated-chip',\n"
		"             'host-chip', 'sim-control-socket', 'seccomp'):\n"
		"    assert want in f, want\n";
	/* Before any other check: even with options that are errors. */
	const char *args[] = {"--fd=junk", "--print-capabilities",
			      "--no-such-option", "--device-list=s0", NULL};
	const char *python = fixture_arg(2);
	struct conv *c = *state;
	struct child_env env;
	char out[100];
	int fd, status;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/capabilities.json", c->fx.d.dir);
	fd = fx_keep_fd(&c->fx,
			open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	env_init(&env);
	env.stdout_fd = fd;
	spawn(c, args, &env);
	assert_true(daemon_wait_exit(&c->fx.d, 5000 * g_scale));
	if (!WIFEXITED(c->fx.d.status) || WEXITSTATUS(c->fx.d.status) != 0) {
		print_log(&c->fx.d, "--print-capabilities");
		fail_msg("--print-capabilities did not exit 0");
	}
	/* Nothing but valgrind's lines on stderr. */
	assert_int_equal(daemon_log_count(&c->fx.d, ""), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(python, python, "-c", check, out, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the JSON does not parse or lacks a feature (python "
			 "status %d)",
			 WEXITSTATUS(status));
}

/* Notification from start to stop, with --socket-path. */
static void test_notify_sequence(void **state)
{
	struct conv *c = *state;
	char a_path[192], sock[200];
	const char *args[] = {a_path, "--socket-count=2", "--device-list=s8:s4",
			      NULL};
	struct child_env env;

	snprintf(a_path, sizeof(a_path), "--socket-path=%s", c->fx.d.base);
	c->fx.d.count = 2;
	env_init(&env);
	spawn_ready(c, args, &env, true, 2);
	/* Ready means listening: no retry needed. */
	daemon_sock(&c->fx.d, 0, sock, sizeof(sock));
	assert_true(file_exists(sock));
	serve_check(c, 0, sock, 8);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	daemon_sock(&c->fx.d, 1, sock, sizeof(sock));
	serve_check(c, 1, sock, 4);
	expect_notify(c, "STATUS=serving 2 devices, 2 connected");
	vmm_disconnect(c->fx.v[0]);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	stop(c, true);
	/* Its own sockets it removes, as always. */
	assert_false(file_exists(sock));
}

/* --fd: a socket the VMM made, served, PATH.sim next to it, never removed. */
static void test_fd_serves(void **state)
{
	struct conv *c = *state;
	char sim[200];
	int fds_ready;

	spawn_fd(c, given_socket(c, "vm.sock"), "s8", false);
	fds_ready = proc_fd_count(c->fx.d.pid);

	serve_check(c, 0, given_path(c, 0), 8);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	expect_log(&c->fx.d, "vm.sock: front-end connected");
	snprintf(sim, sizeof(sim), "%s.sim", given_path(c, 0));
	ctl_once_at(&c->fx, sim, "set 2 1", "ok", __LINE__);
	REQ_OK(c->fx.v[0], GET_VAL, 2, 0, 1);

	/* A disconnected VMM leaves no fd behind. */
	vmm_disconnect(c->fx.v[0]);
	expect_notify(c, "STATUS=serving 1 device, 0 connected");
	assert_int_equal(wait_fd_count(c->fx.d.pid, fds_ready, 5000 * g_scale),
			 fds_ready);
	/* The same socket serves the next VMM. */
	serve_check(c, 1, given_path(c, 0), 8);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");

	stop(c, true);
	assert_true(file_exists(given_path(c, 0)));
	/* PATH.sim was the daemon's own: gone. */
	assert_false(file_exists(sim));
}

/* No PATH.sim possible: a warning, and the device is served anyway. */
static void test_fd_sim_in_the_way(void **state)
{
	struct conv *c = *state;
	int fd = given_socket(c, "vm.sock");
	char sim[200];

	snprintf(sim, sizeof(sim), "%s.sim", given_path(c, 0));
	assert_int_equal(mkdir(sim, 0700), 0);
	spawn_fd(c, fd, "s4", false);
	expect_log(&c->fx.d, "warning: vm.sock: cannot create");
	serve_check(c, 0, given_path(c, 0), 4);
	stop(c, false);
	assert_true(file_exists(given_path(c, 0)));
	assert_true(file_exists(sim)); /* the directory, untouched */
}

/* An abstract socket has no file to put PATH.sim next to. */
static void test_fd_abstract(void **state)
{
	struct conv *c = *state;
	char path[64];

	spawn_fd(c, abstract_socket(c, "fd", path, sizeof(path)), "s4", false);
	expect_log(&c->fx.d, "has no PATH.sim");
	stop(c, true);
}

/*
 * Socket activation: a control socket passed before its device socket is
 * still paired by path; device sockets keep their order; the second device
 * gets a PATH.sim of the daemon's own.
 */
static void test_activation(void **state)
{
	struct conv *c = *state;
	const char *args[] = {"--device-list=s8:s4", NULL};
	char sim0[200], sim1[200];
	struct child_env env;

	env_init(&env);
	env.act_fds[0] = given_socket(c, "a.sock.sim");
	env.act_fds[1] = given_socket(c, "a.sock");
	env.act_fds[2] = given_socket(c, "b.sock");
	env.n_act = 3;
	env.fdnames = "a-sim:a:b";
	spawn_ready(c, args, &env, true, 2);

	serve_check(c, 0, given_path(c, 1), 8);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	expect_log(&c->fx.d, "a.sock: front-end connected");
	serve_check(c, 1, given_path(c, 2), 4);
	expect_notify(c, "STATUS=serving 2 devices, 2 connected");

	/* The given control socket drives device a's chip. */
	snprintf(sim0, sizeof(sim0), "%s", given_path(c, 0));
	ctl_once_at(&c->fx, sim0, "set 7 1", "ok", __LINE__);
	REQ_OK(c->fx.v[0], GET_VAL, 7, 0, 1);
	/* Device b's was made by the daemon. */
	snprintf(sim1, sizeof(sim1), "%s.sim", given_path(c, 2));
	ctl_once_at(&c->fx, sim1, "set 3 1", "ok", __LINE__);
	REQ_OK(c->fx.v[1], GET_VAL, 3, 0, 1);
	REQ_OK(c->fx.v[0], GET_VAL, 3, 0, 0);

	stop(c, true);
	/* What systemd gave stays; what the daemon made goes. */
	assert_true(file_exists(given_path(c, 0)));
	assert_true(file_exists(given_path(c, 1)));
	assert_true(file_exists(given_path(c, 2)));
	assert_false(file_exists(sim1));
}

/*
 * An unnamed (abstract) socket passed by systemd: its LISTEN_FDNAMES name
 * tags the log lines, and it has no PATH.sim.
 */
static void test_activation_abstract_named(void **state)
{
	struct conv *c = *state;
	const char *args[] = {"--device-list=s4", NULL};
	struct child_env env;
	char path[64];
	int client;

	env_init(&env);
	env.act_fds[0] = abstract_socket(c, "named", path, sizeof(path));
	env.n_act = 1;
	env.fdnames = "vm-abstract";
	spawn_ready(c, args, &env, false, 1);
	expect_log(&c->fx.d, "warning: vm-abstract: an unnamed socket has no "
			     "PATH.sim");
	client = fx_socket(&c->fx, SOCK_STREAM);
	assert_int_equal(unit_connect(client, path), 0);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	expect_log(&c->fx.d, "info: vm-abstract: front-end connected");
	stop(c, true);
}

/* Activation variables meant for another process change nothing. */
static void test_activation_other_pid(void **state)
{
	struct conv *c = *state;
	char a_path[192];
	const char *args[] = {a_path, "--device-list=s4", NULL};
	struct child_env env;
	char sock[200];

	snprintf(a_path, sizeof(a_path), "--socket-path=%s", c->fx.d.base);
	c->fx.d.count = 1;
	env_init(&env);
	/* As if the test had been activated and the daemon inherited it. */
	env.act_fds[0] = given_socket(c, "parent.sock");
	env.n_act = 1;
	env.foreign_pid = true;
	env.keeps_inherited_fd = true;
	/* Not "--socket-path cannot be used with socket activation". */
	spawn_ready(c, args, &env, false, 1);
	daemon_sock(&c->fx.d, 0, sock, sizeof(sock));
	serve_check(c, 0, sock, 4);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	stop(c, true);
	assert_false(file_exists(sock));
	assert_true(file_exists(given_path(c, 0)));
}

/* Journal mode: syslog priorities, no program name. */
static void test_journal_lines(void **state)
{
	struct conv *c = *state;
	char line[1024];
	int lines = 0;
	FILE *f;

	spawn_fd(c, given_socket(c, "vm.sock"), "s4", true);
	serve_check(c, 0, given_path(c, 0), 4);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	stop(c, true);
	expect_log(&c->fx.d, "<6>info: vm.sock: front-end connected");
	f = fopen(c->fx.d.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '=' && line[1] == '=')
			continue;
		lines++;
		if (line[0] != '<' || !strchr("3467", line[1]) ||
		    line[2] != '>' || strstr(line, "vhost-device-gpio:")) {
			fclose(f);
			print_log(&c->fx.d, "journal");
			fail_msg("not a journal line: %s", line);
		}
	}
	fclose(f);
	assert_true(lines >= 3);
}

/* ------------------------------------------------------------------ */
/* Start-up errors: exit 2, one line, given sockets left in place.      */

enum fd_kind {
	FD_NONE,
	FD_LISTENING, /* a listening socket at d.dir/given.sock */
	FD_FILE,      /* a regular file */
	FD_CONNECTED, /* one end of a socketpair */
	FD_DGRAM,     /* a datagram socket */
	FD_SIM_ONLY,  /* a listening socket at d.dir/orphan.sock.sim */
};

struct error_case {
	const char *what;
	const char *args[4]; /* "%s" becomes the fd */
	enum fd_kind fd;
	bool activation;	/* pass the fd as LISTEN_FDS */
	const char *listen_fds; /* LISTEN_FDS override */
	const char *want;	/* in the error line */
};

static const struct error_case error_cases[] = {
	{"--fd with --socket-path",
	 {"--fd=%s", "--socket-path=/tmp/vdg-never", "--device-list=s8"},
	 FD_LISTENING,
	 false,
	 NULL,
	 "--fd and --socket-path"},
	{"--fd on a regular file",
	 {"--fd=%s", "--device-list=s8"},
	 FD_FILE,
	 false,
	 NULL,
	 "not a socket"},
	{"--fd not open",
	 {"--fd=250", "--device-list=s8"},
	 FD_NONE,
	 false,
	 NULL,
	 "not open"},
	{"--fd on a connected socket",
	 {"--fd=%s", "--device-list=s8"},
	 FD_CONNECTED,
	 false,
	 NULL,
	 "not listening"},
	{"--fd on a datagram socket",
	 {"--fd=%s", "--device-list=s8"},
	 FD_DGRAM,
	 false,
	 NULL,
	 "not a stream socket"},
	{"--fd not a number",
	 {"--fd=3x", "--device-list=s8"},
	 FD_NONE,
	 false,
	 NULL,
	 "--fd must be"},
	{"--fd with two devices",
	 {"--fd=%s", "--device-list=s8:s8"},
	 FD_LISTENING,
	 false,
	 NULL,
	 "--fd serves one device"},
	{"activation: fewer sockets than devices",
	 {"--device-list=s8:s8"},
	 FD_LISTENING,
	 true,
	 NULL,
	 "systemd passed 1 device socket"},
	{"activation with --socket-path",
	 {"--socket-path=/tmp/vdg-never", "--device-list=s8"},
	 FD_LISTENING,
	 true,
	 NULL,
	 "--socket-path cannot be used with socket activation"},
	{"activation with --fd",
	 {"--fd=3", "--device-list=s8"},
	 FD_LISTENING,
	 true,
	 NULL,
	 "--fd cannot be used with socket activation"},
	{"activation: a control socket without its device",
	 {"--device-list=s8"},
	 FD_SIM_ONLY,
	 true,
	 NULL,
	 "has no device socket"},
	{"activation: bad LISTEN_FDS",
	 {"--device-list=s8"},
	 FD_LISTENING,
	 true,
	 "one",
	 "LISTEN_FDS"},
	{"activation: a passed fd that is not a socket",
	 {"--device-list=s8"},
	 FD_FILE,
	 true,
	 NULL,
	 "socket activation: fd 3 is not a listening"},
};

static int error_fd(struct conv *c, enum fd_kind kind)
{
	int pair[2];

	switch (kind) {
	case FD_LISTENING:
		return given_socket(c, "given.sock");
	case FD_SIM_ONLY:
		return given_socket(c, "orphan.sock.sim");
	case FD_FILE:
		return fx_keep_fd(&c->fx,
				  open(c->fx.d.log, O_RDONLY | O_CLOEXEC));
	case FD_CONNECTED:
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
					    0, pair),
				 0);
		fx_keep_fd(&c->fx, pair[1]);
		return fx_keep_fd(&c->fx, pair[0]);
	case FD_DGRAM:
		return fx_socket(&c->fx, SOCK_DGRAM);
	default:
		return -1;
	}
}

static void run_error_case(const struct error_case *ec)
{
	char bufs[4][256], first[1024], fd_text[16], why[320] = "";
	const char *args[5];
	struct child_env env;
	struct conv *c;
	void *state;
	unsigned int i;
	int fd, lines;

	conv_setup(&state);
	c = state;
	fd = error_fd(c, ec->fd);
	snprintf(fd_text, sizeof(fd_text), "%d", fd);
	args_expand(ec->args, fd_text, bufs, args, 4);
	env_init(&env);
	if (ec->activation && fd >= 0) {
		env.act_fds[0] = fd;
		env.n_act = 1;
		env.listen_fds = ec->listen_fds;
	} else {
		env.keep_fd = fd;
	}
	env.keeps_inherited_fd = true;
	lines = daemon_run(&c->fx.d, args, child_setup, &env, 5000 * g_scale,
			   first, sizeof(first));
	if (lines == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "the daemon did not exit");
	} else if (!WIFEXITED(c->fx.d.status) ||
		   WEXITSTATUS(c->fx.d.status) != 2 || lines != 1 ||
		   !strstr(first, ec->want) ||
		   strncmp(first, "vhost-device-gpio: error: ", 26)) {
		print_log(&c->fx.d, ec->what);
		snprintf(why, sizeof(why),
			 "expected exit status 2 and one error line with "
			 "\"%s\"",
			 ec->want);
	} else {
		/* Given sockets stay; nothing else appeared (no PATH.sim). */
		for (i = 0; i < c->ngiven; i++)
			if (!file_exists(c->given[i]))
				snprintf(why, sizeof(why),
					 "the given socket was removed");
		if (!why[0] && dir_entries(c->fx.d.dir) != (int)c->ngiven)
			snprintf(why, sizeof(why),
				 "files appeared in the socket directory");
	}
	if (!why[0])
		print_message("# %s: %s", ec->what, first);
	teardown(&state);
	if (why[0])
		fail_msg("%s: %s", ec->what, why);
}

static void test_start_up_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		run_error_case(&error_cases[i]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, conv_setup, teardown)

static const struct CMUnitTest tests[] = {
	T(test_print_capabilities),
	T(test_notify_sequence),
	T(test_fd_serves),
	T(test_fd_sim_in_the_way),
	T(test_fd_abstract),
	T(test_activation),
	T(test_activation_abstract_named),
	T(test_activation_other_pid),
	T(test_journal_lines),
	cmocka_unit_test(test_start_up_errors),
};

FIXTURE_MAIN("DAEMON-BINARY PYTHON3", "conventions", tests)
