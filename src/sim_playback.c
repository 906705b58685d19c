// SPDX-License-Identifier: MIT
/*
 * `vhost-device-gpio-sim PATH.sim play FILE [--loop N]`: see
 * sim_playback.h.
 */
#include "sim_playback.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_script.h"

#define EXIT_REFUSED  1
#define EXIT_BAD_FILE 2
/* Largest script file read. */
#define MAX_FILE (64u << 20)
/* Steps sent before their replies are read: the daemon stops reading a
 * client whose replies pile up, so never send much more than it answers. */
#define STEPS_PER_BATCH 256u

struct link {
	int fd;
	char buf[4096];
	size_t len;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

/* Simulated chips name their lines sim-N (sim_N in our own VCD files). */
static int sim_line_of(void *opaque, const char *name)
{
	unsigned long n;
	char *end;

	if (strncmp(name, "sim", 3) || (name[3] != '-' && name[3] != '_') ||
	    name[4] < '0' || name[4] > '9')
		return -ENOENT;
	n = strtoul(name + 4, &end, 10);
	return *end || n > 65534 ? -ENOENT : (int)n;
}

static char *read_script(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap) {
			char *grown = NULL;

			if (cap < MAX_FILE) {
				cap = cap ? cap * 2 : 65536;
				grown = realloc(text, cap);
			}
			if (!grown) {
				free(text);
				fclose(f);
				errno = cap >= MAX_FILE ? EFBIG : ENOMEM;
				return NULL;
			}
			text = grown;
		}
		n = fread(text + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static int send_text(struct link *l, const char *text, size_t len)
{
	while (len) {
		ssize_t n = send(l->fd, text, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR && !stop_requested)
				continue;
			return -1;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next reply line, without its newline; -1 at EOF or on a signal. */
static int read_line(struct link *l, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - l->buf);

			snprintf(line, cap, "%.*s", (int)len, l->buf);
			l->len -= len + 1;
			memmove(l->buf, nl + 1, l->len);
			return 0;
		}
		if (stop_requested || l->len == sizeof(l->buf))
			return -1;
		n = recv(l->fd, l->buf + l->len, sizeof(l->buf) - l->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		l->len += (size_t)n;
	}
}

/* Reads @count replies; each must be "ok". */
static int expect_oks(struct link *l, unsigned int count)
{
	char line[256];

	while (count--) {
		if (read_line(l, line, sizeof(line)) < 0)
			return -1;
		if (strcmp(line, "ok")) {
			fprintf(stderr,
				"vhost-device-gpio-sim: the daemon "
				"answered: %s\n",
				line);
			return -1;
		}
	}
	return 0;
}

static int send_steps(struct link *l, const struct sim_script *s)
{
	char text[STEPS_PER_BATCH * 48];
	size_t i = 0;

	while (i < s->count) {
		unsigned int batch = 0;
		size_t len = 0;

		for (; i < s->count && batch < STEPS_PER_BATCH; i++, batch++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"play-step %" PRIu64 " %u %u\n",
						s->steps[i].t_ns,
						s->steps[i].line,
						s->steps[i].value);
		if (send_text(l, text, len) < 0 || expect_oks(l, batch) < 0)
			return -1;
	}
	return 0;
}

/* play-start, then the `played` line (printed), or a signal. */
static int play(struct link *l, const struct sim_script *s, unsigned long loops)
{
	char text[96], line[256];

	snprintf(text, sizeof(text), "play-start %lu %" PRIu64 "\n", loops,
		 s->length_ns);
	if (send_text(l, text, strlen(text)) < 0 || expect_oks(l, 1) < 0)
		return EXIT_REFUSED;
	if (read_line(l, line, sizeof(line)) == 0 &&
	    !strncmp(line, "played ", 7)) {
		printf("%s\n", line);
		return 0;
	}
	if (stop_requested)
		return loops ? EXIT_REFUSED : 0;
	fprintf(stderr, "vhost-device-gpio-sim: the daemon closed the "
			"connection before the end of the play\n");
	return EXIT_REFUSED;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	/* No SA_RESTART: a blocked recv() must return to see the request. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int sim_playback(int fd, const char *path, unsigned long loops)
{
	struct sim_script script;
	struct link *l = NULL;
	char err[256];
	size_t len;
	char *text = read_script(path, &len);
	int status = EXIT_BAD_FILE;

	if (!text) {
		fprintf(stderr, "vhost-device-gpio-sim: cannot read %s: %s\n",
			path, strerror(errno));
		goto out_close;
	}
	if (sim_script_parse(text, len, 65535, sim_line_of, NULL, &script, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "vhost-device-gpio-sim: %s: %s\n", path,
			err[0] ? err : strerror(ENOMEM));
		goto out_free_text;
	}
	if (script.ignored_signals)
		fprintf(stderr,
			"vhost-device-gpio-sim: %s: %u signals name no "
			"line (sim-N or a number): ignored\n",
			path, script.ignored_signals);
	status = EXIT_REFUSED;
	l = calloc(1, sizeof(*l));
	if (l) {
		l->fd = fd;
		install_stop_handlers();
		if (send_steps(l, &script) == 0)
			status = play(l, &script, loops);
		else if (stop_requested)
			fprintf(stderr, "vhost-device-gpio-sim: stopped\n");
	}
	free(l);
	sim_script_free(&script);
out_free_text:
	free(text);
out_close:
	close(fd);
	return status;
}
