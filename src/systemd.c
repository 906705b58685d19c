// SPDX-License-Identifier: MIT
#include "systemd.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A decimal number with nothing around it, at most @max; -1 otherwise. */
static long parse_decimal(const char *text, long max)
{
	unsigned long value;
	char *end;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value > (unsigned long)max)
		return -1;
	return (long)value;
}

/* Splits "a:b:c" into exactly @count strings; NULL if the count differs. */
static int split_names(const char *text, unsigned int count, char ***out)
{
	unsigned int n = 1, i;
	const char *p;
	char **names;

	*out = NULL;
	for (p = text; *p; p++)
		n += *p == ':';
	if (n != count)
		return 0;
	names = calloc(count, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (i = 0, p = text; i < count; i++) {
		size_t len = strcspn(p, ":");

		names[i] = strndup(p, len);
		if (!names[i]) {
			while (i-- > 0)
				free(names[i]);
			free(names);
			return -ENOMEM;
		}
		p += len + (p[len] == ':');
	}
	*out = names;
	return 0;
}

int systemd_activation_parse(const char *listen_pid, const char *listen_fds,
			     const char *listen_fdnames, pid_t self,
			     struct systemd_activation *out, char *err,
			     size_t err_len)
{
	long pid, count;

	out->count = 0;
	out->names = NULL;
	if (!listen_pid || !*listen_pid)
		return 0;
	pid = parse_decimal(listen_pid, (long)INT32_MAX);
	if (pid < 0) {
		snprintf(err, err_len, "LISTEN_PID=\"%s\" is not a process id",
			 listen_pid);
		return -EINVAL;
	}
	/* Inherited from a parent that was activated: not ours. */
	if (pid != (long)self)
		return 0;
	count = parse_decimal(listen_fds, SYSTEMD_LISTEN_FDS_MAX);
	if (count < 0) {
		snprintf(err, err_len,
			 "LISTEN_FDS=\"%s\" is not a number of sockets from 0 "
			 "to %d",
			 listen_fds ? listen_fds : "", SYSTEMD_LISTEN_FDS_MAX);
		return -EINVAL;
	}
	out->count = (unsigned int)count;
	if (count && listen_fdnames)
		return split_names(listen_fdnames, out->count, &out->names);
	return 0;
}

int systemd_activation_from_env(struct systemd_activation *out, char *err,
				size_t err_len)
{
	int ret = systemd_activation_parse(
		getenv("LISTEN_PID"), getenv("LISTEN_FDS"),
		getenv("LISTEN_FDNAMES"), getpid(), out, err, err_len);

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return ret;
}

void systemd_activation_free(struct systemd_activation *act)
{
	unsigned int i;

	if (act->names)
		for (i = 0; i < act->count; i++)
			free(act->names[i]);
	free(act->names);
	act->names = NULL;
	act->count = 0;
}

int systemd_notifier_open(struct systemd_notifier *n, const char *notify_socket)
{
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (!notify_socket || !*notify_socket)
		return 0;
	if (notify_socket[0] != '/' && notify_socket[0] != '@')
		return -EAFNOSUPPORT;
	len = strlen(notify_socket);
	if (len >= sizeof(n->addr.sun_path))
		return -ENAMETOOLONG;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, notify_socket, len);
	/* An abstract name: a leading NUL, and exactly its bytes. */
	if (notify_socket[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		return -errno;
	return 0;
}

int systemd_notifier_send(const struct systemd_notifier *n, const char *state)
{
	ssize_t sent;

	if (n->fd < 0)
		return 0;
	do {
		/*
		 * Never wait: a receiver that stopped reading must not stall
		 * the socket threads that report connections.
		 */
		sent = sendto(n->fd, state, strlen(state),
			      MSG_NOSIGNAL | MSG_DONTWAIT,
			      (const struct sockaddr *)&n->addr, n->addr_len);
	} while (sent < 0 && errno == EINTR);
	return sent < 0 ? -errno : 0;
}

void systemd_notifier_close(struct systemd_notifier *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

int systemd_status_format(char *buf, size_t len, bool ready,
			  unsigned int devices, unsigned int connected)
{
	int n = snprintf(buf, len, "%sSTATUS=serving %u device%s, %u connected",
			 ready ? "READY=1\n" : "", devices,
			 devices == 1 ? "" : "s", connected);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
