/* SPDX-License-Identifier: MIT */
/*
 * A minimal epoll event loop: one per socket thread.  Callbacks may add and
 * remove any source, including their own and ones already reported in the
 * same batch: removed sources are only freed once the batch is dispatched.
 */
#ifndef VDG_EVENT_LOOP_H
#define VDG_EVENT_LOOP_H

#include <stdint.h>

struct event_loop;

/* @events are the EPOLLIN/EPOLLERR/EPOLLHUP bits that fired. */
typedef void (*event_callback)(void *opaque, uint32_t events);

int event_loop_new(struct event_loop **out);
/* Frees the loop and its sources; closes none of their fds. */
void event_loop_free(struct event_loop *loop);

/*
 * Watches @fd for @events (EPOLLIN, ...).  The fd stays owned by the caller,
 * who must remove it before closing it.  Returns 0, -EEXIST, or -errno.
 */
int event_loop_add(struct event_loop *loop, int fd, uint32_t events,
		   event_callback callback, void *opaque);

/* Changes the events watched on @fd.  Returns 0, -ENOENT or -errno. */
int event_loop_modify(struct event_loop *loop, int fd, uint32_t events);

/* Stops watching @fd.  Returns 0 or -ENOENT. */
int event_loop_remove(struct event_loop *loop, int fd);

/*
 * Stops watching @fd and returns the opaque pointer it was added with (NULL
 * if it was not watched), for callers that allocated it.  The callback is
 * not called again, even later in the current dispatch.
 */
void *event_loop_remove_get(struct event_loop *loop, int fd);

/*
 * Waits up to @timeout_ms (-1: forever) and dispatches what fired.  Returns
 * the number of callbacks run, or -errno (EINTR is retried by the caller).
 */
int event_loop_dispatch(struct event_loop *loop, int timeout_ms);

#endif
