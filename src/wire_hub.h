/* SPDX-License-Identifier: MIT */
/*
 * Wires between the simulated chips of one daemon: an output (any line's
 * level) drives inputs of its own chip or of another device's, whose
 * thread is another.  The graph (wire_graph.h) is shared under a lock;
 * everything done to a chip is done on the chip's own thread: each device
 * has a mailbox (an eventfd in its event loop) that other threads post
 * to, so a wired input follows its driver one loop turn later, and its
 * edges reach an armed interrupt as a host `set` would.
 *
 * Control commands of a device's control socket (one reply line each),
 * a line being LINE (this device's) or DEVICE:LINE (the socket index),
 * LINE a number or sim-N:
 *
 *   wire SRC DST   ->  ok      DST's input follows SRC's level from now on
 *   unwire DST     ->  ok      DST keeps its last level, settable again
 *
 * `list` adds `wire SRC DST` lines for every wire with an end here.
 * Refused: a DST already driven, a wire closing a loop, a device that is
 * not a simulated chip.  A wired input cannot be `set` (sim_control.h).
 */
#ifndef VDG_WIRE_HUB_H
#define VDG_WIRE_HUB_H

#include <stddef.h>

#include "event_loop.h"
#include "gpio_backend.h"
#include "text_buf.h"
#include "wire_graph.h"

struct wire_hub;
struct wire_port;

/* A hub for devices 0 .. @ndevs - 1.  0 or -ENOMEM. */
int wire_hub_new(unsigned int ndevs, struct wire_hub **out);
/* Frees @hub; its ports must be detached first. */
void wire_hub_free(struct wire_hub *hub);

/*
 * Device @index, the simulated chip @sim (borrowed) served by @loop's
 * thread, joins @hub: its mailbox goes in @loop.  @settle(@opaque) runs
 * after the wires' changes of one mailbox turn are in (to notify the
 * guest).  Call before the thread serves.  0 or -errno.
 */
int wire_hub_attach(struct wire_hub *hub, unsigned int index,
		    struct gpio_backend *sim, struct event_loop *loop,
		    void (*settle)(void *opaque), void *opaque,
		    struct wire_port **out);
/* Leaves the hub (its wires stay, inert) and frees @port (NULL: none). */
void wire_port_detach(struct wire_port *port);

/*
 * On the port's thread: @line's level may have changed.  Nothing to do
 * (one atomic load) unless a line of this device drives a wire.
 */
void wire_port_line_changed(struct wire_port *port, unsigned int line);

/* `wire` and `unwire` from this device's control socket. 0 or -ENOMEM. */
int wire_port_execute(struct wire_port *port, const char *line, size_t len,
		      struct text_buf *out);

/* Appends "wire SRC DST" for every wire with an end at this device. */
int wire_port_list(struct wire_port *port, struct text_buf *out);

/*
 * Wires @src to @dst at start-up (--wire); 0 or -errno with one sentence
 * in @err.  The same checks as the command.
 */
int wire_hub_connect(struct wire_hub *hub, struct wire_end src,
		     struct wire_end dst, char *err, size_t err_size);

#endif
