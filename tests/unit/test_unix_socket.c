// SPDX-License-Identifier: MIT
/* Listening sockets: permissions, and which files at the path are replaced. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unix_socket.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/vdg-unix-socket-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/sock", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A plain socket bound to @path, then closed without unlinking the file. */
static void leave_stale_socket(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(close(fd), 0);
}

/* Whether something accepts connections at @path. */
static int try_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret;

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static void test_listen_creates_private_socket(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

/* The process umask is put back after the bind. */
static void test_listen_restores_umask(void **state)
{
	struct fixture *fx = *state;
	mode_t old = umask(0022);
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(umask(old), 0022);
	close(fd);
}

static void test_listen_fd_flags(void **state)
{
	struct fixture *fx = *state;
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	/* Non-blocking: nobody waiting is EAGAIN, not a hang. */
	assert_int_equal(accept(fd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

static void test_listen_refuses_regular_file(void **state)
{
	struct fixture *fx = *state;
	static const char content[] = "not a socket\n";
	char back[sizeof(content)] = "";
	struct stat st;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(unix_socket_listen(fx->path, NULL), -EEXIST);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	f = fopen(fx->path, "r");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(content) - 1);
	fclose(f);
	assert_string_equal(back, content);
}

static void test_listen_refuses_directory(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_int_equal(unix_socket_listen(fx->path, NULL), -EEXIST);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rmdir(fx->path), 0);
}

static void test_listen_refuses_live_socket(void **state)
{
	struct fixture *fx = *state;
	struct stat before, after;
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &before), 0);
	assert_int_equal(unix_socket_listen(fx->path, NULL), -EADDRINUSE);
	/* The first socket keeps its file and still works. */
	assert_int_equal(lstat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

static void test_listen_replaces_stale_socket(void **state)
{
	struct fixture *fx = *state;
	int fd;

	leave_stale_socket(fx->path);
	assert_int_equal(try_connect(fx->path), -ECONNREFUSED);
	fd = unix_socket_listen(fx->path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

/* After a listener died without removing its file, the next one starts. */
static void test_listen_after_listener_closed(void **state)
{
	struct fixture *fx = *state;
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	close(fd);
	fd = unix_socket_listen(fx->path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

static void test_listen_path_too_long(void **state)
{
	char path[201];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(unix_socket_listen(path, NULL), -ENAMETOOLONG);
}

/* sun_path is 108 bytes: 107 characters and the NUL fit, 108 do not. */
static void test_listen_path_length_limit(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un addr;
	char path[sizeof(addr.sun_path) + 1];
	size_t dir_len = strlen(fx->dir);
	int fd;

	memcpy(path, fx->dir, dir_len);
	path[dir_len] = '/';
	memset(path + dir_len + 1, 'a', sizeof(path) - dir_len - 1);
	path[sizeof(addr.sun_path)] = '\0';
	assert_int_equal(unix_socket_listen(path, NULL), -ENAMETOOLONG);
	path[sizeof(addr.sun_path) - 1] = '\0';
	fd = unix_socket_listen(path, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unlink(path), 0);
}

static void test_listen_missing_directory(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/no-such-dir/sock", fx->dir);
	assert_int_equal(unix_socket_listen(path, NULL), -ENOENT);
}

/* Entries in @dir other than . and .. */
static int count_entries(const char *dir)
{
	struct dirent *e;
	int n = 0;
	DIR *dp = opendir(dir);

	assert_non_null(dp);
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

/*
 * A squatter listening at @path that never accepts, with its backlog full:
 * a blocking connect() to it would wait forever.  Returns its fd; the
 * queued client sockets are closed (their connections stay queued).
 */
static int full_backlog_squatter(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int i, client, ret = 0;

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 0), 0);
	for (i = 0; i < 64 && ret == 0; i++) {
		client = socket(AF_UNIX,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(client >= 0);
		ret = connect(client, (struct sockaddr *)&addr, sizeof(addr));
		if (ret < 0)
			assert_int_equal(errno, EAGAIN);
		close(client);
	}
	assert_int_equal(ret, -1);
	return fd;
}

/*
 * Runs unix_socket_listen_with(@path, 0600, @gid) in a child that SIGALRM
 * kills after 5 s; returns what it returned (the child closes the fd).
 */
static int listen_in_child(const char *path, gid_t gid)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		alarm(5);
		fd = unix_socket_listen_with(path, 0600, gid, NULL);
		_exit(fd >= 0 ? 0 : -fd);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("unix_socket_listen() still waiting after 5 s "
			 "(killed by signal %d)",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

/*
 * A listener that accepts nobody is somebody's: refused at once, never
 * waited on, never replaced; the same with a group to give.
 */
static void test_listen_refuses_full_backlog(void **state)
{
	struct fixture *fx = *state;
	struct stat before, after;
	int squatter = full_backlog_squatter(fx->path);

	assert_int_equal(lstat(fx->path, &before), 0);
	assert_int_equal(listen_in_child(fx->path, UNIX_SOCKET_NO_GROUP),
			 -EADDRINUSE);
	assert_int_equal(listen_in_child(fx->path, getegid()), -EADDRINUSE);
	assert_int_equal(lstat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(count_entries(fx->dir), 1);
	close(squatter);
}

/*
 * unix_socket_remove() removes the file unix_socket_listen() made, and
 * nothing that took its place: a regular file, another socket.
 */
static void test_remove_only_own_file(void **state)
{
	struct fixture *fx = *state;
	struct unix_socket_file file, other;
	struct stat st;
	int fd, fd2;

	fd = unix_socket_listen(fx->path, &file);
	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(file.dev, st.st_dev);
	assert_int_equal(file.ino, st.st_ino);
	assert_int_equal(unix_socket_remove(fx->path, &file), 0);
	assert_int_equal(lstat(fx->path, &st), -1);
	assert_int_equal(unix_socket_remove(fx->path, &file), -ENOENT);

	/* Someone put a regular file there. */
	fd2 = open(fx->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd2 >= 0);
	close(fd2);
	assert_int_equal(unix_socket_remove(fx->path, &file), -EEXIST);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(unlink(fx->path), 0);

	/* Another daemon's live socket. */
	fd2 = unix_socket_listen(fx->path, &other);
	assert_true(fd2 >= 0);
	assert_int_equal(unix_socket_remove(fx->path, &file), -EEXIST);
	assert_int_equal(try_connect(fx->path), 0);
	assert_int_equal(unix_socket_remove(fx->path, &other), 0);
	close(fd2);
	close(fd);
}

/* With a group: the file moved into place is the one recorded. */
static void test_remove_after_group_move(void **state)
{
	struct fixture *fx = *state;
	struct unix_socket_file file;
	struct stat st;
	int fd = unix_socket_listen_with(fx->path, 0660, getegid(), &file);

	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(file.ino, st.st_ino);
	assert_int_equal(unix_socket_remove(fx->path, &file), 0);
	assert_int_equal(count_entries(fx->dir), 0);
	close(fd);
}

/* A wider mode without a group: born with it (umask), nothing else made. */
static void test_listen_with_mode(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	mode_t old = umask(0022);
	int fd = unix_socket_listen_with(fx->path, 0660, UNIX_SOCKET_NO_GROUP,
					 NULL);

	assert_true(fd >= 0);
	assert_int_equal(umask(old), 0022);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, getegid());
	assert_int_equal(count_entries(fx->dir), 1);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

/* Even a umask that would take the owner's bits away gives exactly @mode. */
static void test_listen_with_mode_ignores_umask(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	mode_t old = umask(0777);
	int fd = unix_socket_listen_with(fx->path, 0666, UNIX_SOCKET_NO_GROUP,
					 NULL);

	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	close(fd);
}

/* The group of the socket: one we belong to (our own is always allowed). */
static gid_t some_group(void)
{
	gid_t groups[64];
	int n = getgroups(64, groups), i;

	for (i = 0; i < n; i++)
		if (groups[i] != getegid())
			return groups[i];
	/* root may give any group. */
	return geteuid() == 0 ? 12345 : getegid();
}

/*
 * With a group: made in a private directory, given its group and mode
 * there, moved into place; the private directory is gone afterwards.
 */
static void test_listen_with_group(void **state)
{
	struct fixture *fx = *state;
	gid_t gid = some_group();
	struct stat st;
	int fd = unix_socket_listen_with(fx->path, 0660, gid, NULL);

	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(count_entries(fx->dir), 1);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

/* The group path keeps the same rules about what is at the path. */
static void test_listen_with_group_refuses_regular_file(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd = open(fx->path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(
		unix_socket_listen_with(fx->path, 0660, getegid(), NULL),
		-EEXIST);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(count_entries(fx->dir), 1);
}

static void test_listen_with_group_refuses_live_socket(void **state)
{
	struct fixture *fx = *state;
	struct stat before, after;
	int fd = unix_socket_listen(fx->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &before), 0);
	assert_int_equal(
		unix_socket_listen_with(fx->path, 0660, getegid(), NULL),
		-EADDRINUSE);
	assert_int_equal(lstat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mode & 07777, 0600);
	assert_int_equal(count_entries(fx->dir), 1);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

static void test_listen_with_group_replaces_stale_socket(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd;

	leave_stale_socket(fx->path);
	fd = unix_socket_listen_with(fx->path, 0640, getegid(), NULL);
	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(try_connect(fx->path), 0);
	assert_int_equal(count_entries(fx->dir), 1);
	close(fd);
}

/* A group we may not give: -EPERM, and nothing left behind. */
static void test_listen_with_foreign_group(void **state)
{
	struct fixture *fx = *state;

	if (geteuid() == 0) {
		print_message("# root may give any group: not tried\n");
		return;
	}
	assert_int_equal(unix_socket_listen_with(fx->path, 0660, 12345, NULL),
			 -EPERM);
	assert_int_equal(count_entries(fx->dir), 0);
}

static void test_listen_with_bad_mode(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(unix_socket_listen_with(fx->path, 04660,
						 UNIX_SOCKET_NO_GROUP, NULL),
			 -EINVAL);
	assert_int_equal(
		unix_socket_set_permissions(01777, UNIX_SOCKET_NO_GROUP),
		-EINVAL);
	assert_int_equal(count_entries(fx->dir), 0);
}

/* unix_socket_listen() follows the process-wide setting. */
static void test_set_permissions(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd;

	assert_int_equal(unix_socket_set_permissions(0606, getegid()), 0);
	fd = unix_socket_listen(fx->path, NULL);
	assert_int_equal(unix_socket_set_permissions(UNIX_SOCKET_DEFAULT_MODE,
						     UNIX_SOCKET_NO_GROUP),
			 0);
	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0606);
	assert_int_equal(st.st_gid, getegid());
	close(fd);
}

/*
 * The private directory (DIR/.vdg-XXXXXX/s) must fit in sun_path too: a
 * path that fits but whose directory is that long is -ENAMETOOLONG, with
 * nothing left behind; a long name in a short directory is fine.
 */
static void test_listen_with_group_path_limit(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un addr;
	char sub[sizeof(addr.sun_path)], path[sizeof(addr.sun_path) + 8];
	size_t dir_len = strlen(fx->dir);
	int fd;

	/* A subdirectory whose path is 100 characters long. */
	memcpy(sub, fx->dir, dir_len);
	sub[dir_len] = '/';
	memset(sub + dir_len + 1, 'd', 100 - dir_len - 1);
	sub[100] = '\0';
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/s", sub);
	assert_int_equal(unix_socket_listen_with(path, 0660, getegid(), NULL),
			 -ENAMETOOLONG);
	assert_int_equal(count_entries(sub), 0);
	assert_int_equal(rmdir(sub), 0);

	/* 107 characters in the fixture's directory. */
	memcpy(path, fx->dir, dir_len);
	path[dir_len] = '/';
	memset(path + dir_len + 1, 'a', sizeof(addr.sun_path) - dir_len - 2);
	path[sizeof(addr.sun_path) - 1] = '\0';
	fd = unix_socket_listen_with(path, 0660, getegid(), NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unlink(path), 0);
}

/* What --fd and socket activation accept, and the exact errno otherwise. */
static void test_check_listening(void **state)
{
	struct fixture *fx = *state;
	int fd, pair[2];

	fd = unix_socket_listen(fx->path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(unix_socket_check_listening(fd), 0);
	close(fd);
	assert_int_equal(unix_socket_check_listening(fd), -EBADF);
	assert_int_equal(unix_socket_check_listening(-1), -EBADF);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(unix_socket_check_listening(fd), -ENOTSOCK);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(unix_socket_check_listening(fd), -EAFNOSUPPORT);
	close(fd);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(unix_socket_check_listening(fd), -EPROTOTYPE);
	close(fd);

	/* A connected stream socket is not a listening one. */
	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	assert_int_equal(unix_socket_check_listening(pair[0]), -EINVAL);
	close(pair[0]);
	close(pair[1]);
}

static void test_get_path(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[sizeof(addr.sun_path)], small[4];
	int fd;

	fd = unix_socket_listen(fx->path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(unix_socket_get_path(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, fx->path);
	assert_int_equal(unix_socket_get_path(fd, small, sizeof(small)),
			 -ENAMETOOLONG);
	close(fd);

	/* Abstract: no file to put PATH.sim next to. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "vdg-test-%d",
		 (int)getpid());
	assert_int_equal(
		bind(fd, (struct sockaddr *)&addr,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				 strlen(addr.sun_path + 1))),
		0);
	strcpy(buf, "x");
	assert_int_equal(unix_socket_get_path(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	close(fd);

	/* Unbound. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(buf, "x");
	assert_int_equal(unix_socket_get_path(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	close(fd);
}

/* A blocking, inheritable socket becomes close-on-exec and non-blocking. */
static void test_adopt(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, fx->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(unix_socket_adopt(fd), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
	assert_int_equal(unix_socket_adopt(fd), -EBADF);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_listen_creates_private_socket),
		TEST(test_listen_restores_umask),
		TEST(test_listen_fd_flags),
		TEST(test_listen_refuses_regular_file),
		TEST(test_listen_refuses_directory),
		TEST(test_listen_refuses_live_socket),
		TEST(test_listen_refuses_full_backlog),
		TEST(test_listen_replaces_stale_socket),
		TEST(test_listen_after_listener_closed),
		TEST(test_listen_path_too_long),
		TEST(test_listen_path_length_limit),
		TEST(test_listen_missing_directory),
		TEST(test_remove_only_own_file),
		TEST(test_remove_after_group_move),
		TEST(test_listen_with_mode),
		TEST(test_listen_with_mode_ignores_umask),
		TEST(test_listen_with_group),
		TEST(test_listen_with_group_refuses_regular_file),
		TEST(test_listen_with_group_refuses_live_socket),
		TEST(test_listen_with_group_replaces_stale_socket),
		TEST(test_listen_with_foreign_group),
		TEST(test_listen_with_bad_mode),
		TEST(test_set_permissions),
		TEST(test_listen_with_group_path_limit),
		TEST(test_check_listening),
		TEST(test_get_path),
		TEST(test_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
