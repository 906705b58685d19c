// SPDX-License-Identifier: MIT
/*
 * Shared fixture of the integration tests: the daemon process and the cmocka
 * setup/teardown.  See fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"

const char *g_daemon;
int g_scale = 1;
static char *g_wrapper_buf;
static char *g_wrapper[MAX_ARGS];
static unsigned int g_nwrapper;

/* ------------------------------------------------------------------ */
/* Small utilities                                                      */
/* ------------------------------------------------------------------ */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A wait for "nothing happens", scaled for slow wrappers. */
int quiet_ms(int ms)
{
	return ms * g_scale;
}

int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : def;
}

static void parse_wrapper(void)
{
	const char *w = getenv("VDG_DAEMON_WRAPPER");
	char *tok, *save = NULL;

	if (!w || !*w)
		return;
	g_wrapper_buf = strdup(w);
	for (tok = strtok_r(g_wrapper_buf, " \t", &save);
	     tok && g_nwrapper < MAX_ARGS - 8;
	     tok = strtok_r(NULL, " \t", &save))
		g_wrapper[g_nwrapper++] = tok;
	g_scale = 10;
}

void fixture_init(const char *daemon)
{
	g_daemon = daemon;
	parse_wrapper();
	g_scale = env_int("VDG_TIME_SCALE", g_scale);
	if (g_scale < 1)
		g_scale = 1;
	signal(SIGPIPE, SIG_IGN);
	if (getenv("VDG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("VDG_TEST_FILTER"));
}

void fixture_done(void)
{
	free(g_wrapper_buf);
	g_wrapper_buf = NULL;
	g_nwrapper = 0;
}

const char *type_name(uint16_t type)
{
	switch (type) {
	case VIRTIO_GPIO_MSG_GET_NAMES:
		return "GET_NAMES";
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
		return "GET_DIRECTION";
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		return "SET_DIRECTION";
	case VIRTIO_GPIO_MSG_GET_VALUE:
		return "GET_VALUE";
	case VIRTIO_GPIO_MSG_SET_VALUE:
		return "SET_VALUE";
	case VIRTIO_GPIO_MSG_IRQ_TYPE:
		return "IRQ_TYPE";
	default:
		return "unknown type";
	}
}

/* ------------------------------------------------------------------ */
/* The daemon process                                                   */
/* ------------------------------------------------------------------ */

void daemon_sock(const struct daemon *d, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s%u", d->base, i);
}

void daemon_sim_sock(const struct daemon *d, unsigned int i, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s%u.sim", d->base, i);
}

static bool sim_sock_exists(const struct daemon *d, unsigned int i)
{
	char path[170];
	struct stat st;

	daemon_sim_sock(d, i, path, sizeof(path));
	return lstat(path, &st) == 0;
}

/*
 * Starts wrapper + daemon + @args (NULL-terminated) with stdout and stderr
 * going to d->log.  d->dir and d->log must be set.
 */
pid_t daemon_spawn(struct daemon *d, const char *const *args)
{
	return daemon_spawn_with(d, args, NULL, NULL);
}

pid_t daemon_spawn_with(struct daemon *d, const char *const *args,
			void (*child_setup)(void *arg), void *arg)
{
	const char *argv[MAX_ARGS + 8];
	unsigned int n = 0, i;
	pid_t pid;

	for (i = 0; i < g_nwrapper; i++)
		argv[n++] = g_wrapper[i];
	argv[n++] = g_daemon;
	for (i = 0; args[i] && n < MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	pid = fork();
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/*
		 * Only the standard streams and what @child_setup dup2()s
		 * (dup2 clears close-on-exec): a descriptor the test runner
		 * happened to leave open would otherwise count as the
		 * daemon's (valgrind reports them "inherited from parent").
		 */
		close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		if (child_setup)
			child_setup(arg);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

void daemon_prepare(struct daemon *d)
{
	int fd;

	memset(d, 0, sizeof(*d));
	strcpy(d->dir, "/tmp/vdg-it-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->base, sizeof(d->base), "%s/gpio.sock", d->dir);
	strcpy(d->log, "/tmp/vdg-it-log-XXXXXX");
	fd = mkstemp(d->log);
	assert_true(fd >= 0);
	close(fd);
}

void print_log(const struct daemon *d, const char *why)
{
	char buf[4096];
	FILE *f;
	size_t n;

	f = fopen(d->log, "r");
	if (!f)
		return;
	fprintf(stderr, "---- daemon stderr (%s) ----\n", why);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "---- end of daemon stderr ----\n");
	fclose(f);
}

bool daemon_alive(struct daemon *d)
{
	pid_t r;

	if (d->reaped)
		return false;
	r = waitpid(d->pid, &d->status, WNOHANG);
	if (r == d->pid) {
		d->reaped = true;
		return false;
	}
	return true;
}

/* Waits for the daemon to exit; returns false on timeout. */
bool daemon_wait_exit(struct daemon *d, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (daemon_alive(d)) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(5);
	}
	return true;
}

void daemon_kill(struct daemon *d)
{
	if (daemon_alive(d)) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &d->status, 0);
		d->reaped = true;
	}
}

bool socket_exists(const struct daemon *d, unsigned int i)
{
	char path[170];
	struct stat st;

	daemon_sock(d, i, path, sizeof(path));
	return stat(path, &st) == 0;
}

/* Number of entries left in the socket directory. */
int dir_entries(const char *dir)
{
	struct dirent *e;
	int n = 0;
	DIR *dp = opendir(dir);

	if (!dp)
		return -1;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

void daemon_remove_files(struct daemon *d)
{
	char path[170];
	unsigned int i;

	for (i = 0; i < MAX_SOCKETS; i++) {
		daemon_sock(d, i, path, sizeof(path));
		unlink(path);
		daemon_sim_sock(d, i, path, sizeof(path));
		unlink(path);
	}
	rmdir(d->dir);
	unlink(d->log);
}

/* Spawns the daemon with @args and waits for its d->count sockets. */
void daemon_spawn_wait(struct daemon *d, const char *const *args)
{
	int64_t deadline;
	unsigned int i;

	d->pid = daemon_spawn(d, args);
	assert_true(d->pid > 0);
	deadline = now_ms() + 10000 * g_scale;
	for (i = 0; i < d->count; i++) {
		while (!socket_exists(d, i)) {
			if (!daemon_alive(d) || now_ms() > deadline) {
				print_log(d, "start-up failed");
				daemon_kill(d);
				daemon_remove_files(d);
				fail_msg("daemon did not create socket %u", i);
			}
			sleep_ms(2);
		}
	}
}

/* Starts a daemon serving @count sockets with @list, waits for them. */
void daemon_start(struct daemon *d, unsigned int count, const char *list)
{
	char a_path[192], a_count[32], a_list[128];
	const char *args[] = {a_path, a_count, a_list, NULL};

	daemon_prepare(d);
	d->count = count;
	snprintf(a_path, sizeof(a_path), "--socket-path=%s", d->base);
	snprintf(a_count, sizeof(a_count), "--socket-count=%u", count);
	snprintf(a_list, sizeof(a_list), "--device-list=%s", list);
	daemon_spawn_wait(d, args);
}

/*
 * SIGTERM, then checks: exited by itself with status 0, and every socket
 * file removed.  Returns a description of the first problem, or NULL.
 */
const char *daemon_stop(struct daemon *d, char *why, size_t len)
{
	unsigned int i;

	if (!daemon_alive(d)) {
		snprintf(why, len,
			 "daemon died before the end of the test (%s %d)",
			 WIFSIGNALED(d->status) ? "signal" : "exit status",
			 WIFSIGNALED(d->status) ? WTERMSIG(d->status)
						: WEXITSTATUS(d->status));
		return why;
	}
	kill(d->pid, SIGTERM);
	if (!daemon_wait_exit(d, 5000 * g_scale)) {
		daemon_kill(d);
		snprintf(why, len,
			 "daemon did not exit within %d ms of SIGTERM",
			 5000 * g_scale);
		return why;
	}
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0) {
		snprintf(why, len, "daemon ended by SIGTERM with %s %d",
			 WIFSIGNALED(d->status) ? "signal" : "exit status",
			 WIFSIGNALED(d->status) ? WTERMSIG(d->status)
						: WEXITSTATUS(d->status));
		return why;
	}
	for (i = 0; i < d->count; i++) {
		if (socket_exists(d, i)) {
			snprintf(why, len, "socket file %u left after SIGTERM",
				 i);
			return why;
		}
		if (sim_sock_exists(d, i)) {
			snprintf(why, len,
				 "control socket %u.sim left after SIGTERM", i);
			return why;
		}
	}
	return NULL;
}

/* The daemon's own descriptors are all far below this. */
#define VALGRIND_FD_BASE 16384

int proc_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dp;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dp = opendir(path);
	if (!dp)
		return -errno;
	/*
	 * valgrind keeps descriptors of its own at the top of the table
	 * (above its fd limit), some opened lazily: they are not the daemon's.
	 */
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.' && atoi(e->d_name) < VALGRIND_FD_BASE)
			n++;
	closedir(dp);
	return n;
}

int daemon_log_count(const struct daemon *d, const char *text)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(d->log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!(line[0] == '=' && line[1] == '=') && strstr(line, text))
			n++;
	fclose(f);
	return n;
}

bool daemon_log_wait(const struct daemon *d, const char *text, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (daemon_log_count(d, text) < 1) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(10);
	}
	return true;
}

int proc_thread_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dp;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dp = opendir(path);
	if (!dp)
		return -1;
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

long proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* What the daemon has open, as TAP comments, when a count is off. */
static void print_fds(pid_t pid)
{
	char dir[64], link[340], target[256];
	struct dirent *d;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	fds = opendir(dir);
	if (!fds)
		return;
	while ((d = readdir(fds))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		print_message("# daemon fd %s -> %s\n", d->d_name, target);
	}
	closedir(fds);
}

/* Waits until the daemon has exactly @want fds open; returns the last count. */
int wait_fd_count(pid_t pid, int want, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int n;

	for (;;) {
		n = proc_fd_count(pid);
		if (n == want || now_ms() >= deadline)
			break;
		sleep_ms(10);
	}
	if (n != want)
		print_fds(pid);
	return n;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */
/* ------------------------------------------------------------------ */

struct fx *fx_new(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	unsigned int i;

	assert_non_null(fx);
	for (i = 0; i < MAX_FX_FDS; i++)
		fx->fds[i] = -1;
	return fx;
}

int setup_with(void **state, unsigned int count, const char *list)
{
	struct fx *fx = fx_new();

	*state = fx;
	daemon_start(&fx->d, count, list);
	fx->have_daemon = true;
	return 0;
}

int teardown(void **state)
{
	struct fx *fx = *state;
	const char *problem = NULL;
	char why[256];
	unsigned int i;

	if (!fx)
		return 0;
	for (i = 0; i < MAX_VMMS; i++)
		vmm_free(fx->v[i]);
	for (i = 0; i < MAX_FX_FDS; i++)
		if (fx->fds[i] >= 0)
			close(fx->fds[i]);
	if (fx->have_daemon) {
		problem = daemon_stop(&fx->d, why, sizeof(why));
		if (problem)
			print_log(&fx->d, problem);
		else if (getenv("VDG_SHOW_LOG"))
			print_log(&fx->d, "VDG_SHOW_LOG");
		daemon_remove_files(&fx->d);
	}
	free(fx);
	*state = NULL;
	if (problem) {
		print_message("teardown: %s\n", problem);
		return -1;
	}
	return 0;
}

/* A vmm in slot @slot (replacing any), with @opts (NULL: defaults). */
struct vmm *fx_vmm(struct fx *fx, unsigned int slot,
		   const struct vmm_options *opts)
{
	struct vmm *v;

	vmm_free(fx->v[slot]);
	fx->v[slot] = NULL;
	OK(vmm_new(opts, &v));
	fx->v[slot] = v;
	return v;
}

void fx_connect(struct fx *fx, struct vmm *v, unsigned int sock)
{
	char path[170];

	daemon_sock(&fx->d, sock, path, sizeof(path));
	OK(vmm_connect(v, path, 5000 * g_scale));
}

/* Connects @v to socket @sock and negotiates with @nopts (NULL: defaults). */
void fx_session(struct fx *fx, struct vmm *v, unsigned int sock,
		const struct vmm_negotiate_options *nopts)
{
	fx_connect(fx, v, sock);
	OK(vmm_negotiate(v, nopts));
}

/* A fresh vmm in slot @slot, connected and negotiated with defaults. */
struct vmm *fx_default_session(struct fx *fx, unsigned int slot,
			       unsigned int sock)
{
	struct vmm *v = fx_vmm(fx, slot, NULL);

	fx_session(fx, v, sock, NULL);
	return v;
}

/* ------------------------------------------------------------------ */
/* GPIO request checks                                                  */
/* ------------------------------------------------------------------ */

void req_expect(struct vmm *v, uint16_t type, uint16_t gpio, uint32_t value,
		uint8_t want_status, uint8_t want_value, int line)
{
	struct vmm_gpio_res res = {0};
	int ret = vmm_gpio_request(v, type, gpio, value, &res);

	if (ret)
		fail_msg("line %d: %s(gpio %u, value %u): round trip failed: "
			 "%d (%s)",
			 line, type_name(type), gpio, value, ret,
			 strerror(-ret));
	if (res.status != want_status || res.value != want_value ||
	    res.used_len != 2)
		fail_msg("line %d: %s(gpio %u, value %u): expected status %u "
			 "value %u used_len 2, got status %u value %u "
			 "used_len %u",
			 line, type_name(type), gpio, value, want_status,
			 want_value, res.status, res.value, res.used_len);
}
