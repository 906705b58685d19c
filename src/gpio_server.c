// SPDX-License-Identifier: MIT
#include "gpio_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_socket.h"
#include "event_loop.h"
#include "gpio_backend.h"
#include "gpio_device.h"
#include "gpio_sim.h"
#include "log.h"
#include "sim_control.h"
#include "unix_socket.h"
#include "vu_dev.h"

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
	struct event_loop *loop;
	struct vu_dev *vu;
	struct gpio_device *device;
	struct gpio_backend *be;	    /* the device's */
	struct gpio_backend *sim;	    /* the same, if simulated */
	struct control_socket *sim_control; /* PATH.sim for a simulated chip */
	bool events_pushed;   /* eventq entries used since the last notify */
	bool session_started; /* a queue of this connection was served */
	struct gpio_fd_watcher watcher; /* for the back-end's fds */
	uint8_t *response;		/* room for the largest response */
	size_t response_size;
	gpio_server_connection_fn on_connection; /* may be NULL */
	void *connection_opaque;
};

/* Copies up to @len bytes gathered from @iov into @buf; returns the count. */
static size_t iov_to_buf(const struct iovec *iov, unsigned int count, void *buf,
			 size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < count && done < len; i++) {
		size_t n = iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, iov[i].iov_base, n);
		done += n;
	}
	return done;
}

static void buf_to_iov(const struct iovec *iov, unsigned int count,
		       const void *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < count && done < len; i++) {
		size_t n = iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(iov[i].iov_base, (const char *)buf + done, n);
		done += n;
	}
}

/* Serves one chain of the requestq and gives it back. */
static void serve_request(void *opaque, const struct vq_elem *elem)
{
	struct gpio_server *server = opaque;
	uint8_t request[GPIO_DEVICE_REQUEST_SIZE];
	size_t request_len, response_len, room;
	int ret;

	request_len =
		iov_to_buf(elem->out, elem->out_num, request, sizeof(request));
	room = elem->in_len < server->response_size ? elem->in_len
						    : server->response_size;
	ret = gpio_device_handle_request(server->device, request, request_len,
					 server->response, room, &response_len);
	if (ret < 0) {
		log_warn("requestq: %s request (%zu bytes, %llu bytes of "
			 "response room) returned unanswered",
			 ret == -ENOBUFS ? "undersized response for a"
					 : "malformed",
			 request_len, (unsigned long long)elem->in_len);
		response_len = 0;
	} else {
		buf_to_iov(elem->in, elem->in_num, server->response,
			   response_len);
	}
	vu_dev_queue_push(server->vu, GPIO_DEVICE_REQUESTQ, elem,
			  (uint32_t)response_len);
}

static void process_requests(struct gpio_server *server)
{
	if (vu_dev_queue_drain(server->vu, GPIO_DEVICE_REQUESTQ, serve_request,
			       server) < 0)
		log_warn("requestq broken by the driver; it stays "
			 "stopped until the device is reset");
	if (vu_dev_queue_notify(server->vu, GPIO_DEVICE_REQUESTQ) < 0)
		log_warn("requestq: cannot notify the driver");
}

static void notify_events(struct gpio_server *server)
{
	if (!server->events_pushed)
		return;
	server->events_pushed = false;
	if (vu_dev_queue_notify(server->vu, GPIO_DEVICE_EVENTQ) < 0)
		log_warn("eventq: cannot notify the driver");
}

/*
 * The device gives an eventq pair back.  Only its head was kept: the chain
 * is read again now, so no pointer into guest memory outlives a memory
 * table change.
 */
static void irq_done(void *opaque, uint16_t head, const void *resp,
		     size_t resp_len, bool fired)
{
	struct gpio_server *server = opaque;
	struct vq_elem elem;
	uint32_t len = 0;

	if (vu_dev_queue_read_chain(server->vu, GPIO_DEVICE_EVENTQ, head,
				    &elem) < 0) {
		log_warn("eventq: pair %u cannot be returned", head);
		return;
	}
	if (elem.in_len >= resp_len) {
		buf_to_iov(elem.in, elem.in_num, resp, resp_len);
		len = (uint32_t)resp_len;
	}
	vu_dev_queue_push(server->vu, GPIO_DEVICE_EVENTQ, &elem, len);
	server->events_pushed = true;
	log_debug("eventq: pair %u returned %s", head,
		  fired ? "VALID" : "INVALID");
}

/* Each pair unmasks one line's interrupt until the device returns it. */
static void serve_event(void *opaque, const struct vq_elem *elem)
{
	struct gpio_server *server = opaque;
	uint8_t request[GPIO_DEVICE_REQUEST_SIZE];
	size_t len;

	len = iov_to_buf(elem->out, elem->out_num, request, sizeof(request));
	if (gpio_device_handle_irq_request(server->device, request, len,
					   elem->in_len, elem->head) < 0) {
		log_warn("eventq: malformed pair returned unanswered");
		vu_dev_queue_push(server->vu, GPIO_DEVICE_EVENTQ, elem, 0);
		server->events_pushed = true;
	}
}

static void process_events(struct gpio_server *server)
{
	if (vu_dev_queue_drain(server->vu, GPIO_DEVICE_EVENTQ, serve_event,
			       server) < 0)
		log_warn("eventq broken by the driver; it stays "
			 "stopped until the device is reset");
	notify_events(server);
}

/*
 * After a disconnect the device kept the guest's line state.  A front-end
 * that continues the same guest (QEMU's reconnect) starts the rings where
 * they were, a new guest at zero: that tells whether to restore the state.
 */
static void begin_session(struct gpio_server *server, struct vu_dev *dev)
{
	int ret;

	server->session_started = true;
	if (!gpio_device_is_suspended(server->device))
		return;
	if (!vu_dev_session_continues(dev)) {
		gpio_device_reset(server->device);
		return;
	}
	ret = gpio_device_resume(server->device);
	if (ret < 0)
		log_warn("the guest's lines could not all be restored");
	else
		log_info("front-end continues the running guest; line "
			 "state restored");
}

static void on_queue_kick(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct gpio_server *server = opaque;

	if (!vu_dev_queue_ready(dev, index))
		return;
	if (!server->session_started)
		begin_session(server, dev);
	gpio_device_set_features(server->device, vu_dev_features(dev));
	if (index == GPIO_DEVICE_REQUESTQ) {
		process_requests(server);
		/* IRQ_TYPE NONE gives held pairs back. */
		notify_events(server);
	} else if (index == GPIO_DEVICE_EVENTQ &&
		   gpio_device_has_irq_feature(server->device)) {
		process_events(server);
	}
}

/*
 * The VMM stops the eventq (GET_VRING_BASE, RESET_DEVICE): held pairs go back
 * INVALID so that none is lost inside the back-end; the driver queues them
 * again.  (Not when the front-end is gone: see on_disconnected.)
 */
static void on_queue_stop(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct gpio_server *server = opaque;

	if (index != GPIO_DEVICE_EVENTQ)
		return;
	gpio_device_irq_flush(server->device);
	notify_events(server);
}

static int get_config(void *opaque, uint32_t offset, uint32_t size,
		      uint8_t *out)
{
	struct gpio_server *server = opaque;

	return gpio_device_read_config(server->device, offset, size, out);
}

static void reset_device(void *opaque)
{
	struct gpio_server *server = opaque;

	server->session_started = false;
	gpio_device_reset(server->device);
}

static void on_listen(void *opaque, uint32_t events);

/*
 * The front-end is gone.  The device keeps the guest's line state, in case
 * the next front-end continues the guest (begin_session): a reconnecting
 * QEMU starts the rings at the used index and so hands the held eventq
 * pairs in again by itself.  The socket accepts the next connection.
 */
static void on_disconnected(void *opaque)
{
	struct gpio_server *server = opaque;

	server->session_started = false;
	gpio_device_suspend(server->device);
	if (event_loop_add(server->loop, server->listen_fd, EPOLLIN, on_listen,
			   server) < 0)
		log_error("cannot listen again; no more connections");
	log_info("front-end disconnected; lines released");
	if (server->on_connection)
		server->on_connection(server->connection_opaque, false);
}

static const struct vu_device_ops gpio_vu_ops = {
	.name = "GPIO",
	.device_features = GPIO_DEVICE_FEATURES,
	.num_queues = GPIO_DEVICE_NUM_QUEUES,
	.get_config = get_config,
	.queue_kick = on_queue_kick,
	.queue_stop = on_queue_stop,
	.reset = reset_device,
	.disconnected = on_disconnected,
};

struct fd_watch {
	struct gpio_server *server;
	void (*ready)(void *arg);
	void *arg;
};

static void on_backend_fd(void *opaque, uint32_t events)
{
	struct fd_watch *watch = opaque;

	watch->ready(watch->arg);
	/* A line event may have returned eventq pairs. */
	notify_events(watch->server);
}

/*
 * The event loop frees nothing of ours, so each watch is one allocation kept
 * with the fd; the back-end unwatches before closing it.
 */
static int backend_watch(void *ctx, int fd, void (*ready)(void *arg), void *arg)
{
	struct gpio_server *server = ctx;
	struct fd_watch *watch = malloc(sizeof(*watch));
	int ret;

	if (!watch)
		return -ENOMEM;
	watch->server = server;
	watch->ready = ready;
	watch->arg = arg;
	ret = event_loop_add(server->loop, fd, EPOLLIN, on_backend_fd, watch);
	if (ret < 0)
		free(watch);
	return ret;
}

static void backend_unwatch(void *ctx, int fd)
{
	struct gpio_server *server = ctx;
	void *opaque = event_loop_remove_get(server->loop, fd);

	free(opaque);
}

/* A line of the .sim control socket; its edges may return eventq pairs. */
static int sim_command(void *opaque, const char *line, size_t len,
		       struct text_buf *out)
{
	struct gpio_server *server = opaque;
	int ret = sim_control_execute(server->sim, line, len, out);

	notify_events(server);
	return ret == SIM_CONTROL_WATCH ? CONTROL_SOCKET_SUBSCRIBE : ret;
}

/* Streams a line's new state to the control socket's `watch` clients. */
static void sim_line_changed(void *opaque, unsigned int line)
{
	struct gpio_server *server = opaque;
	struct text_buf text = {0};

	/* Every guest SET_VALUE that changes a level lands here: stay cheap. */
	if (!control_socket_has_subscribers(server->sim_control))
		return;
	if (sim_control_line_state(server->sim, line, &text) == 0 && text.len)
		control_socket_broadcast(server->sim_control, text.data);
	text_buf_free(&text);
}

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
	if (vu_dev_attach(server->vu, fd) < 0) {
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

static void *serve(void *opaque)
{
	struct gpio_server *server = opaque;

	log_set_thread_tag(server->name);
	vu_dev_guard_thread(server->vu);
	while (!server->stopping) {
		int ret = event_loop_dispatch(server->loop, -1);

		if (ret < 0 && ret != -EINTR) {
			log_error("event loop: %s", strerror(-ret));
			break;
		}
		if (vu_dev_memory_faulted(server->vu)) {
			log_warn("the front-end truncated a guest memory file "
				 "under us; closing the connection");
			vu_dev_disconnect(server->vu);
		}
	}
	vu_dev_detach(server->vu);
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
			 "simulated chip has no control socket",
			 server->name);
		return 0;
	}
	snprintf(control_path, sizeof(control_path), "%s.sim", server->path);
	ret = control_socket_new(server->loop, control_path, sim_command,
				 server, &server->sim_control);
	if (ret < 0 && !server->owns_path) {
		log_warn("%s: cannot create %s (%s); the simulated chip has "
			 "no control socket",
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
 * What serving needs besides the sockets: the response buffer, the stop
 * eventfd and the event loop with the vhost-user device in it, the device
 * model's interrupts and the back-end's fds routed to them.  Returns 0, or
 * -errno with everything it made freed again.
 */
static int server_open_loop(struct gpio_server *server)
{
	int ret = -ENOMEM;

	server->response_size = gpio_device_max_response_size(server->device);
	server->response = malloc(server->response_size);
	if (!server->response)
		return ret;
	server->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (server->stop_fd < 0) {
		ret = -errno;
		goto err_free_response;
	}
	ret = event_loop_new(&server->loop);
	if (ret < 0)
		goto err_close_stop;
	ret = vu_dev_new(server->loop, &gpio_vu_ops, server, &server->vu);
	if (ret < 0)
		goto err_free_loop;
	ret = event_loop_add(server->loop, server->stop_fd, EPOLLIN, on_stop,
			     server);
	if (ret < 0)
		goto err_free_vu;
	gpio_device_set_irq_handler(server->device, irq_done, server);
	server->watcher.watch = backend_watch;
	server->watcher.unwatch = backend_unwatch;
	server->watcher.ctx = server;
	gpio_backend_set_fd_watcher(server->be, &server->watcher);
	return 0;

err_free_vu:
	vu_dev_free(server->vu);
err_free_loop:
	event_loop_free(server->loop);
err_close_stop:
	close(server->stop_fd);
err_free_response:
	free(server->response);
	return ret;
}

/* Undoes server_open_loop(). */
static void server_close_loop(struct gpio_server *server)
{
	vu_dev_free(server->vu);
	event_loop_free(server->loop);
	close(server->stop_fd);
	free(server->response);
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
	if (server->sim) {
		ret = open_sim_control(server, sim_fd, err, err_size);
		if (ret < 0)
			goto err_close_listen;
		gpio_sim_set_watch(server->sim, sim_line_changed, server);
	}
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
	gpio_sim_set_watch(server->sim, NULL, NULL);
	control_socket_free(server->sim_control);
	server->sim_control = NULL;
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
	struct gpio_device *device;
	bool sim = gpio_sim_is(be);
	char label[sizeof(server->path) + 16];
	int ret;

	if (err && err_size)
		err[0] = '\0';
	socket_label(sock, label, sizeof(label));
	ret = gpio_device_new(be, &device);
	if (ret < 0) {
		server_error(err, err_size, "%s: cannot create the device: %s",
			     label, strerror(-ret));
		goto err_close_fds;
	}
	if (!sim && sim_fd >= 0) {
		log_info("%s: not a simulated chip: control socket fd %d not "
			 "used",
			 label, sim_fd);
		close(sim_fd);
		sim_fd = -1;
	}
	ret = -ENAMETOOLONG;
	if (strlen(path) >= sizeof(server->path)) {
		server_error(err, err_size,
			     "%s: too long for a Unix socket address", path);
		goto err_free_device;
	}
	ret = -ENOMEM;
	server = calloc(1, sizeof(*server));
	if (!server)
		goto err_free_device;
	server->device = device;
	server->be = be;
	server->sim = sim ? be : NULL;
	server->listen_fd = -1;
	set_names(server, sock, path);
	ret = server_open_loop(server);
	if (ret < 0)
		goto err_free_server;
	ret = server_listen(server, listen_fd, sim_fd, err, err_size);
	listen_fd = sim_fd = -1; /* taken over, also on failure */
	if (ret < 0)
		goto err_close_loop;
	*out = server;
	return 0;

err_close_loop:
	/* Before the loop, as in gpio_server_free(). */
	gpio_device_free(device);
	device = NULL;
	server_close_loop(server);
err_free_server:
	free(server);
err_free_device:
	gpio_device_free(device);
err_close_fds:
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

int gpio_server_start(struct gpio_server *server)
{
	int ret = pthread_create(&server->thread, NULL, serve, server);

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
	gpio_sim_set_watch(server->sim, NULL, NULL);
	control_socket_free(server->sim_control);
	close(server->listen_fd);
	/*
	 * A socket we were given is not ours to remove, nor whatever someone
	 * put at the path of ours meanwhile.
	 */
	if (server->owns_path)
		unix_socket_remove(server->path, &server->file);
	/* The back-end may still have fds in the loop: free it first. */
	gpio_device_free(server->device);
	server_close_loop(server);
	free(server);
}
