// SPDX-License-Identifier: MIT
#include "endpoints.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "unix_socket.h"

/* A socket index has at most 4 digits (the --socket-path length check). */
_Static_assert(OPTIONS_MAX_SOCKETS <= 10000, "socket index digits");

/* A path that ends in ".sim" and has something before it. */
static bool is_sim_path(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && !strcmp(path + len - 4, ".sim");
}

/* @fd must be a listening Unix stream socket.  0 or -errno, @err set. */
static int check_given_socket(int fd, const char *what, char *err,
			      size_t err_size)
{
	int ret = unix_socket_check_listening(fd);

	if (ret == 0)
		ret = unix_socket_adopt(fd);
	if (ret < 0)
		errbuf_printf(err, err_size,
			      "%s: fd %d is not a listening Unix stream socket "
			      "(%s)",
			      what, fd,
			      ret == -EBADF	     ? "not open"
			      : ret == -ENOTSOCK     ? "not a socket"
			      : ret == -EAFNOSUPPORT ? "not a Unix socket"
			      : ret == -EPROTOTYPE   ? "not a stream socket"
			      : ret == -EINVAL	     ? "not listening"
						     : strerror(-ret));
	return ret;
}

/* The path @fd is bound to.  0 or -errno, @err set. */
static int given_path(int fd, const char *what, char *buf, size_t len,
		      char *err, size_t err_size)
{
	int ret = unix_socket_get_path(fd, buf, len);

	if (ret < 0)
		errbuf_printf(err, err_size,
			      "%s: fd %d: cannot read its address: %s", what,
			      fd, strerror(-ret));
	return ret;
}

/*
 * Pairs each control socket (bound to PATH.sim) of @paths with the device
 * socket of @eps bound to PATH.  0, or -EINVAL with the reason in @err.
 */
static int pair_control_sockets(char (*paths)[ENDPOINT_PATH_MAX],
				unsigned int count, struct endpoint *eps,
				unsigned int n, char *err, size_t err_size)
{
	unsigned int i, j;

	for (i = 0; i < count; i++) {
		size_t len = strlen(paths[i]);
		struct endpoint *ep = NULL;

		if (!is_sim_path(paths[i]))
			continue;
		for (j = 0; j < n && !ep; j++)
			if (strlen(eps[j].path) == len - 4 &&
			    !strncmp(eps[j].path, paths[i], len - 4))
				ep = &eps[j];
		if (!ep) {
			errbuf_printf(err, err_size,
				      "socket activation: control socket %s "
				      "(fd %u) has no device socket %.*s",
				      paths[i], SYSTEMD_LISTEN_FDS_START + i,
				      (int)(len - 4), paths[i]);
			return -EINVAL;
		}
		if (ep->sim_fd >= 0) {
			errbuf_printf(err, err_size,
				      "socket activation: two control sockets "
				      "%s",
				      paths[i]);
			return -EINVAL;
		}
		ep->sim_fd = SYSTEMD_LISTEN_FDS_START + (int)i;
	}
	return 0;
}

/*
 * The sockets systemd passed: every one checked, control sockets (bound to
 * PATH.sim) paired with the device socket bound to PATH, the others device
 * sockets in order (never none: a PATH.sim alone has no device socket).
 * Returns their number and *@out, or -errno with @err set.
 */
static int activation_endpoints(const struct systemd_activation *act,
				struct endpoint **out, char *err,
				size_t err_size)
{
	static const char what[] = "socket activation";
	char(*paths)[ENDPOINT_PATH_MAX] = NULL;
	struct endpoint *eps = NULL;
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < act->count; i++) {
		ret = check_given_socket(SYSTEMD_LISTEN_FDS_START + (int)i,
					 what, err, err_size);
		if (ret < 0)
			return ret;
	}
	ret = -ENOMEM;
	eps = calloc(act->count, sizeof(*eps));
	paths = calloc(act->count, sizeof(*paths));
	if (!eps || !paths) {
		errbuf_printf(err, err_size, "out of memory");
		goto err_free;
	}
	for (i = 0; i < act->count; i++) {
		int fd = SYSTEMD_LISTEN_FDS_START + (int)i;

		ret = given_path(fd, what, paths[i], sizeof(paths[i]), err,
				 err_size);
		if (ret < 0)
			goto err_free;
		if (is_sim_path(paths[i]))
			continue;
		eps[n].fd = fd;
		eps[n].sim_fd = -1;
		if (act->names)
			snprintf(eps[n].name, sizeof(eps[n].name), "%s",
				 act->names[i]);
		strcpy(eps[n].path, paths[i]);
		n++;
	}
	ret = pair_control_sockets(paths, act->count, eps, n, err, err_size);
	if (ret < 0)
		goto err_free;
	free(paths);
	*out = eps;
	return (int)n;

err_free:
	free(paths);
	free(eps);
	return ret;
}

/* The one socket --fd gives.  1 and *@out, or -errno with @err set. */
static int fd_endpoint(int fd, struct endpoint **out, char *err,
		       size_t err_size)
{
	struct endpoint *ep;
	int ret;

	ret = check_given_socket(fd, "--fd", err, err_size);
	if (ret < 0)
		return ret;
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	ret = given_path(fd, "--fd", ep->path, sizeof(ep->path), err, err_size);
	if (ret < 0) {
		free(ep);
		return ret;
	}
	ep->fd = fd;
	ep->sim_fd = -1;
	*out = ep;
	return 1;
}

/* PATH0 .. PATH<N-1> to create.  N and *@out, or -errno with @err set. */
static int path_endpoints(const struct options *opts, struct endpoint **out,
			  char *err, size_t err_size)
{
	struct endpoint *eps;
	unsigned int i;

	if (!opts->socket_path)
		return options_usage_error(err, err_size,
					   "--socket-path is required (or "
					   "--fd, or systemd socket "
					   "activation)");
	/*
	 * The longest name made from PATH is PATH1023.sim (the highest index
	 * -c allows, then the control socket's suffix): it must fit with its
	 * NUL (counted by sizeof) and, as this check has always had it, one
	 * byte to spare.
	 */
	if (strlen(opts->socket_path) + sizeof("1023.sim") >= ENDPOINT_PATH_MAX)
		return options_usage_error(err, err_size,
					   "--socket-path is too long for a "
					   "Unix socket");
	eps = calloc(opts->socket_count, sizeof(*eps));
	if (!eps) {
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < opts->socket_count; i++) {
		snprintf(eps[i].path, sizeof(eps[i].path), "%s%u",
			 opts->socket_path, i);
		eps[i].fd = -1;
		eps[i].sim_fd = -1;
	}
	*out = eps;
	return (int)opts->socket_count;
}

int endpoints_resolve(const struct options *opts,
		      const struct systemd_activation *act,
		      struct endpoint **out, char *err, size_t err_size)
{
	struct endpoint *eps = NULL;
	int i, n;

	errbuf_clear(err, err_size);
	if (act->count && opts->socket_path)
		return options_usage_error(err, err_size,
					   "--socket-path cannot be used with "
					   "socket activation (LISTEN_FDS is "
					   "set)");
	if (act->count && opts->fd >= 0)
		return options_usage_error(err, err_size,
					   "--fd cannot be used with socket "
					   "activation (LISTEN_FDS is set)");
	if (act->count)
		n = activation_endpoints(act, &eps, err, err_size);
	else if (opts->fd >= 0)
		n = fd_endpoint(opts->fd, &eps, err, err_size);
	else
		n = path_endpoints(opts, &eps, err, err_size);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct endpoint *ep = &eps[i];

		if (ep->path[0])
			snprintf(ep->label, sizeof(ep->label), "%s", ep->path);
		else if (ep->name[0])
			snprintf(ep->label, sizeof(ep->label), "%s", ep->name);
		else
			snprintf(ep->label, sizeof(ep->label), "fd %d", ep->fd);
	}
	*out = eps;
	return n;
}

void endpoints_free(struct endpoint *eps, unsigned int count)
{
	unsigned int i;

	for (i = 0; eps && i < count; i++) {
		if (eps[i].fd >= 0)
			close(eps[i].fd);
		if (eps[i].sim_fd >= 0)
			close(eps[i].sim_fd);
	}
	free(eps);
}

int endpoints_check_socket_count(const struct options *opts, bool activated,
				 unsigned int count, char *err, size_t err_size)
{
	if (!opts->socket_count_given || !(activated || opts->fd >= 0) ||
	    opts->socket_count == count)
		return 0;
	return options_usage_error(err, err_size,
				   "--socket-count is %u but %u device "
				   "socket%s %s given",
				   opts->socket_count, count,
				   count == 1 ? "" : "s",
				   count == 1 ? "was" : "were");
}

int endpoints_check_entries(const struct options *opts, bool activated,
			    unsigned int count, unsigned int entries, char *err,
			    size_t err_size)
{
	if (entries == count)
		return 0;
	if (activated)
		return options_usage_error(err, err_size,
					   "--device-list has %u entr%s but "
					   "systemd passed %u device socket%s",
					   entries, entries == 1 ? "y" : "ies",
					   count, count == 1 ? "" : "s");
	if (opts->fd >= 0)
		return options_usage_error(err, err_size,
					   "--device-list has %u entries but "
					   "--fd serves one device",
					   entries);
	return options_usage_error(err, err_size,
				   "--device-list has %u entr%s but "
				   "--socket-count is %u",
				   entries, entries == 1 ? "y" : "ies", count);
}
