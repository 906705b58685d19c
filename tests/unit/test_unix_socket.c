// SPDX-License-Identifier: MIT
/* Listening sockets: permissions, and which files at the path are replaced. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "unit_helpers.h"
#include "unix_socket.h"

struct fixture {
	char dir[64];
	char path[128];
	const void *param; /* the test table's initial state */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (unit_temp_dir(fx->dir, sizeof(fx->dir), "unix-socket") < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/sock", fx->dir);
	fx->param = *state;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unit_remove_tree(fx->dir);
	free(fx);
	return 0;
}

/* A plain socket bound to @path, then closed without unlinking the file. */
static void leave_stale_socket(const char *path)
{
	int fd = unit_socket_at(SOCK_STREAM, path, -1);

	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
}

/* Whether something accepts connections at @path: 0 or -errno. */
static int try_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret;

	assert_true(fd >= 0);
	ret = unit_connect(fd, path);
	close(fd);
	return ret;
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
 * A socket made at the fixture's path, by unix_socket_listen() or by
 * unix_socket_listen_with() with @mode and a group (none, our own, or
 * another one we belong to), under @umask, maybe over a stale socket
 * file: it has the mode and group asked for (0600 and ours by default),
 * is ours, is the only entry of the directory, and serves; the umask is
 * put back.
 */
enum group { NO_GROUP, OWN_GROUP, SOME_GROUP };

struct listen_case {
	bool with;
	mode_t umask;
	mode_t mode;
	enum group group;
	bool stale;
};

static const struct listen_case listen_creates_private_socket = {
	false, 0022, 0600, NO_GROUP, false};
static const struct listen_case listen_replaces_stale_socket = {
	false, 0022, 0600, NO_GROUP, true};
/* A wider mode without a group: born with it (umask), nothing else made. */
static const struct listen_case listen_with_mode = {true, 0022, 0660, NO_GROUP,
						    false};
/* Even a umask that would take the owner's bits away gives exactly @mode. */
static const struct listen_case listen_with_mode_ignores_umask = {
	true, 0777, 0666, NO_GROUP, false};
/*
 * With a group: made in a private directory, given its group and mode
 * there, moved into place; the private directory is gone afterwards.
 */
static const struct listen_case listen_with_group = {true, 0022, 0660,
						     SOME_GROUP, false};
static const struct listen_case listen_with_group_replaces_stale_socket = {
	true, 0022, 0640, OWN_GROUP, true};

static gid_t some_group(void);

static void run_listen(void **state)
{
	struct fixture *fx = *state;
	const struct listen_case *c = fx->param;
	gid_t gid = c->group == SOME_GROUP  ? some_group()
		    : c->group == OWN_GROUP ? getegid()
					    : UNIX_SOCKET_NO_GROUP;
	struct stat st;
	mode_t old;
	int fd;

	if (c->stale) {
		leave_stale_socket(fx->path);
		assert_int_equal(try_connect(fx->path), -ECONNREFUSED);
	}
	old = umask(c->umask);
	fd = c->with ? unix_socket_listen_with(fx->path, c->mode, gid, NULL)
		     : unix_socket_listen(fx->path, NULL);
	assert_int_equal(umask(old), c->umask);
	assert_true(fd >= 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, c->mode);
	assert_int_equal(st.st_gid,
			 gid == UNIX_SOCKET_NO_GROUP ? getegid() : gid);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(count_entries(fx->dir), 1);
	assert_int_equal(try_connect(fx->path), 0);
	close(fd);
}

/*
 * Something at the fixture's path that is not a stale socket: a file, a
 * directory, a socket that serves.  Making a socket there, with or
 * without a group, fails with @ret, and leaves it as it was: the same
 * inode and mode, the same content, still serving.
 */
enum in_the_way { A_FILE, A_DIRECTORY, A_LIVE_SOCKET };

struct refusal {
	enum in_the_way what;
	bool group;
	int ret;
};

static const struct refusal listen_refuses_regular_file = {A_FILE, false,
							   -EEXIST};
static const struct refusal listen_refuses_directory = {A_DIRECTORY, false,
							-EEXIST};
static const struct refusal listen_refuses_live_socket = {A_LIVE_SOCKET, false,
							  -EADDRINUSE};
/* The group path keeps the same rules about what is at the path. */
static const struct refusal listen_with_group_refuses_regular_file = {
	A_FILE, true, -EEXIST};
static const struct refusal listen_with_group_refuses_live_socket = {
	A_LIVE_SOCKET, true, -EADDRINUSE};

static void run_refusal(void **state)
{
	static const char content[] = "not a socket\n";
	struct fixture *fx = *state;
	const struct refusal *c = fx->param;
	char back[sizeof(content)] = "";
	struct stat before, after;
	int live = -1;
	FILE *f;

	if (c->what == A_FILE) {
		f = fopen(fx->path, "w");
		assert_non_null(f);
		assert_true(fputs(content, f) >= 0);
		assert_int_equal(fclose(f), 0);
	} else if (c->what == A_DIRECTORY) {
		assert_int_equal(mkdir(fx->path, 0700), 0);
	} else {
		live = unix_socket_listen(fx->path, NULL);
		assert_true(live >= 0);
	}
	assert_int_equal(lstat(fx->path, &before), 0);
	assert_int_equal(c->group ? unix_socket_listen_with(fx->path, 0660,
							    getegid(), NULL)
				  : unix_socket_listen(fx->path, NULL),
			 c->ret);
	assert_int_equal(lstat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(count_entries(fx->dir), 1);
	if (c->what == A_FILE) {
		f = fopen(fx->path, "r");
		assert_non_null(f);
		assert_int_equal(fread(back, 1, sizeof(back), f),
				 sizeof(content) - 1);
		fclose(f);
		assert_string_equal(back, content);
	} else if (c->what == A_DIRECTORY) {
		assert_int_equal(rmdir(fx->path), 0);
	} else {
		/* The first socket keeps its file and still works. */
		assert_int_equal(try_connect(fx->path), 0);
		close(live);
	}
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
	int squatter = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(unit_fill_backlog(squatter, fx->path), 0);
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
	struct sockaddr_un addr;
	char buf[sizeof(addr.sun_path)], small[4], name[32];
	int fd;

	fd = unix_socket_listen(fx->path, NULL);
	assert_true(fd >= 0);
	assert_int_equal(unix_socket_get_path(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, fx->path);
	assert_int_equal(unix_socket_get_path(fd, small, sizeof(small)),
			 -ENAMETOOLONG);
	close(fd);

	/* Abstract: no file to put PATH.sim next to. */
	snprintf(name, sizeof(name), "@vdg-test-%d", (int)getpid());
	fd = unit_socket_at(SOCK_STREAM, name, -1);
	assert_true(fd >= 0);
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
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(unit_bind(fd, fx->path, 1), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(unix_socket_adopt(fd), 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
	assert_int_equal(unix_socket_adopt(fd), -EBADF);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* test_@c: run_listen() of the struct listen_case @c. */
#define LISTEN(c)                                                     \
	{                                                             \
		"test_" #c, run_listen, setup, teardown, (void *)&(c) \
	}
/* test_@c: run_refusal() of the struct refusal @c. */
#define REFUSAL(c)                                                     \
	{                                                              \
		"test_" #c, run_refusal, setup, teardown, (void *)&(c) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		LISTEN(listen_creates_private_socket),
		TEST(test_listen_restores_umask),
		TEST(test_listen_fd_flags),
		REFUSAL(listen_refuses_regular_file),
		REFUSAL(listen_refuses_directory),
		REFUSAL(listen_refuses_live_socket),
		TEST(test_listen_refuses_full_backlog),
		LISTEN(listen_replaces_stale_socket),
		TEST(test_listen_after_listener_closed),
		TEST(test_listen_path_too_long),
		TEST(test_listen_path_length_limit),
		TEST(test_listen_missing_directory),
		TEST(test_remove_only_own_file),
		TEST(test_remove_after_group_move),
		LISTEN(listen_with_mode),
		LISTEN(listen_with_mode_ignores_umask),
		LISTEN(listen_with_group),
		REFUSAL(listen_with_group_refuses_regular_file),
		REFUSAL(listen_with_group_refuses_live_socket),
		LISTEN(listen_with_group_replaces_stale_socket),
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
