/* SPDX-License-Identifier: MIT */
/* Listening Unix sockets that never clobber a file that is not theirs. */
#ifndef VDG_UNIX_SOCKET_H
#define VDG_UNIX_SOCKET_H

/*
 * Binds and listens on @path (non-blocking, close-on-exec, mode 0600 from
 * the start).  A stale socket file nobody listens on is replaced; a live
 * socket is -EADDRINUSE, any other file -EEXIST, a path too long for
 * sun_path -ENAMETOOLONG.  Returns the fd or -errno.
 */
int unix_socket_listen(const char *path);

#endif
