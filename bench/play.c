// SPDX-License-Identifier: MIT
/*
 * Timed stimulus: how late the daemon applies played edges after their
 * scheduled times (its own `played` report over the control socket), for
 * a daemon that has `play-step`/`play-start` (vhost-device-gpio; another
 * daemon gets the figure marked missing).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "figures.h"
#include "play.h"
#include "run.h"

#define EDGES  200
#define GAP_NS 2000000 /* 2 ms between edges: 0.4 s in all */
#define FIGURE "play_late_us"

/* Reads one line from @fd into @line within @timeout_ms; 0 or -1. */
static int read_line(int fd, char *line, size_t cap, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, timeout_ms) <= 0 || read(fd, line + n, 1) != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

static int connect_control(const struct daemon *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	daemon_socket(d, 0, sa.sun_path, sizeof(sa.sun_path) - 4);
	strcat(sa.sun_path, ".sim");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Stages EDGES edges on line 1, plays them once; the `played` line. */
static int play_edges(int fd, char *played, size_t cap)
{
	char cmd[96], line[256];
	unsigned int i;

	for (i = 0; i < EDGES; i++) {
		int n = snprintf(cmd, sizeof(cmd), "play-step %llu 1 %u\n",
				 (unsigned long long)i * GAP_NS, ~i & 1);

		if (write(fd, cmd, (size_t)n) != n ||
		    read_line(fd, line, sizeof(line), 5000) < 0 ||
		    strcmp(line, "ok"))
			return -1;
	}
	snprintf(cmd, sizeof(cmd), "play-start 1 %llu\n",
		 (unsigned long long)EDGES * GAP_NS);
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) ||
	    read_line(fd, line, sizeof(line), 5000) < 0 || strcmp(line, "ok"))
		return -1;
	return read_line(fd, played, cap, 10000);
}

void bench_play(const struct daemon_cmd *cmd, struct figures *set)
{
	unsigned long steps, median, p99, max;
	char played[256];
	struct daemon d;
	struct figure *f;
	int fd;

	if (daemon_start(cmd, "play", 1, "s8", &d) < 0) {
		figure_set_missing(set, FIGURE, "us",
				   "the daemon did not start");
		return;
	}
	fd = connect_control(&d);
	if (fd < 0 || play_edges(fd, played, sizeof(played)) < 0 ||
	    sscanf(played,
		   "played %lu late median %lu us p99 %lu us max %lu us",
		   &steps, &median, &p99, &max) != 4) {
		figure_set_missing(set, FIGURE, "us",
				   "no timed stimulus (play-step/play-start) "
				   "on its control socket");
	} else {
		f = figures_get(set, FIGURE, "us");
		f->median = (double)median;
		f->p99 = (double)p99;
		f->n = steps;
		figure_note(
			set, FIGURE,
			"%d edges 2 ms apart played by the daemon's timerfd: "
			"applied minus scheduled; max %lu us",
			EDGES, max);
	}
	if (fd >= 0)
		close(fd);
	daemon_stop(&d);
}
