// SPDX-License-Identifier: MIT
#include "service_status.h"

#include <errno.h>
#include <string.h>

#include "log.h"

/*
 * With the lock held.  Only the first failure is a warning: a notify
 * socket that went away would otherwise add one to every connection.
 */
static void sent(struct service_status *st, int ret)
{
	if (ret >= 0)
		return;
	if (!st->warned)
		log_warn("NOTIFY_SOCKET: %s (later failures are not logged)",
			 strerror(-ret));
	st->warned = true;
}

/* With the lock held. */
static void send_status(struct service_status *st, bool ready)
{
	char text[128];

	if (systemd_status_format(text, sizeof(text), ready, st->devices,
				  st->connected) < 0)
		return;
	sent(st, systemd_notifier_send(&st->notifier, text));
}

void service_status_open(struct service_status *st, const char *notify_socket,
			 unsigned int devices)
{
	int ret;

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->devices = devices;
	ret = systemd_notifier_open(&st->notifier, notify_socket);
	if (ret < 0)
		log_warn("NOTIFY_SOCKET=%s: %s; not notifying systemd",
			 notify_socket,
			 ret == -EAFNOSUPPORT ? "not a Unix socket address"
					      : strerror(-ret));
}

void service_status_connection(void *opaque, bool connected)
{
	struct service_status *st = opaque;

	pthread_mutex_lock(&st->lock);
	if (connected)
		st->connected++;
	else if (st->connected)
		st->connected--;
	if (st->ready && !st->stopping)
		send_status(st, false);
	pthread_mutex_unlock(&st->lock);
}

void service_status_ready(struct service_status *st)
{
	pthread_mutex_lock(&st->lock);
	st->ready = true;
	send_status(st, true);
	pthread_mutex_unlock(&st->lock);
}

void service_status_stopping(struct service_status *st)
{
	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	sent(st, systemd_notifier_send(&st->notifier, "STOPPING=1"));
	pthread_mutex_unlock(&st->lock);
}

void service_status_close(struct service_status *st)
{
	systemd_notifier_close(&st->notifier);
	pthread_mutex_destroy(&st->lock);
}
