/* SPDX-License-Identifier: MIT */
/*
 * The system calls the host-chip back-end makes (gpio_chip.c, gpio_cdev.c),
 * replaceable by the unit tests, which have no kernel GPIO chip.  Each
 * returns what the libc call does (-1 with errno set on failure).  @open is
 * only ever called with O_PATH: it opens no device.  @reopen opens for real
 * the file @path_fd (an O_PATH fd of @path) is, with @flags: through
 * /proc/self/fd, or by @path again when /proc is not there (the caller
 * then checks it got the same device).  @dev_dir is where numbered and
 * labelled chips are looked for: "/dev".  @sys_dir is where sysfs is,
 * which tells what kind of device a device number is: "/sys" (a directory
 * without dev/char: cannot tell).
 */
#ifndef VDG_GPIO_CDEV_SYS_H
#define VDG_GPIO_CDEV_SYS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct gpio_cdev_sys {
	int (*open)(const char *path, int flags);
	int (*reopen)(int path_fd, const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	ssize_t (*read)(int fd, void *buf, size_t count);
	int (*fstat)(int fd, struct stat *st);
	int (*set_nonblock)(int fd);
	const char *dev_dir;
	const char *sys_dir;
};

/*
 * Makes chips opened from now on use @sys (NULL: the real system calls).
 * For tests only; not thread-safe.
 */
void gpio_cdev_sys_set(const struct gpio_cdev_sys *sys);

/* The table chips opened now use. */
const struct gpio_cdev_sys *gpio_cdev_sys_get(void);

#endif
