/* SPDX-License-Identifier: MIT */
/*
 * The lines a host chip's back-end serves, and the names the guest sees for
 * them: plain functions on arrays, no system calls, so that the
 * character-device back-end (gpio_cdev.c) only has to read the chip's line
 * count and names and hand them here.
 *
 * A selection is resolved against one chip: each item (an offset, a range,
 * a line name, each maybe read-only) becomes host offsets in the order
 * given, so guest line i is host line offsets[i].  Errors are one sentence
 * for the user that names the chip and the lines (the caller says which
 * device it was about).
 */
#ifndef VDG_GPIO_SELECTION_H
#define VDG_GPIO_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines a guest may have: the VirtIO gpio field is a le16. */
#define GPIO_SELECTION_MAX_LINES 65535u

/* One item of a line selection. */
struct gpio_line_item {
	char *name;	    /* a host line name, or NULL: offsets first..last */
	unsigned int first; /* host offsets, first <= last */
	unsigned int last;
	bool read_only;
};

/* Which lines of a chip, as the operator wrote them. */
struct gpio_selection_spec {
	const struct gpio_line_item *items; /* NULL: every line of the chip */
	unsigned int nitems;
	bool read_only; /* every line is */
};

/* Whether resolving @spec needs the chip's line names (an item is one). */
bool gpio_selection_spec_has_names(const struct gpio_selection_spec *spec);

/* A selection resolved against a chip. */
struct gpio_selection {
	unsigned int count;
	uint32_t *offsets;  /* guest line i is host line offsets[i] */
	uint8_t *read_only; /* count flags, or NULL: none is read-only */
};

/*
 * Resolves @spec against a chip called @chip (for messages) with @nlines
 * lines.  @names holds the host names of all @nlines lines (NULL entries or
 * "" for unnamed ones); it may be NULL when
 * !gpio_selection_spec_has_names(@spec).  Returns 0 and fills @sel (freed
 * with gpio_selection_free), -EINVAL or -ENOMEM with a message in @err.
 */
int gpio_selection_resolve(const struct gpio_selection_spec *spec,
			   const char *chip, uint32_t nlines,
			   const char *const *names, struct gpio_selection *sel,
			   char *err, size_t err_size);

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
