// SPDX-License-Identifier: MIT
/*
 * `vhost-device-gpio-sim PATH.sim record FILE.vcd [SECONDS]`: see
 * sim_record.h.  The daemon keeps the time (its stamps); this client only
 * turns its stream into a file, so a busy client loses nothing but may
 * lag (the daemon drops it past 2 MiB behind: the file then ends early).
 */
#include "sim_record.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vcd_writer.h"

#define READ_CHUNK (64u << 10)
#define MAX_LINE   512u

struct recording {
	const char *path;
	FILE *file;
	struct vcd_writer *vcd;
	bool begun;
	bool failed; /* the file could not be written */
	char buf[READ_CHUNK + MAX_LINE];
	size_t len;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sim_record_parse_seconds(const char *text, int64_t *ms)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(s) || s <= 0 || s > 1e7)
		return -1;
	*ms = (int64_t)ceil(s * 1000);
	return 0;
}

static int parse_direction(const char *word, enum vcd_direction *dir)
{
	if (!strcmp(word, "out"))
		*dir = VCD_DIR_OUT;
	else if (!strcmp(word, "in"))
		*dir = VCD_DIR_IN;
	else if (!strcmp(word, "none"))
		*dir = VCD_DIR_NONE;
	else
		return -EINVAL;
	return 0;
}

/* "@NS LINE DIR LEVEL" or "@NS LINE irq": the header ends at the first. */
static int handle_change(struct recording *r, const char *text)
{
	char word[8];
	unsigned int line, level;
	enum vcd_direction dir;
	uint64_t ns;
	int n;

	if (!r->vcd)
		return -EPROTO;
	n = sscanf(text, "@%" SCNu64 " %u %7s %u", &ns, &line, word, &level);
	if (n < 3)
		return -EPROTO;
	if (!r->begun) {
		if (vcd_writer_begin(r->vcd, ns) < 0)
			return -EIO;
		r->begun = true;
		fprintf(stderr,
			"vhost-device-gpio-sim: recording to %s "
			"(Ctrl-C to stop)\n",
			r->path);
	}
	if (!strcmp(word, "irq"))
		return vcd_writer_irq(r->vcd, ns, line);
	if (n != 4 || parse_direction(word, &dir) < 0)
		return -EPROTO;
	return vcd_writer_line(r->vcd, ns, line, dir, level);
}

/* One line of the stream; -EIO: the file failed, -EPROTO: not a trace. */
static int handle_line(struct recording *r, char *text)
{
	unsigned int n;
	int off = 0;

	if (text[0] == '@')
		return handle_change(r, text);
	if (!strncmp(text, "error", 5)) {
		fprintf(stderr,
			"vhost-device-gpio-sim: the daemon answered: "
			"%s\n",
			text);
		return -ECONNREFUSED;
	}
	if (sscanf(text, "trace %u", &n) == 1 && !r->vcd) {
		if (vcd_writer_new(r->file, n, &r->vcd) < 0)
			return -EPROTO;
		return 0;
	}
	if (sscanf(text, "name %u%n", &n, &off) == 1 && r->vcd && !r->begun) {
		const char *name = text + off;

		if (*name == ' ')
			name++;
		return vcd_writer_set_name(r->vcd, n, name) == -ENOMEM ? -ENOMEM
								       : 0;
	}
	return -EPROTO;
}

/* Handles every whole line in the buffer; keeps the rest. */
static int handle_lines(struct recording *r)
{
	char *start = r->buf, *nl;
	int ret = 0;

	while (ret == 0 &&
	       (nl = memchr(start, '\n', r->len - (size_t)(start - r->buf)))) {
		*nl = '\0';
		ret = handle_line(r, start);
		start = nl + 1;
	}
	r->len -= (size_t)(start - r->buf);
	memmove(r->buf, start, r->len);
	if (ret == 0 && r->len >= MAX_LINE)
		ret = -EPROTO;
	return ret;
}

/* Reads what came; 0, 1 at the end of the stream, or -errno. */
static int read_stream(struct recording *r, int fd)
{
	ssize_t n = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 1;
	r->len += (size_t)n;
	return handle_lines(r);
}

static int stream_until_stop(struct recording *r, int fd, int64_t duration_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)duration_ms * 1000000u;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	unsigned int drained;
	int ret = 0;

	while (!stop_requested && ret == 0) {
		int timeout = -1;

		if (duration_ms) {
			uint64_t now = now_ns();

			if (now >= deadline)
				break;
			timeout = (int)((deadline - now) / 1000000u + 1);
		}
		if (poll(&pfd, 1, timeout) > 0)
			ret = read_stream(r, fd);
	}
	/*
	 * What the daemon sent before the end is part of the recording (a
	 * test stops us right after its last change); a stream that never
	 * pauses is cut after a few buffers.
	 */
	for (drained = 0; ret == 0 && drained < 64 && poll(&pfd, 1, 0) > 0;
	     drained++)
		ret = read_stream(r, fd);
	return ret;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	/* No SA_RESTART: poll() must return to see the request. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Completes the file; the exit status for @ret, what streaming ended with. */
static int finish(struct recording *r, int ret)
{
	int status = 0;

	int write_err = 0;

	errno = 0;
	if (r->begun && vcd_writer_end(r->vcd, now_ns()) < 0)
		write_err = errno ? errno : EIO;
	if (fclose(r->file) && !write_err)
		write_err = errno ? errno : EIO;
	vcd_writer_free(r->vcd);
	if (ret == -EIO || write_err) {
		fprintf(stderr, "vhost-device-gpio-sim: cannot write %s: %s\n",
			r->path, strerror(write_err ? write_err : EIO));
		return SIM_RECORD_EXIT_USAGE;
	}
	if (ret == 1)
		fprintf(stderr, "vhost-device-gpio-sim: the daemon closed the "
				"connection (it stopped, or this client fell "
				"too far behind)\n");
	else if (ret == -EPROTO)
		fprintf(stderr, "vhost-device-gpio-sim: the daemon's trace "
				"stream is not one this client reads\n");
	else if (ret < 0 && ret != -ECONNREFUSED)
		fprintf(stderr, "vhost-device-gpio-sim: %s\n", strerror(-ret));
	if (ret != 0)
		status = SIM_RECORD_EXIT_ERROR;
	fprintf(stderr, "vhost-device-gpio-sim: %s %s\n",
		r->begun ? "recorded to" : "nothing recorded in", r->path);
	return status;
}

int sim_record(int fd, const char *path, int64_t duration_ms)
{
	static const char command[] = "trace\n";
	struct recording *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		close(fd);
		return SIM_RECORD_EXIT_USAGE;
	}
	r->path = path;
	r->file = fopen(path, "we");
	if (!r->file) {
		fprintf(stderr, "vhost-device-gpio-sim: cannot create %s: %s\n",
			path, strerror(errno));
		close(fd);
		free(r);
		return SIM_RECORD_EXIT_USAGE;
	}
	install_stop_handlers();
	ret = 0;
	if (send(fd, command, sizeof(command) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(command) - 1)
		ret = -errno;
	if (ret == 0)
		ret = stream_until_stop(r, fd, duration_ms);
	close(fd);
	ret = finish(r, ret);
	free(r);
	return ret;
}
