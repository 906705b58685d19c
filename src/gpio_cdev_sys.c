// SPDX-License-Identifier: MIT
#include "gpio_cdev_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int sys_reopen(int path_fd, const char *path, int flags)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	fd = open(proc, flags);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* No /proc: by name; gpio_chip.c checks it is the same device. */
	return open(path, flags);
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static int sys_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static const struct gpio_cdev_sys real_sys = {
	.open = sys_open,
	.reopen = sys_reopen,
	.close = close,
	.ioctl = sys_ioctl,
	.read = read,
	.fstat = fstat,
	.set_nonblock = sys_set_nonblock,
	.dev_dir = "/dev",
	.sys_dir = "/sys",
};

static const struct gpio_cdev_sys *current_sys = &real_sys;

void gpio_cdev_sys_set(const struct gpio_cdev_sys *sys)
{
	current_sys = sys ? sys : &real_sys;
}

const struct gpio_cdev_sys *gpio_cdev_sys_get(void)
{
	return current_sys;
}
