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

/*
 * How the operator wants a line set up beyond what the guest can ask for
 * (direction, value, interrupts): what the kernel's line request carries
 * besides (gpio_cdev.c).  A field counts only when its GPIO_LINE_SET_* bit
 * is in @set, so that an item's settings override its chip's defaults
 * field by field (gpio_line_settings_merge).
 */
enum gpio_line_bias {
	GPIO_LINE_BIAS_AS_IS, /* what the chip has */
	GPIO_LINE_BIAS_PULL_UP,
	GPIO_LINE_BIAS_PULL_DOWN,
	GPIO_LINE_BIAS_DISABLED,
};

enum gpio_line_drive {
	GPIO_LINE_DRIVE_PUSH_PULL,
	GPIO_LINE_DRIVE_OPEN_DRAIN,
	GPIO_LINE_DRIVE_OPEN_SOURCE,
};

#define GPIO_LINE_SET_BIAS	 0x01u
#define GPIO_LINE_SET_DRIVE	 0x02u
#define GPIO_LINE_SET_ACTIVE_LOW 0x04u
#define GPIO_LINE_SET_DEBOUNCE	 0x08u

struct gpio_line_settings {
	uint8_t set;	      /* GPIO_LINE_SET_*: the fields given */
	uint8_t bias;	      /* enum gpio_line_bias */
	uint8_t drive;	      /* enum gpio_line_drive */
	bool active_low;      /* values are logical: the kernel inverts */
	uint32_t debounce_us; /* 0: none */
};

/* @over's fields where it sets them, @base's otherwise. */
struct gpio_line_settings
gpio_line_settings_merge(const struct gpio_line_settings *base,
			 const struct gpio_line_settings *over);

/* One item of a line selection. */
struct gpio_line_item {
	char *name;	    /* a host line name, or NULL: offsets first..last */
	unsigned int first; /* host offsets, first <= last */
	unsigned int last;
	bool read_only;
	struct gpio_line_settings settings; /* over the spec's defaults */
	/*
	 * The name the guest sees instead of the host's (one line only), ""
	 * for none at all; NULL: the host's.
	 */
	char *guest_name;
};

/* Which lines of a chip, as the operator wrote them. */
struct gpio_selection_spec {
	const struct gpio_line_item *items; /* NULL: every line of the chip */
	unsigned int nitems;
	bool read_only; /* every line is */
	/* Every line's settings, unless its item says otherwise. */
	struct gpio_line_settings defaults;
};

/* Whether resolving @spec needs the chip's line names (an item is one). */
bool gpio_selection_spec_has_names(const struct gpio_selection_spec *spec);

/* A selection resolved against a chip. */
struct gpio_selection {
	unsigned int count;
	uint32_t *offsets;  /* guest line i is host line offsets[i] */
	uint8_t *read_only; /* count flags, or NULL: none is read-only */
	/* count settings (defaults and item merged), or NULL: none given */
	struct gpio_line_settings *settings;
	/* count names (NULL: the host's, "": none), or NULL: none given */
	char **guest_names;
};

/*
 * Resolves @spec against a chip called @chip (for messages) with @nlines
 * lines, each line's settings and given name included.  @names holds the
 * host names of all @nlines lines (NULL entries or "" for unnamed ones); it
 * may be NULL when !gpio_selection_spec_has_names(@spec).  Returns 0 and
 * fills @sel (freed with gpio_selection_free), -EINVAL or -ENOMEM with a
 * message in @err.
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

/*
 * As gpio_selection_guest_names, for lines of several chips and with the
 * names the operator gave: line i is host line @offsets[i] of @chips[i],
 * and @given[i] (none when @given or the entry is NULL) replaces its host
 * name, "" leaving it unnamed.  A given name is never dropped: one that is
 * another line's name too (given, or the host's) is an error.  Returns 0
 * and *@out (freed with gpio_selection_names_free), -EINVAL with one
 * sentence naming both lines in @err, or -ENOMEM.
 */
int gpio_selection_guest_names_given(const char *const *chips,
				     const char *const *host,
				     const char *const *given,
				     const uint32_t *offsets,
				     unsigned int count, bool warn, char ***out,
				     char *err, size_t err_size);

void gpio_selection_names_free(char **names, unsigned int count);

#endif
