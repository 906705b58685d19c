/* SPDX-License-Identifier: MIT */
/*
 * What systemd is told about the daemon (sd_notify, through systemd.c):
 * "READY=1" with "STATUS=serving N devices, M connected" once every socket
 * listens, a new STATUS= whenever a front-end connects or goes, and
 * "STOPPING=1".  The serving threads report connections, the main thread
 * readiness and stopping; a lock keeps the datagrams in the order of the
 * counts they carry.  Without NOTIFY_SOCKET nothing is sent.
 */
#ifndef VDG_SERVICE_STATUS_H
#define VDG_SERVICE_STATUS_H

#include <pthread.h>
#include <stdbool.h>

#include "systemd.h"

struct service_status {
	pthread_mutex_t lock;
	struct systemd_notifier notifier;
	unsigned int devices;
	unsigned int connected;
	bool ready;
	bool stopping;
	bool warned; /* a send failed: later failures are not logged */
};

/*
 * Opens the notify socket @notify_socket (NOTIFY_SOCKET's value; NULL or
 * "": none) for a daemon serving @devices devices.  Call it before the
 * system-call filter goes in: sending is all it needs afterwards.  A
 * socket that cannot be opened is a warning: the daemon then notifies
 * nobody.
 */
void service_status_open(struct service_status *st, const char *notify_socket,
			 unsigned int devices);

/*
 * A front-end connected (@connected) or went away, on a serving thread: a
 * new STATUS= once the daemon is ready, until it stops.  The signature of
 * gpio_server_connection_fn, with @opaque the struct service_status.
 */
void service_status_connection(void *opaque, bool connected);

/* Every socket listens: READY=1 and the status. */
void service_status_ready(struct service_status *st);

/* SIGTERM or SIGINT: STOPPING=1, and no more status. */
void service_status_stopping(struct service_status *st);

/* Closes the notify socket (after the serving threads ended). */
void service_status_close(struct service_status *st);

#endif
