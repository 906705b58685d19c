/* SPDX-License-Identifier: MIT */
/*
 * Where each device is served (README "Socket activation and --fd"): the
 * sockets systemd passed, the one --fd gives, or PATH0 .. PATH<N-1> made
 * from --socket-path.  A given socket must be a listening Unix stream
 * socket; its path, read back with getsockname(), names it and puts its
 * PATH.sim next to it.  Among the sockets systemd passed, one bound to
 * PATH.sim is the control socket of the device socket bound to PATH.
 *
 * Nothing is printed: a start-up error is one sentence in the caller's
 * buffer (ending in " (see --help)" for a mistake on the command line),
 * for main() to print before it exits with status 2.
 */
#ifndef VDG_ENDPOINTS_H
#define VDG_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "options.h"
#include "systemd.h"

/* The size of a Unix socket address's path, its NUL included. */
#define ENDPOINT_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* One device's socket. */
struct endpoint {
	char path[ENDPOINT_PATH_MAX]; /* to create, or the given one's; "" */
	char label[ENDPOINT_PATH_MAX + 32]; /* path, name or "fd N": logs */
	char name[64];			    /* LISTEN_FDNAMES entry, or "" */
	int fd;				    /* given listening socket, or -1 */
	int sim_fd;			    /* given control socket, or -1 */
};

/*
 * The devices' sockets by @opts and the sockets systemd passed (@act).
 * Given sockets are checked and made non-blocking and close-on-exec
 * (unix_socket_adopt).  Returns the number of devices (at least 1) and
 * *@out (freed with endpoints_free()), or -errno with one sentence in
 * @err; on failure no fd is closed.
 */
int endpoints_resolve(const struct options *opts,
		      const struct systemd_activation *act,
		      struct endpoint **out, char *err, size_t err_size);

/* Closes the given sockets no server took over (fd -1) and frees @eps. */
void endpoints_free(struct endpoint *eps, unsigned int count);

/*
 * A --socket-count that disagrees with the @count sockets given (by
 * systemd, @activated, or --fd): 0 or -EINVAL with the message.
 */
int endpoints_check_socket_count(const struct options *opts, bool activated,
				 unsigned int count, char *err,
				 size_t err_size);

/*
 * A device list of @entries entries for @count sockets: 0, or -EINVAL with
 * the message (which says where the count of sockets came from).
 */
int endpoints_check_entries(const struct options *opts, bool activated,
			    unsigned int count, unsigned int entries, char *err,
			    size_t err_size);

#endif
