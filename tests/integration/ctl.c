// SPDX-License-Identifier: MIT
/*
 * The simulated chip's control socket (PATH<i>.sim), as its clients use
 * it: one command a line, one reply line each.  See fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fixture.h"
#include "unit_helpers.h"

void ctl_connect(struct fx *fx, struct ctl *c, const char *path)
{
	int64_t deadline = now_ms() + 5000 * g_scale;
	int fd, ret;

	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		ret = unit_connect(fd, path);
		if (ret == 0)
			break;
		close(fd);
		if (ret == -ENAMETOOLONG)
			fail_msg("control socket path too long: %s", path);
		if (now_ms() > deadline)
			fail_msg("cannot connect to %s: %s", path,
				 strerror(-ret));
		sleep_ms(5);
	}
	c->fd = fx_keep_fd(fx, fd);
	c->len = 0;
}

void ctl_open(struct fx *fx, unsigned int sock, struct ctl *c)
{
	char path[256];

	daemon_sim_sock(&fx->d, sock, path, sizeof(path));
	ctl_connect(fx, c, path);
}

void ctl_close(struct fx *fx, struct ctl *c)
{
	fx_close_fd(fx, c->fd);
	c->fd = -1;
}

void ctl_send_bytes(struct ctl *c, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg("control socket send: %s", strerror(errno));
		off += (size_t)n;
	}
}

void ctl_send(struct ctl *c, const char *text)
{
	ctl_send_bytes(c, text, strlen(text));
}

int ctl_read_line(struct ctl *c, char *line, size_t cap, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int64_t left;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);

			if (l >= cap)
				return -E2BIG;
			memcpy(line, c->buf, l);
			line[l] = 0;
			c->len -= l + 1;
			memmove(c->buf, nl + 1, c->len);
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return -E2BIG;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -ECONNRESET;
		c->len += (size_t)n;
	}
}

/* The next line, within g_event_ms; fails (naming @what) if none comes. */
static void next_line(struct ctl *c, char *reply, size_t cap, const char *what,
		      int line)
{
	int ret = ctl_read_line(c, reply, cap, g_event_ms * g_scale);

	if (ret)
		fail_msg("line %d: %s: no reply line (%s)", line, what,
			 strerror(-ret));
}

void ctl_cmd_at(struct ctl *c, const char *cmd, char *reply, size_t cap,
		int line)
{
	char text[1024], what[1100];

	snprintf(text, sizeof(text), "%s\n", cmd);
	ctl_send(c, text);
	snprintf(what, sizeof(what), "control command \"%s\"", cmd);
	next_line(c, reply, cap, what, line);
}

void ctl_expect_at(struct ctl *c, const char *cmd, const char *want, int line)
{
	char reply[512];

	ctl_cmd_at(c, cmd, reply, sizeof(reply), line);
	if (strcmp(reply, want))
		fail_msg("line %d: control command \"%s\": expected \"%s\", "
			 "got \"%s\"",
			 line, cmd, want, reply);
}

void ctl_next_at(struct ctl *c, const char *want, int line)
{
	char reply[512];

	next_line(c, reply, sizeof(reply), "the control socket", line);
	if (strcmp(reply, want))
		fail_msg("line %d: got \"%s\", expected \"%s\"", line, reply,
			 want);
}

void ctl_expect_error_line(struct ctl *c, const char *what, int line)
{
	char reply[512];

	next_line(c, reply, sizeof(reply), what, line);
	if (strncmp(reply, "error ", 6) || !reply[6])
		fail_msg("line %d: %s: expected \"error REASON\", got \"%s\"",
			 line, what, reply);
}

void ctl_expect_silent_at(struct ctl *c, int line)
{
	char reply[512];
	int ret = ctl_read_line(c, reply, sizeof(reply), quiet_ms(g_quiet_ms));

	if (ret != -ETIMEDOUT)
		fail_msg("line %d: unexpected control output: %s", line,
			 ret ? strerror(-ret) : reply);
}

void ctl_once_at(struct fx *fx, const char *path, const char *cmd,
		 const char *want, int line)
{
	struct ctl c;

	ctl_connect(fx, &c, path);
	ctl_expect_at(&c, cmd, want, line);
	ctl_close(fx, &c);
}
