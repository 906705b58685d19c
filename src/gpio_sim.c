// SPDX-License-Identifier: MIT
/*
 * A simulated GPIO chip behind the gpio_backend ops: see gpio_sim.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpio_sim.h"

/* "sim-65534" plus its NUL. */
#define SIM_NAME_MAX sizeof("sim-65534")

struct sim_line {
	uint8_t direction; /* enum gpio_direction */
	uint8_t out_value; /* driven while an output */
	uint8_t in_level;  /* presented while not an output */
	/* The input level is a wire's (wire_hub.h): any thread sets it. */
	uint8_t wired;
};

struct gpio_sim {
	struct gpio_backend be; /* first: the ops get &be */
	struct sim_line *lines;
	gpio_sim_watch_fn watch;
	void *watch_opaque;
};

static const struct gpio_backend_ops sim_ops;

/* What the pin carries: its driven value as an output, else the input. */
static uint8_t sim_line_level(const struct sim_line *l)
{
	return l->direction == GPIO_DIRECTION_OUT ? l->out_value : l->in_level;
}

static struct gpio_sim *to_sim(struct gpio_backend *be)
{
	return (struct gpio_sim *)be;
}

/*
 * Reports an edge if a change of @l's configuration or input moved its
 * level away from @old_level: interrupts follow the pin, whatever drives it.
 * The watcher also hears of a new direction at the same level.
 */
static void sim_report_change(struct gpio_backend *be, unsigned int line,
			      const struct sim_line *l, uint8_t old_dir,
			      uint8_t old_level)
{
	struct gpio_sim *sim = to_sim(be);
	uint8_t level = sim_line_level(l);

	if (level != old_level)
		gpio_backend_report_level(be, line, level);
	if (sim->watch && (level != old_level || l->direction != old_dir))
		sim->watch(sim->watch_opaque, line);
}

/*
 * NULL unless @be is a simulated chip and @line one of its lines: the host
 * side may pass anything.
 */
static struct sim_line *sim_line_get(struct gpio_backend *be, unsigned int line)
{
	if (!gpio_sim_is(be) || line >= be->ngpio)
		return NULL;
	return &to_sim(be)->lines[line];
}

/* Power-on state: an input, nothing driven.  Input levels are the host's. */
static void sim_lines_init(struct gpio_sim *sim)
{
	unsigned int i;

	for (i = 0; i < sim->be.ngpio; i++) {
		sim->lines[i].direction = GPIO_DIRECTION_IN;
		sim->lines[i].out_value = 0;
	}
}

static void sim_destroy(struct gpio_backend *be)
{
	struct gpio_sim *sim = to_sim(be);

	free(sim->lines);
	/* The name pointers and their strings are one block. */
	free(be->names);
	free(sim);
}

/*
 * No edges during a reset (the device model is clearing its state), but a
 * watcher sees the lines a disconnecting guest left go back to inputs.
 */
static void sim_reset(struct gpio_backend *be)
{
	struct gpio_sim *sim = to_sim(be);
	struct sim_line *l;
	unsigned int i;
	uint8_t dir, level;

	for (i = 0; i < be->ngpio; i++) {
		l = &sim->lines[i];
		dir = l->direction;
		level = sim_line_level(l);
		l->direction = GPIO_DIRECTION_IN;
		l->out_value = 0;
		if (sim->watch &&
		    (dir != l->direction || level != sim_line_level(l)))
			sim->watch(sim->watch_opaque, i);
	}
}

static int sim_set_direction(struct gpio_backend *be, unsigned int line,
			     enum gpio_direction dir, uint8_t out_value)
{
	struct sim_line *l = sim_line_get(be, line);
	uint8_t old_dir, old_level;

	if (!l || out_value > 1)
		return -EINVAL;
	old_dir = l->direction;
	old_level = sim_line_level(l);
	switch (dir) {
	case GPIO_DIRECTION_OUT:
		l->out_value = out_value;
		break;
	case GPIO_DIRECTION_NONE:
		/* Released: nothing of the guest's is left on the line. */
		l->out_value = 0;
		break;
	case GPIO_DIRECTION_IN:
		break;
	default:
		return -EINVAL;
	}
	l->direction = (uint8_t)dir;
	sim_report_change(be, line, l, old_dir, old_level);
	return 0;
}

static int sim_get_value(struct gpio_backend *be, unsigned int line,
			 uint8_t *value)
{
	struct sim_line *l = sim_line_get(be, line);

	if (!l)
		return -EINVAL;
	/* An input nobody drove reads its level, 0 by default: no error. */
	*value = sim_line_level(l);
	return 0;
}

static int sim_set_value(struct gpio_backend *be, unsigned int line,
			 uint8_t value)
{
	struct sim_line *l = sim_line_get(be, line);

	uint8_t old_level;

	if (!l || value > 1 || l->direction != GPIO_DIRECTION_OUT)
		return -EINVAL;
	old_level = sim_line_level(l);
	l->out_value = value;
	sim_report_change(be, line, l, l->direction, old_level);
	return 0;
}

static int sim_get_direction(struct gpio_backend *be, unsigned int line,
			     enum gpio_direction *dir)
{
	struct sim_line *l = sim_line_get(be, line);

	if (!l)
		return -EINVAL;
	*dir = (enum gpio_direction)l->direction;
	return 0;
}

static const struct gpio_backend_ops sim_ops = {
	.destroy = sim_destroy,
	.reset = sim_reset,
	.set_direction = sim_set_direction,
	.get_value = sim_get_value,
	.set_value = sim_set_value,
	.get_direction = sim_get_direction,
};

/*
 * One allocation for the nlines pointers followed by the strings, sized
 * exactly: with 65535 lines, fixed-size slots would waste a third.
 */
static char **sim_names_new(unsigned int nlines)
{
	size_t size = nlines * sizeof(char *);
	unsigned int i;
	char **names;
	char *p;

	for (i = 0; i < nlines; i++)
		size += (size_t)snprintf(NULL, 0, "sim-%u", i) + 1;
	names = malloc(size);
	if (!names)
		return NULL;
	p = (char *)(names + nlines);
	for (i = 0; i < nlines; i++) {
		names[i] = p;
		p += snprintf(p, SIM_NAME_MAX, "sim-%u", i) + 1;
	}
	return names;
}

int gpio_sim_new(unsigned int nlines, struct gpio_backend **out)
{
	struct gpio_sim *sim;

	*out = NULL;
	if (nlines < 1 || nlines > GPIO_SIM_MAX_LINES)
		return -EINVAL;

	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->lines = calloc(nlines, sizeof(*sim->lines));
	if (!sim->lines)
		goto err_free_sim;
	sim->be.names = sim_names_new(nlines);
	if (!sim->be.names)
		goto err_free_lines;
	sim->be.ops = &sim_ops;
	sim->be.ngpio = (uint16_t)nlines;
	sim_lines_init(sim);

	*out = &sim->be;
	return 0;

err_free_lines:
	free(sim->lines);
err_free_sim:
	free(sim);
	return -ENOMEM;
}

int gpio_sim_set_input(struct gpio_backend *be, unsigned int line,
		       uint8_t level)
{
	struct sim_line *l = sim_line_get(be, line);

	if (l && __atomic_load_n(&l->wired, __ATOMIC_ACQUIRE))
		return -EBUSY;
	return gpio_sim_drive_input(be, line, level);
}

int gpio_sim_set_wired(struct gpio_backend *be, unsigned int line, bool wired)
{
	struct sim_line *l = sim_line_get(be, line);

	if (!l)
		return -EINVAL;
	__atomic_store_n(&l->wired, wired, __ATOMIC_RELEASE);
	return 0;
}

bool gpio_sim_is_wired(struct gpio_backend *be, unsigned int line)
{
	struct sim_line *l = sim_line_get(be, line);

	return l && __atomic_load_n(&l->wired, __ATOMIC_ACQUIRE);
}

int gpio_sim_drive_input(struct gpio_backend *be, unsigned int line,
			 uint8_t level)
{
	struct sim_line *l = sim_line_get(be, line);
	uint8_t old_level;

	if (!l || level > 1)
		return -EINVAL;
	old_level = sim_line_level(l);
	l->in_level = level;
	sim_report_change(be, line, l, l->direction, old_level);
	return 0;
}

/* NONE for a line that does not exist: there is no error to return. */
enum gpio_direction gpio_sim_get_direction(struct gpio_backend *be,
					   unsigned int line)
{
	struct sim_line *l = sim_line_get(be, line);

	return l ? (enum gpio_direction)l->direction : GPIO_DIRECTION_NONE;
}

bool gpio_sim_is(const struct gpio_backend *be)
{
	return be && be->ops == &sim_ops;
}

void gpio_sim_set_watch(struct gpio_backend *be, gpio_sim_watch_fn fn,
			void *opaque)
{
	if (!gpio_sim_is(be))
		return;
	to_sim(be)->watch = fn;
	to_sim(be)->watch_opaque = opaque;
}
