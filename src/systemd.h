/* SPDX-License-Identifier: MIT */
/*
 * The two systemd interfaces the daemon speaks, without libsystemd: socket
 * activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES; sd_listen_fds(3)) and
 * readiness notification (NOTIFY_SOCKET; sd_notify(3)).  Both are plain
 * environment variables and one datagram socket, documented as stable
 * interfaces, so a few dozen lines replace the library.
 */
#ifndef VDG_SYSTEMD_H
#define VDG_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* The first fd systemd passes; the others follow without gaps. */
#define SYSTEMD_LISTEN_FDS_START 3
/* More than any unit can sensibly pass; bounds the fds we touch. */
#define SYSTEMD_LISTEN_FDS_MAX 1024

struct systemd_activation {
	unsigned int
		count; /* fds SYSTEMD_LISTEN_FDS_START.., 0: not activated */
	char **names;  /* count names (maybe ""), or NULL if none given */
};

/*
 * Reads the activation variables' values (any may be NULL) as the process
 * @self.  Not for us (@listen_pid unset, or another process's pid: the
 * variables leaked from a parent) is 0 with @out->count 0.  For us, a
 * LISTEN_FDS that is not a number from 0 to SYSTEMD_LISTEN_FDS_MAX, or a
 * malformed LISTEN_PID, is -EINVAL with a reason in @err.  LISTEN_FDNAMES
 * with a different number of names than fds is ignored (names NULL), as
 * the names are only for log lines.  @out is freed with
 * systemd_activation_free().  Returns 0, -EINVAL or -ENOMEM.
 */
int systemd_activation_parse(const char *listen_pid, const char *listen_fds,
			     const char *listen_fdnames, pid_t self,
			     struct systemd_activation *out, char *err,
			     size_t err_len);

/*
 * systemd_activation_parse() on this process's environment, then unsets the
 * three variables so that nothing we might start inherits them.
 */
int systemd_activation_from_env(struct systemd_activation *out, char *err,
				size_t err_len);

void systemd_activation_free(struct systemd_activation *act);

/* Where readiness goes; fd -1 when NOTIFY_SOCKET is unset. */
struct systemd_notifier {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/*
 * Opens the datagram socket for @notify_socket (a path, or "@name" for an
 * abstract socket).  NULL or "" leaves @n->fd at -1 and returns 0.  Opened
 * once at start-up: sending needs no call the system-call filter refuses
 * (sendto on this fd).  Returns 0, -EAFNOSUPPORT for a kind of address we
 * do not speak (vsock:...), -ENAMETOOLONG, or the -errno of socket().
 */
int systemd_notifier_open(struct systemd_notifier *n,
			  const char *notify_socket);

/*
 * Sends @state ("READY=1\nSTATUS=...") as one datagram.  A notifier without
 * a socket sends nothing and returns 0.  Thread-safe (one sendto).  Never
 * blocks: -EAGAIN when the receiver's queue is full.  Returns 0 or -errno.
 */
int systemd_notifier_send(const struct systemd_notifier *n, const char *state);

void systemd_notifier_close(struct systemd_notifier *n);

/*
 * "STATUS=serving 2 devices, 1 connected" into @buf (with @ready, prefixed
 * by "READY=1\n").  Returns the length, or -ENOSPC if it does not fit.
 */
int systemd_status_format(char *buf, size_t len, bool ready,
			  unsigned int devices, unsigned int connected);

#endif
