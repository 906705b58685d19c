/* SPDX-License-Identifier: MIT */
/*
 * Host GPIO lines through the Linux GPIO character device, uAPI v2
 * (<linux/gpio.h>), behind the gpio_backend ops.
 *
 * A back-end serves the lines one device-list entry selects from one chip:
 * guest line i is host line offsets[i].  Each line the guest uses is one line
 * request (consumer "vhost-gpio:<socket>"), made when the guest first needs
 * the line and released on SET_DIRECTION NONE and on reset; edges come from
 * the request fd, which sits in the serving thread's event loop while edge
 * detection is on.  Lines outside the selection are never requested,
 * configured or read (their line info is read only to resolve line names
 * the selection gives).
 *
 * Failures while serving (a line busy with another consumer, a chip that
 * went away, any ioctl error) return -errno, so the guest sees ERR, and log
 * one warning naming the chip, the host offset, the guest line and why.
 */
#ifndef VDG_GPIO_CDEV_H
#define VDG_GPIO_CDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/gpio.h>

#include "device_list.h"
#include "gpio_backend.h"

/*
 * Opens the chip @spec names (a DEVICE_KIND_HOST_CHIP entry), resolves its
 * line selection and returns the back-end in *@out (freed with
 * gpio_backend_destroy).  @consumer labels the line requests; it is cut to
 * fit GPIO_MAX_NAME_SIZE.  Nothing is requested yet.
 *
 * Nothing but a GPIO chip is ever opened (read-write) for it: the path must
 * be a character device that sysfs, when there, shows on the gpio bus; a
 * FIFO or a regular file, and with sysfs a terminal or a watchdog, is
 * refused without being opened, so without blocking or waking anything up.
 *
 * On failure returns -errno and writes one sentence into @err starting with
 * "entry N \"TEXT\": ": -ENOENT (no such chip, no chip with that label),
 * -ENOTTY (not a GPIO chip), -EINVAL (the selection does not fit the chip:
 * offset out of range, unknown or ambiguous name, a line twice, too many
 * lines), -ENOMEM, or what open(2) or an ioctl said (-EACCES, ...).
 */
int gpio_cdev_new(const struct device_spec *spec, const char *consumer,
		  struct gpio_backend **out, char *err, size_t err_size);

/* "vhost-gpio:" and the last path component of @socket_path, cut to fit. */
void gpio_cdev_consumer(const char *socket_path,
			char consumer[GPIO_MAX_NAME_SIZE]);

/*
 * Logs one warning per selected line whose host name the guest does not see
 * (empty, not printable ASCII, or a later duplicate: see
 * gpio_selection_guest_names).  gpio_cdev_new() logs nothing so that a start-up
 * error stays the only line printed; call this once start-up succeeded.
 */
void gpio_cdev_warn_unnamed(const struct gpio_backend *be);

/* Whether @be is a character-device back-end. */
bool gpio_cdev_is(const struct gpio_backend *be);

/* The chip's path as opened (for messages); NULL if @be is not one. */
const char *gpio_cdev_chip_path(const struct gpio_backend *be);

/*
 * Whether @a and @b (character-device back-ends) serve a common host line:
 * the same chip device (st_rdev) and offset.  If so, *@line_a and *@line_b
 * are the guest lines it is in each, and *@offset the host offset.
 */
bool gpio_cdev_shares_line(const struct gpio_backend *a,
			   const struct gpio_backend *b, unsigned int *line_a,
			   unsigned int *line_b, uint32_t *offset);

/*
 * The pure layer below the ioctls, exposed for the unit tests (selection
 * and naming are in gpio_selection.h).
 */

/*
 * The line configuration for one line the guest wants as @dir (NONE: "as
 * is", no direction flag), driving @out_value when an output, with edge
 * detection for the VIRTIO_GPIO_IRQ_TYPE_* @irq_type: rising or falling or
 * both for the edge types, both for the level types (the device model
 * builds levels from edges and the current value).  Edges need an input:
 * an IN or "as is" line with edges is requested as an input; an output with
 * edges gets both flags and the kernel refuses it.
 */
void gpio_cdev_line_config(enum gpio_direction dir, uint8_t out_value,
			   uint8_t irq_type, struct gpio_v2_line_config *cfg);

/*
 * The system calls the back-end makes, replaceable by the unit tests (which
 * have no kernel GPIO chip).  Each returns what the libc call does (-1 with
 * errno set on failure).  @open is only ever called with O_PATH: it opens
 * no device.  @reopen opens for real the file @path_fd (an O_PATH fd of
 * @path) is, with @flags: through /proc/self/fd, or by @path again when
 * /proc is not there (the caller then checks it got the same device).
 * @dev_dir is where numbered and labelled chips are looked for: "/dev".
 * @sys_dir is where sysfs is, which tells what kind of device a device
 * number is: "/sys" (a directory without dev/char: cannot tell).
 */
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
 * Makes back-ends created from now on use @sys (NULL: the real system
 * calls).  For tests only; not thread-safe.
 */
void gpio_cdev_set_sys(const struct gpio_cdev_sys *sys);

#endif
