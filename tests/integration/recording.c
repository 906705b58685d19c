// SPDX-License-Identifier: MIT
/*
 * Recordings and the programs around them, for the trace and play tests:
 * reading VCD files (ours, sigrok's, fst2vcd's), running the control
 * client and other tools, a `record` running while a test drives lines.
 * See fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

/* ---- reading a VCD file (ours, sigrok's, fst2vcd's) ---- */

/* The timescale of a "$timescale 1us $end" (or split over lines), in ns. */
static uint64_t timescale_ns(const char *text)
{
	const char *p = strstr(text, "$timescale");
	unsigned long n;
	char unit[4] = "";

	assert_non_null(p);
	if (sscanf(p + strlen("$timescale"), " %lu %3[a-z]", &n, unit) != 2)
		fail_msg("unreadable $timescale: %.40s", p);
	if (!strcmp(unit, "s"))
		return n * 1000000000ull;
	if (!strcmp(unit, "ms"))
		return n * 1000000ull;
	if (!strcmp(unit, "us"))
		return n * 1000ull;
	if (!strcmp(unit, "ns"))
		return n;
	fail_msg("timescale unit %s", unit);
	return 0;
}

/* The next whitespace-separated token of *@p into @tok; false at the end. */
static bool next_token(const char **p, char *tok, size_t cap)
{
	size_t len;

	*p += strspn(*p, " \t\r\n");
	len = strcspn(*p, " \t\r\n");
	if (!len)
		return false;
	snprintf(tok, cap, "%.*s", (int)len, *p);
	*p += len;
	return true;
}

/*
 * The changes of the signal named @name in the VCD text @text (any
 * layout: ours a change a line, sigrok's a time and its changes a line):
 * its value at each time it was written with a new one.  Fails the test
 * if there is no such signal.
 */
void vcd_signal(const char *text, const char *name, struct signal_trace *st)
{
	char id[64] = "", tok[128], var[4][64];
	uint64_t scale = timescale_ns(text), now = 0;
	const char *p = text;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	while (next_token(&p, tok, sizeof(tok))) {
		if (!strcmp(tok, "$var")) {
			/* type size id reference [$end] */
			for (i = 0; i < 4; i++)
				if (!next_token(&p, var[i], sizeof(var[i])))
					fail_msg("truncated $var");
			if (!strcmp(var[3], name))
				snprintf(id, sizeof(id), "%s", var[2]);
		} else if (!strcmp(tok, "$dumpvars") || !strcmp(tok, "$end")) {
			continue; /* value changes inside */
		} else if (tok[0] == '$') {
			while (next_token(&p, tok, sizeof(tok)) &&
			       strcmp(tok, "$end"))
				;
		} else if (tok[0] == '#') {
			now = strtoull(tok + 1, NULL, 10) * scale / 1000u;
		} else if (id[0] && strchr("01xzXZ", tok[0]) &&
			   !strcmp(tok + 1, id)) {
			char value = (char)(tok[0] | 0x20);

			if (st->n && st->value[st->n - 1] == value)
				continue;
			if (st->n == MAX_CHANGES)
				fail_msg("signal %s: too many changes", name);
			st->t_us[st->n] = now;
			st->value[st->n++] = value;
		}
	}
	if (!id[0])
		fail_msg("no signal %s in the VCD", name);
}

/* The signal's values in order, as a string ("x01"). */
const char *vcd_values(const struct signal_trace *st, char *buf)
{
	memcpy(buf, st->value, st->n);
	buf[st->n] = '\0';
	return buf;
}

char *read_whole_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long size;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	return text;
}

/* ---- running the client and the tools ---- */

int64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Starts @argv with stdout and stderr into a pipe, whose end is *@out. */
pid_t tool_spawn(const char *const *argv, int *out)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Reads @fd into @buf until it holds @want, EOF or the timeout. */
bool tool_read_until(int fd, char *buf, size_t cap, const char *want,
		     int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t len = strlen(buf);

	while (!strstr(buf, want) && len < cap - 1) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, want) != NULL;
}

/* Waits for @pid; its exit status, or -1 (killed after the timeout). */
int tool_wait_exit(pid_t pid, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(5);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs @argv to its end; its exit status, its output in @out. */
int tool_run(const char *const *argv, char *out, size_t cap)
{
	int fd, status;
	pid_t pid = tool_spawn(argv, &fd);

	out[0] = '\0';
	tool_read_until(fd, out, cap, "\x01never", 30000 * g_scale);
	close(fd);
	status = tool_wait_exit(pid, 30000 * g_scale);
	return status;
}

void record_start(struct fx *fx, struct recorder *r, const char *vcd)
{
	char sock[256];
	const char *argv[] = {fixture_arg(2), sock, "record", vcd, NULL};

	daemon_sim_sock(&fx->d, 0, sock, sizeof(sock));
	r->text[0] = '\0';
	r->pid = tool_spawn(argv, &r->out);
	if (!tool_read_until(r->out, r->text, sizeof(r->text), "recording to",
			     g_event_ms * g_scale))
		fail_msg("the client did not start recording: \"%s\"", r->text);
}

/* Ctrl-C: the client completes the file and exits 0. */
void record_stop(struct recorder *r)
{
	int status;

	kill(r->pid, SIGINT);
	status = tool_wait_exit(r->pid, g_event_ms * g_scale);
	tool_read_until(r->out, r->text, sizeof(r->text), "recorded to",
			g_event_ms * g_scale);
	close(r->out);
	if (status != 0)
		fail_msg("record exited %d: \"%s\"", status, r->text);
}

void vcd_path(struct fx *fx, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fx->d.dir, name);
}

bool tool_missing(unsigned int arg, const char *tool)
{
	if (strcmp(fixture_arg(arg), "-"))
		return false;
	/* Not skip(): cmocka's skip makes meson's TAP reading fail. */
	print_message("# %s is not installed (scripts/install-deps --test "
		      "installs it): nothing checked\n",
		      tool);
	return true;
}
