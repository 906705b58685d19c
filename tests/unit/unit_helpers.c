// SPDX-License-Identifier: MIT
/* Set-up the unit test programs share.  See unit_helpers.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit_helpers.h"

int unit_temp_dir(char *dir, size_t size, const char *name)
{
	if (snprintf(dir, size, "/tmp/vdg-%s-XXXXXX", name) >= (int)size)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

int unit_remove_tree(const char *dir)
{
	return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0 ? -errno
								    : 0;
}

int unit_open_fds(void)
{
	int count = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			count++;
	return count;
}

int unit_memfd(const char *name, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void *unit_memfd_map(const char *name, size_t size, int *fd)
{
	void *p;

	*fd = unit_memfd(name, size);
	if (*fd < 0) {
		errno = -*fd;
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		close(*fd);
		*fd = -1;
		errno = err;
		return NULL;
	}
	return p;
}

/* @path as a socket address of length *@len, or -ENAMETOOLONG. */
static int unix_addr(const char *path, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(path);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (n >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	if (path[0] == '@') {
		/* Abstract: a NUL, then exactly the name's bytes. */
		memcpy(addr->sun_path + 1, path + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(addr->sun_path, path, n);
		*len = sizeof(*addr);
	}
	return 0;
}

int unit_bind(int fd, const char *path, int backlog)
{
	struct sockaddr_un addr;
	socklen_t len;
	int ret = unix_addr(path, &addr, &len);

	if (ret < 0)
		return ret;
	if (bind(fd, (struct sockaddr *)&addr, len) < 0)
		return -errno;
	if (backlog >= 0 && listen(fd, backlog) < 0)
		return -errno;
	return 0;
}

int unit_connect(int fd, const char *path)
{
	struct sockaddr_un addr;
	socklen_t len;
	int ret = unix_addr(path, &addr, &len);

	if (ret < 0)
		return ret;
	return connect(fd, (struct sockaddr *)&addr, len) < 0 ? -errno : 0;
}

int unit_socket_at(int type, const char *path, int backlog)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	ret = unit_bind(fd, path, backlog);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int unit_fill_backlog(int fd, const char *path)
{
	int i, client, ret = unit_bind(fd, path, 0);

	/* A backlog of 0 takes one or two connections: 64 is plenty. */
	for (i = 0; i < 64 && ret == 0; i++) {
		client = socket(AF_UNIX,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (client < 0)
			return -errno;
		ret = unit_connect(client, path);
		close(client);
	}
	/* Full when a non-blocking connect() would have to wait. */
	return ret == -EAGAIN ? 0 : ret < 0 ? ret : -ENOSPC;
}

ssize_t unit_send_fds(int sock, const struct iovec *iov, int iovcnt,
		      const int *fds, unsigned int nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(UNIT_SCM_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = (struct iovec *)iov,
			    .msg_iovlen = (size_t)iovcnt};
	struct cmsghdr *c;

	if (nfds > UNIT_SCM_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (nfds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, flags);
}
