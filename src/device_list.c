// SPDX-License-Identifier: MIT
/*
 * The --device-list parser: see device_list.h.
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

/*
 * /dev/gpiochipK: far more chips than any machine has, and small enough that
 * a typo of extra digits is caught here rather than as a missing device.
 */
#define HOST_CHIP_MAX 4095u
/* gpiolib numbers a chip's lines with a u16. */
#define LINE_OFFSET_MAX 65535u
/* How much of a bad entry an error message quotes. */
#define QUOTE_MAX 32u

/* One colon-separated piece of the text, not NUL-terminated. */
struct entry {
	unsigned int number; /* from 1, as the user counts */
	const char *text;
	size_t len;
};

struct parse_error {
	char *buf;
	size_t size;
};

/* Walks one entry. */
struct cursor {
	const struct entry *e;
	size_t pos;
	struct parse_error *err;
};

/* "entry N "QUOTED": " and then @fmt. */
static void error_vset(struct parse_error *err, unsigned int number,
		       const char *quoted, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void error_vset(struct parse_error *err, unsigned int number,
		       const char *quoted, const char *fmt, va_list ap)
{
	int n;

	if (!err->buf || !err->size)
		return;
	n = snprintf(err->buf, err->size, "entry %u \"%s\": ", number, quoted);
	if (n < 0 || (size_t)n >= err->size)
		return;
	vsnprintf(err->buf + n, err->size - (size_t)n, fmt, ap);
}

static void error_set(struct parse_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void error_set(struct parse_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err->buf || !err->size)
		return;
	va_start(ap, fmt);
	vsnprintf(err->buf, err->size, fmt, ap);
	va_end(ap);
}

/*
 * @text as messages quote it: shortened, and with control bytes replaced
 * because the caller prints the message to a terminal.
 */
static void text_quote(const char *text, size_t len, char *buf, size_t size)
{
	size_t n = len < QUOTE_MAX ? len : QUOTE_MAX;
	size_t i;

	/* size is always QUOTE_MAX + sizeof("...") here. */
	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = ascii_printable_char(text[i]);
	buf[i] = '\0';
	if (len > n)
		strcat(buf, "...");
}

/* "entry N "TEXT": REASON" */
static void entry_error(struct parse_error *err, const struct entry *e,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void entry_error(struct parse_error *err, const struct entry *e,
			const char *fmt, ...)
{
	char quoted[QUOTE_MAX + sizeof("...")];
	va_list ap;

	text_quote(e->text, e->len, quoted, sizeof(quoted));
	va_start(ap, fmt);
	error_vset(err, e->number, quoted, fmt, ap);
	va_end(ap);
}

void device_spec_error(const struct device_spec *spec, char *err,
		       size_t err_size, const char *fmt, ...)
{
	struct parse_error perr = {err, err_size};
	char quoted[QUOTE_MAX + sizeof("...")];
	const char *text = spec->text ? spec->text : "";
	va_list ap;

	text_quote(text, strlen(text), quoted, sizeof(quoted));
	va_start(ap, fmt);
	error_vset(&perr, spec->number, quoted, fmt, ap);
	va_end(ap);
}

/*
 * Reads the decimal digits at the start of @s (at most @len characters).
 * Returns how many it read, 0 if @s does not start with a digit; *@value
 * saturates at @limit + 1 so that any too-long number is simply too big.
 */
static size_t number_parse(const char *s, size_t len, unsigned long limit,
			   unsigned long *value)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > limit)
			v = limit + 1;
	}
	*value = v;
	return i;
}

/* "sM" */
static int entry_parse_simulated(const struct entry *e,
				 struct device_spec *spec,
				 struct parse_error *err)
{
	unsigned long lines;
	size_t n;

	n = number_parse(e->text + 1, e->len - 1, DEVICE_LIST_MAX_LINES,
			 &lines);
	if (!n || n != e->len - 1) {
		entry_error(err, e,
			    "expected \"s\" followed by a number of lines");
		return -EINVAL;
	}
	if (n > 1 && e->text[1] == '0') {
		entry_error(err, e,
			    "numbers are written without leading zeros");
		return -EINVAL;
	}
	if (lines < 1 || lines > DEVICE_LIST_MAX_LINES) {
		entry_error(err, e, "a simulated chip needs 1 to 65535 lines");
		return -EINVAL;
	}
	spec->kind = DEVICE_KIND_SIMULATED;
	spec->sim_lines = (unsigned int)lines;
	return 0;
}

static bool cursor_done(const struct cursor *c)
{
	return c->pos >= c->e->len;
}

static char cursor_peek(const struct cursor *c)
{
	return cursor_done(c) ? '\0' : c->e->text[c->pos];
}

/*
 * Reads a path, label or name up to an unescaped character of @stops (or
 * the end of the entry) into a new string in *@out, with escapes resolved.
 * *@escaped says whether it had any.  Returns 0, -EINVAL (message set) or
 * -ENOMEM.
 */
static int word_parse(struct cursor *c, const char *stops, char **out,
		      bool *escaped)
{
	const struct entry *e = c->e;
	size_t start = c->pos, n = 0;
	char *word;

	*out = NULL;
	*escaped = false;
	word = malloc(e->len - start + 1);
	if (!word)
		return -ENOMEM;
	while (!cursor_done(c)) {
		unsigned char ch = (unsigned char)e->text[c->pos];

		if (ch != '\\' && strchr(stops, ch))
			break;
		if (ch == '\\') {
			if (c->pos + 1 >= e->len) {
				entry_error(c->err, e,
					    "a backslash must be followed by "
					    "the character it escapes");
				goto err_free;
			}
			*escaped = true;
			ch = (unsigned char)e->text[++c->pos];
		} else if (ch == ' ') {
			entry_error(c->err, e,
				    "unexpected space (write \"\\ \" for a "
				    "space in a name)");
			goto err_free;
		}
		if (ch < 0x20 || ch == 0x7f) {
			entry_error(c->err, e,
				    "control characters are not allowed");
			goto err_free;
		}
		word[n++] = (char)ch;
		c->pos++;
	}
	word[n] = '\0';
	*out = word;
	return 0;

err_free:
	free(word);
	return -EINVAL;
}

/* What a "(...)" group is written after, and what it may hold. */
enum settings_place {
	SETTINGS_OF_CHIP,  /* defaults of every line of the chip */
	SETTINGS_OF_LINE,  /* an item of one line */
	SETTINGS_OF_RANGE, /* an item of several lines */
};

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
static int debounce_parse(struct cursor *c, const char *text, size_t len,
			  uint32_t *us)
{
	const char *value = text + strlen("debounce=");
	size_t vlen = len - strlen("debounce="), n;
	char quoted[QUOTE_MAX + sizeof("...")];
	uint64_t v = 0, scale;

	text_quote(text, len, quoted, sizeof(quoted));
	/* 64 bits even where a long has 32; saturated past a u32. */
	for (n = 0; n < vlen && value[n] >= '0' && value[n] <= '9'; n++) {
		v = v * 10 + (uint64_t)(value[n] - '0');
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
	}
	if (!n || n + 2 != vlen ||
	    (memcmp(value + n, "us", 2) && memcmp(value + n, "ms", 2))) {
		entry_error(c->err, c->e,
			    "\"%s\": a duration is a number and its unit, "
			    "us or ms (debounce=10ms)",
			    quoted);
		return -EINVAL;
	}
	if (n > 1 && value[0] == '0') {
		entry_error(c->err, c->e,
			    "numbers are written without leading zeros");
		return -EINVAL;
	}
	scale = value[n] == 'm' ? 1000 : 1;
	if (v > UINT32_MAX / scale) {
		entry_error(c->err, c->e,
			    "\"%s\" is too long: the kernel takes at most "
			    "4294967295us",
			    quoted);
		return -EINVAL;
	}
	*us = (uint32_t)(v * scale);
	return 0;
}

/* A field given twice in one group: the same word, or two that conflict. */
static int setting_twice(struct cursor *c, const char *first,
			 const char *second, const char *conflict)
{
	if (!strcmp(first, second))
		entry_error(c->err, c->e, "\"%s\" is given twice", first);
	else
		entry_error(c->err, c->e, "\"%s\" and \"%s\" conflict: %s",
			    first, second, conflict);
	return -EINVAL;
}

/* "name=NAME" at the cursor (which is at "name="). */
static int name_setting_parse(struct cursor *c, enum settings_place place,
			      struct settings_out *out)
{
	bool escaped;
	char *name;
	int ret;

	if (place == SETTINGS_OF_CHIP) {
		entry_error(c->err, c->e,
			    "name= names one line: write it after a line "
			    "in the brackets");
		return -EINVAL;
	}
	if (place == SETTINGS_OF_RANGE) {
		entry_error(c->err, c->e, "name= names one line, not a range");
		return -EINVAL;
	}
	if (*out->guest_name) {
		entry_error(c->err, c->e, "\"name=\" is given twice");
		return -EINVAL;
	}
	c->pos += strlen("name=");
	ret = word_parse(c, ",()[]", &name, &escaped);
	if (ret)
		return ret;
	if (!ascii_is_printable_string(name)) {
		free(name);
		entry_error(c->err, c->e, "name= must be printable ASCII");
		return -EINVAL;
	}
	*out->guest_name = name;
	return 0;
}

/* One setting of a group, at the cursor. */
static int setting_parse(struct cursor *c, enum settings_place place,
			 struct settings_out *out)
{
	const struct entry *e = c->e;
	const char *text = e->text + c->pos;
	char quoted[QUOTE_MAX + sizeof("...")];
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
			entry_error(c->err, e, "\"debounce=\" is given twice");
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
	text_quote(text, len, quoted, sizeof(quoted));
	entry_error(c->err, e, "unknown setting \"%s\" (known: %s)", quoted,
		    SETTINGS_KNOWN);
	return -EINVAL;
}

/*
 * "(setting,...)" at the cursor, into @s, @read_only and (for one line)
 * @guest_name.  *@group is set to the group as written, for messages
 * (quoted into @group_size bytes).  Returns 0, -EINVAL or -ENOMEM.
 */
static int settings_parse(struct cursor *c, enum settings_place place,
			  struct gpio_line_settings *s, bool *read_only,
			  char **guest_name, char *group, size_t group_size)
{
	const struct entry *e = c->e;
	struct settings_out out = {s, read_only, guest_name, {NULL}, false};
	size_t start = c->pos;
	int ret;

	c->pos++; /* "(" */
	if (cursor_peek(c) == ')') {
		entry_error(c->err, e, "the settings \"()\" are empty");
		return -EINVAL;
	}
	for (;;) {
		char next;

		if (cursor_done(c) || cursor_peek(c) == ',' ||
		    cursor_peek(c) == ')') {
			if (cursor_done(c))
				break;
			entry_error(c->err, e, "an empty setting");
			return -EINVAL;
		}
		ret = setting_parse(c, place, &out);
		if (ret)
			return ret;
		next = cursor_peek(c);
		if (next == ',') {
			c->pos++;
			continue;
		}
		if (next == ')') {
			c->pos++;
			text_quote(e->text + start, c->pos - start, group,
				   group_size);
			return 0;
		}
		if (!next)
			break;
		entry_error(c->err, e, "unexpected \"%c\" in the settings",
			    ascii_printable_char(next));
		return -EINVAL;
	}
	entry_error(c->err, e, "missing \")\" at the end of the settings");
	return -EINVAL;
}

/* Whether @word can only be an offset or a range: digits and "-" only. */
static bool word_is_numeric(const char *word)
{
	return word[0] && strspn(word, "0123456789-") == strlen(word);
}

/* One host offset of an item: no leading zero, at most 65535. */
static int offset_parse(struct cursor *c, const char *word, const char *s,
			size_t len, unsigned int *out)
{
	unsigned long value;

	if (len > 1 && s[0] == '0') {
		entry_error(c->err, c->e,
			    "numbers are written without leading zeros");
		return -EINVAL;
	}
	number_parse(s, len, LINE_OFFSET_MAX, &value);
	if (value > LINE_OFFSET_MAX) {
		entry_error(c->err, c->e, "line \"%s\": offsets are 0 to 65535",
			    word);
		return -EINVAL;
	}
	*out = (unsigned int)value;
	return 0;
}

/* "N" or "N-M" (the word is digits and "-" only). */
static int range_parse(struct cursor *c, const char *word,
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
		entry_error(c->err, c->e,
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
		entry_error(c->err, c->e,
			    "range \"%s\" goes downwards; write \"%u-%u\"",
			    word, item->last, item->first);
		return -EINVAL;
	}
	return 0;
}

/* One item of a selection, with its marker. */
static int item_parse(struct cursor *c, struct gpio_line_item *item)
{
	bool escaped;
	char *word;
	int ret;

	ret = word_parse(c, ",[]()", &word, &escaped);
	if (ret)
		return ret;
	if (!word[0]) {
		free(word);
		entry_error(c->err, c->e,
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
	if (cursor_peek(c) == '(') {
		char group[QUOTE_MAX + sizeof("...")];
		enum settings_place place =
			item->name || item->first == item->last
				? SETTINGS_OF_LINE
				: SETTINGS_OF_RANGE;

		return settings_parse(c, place, &item->settings,
				      &item->read_only, &item->guest_name,
				      group, sizeof(group));
	}
	return 0;
}

/* "[item,...]" at the cursor; items go into @spec. */
static int selection_parse(struct cursor *c, struct device_spec *spec)
{
	const struct entry *e = c->e;
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
	if (cursor_done(c)) {
		entry_error(c->err, e,
			    "missing \"]\" at the end of the line selection");
		return -EINVAL;
	}
	if (cursor_peek(c) == ']') {
		entry_error(c->err, e, "the line selection is empty");
		return -EINVAL;
	}
	for (;;) {
		struct gpio_line_item *item = &spec->items[spec->nitems++];
		char next;

		ret = item_parse(c, item);
		if (ret)
			return ret;
		lines += item->name ? 1 : item->last - item->first + 1ul;
		if (lines > DEVICE_LIST_MAX_LINES) {
			entry_error(c->err, e, "selects more than 65535 lines");
			return -EINVAL;
		}
		next = cursor_peek(c);
		c->pos++;
		if (next == ']')
			return 0;
		if (next == ',')
			continue;
		if (!next)
			entry_error(c->err, e,
				    "missing \"]\" at the end of the line "
				    "selection");
		else
			entry_error(c->err, e,
				    "unexpected \"%c\" in the line selection",
				    ascii_printable_char(next));
		return -EINVAL;
	}
}

/*
 * The chip at the cursor: at the start of the entry, or after a "+"
 * (@joined).
 */
static int chip_parse(struct cursor *c, struct device_spec *spec, bool joined)
{
	const struct entry *e = c->e;
	const char *text = e->text + c->pos;
	size_t left = e->len - c->pos;
	unsigned long chip;
	bool escaped;
	size_t n;
	int ret;

	if (left && text[0] >= '0' && text[0] <= '9') {
		n = number_parse(text, left, HOST_CHIP_MAX, &chip);
		if (n > 1 && text[0] == '0') {
			entry_error(c->err, e,
				    "numbers are written without leading "
				    "zeros");
			return -EINVAL;
		}
		if (chip > HOST_CHIP_MAX) {
			entry_error(c->err, e,
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
			entry_error(c->err, e,
				    "expected a chip number, an absolute path "
				    "or @LABEL after \"+\"");
		else
			entry_error(c->err, e,
				    "expected a chip number, an absolute path, "
				    "@LABEL or \"s\" followed by a number of "
				    "lines");
		return -EINVAL;
	}
	spec->chip_ref =
		text[0] == '/' ? GPIO_CHIP_REF_PATH : GPIO_CHIP_REF_LABEL;
	if (spec->chip_ref == GPIO_CHIP_REF_LABEL)
		c->pos++;
	ret = word_parse(c, "[]()+", &spec->chip_name, &escaped);
	if (ret)
		return ret;
	if (!spec->chip_name[0]) {
		entry_error(c->err, e, "expected a chip label after \"@\"");
		return -EINVAL;
	}
	return 0;
}

/*
 * chip [ "[" items "]" ] [ settings ]: one chip's part of a host entry,
 * into @spec (the entry's own for the first part).
 */
static int part_parse(struct cursor *c, struct device_spec *spec, bool joined)
{
	char group[QUOTE_MAX + sizeof("...") + 2];
	const char *after;
	int ret;

	spec->kind = DEVICE_KIND_HOST_CHIP;
	ret = chip_parse(c, spec, joined);
	if (ret)
		return ret;
	after = spec->chip_ref == GPIO_CHIP_REF_NUMBER ? "the chip number"
						       : "the chip";
	if (cursor_peek(c) == '[') {
		ret = selection_parse(c, spec);
		if (ret)
			return ret;
		after = "the line selection";
	}
	if (cursor_peek(c) == '(') {
		ret = settings_parse(c, SETTINGS_OF_CHIP, &spec->defaults,
				     &spec->read_only, NULL, group + 1,
				     sizeof(group) - 2);
		if (ret)
			return ret;
		/* The group, in quotes. */
		group[0] = '"';
		strcat(group, "\"");
		after = group;
	}
	if (!cursor_done(c) && cursor_peek(c) != '+') {
		entry_error(c->err, c->e, "unexpected \"%c\" after %s",
			    ascii_printable_char(cursor_peek(c)), after);
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
static int entry_parse_host(const struct entry *e, struct device_spec *spec,
			    struct parse_error *err)
{
	struct cursor c = {e, 0, err};
	unsigned long lines;
	int ret;

	ret = part_parse(&c, spec, false);
	lines = part_lines(spec);
	while (!ret && cursor_peek(&c) == '+') {
		struct device_spec *part;

		c.pos++;
		if (spec->njoined + 1 >= DEVICE_LIST_MAX_CHIPS) {
			entry_error(err, e, "joins more than %u chips",
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
		entry_error(err, e, "selects more than 65535 lines");
		return -EINVAL;
	}
	return 0;
}

/* The first character says which form an entry is. */
static int entry_parse(const struct entry *e, struct device_spec *spec,
		       struct parse_error *err)
{
	if (!e->len) {
		error_set(err, "entry %u is empty", e->number);
		return -EINVAL;
	}
	spec->number = e->number;
	spec->text = strndup(e->text, e->len);
	if (!spec->text) {
		error_set(err, "out of memory");
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
	struct parse_error perr = {err, err_size};
	struct entry e = {0};
	unsigned int count = 0;
	const char *p, *end;
	int ret;

	list->count = 0;
	list->specs = NULL;
	if (err && err_size)
		err[0] = '\0';

	if (!text || !text[0]) {
		error_set(&perr, "the device list is empty");
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
		error_set(&perr, "out of memory for %u device list entries",
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
			error_set(&perr, "out of memory");
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
