/* SPDX-License-Identifier: MIT */
/*
 * The --device-list argument: one entry per socket, colon-separated.
 *
 *   entry    := part ("+" part)*  |  "s" N
 *   part     := chip [ "[" item ("," item)* "]" ] [ settings ]
 *   chip     := N          /dev/gpiochipN
 *             | /PATH      an absolute path (/dev/gpiochip3, a udev link)
 *             | @LABEL     the chip whose label is LABEL
 *   item     := (N | N-M | NAME) [ settings ]
 *   settings := "(" setting ("," setting)* ")"
 *   setting  := "ro" | "pull-up" | "pull-down" | "bias-disabled"
 *             | "active-low" | "active-high"
 *             | "open-drain" | "open-source" | "push-pull"
 *             | "debounce=" N ("us" | "ms") | "name=" NAME
 *
 * Guest line i is the i-th selected host line, in the order written, across
 * the chips an entry joins with "+"; no selection means every line of the
 * chip.  Settings after an item are that
 * item's; after the chip (or its selection) they are the defaults of every
 * line, which an item's own settings override one by one (a bias, a drive,
 * active-low/high, the debounce period).  "ro" makes lines read-only;
 * "name=" (one line only) gives the guest line a name instead of the
 * host's, or none when empty.  Two settings of one kind in a group are an
 * error.  In paths, labels and names a backslash takes the next character
 * literally ("\:" for a colon, "\," for a comma); an item made only of
 * digits and "-" is an offset or a range, anything else (or anything with a
 * backslash) a line name.
 *
 * Parsing is pure syntax: whether the chip exists, the offsets are on it, the
 * names are known and no two entries share a line is decided with the chip
 * open (gpio_cdev.c, device_backends.c).  A host entry is written in the
 * back-end's own terms (gpio_chip.h, gpio_selection.h).
 */
#ifndef VDG_DEVICE_LIST_H
#define VDG_DEVICE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "gpio_chip.h"
#include "gpio_selection.h"

/* Lines a guest may have: the VirtIO gpio field is a le16. */
#define DEVICE_LIST_MAX_LINES 65535u
/* Chips one entry may join ("0[1]+1[2]"): each is one more open device. */
#define DEVICE_LIST_MAX_CHIPS 64u

enum device_kind {
	DEVICE_KIND_HOST_CHIP,
	DEVICE_KIND_SIMULATED,
};

struct device_spec {
	enum device_kind kind;
	unsigned int number;	/* the entry's position, from 1 */
	char *text;		/* the entry as written, for messages */
	unsigned int sim_lines; /* DEVICE_KIND_SIMULATED */
	/* DEVICE_KIND_HOST_CHIP: */
	enum gpio_chip_ref_kind chip_ref;
	unsigned int chip_index; /* GPIO_CHIP_REF_NUMBER */
	char *chip_name;	 /* GPIO_CHIP_REF_PATH or _LABEL, unescaped */
	struct gpio_line_item *items; /* NULL: every line of the chip */
	unsigned int nitems;
	bool read_only; /* "(ro)" after the chip: every line of it */
	struct gpio_line_settings defaults; /* settings after the chip */
	/*
	 * The chips joined after this one with "+", each a DEVICE_KIND_HOST_
	 * CHIP spec of the same number (text NULL, nothing joined): their
	 * lines follow this chip's.
	 */
	struct device_spec *joined;
	unsigned int njoined;
};

struct device_list {
	unsigned int count;
	struct device_spec *specs;
};

/*
 * Parses @text into @list (freed with device_list_free).  On error returns
 * -EINVAL (-ENOMEM when out of memory), leaves @list empty and writes one
 * human sentence into @err (no trailing newline), e.g. "entry 2 \"s0\": a
 * simulated chip needs 1 to 65535 lines".  Rejects: empty text or entries,
 * unknown forms, numbers with signs, spaces, leading zeros or leading
 * garbage, host chips above 4095, s0, more than 65535 lines, offsets above
 * 65535, descending ranges, empty selections, items or labels, unknown
 * settings, two of one kind in a group (conflicting or repeated), more
 * than 64 chips joined, a
 * debounce period without a unit or above 4294967295us, name= for more
 * than one line or not printable ASCII, control characters, unescaped
 * spaces and a trailing backslash.
 */
int device_list_parse(const char *text, struct device_list *list, char *err,
		      size_t err_size);

void device_list_free(struct device_list *list);

/*
 * Whether resolving @spec needs the names of a chip's lines (it selects
 * some line by name, of any of its chips).
 */
bool device_spec_has_names(const struct device_spec *spec);

/*
 * The chips of a host-chip entry: 1 + njoined; part 0 is @spec itself,
 * part i its joined[i - 1].  Each part's chip and lines are
 * device_spec_chip() and device_spec_lines() of it.
 */
unsigned int device_spec_nparts(const struct device_spec *spec);
const struct device_spec *device_spec_part(const struct device_spec *spec,
					   unsigned int i);

/*
 * One chip of a host-chip entry in the back-end's terms: the chip it names
 * and the lines it selects (pointing into @spec, valid while it is).
 */
struct gpio_chip_ref device_spec_chip(const struct device_spec *spec);
struct gpio_selection_spec device_spec_lines(const struct device_spec *spec);

/*
 * Writes "entry N \"TEXT\": " and then @fmt into @err, with TEXT shortened
 * and stripped of control bytes, as the parser's own messages are.
 */
void device_spec_error(const struct device_spec *spec, char *err,
		       size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
