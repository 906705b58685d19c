/* SPDX-License-Identifier: MIT */
/*
 * The lines a host-chip device-list entry selects, and the names the guest
 * sees for them: plain functions on arrays, no system calls, so that the
 * character-device back-end (gpio_cdev.c) only has to read the chip's line
 * count and names and hand them here.
 *
 * A selection is resolved against one chip: each item of the entry (an
 * offset, a range, a line name, each maybe read-only) becomes host offsets
 * in the order given, so guest line i is host line offsets[i].  Errors are
 * one sentence for the user, starting with "entry N \"TEXT\": " as every
 * device-list error does (device_spec_error).
 */
#ifndef VDG_GPIO_SELECTION_H
#define VDG_GPIO_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device_list.h"

/* A selection resolved against a chip. */
struct gpio_selection {
	unsigned int count;
	uint32_t *offsets;  /* guest line i is host line offsets[i] */
	uint8_t *read_only; /* count flags, or NULL: none is read-only */
};

/*
 * Resolves @spec's selection against a chip called @chip (for messages)
 * with @nlines lines.  @names holds the host names of all @nlines lines
 * (NULL entries or "" for unnamed ones); it may be NULL when
 * !device_spec_has_names(@spec).  Returns 0 and fills @sel (freed with
 * gpio_selection_free), -EINVAL with a message in @err, or -ENOMEM.
 */
int gpio_selection_resolve(const struct device_spec *spec, const char *chip,
			   uint32_t nlines, const char *const *names,
			   struct gpio_selection *sel, char *err,
			   size_t err_size);

void gpio_selection_free(struct gpio_selection *sel);

/*
 * Whether @a and @b have a host offset in common; if so *@ia and *@ib are
 * its indexes (guest lines) in each, the lowest such offset's.
 */
bool gpio_selection_overlap(const struct gpio_selection *a,
			    const struct gpio_selection *b, unsigned int *ia,
			    unsigned int *ib);

/*
 * The names the guest sees for lines whose host names are @host (@count
 * entries, NULL or "" for unnamed): copies, except that an empty name, a
 * name with bytes outside printable ASCII and every later duplicate of a
 * name become NULL (unnamed); with @warn, each but the empty ones is logged
 * as a warning naming @chip, the host offset (@offsets) and the guest line.
 * Returns the array (@count strings or NULL, freed with
 * gpio_selection_names_free), or NULL when out of memory.
 */
char **gpio_selection_guest_names(const char *chip, const char *const *host,
				  const uint32_t *offsets, unsigned int count,
				  bool warn);

void gpio_selection_names_free(char **names, unsigned int count);

#endif
