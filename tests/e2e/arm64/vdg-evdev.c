// SPDX-License-Identifier: MIT
/*
 * vdg-evdev: the arm64 guest's view of an input device (busybox has no
 * evtest).  Built static for the guest by build-guest.sh.
 *
 *   vdg-evdev read DEV SECONDS COUNT
 *	prints "ready" once DEV is open, then one line "MS key CODE VALUE"
 *	per EV_KEY event read from DEV
 *	(MS: milliseconds since the program started, from the event's own
 *	time stamp; VALUE 1 press, 0 release, 2 autorepeat) until COUNT
 *	such events or SECONDS have passed; exits 0 if COUNT were read,
 *	1 on a time-out, 2 on an error.
 *   vdg-evdev key DEV CODE
 *	prints 1 if key CODE is down now (EVIOCGKEY), else 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static long long ms_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000LL + ts->tv_nsec / 1000000;
}

static int read_events(const char *dev, int seconds, int count)
{
	struct timespec start, now;
	struct input_event ev;
	int fd, seen = 0;
	/* Event time stamps are CLOCK_MONOTONIC once asked for. */
	int clk = CLOCK_MONOTONIC;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, EVIOCSCLOCKID, &clk) < 0) {
		fprintf(stderr, "vdg-evdev: %s: %s\n", dev, strerror(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	printf("ready\n");
	fflush(stdout);
	while (seen < count) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = seconds * 1000LL - (ms_of(&now) - ms_of(&start));
		if (left <= 0)
			return 1;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return 2;
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(fd, &ev, sizeof(ev));
		if (n != (ssize_t)sizeof(ev))
			return 2;
		if (ev.type != EV_KEY)
			continue;
		printf("%lld key %u %d\n",
		       ev.input_event_sec * 1000LL +
			       ev.input_event_usec / 1000 - ms_of(&start),
		       ev.code, ev.value);
		fflush(stdout);
		seen++;
	}
	return 0;
}

static int key_state(const char *dev, unsigned int code)
{
	unsigned char bits[KEY_MAX / 8 + 1];
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || code > KEY_MAX) {
		fprintf(stderr, "vdg-evdev: %s: %s\n", dev, strerror(errno));
		return 2;
	}
	memset(bits, 0, sizeof(bits));
	if (ioctl(fd, EVIOCGKEY(sizeof(bits)), bits) < 0) {
		fprintf(stderr, "vdg-evdev: EVIOCGKEY: %s\n", strerror(errno));
		return 2;
	}
	printf("%d\n", !!(bits[code / 8] & (1u << (code % 8))));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "read"))
		return read_events(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "key"))
		return key_state(argv[2], (unsigned int)atoi(argv[3]));
	fprintf(stderr, "usage: vdg-evdev read DEV SECONDS COUNT | "
			"key DEV CODE\n");
	return 2;
}
