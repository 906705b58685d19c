/* SPDX-License-Identifier: MIT */
/*
 * Shared by gpio_device.c (the device, its config and requestq) and
 * gpio_device_irq.c (its interrupts) only: struct gpio_device stays
 * opaque to everything else.
 */
#ifndef VDG_GPIO_DEVICE_INTERNAL_H
#define VDG_GPIO_DEVICE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "gpio_device.h"

/*
 * What the device remembers of one line: what the guest set (direction,
 * output value) and where its interrupt is in the spec's state machine.
 * Only the thread that serves the device touches it.
 */
struct gpio_line {
	/* enum gpio_direction, as the guest set it (or the back-end's idea). */
	uint8_t direction;
	/* Driven when the line is an output or becomes one (SET_VALUE). */
	uint8_t out_value;
	/* VIRTIO_GPIO_IRQ_TYPE_*: NONE while interrupts are disabled. */
	uint8_t irq_type;
	/* The driver's eventq pair is held: the line is unmasked. */
	uint8_t irq_pending;
	/* An edge of irq_type came while masked (edge types only). */
	uint8_t irq_latched;
	/* The back-end refused the guest's IRQ_TYPE: see irq_unmask. */
	uint8_t irq_refused;
	uint16_t irq_token; /* identifies the held pair to the caller */
	/* The guest set the direction (not just the back-end's report). */
	uint8_t configured;
	/*
	 * In the copy kept over a disconnect only: the level of a line with
	 * an edge interrupt when the front-end went away (LEVEL_UNKNOWN if
	 * it could not be read), so that an edge nobody saw meanwhile is
	 * latched on resume.
	 */
	uint8_t level_at_suspend;
};

#define LEVEL_UNKNOWN 0xff

struct gpio_device {
	struct gpio_backend *be;
	struct gpio_line *lines; /* be->ngpio entries */
	char *names; /* the GET_NAMES block, names_size bytes; NULL if 0 */
	uint32_t names_size;
	bool irq_feature; /* VIRTIO_GPIO_F_IRQ negotiated */
	gpio_irq_done_fn irq_done;
	void *irq_opaque;
	/* The guest's line state kept over a disconnect (suspend/resume). */
	struct gpio_line *suspended;
};

/*
 * Handles one request naming a line (gpio < ngpio already checked).  Returns
 * a VIRTIO_GPIO_STATUS_* and sets *resp_value on OK.
 */
typedef uint8_t (*line_request_fn)(struct gpio_device *dev, unsigned int gpio,
				   uint32_t value, uint8_t *resp_value);

/*
 * Tells the back-end's tracer, if any, @gpio's direction and level (read
 * from the back-end) now.
 */
void gpio_device_trace_line(struct gpio_device *dev, unsigned int gpio);

/* gpio_device_irq.c, for gpio_device.c: */

/* Whether VIRTIO_GPIO_IRQ_TYPE_* @type is an edge type. */
bool gpio_device_irq_is_edge(uint8_t type);

/* Interrupts off: the spec wants a held pair back at once, latches gone. */
void gpio_device_irq_disable(struct gpio_device *dev, struct gpio_line *line);

/* The back-end's gpio_level_fn: an edge, latched or given to a pair. */
void gpio_device_irq_level_changed(void *opaque, unsigned int gpio,
				   uint8_t level);

/* The IRQ_TYPE request (a line_request_fn). */
uint8_t gpio_device_irq_set_type(struct gpio_device *dev, unsigned int gpio,
				 uint32_t value, uint8_t *resp_value);

/*
 * On resume: an edge of the line's type that came while nobody watched
 * (its level differs from the one at the suspend) is latched.
 */
void gpio_device_irq_latch_missed_edge(struct gpio_device *dev,
				       unsigned int gpio,
				       struct gpio_line *line);

#endif
