/* SPDX-License-Identifier: MIT */
/*
 * A host GPIO chip, opened through the Linux GPIO character device (uAPI
 * v2, <linux/gpio.h>): found by number, path or label, checked to be a GPIO
 * chip before anything is opened for real, and asked for its line info and
 * for line requests.  What the lines then do is gpio_cdev.c's.
 *
 * Nothing but a GPIO chip is ever opened (read-write): the path must be a
 * character device that sysfs, when there, shows on the gpio bus; a FIFO
 * or a regular file, and with sysfs a terminal or a watchdog, is refused
 * without being opened, so without blocking or waking anything up.  The
 * system calls go through gpio_cdev_sys.h.
 */
#ifndef VDG_GPIO_CHIP_H
#define VDG_GPIO_CHIP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/gpio.h>

#include "gpio_selection.h"

/* How a host chip is named. */
enum gpio_chip_ref_kind {
	GPIO_CHIP_REF_NUMBER, /* number: /dev/gpiochipN */
	GPIO_CHIP_REF_PATH,   /* name: an absolute path */
	GPIO_CHIP_REF_LABEL,  /* name: the label GPIO_GET_CHIPINFO reports */
};

struct gpio_chip_ref {
	enum gpio_chip_ref_kind kind;
	unsigned int number;
	const char *name;
};

/* A line's name as the kernel reports it, NUL-terminated. */
typedef char gpio_chip_name_t[GPIO_MAX_NAME_SIZE];

struct gpio_chip;

/*
 * Opens the chip @ref names and reads its chip info.  Returns 0 and *@out
 * (closed with gpio_chip_close), or -errno with one sentence in @err:
 * -ENOENT (no such chip, no chip with that label), -ENOTTY (not a GPIO
 * chip), -EINVAL (two chips with that label), -ENOMEM, or what open(2) or
 * an ioctl said (-EACCES, ...).
 */
int gpio_chip_open(const struct gpio_chip_ref *ref, struct gpio_chip **out,
		   char *err, size_t err_size);

void gpio_chip_close(struct gpio_chip *chip);

/* The path it was opened by (for messages). */
const char *gpio_chip_path(const struct gpio_chip *chip);

/* Its device number: two paths may name the same chip. */
dev_t gpio_chip_rdev(const struct gpio_chip *chip);

uint32_t gpio_chip_num_lines(const struct gpio_chip *chip);

/* The kernel's info on line @offset, strings terminated.  0 or -errno. */
int gpio_chip_line_info(const struct gpio_chip *chip, uint32_t offset,
			struct gpio_v2_line_info *info);

/*
 * The names of the @count lines at @offsets (NULL: of every line, @count
 * being the chip's line count), read from their line info: one block of
 * names in *@block and pointers into it in *@names, NULL for an unnamed
 * line (both freed by the caller, also on failure).  Returns 0, -ENOMEM,
 * or the -errno of the line info of *@failed.
 */
int gpio_chip_line_names(const struct gpio_chip *chip, const uint32_t *offsets,
			 unsigned int count, gpio_chip_name_t **block,
			 const char ***names, uint32_t *failed);

/* The lines a selection picks from a chip, and their host names. */
struct gpio_chip_lines {
	struct gpio_selection sel;
	gpio_chip_name_t *host_block;
	const char **host_names; /* sel.count names; NULL for an unnamed one */
};

/*
 * Resolves @spec on @chip (gpio_selection_resolve), reading the line names
 * it needs: every line's for a selection by name, else only the selected
 * lines'.  Lines outside the selection are never read otherwise.  Returns
 * 0 and fills @out (freed with gpio_chip_lines_free), or -errno with one
 * sentence in @err: -EINVAL (the selection does not fit the chip),
 * -ENOMEM, or what reading a line's info said.
 */
int gpio_chip_select_lines(const struct gpio_chip *chip,
			   const struct gpio_selection_spec *spec,
			   struct gpio_chip_lines *out, char *err,
			   size_t err_size);

void gpio_chip_lines_free(struct gpio_chip_lines *lines);

/*
 * Requests line @offset for @consumer with @cfg (GPIO_V2_GET_LINE_IOCTL).
 * Returns the request's fd, non-blocking (edge events are read until
 * EAGAIN), or -errno.
 */
int gpio_chip_request_line(const struct gpio_chip *chip, uint32_t offset,
			   const char *consumer,
			   const struct gpio_v2_line_config *cfg);

#endif
