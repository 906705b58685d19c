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

/* At a "(": only "(ro)" is known.  Returns 0 or -EINVAL. */
static int marker_parse(struct cursor *c)
{
	const struct entry *e = c->e;
	const char *rest = e->text + c->pos;
	size_t left = e->len - c->pos, n;
	char quoted[QUOTE_MAX + sizeof("...")];

	if (left >= 4 && !memcmp(rest, "(ro)", 4)) {
		c->pos += 4;
		return 0;
	}
	/* Quote up to the closing parenthesis, or all that is left. */
	for (n = 1; n < left && rest[n - 1] != ')'; n++)
		;
	text_quote(rest, n, quoted, sizeof(quoted));
	entry_error(c->err, e, "unknown marker \"%s\": only \"(ro)\" is known",
		    quoted);
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
		ret = marker_parse(c);
		if (ret)
			return ret;
		item->read_only = true;
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

/* The chip at the start of a host entry. */
static int chip_parse(struct cursor *c, struct device_spec *spec)
{
	const struct entry *e = c->e;
	unsigned long chip;
	bool escaped;
	size_t n;
	int ret;

	if (e->text[0] >= '0' && e->text[0] <= '9') {
		n = number_parse(e->text, e->len, HOST_CHIP_MAX, &chip);
		if (n > 1 && e->text[0] == '0') {
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
		c->pos = n;
		return 0;
	}
	if (e->text[0] != '/' && e->text[0] != '@') {
		entry_error(c->err, e,
			    "expected a chip number, an absolute path, "
			    "@LABEL or \"s\" followed by a number of lines");
		return -EINVAL;
	}
	spec->chip_ref =
		e->text[0] == '/' ? GPIO_CHIP_REF_PATH : GPIO_CHIP_REF_LABEL;
	if (spec->chip_ref == GPIO_CHIP_REF_LABEL)
		c->pos = 1;
	ret = word_parse(c, "[]()", &spec->chip_name, &escaped);
	if (ret)
		return ret;
	if (!spec->chip_name[0]) {
		entry_error(c->err, e, "expected a chip label after \"@\"");
		return -EINVAL;
	}
	return 0;
}

/* chip [ "[" items "]" ] [ "(ro)" ] */
static int entry_parse_host(const struct entry *e, struct device_spec *spec,
			    struct parse_error *err)
{
	struct cursor c = {e, 0, err};
	const char *after;
	int ret;

	spec->kind = DEVICE_KIND_HOST_CHIP;
	ret = chip_parse(&c, spec);
	if (ret)
		return ret;
	after = spec->chip_ref == GPIO_CHIP_REF_NUMBER ? "the chip number"
						       : "the chip";
	if (cursor_peek(&c) == '[') {
		ret = selection_parse(&c, spec);
		if (ret)
			return ret;
		after = "the line selection";
	}
	if (cursor_peek(&c) == '(') {
		ret = marker_parse(&c);
		if (ret)
			return ret;
		spec->read_only = true;
		after = "\"(ro)\"";
	}
	if (!cursor_done(&c)) {
		entry_error(err, e, "unexpected \"%c\" after %s",
			    ascii_printable_char(cursor_peek(&c)), after);
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

	for (i = 0; i < spec->nitems; i++)
		free(spec->items[i].name);
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
	struct gpio_selection_spec lines = device_spec_lines(spec);

	return gpio_selection_spec_has_names(&lines);
}

struct gpio_chip_ref device_spec_chip(const struct device_spec *spec)
{
	return (struct gpio_chip_ref){spec->chip_ref, spec->chip_index,
				      spec->chip_name};
}

struct gpio_selection_spec device_spec_lines(const struct device_spec *spec)
{
	return (struct gpio_selection_spec){spec->items, spec->nitems,
					    spec->read_only};
}
