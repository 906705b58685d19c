// SPDX-License-Identifier: MIT
/*
 * The control socket on a real event loop and a Unix socket in a temporary
 * directory.  Clients and server run on this one thread: a client writes,
 * the loop is pumped, the client reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "control_socket.h"
#include "event_loop.h"
#include "gpio_sim.h"
#include "sim_control.h"
#include "unit_helpers.h"

/* The "big" reply: 131072 lines of 8 bytes. */
#define BIG_LINES  131072u
#define BIG_SIZE   (BIG_LINES * 8u)
#define MAX_CLIENT CONTROL_SOCKET_MAX_CLIENTS

struct fixture {
	char dir[64];
	char path[128];
	struct event_loop *loop;
	struct gpio_backend *sim;
	struct control_socket *cs;
	unsigned int ncommands;
	const void *param; /* the test table's initial state */
};

static int big_reply(struct text_buf *out)
{
	unsigned int i;
	int ret;

	for (i = 0; i < BIG_LINES; i++) {
		ret = text_buf_printf(out, "%07u\n", i);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* "[TEXT]" for @len bytes of @text, each NUL shown as "\0". */
static int echo_reply(const char *text, size_t len, struct text_buf *out)
{
	char shown[2 * CONTROL_SOCKET_MAX_LINE + 1];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (text[i]) {
			shown[n++] = text[i];
		} else {
			shown[n++] = '\\';
			shown[n++] = '0';
		}
	}
	shown[n] = '\0';
	return text_buf_printf(out, "[%s]\n", shown);
}

/*
 * "echo TEXT" replies "[TEXT]" so a test sees the exact line that arrived,
 * "big" replies BIG_SIZE bytes; the rest goes to the simulated chip.
 */
static int on_command(void *opaque, const char *line, size_t len,
		      struct text_buf *out)
{
	struct fixture *fx = opaque;

	fx->ncommands++;
	/* The line is NUL-terminated after its @len bytes. */
	assert_int_equal(line[len], '\0');
	if (!strncmp(line, "echo ", 5))
		return echo_reply(line + 5, len - 5, out);
	if (!strcmp(line, "big"))
		return big_reply(out);
	if (!strcmp(line, "huge")) {
		/* More than CONTROL_SOCKET_MAX_BACKLOG in one reply. */
		unsigned int i;
		int ret = 0;

		for (i = 0; i < 3 && !ret; i++)
			ret = big_reply(out);
		return ret;
	}
	if (!strcmp(line, "sub")) {
		int ret = text_buf_printf(out, "subscribed\n");

		return ret < 0 ? ret : CONTROL_SOCKET_SUBSCRIBE;
	}
	if (!strcmp(line, "sub2") || !strcmp(line, "sub3")) {
		/* Channel 2, or channels 1 and 2. */
		int ret = text_buf_printf(out, "subscribed\n");

		return ret < 0 ? ret : line[3] - '0' == 2 ? 2 : 3;
	}
	if (!strcmp(line, "quiet on") || !strcmp(line, "quiet off")) {
		control_socket_set_quiet(fx->cs, line[7] == 'n');
		return text_buf_printf(out, "%s\n", line);
	}
	if (!strcmp(line, "ok and more"))
		return text_buf_printf(out, "ok\nmore\n");
	if (!strncmp(line, "cast ", 5)) {
		/* A broadcast from inside a command, as a `set` makes. */
		char text[64];

		snprintf(text, sizeof(text), "%s\n", line + 5);
		control_socket_broadcast(fx->cs, text);
		return text_buf_printf(out, "cast\n");
	}
	return sim_control_execute(fx->sim, line, len, out);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (unit_temp_dir(fx->dir, sizeof(fx->dir), "control-socket") < 0)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/control", fx->dir);
	fx->param = *state;
	/* A 3-line chip whose line 2 reads 1. */
	if (event_loop_new(&fx->loop) || gpio_sim_new(3, &fx->sim) ||
	    gpio_sim_set_input(fx->sim, 2, 1) ||
	    control_socket_new(fx->loop, fx->path, on_command, fx, &fx->cs))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	control_socket_free(fx->cs);
	event_loop_free(fx->loop);
	gpio_backend_destroy(fx->sim);
	unit_remove_tree(fx->dir);
	free(fx);
	return 0;
}

/* Runs the loop until nothing is ready. */
static void pump(struct fixture *fx)
{
	unsigned int i;
	int n;

	for (i = 0; i < 1000; i++) {
		n = event_loop_dispatch(fx->loop, 0);
		assert_true(n >= 0);
		if (n == 0)
			return;
	}
	fail_msg("event loop never went idle");
}

/* A connected client, already accepted by the server. */
static int client_new(struct fixture *fx)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, fx->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	pump(fx);
	return fd;
}

static void client_send(int fd, const char *text)
{
	size_t len = strlen(text);

	assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Asserts that nothing more is to be read on @fd (and no EOF either). */
static void assert_nothing_more(struct fixture *fx, int fd)
{
	char c;

	pump(fx);
	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

/* Reads exactly @expect from @fd, pumping the loop meanwhile. */
static void expect_reply(struct fixture *fx, int fd, const char *expect)
{
	size_t len = strlen(expect), got = 0;
	char *buf = malloc(len + 1);
	unsigned int i;
	ssize_t n;

	assert_non_null(buf);
	for (i = 0; i < 1000 && got < len; i++) {
		pump(fx);
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			continue;
		}
		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
	assert_string_equal(buf, expect);
	free(buf);
	assert_nothing_more(fx, fd);
}

/* Sends @text on @fd and reads exactly @reply. */
static void ask(struct fixture *fx, int fd, const char *text, const char *reply)
{
	client_send(fd, text);
	expect_reply(fx, fd, reply);
}

/* Asserts that the server closed @fd's connection. */
static void expect_closed(struct fixture *fx, int fd)
{
	char c;

	pump(fx);
	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), 0);
}

/*
 * Writes a line of @len characters, @prefix then as many @fill as it
 * takes, then a newline and a NUL: @line has room for @len + 2 bytes.
 */
static void make_line(char *line, size_t len, const char *prefix, char fill)
{
	memset(line, fill, len);
	memcpy(line, prefix, strlen(prefix));
	line[len] = '\n';
	line[len + 1] = '\0';
}

/* Sends the @len bytes of @data, NULs included. */
static void client_send_bytes(int fd, const char *data, size_t len)
{
	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/*
 * One client's conversation: it sends @len bytes of @send (0: a C string),
 * then reads exactly @reply (NULL: nothing comes yet); by then the server
 * ran @ncommands commands in all (-1: not counted).  A list of steps ends
 * with one that sends nothing.
 */
struct step {
	const char *send;
	size_t len;
	const char *reply;
	int ncommands;
};

/* A step sending @bytes, NULs included. */
#define BYTES(bytes) (bytes), sizeof(bytes) - 1

static const struct step get_reply[] = {
	{"get 0\n", 0, "0 in 0\n", 1},
	{NULL},
};
static const struct step two_commands_one_write[] = {
	{"get 2\nget 0\n", 0, "2 in 1\n0 in 0\n", 2},
	{NULL},
};
static const struct step command_split_across_writes[] = {
	{"echo ab", 0, NULL, 0},
	{"cd", 0, NULL, 0},
	{"\necho x", 0, "[abcd]\n", -1},
	{"y\n", 0, "[xy]\n", -1},
	{NULL},
};
static const struct step crlf_line_end[] = {
	{"echo a\r\necho b\n", 0, "[a]\n[b]\n", -1},
	/* Only a \r just before the newline goes. */
	{"echo \rc\r\r\n", 0, "[\rc\r]\n", -1},
	{NULL},
};
static const struct step empty_lines[] = {
	{"\n\r\n", 0, "error empty command\nerror empty command\n", -1},
	{NULL},
};
/*
 * NUL bytes are part of the line the command gets, not its end: the
 * command sees every byte, and the simulated chip's language refuses the
 * whole line (`set 1 1\0garbage` was answered `ok` and set the line).
 * The line was not set, and the connection still serves.
 */
static const struct step nul_bytes_reach_command[] = {
	{BYTES("echo a\0b\0\necho \0\r\n"), "[a\\0b\\0]\n[\\0]\n", -1},
	{BYTES("set 1 1\0garbage\n"),
	 "error byte 0x00 at column 8: commands are printable ASCII\n", -1},
	{"get 1\n", 0, "1 in 0\n", -1},
	{NULL},
};

static void run_steps(void **state)
{
	struct fixture *fx = *state;
	const struct step *step;
	int fd = client_new(fx);

	for (step = fx->param; step->send; step++) {
		client_send_bytes(fd, step->send,
				  step->len ? step->len : strlen(step->send));
		if (step->reply)
			expect_reply(fx, fd, step->reply);
		else
			assert_nothing_more(fx, fd);
		if (step->ncommands >= 0)
			assert_int_equal(fx->ncommands, step->ncommands);
	}
	close(fd);
}

/* test_@steps: run_steps() of the steps @steps. */
#define STEPS(steps)                                                        \
	{                                                                   \
		"test_" #steps, run_steps, setup, teardown, (void *)(steps) \
	}

static void test_longest_line(void **state)
{
	struct fixture *fx = *state;
	char line[CONTROL_SOCKET_MAX_LINE + 2];
	char expect[CONTROL_SOCKET_MAX_LINE];
	int fd = client_new(fx);

	/* "echo " and 251 characters: exactly the limit. */
	make_line(line, CONTROL_SOCKET_MAX_LINE, "echo ", 'z');
	snprintf(expect, sizeof(expect), "[%.*s]\n",
		 CONTROL_SOCKET_MAX_LINE - 5, line + 5);
	ask(fx, fd, line, expect);
	close(fd);
}

static void test_line_too_long(void **state)
{
	struct fixture *fx = *state;
	char line[302];
	int fd = client_new(fx);

	make_line(line, 300, "", 'x');
	client_send(fd, line);
	ask(fx, fd, "get 2\n", "error line too long\n2 in 1\n");
	/* The long line never reached the command callback. */
	assert_int_equal(fx->ncommands, 1);
	/* One character over the limit is too long as well. */
	make_line(line, CONTROL_SOCKET_MAX_LINE + 1, "echo ", 'x');
	client_send(fd, line);
	ask(fx, fd, "echo ok\n", "error line too long\n[ok]\n");
	close(fd);
}

/* A line many times the limit, in pieces: one error, nothing left over. */
static void test_very_long_line_in_pieces(void **state)
{
	struct fixture *fx = *state;
	char piece[201];
	unsigned int i;
	int fd = client_new(fx);

	memset(piece, 'y', 200);
	piece[200] = '\0';
	for (i = 0; i < 10; i++) {
		client_send(fd, piece);
		pump(fx);
	}
	ask(fx, fd, "\necho after\n", "error line too long\n[after]\n");
	assert_int_equal(fx->ncommands, 1);
	close(fd);
}

static void test_clients_are_independent(void **state)
{
	struct fixture *fx = *state;
	int a = client_new(fx);
	int b = client_new(fx);

	client_send(a, "echo from");
	ask(fx, b, "echo other\n", "[other]\n");
	ask(fx, a, " a\n", "[from a]\n");
	close(a);
	close(b);
}

/*
 * A quiet client is not sent the replies that are just "ok"; errors and
 * other replies still come, other clients are not quiet, and "off" ends it.
 */
static void test_quiet_client_gets_no_ok(void **state)
{
	struct fixture *fx = *state;
	int a = client_new(fx);
	int b = client_new(fx);

	ask(fx, a, "quiet on\n", "quiet on\n");
	ask(fx, a, "set 0 1\nset 9 1\nset 0 0\nok and more\necho x\n",
	    "error no line \"9\" (0..2)\nok\nmore\n[x]\n");
	ask(fx, b, "set 0 1\n", "ok\n");
	ask(fx, a, "quiet off\nset 0 0\n", "quiet off\nok\n");
	/* Outside a command, nobody is made quiet. */
	control_socket_set_quiet(fx->cs, true);
	ask(fx, b, "set 0 1\n", "ok\n");
	close(a);
	close(b);
}

static void test_seventeenth_client_refused(void **state)
{
	struct fixture *fx = *state;
	int fds[MAX_CLIENT], extra, i;

	for (i = 0; i < MAX_CLIENT; i++) {
		fds[i] = client_new(fx);
		ask(fx, fds[i], "get 0\n", "0 in 0\n");
	}
	extra = client_new(fx);
	expect_closed(fx, extra);
	close(extra);
	/* The others are still served. */
	ask(fx, fds[0], "get 2\n", "2 in 1\n");
	ask(fx, fds[MAX_CLIENT - 1], "get 2\n", "2 in 1\n");
	/* A client leaving makes room for a new one. */
	close(fds[3]);
	pump(fx);
	fds[3] = client_new(fx);
	ask(fx, fds[3], "get 1\n", "1 in 0\n");
	for (i = 0; i < MAX_CLIENT; i++)
		close(fds[i]);
}

/*
 * A client sends @text (@repeat times) and leaves, at once or after a turn
 * of the loop: its connection is closed, with every fd, and @ncommands of
 * its commands ran.
 */
struct leaving {
	const char *text;
	unsigned int repeat;
	bool pump_first;
	unsigned int ncommands;
};

static const struct leaving disconnect_mid_line = {"get", 1, true, 0};
static const struct leaving disconnect_with_reply_pending = {"big\n", 1, true,
							     1};
/*
 * A client gone at once: one turn of its commands runs, then it is closed
 * at its first reply (no work for a client that cannot read the result).
 */
static const struct leaving closed_client_closed = {
	"echo x\n", 300, false, CONTROL_SOCKET_COMMANDS_PER_WAKE};

static void run_leaving(void **state)
{
	struct fixture *fx = *state;
	const struct leaving *c = fx->param;
	int before = unit_open_fds();
	int fd = client_new(fx);
	char text[4096] = "";
	unsigned int i;

	/* Our end and the server's. */
	assert_int_equal(unit_open_fds(), before + 2);
	for (i = 0; i < c->repeat; i++)
		strcat(text, c->text);
	client_send(fd, text);
	if (c->pump_first)
		pump(fx);
	close(fd);
	pump(fx);
	assert_int_equal(unit_open_fds(), before);
	assert_int_equal(fx->ncommands, c->ncommands);
}

/* test_@c: run_leaving() of the struct leaving @c. */
#define LEAVING(c)                                                     \
	{                                                              \
		"test_" #c, run_leaving, setup, teardown, (void *)&(c) \
	}

/* Bytes queued on @fd for its reader (sent by the server, not yet read). */
static size_t queued_for(int fd)
{
	int queued = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
	assert_true(queued >= 0);
	return (size_t)queued;
}

/*
 * Reads @fd until @len bytes came, pumping the loop, into @buf (NULL:
 * thrown away).  Fails if the server closes it first.
 */
static void read_exactly(struct fixture *fx, int fd, char *buf, size_t len)
{
	static char sink[65536];
	size_t got = 0;
	unsigned int i;

	for (i = 0; i < 1000000 && got < len; i++) {
		size_t want =
			len - got < sizeof(sink) ? len - got : sizeof(sink);
		ssize_t n =
			recv(fd, buf ? buf + got : sink, want, MSG_DONTWAIT);

		if (n < 0)
			assert_int_equal(errno, EAGAIN);
		else
			assert_true(n > 0);
		if (n > 0)
			got += (size_t)n;
		assert_true(event_loop_dispatch(fx->loop, 0) >= 0);
	}
	assert_int_equal(got, len);
}

/*
 * A client that sends commands and never reads is held back, not buffered
 * for: its next command runs only once less than the threshold of its
 * replies is unsent, so the server holds less than the threshold plus one
 * reply (what the socket takes aside).  Before, every command it sent ran
 * at once (the whole receive buffer), and it was dropped past 8 MiB.  Once
 * it reads, the rest runs, in order.
 */
static void test_reader_that_never_reads_held_back(void **state)
{
	struct fixture *fx = *state;
	int before = unit_open_fds();
	int fd = client_new(fx);
	size_t held;

	client_send(fd, "big\nbig\nbig\nbig\nbig\nbig\nbig\nbig\nbig\n"
			"echo end\n");
	pump(fx);
	assert_true(fx->ncommands < 9);
	held = fx->ncommands * BIG_SIZE - queued_for(fd);
	print_message("# %u command(s) ran, %zu bytes held by the server, "
		      "%zu by the socket\n",
		      fx->ncommands, held, queued_for(fd));
	assert_true(held < CONTROL_SOCKET_REPLY_THRESHOLD + BIG_SIZE);
	/* Still connected, and stays so while it does not read. */
	assert_int_equal(unit_open_fds(), before + 2);
	pump(fx);
	assert_true(fx->ncommands < 9);
	/* Reading lets the rest run: every reply, in order. */
	read_exactly(fx, fd, NULL, 9 * BIG_SIZE);
	expect_reply(fx, fd, "[end]\n");
	assert_int_equal(fx->ncommands, 10);
	close(fd);
}

/* One wake-up runs at most CONTROL_SOCKET_COMMANDS_PER_WAKE commands. */
static void test_commands_per_wake(void **state)
{
	struct fixture *fx = *state;
	int a = client_new(fx), b = client_new(fx);
	char text[4096] = "";
	unsigned int i;

	/* 300 commands in one write from a, one from b. */
	for (i = 0; i < 300; i++)
		strcat(text, "echo x\n");
	client_send(a, text);
	client_send(b, "echo b\n");
	assert_true(event_loop_dispatch(fx->loop, 0) == 2);
	/* b was served in the same turn as a's first ones. */
	assert_int_equal(fx->ncommands, CONTROL_SOCKET_COMMANDS_PER_WAKE + 1);
	expect_reply(fx, b, "[b]\n");
	text[0] = '\0';
	for (i = 0; i < 300; i++)
		strcat(text, "[x]\n");
	expect_reply(fx, a, text);
	assert_int_equal(fx->ncommands, 301);
	close(a);
	close(b);
}

/*
 * A client that shuts down its writing side still gets every reply, then
 * the end of the stream (before, its last replies were lost when the
 * socket could not take them at once).
 */
static void test_half_closed_client_gets_replies(void **state)
{
	struct fixture *fx = *state;
	int before = unit_open_fds();
	int fd = client_new(fx);
	char last[8] = "";

	client_send(fd, "big\nget 2\n");
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	read_exactly(fx, fd, NULL, BIG_SIZE);
	read_exactly(fx, fd, last, 7);
	assert_string_equal(last, "2 in 1\n");
	expect_closed(fx, fd);
	assert_int_equal(fx->ncommands, 2);
	close(fd);
	pump(fx);
	assert_int_equal(unit_open_fds(), before);
}

/* One reply larger than the backlog limit: the client is dropped. */
static void test_reply_over_backlog_dropped(void **state)
{
	struct fixture *fx = *state;
	int before = unit_open_fds();
	int fd = client_new(fx);

	client_send(fd, "huge\n");
	pump(fx);
	assert_int_equal(unit_open_fds(), before + 1);
	close(fd);
}

static void test_large_reply_slow_reader(void **state)
{
	struct fixture *fx = *state;
	char *buf = malloc(BIG_SIZE);
	char expect[9];
	size_t got = 0;
	unsigned int i;
	int fd = client_new(fx), queued = -1;
	ssize_t n;

	assert_non_null(buf);
	client_send(fd, "big\n");
	assert_true(event_loop_dispatch(fx->loop, 0) == 1);
	/* The socket cannot take it all: the rest waits for EPOLLOUT. */
	assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
	assert_true(queued > 0);
	assert_true((size_t)queued < BIG_SIZE);
	for (i = 0; i < 100000 && got < BIG_SIZE; i++) {
		n = recv(fd, buf + got,
			 4096 < BIG_SIZE - got ? 4096 : BIG_SIZE - got,
			 MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else
			assert_int_equal(errno, EAGAIN);
		assert_true(event_loop_dispatch(fx->loop, 0) >= 0);
	}
	assert_int_equal(got, BIG_SIZE);
	for (i = 0; i < BIG_LINES; i++) {
		snprintf(expect, sizeof(expect), "%07u\n", i);
		assert_memory_equal(buf + 8 * i, expect, 8);
	}
	free(buf);
	assert_nothing_more(fx, fd);
	/* Still usable afterwards. */
	ask(fx, fd, "get 0\n", "0 in 0\n");
	close(fd);
}

static void test_free_removes_socket_and_clients(void **state)
{
	struct fixture *fx = *state;
	int before;
	struct stat st;
	int fd = client_new(fx);

	before = unit_open_fds();
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	control_socket_free(fx->cs);
	fx->cs = NULL;
	assert_int_equal(lstat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* The listening fd and the client's server end are closed. */
	assert_int_equal(unit_open_fds(), before - 2);
	assert_int_equal(event_loop_dispatch(fx->loop, 0), 0);
	expect_closed(fx, fd);
	close(fd);
}

static void test_new_refuses_regular_file(void **state)
{
	struct fixture *fx = *state;
	struct control_socket *cs = NULL;
	char path[160];
	int before;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/file", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	before = unit_open_fds();
	assert_int_equal(
		control_socket_new(fx->loop, path, on_command, fx, &cs),
		-EEXIST);
	assert_int_equal(unit_open_fds(), before);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(unlink(path), 0);
}

static void test_new_refuses_live_socket(void **state)
{
	struct fixture *fx = *state;
	struct control_socket *cs = NULL;
	int fd;

	assert_int_equal(
		control_socket_new(fx->loop, fx->path, on_command, fx, &cs),
		-EADDRINUSE);
	/* The first one's socket is left alone and still serves. */
	fd = client_new(fx);
	ask(fx, fd, "get 0\n", "0 in 0\n");
	close(fd);
}

/*
 * Broadcasts reach subscribed clients only, after their replies, including
 * a broadcast made by a subscriber's own command; a subscriber that has
 * gone is dropped without disturbing the others.
 */
static void test_broadcast(void **state)
{
	struct fixture *fx = *state;
	int a = client_new(fx), b = client_new(fx), c = client_new(fx);

	control_socket_broadcast(fx->cs, "nobody\n");
	assert_nothing_more(fx, a);
	assert_false(control_socket_has_subscribers(fx->cs));
	ask(fx, a, "sub\n", "subscribed\n");
	assert_true(control_socket_has_subscribers(fx->cs));
	ask(fx, b, "sub\n", "subscribed\n");
	control_socket_broadcast(fx->cs, "one\n");
	expect_reply(fx, a, "one\n");
	expect_reply(fx, b, "one\n");
	assert_nothing_more(fx, c);
	ask(fx, c, "cast two\n", "cast\n");
	expect_reply(fx, a, "two\n");
	expect_reply(fx, b, "two\n");
	ask(fx, a, "cast three\n", "three\ncast\n");
	expect_reply(fx, b, "three\n");
	/* A subscriber that went away. */
	close(b);
	ask(fx, a, "cast four\n", "four\ncast\n");
	control_socket_broadcast(fx->cs, "five\n");
	expect_reply(fx, a, "five\n");
	close(a);
	pump(fx);
	assert_false(control_socket_has_subscribers(fx->cs));
	close(c);
}

/*
 * Channels: a broadcast on a channel reaches the clients subscribed to it
 * only, once each, whatever else they subscribed to.
 */
static void test_broadcast_channels(void **state)
{
	struct fixture *fx = *state;
	int one = client_new(fx), two = client_new(fx), both = client_new(fx);

	client_send(one, "sub\n");
	expect_reply(fx, one, "subscribed\n");
	client_send(two, "sub2\n");
	expect_reply(fx, two, "subscribed\n");
	assert_false(control_socket_has_subscribers_on(fx->cs, 4));
	assert_true(control_socket_has_subscribers_on(fx->cs, 2));
	close(one);
	pump(fx);
	assert_false(control_socket_has_subscribers(fx->cs));
	one = client_new(fx);
	client_send(one, "sub\n");
	expect_reply(fx, one, "subscribed\n");
	client_send(both, "sub3\n");
	expect_reply(fx, both, "subscribed\n");
	control_socket_broadcast_on(fx->cs, 2, "to two\n");
	control_socket_broadcast(fx->cs, "to one\n");
	control_socket_broadcast_on(fx->cs, 3, "to all\n");
	expect_reply(fx, one, "to one\nto all\n");
	expect_reply(fx, two, "to two\nto all\n");
	expect_reply(fx, both, "to two\nto one\nto all\n");
	close(one);
	close(two);
	close(both);
}

/* A subscriber that never reads is dropped once too far behind. */
static void test_broadcast_reader_never_reads(void **state)
{
	struct fixture *fx = *state;
	int a = client_new(fx), b = client_new(fx);
	char line[1024];
	unsigned int i;

	ask(fx, a, "sub\n", "subscribed\n");
	client_send(b, "sub\n");
	pump(fx);
	make_line(line, sizeof(line) - 2, "", 'x');
	/* 16 MiB for a reader who reads nothing. */
	for (i = 0; i < 16384; i++) {
		control_socket_broadcast(fx->cs, line);
		pump(fx);
	}
	close(b);
	pump(fx);
	/* a was closed by the server: reading ends in EOF after the data. */
	for (i = 0; i < 100000; i++) {
		ssize_t n = recv(a, line, sizeof(line), MSG_DONTWAIT);

		if (n == 0)
			break;
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			pump(fx);
		}
	}
	assert_true(i < 100000);
	close(a);
}

/*
 * A subscriber that does not read is disconnected as soon as more than
 * CONTROL_SOCKET_MAX_BACKLOG of broadcasts wait for it in the server (what
 * its socket took aside), without waiting for an event of its own.
 */
static void test_subscriber_dropped_past_backlog(void **state)
{
	struct fixture *fx = *state;
	int before;
	size_t total = 0, held;
	char line[1024];
	int fd = client_new(fx);

	ask(fx, fd, "sub\n", "subscribed\n");
	before = unit_open_fds();
	make_line(line, sizeof(line) - 2, "", 'x');
	for (;;) {
		control_socket_broadcast(fx->cs, line);
		total += sizeof(line) - 1;
		held = total - queued_for(fd);
		if (unit_open_fds() != before)
			break;
		assert_true(held <= CONTROL_SOCKET_MAX_BACKLOG);
		pump(fx);
	}
	/* Closed by the broadcast that would have gone past the limit. */
	assert_int_equal(unit_open_fds(), before - 1);
	assert_true(held > CONTROL_SOCKET_MAX_BACKLOG);
	assert_true(held <= CONTROL_SOCKET_MAX_BACKLOG + sizeof(line));
	assert_false(control_socket_has_subscribers(fx->cs));
	close(fd);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STEPS(get_reply),
		STEPS(two_commands_one_write),
		STEPS(command_split_across_writes),
		STEPS(crlf_line_end),
		STEPS(empty_lines),
		STEPS(nul_bytes_reach_command),
		TEST(test_longest_line),
		TEST(test_line_too_long),
		TEST(test_very_long_line_in_pieces),
		TEST(test_clients_are_independent),
		TEST(test_quiet_client_gets_no_ok),
		TEST(test_seventeenth_client_refused),
		LEAVING(disconnect_mid_line),
		LEAVING(disconnect_with_reply_pending),
		TEST(test_reader_that_never_reads_held_back),
		TEST(test_commands_per_wake),
		TEST(test_half_closed_client_gets_replies),
		LEAVING(closed_client_closed),
		TEST(test_reply_over_backlog_dropped),
		TEST(test_large_reply_slow_reader),
		TEST(test_free_removes_socket_and_clients),
		TEST(test_new_refuses_regular_file),
		TEST(test_new_refuses_live_socket),
		TEST(test_broadcast),
		TEST(test_broadcast_channels),
		TEST(test_broadcast_reader_never_reads),
		TEST(test_subscriber_dropped_past_backlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
