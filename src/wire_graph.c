// SPDX-License-Identifier: MIT
/*
 * Wires between simulated lines: see wire_graph.h.  A handful of wires is
 * the expected size: lists, not indexes.
 */
#include "wire_graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct wire *wire_graph_driver(const struct wire_graph *g,
				     struct wire_end dst)
{
	size_t i;

	for (i = 0; i < g->count; i++)
		if (wire_end_equal(g->wires[i].dst, dst))
			return &g->wires[i];
	return NULL;
}

bool wire_graph_drives(const struct wire_graph *g, struct wire_end src)
{
	size_t i;

	for (i = 0; i < g->count; i++)
		if (wire_end_equal(g->wires[i].src, src))
			return true;
	return false;
}

/*
 * Every line has one driver at most, so what drives @src is a chain: a
 * loop would close if @dst is on it (or is @src).  The chain has no loop
 * itself, so it ends within count steps.
 */
static bool closes_loop(const struct wire_graph *g, struct wire_end src,
			struct wire_end dst)
{
	const struct wire *w;
	struct wire_end at = src;
	size_t steps = 0;

	for (;;) {
		if (wire_end_equal(at, dst))
			return true;
		w = wire_graph_driver(g, at);
		if (!w || steps++ > g->count)
			return false;
		at = w->src;
	}
}

int wire_graph_add(struct wire_graph *g, struct wire_end src,
		   struct wire_end dst)
{
	if (wire_graph_driver(g, dst))
		return -EEXIST;
	if (closes_loop(g, src, dst))
		return -ELOOP;
	if (g->count == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		struct wire *w = realloc(g->wires, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		g->wires = w;
		g->cap = cap;
	}
	g->wires[g->count].src = src;
	g->wires[g->count].dst = dst;
	g->count++;
	return 0;
}

int wire_graph_remove(struct wire_graph *g, struct wire_end dst)
{
	size_t i;

	for (i = 0; i < g->count; i++) {
		if (!wire_end_equal(g->wires[i].dst, dst))
			continue;
		g->wires[i] = g->wires[--g->count];
		return 0;
	}
	return -ENOENT;
}

void wire_graph_free(struct wire_graph *g)
{
	free(g->wires);
	g->wires = NULL;
	g->count = g->cap = 0;
}

/* A number below 65536 without sign or leading zeros, up to @end. */
static int parse_u16(const char *text, const char *end, uint16_t *value)
{
	unsigned long v = 0;
	const char *c;

	if (text == end || (text[0] == '0' && end - text > 1))
		return -EINVAL;
	for (c = text; c < end; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > UINT16_MAX)
			return -EINVAL;
	}
	*value = (uint16_t)v;
	return 0;
}

int wire_end_parse(const char *text, unsigned int here, struct wire_end *end)
{
	const char *colon = strchr(text, ':'), *line = text;

	end->dev = (uint16_t)here;
	if (colon) {
		if (parse_u16(text, colon, &end->dev) < 0)
			return -EINVAL;
		line = colon + 1;
	}
	if (!strncmp(line, "sim-", 4))
		line += 4;
	return parse_u16(line, line + strlen(line), &end->line);
}
