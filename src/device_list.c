// SPDX-License-Identifier: MIT
/*
 * The --device-list parser: see device_list.h.
 *
 * Numbers are plain decimal: digits only, no sign, no spaces and no leading
 * zeros ("0" itself is fine).  "007" is refused rather than read as 7 so that
 * every chip has one spelling and nothing looks like C's octal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_list.h"

/*
 * /dev/gpiochipK: far more chips than any machine has, and small enough that
 * a typo of extra digits is caught here rather than as a missing device.
 */
#define HOST_CHIP_MAX 4095u
/* A simulated chip's lines are numbered by the VirtIO le16 gpio field. */
#define SIM_LINES_MAX 65535u
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
 * The entry as messages quote it: shortened, and with control bytes replaced
 * because the caller prints the message to a terminal.
 */
static void entry_quote(const struct entry *e, char *buf, size_t size)
{
	size_t n = e->len < QUOTE_MAX ? e->len : QUOTE_MAX;
	size_t i;

	/* size is always QUOTE_MAX + sizeof("...") here. */
	for (i = 0; i < n && i + 1 < size; i++) {
		unsigned char c = (unsigned char)e->text[i];

		buf[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	buf[i] = '\0';
	if (e->len > n)
		strcat(buf, "...");
}

/* "entry N "TEXT": REASON" */
static void entry_error(struct parse_error *err, const struct entry *e,
			const char *reason)
{
	char quoted[QUOTE_MAX + sizeof("...")];

	entry_quote(e, quoted, sizeof(quoted));
	error_set(err, "entry %u \"%s\": %s", e->number, quoted, reason);
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

	n = number_parse(e->text + 1, e->len - 1, SIM_LINES_MAX, &lines);
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
	if (lines < 1 || lines > SIM_LINES_MAX) {
		entry_error(err, e, "a simulated chip needs 1 to 65535 lines");
		return -EINVAL;
	}
	spec->kind = DEVICE_KIND_SIMULATED;
	spec->sim_lines = (unsigned int)lines;
	return 0;
}

/* "K"; a line selection such as "K[3,5-7]" would follow the number. */
static int entry_parse_host_chip(const struct entry *e,
				 struct device_spec *spec,
				 struct parse_error *err)
{
	unsigned long chip;
	size_t n;

	n = number_parse(e->text, e->len, HOST_CHIP_MAX, &chip);
	if (n > 1 && e->text[0] == '0') {
		entry_error(err, e,
			    "numbers are written without leading zeros");
		return -EINVAL;
	}
	if (chip > HOST_CHIP_MAX) {
		entry_error(err, e, "a host chip number must be 0 to 4095");
		return -EINVAL;
	}
	if (n != e->len) {
		entry_error(err, e, "unexpected text after the chip number");
		return -EINVAL;
	}
	spec->kind = DEVICE_KIND_HOST_CHIP;
	spec->chip_index = (unsigned int)chip;
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
	if (e->text[0] == 's')
		return entry_parse_simulated(e, spec, err);
	if (e->text[0] >= '0' && e->text[0] <= '9')
		return entry_parse_host_chip(e, spec, err);
	entry_error(err, e,
		    "expected a host chip number or \"s\" followed by a number "
		    "of lines");
	return -EINVAL;
}

/* Two sockets cannot both own one host chip's lines. */
static int spec_check_unique(const struct device_list *list,
			     const struct entry *e, struct parse_error *err)
{
	const struct device_spec *spec = &list->specs[e->number - 1];
	unsigned int i;
	char reason[64];

	if (spec->kind != DEVICE_KIND_HOST_CHIP)
		return 0;
	for (i = 0; i + 1 < e->number; i++) {
		if (list->specs[i].kind == DEVICE_KIND_HOST_CHIP &&
		    list->specs[i].chip_index == spec->chip_index) {
			snprintf(reason, sizeof(reason),
				 "host chip %u is already entry %u",
				 spec->chip_index, i + 1);
			entry_error(err, e, reason);
			return -EINVAL;
		}
	}
	return 0;
}

int device_list_parse(const char *text, struct device_list *list, char *err,
		      size_t err_size)
{
	struct parse_error perr = {err, err_size};
	struct entry e = {0};
	unsigned int count = 1;
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
	for (p = text; *p; p++) {
		if (*p == ':')
			count++;
	}
	list->specs = calloc(count, sizeof(*list->specs));
	if (!list->specs) {
		error_set(&perr, "out of memory for %u device list entries",
			  count);
		return -ENOMEM;
	}

	for (p = text; e.number < count; p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		e.number++;
		e.text = p;
		e.len = (size_t)(end - p);
		ret = entry_parse(&e, &list->specs[e.number - 1], &perr);
		if (!ret)
			ret = spec_check_unique(list, &e, &perr);
		if (ret)
			goto err_free;
	}
	list->count = count;
	return 0;

err_free:
	device_list_free(list);
	return ret;
}

void device_list_free(struct device_list *list)
{
	free(list->specs);
	list->specs = NULL;
	list->count = 0;
}
