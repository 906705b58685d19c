/* SPDX-License-Identifier: MIT */
/*
 * The back-ends of a device list, made before any socket exists: a
 * simulated chip for each "sM" entry, a host chip's selected lines for the
 * others (gpio_cdev), and no host line in two entries (chips compared by
 * device number, so a chip named by number, path, symlink or label is the
 * same chip), each line's bias and debounce period taken by the kernel
 * (gpio_cdev_check_settings).  A failure is one sentence naming the entry
 * as the command line wrote it ("--device-list: entry 2 \"0[6]\": ..."),
 * for main() to print before it exits with status 2.
 */
#ifndef VDG_DEVICE_BACKENDS_H
#define VDG_DEVICE_BACKENDS_H

#include <stddef.h>

#include "device_list.h"
#include "endpoints.h"
#include "gpio_backend.h"

/*
 * One back-end per entry of @list; @eps (as many) label each host chip's
 * line requests with its socket's name (gpio_cdev_consumer).  Returns 0
 * and *@out (freed with device_backends_free), -ENOMEM (nothing in @err:
 * out of memory), or another -errno with the message in @err.  Warnings
 * about host line names the guest will not see are logged only on
 * success, so that a start-up error stays the one line printed.
 */
int device_backends_new(const struct device_list *list,
			const struct endpoint *eps, struct gpio_backend ***out,
			char *err, size_t err_size);

/* Destroys the @count back-ends of @backends (NULL ones skipped). */
void device_backends_free(struct gpio_backend **backends, unsigned int count);

/*
 * What @be serves, for the "serving a ..." log line: "simulated chip, 8
 * lines" or "host chip /dev/gpiochip0, 4 lines, some read-only".
 */
void device_backends_describe(const struct gpio_backend *be, char *buf,
			      size_t size);

#endif
