// SPDX-License-Identifier: MIT
#include "unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static mode_t g_mode = UNIX_SOCKET_DEFAULT_MODE;
static gid_t g_gid = UNIX_SOCKET_NO_GROUP;

int unix_socket_set_permissions(mode_t mode, gid_t gid)
{
	if (mode & ~(mode_t)0777)
		return -EINVAL;
	g_mode = mode;
	g_gid = gid;
	return 0;
}

static int fill_address(struct sockaddr_un *addr, const char *path)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

/*
 * Whether @path may be bound: free, or a socket nobody listens on any more.
 * Anything else is left alone: it is not ours to delete.
 *
 * The probe never waits: a blocking connect() to a listener whose backlog
 * is full (a squatter that never accepts, or a busy daemon) would wait for
 * as long as the listener likes.  Non-blocking, a Unix stream connect()
 * answers at once: 0 or EAGAIN (backlog full) when somebody listens,
 * ECONNREFUSED when nobody does.
 */
static int claim_path(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, ret;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	if (ret < 0)
		ret = -errno;
	close(fd);
	if (ret == 0 || ret == -EAGAIN)
		return -EADDRINUSE;
	if (ret != -ECONNREFUSED)
		return ret;
	log_info("%s: replacing a stale socket file", addr->sun_path);
	return unlink(addr->sun_path) < 0 ? -errno : 0;
}

/* The identity of the socket file at @path, which we just bound. */
static int file_of(const char *path, struct unix_socket_file *file)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST; /* replaced already: not ours to use */
	file->dev = st.st_dev;
	file->ino = st.st_ino;
	return 0;
}

/*
 * A socket bound to @addr, born with @mode: a socket file is created
 * 0777 & ~umask, so umask ~mode leaves exactly @mode (no chmod, no window).
 * The umask is process-wide: this runs at start-up, before any thread.
 * *@file is the file bound.
 */
static int bind_with_mode(const struct sockaddr_un *addr, mode_t mode,
			  struct unix_socket_file *file)
{
	mode_t old_umask;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old_umask = umask(~mode & 0777);
	ret = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));
	umask(old_umask);
	if (ret < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/*
	 * Its identity before anyone can connect: a socket that accepts
	 * connections is one whose file we know.
	 */
	ret = file_of(addr->sun_path, file);
	if (ret == 0 && listen(fd, 8) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Moves @from to @to unless something is at @to (then -EEXIST). */
static int move_no_replace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link() never replaces. */
	if (link(from, to) < 0)
		return -errno;
	unlink(from);
	return 0;
}

/*
 * With a group to give, the socket is made in a private directory (0700,
 * next to @addr so that the move stays on one file system), given its
 * group and mode there where nobody else can reach it, and only then moved
 * to @addr.
 */
static int listen_private_then_move(const struct sockaddr_un *addr, mode_t mode,
				    gid_t gid, struct unix_socket_file *file)
{
	char dir[sizeof(addr->sun_path) + 16], tmp[sizeof(dir) + 2];
	struct sockaddr_un tmp_addr;
	const char *slash = strrchr(addr->sun_path, '/');
	int fd, ret;

	if (!slash)
		snprintf(dir, sizeof(dir), ".vdg-XXXXXX");
	else
		snprintf(dir, sizeof(dir), "%.*s/.vdg-XXXXXX",
			 (int)(slash - addr->sun_path), addr->sun_path);
	if (!mkdtemp(dir)) /* mkdtemp makes it 0700 */
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/s", dir);
	ret = fill_address(&tmp_addr, tmp);
	if (ret < 0)
		goto out_rmdir;
	/* Its identity there is the one it keeps: rename() moves the inode. */
	fd = bind_with_mode(&tmp_addr, mode, file);
	if (fd < 0) {
		ret = fd;
		goto out_rmdir;
	}
	if (fchownat(AT_FDCWD, tmp, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(AT_FDCWD, tmp, mode, 0) < 0) {
		ret = -errno;
		goto out_close;
	}
	ret = claim_path(addr);
	if (ret < 0)
		goto out_close;
	ret = move_no_replace(tmp, addr->sun_path);
	if (ret < 0)
		goto out_close;
	rmdir(dir);
	return fd;

out_close:
	close(fd);
	unlink(tmp);
out_rmdir:
	rmdir(dir);
	return ret;
}

int unix_socket_listen_with(const char *path, mode_t mode, gid_t gid,
			    struct unix_socket_file *file)
{
	struct unix_socket_file unused;
	struct sockaddr_un addr;
	int ret;

	if (!file)
		file = &unused;
	if (mode & ~(mode_t)0777)
		return -EINVAL;
	ret = fill_address(&addr, path);
	if (ret < 0)
		return ret;
	if (gid != UNIX_SOCKET_NO_GROUP)
		return listen_private_then_move(&addr, mode, gid, file);
	ret = claim_path(&addr);
	if (ret < 0)
		return ret;
	return bind_with_mode(&addr, mode, file);
}

int unix_socket_listen(const char *path, struct unix_socket_file *file)
{
	return unix_socket_listen_with(path, g_mode, g_gid, file);
}

int unix_socket_remove(const char *path, const struct unix_socket_file *file)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_dev != file->dev ||
	    st.st_ino != file->ino) {
		log_warn("%s: not removed: it is no longer the socket file "
			 "this daemon made",
			 path);
		return -EEXIST;
	}
	return unlink(path) < 0 ? -errno : 0;
}

const char *unix_socket_strerror(int err)
{
	switch (err) {
	case -EEXIST:
		return "a file that is not a socket is in the way";
	case -EADDRINUSE:
		return "another process serves it";
	case -EPERM:
		return "cannot give it that group (not a member of it)";
	default:
		return strerror(-err);
	}
}

int unix_socket_check_listening(int fd)
{
	int value;
	socklen_t len = sizeof(value);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &len) < 0)
		return -errno;
	if (value != AF_UNIX)
		return -EAFNOSUPPORT;
	len = sizeof(value);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &len) < 0)
		return -errno;
	if (value != SOCK_STREAM)
		return -EPROTOTYPE;
	len = sizeof(value);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) < 0)
		return -errno;
	return value ? 0 : -EINVAL;
}

int unix_socket_get_path(int fd, char *buf, size_t len)
{
	struct sockaddr_un addr;
	socklen_t addr_len = sizeof(addr);
	size_t path_len;

	memset(&addr, 0, sizeof(addr));
	if (getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0)
		return -errno;
	if (len)
		buf[0] = '\0';
	if (addr.sun_family != AF_UNIX ||
	    addr_len <= offsetof(struct sockaddr_un, sun_path) ||
	    addr.sun_path[0] == '\0')
		return 0;
	path_len = strnlen(addr.sun_path,
			   addr_len - offsetof(struct sockaddr_un, sun_path));
	if (path_len >= len)
		return -ENAMETOOLONG;
	memcpy(buf, addr.sun_path, path_len);
	buf[path_len] = '\0';
	return 0;
}

int unix_socket_adopt(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}
