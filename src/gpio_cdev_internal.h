/* SPDX-License-Identifier: MIT */
/*
 * Shared by the host-chip back-end's files only: gpio_cdev.c (line
 * requests and the ops), gpio_cdev_setup.c (making a back-end from its
 * chips, the start-up check of the settings, what it holds) and, through
 * gpio_cdev.h, gpio_cdev_config.c (what a request asks the kernel).
 * Nothing else includes it: struct gpio_cdev stays private.
 */
#ifndef VDG_GPIO_CDEV_INTERNAL_H
#define VDG_GPIO_CDEV_INTERNAL_H

#include <stdint.h>

#include "gpio_backend.h"
#include "gpio_cdev.h"
#include "gpio_cdev_sys.h"
#include "gpio_chip.h"
#include "gpio_selection.h"

/* The state of one guest line, that is one selected host line. */
struct cdev_line {
	struct gpio_cdev *cdev;
	struct gpio_chip *chip; /* its chip's */
	uint32_t offset;	/* on the host chip */
	/* The operator's, in every request and reconfiguration. */
	struct gpio_line_settings settings;
	int fd; /* the line request, -1 while released */
	/* What the request says, valid while fd >= 0: */
	uint8_t dir;	   /* enum gpio_direction; NONE: "as is" */
	uint8_t out_value; /* driven when dir is OUT */
	uint8_t irq_type;  /* VIRTIO_GPIO_IRQ_TYPE_*: edge detection on */
	uint8_t watched;   /* fd is in the event loop */
};

/* One chip of the back-end and the lines it gives, in guest order. */
struct cdev_part {
	struct gpio_chip *chip;
	struct gpio_chip_lines lines;
};

struct gpio_cdev {
	struct gpio_backend be; /* first: the ops get &be */
	const struct gpio_cdev_sys *sys;
	char consumer[GPIO_MAX_NAME_SIZE];
	/* The chips joined, in order: their lines one after the other. */
	struct cdev_part *parts;
	unsigned int nparts;
	/*
	 * Per guest line, pointing into the parts (for the names and their
	 * warnings): its chip's path, host name, given name and offset.
	 */
	const char **chip_paths;
	const char **host_names;
	const char **given_names;
	uint32_t *offsets;
	struct cdev_line *lines; /* be.ngpio entries */
};

/* The ops of every host-chip back-end (gpio_cdev.c). */
extern const struct gpio_backend_ops gpio_cdev_ops;

/* @l's guest line number. */
static inline unsigned int gpio_cdev_line_index(const struct cdev_line *l)
{
	return (unsigned int)(l - l->cdev->lines);
}

#endif
