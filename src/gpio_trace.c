// SPDX-License-Identifier: MIT
/*
 * A device's trace stream for the control socket: see gpio_trace.h.
 */
#include "gpio_trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A line's last state sent, one byte: known, direction, level. */
#define STATE_KNOWN	0x80u
#define STATE_DIR_MASK	0x03u
#define STATE_LEVEL_BIT 0x04u

struct gpio_trace {
	struct gpio_backend *be;
	struct control_socket *cs;
	unsigned int channel;
	struct gpio_tracer tracer;
	uint8_t *state; /* be->ngpio entries while installed, else NULL */
	bool beginning; /* a client is being added: it is not listening yet */
	uint64_t instant_ns; /* gpio_trace_set_instant()'s, or 0 */
};

static const char *const direction_names[] = {
	[GPIO_DIRECTION_NONE] = "none",
	[GPIO_DIRECTION_OUT] = "out",
	[GPIO_DIRECTION_IN] = "in",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void trace_uninstall(struct gpio_trace *t)
{
	gpio_backend_set_tracer(t->be, NULL);
	free(t->state);
	t->state = NULL;
}

/*
 * Whether anybody still listens; the last one gone, the tracer goes too,
 * so that the device model stops calling it.
 */
static bool trace_listened(struct gpio_trace *t)
{
	if (t->beginning ||
	    control_socket_has_subscribers_on(t->cs, t->channel))
		return true;
	trace_uninstall(t);
	return false;
}

static void trace_send(struct gpio_trace *t, const char *text)
{
	control_socket_broadcast_on(t->cs, t->channel, text);
}

static void trace_line_state(void *opaque, unsigned int line,
			     enum gpio_direction dir, uint8_t level,
			     uint64_t ns)
{
	struct gpio_trace *t = opaque;
	uint8_t state;
	char text[96];

	if (line >= t->be->ngpio || (unsigned int)dir > GPIO_DIRECTION_IN)
		return;
	state = (uint8_t)(STATE_KNOWN | (unsigned int)dir |
			  (level ? STATE_LEVEL_BIT : 0));
	if (t->state[line] == state || !trace_listened(t))
		return;
	t->state[line] = state;
	if (!ns)
		ns = t->instant_ns ? t->instant_ns : now_ns();
	snprintf(text, sizeof(text), "@%" PRIu64 " %u %s %u\n", ns, line,
		 direction_names[dir], level != 0);
	trace_send(t, text);
}

static void trace_irq_delivered(void *opaque, unsigned int line)
{
	struct gpio_trace *t = opaque;
	char text[64];

	if (!trace_listened(t))
		return;
	snprintf(text, sizeof(text), "@%" PRIu64 " %u irq\n",
		 t->instant_ns ? t->instant_ns : now_ns(), line);
	trace_send(t, text);
}

int gpio_trace_new(struct gpio_backend *be, struct control_socket *cs,
		   unsigned int channel, struct gpio_trace **out)
{
	struct gpio_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->be = be;
	t->cs = cs;
	t->channel = channel;
	t->tracer.line_state = trace_line_state;
	t->tracer.irq_delivered = trace_irq_delivered;
	t->tracer.opaque = t;
	*out = t;
	return 0;
}

void gpio_trace_free(struct gpio_trace *t)
{
	if (!t)
		return;
	if (t->state)
		trace_uninstall(t);
	free(t);
}

int gpio_trace_begin(struct gpio_trace *t)
{
	if (!t->state) {
		t->state = calloc(t->be->ngpio, 1);
		if (!t->state)
			return -ENOMEM;
		gpio_backend_set_tracer(t->be, &t->tracer);
	}
	t->beginning = true;
	return 0;
}

int gpio_trace_header(struct gpio_trace *t, struct text_buf *out)
{
	uint64_t ns = now_ns();
	unsigned int i;
	int ret;

	t->beginning = false;
	ret = text_buf_printf(out, "trace %u\n", t->be->ngpio);
	for (i = 0; ret == 0 && i < t->be->ngpio; i++) {
		const char *name = t->be->names ? t->be->names[i] : NULL;

		ret = text_buf_printf(out, "name %u%s%s\n", i,
				      name && *name ? " " : "",
				      name ? name : "");
	}
	for (i = 0; ret == 0 && i < t->be->ngpio; i++) {
		uint8_t s = t->state ? t->state[i] : 0;

		/* A line whose level could not be read is left out. */
		if (!(s & STATE_KNOWN))
			continue;
		ret = text_buf_printf(out, "@%" PRIu64 " %u %s %u\n", ns, i,
				      direction_names[s & STATE_DIR_MASK],
				      (s & STATE_LEVEL_BIT) != 0);
	}
	return ret;
}

void gpio_trace_set_instant(struct gpio_trace *t, uint64_t ns)
{
	t->instant_ns = ns;
}
