// SPDX-License-Identifier: MIT
/*
 * A "(...)" group of line settings in a --device-list entry: see
 * device_list_internal.h and the README's "Line settings".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "device_list_internal.h"

/* Where a group's settings go. */
struct settings_out {
	struct gpio_line_settings *s;
	bool *read_only;
	char **guest_name; /* NULL: no name= here */
	/* The word each field was given by, for messages (by bit). */
	const char *by[4];
	bool debounce_given;
};

#define SETTINGS_KNOWN                                                     \
	"ro, pull-up, pull-down, bias-disabled, active-low, active-high, " \
	"open-drain, open-source, push-pull, debounce=DURATION, name=NAME"

/* A setting that is one word: the field it sets, to what. */
struct flag_setting {
	const char *word;
	uint8_t field; /* GPIO_LINE_SET_* */
	uint8_t value;
	const char *conflict; /* why two of the field conflict */
};

static const struct flag_setting flag_settings[] = {
	{"pull-up", GPIO_LINE_SET_BIAS, GPIO_LINE_BIAS_PULL_UP,
	 "a line has one bias"},
	{"pull-down", GPIO_LINE_SET_BIAS, GPIO_LINE_BIAS_PULL_DOWN,
	 "a line has one bias"},
	{"bias-disabled", GPIO_LINE_SET_BIAS, GPIO_LINE_BIAS_DISABLED,
	 "a line has one bias"},
	{"active-low", GPIO_LINE_SET_ACTIVE_LOW, 1,
	 "a line is active-low or active-high"},
	{"active-high", GPIO_LINE_SET_ACTIVE_LOW, 0,
	 "a line is active-low or active-high"},
	{"open-drain", GPIO_LINE_SET_DRIVE, GPIO_LINE_DRIVE_OPEN_DRAIN,
	 "a line has one drive"},
	{"open-source", GPIO_LINE_SET_DRIVE, GPIO_LINE_DRIVE_OPEN_SOURCE,
	 "a line has one drive"},
	{"push-pull", GPIO_LINE_SET_DRIVE, GPIO_LINE_DRIVE_PUSH_PULL,
	 "a line has one drive"},
};

/* The index of a GPIO_LINE_SET_* bit in settings_out.by. */
static unsigned int field_index(uint8_t field)
{
	return (unsigned int)__builtin_ctz(field);
}

/*
 * "debounce=DURATION": a number of microseconds ("us") or milliseconds
 * ("ms"), which the kernel takes as a u32 of microseconds.  @text is the
 * setting as written (@len bytes), for messages.
 */
static int debounce_parse(struct device_list_cursor *c, const char *text,
			  size_t len, uint32_t *us)
{
	const char *value = text + strlen("debounce=");
	size_t vlen = len - strlen("debounce="), n;
	char quoted[DEVICE_LIST_QUOTE_SIZE];
	uint64_t v = 0, scale;

	device_list_quote(text, len, quoted, sizeof(quoted));
	/* 64 bits even where a long has 32; saturated past a u32. */
	for (n = 0; n < vlen && value[n] >= '0' && value[n] <= '9'; n++) {
		v = v * 10 + (uint64_t)(value[n] - '0');
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
	}
	if (!n || n + 2 != vlen ||
	    (memcmp(value + n, "us", 2) && memcmp(value + n, "ms", 2))) {
		device_list_cursor_error(
			c,
			"\"%s\": a duration is a number and its unit, "
			"us or ms (debounce=10ms)",
			quoted);
		return -EINVAL;
	}
	if (n > 1 && value[0] == '0') {
		device_list_cursor_error(
			c, "numbers are written without leading zeros");
		return -EINVAL;
	}
	scale = value[n] == 'm' ? 1000 : 1;
	if (v > UINT32_MAX / scale) {
		device_list_cursor_error(
			c,
			"\"%s\" is too long: the kernel takes at most "
			"4294967295us",
			quoted);
		return -EINVAL;
	}
	*us = (uint32_t)(v * scale);
	return 0;
}

/* A field given twice in one group: the same word, or two that conflict. */
static int setting_twice(struct device_list_cursor *c, const char *first,
			 const char *second, const char *conflict)
{
	if (!strcmp(first, second))
		device_list_cursor_error(c, "\"%s\" is given twice", first);
	else
		device_list_cursor_error(c, "\"%s\" and \"%s\" conflict: %s",
					 first, second, conflict);
	return -EINVAL;
}

/* "name=NAME" at the cursor (which is at "name="). */
static int name_setting_parse(struct device_list_cursor *c,
			      enum settings_place place,
			      struct settings_out *out)
{
	bool escaped;
	char *name;
	int ret;

	if (place == SETTINGS_OF_CHIP) {
		device_list_cursor_error(
			c, "name= names one line: write it after a line "
			   "in the brackets");
		return -EINVAL;
	}
	if (place == SETTINGS_OF_RANGE) {
		device_list_cursor_error(c,
					 "name= names one line, not a range");
		return -EINVAL;
	}
	if (*out->guest_name) {
		device_list_cursor_error(c, "\"name=\" is given twice");
		return -EINVAL;
	}
	c->pos += strlen("name=");
	ret = device_list_word(c, ",()[]", &name, &escaped);
	if (ret)
		return ret;
	if (!ascii_is_printable_string(name)) {
		free(name);
		device_list_cursor_error(c, "name= must be printable ASCII");
		return -EINVAL;
	}
	*out->guest_name = name;
	return 0;
}

/* One setting of a group, at the cursor. */
static int setting_parse(struct device_list_cursor *c,
			 enum settings_place place, struct settings_out *out)
{
	const struct device_list_entry *e = c->e;
	const char *text = e->text + c->pos;
	char quoted[DEVICE_LIST_QUOTE_SIZE];
	size_t len, i;
	int ret;

	len = strcspn(text, ",()[]:");
	if (c->pos + len > e->len)
		len = e->len - c->pos;
	if (len >= 5 && !memcmp(text, "name=", 5))
		return name_setting_parse(c, place, out);
	c->pos += len;
	if (len == 2 && !memcmp(text, "ro", 2)) {
		if (*out->read_only)
			return setting_twice(c, "ro", "ro", "");
		*out->read_only = true;
		return 0;
	}
	if (len >= 9 && !memcmp(text, "debounce=", 9)) {
		if (out->debounce_given) {
			device_list_cursor_error(
				c, "\"debounce=\" is given twice");
			return -EINVAL;
		}
		ret = debounce_parse(c, text, len, &out->s->debounce_us);
		if (ret)
			return ret;
		out->debounce_given = true;
		out->s->set |= GPIO_LINE_SET_DEBOUNCE;
		return 0;
	}
	for (i = 0; i < sizeof(flag_settings) / sizeof(flag_settings[0]); i++) {
		const struct flag_setting *f = &flag_settings[i];
		const char **by = &out->by[field_index(f->field)];

		if (strlen(f->word) != len || memcmp(text, f->word, len))
			continue;
		if (*by)
			return setting_twice(c, *by, f->word, f->conflict);
		*by = f->word;
		out->s->set |= f->field;
		if (f->field == GPIO_LINE_SET_BIAS)
			out->s->bias = f->value;
		else if (f->field == GPIO_LINE_SET_DRIVE)
			out->s->drive = f->value;
		else
			out->s->active_low = f->value;
		return 0;
	}
	device_list_quote(text, len, quoted, sizeof(quoted));
	device_list_cursor_error(c, "unknown setting \"%s\" (known: %s)",
				 quoted, SETTINGS_KNOWN);
	return -EINVAL;
}

static int group_parse(struct device_list_cursor *c, enum settings_place place,
		       struct gpio_line_settings *s, bool *read_only,
		       char **guest_name, char *group, size_t group_size)
{
	const struct device_list_entry *e = c->e;
	struct settings_out out = {s, read_only, guest_name, {NULL}, false};
	size_t start = c->pos;
	int ret;

	c->pos++; /* "(" */
	if (device_list_cursor_peek(c) == ')') {
		device_list_cursor_error(c, "the settings \"()\" are empty");
		return -EINVAL;
	}
	for (;;) {
		char next;

		if (device_list_cursor_done(c) ||
		    device_list_cursor_peek(c) == ',' ||
		    device_list_cursor_peek(c) == ')') {
			if (device_list_cursor_done(c))
				break;
			device_list_cursor_error(c, "an empty setting");
			return -EINVAL;
		}
		ret = setting_parse(c, place, &out);
		if (ret)
			return ret;
		next = device_list_cursor_peek(c);
		if (next == ',') {
			c->pos++;
			continue;
		}
		if (next == ')') {
			c->pos++;
			device_list_quote(e->text + start, c->pos - start,
					  group, group_size);
			return 0;
		}
		if (!next)
			break;
		device_list_cursor_error(c, "unexpected \"%c\" in the settings",
					 ascii_printable_char(next));
		return -EINVAL;
	}
	device_list_cursor_error(c, "missing \")\" at the end of the settings");
	return -EINVAL;
}

int device_list_settings_parse(struct device_list_cursor *c,
			       enum settings_place place, const char *where,
			       struct gpio_line_settings *s, bool *read_only,
			       char **guest_name, char *group,
			       size_t group_size)
{
	int ret;

	c->where = where;
	ret = group_parse(c, place, s, read_only, guest_name, group,
			  group_size);
	c->where = NULL;
	return ret;
}
