/* SPDX-License-Identifier: MIT */
/* Listening Unix sockets that never clobber a file that is not theirs. */
#ifndef VDG_UNIX_SOCKET_H
#define VDG_UNIX_SOCKET_H

#include <sys/types.h>

/* The default permissions of a socket file: owner only. */
#define UNIX_SOCKET_DEFAULT_MODE 0600
/* "No group change": the socket keeps the daemon's group. */
#define UNIX_SOCKET_NO_GROUP ((gid_t)-1)

/*
 * The permissions unix_socket_listen() gives every socket file from then on:
 * @mode (permission bits only, at most 0777) and, unless @gid is
 * UNIX_SOCKET_NO_GROUP, group @gid.  Set once at start-up, before any
 * socket is created (and before threads exist).  Returns 0 or -EINVAL.
 */
int unix_socket_set_permissions(mode_t mode, gid_t gid);

/*
 * The file a socket was bound to (st_dev and st_ino of its path right
 * after the bind): at the end the daemon removes that file, and only it.
 */
struct unix_socket_file {
	dev_t dev;
	ino_t ino;
};

/*
 * Binds and listens on @path (non-blocking, close-on-exec) with the
 * permissions set above (default 0600, the daemon's group).  The file has
 * its final mode and group from the instant it appears at @path: no window
 * in which anyone else may connect.  A stale socket file nobody listens on
 * is replaced; a live socket is -EADDRINUSE (also one whose listener
 * accepts nobody: this never waits on another process), any other file
 * -EEXIST, a path too long for sun_path -ENAMETOOLONG, a group the daemon
 * may not give -EPERM.  Returns the fd or -errno; *@file (if not NULL) is
 * the socket file made, for unix_socket_remove().
 */
int unix_socket_listen(const char *path, struct unix_socket_file *file);

/* The same with explicit permissions (the settings above are ignored). */
int unix_socket_listen_with(const char *path, mode_t mode, gid_t gid,
			    struct unix_socket_file *file);

/*
 * Removes @path if it still is @file, the socket file unix_socket_listen()
 * made there.  Anything else now at @path (someone removed ours and put
 * another daemon's socket or any file there) is left alone, with a
 * warning: -EEXIST; nothing there: -ENOENT.  Returns 0 or -errno.  The
 * check and the removal are two system calls (none removes a name only if
 * it is a given file): a file put at @path between the two would still go.
 */
int unix_socket_remove(const char *path, const struct unix_socket_file *file);

/*
 * Why unix_socket_listen() returned @err, for a message about the path:
 * "a file that is not a socket is in the way", "another process serves
 * it", ..., else strerror(-@err).
 */
const char *unix_socket_strerror(int err);

/*
 * Whether @fd, given by a supervisor or a VMM, can be served: an open,
 * listening AF_UNIX SOCK_STREAM socket.  Returns 0; -EBADF (not open),
 * -ENOTSOCK, -EAFNOSUPPORT (not AF_UNIX), -EPROTOTYPE (not a stream
 * socket) or -EINVAL (not listening).
 */
int unix_socket_check_listening(int fd);

/*
 * The file path @fd is bound to into @buf; "" for an unnamed or abstract
 * socket (no file the daemon could put a ".sim" next to).  Returns 0 or
 * -errno (-ENAMETOOLONG if @len is too small).
 */
int unix_socket_get_path(int fd, char *buf, size_t len);

/*
 * Makes a listening socket we were given close-on-exec and non-blocking
 * (the serving threads must never block in accept() when a client gives
 * up between the wake-up and the call).  Returns 0 or -errno.
 */
int unix_socket_adopt(int fd);

#endif
