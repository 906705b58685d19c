// SPDX-License-Identifier: MIT
#include "control_socket.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "unix_socket.h"

struct control_client {
	struct control_socket *cs;
	int fd;
	char in[CONTROL_SOCKET_RECV_SIZE]; /* received, not yet run */
	size_t in_pos, in_len;		   /* in[in_pos..in_len) is left */
	char line[CONTROL_SOCKET_MAX_LINE + 1];
	size_t line_len;
	bool line_too_long;    /* discarding until the next newline */
	unsigned int channels; /* receives broadcasts on these (a mask) */
	bool broken; /* a broadcast could not be stored: to be closed */
	bool eof;    /* the client sends nothing more */
	bool quiet;  /* "ok" replies are not sent */
	struct text_buf reply;
	uint32_t events; /* what the event loop watches for */
	unsigned int id; /* never 0; reused only after 2^32 - 1 others */
	struct control_client *next;
};

struct control_socket {
	struct event_loop *loop;
	char *path;
	struct unix_socket_file file; /* what is removed at @path */
	int listen_fd;
	control_command_fn command;
	void *opaque;
	struct control_client *clients;
	unsigned int nclients;
	struct control_client *running; /* whose command runs, if any */
	unsigned int last_id;
	control_close_fn on_close; /* may be NULL */
};

static void client_close(struct control_client *client)
{
	struct control_socket *cs = client->cs;
	struct control_client **link;

	for (link = &cs->clients; *link; link = &(*link)->next) {
		if (*link == client) {
			*link = client->next;
			break;
		}
	}
	cs->nclients--;
	if (cs->on_close)
		cs->on_close(cs->opaque, client->id);
	event_loop_remove(cs->loop, client->fd);
	close(client->fd);
	text_buf_free(&client->reply);
	free(client);
}

static bool client_has_input(const struct control_client *client)
{
	return client->in_pos < client->in_len;
}

/*
 * Reads the socket while there is no input left to run; waits for
 * writability while a reply is unsent or input waits (for the reply to
 * drain, or for the client's next turn: a socket with room is writable at
 * once, so the loop serves its other sources first and then comes back).
 */
static int client_watch(struct control_client *client)
{
	uint32_t want = 0;

	if (!client_has_input(client) && !client->eof)
		want |= EPOLLIN;
	if (text_buf_pending(&client->reply) || client_has_input(client))
		want |= EPOLLOUT;
	/* Most replies go out at once: no system call to watch the same. */
	if (want == client->events)
		return 0;
	client->events = want;
	return event_loop_modify(client->cs->loop, client->fd, want);
}

/* Sends what the socket takes now; the rest waits for EPOLLOUT. */
static int client_flush(struct control_client *client)
{
	struct text_buf *reply = &client->reply;

	while (text_buf_pending(reply)) {
		ssize_t n = send(client->fd, reply->data + reply->sent,
				 text_buf_pending(reply),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		reply->sent += (size_t)n;
	}
	text_buf_compact(reply);
	if (text_buf_pending(reply) > CONTROL_SOCKET_MAX_BACKLOG)
		return -ENOBUFS;
	return client_watch(client);
}

static int client_execute(struct control_client *client)
{
	struct control_socket *cs = client->cs;
	size_t len = client->line_len, before;
	int ret;

	if (len && client->line[len - 1] == '\r')
		len--;
	client->line[len] = '\0';
	client->line_len = 0;
	cs->running = client;
	before = client->reply.len;
	ret = cs->command(cs->opaque, client->line, len, &client->reply);
	cs->running = NULL;
	if (client->quiet && client->reply.len - before == 3 &&
	    !memcmp(client->reply.data + before, "ok\n", 3)) {
		client->reply.len = before;
		client->reply.data[before] = '\0';
	}
	if (ret > 0) {
		client->channels |= (unsigned int)ret;
		ret = 0;
	}
	return ret;
}

/*
 * Splits the input left into lines and runs them, until it is used up,
 * this turn's commands are spent, or the unsent replies reach the
 * threshold: then the rest waits in client->in.
 */
static int client_run(struct control_client *client)
{
	unsigned int budget = CONTROL_SOCKET_COMMANDS_PER_WAKE;
	int ret;

	while (client_has_input(client) && budget &&
	       text_buf_pending(&client->reply) <
		       CONTROL_SOCKET_REPLY_THRESHOLD) {
		char c = client->in[client->in_pos++];

		if (c == '\n') {
			budget--;
			if (client->line_too_long) {
				client->line_too_long = false;
				ret = text_buf_printf(&client->reply,
						      "error line too long\n");
			} else {
				ret = client_execute(client);
			}
			if (ret < 0)
				return ret;
		} else if (client->line_too_long) {
			continue; /* the rest of an over-long line is dropped */
		} else if (client->line_len < CONTROL_SOCKET_MAX_LINE) {
			client->line[client->line_len++] = c;
		} else {
			client->line_too_long = true;
			client->line_len = 0;
		}
	}
	return 0;
}

/* Takes the next bytes the client sent, once the last ones have run. */
static int client_receive(struct control_client *client)
{
	ssize_t n;

	if (client_has_input(client) || client->eof)
		return 0;
	n = recv(client->fd, client->in, sizeof(client->in), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != ECONNRESET)
			return -errno;
		n = 0;
	}
	if (n == 0) {
		/* A partial last line without its newline is not run. */
		client->eof = true;
		return 0;
	}
	client->in_pos = 0;
	client->in_len = (size_t)n;
	return 0;
}

static void on_client(void *opaque, uint32_t events)
{
	struct control_client *client = opaque;

	if (client->broken)
		goto err_close;
	/* Room for replies first: commands may then run. */
	if ((events & EPOLLOUT) && client_flush(client) < 0)
		goto err_close;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    client_receive(client) < 0)
		goto err_close;
	if (client_run(client) < 0)
		goto err_close;
	/* A command may have made a broadcast this client could not take. */
	if (client->broken || client_flush(client) < 0)
		goto err_close;
	/* Everything it sent has run and every reply is out. */
	if (client->eof && !client_has_input(client) &&
	    !text_buf_pending(&client->reply))
		goto err_close;
	return;

err_close:
	client_close(client);
}

static void on_listen(void *opaque, uint32_t events)
{
	struct control_socket *cs = opaque;
	struct control_client *client;
	int fd;

	fd = accept4(cs->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (cs->nclients >= CONTROL_SOCKET_MAX_CLIENTS) {
		log_warn("%s: %u control clients already; refusing another",
			 cs->path, cs->nclients);
		close(fd);
		return;
	}
	client = calloc(1, sizeof(*client));
	if (!client) {
		close(fd);
		return;
	}
	client->cs = cs;
	client->fd = fd;
	client->events = EPOLLIN;
	/* 0 means "no client": skipped when the count wraps. */
	if (++cs->last_id == 0)
		cs->last_id = 1;
	client->id = cs->last_id;
	if (event_loop_add(cs->loop, fd, EPOLLIN, on_client, client) < 0) {
		close(fd);
		free(client);
		return;
	}
	client->next = cs->clients;
	cs->clients = client;
	cs->nclients++;
}

/*
 * Serves @listen_fd (taken over); @path, if not NULL, is removed at free
 * if it still is @file.
 */
static int control_socket_serve(struct event_loop *loop, int listen_fd,
				const char *path,
				const struct unix_socket_file *file,
				control_command_fn command, void *opaque,
				struct control_socket **out)
{
	struct control_socket *cs = calloc(1, sizeof(*cs));
	int ret = -ENOMEM;

	if (!cs)
		goto err_close;
	cs->loop = loop;
	cs->command = command;
	cs->opaque = opaque;
	cs->listen_fd = listen_fd;
	if (path) {
		cs->path = strdup(path);
		if (!cs->path)
			goto err_free;
		cs->file = *file;
	}
	ret = event_loop_add(loop, cs->listen_fd, EPOLLIN, on_listen, cs);
	if (ret < 0)
		goto err_free;
	*out = cs;
	return 0;

err_free:
	free(cs->path);
	free(cs);
err_close:
	close(listen_fd);
	if (path)
		unix_socket_remove(path, file);
	return ret;
}

bool control_socket_has_subscribers_on(const struct control_socket *cs,
				       unsigned int channels)
{
	const struct control_client *client;

	for (client = cs ? cs->clients : NULL; client; client = client->next)
		if ((client->channels & channels) && !client->broken)
			return true;
	return false;
}

bool control_socket_has_subscribers(const struct control_socket *cs)
{
	return control_socket_has_subscribers_on(cs, CONTROL_SOCKET_SUBSCRIBE);
}

void control_socket_broadcast(struct control_socket *cs, const char *text)
{
	control_socket_broadcast_on(cs, CONTROL_SOCKET_SUBSCRIBE, text);
}

/*
 * Appends @text (@len bytes) to @client's replies, or marks it broken when
 * it is too far behind or gone: the client whose command runs is closed
 * when the command returns (see on_client); any other at once, which
 * frees its backlog now rather than at its next event, which may never
 * come.
 */
static void client_deliver(struct control_client *client, const char *text,
			   size_t len)
{
	struct control_socket *cs = client->cs;

	if (text_buf_pending(&client->reply) + len <=
		    CONTROL_SOCKET_MAX_BACKLOG &&
	    text_buf_printf(&client->reply, "%s", text) == 0) {
		/*
		 * One already waiting for writability gets it then: no
		 * send() per broadcast to a client not reading.
		 */
		if ((client->events & EPOLLOUT) || client_flush(client) == 0)
			return;
	}
	client->broken = true;
	if (client != cs->running)
		client_close(client);
}

void control_socket_broadcast_on(struct control_socket *cs,
				 unsigned int channels, const char *text)
{
	struct control_client *client, *next;
	size_t len = strlen(text);

	if (!cs)
		return;
	for (client = cs->clients; client; client = next) {
		next = client->next;
		if ((client->channels & channels) && !client->broken)
			client_deliver(client, text, len);
	}
}

void control_socket_set_quiet(struct control_socket *cs, bool quiet)
{
	if (cs->running)
		cs->running->quiet = quiet;
}

unsigned int control_socket_running_client(const struct control_socket *cs)
{
	return cs && cs->running ? cs->running->id : 0;
}

int control_socket_send_to(struct control_socket *cs, unsigned int id,
			   const char *text)
{
	struct control_client *client;

	for (client = cs ? cs->clients : NULL; client; client = client->next) {
		if (client->id != id || client->broken)
			continue;
		client_deliver(client, text, strlen(text));
		return 0;
	}
	return -ENOENT;
}

void control_socket_set_close_handler(struct control_socket *cs,
				      control_close_fn fn)
{
	cs->on_close = fn;
}

int control_socket_new(struct event_loop *loop, const char *path,
		       control_command_fn command, void *opaque,
		       struct control_socket **out)
{
	struct unix_socket_file file;
	int fd = unix_socket_listen(path, &file);

	if (fd < 0)
		return fd;
	return control_socket_serve(loop, fd, path, &file, command, opaque,
				    out);
}

int control_socket_new_fd(struct event_loop *loop, int listen_fd,
			  control_command_fn command, void *opaque,
			  struct control_socket **out)
{
	return control_socket_serve(loop, listen_fd, NULL, NULL, command,
				    opaque, out);
}

void control_socket_free(struct control_socket *cs)
{
	if (!cs)
		return;
	while (cs->clients)
		client_close(cs->clients);
	event_loop_remove(cs->loop, cs->listen_fd);
	close(cs->listen_fd);
	if (cs->path)
		unix_socket_remove(cs->path, &cs->file);
	free(cs->path);
	free(cs);
}
