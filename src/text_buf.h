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

/* Drops the consumed prefix so the buffer does not grow without end. */
void text_buf_compact(struct text_buf *buf);

void text_buf_free(struct text_buf *buf);

#endif
