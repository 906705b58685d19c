// SPDX-License-Identifier: MIT
/*
 * Shared fixture of the integration tests: the daemon process, /proc
 * readers, the cmocka setup/teardown and the programs' main().  See
 * fixture.h.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"

const char *g_daemon;
int g_scale = 1;
int g_event_ms = 2000;
int g_quiet_ms = 100;
static char **g_argv;
static char *g_wrapper_buf;
static char *g_wrapper[MAX_ARGS];
static unsigned int g_nwrapper;
static char *g_extra_buf; /* VDG_DAEMON_ARGS */
static char *g_extra[MAX_ARGS];
static unsigned int g_nextra;

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

bool daemon_polls(void)
{
	unsigned int i;

	for (i = 0; i < g_nextra; i++)
		if (!strncmp(g_extra[i], "--poll-us=", 10) &&
		    atoi(g_extra[i] + 10) > 0)
			return true;
	return false;
}

int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : def;
}

const char *name_in(const char *const *names, size_t count, unsigned int value,
		    const char *unknown)
{
	return value < count && names[value] ? names[value] : unknown;
}

const char *type_name(uint16_t type)
{
	static const char *const names[] = {
		[VIRTIO_GPIO_MSG_GET_NAMES] = "GET_NAMES",
		[VIRTIO_GPIO_MSG_GET_DIRECTION] = "GET_DIRECTION",
		[VIRTIO_GPIO_MSG_SET_DIRECTION] = "SET_DIRECTION",
		[VIRTIO_GPIO_MSG_GET_VALUE] = "GET_VALUE",
		[VIRTIO_GPIO_MSG_SET_VALUE] = "SET_VALUE",
		[VIRTIO_GPIO_MSG_IRQ_TYPE] = "IRQ_TYPE",
	};

	return NAME_IN(names, type, "unknown type");
}

const char *status_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	return buf;
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

/* Splits $@name on blanks into @words (a copy in *@buf); returns the count. */
static unsigned int split_env(const char *name, char **buf, char **words)
{
	const char *w = getenv(name);
	char *tok, *save = NULL;
	unsigned int n = 0;

	if (!w || !*w)
		return 0;
	*buf = strdup(w);
	for (tok = strtok_r(*buf, " \t", &save); tok && n < MAX_ARGS / 4;
	     tok = strtok_r(NULL, " \t", &save))
		words[n++] = tok;
	return n;
}

static void parse_wrapper(void)
{
	g_nwrapper = split_env("VDG_DAEMON_WRAPPER", &g_wrapper_buf, g_wrapper);
	if (g_nwrapper)
		g_scale = 10;
	g_nextra = split_env("VDG_DAEMON_ARGS", &g_extra_buf, g_extra);
}

static int usage_words(const char *usage)
{
	const char *p;
	int n = 0;

	for (p = usage; *p; p++)
		if (*p != ' ' && (p == usage || p[-1] == ' '))
			n++;
	return n;
}

int fixture_main(int argc, char **argv, const char *usage, const char *name,
		 const struct fx_tests *tables, size_t ntables)
{
	struct CMUnitTest *all;
	size_t i, n = 0;
	int ret;

	if (argc < 1 + usage_words(usage)) {
		fprintf(stderr, "usage: %s %s\n", argv[0], usage);
		return 2;
	}
	g_argv = argv;
	for (i = 0; i < ntables; i++)
		n += tables[i].count;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all) {
		perror("calloc");
		return 1;
	}
	for (i = 0, n = 0; i < ntables; i++) {
		memcpy(all + n, tables[i].tests,
		       tables[i].count * sizeof(*all));
		n += tables[i].count;
	}

	g_daemon = argv[1];
	parse_wrapper();
	g_scale = env_int("VDG_TIME_SCALE", g_scale);
	if (g_scale < 1)
		g_scale = 1;
	signal(SIGPIPE, SIG_IGN);
	if (getenv("VDG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("VDG_TEST_FILTER"));
	ret = _cmocka_run_group_tests(name, all, n, NULL, NULL);
	free(g_wrapper_buf);
	g_wrapper_buf = NULL;
	g_nwrapper = 0;
	free(g_extra_buf);
	g_extra_buf = NULL;
	g_nextra = 0;
	free(all);
	return ret;
}

const char *fixture_arg(unsigned int i)
{
	return g_argv[i];
}

/* ------------------------------------------------------------------ */
/* The daemon process                                                   */
void child_valgrind_option(const char *option)
{
	const char *old = getenv("VALGRIND_OPTS");
	char opts[512];

	snprintf(opts, sizeof(opts), "%s%s%s", old ? old : "", old ? " " : "",
		 option);
	setenv("VALGRIND_OPTS", opts, 1);
}

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
	/* First: a test's own last option may still want its value. */
	for (i = 0; i < g_nextra; i++)
		argv[n++] = g_extra[i];
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
	assert_true(pid > 0);
	d->pid = pid;
	d->reaped = false;
	d->status = 0;
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

/*
 * Entries of @path but "." and ".."; with @below > 0, only those whose
 * names are numbers below it.
 */
static int count_entries(const char *path, long below)
{
	struct dirent *e;
	int n = 0;
	DIR *dp = opendir(path);

	if (!dp)
		return -errno;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (below <= 0 || atol(e->d_name) < below))
			n++;
	closedir(dp);
	return n;
}

int dir_entries(const char *dir)
{
	return count_entries(dir, 0);
}

void daemon_remove_files(struct daemon *d)
{
	struct dirent *e;
	DIR *dp = opendir(d->dir);

	if (dp) {
		while ((e = readdir(dp)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    unlinkat(dirfd(dp), e->d_name, 0) < 0 &&
			    errno == EISDIR)
				unlinkat(dirfd(dp), e->d_name, AT_REMOVEDIR);
		closedir(dp);
	}
	rmdir(d->dir);
	unlink(d->log);
}

void daemon_spawn_wait(struct daemon *d, const char *const *args)
{
	daemon_spawn(d, args);
	daemon_wait_sockets(d);
}

void daemon_wait_sockets(struct daemon *d)
{
	int64_t deadline = now_ms() + 10000 * g_scale;
	unsigned int i;

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

const char *const *daemon_args(struct daemon_args *a, const struct daemon *d,
			       unsigned int count, const char *list,
			       const char *const *extra)
{
	unsigned int n = 3;

	snprintf(a->path, sizeof(a->path), "--socket-path=%s", d->base);
	snprintf(a->count, sizeof(a->count), "--socket-count=%u", count);
	snprintf(a->list, sizeof(a->list), "--device-list=%s", list);
	a->argv[0] = a->path;
	a->argv[1] = a->count;
	a->argv[2] = a->list;
	while (extra && *extra && n < 7)
		a->argv[n++] = *extra++;
	a->argv[n] = NULL;
	return a->argv;
}

void daemon_start(struct daemon *d, unsigned int count, const char *list)
{
	struct daemon_args a;

	daemon_prepare(d);
	d->count = count;
	daemon_spawn_wait(d, daemon_args(&a, d, count, list, NULL));
}

int daemon_run(struct daemon *d, const char *const *args,
	       void (*child_setup)(void *arg), void *arg, int timeout_ms,
	       char *first, size_t cap)
{
	daemon_spawn_with(d, args, child_setup, arg);
	if (!daemon_wait_exit(d, timeout_ms)) {
		daemon_kill(d);
		return -ETIMEDOUT;
	}
	return daemon_log_lines(d, first, cap);
}

void args_expand(const char *const *tmpl, const char *value, char (*bufs)[256],
		 const char **argv, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n && tmpl[k]; k++) {
		const char *pct = strstr(tmpl[k], "%s");

		if (pct)
			snprintf(bufs[k], sizeof(bufs[k]), "%.*s%s%s",
				 (int)(pct - tmpl[k]), tmpl[k], value, pct + 2);
		else
			snprintf(bufs[k], sizeof(bufs[k]), "%s", tmpl[k]);
		argv[k] = bufs[k];
	}
	argv[k] = NULL;
}

const char *daemon_wait_clean_exit(struct daemon *d, char *why, size_t len)
{
	char how[32];

	if (!daemon_wait_exit(d, 5000 * g_scale)) {
		daemon_kill(d);
		snprintf(why, len, "daemon did not exit within %d ms",
			 5000 * g_scale);
		return why;
	}
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0) {
		snprintf(why, len, "daemon ended with %s",
			 status_text(d->status, how, sizeof(how)));
		return why;
	}
	return NULL;
}

const char *daemon_stop(struct daemon *d, char *why, size_t len)
{
	unsigned int i;
	char how[32];

	if (!daemon_alive(d)) {
		snprintf(why, len,
			 "daemon died before the end of the test (%s)",
			 status_text(d->status, how, sizeof(how)));
		return why;
	}
	kill(d->pid, SIGTERM);
	if (daemon_wait_clean_exit(d, why, len))
		return why;
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

/* ------------------------------------------------------------------ */
/* The daemon's log                                                     */
/* ------------------------------------------------------------------ */

/* valgrind's lines start with "==PID==". */
static bool valgrind_line(const char *line)
{
	return line[0] == '=' && line[1] == '=';
}

int daemon_log_count(const struct daemon *d, const char *text)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(d->log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!valgrind_line(line) && strstr(line, text))
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

int daemon_log_lines(const struct daemon *d, char *first, size_t cap)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(d->log, "r");

	first[0] = '\0';
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (valgrind_line(line))
			continue;
		if (!n)
			snprintf(first, cap, "%s", line);
		n++;
	}
	fclose(f);
	return n;
}

/* ------------------------------------------------------------------ */
/* /proc                                                                */
/* ------------------------------------------------------------------ */

/* The daemon's own descriptors are all far below this. */
#define VALGRIND_FD_BASE 16384

int proc_fd_count(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	/*
	 * valgrind keeps descriptors of its own at the top of the table
	 * (above its fd limit), some opened lazily: they are not the daemon's.
	 */
	return count_entries(path, VALGRIND_FD_BASE);
}

int proc_thread_count(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	return count_entries(path, 0);
}

/* The number after "@field:" in the status file @path, or -1. */
static long status_field(const char *path, const char *field)
{
	size_t flen = strlen(field);
	char line[256];
	long value = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			value = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

bool daemon_rss_is_meaningful(const struct daemon *d)
{
	if (daemon_log_count(d, "AddressSanitizer build") < 1)
		return true;
	print_message("# the daemon is an AddressSanitizer build: its RSS is "
		      "not bounded (freed memory sits in its quarantine)\n");
	return false;
}

long proc_status(pid_t pid, const char *field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return status_field(path, field);
}

long long proc_threads_status_sum(pid_t pid, const char *field)
{
	char path[320];
	struct dirent *e;
	long long sum = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dp = opendir(path);
	if (!dp)
		return -1;
	while ((e = readdir(dp))) {
		long n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			 (int)pid, e->d_name);
		n = status_field(path, field);
		if (n >= 0)
			sum += n;
	}
	closedir(dp);
	return sum;
}

long proc_cpu_ms(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long utime, stime;
	long ticks = sysconf(_SC_CLK_TCK);
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &utime, &stime) != 2)
		return -1;
	return (long)((utime + stime) * 1000 / (unsigned long)ticks);
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

int expect_fds_at(struct fx *fx, int want, int timeout_ms, const char *what,
		  int line)
{
	int n = wait_fd_count(fx->d.pid, want, timeout_ms);

	if (n != want)
		fail_msg("line %d: daemon fd count %d after %s, %d before",
			 line, n, what, want);
	return n;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */
/* ------------------------------------------------------------------ */

struct fx *fx_alloc(size_t size)
{
	struct fx *fx = calloc(1, size);
	unsigned int i;

	assert_non_null(fx);
	for (i = 0; i < MAX_FX_FDS; i++)
		fx->fds[i] = -1;
	return fx;
}

struct fx *fx_new(void)
{
	return fx_alloc(sizeof(struct fx));
}

int setup_with(void **state, unsigned int count, const char *list)
{
	struct fx *fx = fx_new();

	fx->param = *state;
	*state = fx;
	daemon_start(&fx->d, count, list);
	fx->have_daemon = true;
	return 0;
}

int setup_none(void **state)
{
	struct fx *fx = fx_new();

	fx->param = *state;
	*state = fx;
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
	} else if (fx->d.pid > 0 && daemon_alive(&fx->d)) {
		print_log(&fx->d, "test ended with the daemon running");
		daemon_kill(&fx->d);
	}
	if (fx->d.dir[0])
		daemon_remove_files(&fx->d);
	free(fx);
	*state = NULL;
	if (problem) {
		print_message("teardown: %s\n", problem);
		return -1;
	}
	return 0;
}

int fx_keep_fd(struct fx *fx, int fd)
{
	unsigned int i;

	if (fd < 0)
		fail_msg("no descriptor to keep: %s", strerror(errno));
	for (i = 0; i < MAX_FX_FDS; i++) {
		if (fx->fds[i] < 0) {
			fx->fds[i] = fd;
			return fd;
		}
	}
	close(fd);
	fail_msg("too many fds for the fixture");
	return -1;
}

int fx_socket(struct fx *fx, int type)
{
	return fx_keep_fd(fx, socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
}

void fx_close_fd(struct fx *fx, int fd)
{
	unsigned int i;

	for (i = 0; i < MAX_FX_FDS; i++)
		if (fx->fds[i] == fd)
			fx->fds[i] = -1;
	close(fd);
}

void fx_start_daemon(struct fx *fx, unsigned int count, const char *const *tmpl)
{
	char bufs[MAX_ARGS][256];
	const char *argv[MAX_ARGS + 1];

	daemon_prepare(&fx->d);
	fx->d.count = count;
	args_expand(tmpl, fx->d.base, bufs, argv, MAX_ARGS);
	daemon_spawn_wait(&fx->d, argv);
	fx->have_daemon = true;
}

void fx_stop_daemon(struct fx *fx)
{
	char why[256];
	const char *problem = daemon_stop(&fx->d, why, sizeof(why));

	fx->have_daemon = false;
	if (problem) {
		print_log(&fx->d, problem);
		fail_msg("%s", problem);
	}
}

struct vmm *fx_vmm(struct fx *fx, unsigned int slot,
		   const struct vmm_options *opts)
{
	struct vmm *v;

	fx_vmm_free(fx, slot);
	OK(vmm_new(opts, &v));
	fx->v[slot] = v;
	return v;
}

void fx_vmm_free(struct fx *fx, unsigned int slot)
{
	vmm_free(fx->v[slot]);
	fx->v[slot] = NULL;
}

void fx_connect(struct fx *fx, struct vmm *v, unsigned int sock)
{
	char path[170];

	daemon_sock(&fx->d, sock, path, sizeof(path));
	OK(vmm_connect(v, path, 5000 * g_scale));
}

void fx_session(struct fx *fx, struct vmm *v, unsigned int sock,
		const struct vmm_negotiate_options *nopts)
{
	fx_connect(fx, v, sock);
	OK(vmm_negotiate(v, nopts));
}

struct vmm *fx_default_session(struct fx *fx, unsigned int slot,
			       unsigned int sock)
{
	struct vmm *v = fx_vmm(fx, slot, NULL);

	fx_session(fx, v, sock, NULL);
	return v;
}

struct vmm *fx_regions_session(struct fx *fx, unsigned int nregions)
{
	struct vmm_options o;
	struct vmm *v;

	vmm_options_init(&o);
	o.nregions = nregions;
	v = fx_vmm(fx, 0, &o);
	fx_session(fx, v, 0, NULL);
	return v;
}
