/* SPDX-License-Identifier: MIT */
/*
 * A simulated GPIO chip: lines named "sim-0" .. "sim-<n-1>", every line an
 * input at level 0 until something drives it.  Outputs read back what was
 * driven; inputs read their simulated level, which the host side sets (as a
 * pull resistor or an external signal would).
 */
#ifndef VDG_GPIO_SIM_H
#define VDG_GPIO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "gpio_backend.h"

/* Lines a simulated chip may have: the VirtIO gpio field is a le16. */
#define GPIO_SIM_MAX_LINES 65535u

/*
 * Creates a chip with @nlines lines (1 .. GPIO_SIM_MAX_LINES).  Returns 0 and
 * the back-end in *@out (freed with gpio_backend_destroy), -EINVAL or -ENOMEM.
 */
int gpio_sim_new(unsigned int nlines, struct gpio_backend **out);

/*
 * Sets the level that @line presents when it is an input (0 or 1).  Returns 0,
 * -EINVAL for a bad line or level, -EBUSY for a line a wire drives.  Safe to
 * call whatever the line's direction: an output keeps driving its own value
 * until it becomes an input again.
 */
int gpio_sim_set_input(struct gpio_backend *be, unsigned int line,
		       uint8_t level);

/*
 * A wire (wire_hub.h) drives @line's input level from now on (or, @wired
 * false, no longer): gpio_sim_set_input() then refuses it, and the wire
 * sets it with gpio_sim_drive_input() (the same, without that check).
 * gpio_sim_set_wired() and gpio_sim_is_wired() may be called from any
 * thread (the flag is atomic), so that a wire made or cut from another
 * device's thread holds at once; everything else only on the chip's.
 */
int gpio_sim_set_wired(struct gpio_backend *be, unsigned int line, bool wired);
bool gpio_sim_is_wired(struct gpio_backend *be, unsigned int line);
int gpio_sim_drive_input(struct gpio_backend *be, unsigned int line,
			 uint8_t level);

/*
 * Called after any change of a line's direction or of the value a `get`
 * would read (the guest configuring or driving it, the host moving its
 * input, a reset), on the thread that made the change: a host-side view of
 * the lines needs every change, not only the edges interrupts see.
 */
typedef void (*gpio_sim_watch_fn)(void *opaque, unsigned int line);

/* Installs (or with a NULL @fn removes) the change callback of @be. */
void gpio_sim_set_watch(struct gpio_backend *be, gpio_sim_watch_fn fn,
			void *opaque);

/* Whether @be is a simulated chip. */
bool gpio_sim_is(const struct gpio_backend *be);

/* The current direction of @line, for host-side inspection. */
enum gpio_direction gpio_sim_get_direction(struct gpio_backend *be,
					   unsigned int line);

#endif
