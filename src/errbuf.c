// SPDX-License-Identifier: MIT
#include "errbuf.h"

#include <stdio.h>

void errbuf_vprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	if (buf && size)
		vsnprintf(buf, size, fmt, ap);
}

void errbuf_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errbuf_vprintf(buf, size, fmt, ap);
	va_end(ap);
}

void errbuf_clear(char *buf, size_t size)
{
	if (buf && size)
		buf[0] = '\0';
}
