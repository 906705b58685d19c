// SPDX-License-Identifier: MIT
/*
 * vhost-device-gpio-sim: sends one command to a simulated chip's control
 * socket and prints the reply, so nobody needs socat to drive an input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "sim_playback.h"
#include "sim_record.h"

#define EXIT_REPLY_ERROR 1
#define EXIT_USAGE	 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vhost-device-gpio-sim SOCKET COMMAND [ARG...]\n"
		"\n"
		"Drives a simulated chip of vhost-device-gpio through its "
		"control\n"
		"socket (the device's socket path followed by \".sim\").\n"
		"\n"
		"Commands:\n"
		"  get LINE       print \"LINE DIRECTION VALUE\" "
		"(none|in|out, 0|1)\n"
		"  set LINE 0|1   set the level the line presents as an "
		"input\n"
		"  list           print every line, then \"end\"\n"
		"  watch          as list, then a line each time a line's "
		"direction\n"
		"                 or value changes, until the daemon stops "
		"or Ctrl-C\n"
		"  record FILE.vcd [SECONDS]\n"
		"                 write every line's level, direction and "
		"interrupts\n"
		"                 to FILE.vcd (GTKWave, PulseView) until "
		"Ctrl-C or for\n"
		"                 SECONDS\n"
		"  play FILE [--loop N]\n"
		"                 drive inputs from a timed script (text "
		"\"TIME LINE VALUE\"\n"
		"                 lines, or VCD), N times (0: until Ctrl-C); "
		"the daemon\n"
		"                 keeps the time\n"
		"\n"
		"Example: vhost-device-gpio-sim /tmp/vhost-gpio.sock0.sim "
		"set 5 1\n"
		"Exit status: 0 done, 1 the daemon answered an error, "
		"2 usage or connection error.\n");
}

/* One command's usage on stderr; the exit status for it. */
static int usage_of(const char *argv0, const char *command)
{
	fprintf(stderr, "vhost-device-gpio-sim: usage: %s SOCKET %s\n", argv0,
		command);
	return EXIT_USAGE;
}

/* The connected socket, or -1 with the reason on stderr. */
static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
fail:
	fprintf(stderr, "vhost-device-gpio-sim: cannot connect to %s: %s\n",
		path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* `record FILE [SECONDS]`: not a command the daemon reads as is. */
static int record(int argc, char **argv)
{
	int64_t ms = 0;
	int fd;

	if (argc < 4 || argc > 5 ||
	    (argc == 5 && sim_record_parse_seconds(argv[4], &ms) < 0)) {
		return usage_of(argv[0], "record FILE.vcd [SECONDS]");
	}
	fd = connect_to(argv[1]);
	if (fd < 0)
		return EXIT_USAGE;
	return sim_record(fd, argv[3], ms);
}

/* `play FILE [--loop N]`: the script is sent, not the command. */
static int play(int argc, char **argv)
{
	unsigned long loops = 1;
	char *end = NULL;
	bool ok = argc == 4;
	int fd;

	if (argc == 6 && !strcmp(argv[4], "--loop") && argv[5][0] >= '0' &&
	    argv[5][0] <= '9') {
		errno = 0;
		loops = strtoul(argv[5], &end, 10);
		ok = !errno && !*end && loops <= UINT32_MAX;
	}
	if (!ok) {
		return usage_of(argv[0], "play FILE [--loop N]");
	}
	fd = connect_to(argv[1]);
	if (fd < 0)
		return EXIT_USAGE;
	return sim_playback(fd, argv[3], loops);
}

int main(int argc, char **argv)
{
	char command[512] = "";
	bool multi_line, watching, error_seen = false, done = false;
	size_t len = 0;
	FILE *replies;
	char line[512];
	int fd, i;

	if (argc == 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (argc == 2 &&
	    (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("vhost-device-gpio-sim %s\n", VDG_VERSION);
		return EXIT_SUCCESS;
	}
	if (argc < 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[2], "record"))
		return record(argc, argv);
	if (!strcmp(argv[2], "play"))
		return play(argc, argv);
	for (i = 2; i < argc; i++) {
		int n = snprintf(command + len, sizeof(command) - len, "%s%s",
				 i > 2 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(command) - len - 1) {
			fprintf(stderr, "vhost-device-gpio-sim: command too "
					"long\n");
			return EXIT_USAGE;
		}
		len += (size_t)n;
	}
	multi_line = !strcmp(argv[2], "list");
	watching = !strcmp(argv[2], "watch");
	/* A live view must show each change as it comes, even into a pipe. */
	if (watching)
		setvbuf(stdout, NULL, _IOLBF, 0);
	command[len++] = '\n';

	fd = connect_to(argv[1]);
	if (fd < 0)
		return EXIT_USAGE;
	if (send_all(fd, command, len) < 0) {
		fprintf(stderr, "vhost-device-gpio-sim: cannot send: %s\n",
			strerror(errno));
		close(fd);
		return EXIT_USAGE;
	}
	replies = fdopen(fd, "r");
	if (!replies) {
		close(fd);
		return EXIT_USAGE;
	}
	while (!done && fgets(line, sizeof(line), replies)) {
		fputs(line, stdout);
		if (!strncmp(line, "error", 5))
			error_seen = done = true;
		else if (!watching && (!multi_line || !strcmp(line, "end\n")))
			done = true;
	}
	fclose(replies);
	/* A watch ends when the daemon goes: that is its normal end. */
	if (watching && !error_seen)
		return EXIT_SUCCESS;
	if (!done) {
		fprintf(stderr, "vhost-device-gpio-sim: the daemon closed the "
				"connection without a reply\n");
		return EXIT_USAGE;
	}
	return error_seen ? EXIT_REPLY_ERROR : EXIT_SUCCESS;
}
