// SPDX-License-Identifier: MIT
/*
 * Reading a --device-list entry's text (a cursor, words with backslash
 * escapes, decimal numbers) and saying what is wrong with it: see
 * device_list_internal.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "device_list_internal.h"

void device_list_error_vset(struct device_list_error *err, unsigned int number,
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

void device_list_error_set(struct device_list_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err->buf || !err->size)
		return;
	va_start(ap, fmt);
	vsnprintf(err->buf, err->size, fmt, ap);
	va_end(ap);
}

void device_list_quote(const char *text, size_t len, char *buf, size_t size)
{
	size_t n = len < DEVICE_LIST_QUOTE_MAX ? len : DEVICE_LIST_QUOTE_MAX;
	size_t i;

	/* size is always DEVICE_LIST_QUOTE_SIZE here. */
	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = ascii_printable_char(text[i]);
	buf[i] = '\0';
	if (len > n)
		strcat(buf, "...");
}

void device_list_entry_error(struct device_list_error *err,
			     const struct device_list_entry *e, const char *fmt,
			     ...)
{
	char quoted[DEVICE_LIST_QUOTE_SIZE];
	va_list ap;

	device_list_quote(e->text, e->len, quoted, sizeof(quoted));
	va_start(ap, fmt);
	device_list_error_vset(err, e->number, quoted, fmt, ap);
	va_end(ap);
}

void device_list_cursor_error(const struct device_list_cursor *c,
			      const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (c->where)
		device_list_entry_error(c->err, c->e, "%s: %s", c->where,
					reason);
	else
		device_list_entry_error(c->err, c->e, "%s", reason);
}

size_t device_list_number(const char *s, size_t len, unsigned long limit,
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

bool device_list_cursor_done(const struct device_list_cursor *c)
{
	return c->pos >= c->e->len;
}

char device_list_cursor_peek(const struct device_list_cursor *c)
{
	return device_list_cursor_done(c) ? '\0' : c->e->text[c->pos];
}

int device_list_word(struct device_list_cursor *c, const char *stops,
		     char **out, bool *escaped)
{
	const struct device_list_entry *e = c->e;
	size_t start = c->pos, n = 0;
	char *word;

	*out = NULL;
	*escaped = false;
	word = malloc(e->len - start + 1);
	if (!word)
		return -ENOMEM;
	while (!device_list_cursor_done(c)) {
		unsigned char ch = (unsigned char)e->text[c->pos];

		if (ch != '\\' && strchr(stops, ch))
			break;
		if (ch == '\\') {
			if (c->pos + 1 >= e->len) {
				device_list_cursor_error(
					c, "a backslash must be followed by "
					   "the character it escapes");
				goto err_free;
			}
			*escaped = true;
			ch = (unsigned char)e->text[++c->pos];
		} else if (ch == ' ') {
			device_list_cursor_error(
				c, "unexpected space (write \"\\ \" for a "
				   "space in a name)");
			goto err_free;
		}
		if (ch < 0x20 || ch == 0x7f) {
			device_list_cursor_error(
				c, "control characters are not allowed");
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
