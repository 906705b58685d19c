// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the --device-list parser on arbitrary text.
 *
 * The input (up to its first NUL) is the argument.  Besides the sanitizers'
 * checks: a success yields 1..n entries of a known kind with sane fields, a
 * failure leaves the list empty with a one-line message.
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
			if (s->chip_ref != GPIO_CHIP_REF_NUMBER)
				assert(s->chip_name && s->chip_name[0]);
			assert(!s->items == !s->nitems);
			for (unsigned int j = 0; j < s->nitems; j++) {
				const struct gpio_line_item *it = &s->items[j];

				if (it->name)
					assert(it->name[0]);
				else
					assert(it->first <= it->last &&
					       it->last <= 65535);
			}
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
