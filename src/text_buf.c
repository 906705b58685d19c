// SPDX-License-Identifier: MIT
#include "text_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int text_buf_printf(struct text_buf *buf, const char *fmt, ...)
{
	va_list ap;
	size_t room = buf->cap - buf->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf->data ? buf->data + buf->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= room) {
		size_t cap = buf->cap ? buf->cap : 256;
		char *data;

		while (cap - buf->len <= (size_t)n)
			cap *= 2;
		data = realloc(buf->data, cap);
		if (!data)
			return -ENOMEM;
		buf->data = data;
		buf->cap = cap;
		va_start(ap, fmt);
		vsnprintf(buf->data + buf->len, cap - buf->len, fmt, ap);
		va_end(ap);
	}
	buf->len += (size_t)n;
	return 0;
}

void text_buf_compact(struct text_buf *buf)
{
	if (!buf->sent)
		return;
	if (buf->sent == buf->len && buf->cap > TEXT_BUF_KEEP) {
		text_buf_free(buf);
		return;
	}
	if (buf->sent < buf->len - buf->sent && buf->sent < TEXT_BUF_KEEP)
		return;
	memmove(buf->data, buf->data + buf->sent, buf->len - buf->sent);
	buf->len -= buf->sent;
	buf->sent = 0;
}

void text_buf_free(struct text_buf *buf)
{
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}
