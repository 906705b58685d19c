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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

#define MAX_GIVEN 8
/* Where systemd puts the first socket it passes. */
#define SD_FIRST_FD 3

static const char *g_python;

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
};

struct conv {
	struct daemon d;
	bool spawned;
	int fds[MAX_FX_FDS]; /* closed by teardown */
	struct vmm *v[2];
	char given[MAX_GIVEN][160]; /* socket files the test made */
	unsigned int ngiven;
	int notify_fd;
	char notify[160]; /* NOTIFY_SOCKET value */
	char out[64];	  /* captured stdout, or "" */
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

static int conv_setup(void **state)
{
	struct conv *c = calloc(1, sizeof(*c));
	unsigned int i;

	assert_non_null(c);
	daemon_prepare(&c->d);
	for (i = 0; i < MAX_FX_FDS; i++)
		c->fds[i] = -1;
	c->notify_fd = -1;
	*state = c;
	return 0;
}

static int conv_teardown(void **state)
{
	struct conv *c = *state;
	unsigned int i;
	char path[200];

	vmm_free(c->v[0]);
	vmm_free(c->v[1]);
	if (c->spawned && daemon_alive(&c->d)) {
		print_log(&c->d, "test ended with the daemon running");
		daemon_kill(&c->d);
	}
	for (i = 0; i < MAX_FX_FDS; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	for (i = 0; i < c->ngiven; i++) {
		unlink(c->given[i]);
		snprintf(path, sizeof(path), "%s.sim", c->given[i]);
		unlink(path);
		rmdir(path);
	}
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	if (c->notify[0] == '/')
		unlink(c->notify);
	if (c->out[0])
		unlink(c->out);
	daemon_remove_files(&c->d);
	free(c);
	return 0;
}

/* Keeps @fd for teardown to close; returns it. */
static int keep(struct conv *c, int fd)
{
	unsigned int i;

	assert_true(fd >= 0);
	for (i = 0; i < MAX_FX_FDS; i++) {
		if (c->fds[i] < 0) {
			c->fds[i] = fd;
			return fd;
		}
	}
	fail_msg("too many fds");
	return -1;
}

/* A listening socket at d.dir/@name, as a VMM or systemd makes one. */
static int given_socket(struct conv *c, const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(c->ngiven < MAX_GIVEN);
	snprintf(c->given[c->ngiven], sizeof(c->given[0]), "%s/%s", c->d.dir,
		 name);
	strcpy(addr.sun_path, c->given[c->ngiven]);
	c->ngiven++;
	keep(c, fd);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
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

/* A listening socket bound to an abstract name; returns its fd. */
static int abstract_socket(struct conv *c, const char *name,
			   struct sockaddr_un *addr, socklen_t *len)
{
	int fd = keep(c, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
		 "vdg-test-%d-%s", (int)getpid(), name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(addr->sun_path + 1));
	assert_int_equal(bind(fd, (struct sockaddr *)addr, *len), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* systemd's notification socket: a path, or an abstract name. */
static void notify_socket(struct conv *c, bool abstract)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(addr);

	c->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(c->notify_fd >= 0);
	if (abstract) {
		snprintf(c->notify, sizeof(c->notify), "@%s/notify",
			 c->d.dir + 1);
		memcpy(addr.sun_path + 1, c->notify + 1, strlen(c->notify) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				  strlen(c->notify));
	} else {
		snprintf(c->notify, sizeof(c->notify), "%s/notify", c->d.dir);
		strcpy(addr.sun_path, c->notify);
	}
	assert_int_equal(bind(c->notify_fd, (struct sockaddr *)&addr, len), 0);
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
		if (!daemon_alive(&c->d)) {
			/* It may have sent before it died. */
			if (poll(&pfd, 1, 0) == 1)
				break;
			print_log(&c->d, "died");
			fail_msg("the daemon exited before sending \"%s\"",
				 want);
		}
		if (now_ms() > deadline) {
			print_log(&c->d, "no datagram");
			fail_msg("nothing on NOTIFY_SOCKET; expected \"%s\"",
				 want);
		}
	}
	n = recv(c->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	if (strcmp(buf, want)) {
		print_log(&c->d, "unexpected datagram");
		fail_msg("NOTIFY_SOCKET got \"%s\", expected \"%s\"", buf,
			 want);
	}
}

static void spawn(struct conv *c, const char *const *args,
		  struct child_env *env)
{
	c->d.pid = daemon_spawn_with(&c->d, args, child_setup, env);
	assert_true(c->d.pid > 0);
	c->spawned = true;
}

/* SIGTERM: the daemon says STOPPING=1 (if notifying) and exits 0. */
static void stop(struct conv *c, bool notifying)
{
	assert_true(daemon_alive(&c->d));
	kill(c->d.pid, SIGTERM);
	if (notifying)
		expect_notify(c, "STOPPING=1");
	if (!daemon_wait_exit(&c->d, 5000 * g_scale)) {
		print_log(&c->d, "no exit");
		fail_msg("the daemon did not exit after SIGTERM");
	}
	if (!WIFEXITED(c->d.status) || WEXITSTATUS(c->d.status) != 0) {
		print_log(&c->d, "bad exit");
		fail_msg("the daemon ended with %s %d",
			 WIFSIGNALED(c->d.status) ? "signal" : "status",
			 WIFSIGNALED(c->d.status) ? WTERMSIG(c->d.status)
						  : WEXITSTATUS(c->d.status));
	}
	if (getenv("VDG_SHOW_LOG"))
		print_log(&c->d, "VDG_SHOW_LOG");
}

/* Connects a VMM to @path and proves one GET_VALUE round trip. */
static struct vmm *serve_check(struct conv *c, unsigned int slot,
			       const char *path, uint16_t ngpio)
{
	struct vmm *v;

	vmm_free(c->v[slot]);
	c->v[slot] = NULL;
	OK(vmm_new(NULL, &v));
	c->v[slot] = v;
	OK(vmm_connect(v, path, 5000 * g_scale));
	OK(vmm_negotiate(v, NULL));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	REQ_OK(v, GET_VAL, ngpio - 1, 0, 0);
	/* One past the chip's last line: the device answers ERR. */
	REQ_ERR(v, GET_VAL, ngpio, 0);
	return v;
}

/* One command on a control socket; its reply line must start with @want. */
static void sim_expect(const char *path, const char *command, const char *want)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct pollfd pfd;
	char reply[256];
	size_t len = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		fail_msg("cannot connect to %s: %s", path, strerror(errno));
	}
	assert_int_equal(write(fd, command, strlen(command)),
			 (ssize_t)strlen(command));
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (len < sizeof(reply) - 1 && !memchr(reply, '\n', len)) {
		ssize_t n;

		if (poll(&pfd, 1, 10000 * g_scale) != 1)
			break;
		n = read(fd, reply + len, sizeof(reply) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	reply[len] = '\0';
	if (strncmp(reply, want, strlen(want)))
		fail_msg("%s: \"%s\" answered \"%s\", expected \"%s...\"", path,
			 command, reply, want);
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
	struct conv *c = *state;
	struct child_env env;
	int fd, status;
	pid_t pid;

	strcpy(c->out, "/tmp/vdg-caps-XXXXXX");
	fd = keep(c, mkstemp(c->out));
	env_init(&env);
	env.stdout_fd = fd;
	spawn(c, args, &env);
	assert_true(daemon_wait_exit(&c->d, 5000 * g_scale));
	if (!WIFEXITED(c->d.status) || WEXITSTATUS(c->d.status) != 0) {
		print_log(&c->d, "--print-capabilities");
		fail_msg("--print-capabilities did not exit 0");
	}
	/* Nothing but valgrind's lines on stderr. */
	assert_int_equal(daemon_log_count(&c->d, ""), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(g_python, g_python, "-c", check, c->out, (char *)NULL);
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

	notify_socket(c, true);
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", c->d.base);
	c->d.count = 2;
	env_init(&env);
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 2 devices, 0 connected");
	/* Ready means listening: no retry needed. */
	daemon_sock(&c->d, 0, sock, sizeof(sock));
	assert_true(file_exists(sock));
	serve_check(c, 0, sock, 8);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	daemon_sock(&c->d, 1, sock, sizeof(sock));
	serve_check(c, 1, sock, 4);
	expect_notify(c, "STATUS=serving 2 devices, 2 connected");
	vmm_disconnect(c->v[0]);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	stop(c, true);
	/* Its own sockets it removes, as always. */
	assert_false(file_exists(sock));
}

/* --fd: a socket the VMM made, served, PATH.sim next to it, never removed. */
static void test_fd_serves(void **state)
{
	struct conv *c = *state;
	char a_fd[32], sim[200];
	const char *args[] = {a_fd, "--device-list=s8", NULL};
	struct child_env env;
	int fd, fds_ready;

	fd = given_socket(c, "vm.sock");
	notify_socket(c, false);
	snprintf(a_fd, sizeof(a_fd), "--fd=%d", fd);
	env_init(&env);
	env.keep_fd = fd;
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	fds_ready = proc_fd_count(c->d.pid);

	serve_check(c, 0, given_path(c, 0), 8);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	expect_log(&c->d, "vm.sock: front-end connected");
	snprintf(sim, sizeof(sim), "%s.sim", given_path(c, 0));
	sim_expect(sim, "set 2 1\n", "ok");
	REQ_OK(c->v[0], GET_VAL, 2, 0, 1);

	/* A disconnected VMM leaves no fd behind. */
	vmm_disconnect(c->v[0]);
	expect_notify(c, "STATUS=serving 1 device, 0 connected");
	assert_int_equal(wait_fd_count(c->d.pid, fds_ready, 5000 * g_scale),
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
	char a_fd[32], sim[200];
	const char *args[] = {a_fd, "--device-list=s4", NULL};
	struct child_env env;
	int fd;

	fd = given_socket(c, "vm.sock");
	snprintf(sim, sizeof(sim), "%s.sim", given_path(c, 0));
	assert_int_equal(mkdir(sim, 0700), 0);
	notify_socket(c, false);
	snprintf(a_fd, sizeof(a_fd), "--fd=%d", fd);
	env_init(&env);
	env.keep_fd = fd;
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	expect_log(&c->d, "warning: vm.sock: cannot create");
	serve_check(c, 0, given_path(c, 0), 4);
	stop(c, false);
	assert_true(file_exists(given_path(c, 0)));
	assert_true(file_exists(sim)); /* the directory, untouched */
}

/* An abstract socket has no file to put PATH.sim next to. */
static void test_fd_abstract(void **state)
{
	struct conv *c = *state;
	struct sockaddr_un addr;
	char a_fd[32];
	const char *args[] = {a_fd, "--device-list=s4", NULL};
	struct child_env env;
	socklen_t len;
	int fd = abstract_socket(c, "fd", &addr, &len);

	notify_socket(c, false);
	snprintf(a_fd, sizeof(a_fd), "--fd=%d", fd);
	env_init(&env);
	env.keep_fd = fd;
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	expect_log(&c->d, "has no PATH.sim");
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
	notify_socket(c, true);
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 2 devices, 0 connected");

	serve_check(c, 0, given_path(c, 1), 8);
	expect_notify(c, "STATUS=serving 2 devices, 1 connected");
	expect_log(&c->d, "a.sock: front-end connected");
	serve_check(c, 1, given_path(c, 2), 4);
	expect_notify(c, "STATUS=serving 2 devices, 2 connected");

	/* The given control socket drives device a's chip. */
	snprintf(sim0, sizeof(sim0), "%s", given_path(c, 0));
	sim_expect(sim0, "set 7 1\n", "ok");
	REQ_OK(c->v[0], GET_VAL, 7, 0, 1);
	/* Device b's was made by the daemon. */
	snprintf(sim1, sizeof(sim1), "%s.sim", given_path(c, 2));
	sim_expect(sim1, "set 3 1\n", "ok");
	REQ_OK(c->v[1], GET_VAL, 3, 0, 1);
	REQ_OK(c->v[0], GET_VAL, 3, 0, 0);

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
	struct sockaddr_un addr;
	struct child_env env;
	socklen_t len;
	int client;

	env_init(&env);
	env.act_fds[0] = abstract_socket(c, "named", &addr, &len);
	env.n_act = 1;
	env.fdnames = "vm-abstract";
	notify_socket(c, false);
	env.notify = c->notify;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	expect_log(&c->d, "warning: vm-abstract: an unnamed socket has no "
			  "PATH.sim");
	client = keep(c, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_int_equal(connect(client, (struct sockaddr *)&addr, len), 0);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	expect_log(&c->d, "info: vm-abstract: front-end connected");
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

	notify_socket(c, false);
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", c->d.base);
	c->d.count = 1;
	env_init(&env);
	env.notify = c->notify;
	/* As if the test had been activated and the daemon inherited it. */
	env.act_fds[0] = given_socket(c, "parent.sock");
	env.n_act = 1;
	env.foreign_pid = true;
	spawn(c, args, &env);
	/* Not "--socket-path cannot be used with socket activation". */
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	daemon_sock(&c->d, 0, sock, sizeof(sock));
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
	char a_fd[32], line[1024];
	const char *args[] = {a_fd, "--device-list=s4", NULL};
	struct child_env env;
	int fd, lines = 0;
	FILE *f;

	fd = given_socket(c, "vm.sock");
	notify_socket(c, false);
	snprintf(a_fd, sizeof(a_fd), "--fd=%d", fd);
	env_init(&env);
	env.keep_fd = fd;
	env.notify = c->notify;
	env.journal = true;
	spawn(c, args, &env);
	expect_notify(c, "READY=1\nSTATUS=serving 1 device, 0 connected");
	serve_check(c, 0, given_path(c, 0), 4);
	expect_notify(c, "STATUS=serving 1 device, 1 connected");
	stop(c, true);
	expect_log(&c->d, "<6>info: vm.sock: front-end connected");
	f = fopen(c->d.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '=' && line[1] == '=')
			continue;
		lines++;
		if (line[0] != '<' || !strchr("3467", line[1]) ||
		    line[2] != '>' || strstr(line, "vhost-device-gpio:")) {
			fclose(f);
			print_log(&c->d, "journal");
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
	const char *args[4]; /* "%d" becomes the fd */
	enum fd_kind fd;
	bool activation;	/* pass the fd as LISTEN_FDS */
	const char *listen_fds; /* LISTEN_FDS override */
	const char *want;	/* in the error line */
};

static const struct error_case error_cases[] = {
	{"--fd with --socket-path",
	 {"--fd=%d", "--socket-path=/tmp/vdg-never", "--device-list=s8"},
	 FD_LISTENING,
	 false,
	 NULL,
	 "--fd and --socket-path"},
	{"--fd on a regular file",
	 {"--fd=%d", "--device-list=s8"},
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
	 {"--fd=%d", "--device-list=s8"},
	 FD_CONNECTED,
	 false,
	 NULL,
	 "not listening"},
	{"--fd on a datagram socket",
	 {"--fd=%d", "--device-list=s8"},
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
	 {"--fd=%d", "--device-list=s8:s8"},
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
	int pair[2], fd;

	switch (kind) {
	case FD_LISTENING:
		return given_socket(c, "given.sock");
	case FD_SIM_ONLY:
		return given_socket(c, "orphan.sock.sim");
	case FD_FILE:
		fd = keep(c, open(c->d.log, O_RDONLY | O_CLOEXEC));
		return fd;
	case FD_CONNECTED:
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
					    0, pair),
				 0);
		keep(c, pair[1]);
		return keep(c, pair[0]);
	case FD_DGRAM:
		return keep(c, socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	default:
		return -1;
	}
}

static void run_error_case(const struct error_case *ec)
{
	struct conv *c;
	char bufs[4][256], first[1024], line[1024];
	const char *args[5];
	struct child_env env;
	void *state;
	unsigned int k, i;
	int fd, lines = 0;
	FILE *f;

	conv_setup(&state);
	c = state;
	fd = error_fd(c, ec->fd);
	for (k = 0; k < 4 && ec->args[k]; k++) {
		const char *pct = strstr(ec->args[k], "%d");

		if (pct)
			snprintf(bufs[k], sizeof(bufs[k]), "%.*s%d%s",
				 (int)(pct - ec->args[k]), ec->args[k], fd,
				 pct + 2);
		else
			snprintf(bufs[k], sizeof(bufs[k]), "%s", ec->args[k]);
		args[k] = bufs[k];
	}
	args[k] = NULL;
	env_init(&env);
	if (ec->activation && fd >= 0) {
		env.act_fds[0] = fd;
		env.n_act = 1;
		env.listen_fds = ec->listen_fds;
	} else {
		env.keep_fd = fd;
	}
	spawn(c, args, &env);
	if (!daemon_wait_exit(&c->d, 5000 * g_scale)) {
		conv_teardown(&state);
		fail_msg("%s: the daemon did not exit", ec->what);
	}
	first[0] = '\0';
	f = fopen(c->d.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '=' && line[1] == '=')
			continue;
		if (!lines++)
			snprintf(first, sizeof(first), "%s", line);
	}
	fclose(f);
	if (!WIFEXITED(c->d.status) || WEXITSTATUS(c->d.status) != 2 ||
	    lines != 1 || !strstr(first, ec->want) ||
	    strncmp(first, "vhost-device-gpio: error: ", 26)) {
		print_log(&c->d, ec->what);
		conv_teardown(&state);
		fail_msg("%s: expected exit status 2 and one error line with "
			 "\"%s\"",
			 ec->what, ec->want);
	}
	/* Given sockets stay; nothing else appeared (no PATH.sim). */
	for (i = 0; i < c->ngiven; i++)
		if (!file_exists(c->given[i])) {
			conv_teardown(&state);
			fail_msg("%s: the given socket was removed", ec->what);
		}
	if (dir_entries(c->d.dir) != (int)c->ngiven) {
		conv_teardown(&state);
		fail_msg("%s: files appeared in the socket directory",
			 ec->what);
	}
	print_message("# %s: %s", ec->what, first);
	conv_teardown(&state);
}

static void test_start_up_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		run_error_case(&error_cases[i]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, conv_setup, conv_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
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
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DAEMON-BINARY PYTHON3\n", argv[0]);
		return 2;
	}
	g_python = argv[2];
	fixture_init(argv[1]);
	ret = cmocka_run_group_tests_name("conventions", tests, NULL, NULL);
	fixture_done();
	return ret;
}
