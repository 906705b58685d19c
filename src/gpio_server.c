// SPDX-License-Identifier: MIT
#include "gpio_server.h"

#include <errno.h>
#include <linux/virtio_gpio.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "event_loop.h"
#include "log.h"
#include "vu_protocol.h"

#define REQUEST_QUEUE 0

struct gpio_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *name; /* the socket file's base name, for log lines */
	int listen_fd;
	int stop_fd; /* eventfd: the main thread asks us to stop */
	bool stopping;
	bool thread_started;
	pthread_t thread;
	struct event_loop *loop;
	struct vu_dev vu;
	struct gpio_device *device;
	uint8_t *response; /* room for the largest response */
	size_t response_size;
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

/* Serves one chain of the requestq; returns the bytes written. */
static uint32_t serve_request(struct gpio_server *server,
			      const struct vq_elem *elem)
{
	struct virtio_gpio_request request;
	size_t request_len, response_len, room;
	int ret;

	request_len =
		iov_to_buf(elem->out, elem->out_num, &request, sizeof(request));
	room = elem->in_len < server->response_size ? elem->in_len
						    : server->response_size;
	ret = gpio_device_handle_request(server->device, &request, request_len,
					 server->response, room, &response_len);
	if (ret < 0) {
		log_warn("requestq: %s request (%zu bytes, %llu bytes of "
			 "response room) returned unanswered",
			 ret == -ENOBUFS ? "undersized response for a"
					 : "malformed",
			 request_len, (unsigned long long)elem->in_len);
		return 0;
	}
	buf_to_iov(elem->in, elem->in_num, server->response, response_len);
	return (uint32_t)response_len;
}

static void process_requests(struct gpio_server *server, struct virtqueue *vq)
{
	struct vq_elem elem;
	bool more = true;
	int ret = 0;

	while (more) {
		vq_disable_kicks(vq);
		while ((ret = vq_pop(vq, &server->vu.mem, &elem)) == 1)
			vq_push(vq, &elem, serve_request(server, &elem));
		if (ret < 0) {
			log_warn("requestq broken by the driver; it stays "
				 "stopped until the device is reset");
			break;
		}
		/* Buffers added while kicks were off need no new kick. */
		more = vq_enable_kicks(vq);
	}
	if (vq_notify(vq) < 0)
		log_warn("requestq: cannot notify the driver");
}

static void on_queue_kick(void *opaque, struct vu_dev *dev, unsigned int index)
{
	struct gpio_server *server = opaque;
	struct virtqueue *vq = vu_dev_ready_queue(dev, index);

	/* The eventq has no use until interrupts are offered. */
	if (index == REQUEST_QUEUE && vq)
		process_requests(server, vq);
}

static int get_config(void *opaque, uint32_t offset, uint32_t size,
		      uint8_t *out)
{
	struct gpio_server *server = opaque;
	struct virtio_gpio_config config;

	if (offset > sizeof(config) || size > sizeof(config) - offset)
		return -EINVAL;
	gpio_device_get_config(server->device, &config);
	memcpy(out, (uint8_t *)&config + offset, size);
	return 0;
}

static void reset_device(void *opaque)
{
	struct gpio_server *server = opaque;

	gpio_device_reset(server->device);
}

static const struct vu_device_ops gpio_vu_ops = {
	.device_features = 0,
	.get_config = get_config,
	.queue_kick = on_queue_kick,
	.reset = reset_device,
};

static void on_listen(void *opaque, uint32_t events);

static void disconnect(struct gpio_server *server)
{
	event_loop_remove(server->loop, server->vu.conn_fd);
	vu_dev_detach(&server->vu);
	if (event_loop_add(server->loop, server->listen_fd, EPOLLIN, on_listen,
			   server) < 0)
		log_error("cannot listen again; no more connections");
	log_info("front-end disconnected; device reset");
}

static void on_connection(void *opaque, uint32_t events)
{
	struct gpio_server *server = opaque;

	if (vu_dev_handle_message(&server->vu) < 0)
		disconnect(server);
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
	if (event_loop_add(server->loop, fd, EPOLLIN, on_connection, server) <
	    0) {
		log_error("cannot watch the new connection; closing it");
		close(fd);
		return;
	}
	/* One front-end at a time: later ones wait in the backlog. */
	event_loop_remove(server->loop, server->listen_fd);
	vu_dev_attach(&server->vu, fd);
	log_info("front-end connected");
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
	while (!server->stopping) {
		int ret = event_loop_dispatch(server->loop, -1);

		if (ret < 0 && ret != -EINTR) {
			log_error("event loop: %s", strerror(-ret));
			break;
		}
	}
	if (server->vu.conn_fd >= 0) {
		event_loop_remove(server->loop, server->vu.conn_fd);
		vu_dev_detach(&server->vu);
	}
	return NULL;
}

/*
 * Whether @path may be bound: free, or a socket nobody listens on any more.
 * Anything else is left alone: it is not ours to delete.
 */
static int claim_path(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(addr.sun_path, path);
	ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return -errno;
	log_info("%s: replacing a stale socket file", path);
	return unlink(path) < 0 ? -errno : 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	mode_t old_umask;
	int fd, ret;

	ret = claim_path(path);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	strcpy(addr.sun_path, path);
	/* Owner-only from the first instant: no window before a chmod. */
	old_umask = umask(0077);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (ret < 0 || listen(fd, 4) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int gpio_server_new(const char *path, struct gpio_device *device,
		    struct gpio_server **out)
{
	struct gpio_server *server;
	const char *slash;
	int ret = -ENOMEM;

	if (strlen(path) >= sizeof(server->path)) {
		gpio_device_free(device);
		return -ENAMETOOLONG;
	}
	server = calloc(1, sizeof(*server));
	if (!server)
		goto err_free_device;
	server->device = device;
	server->listen_fd = -1;
	strcpy(server->path, path);
	slash = strrchr(server->path, '/');
	server->name = slash ? slash + 1 : server->path;
	server->response_size = gpio_device_max_response_size(device);
	server->response = malloc(server->response_size);
	if (!server->response)
		goto err_free_server;
	server->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (server->stop_fd < 0) {
		ret = -errno;
		goto err_free_response;
	}
	ret = event_loop_new(&server->loop);
	if (ret < 0)
		goto err_close_stop;
	vu_dev_init(&server->vu, server->loop, &gpio_vu_ops, server);
	ret = event_loop_add(server->loop, server->stop_fd, EPOLLIN, on_stop,
			     server);
	if (ret < 0)
		goto err_free_loop;
	ret = listen_on(path);
	if (ret < 0)
		goto err_free_loop;
	server->listen_fd = ret;
	ret = event_loop_add(server->loop, server->listen_fd, EPOLLIN,
			     on_listen, server);
	if (ret < 0)
		goto err_close_listen;
	*out = server;
	return 0;

err_close_listen:
	close(server->listen_fd);
	unlink(server->path);
err_free_loop:
	event_loop_free(server->loop);
err_close_stop:
	close(server->stop_fd);
err_free_response:
	free(server->response);
err_free_server:
	free(server);
err_free_device:
	gpio_device_free(device);
	return ret;
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
	close(server->listen_fd);
	unlink(server->path);
	event_loop_free(server->loop);
	close(server->stop_fd);
	free(server->response);
	gpio_device_free(server->device);
	free(server);
}
