// SPDX-License-Identifier: MIT
#include "ascii.h"

bool ascii_is_printable_string(const char *s)
{
	for (; *s; s++)
		if (!ascii_is_printable((unsigned char)*s))
			return false;
	return true;
}

void ascii_printable_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = ascii_printable_char(src[i]);
	dst[i] = '\0';
}
