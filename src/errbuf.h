/* SPDX-License-Identifier: MIT */
/*
 * Where a function that can fail for a reason worth a sentence writes that
 * sentence: a caller's buffer @buf of @size bytes, or nowhere (NULL or 0).
 * The library never prints start-up errors itself; the caller decides.
 */
#ifndef VDG_ERRBUF_H
#define VDG_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into @buf (cut to fit, NUL-terminated) if there is one. */
__attribute__((format(printf, 3, 4))) void errbuf_printf(char *buf, size_t size,
							 const char *fmt, ...);

/* errbuf_printf() with a va_list. */
__attribute__((format(printf, 3, 0))) void
errbuf_vprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Empties @buf if there is one. */
void errbuf_clear(char *buf, size_t size);

#endif
