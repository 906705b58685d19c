/* SPDX-License-Identifier: MIT */
/*
 * The --device-list argument: one entry per socket, colon-separated.
 *   K    host GPIO chip /dev/gpiochipK
 *   sM   a simulated chip with M lines
 * Later syntax (line selections) extends struct device_spec, not its callers.
 */
#ifndef VDG_DEVICE_LIST_H
#define VDG_DEVICE_LIST_H

#include <stddef.h>

enum device_kind {
	DEVICE_KIND_HOST_CHIP,
	DEVICE_KIND_SIMULATED,
};

struct device_spec {
	enum device_kind kind;
	unsigned int chip_index; /* DEVICE_KIND_HOST_CHIP */
	unsigned int sim_lines;	 /* DEVICE_KIND_SIMULATED */
};

struct device_list {
	unsigned int count;
	struct device_spec *specs;
};

/*
 * Parses @text into @list (freed with device_list_free).  On error returns
 * -EINVAL (-ENOMEM when out of memory), leaves @list empty and writes one
 * human sentence into @err (no trailing newline), e.g. "entry 2 \"s0\": a
 * simulated chip needs 1 to 65535 lines".  Rejects: empty text or entries,
 * unknown forms, numbers with signs, spaces, leading zeros or leading
 * garbage, host chips above 4095, s0, more than 65535 lines, and the same
 * host chip twice.
 */
int device_list_parse(const char *text, struct device_list *list, char *err,
		      size_t err_size);

void device_list_free(struct device_list *list);

#endif
