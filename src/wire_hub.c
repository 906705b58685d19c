// SPDX-License-Identifier: MIT
/*
 * Wires between the simulated chips of one daemon, across threads: see
 * wire_hub.h.  Lock order: the hub's, then a port's mailbox lock.
 */
#include "wire_hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "gpio_sim.h"
#include "sim_control.h"

enum wire_msg_kind {
	MSG_SET,  /* a wire drives the line to level */
	MSG_SYNC, /* send the line's level down its wires */
};

struct wire_msg {
	uint8_t kind;
	uint8_t level;
	uint16_t line;
};

struct wire_port {
	struct wire_hub *hub;
	unsigned int index;
	struct gpio_backend *sim;
	unsigned int ngpio;
	struct event_loop *loop;
	int event_fd;
	void (*settle)(void *opaque);
	void *opaque;
	/* Wires whose source is here: the only thing the hot path reads. */
	unsigned int sources;
	pthread_mutex_t lock; /* the mailbox */
	struct wire_msg *msgs;
	size_t count, cap;
};

struct wire_hub {
	pthread_mutex_t lock;
	struct wire_graph graph;
	unsigned int ndevs;
	struct wire_port **ports; /* ndevs; NULL: not a simulated chip */
};

int wire_hub_new(unsigned int ndevs, struct wire_hub **out)
{
	struct wire_hub *hub = calloc(1, sizeof(*hub));

	if (!hub)
		return -ENOMEM;
	hub->ports = calloc(ndevs ? ndevs : 1, sizeof(*hub->ports));
	if (!hub->ports) {
		free(hub);
		return -ENOMEM;
	}
	hub->ndevs = ndevs;
	pthread_mutex_init(&hub->lock, NULL);
	*out = hub;
	return 0;
}

void wire_hub_free(struct wire_hub *hub)
{
	if (!hub)
		return;
	wire_graph_free(&hub->graph);
	pthread_mutex_destroy(&hub->lock);
	free(hub->ports);
	free(hub);
}

/* Queues @msg for @port's thread and wakes it.  Hub lock held. */
static void port_post(struct wire_port *port, enum wire_msg_kind kind,
		      unsigned int line, uint8_t level)
{
	uint64_t one = 1;
	bool stored = false;

	pthread_mutex_lock(&port->lock);
	if (port->count == port->cap) {
		size_t cap = port->cap ? port->cap * 2 : 16;
		struct wire_msg *m = realloc(port->msgs, cap * sizeof(*m));

		if (m) {
			port->msgs = m;
			port->cap = cap;
		}
	}
	if (port->count < port->cap) {
		port->msgs[port->count++] = (struct wire_msg){
			.kind = (uint8_t)kind,
			.level = level,
			.line = (uint16_t)line,
		};
		stored = true;
	}
	pthread_mutex_unlock(&port->lock);
	/* Out of memory: the wire misses this change, nothing worse. */
	if (stored && write(port->event_fd, &one, sizeof(one)) < 0)
		return;
}

/* Lines of its own chip a port drives at once, per change. */
#define MAX_LOCAL_TARGETS 64

/*
 * On @port's thread: sends the level of its line @line down every wire
 * from it.  Lines of this chip follow at once (driving them may drive
 * others in turn: the lock is not held then); other devices' lines get a
 * message, which their threads apply at their next loop turn.
 */
static void propagate(struct wire_port *port, unsigned int line)
{
	struct wire_end src = {.dev = (uint16_t)port->index,
			       .line = (uint16_t)line};
	uint16_t local[MAX_LOCAL_TARGETS];
	unsigned int nlocal = 0, i;
	struct wire_hub *hub = port->hub;
	uint8_t level = 0;

	if (port->sim->ops->get_value(port->sim, line, &level) < 0)
		return;
	pthread_mutex_lock(&hub->lock);
	for (i = 0; i < hub->graph.count; i++) {
		const struct wire *w = &hub->graph.wires[i];

		if (!wire_end_equal(w->src, src) || !hub->ports[w->dst.dev])
			continue;
		if (w->dst.dev == port->index && nlocal < MAX_LOCAL_TARGETS)
			local[nlocal++] = w->dst.line;
		else
			port_post(hub->ports[w->dst.dev], MSG_SET, w->dst.line,
				  level);
	}
	pthread_mutex_unlock(&hub->lock);
	for (i = 0; i < nlocal; i++)
		if (gpio_sim_is_wired(port->sim, local[i]))
			gpio_sim_drive_input(port->sim, local[i], level);
}

void wire_port_line_changed(struct wire_port *port, unsigned int line)
{
	/* Written under the hub lock by any thread: read it atomically. */
	if (!port || !__atomic_load_n(&port->sources, __ATOMIC_RELAXED))
		return;
	propagate(port, line);
}

static void apply_msg(struct wire_port *port, const struct wire_msg *m)
{
	switch (m->kind) {
	case MSG_SET:
		/* Unwired since it was sent: the line is the host's again. */
		if (gpio_sim_is_wired(port->sim, m->line))
			gpio_sim_drive_input(port->sim, m->line, m->level);
		break;
	case MSG_SYNC:
		propagate(port, m->line);
		break;
	}
}

/* The mailbox: what other threads (and this one) sent, in order. */
static void on_mailbox(void *opaque, uint32_t events)
{
	struct wire_port *port = opaque;
	struct wire_msg *msgs;
	uint64_t count;
	size_t n, i;

	if (read(port->event_fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&port->lock);
	msgs = port->msgs;
	n = port->count;
	port->msgs = NULL;
	port->count = port->cap = 0;
	pthread_mutex_unlock(&port->lock);
	for (i = 0; i < n; i++)
		apply_msg(port, &msgs[i]);
	free(msgs);
	port->settle(port->opaque);
}

int wire_hub_attach(struct wire_hub *hub, unsigned int index,
		    struct gpio_backend *sim, struct event_loop *loop,
		    void (*settle)(void *opaque), void *opaque,
		    struct wire_port **out)
{
	struct wire_port *port;
	int ret;

	if (index >= hub->ndevs || !gpio_sim_is(sim))
		return -EINVAL;
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->hub = hub;
	port->index = index;
	port->sim = sim;
	port->ngpio = sim->ngpio;
	port->loop = loop;
	port->settle = settle;
	port->opaque = opaque;
	pthread_mutex_init(&port->lock, NULL);
	port->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (port->event_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = event_loop_add(loop, port->event_fd, EPOLLIN, on_mailbox, port);
	if (ret < 0)
		goto err_close;
	pthread_mutex_lock(&hub->lock);
	hub->ports[index] = port;
	pthread_mutex_unlock(&hub->lock);
	*out = port;
	return 0;

err_close:
	close(port->event_fd);
err_free:
	pthread_mutex_destroy(&port->lock);
	free(port);
	return ret;
}

void wire_port_detach(struct wire_port *port)
{
	if (!port)
		return;
	pthread_mutex_lock(&port->hub->lock);
	port->hub->ports[port->index] = NULL;
	pthread_mutex_unlock(&port->hub->lock);
	event_loop_remove(port->loop, port->event_fd);
	close(port->event_fd);
	pthread_mutex_destroy(&port->lock);
	free(port->msgs);
	free(port);
}

/* Whether @end is a line of a simulated chip; else the error in @err. */
static bool end_exists(struct wire_hub *hub, struct wire_end end, char *err,
		       size_t err_size)
{
	struct wire_port *port =
		end.dev < hub->ndevs ? hub->ports[end.dev] : NULL;

	if (end.dev >= hub->ndevs)
		snprintf(err, err_size, "no device %u (0..%u)", end.dev,
			 hub->ndevs - 1);
	else if (!port)
		snprintf(err, err_size, "device %u is not a simulated chip",
			 end.dev);
	else if (end.line >= port->ngpio)
		snprintf(err, err_size, "no line %u on device %u (0..%u)",
			 end.line, end.dev, port->ngpio - 1);
	else
		return true;
	return false;
}

int wire_hub_connect(struct wire_hub *hub, struct wire_end src,
		     struct wire_end dst, char *err, size_t err_size)
{
	const struct wire *w;
	int ret = -EINVAL;

	pthread_mutex_lock(&hub->lock);
	if (!end_exists(hub, src, err, err_size) ||
	    !end_exists(hub, dst, err, err_size))
		goto out;
	w = wire_graph_driver(&hub->graph, dst);
	if (w) {
		snprintf(err, err_size, "%u:%u is driven by %u:%u already",
			 dst.dev, dst.line, w->src.dev, w->src.line);
		ret = -EEXIST;
		goto out;
	}
	ret = wire_graph_add(&hub->graph, src, dst);
	if (ret == -ELOOP)
		snprintf(err, err_size, "%u:%u to %u:%u would close a loop",
			 src.dev, src.line, dst.dev, dst.line);
	else if (ret < 0)
		snprintf(err, err_size, "%s", strerror(-ret));
	if (ret < 0)
		goto out;
	__atomic_add_fetch(&hub->ports[src.dev]->sources, 1, __ATOMIC_RELAXED);
	/* At once, whichever thread this is: a `set` after this is refused. */
	gpio_sim_set_wired(hub->ports[dst.dev]->sim, dst.line, true);
	/* The source's own thread reads its level and sends it down. */
	port_post(hub->ports[src.dev], MSG_SYNC, src.line, 0);
out:
	pthread_mutex_unlock(&hub->lock);
	return ret;
}

static int disconnect(struct wire_hub *hub, struct wire_end dst, char *err,
		      size_t err_size)
{
	const struct wire *w;
	struct wire_end src;
	int ret = -ENOENT;

	pthread_mutex_lock(&hub->lock);
	w = wire_graph_driver(&hub->graph, dst);
	if (!w) {
		snprintf(err, err_size, "no wire drives %u:%u", dst.dev,
			 dst.line);
		goto out;
	}
	src = w->src;
	ret = wire_graph_remove(&hub->graph, dst);
	if (hub->ports[src.dev])
		__atomic_sub_fetch(&hub->ports[src.dev]->sources, 1,
				   __ATOMIC_RELAXED);
	if (hub->ports[dst.dev])
		gpio_sim_set_wired(hub->ports[dst.dev]->sim, dst.line, false);
out:
	pthread_mutex_unlock(&hub->lock);
	return ret;
}

int wire_port_execute(struct wire_port *port, const char *line, size_t len,
		      struct text_buf *out)
{
	char text[128], err[128], *words[3];
	struct wire_end src, dst;
	bool replied;
	int n = sim_control_words(line, len, text, sizeof(text), words, 3, out,
				  &replied);

	if (replied)
		return n;
	if (n == 3 && !strcmp(words[0], "wire") &&
	    !wire_end_parse(words[1], port->index, &src) &&
	    !wire_end_parse(words[2], port->index, &dst)) {
		if (wire_hub_connect(port->hub, src, dst, err, sizeof(err)))
			return text_buf_printf(out, "error %s\n", err);
		return text_buf_printf(out, "ok\n");
	}
	if (n == 2 && !strcmp(words[0], "unwire") &&
	    !wire_end_parse(words[1], port->index, &dst)) {
		if (disconnect(port->hub, dst, err, sizeof(err)))
			return text_buf_printf(out, "error %s\n", err);
		return text_buf_printf(out, "ok\n");
	}
	return text_buf_printf(out, "error usage: wire SRC DST, unwire DST "
				    "(LINE or DEVICE:LINE)\n");
}

int wire_port_list(struct wire_port *port, struct text_buf *out)
{
	struct wire_hub *hub = port->hub;
	int ret = 0;
	size_t i;

	pthread_mutex_lock(&hub->lock);
	for (i = 0; ret == 0 && i < hub->graph.count; i++) {
		const struct wire *w = &hub->graph.wires[i];

		if (w->src.dev == port->index || w->dst.dev == port->index)
			ret = text_buf_printf(out, "wire %u:%u %u:%u\n",
					      w->src.dev, w->src.line,
					      w->dst.dev, w->dst.line);
	}
	pthread_mutex_unlock(&hub->lock);
	return ret;
}
