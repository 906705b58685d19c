// SPDX-License-Identifier: MIT
/*
 * One socket's thread: accepting front-ends one at a time, the stop
 * eventfd, and the simulated chip's control socket, around the device
 * (gpio_vhost.c) in the socket's event loop.  See gpio_server.h.
 */
#include "gpio_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control_socket.h"
#include "event_loop.h"
#include "gpio_backend.h"
#include "gpio_sim.h"
#include "gpio_trace.h"
#include "gpio_vhost.h"
#include "log.h"
#include "sim_control.h"
#include "sim_play.h"
#include "unix_socket.h"

struct gpio_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char name[64];	/* the socket's name in log lines */
	bool owns_path; /* we made the socket file: remove it at the end */
	struct unix_socket_file file; /* that file, if owns_path */
	int listen_fd;
	int stop_fd; /* eventfd: the main thread asks us to stop */
	bool stopping;
	bool thread_started;
	pthread_t thread;
	struct gpio_server_gate *gate; /* waited for before serving */
	struct event_loop *loop;
	struct gpio_vhost *gv;
	struct gpio_backend *be;	    /* the device's (borrowed) */
	struct gpio_backend *sim;	    /* the same, if simulated */
	struct control_socket *sim_control; /* PATH.sim for a simulated chip */
	struct gpio_trace *trace; /* the lines' trace for its `trace` clients */
	struct sim_player *player; /* timed stimulus (`play-*` commands) */
	struct wire_hub *hub;	   /* the daemon's wires, if any */
	unsigned int index;	   /* this device's number in them */
	struct wire_port *wires;   /* this chip's place in them */
	gpio_server_connection_fn on_connection; /* may be NULL */
	void *connection_opaque;
	int64_t poll_ns;    /* --poll-us: 0, never poll */
	int64_t poll_until; /* CLOCK_MONOTONIC ns: poll until then */
	bool polling;	    /* kicks are off: gpio_vhost_poll_begin() */
};

static void on_listen(void *opaque, uint32_t events);

/* The front-end is gone: the socket accepts the next connection. */
static void on_disconnected(void *opaque)
{
	struct gpio_server *server = opaque;

	if (event_loop_add(server->loop, server->listen_fd, EPOLLIN, on_listen,
			   server) < 0)
		log_error("cannot listen again; no more connections");
	log_info("front-end disconnected; lines released");
	if (server->on_connection)
		server->on_connection(server->connection_opaque, false);
}

/* The control socket's broadcast channels: `watch`, `trace`. */
#define CHANNEL_WATCH ((unsigned int)CONTROL_SOCKET_SUBSCRIBE)
#define CHANNEL_TRACE 2u

/* `trace`: the stream's head now, every change from then on. */
static int start_trace(struct gpio_server *server, struct text_buf *out)
{
	int ret = gpio_trace_begin(server->trace);

	if (ret < 0)
		return ret;
	gpio_vhost_trace_lines(server->gv);
	ret = gpio_trace_header(server->trace, out);
	return ret < 0 ? ret : (int)CHANNEL_TRACE;
}

/* `list` ends with the wires that touch this chip, before its "end". */
static int list_wires(struct gpio_server *server, struct text_buf *out)
{
	int ret;

	if (out->len < 4 || memcmp(out->data + out->len - 4, "end\n", 4))
		return 0;
	out->len -= 4;
	ret = wire_port_list(server->wires, out);
	return ret < 0 ? ret : text_buf_printf(out, "end\n");
}

/* `quiet on|off`: this client's "ok" replies are left out, or sent again. */
static int quiet_command(struct gpio_server *server, const char *line,
			 size_t len, struct text_buf *out)
{
	char text[32], *words[3];
	size_t bad;
	int n = sim_control_split(line, len, text, sizeof(text), words, 3,
				  &bad);
	bool quiet;

	if (n == 2 && !strcmp(words[1], "on"))
		quiet = true;
	else if (n == 2 && !strcmp(words[1], "off"))
		quiet = false;
	else
		return text_buf_printf(out, "error usage: quiet on|off\n");
	control_socket_set_quiet(server->sim_control, quiet);
	/* Not "ok": the answer to this command is always sent. */
	return text_buf_printf(out, "quiet %s\n", quiet ? "on" : "off");
}

/* A line of the .sim control socket; its edges may return eventq pairs. */
static int sim_command(void *opaque, const char *line, size_t len,
		       struct text_buf *out)
{
	struct gpio_server *server = opaque;
	int ret;

	if (!server->sim && ((len > 5 && !memcmp(line, "play-", 5)) ||
			     (len > 5 && !memcmp(line, "wire ", 5)) ||
			     (len > 7 && !memcmp(line, "unwire ", 7))))
		return text_buf_printf(out, "error a host chip's lines are "
					    "read-only here\n");
	if (len >= 5 && !memcmp(line, "quiet", 5) &&
	    (len == 5 || line[5] == ' ' || line[5] == '\t'))
		return quiet_command(server, line, len, out);
	if (len > 5 && !memcmp(line, "play-", 5))
		return sim_player_execute(
			server->player,
			control_socket_running_client(server->sim_control),
			line, len, out);
	if ((len > 5 && !memcmp(line, "wire ", 5)) ||
	    (len > 7 && !memcmp(line, "unwire ", 7)))
		return server->wires
			       ? wire_port_execute(server->wires, line, len,
						   out)
			       : text_buf_printf(out, "error no wires here\n");
	ret = sim_control_execute(server->be, line, len, out);
	if (ret == 0 && len == 4 && !memcmp(line, "list", 4) && server->wires)
		ret = list_wires(server, out);

	gpio_vhost_flush_events(server->gv);
	if (ret == SIM_CONTROL_WATCH)
		return (int)CHANNEL_WATCH;
	if (ret == SIM_CONTROL_TRACE)
		return start_trace(server, out);
	return ret;
}

/* Streams a line's new state to the control socket's `watch` clients. */
static void sim_line_changed(void *opaque, unsigned int line)
{
	struct gpio_server *server = opaque;
	struct text_buf text = {0};

	wire_port_line_changed(server->wires, line);
	/* Every guest SET_VALUE that changes a level lands here: stay cheap. */
	if (!control_socket_has_subscribers_on(server->sim_control,
					       CHANNEL_WATCH))
		return;
	if (sim_control_line_state(server->sim, line, &text) == 0 && text.len)
		control_socket_broadcast_on(server->sim_control, CHANNEL_WATCH,
					    text.data);
	text_buf_free(&text);
}

/* A control client went: the play it started stops. */
static void sim_client_gone(void *opaque, unsigned int client)
{
	struct gpio_server *server = opaque;

	sim_player_client_gone(server->player, client);
}

/* A trace shows the changes of one instant at one time, as played. */
static void play_apply(void *opaque, unsigned int line, uint8_t value,
		       uint64_t ns)
{
	struct gpio_server *server = opaque;

	gpio_trace_set_instant(server->trace, ns);
	gpio_sim_set_input(server->sim, line, value);
}

/* One instant's changes are in: the eventq pairs they fired go back. */
static void play_settle(void *opaque)
{
	struct gpio_server *server = opaque;

	gpio_trace_set_instant(server->trace, 0);
	gpio_vhost_flush_events(server->gv);
}

static void play_send(void *opaque, unsigned int client, const char *text)
{
	struct gpio_server *server = opaque;

	control_socket_send_to(server->sim_control, client, text);
}

/* The wires' changes of one mailbox turn are in: as play_settle. */
static void wires_settle(void *opaque)
{
	struct gpio_server *server = opaque;

	gpio_vhost_flush_events(server->gv);
}

static const struct sim_play_ops play_ops = {
	.apply = play_apply,
	.settle = play_settle,
	.send = play_send,
};

static void on_listen(void *opaque, uint32_t events)
{
	struct gpio_server *server = opaque;
	int fd;

	fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	if (gpio_vhost_attach(server->gv, fd) < 0) {
		log_error("cannot watch the new connection; closing it");
		return;
	}
	/* One front-end at a time: later ones wait in the backlog. */
	event_loop_remove(server->loop, server->listen_fd);
	log_info("front-end connected");
	if (server->on_connection)
		server->on_connection(server->connection_opaque, true);
}

static void on_stop(void *opaque, uint32_t events)
{
	struct gpio_server *server = opaque;

	server->stopping = true;
}

void gpio_server_gate_open(struct gpio_server_gate *gate)
{
	pthread_mutex_lock(&gate->lock);
	gate->opened = true;
	pthread_cond_broadcast(&gate->opened_cond);
	pthread_mutex_unlock(&gate->lock);
}

static void gate_wait(struct gpio_server_gate *gate)
{
	if (!gate)
		return;
	pthread_mutex_lock(&gate->lock);
	while (!gate->opened)
		pthread_cond_wait(&gate->opened_cond, &gate->lock);
	pthread_mutex_unlock(&gate->lock);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * How long the next wait for events may last, in epoll's terms: -1 (sleep
 * until one comes) or 0 (only look: we are polling).  Called before every
 * wait.  Without --poll-us it is always -1.  With it, a queue served (on
 * a kick, or found by polling) opens a window of poll_ns, during which
 * the rings are looked at between non-blocking waits (so the control
 * socket and the host chip's fds are served all along) and the driver is
 * told not to kick.  When the window has passed, kicks are asked for
 * again and the rings looked at once more: a buffer added just before
 * the driver could see that gets no kick, so it is served here and the
 * window opens again.  Otherwise the thread sleeps: an idle daemon never
 * wakes up.
 */
static int next_wait_ms(struct gpio_server *server)
{
	int64_t now;

	if (!server->poll_ns)
		return -1;
	for (;;) {
		if (server->polling)
			gpio_vhost_poll(server->gv);
		now = monotonic_ns();
		if (gpio_vhost_take_served(server->gv))
			server->poll_until = now + server->poll_ns;
		if (now < server->poll_until) {
			if (!server->polling)
				gpio_vhost_poll_begin(server->gv);
			server->polling = true;
			return 0;
		}
		if (!server->polling)
			return -1;
		server->polling = false;
		if (!gpio_vhost_poll_end(server->gv))
			return -1;
		gpio_vhost_poll(server->gv);
	}
}

static void *serve(void *opaque)
{
	struct gpio_server *server = opaque;

	gate_wait(server->gate);
	log_set_thread_tag(server->name);
	gpio_vhost_guard_thread(server->gv);
	while (!server->stopping) {
		int ret =
			event_loop_dispatch(server->loop, next_wait_ms(server));

		if (ret < 0 && ret != -EINTR) {
			log_error("event loop: %s", strerror(-ret));
			break;
		}
		gpio_vhost_check_memory(server->gv);
	}
	gpio_vhost_detach(server->gv);
	/* The count of messages the rate limit held back, if any. */
	log_flush_thread();
	return NULL;
}

/* Writes the start-up error message, if the caller wants it. */
__attribute__((format(printf, 3, 4))) static void
server_error(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

/*
 * The simulated chip's control socket: the one given, else PATH.sim.  For a
 * socket we were given, a control socket we cannot make is no reason not
 * to serve the device: the chip then just cannot be driven from the host.
 */
static int open_sim_control(struct gpio_server *server, int sim_fd, char *err,
			    size_t err_size)
{
	char control_path[sizeof(server->path) + 4];
	int ret;

	if (sim_fd >= 0)
		return control_socket_new_fd(server->loop, sim_fd, sim_command,
					     server, &server->sim_control);
	if (!server->path[0]) {
		log_warn("%s: an unnamed socket has no PATH.sim; the "
			 "device has no control socket",
			 server->name);
		return 0;
	}
	snprintf(control_path, sizeof(control_path), "%s.sim", server->path);
	ret = control_socket_new(server->loop, control_path, sim_command,
				 server, &server->sim_control);
	if (ret < 0 && !server->owns_path) {
		log_warn("%s: cannot create %s (%s); the device has no "
			 "control socket",
			 server->name, control_path, unix_socket_strerror(ret));
		return 0;
	}
	if (ret < 0)
		server_error(err, err_size,
			     "%s: cannot create the control socket: %s",
			     control_path, unix_socket_strerror(ret));
	return ret;
}

/* A given socket's name in start-up messages: its path, name or fd. */
static void socket_label(const struct gpio_server_socket *sock, char *buf,
			 size_t size)
{
	if (sock->path && sock->path[0])
		snprintf(buf, size, "%s", sock->path);
	else if (sock->name && sock->name[0])
		snprintf(buf, size, "%s", sock->name);
	else
		snprintf(buf, size, "fd %d", sock->listen_fd);
}

/* The server's path and its name in log lines (see gpio_server_socket). */
static void set_names(struct gpio_server *server,
		      const struct gpio_server_socket *sock, const char *path)
{
	const char *slash;

	strcpy(server->path, path);
	slash = strrchr(server->path, '/');
	if (sock->name && *sock->name)
		snprintf(server->name, sizeof(server->name), "%s", sock->name);
	else if (*path)
		snprintf(server->name, sizeof(server->name), "%s",
			 slash ? slash + 1 : server->path);
	else
		snprintf(server->name, sizeof(server->name), "fd %d",
			 sock->listen_fd);
}

/*
 * What serving needs besides the sockets: the stop eventfd, and the event
 * loop with the device over @be (taken over, also on failure) in it.
 * Returns 0, or -errno with everything it made freed again (and @err set
 * if the device could not be made).
 */
static int server_open_loop(struct gpio_server *server, struct gpio_backend *be,
			    const char *label, char *err, size_t err_size)
{
	int ret;

	server->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (server->stop_fd < 0) {
		ret = -errno;
		goto err_destroy_backend;
	}
	ret = event_loop_new(&server->loop);
	if (ret < 0)
		goto err_close_stop;
	ret = event_loop_add(server->loop, server->stop_fd, EPOLLIN, on_stop,
			     server);
	if (ret < 0)
		goto err_free_loop;
	ret = gpio_vhost_new(server->loop, be, &server->gv);
	be = NULL; /* the device's, or gone */
	if (ret < 0) {
		server_error(err, err_size, "%s: cannot create the device: %s",
			     label, strerror(-ret));
		goto err_free_loop;
	}
	gpio_vhost_set_disconnect_handler(server->gv, on_disconnected, server);
	return 0;

err_free_loop:
	event_loop_free(server->loop);
err_close_stop:
	close(server->stop_fd);
err_destroy_backend:
	gpio_backend_destroy(be);
	return ret;
}

/* Undoes server_open_loop(). */
static void server_close_loop(struct gpio_server *server)
{
	/* The back-end may still have fds in the loop: free it first. */
	gpio_vhost_free(server->gv);
	event_loop_free(server->loop);
	close(server->stop_fd);
}

/* Undoes control_open(): the clients first, their going stops plays. */
static void control_close(struct gpio_server *server)
{
	wire_port_detach(server->wires);
	server->wires = NULL;
	control_socket_free(server->sim_control);
	server->sim_control = NULL;
	sim_player_free(server->player);
	server->player = NULL;
	gpio_trace_free(server->trace);
	server->trace = NULL;
	gpio_sim_set_watch(server->sim, NULL, NULL);
}

/*
 * The control socket and what serves it: the trace of every device; for a
 * simulated chip also its watchers, the player and the wires.  Returns 0
 * or -errno (@err set), with everything undone.
 */
static int control_open(struct gpio_server *server, int sim_fd, char *err,
			size_t err_size)
{
	int ret = open_sim_control(server, sim_fd, err, err_size);

	if (ret < 0)
		return ret;
	ret = gpio_trace_new(server->be, server->sim_control, CHANNEL_TRACE,
			     &server->trace);
	if (ret < 0 || !server->sim)
		goto out;
	gpio_sim_set_watch(server->sim, sim_line_changed, server);
	ret = sim_player_new(server->loop, server->sim->ngpio, &play_ops,
			     server, &server->player);
	if (ret < 0)
		goto out;
	if (server->sim_control)
		control_socket_set_close_handler(server->sim_control,
						 sim_client_gone);
	if (server->hub)
		ret = wire_hub_attach(server->hub, server->index, server->sim,
				      server->loop, wires_settle, server,
				      &server->wires);
out:
	if (ret < 0)
		control_close(server);
	return ret;
}

/*
 * The simulated chip's control socket first (PATH.sim: once the device
 * socket appears, which is what VMMs, scripts and tests wait for, the
 * control socket is there too), then the device socket: @listen_fd, or
 * made at the path.  Both fds are taken over, also on failure.  Returns 0
 * or -errno, with @err set.
 */
static int server_listen(struct gpio_server *server, int listen_fd, int sim_fd,
			 char *err, size_t err_size)
{
	int ret;

	server->owns_path = listen_fd < 0;
	ret = control_open(server, sim_fd, err, err_size);
	if (ret < 0)
		goto err_close_listen;
	if (listen_fd < 0) {
		ret = unix_socket_listen(server->path, &server->file);
		if (ret < 0) {
			server_error(err, err_size,
				     "%s: cannot create the socket: %s",
				     server->path, unix_socket_strerror(ret));
			goto err_free_sim;
		}
		listen_fd = ret;
	}
	server->listen_fd = listen_fd;
	ret = event_loop_add(server->loop, listen_fd, EPOLLIN, on_listen,
			     server);
	if (ret < 0)
		goto err_remove_socket;
	return 0;

err_remove_socket:
	close(server->listen_fd);
	server->listen_fd = -1;
	listen_fd = -1;
	if (server->owns_path)
		unix_socket_remove(server->path, &server->file);
err_free_sim:
	control_close(server);
err_close_listen:
	if (listen_fd >= 0)
		close(listen_fd);
	return ret;
}

int gpio_server_new(const struct gpio_server_socket *sock,
		    struct gpio_backend *be, struct gpio_server **out,
		    char *err, size_t err_size)
{
	const char *path = sock->path ? sock->path : "";
	int listen_fd = sock->listen_fd, sim_fd = sock->sim_fd;
	struct gpio_server *server = NULL;
	bool sim = gpio_sim_is(be);
	char label[sizeof(server->path) + 16];
	int ret;

	if (err && err_size)
		err[0] = '\0';
	socket_label(sock, label, sizeof(label));
	ret = -ENAMETOOLONG;
	if (strlen(path) >= sizeof(server->path)) {
		server_error(err, err_size,
			     "%s: too long for a Unix socket address", path);
		goto err_destroy_backend;
	}
	ret = -ENOMEM;
	server = calloc(1, sizeof(*server));
	if (!server)
		goto err_destroy_backend;
	server->be = be;
	server->sim = sim ? be : NULL;
	server->listen_fd = -1;
	server->hub = sock->wires;
	server->index = sock->index;
	set_names(server, sock, path);
	ret = server_open_loop(server, be, label, err, err_size);
	be = NULL; /* the device's, or gone */
	if (ret < 0)
		goto err_free_server;
	ret = server_listen(server, listen_fd, sim_fd, err, err_size);
	listen_fd = sim_fd = -1; /* taken over, also on failure */
	if (ret < 0)
		goto err_close_loop;
	*out = server;
	return 0;

err_close_loop:
	server_close_loop(server);
err_free_server:
	free(server);
err_destroy_backend:
	gpio_backend_destroy(be);
	if (listen_fd >= 0)
		close(listen_fd);
	if (sim_fd >= 0)
		close(sim_fd);
	/* Not the socket files: nothing another process did. */
	if (err && err_size && !err[0])
		server_error(err, err_size, "cannot serve %s: %s",
			     *path ? path : "the socket", strerror(-ret));
	return ret;
}

void gpio_server_set_connection_handler(struct gpio_server *server,
					gpio_server_connection_fn fn,
					void *opaque)
{
	server->on_connection = fn;
	server->connection_opaque = opaque;
}

void gpio_server_set_poll(struct gpio_server *server, unsigned int poll_us)
{
	server->poll_ns = (int64_t)poll_us * 1000;
}

int gpio_server_start(struct gpio_server *server, struct gpio_server_gate *gate)
{
	int ret;

	server->gate = gate;
	ret = pthread_create(&server->thread, NULL, serve, server);

	if (ret)
		return -ret;
	server->thread_started = true;
	return 0;
}

void gpio_server_free(struct gpio_server *server)
{
	uint64_t one = 1;

	if (!server)
		return;
	if (server->thread_started) {
		if (write(server->stop_fd, &one, sizeof(one)) < 0)
			log_error("cannot stop the thread of %s", server->path);
		pthread_join(server->thread, NULL);
	}
	control_close(server);
	close(server->listen_fd);
	/*
	 * A socket we were given is not ours to remove, nor whatever someone
	 * put at the path of ours meanwhile.
	 */
	if (server->owns_path)
		unix_socket_remove(server->path, &server->file);
	server_close_loop(server);
	free(server);
}
