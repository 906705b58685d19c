/* SPDX-License-Identifier: MIT */
/*
 * Wires between simulated lines: which output drives which inputs.  A line
 * is driven by at most one wire; a wire that would close a loop (a line
 * driving itself through others) is refused.  Chains are fine: an input
 * driven by a wire may drive others.  Plain data, no locking: see
 * wire_hub.h for the daemon's, shared by its threads.
 */
#ifndef VDG_WIRE_GRAPH_H
#define VDG_WIRE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line of a device (the device's socket index). */
struct wire_end {
	uint16_t dev;
	uint16_t line;
};

struct wire {
	struct wire_end src, dst;
};

struct wire_graph {
	struct wire *wires;
	size_t count, cap;
};

static inline bool wire_end_equal(struct wire_end a, struct wire_end b)
{
	return a.dev == b.dev && a.line == b.line;
}

/*
 * Wires @src to drive @dst.  0, -EEXIST (@dst is driven already), -ELOOP
 * (it would close a loop, @src == @dst included) or -ENOMEM.
 */
int wire_graph_add(struct wire_graph *g, struct wire_end src,
		   struct wire_end dst);

/* Removes the wire driving @dst.  0 or -ENOENT. */
int wire_graph_remove(struct wire_graph *g, struct wire_end dst);

/* The wire driving @dst, or NULL. */
const struct wire *wire_graph_driver(const struct wire_graph *g,
				     struct wire_end dst);

/* Whether @src drives any line. */
bool wire_graph_drives(const struct wire_graph *g, struct wire_end src);

void wire_graph_free(struct wire_graph *g);

/*
 * "DEVICE:LINE" or "LINE" (on device @here), LINE a number or sim-N, each
 * number without sign or leading zeros, below 65536.  0 or -EINVAL.
 */
int wire_end_parse(const char *text, unsigned int here, struct wire_end *end);

#endif
