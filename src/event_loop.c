// SPDX-License-Identifier: MIT
#include "event_loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Enough for a device's sockets, kick fds and interrupt sources at once. */
#define EVENT_BATCH 64

struct event_source {
	int fd;
	bool removed;
	event_callback callback;
	void *opaque;
	struct event_source *next; /* list of live or of removed sources */
};

struct event_loop {
	int epoll_fd;
	struct event_source *sources;
	struct event_source *removed; /* freed after the current batch */
};

int event_loop_new(struct event_loop **out)
{
	struct event_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		int err = -errno;

		free(loop);
		return err;
	}
	*out = loop;
	return 0;
}

static void free_list(struct event_source *source)
{
	while (source) {
		struct event_source *next = source->next;

		free(source);
		source = next;
	}
}

void event_loop_free(struct event_loop *loop)
{
	if (!loop)
		return;
	free_list(loop->sources);
	free_list(loop->removed);
	close(loop->epoll_fd);
	free(loop);
}

static struct event_source **find_source(struct event_loop *loop, int fd)
{
	struct event_source **link;

	for (link = &loop->sources; *link; link = &(*link)->next)
		if ((*link)->fd == fd)
			return link;
	return NULL;
}

int event_loop_add(struct event_loop *loop, int fd, uint32_t events,
		   event_callback callback, void *opaque)
{
	struct epoll_event ev = {.events = events};
	struct event_source *source;

	if (find_source(loop, fd))
		return -EEXIST;
	source = calloc(1, sizeof(*source));
	if (!source)
		return -ENOMEM;
	source->fd = fd;
	source->callback = callback;
	source->opaque = opaque;
	ev.data.ptr = source;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(source);
		return err;
	}
	source->next = loop->sources;
	loop->sources = source;
	return 0;
}

int event_loop_modify(struct event_loop *loop, int fd, uint32_t events)
{
	struct event_source **link = find_source(loop, fd);
	struct epoll_event ev = {.events = events};

	if (!link)
		return -ENOENT;
	ev.data.ptr = *link;
	return epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno
								     : 0;
}

void *event_loop_remove_get(struct event_loop *loop, int fd)
{
	struct event_source **link = find_source(loop, fd);
	void *opaque;

	if (!link)
		return NULL;
	opaque = (*link)->opaque;
	event_loop_remove(loop, fd);
	return opaque;
}

int event_loop_remove(struct event_loop *loop, int fd)
{
	struct event_source **link = find_source(loop, fd);
	struct event_source *source;

	if (!link)
		return -ENOENT;
	source = *link;
	*link = source->next;
	/* The fd may already be closed by a peer hang-up path; ignore. */
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	source->removed = true;
	source->next = loop->removed;
	loop->removed = source;
	return 0;
}

int event_loop_dispatch(struct event_loop *loop, int timeout_ms)
{
	struct epoll_event events[EVENT_BATCH];
	int n, i;

	n = epoll_wait(loop->epoll_fd, events, EVENT_BATCH, timeout_ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		struct event_source *source = events[i].data.ptr;

		if (!source->removed)
			source->callback(source->opaque, events[i].events);
	}
	free_list(loop->removed);
	loop->removed = NULL;
	return n;
}
