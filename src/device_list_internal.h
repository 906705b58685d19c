/* SPDX-License-Identifier: MIT */
/*
 * Shared by the files of the --device-list parser, for them only (other
 * modules use device_list.h): device_list.c (entries, chips, line
 * selections), device_list_text.c (reading an entry's text, saying what
 * is wrong with it) and device_list_settings.c (a "(...)" group of line
 * settings).
 */
#ifndef VDG_DEVICE_LIST_INTERNAL_H
#define VDG_DEVICE_LIST_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "gpio_selection.h"

/* How much of a bad entry an error message quotes. */
#define DEVICE_LIST_QUOTE_MAX 32u
/* A buffer for device_list_quote(). */
#define DEVICE_LIST_QUOTE_SIZE (DEVICE_LIST_QUOTE_MAX + sizeof("..."))

/* One colon-separated piece of the text, not NUL-terminated. */
struct device_list_entry {
	unsigned int number; /* from 1, as the user counts */
	const char *text;
	size_t len;
};

/* Where a message goes: @size bytes at @buf (NULL: nowhere). */
struct device_list_error {
	char *buf;
	size_t size;
};

/* Walks one entry. */
struct device_list_cursor {
	const struct device_list_entry *e;
	size_t pos;
	struct device_list_error *err;
	/*
	 * While a settings group is read: whose settings they are
	 * ("/dev/gpiochip0 line 3"), said before every message; else NULL.
	 */
	const char *where;
};

/* "entry N "QUOTED": " and then @fmt, into @err (if it has a buffer). */
void device_list_error_vset(struct device_list_error *err, unsigned int number,
			    const char *quoted, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* @fmt alone, into @err. */
void device_list_error_set(struct device_list_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * @text (@len bytes) as messages quote it, into @buf of @size bytes
 * (DEVICE_LIST_QUOTE_SIZE): shortened, and with control bytes replaced.
 */
void device_list_quote(const char *text, size_t len, char *buf, size_t size);
/* "entry N "TEXT": REASON" into @err. */
void device_list_entry_error(struct device_list_error *err,
			     const struct device_list_entry *e, const char *fmt,
			     ...) __attribute__((format(printf, 3, 4)));

/*
 * "entry N "TEXT": " then c->where and ": " if set, then @fmt, into c->err.
 */
void device_list_cursor_error(const struct device_list_cursor *c,
			      const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reads the decimal digits at the start of @s (at most @len characters).
 * Returns how many it read, 0 if @s does not start with a digit; *@value
 * saturates at @limit + 1 so that any too-long number is simply too big.
 */
size_t device_list_number(const char *s, size_t len, unsigned long limit,
			  unsigned long *value);

/* Whether the cursor is at the end of its entry. */
bool device_list_cursor_done(const struct device_list_cursor *c);
/* The character at the cursor, '\0' at the end of the entry. */
char device_list_cursor_peek(const struct device_list_cursor *c);
/*
 * Reads a path, label or name up to an unescaped character of @stops (or
 * the end of the entry) into a new string in *@out, with escapes resolved.
 * *@escaped says whether it had any.  Returns 0, -EINVAL (message set) or
 * -ENOMEM.
 */
int device_list_word(struct device_list_cursor *c, const char *stops,
		     char **out, bool *escaped);

/* What a "(...)" group is written after, and what it may hold. */
enum settings_place {
	SETTINGS_OF_CHIP,  /* defaults of every line of the chip */
	SETTINGS_OF_LINE,  /* an item of one line */
	SETTINGS_OF_RANGE, /* an item of several lines */
};

/*
 * "(setting,...)" at the cursor, into @s, @read_only and (for one line)
 * @guest_name; @where says whose they are, in messages ("/dev/gpiochip0
 * line 3").  *@group is set to the group as written, for messages (quoted
 * into @group_size bytes).  Returns 0, -EINVAL or -ENOMEM.
 */
int device_list_settings_parse(struct device_list_cursor *c,
			       enum settings_place place, const char *where,
			       struct gpio_line_settings *s, bool *read_only,
			       char **guest_name, char *group,
			       size_t group_size);

#endif
