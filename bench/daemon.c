// SPDX-License-Identifier: MIT
/*
 * The daemon under test: start, wait until ready, pin, inspect, stop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "daemon.h"
#include "run.h"

#define READY_TIMEOUT_NS (10ll * 1000000000)
#define STOP_TIMEOUT_NS	 (5ll * 1000000000)
#define READY_POLL_NS	 20000 /* 20 us between connect attempts */

int daemon_cmd_parse(const char *text, struct daemon_cmd *cmd)
{
	char *save = NULL, *word, *copy;
	unsigned int cap = 8;

	memset(cmd, 0, sizeof(*cmd));
	cmd->text = strdup(text);
	copy = strdup(text);
	cmd->argv = calloc(cap, sizeof(*cmd->argv));
	if (!cmd->text || !copy || !cmd->argv)
		goto err;
	for (word = strtok_r(copy, " \t", &save); word;
	     word = strtok_r(NULL, " \t", &save)) {
		if (cmd->argc + 1 >= cap) {
			char **grown = realloc(cmd->argv,
					       2 * cap * sizeof(*cmd->argv));

			if (!grown)
				goto err;
			cmd->argv = grown;
			cap *= 2;
		}
		cmd->argv[cmd->argc] = strdup(word);
		if (!cmd->argv[cmd->argc])
			goto err;
		cmd->argc++;
		cmd->argv[cmd->argc] = NULL;
	}
	free(copy);
	if (!cmd->argc) {
		daemon_cmd_free(cmd);
		return -EINVAL;
	}
	return 0;
err:
	free(copy);
	daemon_cmd_free(cmd);
	return -ENOMEM;
}

void daemon_cmd_free(struct daemon_cmd *cmd)
{
	unsigned int i;

	if (cmd->argv)
		for (i = 0; i < cmd->argc; i++)
			free(cmd->argv[i]);
	free(cmd->argv);
	free(cmd->text);
	memset(cmd, 0, sizeof(*cmd));
}

void daemon_socket(const struct daemon *d, unsigned int index, char *out,
		   size_t len)
{
	snprintf(out, len, "%s%u", d->base, index);
}

/* One connect attempt: 1 connected (and closed), 0 not yet, -errno. */
static int try_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (ret < 0)
		ret = errno == ENOENT || errno == ECONNREFUSED ||
				      errno == EAGAIN
			      ? 0
			      : -errno;
	else
		ret = 1;
	close(fd);
	return ret;
}

static void show_log_tail(const struct daemon *d)
{
	char buf[2048];
	ssize_t n;
	off_t size;
	int fd = open(d->log_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd,
	      size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0,
	      SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		fprintf(stderr, "bench: daemon log (%s), last lines:\n%s",
			d->log_path, buf);
	}
}

static void report_exit(const struct daemon *d, int status)
{
	bench_failures++;
	if (WIFEXITED(status))
		fprintf(stderr, "bench: daemon %d exited with status %d\n",
			(int)d->pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "bench: daemon %d killed by signal %d\n",
			(int)d->pid, WTERMSIG(status));
}

int daemon_check(struct daemon *d)
{
	int status;
	pid_t r;

	if (d->pid <= 0)
		return -ECHILD;
	r = waitpid(d->pid, &status, WNOHANG);
	if (r == 0)
		return 0;
	if (r == d->pid) {
		report_exit(d, status);
		show_log_tail(d);
	}
	d->pid = -1;
	return -ECHILD;
}

static void exec_child(const struct daemon_cmd *cmd, char **extra,
		       unsigned int nextra, const char *log_path,
		       volatile int64_t *exec_ns)
{
	char **argv = calloc(cmd->argc + nextra + 1, sizeof(*argv));
	sigset_t none;
	unsigned int i;
	int fd;

	if (!argv)
		_exit(127);
	for (i = 0; i < cmd->argc; i++)
		argv[i] = cmd->argv[i];
	for (i = 0; i < nextra; i++)
		argv[cmd->argc + i] = extra[i];
	argv[cmd->argc + nextra] = NULL;

	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* No affinity of ours is inherited: the daemon starts free. */
	*exec_ns = now_ns();
	execvp(argv[0], argv);
	fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int daemon_start(const struct daemon_cmd *cmd, const char *tag,
		 unsigned int count, const char *list, struct daemon *d)
{
	char count_text[16], sock0[300];
	char *extra[6];
	volatile int64_t *shared;
	cpu_set_t all;
	int64_t deadline;
	pid_t pid;
	int ret;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	snprintf(d->base, sizeof(d->base), "%s/%s.sock", cfg.dir, tag);
	snprintf(d->log_path, sizeof(d->log_path), "%s/%s.log", cfg.dir, tag);
	snprintf(count_text, sizeof(count_text), "%u", count);
	extra[0] = "-s";
	extra[1] = d->base;
	extra[2] = "-c";
	extra[3] = count_text;
	extra[4] = "-l";
	extra[5] = (char *)list;
	daemon_socket(d, 0, sock0, sizeof(sock0));

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	*shared = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		munmap((void *)shared, 4096);
		return ret;
	}
	if (pid == 0) {
		/* Undo the bench's pinning before exec. */
		CPU_ZERO(&all);
		for (ret = 0; ret < CPU_SETSIZE; ret++)
			CPU_SET(ret, &all);
		sched_setaffinity(0, sizeof(all), &all);
		exec_child(cmd, extra, 6, d->log_path, shared);
	}
	d->pid = pid;

	deadline = now_ns() + READY_TIMEOUT_NS;
	for (;;) {
		ret = try_connect(sock0);
		if (ret == 1)
			break;
		if (ret < 0) {
			fprintf(stderr, "bench: connect %s: %s\n", sock0,
				strerror(-ret));
			break;
		}
		if (daemon_check(d) < 0) {
			ret = -ECHILD;
			break;
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "bench: %s not ready after 10 s\n",
				sock0);
			ret = -ETIMEDOUT;
			break;
		}
		sleep_ns(READY_POLL_NS);
	}
	d->ready_ns = now_ns();
	d->exec_ns = *shared;
	munmap((void *)shared, 4096);
	if (ret != 1) {
		if (ret != -ECHILD) /* an exit is counted where it is seen */
			bench_failures++;
		if (d->pid > 0) {
			show_log_tail(d);
			daemon_stop(d);
		}
		return ret < 0 ? ret : -EIO;
	}
	vlog("daemon %d ready on %s in %.2f ms", (int)pid, sock0,
	     (double)(d->ready_ns - d->exec_ns) / 1e6);
	return 0;
}

void daemon_stop(struct daemon *d)
{
	int64_t deadline = now_ns() + STOP_TIMEOUT_NS;
	int status;
	pid_t r;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	for (;;) {
		r = waitpid(d->pid, &status, WNOHANG);
		if (r == d->pid || (r < 0 && errno != EINTR))
			break;
		if (now_ns() > deadline) {
			fprintf(stderr,
				"bench: daemon %d ignores SIGTERM; killing "
				"it\n",
				(int)d->pid);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
		sleep_ns(1000000);
	}
	if (r == d->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		report_exit(d, status);
	d->pid = -1;
}

/* ---- /proc ---- */

int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int pin_pid(pid_t pid, int cpu)
{
	char path[64];
	struct dirent *e;
	cpu_set_t set;
	int ret = 0;
	DIR *dir;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0)
			continue;
		if (sched_setaffinity(tid, sizeof(set), &set) < 0 &&
		    errno != ESRCH)
			ret = -errno;
	}
	closedir(dir);
	return ret;
}

static long status_value(const char *path, const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long value = -1;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, klen)) {
			value = strtol(line + klen, NULL, 10);
			break;
		}
	fclose(fp);
	return value;
}

long proc_status_value(pid_t pid, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return status_value(path, key);
}

/* Calls @fn for every task's file @name; sums what it returns (>= 0). */
static int64_t sum_tasks(pid_t pid, const char *name,
			 int64_t (*fn)(const char *path))
{
	char path[300];
	struct dirent *e;
	int64_t total = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		int64_t v;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/%s", (int)pid,
			 e->d_name, name);
		v = fn(path);
		if (v > 0)
			total += v;
	}
	closedir(dir);
	return total;
}

static int64_t task_switches(const char *path)
{
	return status_value(path, "voluntary_ctxt_switches:");
}

static int64_t task_cpu_ns(const char *path)
{
	long long ns = -1;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	if (fscanf(fp, "%lld", &ns) != 1)
		ns = -1;
	fclose(fp);
	return ns;
}

long proc_voluntary_switches(pid_t pid)
{
	return (long)sum_tasks(pid, "status", task_switches);
}

int64_t proc_cpu_ns(pid_t pid)
{
	return sum_tasks(pid, "schedstat", task_cpu_ns);
}
