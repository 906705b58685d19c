/* SPDX-License-Identifier: MIT */
/*
 * Printable ASCII, 0x20 (space) to 0x7e ('~'): what the guest may see as a
 * line name (the VirtIO spec says 7-bit ASCII, and control characters are
 * no names) and what a log line or a reply may quote of bytes that came
 * from the kernel, a guest, the command line or a control client.
 */
#ifndef VDG_ASCII_H
#define VDG_ASCII_H

#include <stdbool.h>
#include <stddef.h>

static inline bool ascii_is_printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* @c if it is printable ASCII, else '?': for quoting untrusted bytes. */
static inline char ascii_printable_char(char c)
{
	return ascii_is_printable((unsigned char)c) ? c : '?';
}

/* Whether every byte of @s before its NUL is printable ASCII ("" is). */
bool ascii_is_printable_string(const char *s);

/*
 * Copies @src into @dst (@size bytes, at least 1), cut to fit and
 * NUL-terminated, with every byte that is not printable ASCII replaced by
 * '?'.
 */
void ascii_printable_copy(char *dst, size_t size, const char *src);

#endif
