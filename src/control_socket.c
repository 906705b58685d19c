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

/* Clients at once; more are turned away rather than queued. */
#define MAX_CLIENTS 16
/* Unsent reply bytes before a client that does not read is dropped. */
#define MAX_PENDING_REPLY (8u << 20)

struct control_client {
	struct control_socket *cs;
	int fd;
	char line[CONTROL_SOCKET_MAX_LINE + 1];
	size_t line_len;
	bool line_too_long; /* discarding until the next newline */
	bool subscribed;    /* receives control_socket_broadcast() text */
	bool broken;	    /* a broadcast could not be sent: to be closed */
	struct text_buf reply;
	uint32_t events; /* what the event loop watches for */
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
	event_loop_remove(cs->loop, client->fd);
	close(client->fd);
	text_buf_free(&client->reply);
	free(client);
}

static void on_client(void *opaque, uint32_t events);

/* Sends what it can; watches for writability while a reply is pending. */
static int client_flush(struct control_client *client)
{
	struct text_buf *reply = &client->reply;
	uint32_t want;

	while (reply->sent < reply->len) {
		ssize_t n = send(client->fd, reply->data + reply->sent,
				 reply->len - reply->sent,
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
	if (reply->len > MAX_PENDING_REPLY)
		return -ENOBUFS;
	want = EPOLLIN | (reply->len ? EPOLLOUT : 0);
	/* Most replies go out at once: no system call to watch the same. */
	if (want == client->events)
		return 0;
	client->events = want;
	return event_loop_modify(client->cs->loop, client->fd, want);
}

static int client_execute(struct control_client *client)
{
	struct control_socket *cs = client->cs;
	int ret;

	if (client->line_len && client->line[client->line_len - 1] == '\r')
		client->line_len--;
	client->line[client->line_len] = '\0';
	client->line_len = 0;
	ret = cs->command(cs->opaque, client->line, &client->reply);
	if (ret == CONTROL_SOCKET_SUBSCRIBE) {
		client->subscribed = true;
		ret = 0;
	}
	return ret;
}

/* Splits what arrived into lines and runs each. */
static int client_consume(struct control_client *client, const char *data,
			  size_t len)
{
	size_t i;
	int ret;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
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
			client->line[client->line_len++] = data[i];
		} else {
			client->line_too_long = true;
			client->line_len = 0;
		}
	}
	return 0;
}

static void on_client(void *opaque, uint32_t events)
{
	struct control_client *client = opaque;
	char buf[4096];
	ssize_t n;

	if (client->broken) {
		client_close(client);
		return;
	}
	if (events & EPOLLIN) {
		n = recv(client->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(client);
			return;
		}
		if (n > 0 && client_consume(client, buf, (size_t)n) < 0) {
			client_close(client);
			return;
		}
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		client_close(client);
		return;
	}
	/* A command may have made a broadcast this client could not take. */
	if (client->broken || client_flush(client) < 0)
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
	if (cs->nclients >= MAX_CLIENTS) {
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

bool control_socket_has_subscribers(const struct control_socket *cs)
{
	const struct control_client *client;

	for (client = cs ? cs->clients : NULL; client; client = client->next)
		if (client->subscribed && !client->broken)
			return true;
	return false;
}

void control_socket_broadcast(struct control_socket *cs, const char *text)
{
	struct control_client *client;

	if (!cs)
		return;
	/*
	 * No client is closed here: the caller may be running a command of
	 * one of them.  One that fails is marked and closed by its next
	 * event (its peer's hang-up, or the writability it waits for).
	 */
	for (client = cs->clients; client; client = client->next) {
		if (!client->subscribed || client->broken)
			continue;
		if (text_buf_printf(&client->reply, "%s", text) < 0 ||
		    client_flush(client) < 0)
			client->broken = true;
	}
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
