/* SPDX-License-Identifier: MIT */
/*
 * Host GPIO lines through the Linux GPIO character device, uAPI v2
 * (<linux/gpio.h>), behind the gpio_backend ops.
 *
 * A back-end serves the lines selections pick from one chip or more joined
 * (gpio_chip.h, gpio_selection.h): guest line i is the i-th line selected,
 * the first chip's lines first.  Each line the guest
 * uses is one line request (consumer "vhost-gpio:<socket>"), made when the
 * guest first needs the line and released on SET_DIRECTION NONE and on reset;
 * edges come from the request fd, which sits in the serving thread's event loop
 * while edge detection is on.  Lines outside the selection are never requested,
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
#include <linux/gpio.h>

#include "gpio_backend.h"
#include "gpio_chip.h"
#include "gpio_selection.h"

/* Which chip, and which of its lines (with their settings). */
struct gpio_cdev_spec {
	struct gpio_chip_ref chip;
	struct gpio_selection_spec lines;
};

/*
 * Opens the chip @spec names (gpio_chip_open: nothing but a GPIO chip is
 * ever opened), resolves its line selection and returns the back-end in
 * *@out (freed with gpio_backend_destroy).  @consumer labels the line
 * requests; it is cut to fit GPIO_MAX_NAME_SIZE.  Nothing is requested yet.
 *
 * On failure returns -errno and writes one sentence into @err that names
 * the chip (the caller says which device it was for): -ENOENT (no such
 * chip, no chip with that label), -ENOTTY (not a GPIO chip), -EINVAL (the
 * selection does not fit the chip: offset out of range, unknown or
 * ambiguous name, a line twice, too many lines), -ENOMEM, or what open(2)
 * or an ioctl said (-EACCES, ...).
 */
int gpio_cdev_new(const struct gpio_cdev_spec *spec, const char *consumer,
		  struct gpio_backend **out, char *err, size_t err_size);

/*
 * As gpio_cdev_new, for one guest chip made of the lines of the @nparts
 * chips @parts, in order (interrupts, read-only lines, release on reset:
 * everything per line, whatever its chip).  A chip may come twice (two
 * selections of it, two paths to it); a host line may not (-EINVAL, chips
 * compared by device number), nor more than 65535 lines in all.
 */
int gpio_cdev_new_joined(const struct gpio_cdev_spec *parts,
			 unsigned int nparts, const char *consumer,
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

/*
 * Asks the kernel whether it takes the bias and debounce period of each line
 * of @be that has them (nothing else can be refused: the kernel emulates
 * open drain and source, and inverts any line): a line that is a free input
 * is requested once as an input with them and released at once (the bias
 * stays on the pin, as after any request).  A line held by another program
 * or driving an output is left alone: its settings are tried when the guest
 * makes it an input.  Returns 0, or -errno with one sentence naming the
 * chip, the host and guest line and what was refused in @err.  For the
 * start-up, before any guest; not for another back-end's lines (0).
 */
int gpio_cdev_check_settings(struct gpio_backend *be, char *err,
			     size_t err_size);

/* Whether @be is a character-device back-end. */
bool gpio_cdev_is(const struct gpio_backend *be);

/* The chip's path as opened (for messages); NULL if @be is not one. */
const char *gpio_cdev_chip_path(const struct gpio_backend *be);

/*
 * The chips of @be (0 if it is not a character-device back-end), the path
 * of chip @i (as gpio_cdev_chip_path for 0, NULL past the last) and that of
 * guest line @line's chip (NULL past the last line).
 */
unsigned int gpio_cdev_num_chips(const struct gpio_backend *be);
const char *gpio_cdev_chip_path_at(const struct gpio_backend *be,
				   unsigned int i);
const char *gpio_cdev_line_chip_path(const struct gpio_backend *be,
				     unsigned int line);

/*
 * Whether @a and @b (character-device back-ends) serve a common host line:
 * the same chip device (st_rdev) and offset, of any of their chips.  If
 * so, *@line_a and *@line_b are the guest lines it is in each, and
 * *@offset the host offset (of gpio_cdev_line_chip_path(@a, *@line_a)).
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
 * As gpio_cdev_line_config, with the operator's settings @s (NULL: none)
 * where the kernel takes them: active-low always (values and edges are
 * then logical), a bias with a direction (input or output), a drive with
 * an output, a debounce period (attribute GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
 * with an input.  What does not apply to the direction is left out, so
 * that the same line can be either.
 */
void gpio_cdev_line_config_with(const struct gpio_line_settings *s,
				enum gpio_direction dir, uint8_t out_value,
				uint8_t irq_type,
				struct gpio_v2_line_config *cfg);

/*
 * Whether @s means anything to an input only (a bias, a debounce period):
 * a line read before the guest chose its direction is then requested as an
 * input, and the start-up check tries it.
 */
bool gpio_cdev_settings_want_input(const struct gpio_line_settings *s);

#endif
