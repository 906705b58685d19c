// SPDX-License-Identifier: MIT
/*
 * What a host line request asks the kernel: the consumer label, and the
 * uAPI v2 flags and attributes for a direction, an output value, an
 * interrupt type and the operator's settings (see gpio_cdev.h).  No system
 * calls: the unit tests check the configurations as they are built.
 */
#include <stdio.h>
#include <string.h>
#include <linux/virtio_gpio.h>

#include "gpio_cdev.h"

void gpio_cdev_consumer(const char *socket_path,
			char consumer[GPIO_MAX_NAME_SIZE])
{
	const char *slash = strrchr(socket_path, '/');

	/* snprintf cuts what does not fit: the kernel keeps 31 bytes. */
	snprintf(consumer, GPIO_MAX_NAME_SIZE, "vhost-gpio:%s",
		 slash ? slash + 1 : socket_path);
}

static uint64_t irq_edge_flags(uint8_t irq_type)
{
	switch (irq_type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
		return 0;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		return GPIO_V2_LINE_FLAG_EDGE_RISING;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		return GPIO_V2_LINE_FLAG_EDGE_FALLING;
	default:
		/* EDGE_BOTH and the level types. */
		return GPIO_V2_LINE_FLAG_EDGE_RISING |
		       GPIO_V2_LINE_FLAG_EDGE_FALLING;
	}
}

void gpio_cdev_line_config(enum gpio_direction dir, uint8_t out_value,
			   uint8_t irq_type, struct gpio_v2_line_config *cfg)
{
	gpio_cdev_line_config_with(NULL, dir, out_value, irq_type, cfg);
}

static uint64_t bias_flag(const struct gpio_line_settings *s)
{
	if (!(s->set & GPIO_LINE_SET_BIAS))
		return 0;
	switch (s->bias) {
	case GPIO_LINE_BIAS_PULL_UP:
		return GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
	case GPIO_LINE_BIAS_PULL_DOWN:
		return GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
	case GPIO_LINE_BIAS_DISABLED:
		return GPIO_V2_LINE_FLAG_BIAS_DISABLED;
	default:
		return 0;
	}
}

static uint64_t drive_flag(const struct gpio_line_settings *s)
{
	if (!(s->set & GPIO_LINE_SET_DRIVE))
		return 0;
	switch (s->drive) {
	case GPIO_LINE_DRIVE_OPEN_DRAIN:
		return GPIO_V2_LINE_FLAG_OPEN_DRAIN;
	case GPIO_LINE_DRIVE_OPEN_SOURCE:
		return GPIO_V2_LINE_FLAG_OPEN_SOURCE;
	default:
		return 0; /* push-pull: no flag */
	}
}

static void config_add_attr(struct gpio_v2_line_config *cfg,
			    struct gpio_v2_line_attribute attr)
{
	cfg->attrs[cfg->num_attrs].attr = attr;
	cfg->attrs[cfg->num_attrs].mask = 1;
	cfg->num_attrs++;
}

void gpio_cdev_line_config_with(const struct gpio_line_settings *s,
				enum gpio_direction dir, uint8_t out_value,
				uint8_t irq_type,
				struct gpio_v2_line_config *cfg)
{
	uint64_t edges = irq_edge_flags(irq_type);

	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = edges;
	if (dir == GPIO_DIRECTION_OUT) {
		cfg->flags |= GPIO_V2_LINE_FLAG_OUTPUT;
		/* The value goes with the direction: no glitch. */
		config_add_attr(
			cfg, (struct gpio_v2_line_attribute){
				     .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
				     .values = out_value ? 1 : 0});
	} else if (dir == GPIO_DIRECTION_IN || edges) {
		cfg->flags |= GPIO_V2_LINE_FLAG_INPUT;
	}
	if (!s)
		return;
	/* Logical values in both directions, and "as is" too. */
	if ((s->set & GPIO_LINE_SET_ACTIVE_LOW) && s->active_low)
		cfg->flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
	/* The kernel takes a bias with a direction only, */
	if (cfg->flags & (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT))
		cfg->flags |= bias_flag(s);
	/* a drive on an output only, */
	if (cfg->flags & GPIO_V2_LINE_FLAG_OUTPUT)
		cfg->flags |= drive_flag(s);
	/* and a debounce period on an input only. */
	if ((cfg->flags & GPIO_V2_LINE_FLAG_INPUT) &&
	    (s->set & GPIO_LINE_SET_DEBOUNCE) && s->debounce_us)
		config_add_attr(cfg,
				(struct gpio_v2_line_attribute){
					.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE,
					.debounce_period_us = s->debounce_us});
}

bool gpio_cdev_settings_want_input(const struct gpio_line_settings *s)
{
	return bias_flag(s) ||
	       ((s->set & GPIO_LINE_SET_DEBOUNCE) && s->debounce_us);
}
