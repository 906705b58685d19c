// SPDX-License-Identifier: MIT
/*
 * Line selection: see gpio_selection.h.  Guest line names are
 * gpio_selection_names.c's.
 *
 * Everything here works on arrays the caller read from the chip; sorting
 * keeps each check O(n log n), since a chip or a selection may have up to
 * 65535 lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/gpio.h>

#include "ascii.h"
#include "errbuf.h"
#include "gpio_selection.h"

/*
 * Selection.
 */

/* Line offsets paired with their guest line, to sort by offset. */
struct offset_index {
	uint32_t offset;
	unsigned int index;
};

static int offset_index_compare(const void *a, const void *b)
{
	const struct offset_index *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* @offsets (@count) as pairs sorted by offset, then guest line. */
static struct offset_index *offsets_sorted(const uint32_t *offsets,
					   unsigned int count)
{
	struct offset_index *sorted = malloc(count * sizeof(*sorted) + 1);
	unsigned int i;

	if (!sorted)
		return NULL;
	for (i = 0; i < count; i++)
		sorted[i] = (struct offset_index){offsets[i], i};
	qsort(sorted, count, sizeof(*sorted), offset_index_compare);
	return sorted;
}

/* Host line names sorted, to find each selected name in log time. */
struct name_index {
	const char *name;
	uint32_t offset;
};

static int name_index_compare(const void *a, const void *b)
{
	const struct name_index *x = a, *y = b;
	int ret = strcmp(x->name, y->name);

	if (ret)
		return ret;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Finds @name among the @count sorted entries: the first match, or NULL. */
static const struct name_index *name_find(const struct name_index *sorted,
					  size_t count, const char *name)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sorted[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < count && !strcmp(sorted[lo].name, name) ? &sorted[lo]
							    : NULL;
}

static struct name_index *names_sorted(const char *const *names,
				       uint32_t nlines, size_t *count)
{
	struct name_index *sorted = malloc(nlines * sizeof(*sorted) + 1);
	uint32_t i;

	*count = 0;
	if (!sorted)
		return NULL;
	for (i = 0; i < nlines; i++)
		if (names[i] && names[i][0])
			sorted[(*count)++] = (struct name_index){names[i], i};
	qsort(sorted, *count, sizeof(*sorted), name_index_compare);
	return sorted;
}

/* The host offset named by @item; 0 or -EINVAL with the message set. */
static int item_resolve_name(const struct gpio_selection_spec *spec,
			     const char *chip,
			     const struct gpio_line_item *item,
			     const struct name_index *sorted, size_t nsorted,
			     uint32_t *offset, char *err, size_t err_size)
{
	const struct name_index *found =
		sorted ? name_find(sorted, nsorted, item->name) : NULL;
	char name[GPIO_MAX_NAME_SIZE * 2];

	ascii_printable_copy(name, sizeof(name), item->name);
	if (!found) {
		errbuf_printf(err, err_size, "no line of %s is named \"%s\"",
			      chip, name);
		return -EINVAL;
	}
	if (found + 1 < sorted + nsorted &&
	    !strcmp(found[1].name, item->name)) {
		errbuf_printf(err, err_size,
			      "lines %u and %u of %s are both named "
			      "\"%s\"; select by offset",
			      found[0].offset, found[1].offset, chip, name);
		return -EINVAL;
	}
	*offset = found->offset;
	return 0;
}

/* Every selected host line once: sorting finds a repeat in log time. */
static int selection_check_unique(const struct gpio_selection_spec *spec,
				  const char *chip, const char *const *names,
				  const struct gpio_selection *sel, char *err,
				  size_t err_size)
{
	struct offset_index *sorted = offsets_sorted(sel->offsets, sel->count);
	unsigned int i;
	int ret = 0;

	if (!sorted)
		return -ENOMEM;
	for (i = 1; i < sel->count; i++) {
		const struct offset_index *a = &sorted[i - 1], *b = &sorted[i];
		char name[GPIO_MAX_NAME_SIZE + 8] = "";

		if (a->offset != b->offset)
			continue;
		if (names && names[a->offset] && names[a->offset][0]) {
			char printable[GPIO_MAX_NAME_SIZE];

			ascii_printable_copy(printable, sizeof(printable),
					     names[a->offset]);
			snprintf(name, sizeof(name), " (\"%s\")", printable);
		}
		errbuf_printf(err, err_size,
			      "host line %u%s of %s is selected twice",
			      a->offset, name, chip);
		ret = -EINVAL;
		break;
	}
	free(sorted);
	return ret;
}

/* The lines of a whole chip: all of them, if a guest can have that many. */
static int select_whole_chip(const struct gpio_selection_spec *spec,
			     const char *chip, uint32_t nlines,
			     struct gpio_selection *sel, char *err,
			     size_t err_size)
{
	uint32_t i;

	if (!nlines) {
		errbuf_printf(err, err_size, "%s has no lines", chip);
		return -EINVAL;
	}
	if (nlines > GPIO_SELECTION_MAX_LINES) {
		errbuf_printf(err, err_size,
			      "%s has %u lines, more than the 65535 a "
			      "guest can have; select some",
			      chip, nlines);
		return -EINVAL;
	}
	sel->offsets = malloc(nlines * sizeof(*sel->offsets));
	if (!sel->offsets)
		return -ENOMEM;
	for (i = 0; i < nlines; i++)
		sel->offsets[i] = i;
	sel->count = nlines;
	return 0;
}

/* The items in order; ranges and names checked against the chip. */
static int select_items(const struct gpio_selection_spec *spec,
			const char *chip, uint32_t nlines,
			const char *const *names, struct gpio_selection *sel,
			char *err, size_t err_size)
{
	struct name_index *sorted = NULL;
	size_t nsorted = 0, count = 0;
	unsigned int i, n = 0;
	uint32_t off;
	int ret = 0;

	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];

		count += item->name ? 1 : item->last - item->first + 1u;
	}
	if (count > GPIO_SELECTION_MAX_LINES) {
		errbuf_printf(err, err_size, "selects more than 65535 lines");
		return -EINVAL;
	}
	if (names) {
		sorted = names_sorted(names, nlines, &nsorted);
		if (!sorted)
			return -ENOMEM;
	}
	sel->offsets = malloc(count * sizeof(*sel->offsets) + 1);
	if (!sel->offsets) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];

		if (item->name) {
			ret = item_resolve_name(spec, chip, item, sorted,
						nsorted, &sel->offsets[n++],
						err, err_size);
			if (ret)
				goto out;
			continue;
		}
		if (item->last >= nlines) {
			if (item->first == item->last)
				errbuf_printf(err, err_size,
					      "line %u is not on %s, "
					      "which has %u lines",
					      item->first, chip, nlines);
			else
				errbuf_printf(err, err_size,
					      "lines %u-%u are not all on "
					      "%s, which has %u lines",
					      item->first, item->last, chip,
					      nlines);
			ret = -EINVAL;
			goto out;
		}
		for (off = item->first; off <= item->last; off++)
			sel->offsets[n++] = off;
	}
	sel->count = n;
out:
	free(sorted);
	return ret;
}

/* Read-only flags per guest line; NULL stays when no line is. */
static int select_read_only(const struct gpio_selection_spec *spec,
			    struct gpio_selection *sel)
{
	unsigned int i, n = 0, k;
	bool any = spec->read_only;

	for (i = 0; i < spec->nitems; i++)
		any = any || spec->items[i].read_only;
	if (!any)
		return 0;
	sel->read_only = calloc(sel->count, 1);
	if (!sel->read_only)
		return -ENOMEM;
	if (!spec->items) {
		memset(sel->read_only, 1, sel->count);
		return 0;
	}
	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];
		unsigned int lines =
			item->name ? 1 : item->last - item->first + 1;

		for (k = 0; k < lines; k++, n++)
			sel->read_only[n] = spec->read_only || item->read_only;
	}
	return 0;
}

struct gpio_line_settings
gpio_line_settings_merge(const struct gpio_line_settings *base,
			 const struct gpio_line_settings *over)
{
	struct gpio_line_settings s = *base;

	s.set |= over->set;
	if (over->set & GPIO_LINE_SET_BIAS)
		s.bias = over->bias;
	if (over->set & GPIO_LINE_SET_DRIVE)
		s.drive = over->drive;
	if (over->set & GPIO_LINE_SET_ACTIVE_LOW)
		s.active_low = over->active_low;
	if (over->set & GPIO_LINE_SET_DEBOUNCE)
		s.debounce_us = over->debounce_us;
	return s;
}

/* The lines @item gives. */
static unsigned int item_lines(const struct gpio_line_item *item)
{
	return item->name ? 1 : item->last - item->first + 1;
}

/* Settings per guest line; NULL stays when none is given. */
static int select_settings(const struct gpio_selection_spec *spec,
			   struct gpio_selection *sel)
{
	unsigned int i, n = 0, k;
	bool any = spec->defaults.set;

	for (i = 0; i < spec->nitems; i++)
		any = any || spec->items[i].settings.set;
	if (!any)
		return 0;
	sel->settings = calloc(sel->count + 1u, sizeof(*sel->settings));
	if (!sel->settings)
		return -ENOMEM;
	if (!spec->items) {
		for (i = 0; i < sel->count; i++)
			sel->settings[i] = spec->defaults;
		return 0;
	}
	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];
		struct gpio_line_settings s = gpio_line_settings_merge(
			&spec->defaults, &item->settings);

		for (k = 0; k < item_lines(item); k++, n++)
			sel->settings[n] = s;
	}
	return 0;
}

/*
 * The names given to guest lines; NULL stays when none is.  A name names
 * one line: an item of more is refused.
 */
static int select_guest_names(const struct gpio_selection_spec *spec,
			      const char *chip, struct gpio_selection *sel,
			      char *err, size_t err_size)
{
	unsigned int i, n = 0;
	bool any = false;

	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];

		if (!item->guest_name)
			continue;
		if (item_lines(item) != 1) {
			errbuf_printf(err, err_size,
				      "lines %u-%u of %s cannot all have one "
				      "name",
				      item->first, item->last, chip);
			return -EINVAL;
		}
		any = true;
	}
	if (!any)
		return 0;
	sel->guest_names = calloc(sel->count + 1u, sizeof(*sel->guest_names));
	if (!sel->guest_names)
		return -ENOMEM;
	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];

		if (item->guest_name) {
			sel->guest_names[n] = strdup(item->guest_name);
			if (!sel->guest_names[n])
				return -ENOMEM;
		}
		n += item_lines(item);
	}
	return 0;
}

int gpio_selection_resolve(const struct gpio_selection_spec *spec,
			   const char *chip, uint32_t nlines,
			   const char *const *names, struct gpio_selection *sel,
			   char *err, size_t err_size)
{
	int ret;

	memset(sel, 0, sizeof(*sel));
	if (spec->items)
		ret = select_items(spec, chip, nlines, names, sel, err,
				   err_size);
	else
		ret = select_whole_chip(spec, chip, nlines, sel, err, err_size);
	if (!ret)
		ret = selection_check_unique(spec, chip, names, sel, err,
					     err_size);
	if (!ret)
		ret = select_read_only(spec, sel);
	if (!ret)
		ret = select_settings(spec, sel);
	if (!ret)
		ret = select_guest_names(spec, chip, sel, err, err_size);
	if (ret == -ENOMEM)
		errbuf_printf(err, err_size, "out of memory");
	if (ret)
		gpio_selection_free(sel);
	return ret;
}

bool gpio_selection_spec_has_names(const struct gpio_selection_spec *spec)
{
	unsigned int i;

	for (i = 0; i < spec->nitems; i++)
		if (spec->items[i].name)
			return true;
	return false;
}

void gpio_selection_free(struct gpio_selection *sel)
{
	gpio_selection_names_free(sel->guest_names, sel->count);
	free(sel->offsets);
	free(sel->read_only);
	free(sel->settings);
	memset(sel, 0, sizeof(*sel));
}

bool gpio_selection_overlap(const struct gpio_selection *a,
			    const struct gpio_selection *b, unsigned int *ia,
			    unsigned int *ib)
{
	struct offset_index *sa = offsets_sorted(a->offsets, a->count);
	struct offset_index *sb = offsets_sorted(b->offsets, b->count);
	unsigned int i = 0, j = 0;
	bool found = false;

	/* Out of memory: "shared", rather than let a line be served twice. */
	if (!sa || !sb) {
		*ia = *ib = 0;
		found = true;
		goto out;
	}
	while (i < a->count && j < b->count) {
		if (sa[i].offset < sb[j].offset) {
			i++;
		} else if (sa[i].offset > sb[j].offset) {
			j++;
		} else {
			*ia = sa[i].index;
			*ib = sb[j].index;
			found = true;
			break;
		}
	}
out:
	free(sa);
	free(sb);
	return found;
}
