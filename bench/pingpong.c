// SPDX-License-Identifier: MIT
/*
 * The machine's limit: an eventfd ping-pong between two processes, each
 * sleeping in epoll_wait, which is the wake-up path of a request (driver
 * kicks, daemon wakes in epoll, daemon calls, driver wakes in epoll).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "daemon.h"
#include "figures.h"
#include "pingpong.h"
#include "run.h"

#define STOP_VALUE 1000 /* a ping of this value ends the child */

/*
 * Waits (up to @timeout_ms, -1: forever) for @fd in @epfd and reads it;
 * returns the value or 0 on error or timeout.
 */
static uint64_t wait_read(int epfd, int fd, int timeout_ms)
{
	struct epoll_event ev;
	uint64_t v;
	int n;

	for (;;) {
		n = epoll_wait(epfd, &ev, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (read(fd, &v, sizeof(v)) == sizeof(v))
			return v;
		if (errno != EAGAIN)
			return 0;
	}
}

static int make_epoll(int fd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		return -1;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(epfd);
		return -1;
	}
	return epfd;
}

static void child(int ping, int pong, int cpu)
{
	const uint64_t one = 1;
	int epfd = make_epoll(ping);

	/* Idle for as long as the phases between its blocks take. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (epfd < 0 || pin_self(cpu) < 0)
		_exit(1);
	for (;;) {
		uint64_t v = wait_read(epfd, ping, -1);

		if (v == 0 || v >= STOP_VALUE)
			_exit(v ? 0 : 1);
		if (write(pong, &one, sizeof(one)) != sizeof(one))
			_exit(1);
	}
}

int pingpong_start(struct pingpong *pp, int child_cpu)
{
	int ret;

	memset(pp, 0, sizeof(*pp));
	pp->pid = -1;
	pp->epfd = -1;
	pp->ping = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pp->pong = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pp->ping < 0 || pp->pong < 0 ||
	    (pp->epfd = make_epoll(pp->pong)) < 0) {
		ret = -errno;
		goto err;
	}
	fflush(NULL);
	pp->pid = fork();
	if (pp->pid < 0) {
		ret = -errno;
		goto err;
	}
	if (pp->pid == 0)
		child(pp->ping, pp->pong, child_cpu);
	return 0;
err:
	pingpong_stop(pp);
	return ret;
}

int pingpong_run(struct pingpong *pp, uint64_t *samples, unsigned int n,
		 unsigned int warm)
{
	const uint64_t one = 1;
	unsigned int i;

	for (i = 0; i < warm + n; i++) {
		int64_t t0 = now_ns(), t1;

		if (write(pp->ping, &one, sizeof(one)) != sizeof(one))
			return -errno;
		if (!wait_read(pp->epfd, pp->pong, 5000))
			return -ETIMEDOUT;
		t1 = now_ns();
		if (i >= warm)
			samples[i - warm] = (uint64_t)(t1 - t0);
	}
	return 0;
}

void pingpong_stop(struct pingpong *pp)
{
	const uint64_t stop = STOP_VALUE;
	int status;

	if (pp->pid > 0) {
		if (write(pp->ping, &stop, sizeof(stop)) != sizeof(stop))
			kill(pp->pid, SIGKILL);
		waitpid(pp->pid, &status, 0);
	}
	if (pp->epfd >= 0)
		close(pp->epfd);
	if (pp->ping >= 0)
		close(pp->ping);
	if (pp->pong >= 0)
		close(pp->pong);
	memset(pp, 0, sizeof(*pp));
	pp->pid = -1;
	pp->epfd = pp->ping = pp->pong = -1;
}

void pingpong_figure(struct figures *set, const char *name, int child_cpu)
{
	unsigned int n = cfg.latency_iters;
	uint64_t *samples = calloc(n, sizeof(*samples));
	struct pingpong pp;
	int ret = -ENOMEM;

	vlog("%s, measured alone", name);
	if (samples)
		ret = pingpong_start(&pp, child_cpu);
	if (ret == 0) {
		pin_self(cfg.cpu_a);
		ret = pingpong_run(&pp, samples, n, n / 20 + 10);
		pingpong_stop(&pp);
	}
	if (ret < 0) {
		figure_set_missing(set, name, "us", "ping-pong failed: %s",
				   strerror(-ret));
	} else {
		figure_from_ns(set, name, "us", samples, n, 1000.0);
		figure_note(set, name, "measured alone");
	}
	free(samples);
}
