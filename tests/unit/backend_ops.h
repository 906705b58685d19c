/* SPDX-License-Identifier: MIT */
/*
 * A GPIO back-end's ops as the back-end tests call them (test_gpio_sim.c,
 * test_gpio_cdev.c, test_sim_control.c): one short call each.  The caller
 * checks what they return, but be_level() asserts that the read worked.
 *
 * Header-only; cmocka.h comes first.
 */
#ifndef VDG_TEST_BACKEND_OPS_H
#define VDG_TEST_BACKEND_OPS_H

#include <stdint.h>

#include "gpio_backend.h"

static inline int be_set_dir(struct gpio_backend *be, unsigned int line,
			     enum gpio_direction dir, uint8_t value)
{
	return be->ops->set_direction(be, line, dir, value);
}

static inline int be_set_val(struct gpio_backend *be, unsigned int line,
			     uint8_t value)
{
	return be->ops->set_value(be, line, value);
}

static inline int be_set_irq(struct gpio_backend *be, unsigned int line,
			     uint32_t type)
{
	return be->ops->set_irq_type(be, line, type);
}

/* The level line @line reads. */
static inline uint8_t be_level(struct gpio_backend *be, unsigned int line)
{
	uint8_t value = 0xaa;

	assert_int_equal(be->ops->get_value(be, line, &value), 0);
	return value;
}

#endif
