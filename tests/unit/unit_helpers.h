/* SPDX-License-Identifier: MIT */
/*
 * Set-up the unit test programs share: counting open fds, guest memory in a
 * memfd, Unix sockets at a path, fds passed with SCM_RIGHTS.  Built into
 * every unit program (tests/unit/meson.build) and into the VMM stand-in
 * (tests/vmm), so the integration programs have it too.
 *
 * No cmocka here: each function returns what went wrong (-errno, or NULL
 * with errno set) and the caller asserts.
 */
#ifndef VDG_TEST_UNIT_HELPERS_H
#define VDG_TEST_UNIT_HELPERS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * A new private directory "/tmp/vdg-@name-XXXXXX", its path in @dir (of
 * @size bytes).  Returns 0 or -errno.
 */
int unit_temp_dir(char *dir, size_t size, const char *name);

/* Removes @dir and everything in it (symlinks not followed): 0 or -errno. */
int unit_remove_tree(const char *dir);

/* File descriptors this process has open (of 0 to 1023). */
int unit_open_fds(void);

/* A memfd named @name of @size bytes (close-on-exec), or -errno. */
int unit_memfd(const char *name, size_t size);

/*
 * unit_memfd(), mapped shared and writable.  Returns the mapping and the fd
 * in *@fd, or NULL (nothing left open).  The caller unmaps it and closes
 * the fd.
 */
void *unit_memfd_map(const char *name, size_t size, int *fd);

/*
 * Binds the AF_UNIX socket @fd to @path: a file, or an abstract name if
 * @path starts with '@' (systemd's convention; the name is the bytes after
 * it, no NUL).  Then listens with @backlog unless it is negative.  Returns
 * 0 or -errno (-ENAMETOOLONG: @path does not fit).
 */
int unit_bind(int fd, const char *path, int backlog);

/* Connects the AF_UNIX socket @fd to @path (as unit_bind()): 0 or -errno. */
int unit_connect(int fd, const char *path);

/*
 * A new AF_UNIX socket of @type (SOCK_CLOEXEC added) bound to @path as
 * unit_bind() does.  Returns the fd or -errno.
 */
int unit_socket_at(int type, const char *path, int backlog);

/*
 * What another local user may leave at a socket path: a listener that
 * never accepts, its backlog full, so that a blocking connect() to it
 * would wait forever.  Binds @fd (a stream socket) to @path and fills the
 * backlog (the queued clients' own ends are closed, their connections stay
 * queued).  Returns 0 or -errno.
 */
int unit_fill_backlog(int fd, const char *path);

/*
 * One sendmsg() of @iov with the @nfds fds of @fds attached (SCM_RIGHTS;
 * none when @nfds is 0).  Returns what sendmsg() returns; -1 with errno
 * EINVAL for more fds than the kernel takes at once.
 */
ssize_t unit_send_fds(int sock, const struct iovec *iov, int iovcnt,
		      const int *fds, unsigned int nfds, int flags);

/* Most fds the kernel takes in one SCM_RIGHTS message. */
#define UNIT_SCM_MAX_FDS 253

#endif
