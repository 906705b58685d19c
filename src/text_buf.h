/* SPDX-License-Identifier: MIT */
/* A growable byte buffer for text replies that are sent bit by bit. */
#ifndef VDG_TEXT_BUF_H
#define VDG_TEXT_BUF_H

#include <stddef.h>

struct text_buf {
	char *data;
	size_t len;  /* bytes held */
	size_t sent; /* bytes of data already consumed by the writer */
	size_t cap;
};

/* Appends formatted text.  Returns 0 or -ENOMEM (nothing appended). */
__attribute__((format(printf, 2, 3))) int text_buf_printf(struct text_buf *buf,
							  const char *fmt, ...);

/* Bytes appended and not yet consumed. */
static inline size_t text_buf_pending(const struct text_buf *buf)
{
	return buf->len - buf->sent;
}

/*
 * Drops the consumed prefix so the buffer does not grow without end: at
 * once when everything was consumed (and then a buffer of more than
 * TEXT_BUF_KEEP bytes is freed, so one large reply does not stay
 * allocated), otherwise once at least as much was consumed as is left or
 * TEXT_BUF_KEEP bytes were (so a writer that takes a little at a time does
 * not move the rest each time, and the buffer holds at most TEXT_BUF_KEEP
 * bytes more than what is left).
 */
#define TEXT_BUF_KEEP (64u << 10)
void text_buf_compact(struct text_buf *buf);

void text_buf_free(struct text_buf *buf);

#endif
