// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the --device-list parser on arbitrary text.
 *
 * The input (up to its first NUL) is the argument.  Besides the sanitizers'
 * checks: a success yields 1..n entries of a known kind with sane fields
 * (every joined chip's, every line's settings and given name), a failure
 * leaves the list empty with a one-line message.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device_list.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Settings only say what they were given, within their ranges. */
static void check_settings(const struct gpio_line_settings *st)
{
	assert(!(st->set &
		 ~(GPIO_LINE_SET_BIAS | GPIO_LINE_SET_DRIVE |
		   GPIO_LINE_SET_ACTIVE_LOW | GPIO_LINE_SET_DEBOUNCE)));
	if (st->set & GPIO_LINE_SET_BIAS)
		assert(st->bias >= GPIO_LINE_BIAS_PULL_UP &&
		       st->bias <= GPIO_LINE_BIAS_DISABLED);
	else
		assert(st->bias == GPIO_LINE_BIAS_AS_IS);
	if (!(st->set & GPIO_LINE_SET_DRIVE))
		assert(st->drive == GPIO_LINE_DRIVE_PUSH_PULL);
	assert(st->drive <= GPIO_LINE_DRIVE_OPEN_SOURCE);
	if (!(st->set & GPIO_LINE_SET_DEBOUNCE))
		assert(st->debounce_us == 0);
	if (!(st->set & GPIO_LINE_SET_ACTIVE_LOW))
		assert(!st->active_low);
}

/* Part @p of entry @entry: a chip, its items, their settings and names. */
static void check_part(const struct device_spec *s,
		       const struct device_spec *entry, unsigned int p)
{
	assert(s->kind == DEVICE_KIND_HOST_CHIP);
	assert(s->number == entry->number);
	assert(p == 0 ? s == entry : !s->joined && !s->text);
	if (s->chip_ref != GPIO_CHIP_REF_NUMBER)
		assert(s->chip_name && s->chip_name[0]);
	else
		assert(s->chip_index <= 4095);
	assert(!s->items == !s->nitems);
	check_settings(&s->defaults);
	for (unsigned int j = 0; j < s->nitems; j++) {
		const struct gpio_line_item *it = &s->items[j];

		if (it->name)
			assert(it->name[0]);
		else
			assert(it->first <= it->last && it->last <= 65535);
		check_settings(&it->settings);
		/* A given name: one line, printable ASCII. */
		if (it->guest_name) {
			assert(it->name || it->first == it->last);
			for (const char *c = it->guest_name; *c; c++)
				assert(*c >= 0x20 && *c <= 0x7e);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct device_list list;
	char err[256];
	char *text;
	int ret;

	log_set_level(LOG_LEVEL_ERROR);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&list, 0xa5, sizeof(list));
	err[0] = '\0';
	ret = device_list_parse(text, &list, err, sizeof(err));
	if (ret == 0) {
		assert(list.count >= 1 && list.specs);
		for (unsigned int i = 0; i < list.count; i++) {
			const struct device_spec *s = &list.specs[i];

			assert(s->number == i + 1);
			assert(s->text);
			if (s->kind == DEVICE_KIND_SIMULATED) {
				assert(s->sim_lines >= 1 &&
				       s->sim_lines <= DEVICE_LIST_MAX_LINES);
				continue;
			}
			assert(s->kind == DEVICE_KIND_HOST_CHIP);
			assert(device_spec_nparts(s) >= 1 &&
			       device_spec_nparts(s) <= DEVICE_LIST_MAX_CHIPS);
			for (unsigned int p = 0; p < device_spec_nparts(s); p++)
				check_part(device_spec_part(s, p), s, p);
			(void)device_spec_has_names(s);
			device_spec_error(s, err, sizeof(err), "fuzz %u", i);
			assert(strlen(err) < sizeof(err));
		}
		device_list_free(&list);
	} else {
		assert(ret == -EINVAL || ret == -ENOMEM);
		assert(list.count == 0);
		assert(err[0] && !strchr(err, '\n'));
		device_list_free(&list);
	}
	free(text);
	return 0;
}
