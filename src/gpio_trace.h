/* SPDX-License-Identifier: MIT */
/*
 * A device's trace: what happens on its lines, with when, streamed as text
 * to the control socket's clients that asked for it (`trace`), which write
 * the file (the daemon writes none).  The stream:
 *
 *   trace NGPIO            once, first
 *   name LINE [NAME]       each line's guest name (none: unnamed)
 *   @NS LINE DIR LEVEL     each line's state now, then each change of a
 *                          line's direction (none|in|out) or level (0|1)
 *   @NS LINE irq           the guest was given LINE's interrupt
 *
 * NS is CLOCK_MONOTONIC in nanoseconds: when the daemon applied or heard
 * of the change, or for a host chip's edge, the kernel's own stamp (which
 * may be a little older than the line before it); for played changes, the
 * instant they were applied together.
 *
 * Cost: the back-end's tracer is installed only from the first `trace`
 * until a change finds nobody listening any more; without it the device
 * model only tests a NULL pointer.  Everything runs on the serving thread.
 */
#ifndef VDG_GPIO_TRACE_H
#define VDG_GPIO_TRACE_H

#include "control_socket.h"
#include "gpio_backend.h"
#include "text_buf.h"

struct gpio_trace;

/*
 * A trace of @be's lines (borrowed) for the clients of @cs (borrowed)
 * subscribed to @channel.  Nothing is installed yet.  0 or -ENOMEM.
 */
int gpio_trace_new(struct gpio_backend *be, struct control_socket *cs,
		   unsigned int channel, struct gpio_trace **out);

/* Removes the tracer, if installed, and frees @t (NULL: nothing). */
void gpio_trace_free(struct gpio_trace *t);

/*
 * A client asks to record: installs the tracer if it is not.  The caller
 * then has the device report every line (gpio_vhost_trace_lines), then
 * calls gpio_trace_header() for the client's reply and subscribes it.
 * 0 or -ENOMEM.
 */
int gpio_trace_begin(struct gpio_trace *t);

/*
 * Appends the stream's head (trace, names, every line's state now) to
 * @out and ends what gpio_trace_begin() began.  0 or -ENOMEM.
 */
int gpio_trace_header(struct gpio_trace *t, struct text_buf *out);

/*
 * Changes made together as one instant (a played script's) are stamped
 * @ns until this is called again with 0, and so are the interrupts they
 * give the guest, which it sees at the end of the instant anyway: the
 * trace then shows the instant at one time.
 */
void gpio_trace_set_instant(struct gpio_trace *t, uint64_t ns);

#endif
