// SPDX-License-Identifier: MIT
/*
 * The --device-list parser: see device_list.h.  Entries, chips and line
 * selections here; reading an entry's text and the error messages in
 * device_list_text.c, a "(...)" group of line settings in
 * device_list_settings.c.
 *
 * Numbers are plain decimal: digits only, no sign, no spaces and no leading
 * zeros ("0" itself is fine).  "007" is refused rather than read as 7 so that
 * every chip and line has one spelling and nothing looks like C's octal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "device_list.h"
#include "device_list_internal.h"

/*
 * /dev/gpiochipK: far more chips than any machine has, and small enough that
 * a typo of extra digits is caught here rather than as a missing device.
 */
#define HOST_CHIP_MAX 4095u
/* gpiolib numbers a chip's lines with a u16. */
#define LINE_OFFSET_MAX 65535u

void device_spec_error(const struct device_spec *spec, char *err,
		       size_t err_size, const char *fmt, ...)
{
	struct device_list_error perr = {err, err_size};
	char quoted[DEVICE_LIST_QUOTE_SIZE];
	const char *text = spec->text ? spec->text : "";
	va_list ap;

	device_list_quote(text, strlen(text), quoted, sizeof(quoted));
	va_start(ap, fmt);
	device_list_error_vset(&perr, spec->number, quoted, fmt, ap);
	va_end(ap);
}

/* "sM" */
static int entry_parse_simulated(const struct device_list_entry *e,
				 struct device_spec *spec,
				 struct device_list_error *err)
{
	unsigned long lines;
	size_t n;

	n = device_list_number(e->text + 1, e->len - 1, DEVICE_LIST_MAX_LINES,
			       &lines);
	if (!n || n != e->len - 1) {
		device_list_entry_error(
			err, e, "expected \"s\" followed by a number of lines");
		return -EINVAL;
	}
	if (n > 1 && e->text[1] == '0') {
		device_list_entry_error(
			err, e, "numbers are written without leading zeros");
		return -EINVAL;
	}
	if (lines < 1 || lines > DEVICE_LIST_MAX_LINES) {
		device_list_entry_error(
			err, e, "a simulated chip needs 1 to 65535 lines");
		return -EINVAL;
	}
	spec->kind = DEVICE_KIND_SIMULATED;
	spec->sim_lines = (unsigned int)lines;
	return 0;
}

/* Whether @word can only be an offset or a range: digits and "-" only. */
static bool word_is_numeric(const char *word)
{
	return word[0] && strspn(word, "0123456789-") == strlen(word);
}

/* One host offset of an item: no leading zero, at most 65535. */
static int offset_parse(struct device_list_cursor *c, const char *word,
			const char *s, size_t len, unsigned int *out)
{
	unsigned long value;

	if (len > 1 && s[0] == '0') {
		device_list_entry_error(
			c->err, c->e,
			"numbers are written without leading zeros");
		return -EINVAL;
	}
	device_list_number(s, len, LINE_OFFSET_MAX, &value);
	if (value > LINE_OFFSET_MAX) {
		device_list_entry_error(c->err, c->e,
					"line \"%s\": offsets are 0 to 65535",
					word);
		return -EINVAL;
	}
	*out = (unsigned int)value;
	return 0;
}

/* "N" or "N-M" (the word is digits and "-" only). */
static int range_parse(struct device_list_cursor *c, const char *word,
		       struct gpio_line_item *item)
{
	const char *dash = strchr(word, '-');
	size_t len = strlen(word);
	int ret;

	if (!dash) {
		ret = offset_parse(c, word, word, len, &item->first);
		item->last = item->first;
		return ret;
	}
	if (dash == word || !dash[1] || strchr(dash + 1, '-')) {
		device_list_entry_error(
			c->err, c->e,
			"\"%s\" is neither a line offset nor a range N-M",
			word);
		return -EINVAL;
	}
	ret = offset_parse(c, word, word, (size_t)(dash - word), &item->first);
	if (!ret)
		ret = offset_parse(c, word, dash + 1, strlen(dash + 1),
				   &item->last);
	if (ret)
		return ret;
	if (item->last < item->first) {
		device_list_entry_error(
			c->err, c->e,
			"range \"%s\" goes downwards; write \"%u-%u\"", word,
			item->last, item->first);
		return -EINVAL;
	}
	return 0;
}

/* How messages name @spec's chip: "/dev/gpiochipN", its path or "@LABEL". */
static void chip_where(const struct device_spec *spec, char *buf, size_t size)
{
	char quoted[DEVICE_LIST_QUOTE_SIZE];

	if (spec->chip_ref == GPIO_CHIP_REF_NUMBER) {
		snprintf(buf, size, "/dev/gpiochip%u", spec->chip_index);
		return;
	}
	device_list_quote(spec->chip_name, strlen(spec->chip_name), quoted,
			  sizeof(quoted));
	snprintf(buf, size, "%s%s",
		 spec->chip_ref == GPIO_CHIP_REF_LABEL ? "@" : "", quoted);
}

/* The settings group of @item (of @spec's chip), at the cursor. */
static int item_settings_parse(struct device_list_cursor *c,
			       const struct device_spec *spec,
			       struct gpio_line_item *item, size_t start)
{
	char group[DEVICE_LIST_QUOTE_SIZE], chip[DEVICE_LIST_QUOTE_SIZE + 16];
	char text[DEVICE_LIST_QUOTE_SIZE],
		where[sizeof(chip) + sizeof(text) + 8];
	bool one = item->name || item->first == item->last;

	chip_where(spec, chip, sizeof(chip));
	device_list_quote(c->e->text + start, c->pos - start, text,
			  sizeof(text));
	snprintf(where, sizeof(where), "%s line%s %s", chip, one ? "" : "s",
		 text);
	return device_list_settings_parse(
		c, one ? SETTINGS_OF_LINE : SETTINGS_OF_RANGE, where,
		&item->settings, &item->read_only, &item->guest_name, group,
		sizeof(group));
}

/* One item of @spec's selection, with its settings. */
static int item_parse(struct device_list_cursor *c,
		      const struct device_spec *spec,
		      struct gpio_line_item *item)
{
	size_t start = c->pos;
	bool escaped;
	char *word;
	int ret;

	ret = device_list_word(c, ",[]()", &word, &escaped);
	if (ret)
		return ret;
	if (!word[0]) {
		free(word);
		device_list_entry_error(c->err, c->e,
					"an empty item in the line selection");
		return -EINVAL;
	}
	if (!escaped && word_is_numeric(word)) {
		ret = range_parse(c, word, item);
		free(word);
		if (ret)
			return ret;
	} else {
		item->name = word;
	}
	if (device_list_cursor_peek(c) == '(')
		return item_settings_parse(c, spec, item, start);
	return 0;
}

/* "[item,...]" at the cursor; items go into @spec. */
static int selection_parse(struct device_list_cursor *c,
			   struct device_spec *spec)
{
	const struct device_list_entry *e = c->e;
	unsigned long lines = 0;
	size_t cap = 1, i;
	int ret;

	/* More items than commas is impossible: size the array once. */
	for (i = c->pos; i < e->len; i++)
		if (e->text[i] == ',')
			cap++;
	spec->items = calloc(cap, sizeof(*spec->items));
	if (!spec->items)
		return -ENOMEM;

	c->pos++; /* "[" */
	if (device_list_cursor_done(c)) {
		device_list_entry_error(
			c->err, e,
			"missing \"]\" at the end of the line selection");
		return -EINVAL;
	}
	if (device_list_cursor_peek(c) == ']') {
		device_list_entry_error(c->err, e,
					"the line selection is empty");
		return -EINVAL;
	}
	for (;;) {
		struct gpio_line_item *item = &spec->items[spec->nitems++];
		char next;

		ret = item_parse(c, spec, item);
		if (ret)
			return ret;
		lines += item->name ? 1 : item->last - item->first + 1ul;
		if (lines > DEVICE_LIST_MAX_LINES) {
			device_list_entry_error(
				c->err, e, "selects more than 65535 lines");
			return -EINVAL;
		}
		next = device_list_cursor_peek(c);
		c->pos++;
		if (next == ']')
			return 0;
		if (next == ',')
			continue;
		if (!next)
			device_list_entry_error(
				c->err, e,
				"missing \"]\" at the end of the line "
				"selection");
		else
			device_list_entry_error(
				c->err, e,
				"unexpected \"%c\" in the line selection",
				ascii_printable_char(next));
		return -EINVAL;
	}
}

/*
 * The chip at the cursor: at the start of the entry, or after a "+"
 * (@joined).
 */
static int chip_parse(struct device_list_cursor *c, struct device_spec *spec,
		      bool joined)
{
	const struct device_list_entry *e = c->e;
	const char *text = e->text + c->pos;
	size_t left = e->len - c->pos;
	unsigned long chip;
	bool escaped;
	size_t n;
	int ret;

	if (left && text[0] >= '0' && text[0] <= '9') {
		n = device_list_number(text, left, HOST_CHIP_MAX, &chip);
		if (n > 1 && text[0] == '0') {
			device_list_entry_error(
				c->err, e,
				"numbers are written without leading "
				"zeros");
			return -EINVAL;
		}
		if (chip > HOST_CHIP_MAX) {
			device_list_entry_error(
				c->err, e,
				"a host chip number must be 0 to 4095");
			return -EINVAL;
		}
		spec->chip_ref = GPIO_CHIP_REF_NUMBER;
		spec->chip_index = (unsigned int)chip;
		c->pos += n;
		return 0;
	}
	if (!left || (text[0] != '/' && text[0] != '@')) {
		if (joined)
			device_list_entry_error(
				c->err, e,
				"expected a chip number, an absolute path "
				"or @LABEL after \"+\"");
		else
			device_list_entry_error(
				c->err, e,
				"expected a chip number, an absolute path, "
				"@LABEL or \"s\" followed by a number of "
				"lines");
		return -EINVAL;
	}
	spec->chip_ref =
		text[0] == '/' ? GPIO_CHIP_REF_PATH : GPIO_CHIP_REF_LABEL;
	if (spec->chip_ref == GPIO_CHIP_REF_LABEL)
		c->pos++;
	ret = device_list_word(c, "[]()+", &spec->chip_name, &escaped);
	if (ret)
		return ret;
	if (!spec->chip_name[0]) {
		device_list_entry_error(c->err, e,
					"expected a chip label after \"@\"");
		return -EINVAL;
	}
	return 0;
}

/*
 * chip [ "[" items "]" ] [ settings ]: one chip's part of a host entry,
 * into @spec (the entry's own for the first part).
 */
static int part_parse(struct device_list_cursor *c, struct device_spec *spec,
		      bool joined)
{
	char group[DEVICE_LIST_QUOTE_SIZE + 2];
	const char *after;
	int ret;

	spec->kind = DEVICE_KIND_HOST_CHIP;
	ret = chip_parse(c, spec, joined);
	if (ret)
		return ret;
	after = spec->chip_ref == GPIO_CHIP_REF_NUMBER ? "the chip number"
						       : "the chip";
	if (device_list_cursor_peek(c) == '[') {
		ret = selection_parse(c, spec);
		if (ret)
			return ret;
		after = "the line selection";
	}
	if (device_list_cursor_peek(c) == '(') {
		char where[DEVICE_LIST_QUOTE_SIZE + 32];

		chip_where(spec, where, sizeof(where));
		strcat(where, ", every line");
		ret = device_list_settings_parse(
			c, SETTINGS_OF_CHIP, where, &spec->defaults,
			&spec->read_only, NULL, group + 1, sizeof(group) - 2);
		if (ret)
			return ret;
		/* The group, in quotes. */
		group[0] = '"';
		strcat(group, "\"");
		after = group;
	}
	if (!device_list_cursor_done(c) && device_list_cursor_peek(c) != '+') {
		device_list_entry_error(
			c->err, c->e, "unexpected \"%c\" after %s",
			ascii_printable_char(device_list_cursor_peek(c)),
			after);
		return -EINVAL;
	}
	return 0;
}

/* The lines @spec's selection gives (0: a whole chip, unknown yet). */
static unsigned long part_lines(const struct device_spec *spec)
{
	unsigned long lines = 0;
	unsigned int i;

	for (i = 0; i < spec->nitems; i++) {
		const struct gpio_line_item *item = &spec->items[i];

		lines += item->name ? 1 : item->last - item->first + 1ul;
	}
	return lines;
}

/* part ("+" part)*: the first part is @spec's own, the others joined. */
static int entry_parse_host(const struct device_list_entry *e,
			    struct device_spec *spec,
			    struct device_list_error *err)
{
	struct device_list_cursor c = {e, 0, err};
	unsigned long lines;
	int ret;

	ret = part_parse(&c, spec, false);
	lines = part_lines(spec);
	while (!ret && device_list_cursor_peek(&c) == '+') {
		struct device_spec *part;

		c.pos++;
		if (spec->njoined + 1 >= DEVICE_LIST_MAX_CHIPS) {
			device_list_entry_error(err, e,
						"joins more than %u chips",
						DEVICE_LIST_MAX_CHIPS);
			return -EINVAL;
		}
		part = realloc(spec->joined,
			       (spec->njoined + 1) * sizeof(*spec->joined));
		if (!part)
			return -ENOMEM;
		spec->joined = part;
		part = &spec->joined[spec->njoined++];
		memset(part, 0, sizeof(*part));
		part->number = spec->number;
		ret = part_parse(&c, part, true);
		lines += part_lines(part);
	}
	if (ret)
		return ret;
	if (lines > DEVICE_LIST_MAX_LINES) {
		device_list_entry_error(err, e,
					"selects more than 65535 lines");
		return -EINVAL;
	}
	return 0;
}

/* The first character says which form an entry is. */
static int entry_parse(const struct device_list_entry *e,
		       struct device_spec *spec, struct device_list_error *err)
{
	if (!e->len) {
		device_list_error_set(err, "entry %u is empty", e->number);
		return -EINVAL;
	}
	spec->number = e->number;
	spec->text = strndup(e->text, e->len);
	if (!spec->text) {
		device_list_error_set(err, "out of memory");
		return -ENOMEM;
	}
	if (e->text[0] == 's')
		return entry_parse_simulated(e, spec, err);
	return entry_parse_host(e, spec, err);
}

/* The end of the entry starting at @p: the next unescaped ':' or the NUL. */
static const char *entry_end(const char *p)
{
	for (; *p && *p != ':'; p++) {
		if (*p == '\\' && p[1])
			p++;
	}
	return p;
}

int device_list_parse(const char *text, struct device_list *list, char *err,
		      size_t err_size)
{
	struct device_list_error perr = {err, err_size};
	struct device_list_entry e = {0};
	unsigned int count = 0;
	const char *p, *end;
	int ret;

	list->count = 0;
	list->specs = NULL;
	if (err && err_size)
		err[0] = '\0';

	if (!text || !text[0]) {
		device_list_error_set(&perr, "the device list is empty");
		return -EINVAL;
	}
	for (p = text;; p = end + 1) {
		end = entry_end(p);
		count++;
		if (!*end)
			break;
	}
	list->specs = calloc(count, sizeof(*list->specs));
	if (!list->specs) {
		device_list_error_set(
			&perr, "out of memory for %u device list entries",
			count);
		return -ENOMEM;
	}
	/* Counted now so that device_list_free sees every entry's strings. */
	list->count = count;

	for (p = text; e.number < count; p = end + 1) {
		end = entry_end(p);
		e.number++;
		e.text = p;
		e.len = (size_t)(end - p);
		ret = entry_parse(&e, &list->specs[e.number - 1], &perr);
		if (ret == -ENOMEM)
			device_list_error_set(&perr, "out of memory");
		if (ret)
			goto err_free;
	}
	return 0;

err_free:
	device_list_free(list);
	return ret;
}

static void spec_free(struct device_spec *spec)
{
	unsigned int i;

	for (i = 0; i < spec->njoined; i++)
		spec_free(&spec->joined[i]);
	free(spec->joined);

	for (i = 0; i < spec->nitems; i++) {
		free(spec->items[i].name);
		free(spec->items[i].guest_name);
	}
	free(spec->items);
	free(spec->chip_name);
	free(spec->text);
}

void device_list_free(struct device_list *list)
{
	unsigned int i;

	for (i = 0; list->specs && i < list->count; i++)
		spec_free(&list->specs[i]);
	free(list->specs);
	list->specs = NULL;
	list->count = 0;
}

bool device_spec_has_names(const struct device_spec *spec)
{
	unsigned int i;

	for (i = 0; i < device_spec_nparts(spec); i++) {
		struct gpio_selection_spec lines =
			device_spec_lines(device_spec_part(spec, i));

		if (gpio_selection_spec_has_names(&lines))
			return true;
	}
	return false;
}

unsigned int device_spec_nparts(const struct device_spec *spec)
{
	return 1 + spec->njoined;
}

const struct device_spec *device_spec_part(const struct device_spec *spec,
					   unsigned int i)
{
	return i ? &spec->joined[i - 1] : spec;
}

struct gpio_chip_ref device_spec_chip(const struct device_spec *spec)
{
	return (struct gpio_chip_ref){spec->chip_ref, spec->chip_index,
				      spec->chip_name};
}

struct gpio_selection_spec device_spec_lines(const struct device_spec *spec)
{
	return (struct gpio_selection_spec){spec->items, spec->nitems,
					    spec->read_only, spec->defaults};
}
