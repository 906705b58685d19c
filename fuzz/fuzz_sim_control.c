// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the simulated chip's control language.
 *
 * Byte 0 picks the chip size (1..256 lines) and byte 1 a few guest-side
 * line configurations; the rest is split at '\n' into command lines (cut at
 * SIM_CONTROL_MAX_LINE and at NUL, as the control socket does) and each is
 * run with sim_control_execute() against one gpio_sim chip.  Every reply is
 * whole lines; a `get` of a line the chip has answers with that line.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_sim.h"
#include "log.h"
#include "sim_control.h"
#include "text_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpio_backend *be = NULL;
	struct text_buf out = {0};
	char line[SIM_CONTROL_MAX_LINE + 1];
	unsigned int nlines, i;
	size_t pos, len;

	log_set_level(LOG_LEVEL_ERROR);
	if (size < 2)
		return 0;
	nlines = (unsigned int)data[0] + 1;
	if (gpio_sim_new(nlines, &be) < 0)
		return 0;
	/* Some lines outputs (driving 0 or 1), some released. */
	for (i = 0; i < 4 && i < nlines; i++) {
		unsigned int bits = (data[1] >> (2 * i)) & 3;

		if (bits == 1)
			be->ops->set_direction(be, i, GPIO_DIRECTION_NONE, 0);
		else if (bits >= 2)
			be->ops->set_direction(be, i, GPIO_DIRECTION_OUT,
					       (uint8_t)(bits - 2));
	}

	for (pos = 2; pos < size; pos += len + 1) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t before = out.len;

		len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		memcpy(line, data + pos,
		       len < SIM_CONTROL_MAX_LINE ? len : SIM_CONTROL_MAX_LINE);
		line[len < SIM_CONTROL_MAX_LINE ? len : SIM_CONTROL_MAX_LINE] =
			'\0';
		if (sim_control_execute(be, line, &out) < 0)
			break;
		/* One reply per command, whole lines only. */
		assert(out.len > before);
		assert(out.data[out.len - 1] == '\n');
		assert(!memchr(out.data + before, '\0', out.len - before));
		/* Keep memory bounded on long inputs, as the socket does. */
		out.sent = out.len;
		text_buf_compact(&out);
	}
	text_buf_free(&out);
	gpio_backend_destroy(be);
	return 0;
}
