// SPDX-License-Identifier: MIT
/*
 * The VirtIO GPIO device's interrupts (VirtIO 5.18, the eventq): which
 * IRQ_TYPE a line has, the eventq pair that unmasks it, edges latched
 * while it is masked, levels checked when it is unmasked, and the pair
 * given back VALID or INVALID.  See gpio_device.h.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "gpio_device.h"
#include "gpio_device_internal.h"

bool gpio_device_irq_is_edge(uint8_t type)
{
	return type >= VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING &&
	       type <= VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
}

static bool irq_type_is_level(uint8_t type)
{
	return type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH ||
	       type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW;
}

/* Whether a change to @level is an edge that @type reacts to. */
static bool irq_edge_matches(uint8_t type, uint8_t level)
{
	if (!gpio_device_irq_is_edge(type))
		return false;
	return level ? type & VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING
		     : type & VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING;
}

static bool irq_level_matches(uint8_t type, uint8_t level)
{
	return (type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH && level) ||
	       (type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW && !level);
}

/* Gives the pair @token back with @status. */
static void irq_return(struct gpio_device *dev, uint16_t token, uint8_t status)
{
	struct virtio_gpio_irq_response resp = {.status = status};

	if (dev->irq_done)
		dev->irq_done(dev->irq_opaque, token, &resp, sizeof(resp),
			      status == VIRTIO_GPIO_IRQ_STATUS_VALID);
}

/* Gives the held pair back; the line is masked until the next one. */
static void irq_complete(struct gpio_device *dev, struct gpio_line *line,
			 uint8_t status)
{
	const struct gpio_tracer *tracer = dev->be->tracer;

	line->irq_pending = 0;
	irq_return(dev, line->irq_token, status);
	if (tracer && status == VIRTIO_GPIO_IRQ_STATUS_VALID)
		tracer->irq_delivered(tracer->opaque,
				      (unsigned int)(line - dev->lines));
}

/* A level type fires whenever it is unmasked while the line is active. */
static void irq_check_level(struct gpio_device *dev, unsigned int gpio)
{
	struct gpio_line *line = &dev->lines[gpio];
	uint8_t level = 0;

	if (!line->irq_pending || !irq_type_is_level(line->irq_type))
		return;
	if (dev->be->ops->get_value(dev->be, gpio, &level))
		return;
	if (irq_level_matches(line->irq_type, level))
		irq_complete(dev, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
}

void gpio_device_irq_disable(struct gpio_device *dev, struct gpio_line *line)
{
	if (line->irq_pending)
		irq_complete(dev, line, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	line->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
	line->irq_latched = 0;
	line->irq_refused = 0;
}

void gpio_device_irq_level_changed(void *opaque, unsigned int gpio,
				   uint8_t level)
{
	struct gpio_device *dev = opaque;
	const struct gpio_tracer *tracer = dev->be->tracer;
	struct gpio_line *line;

	if (gpio >= dev->be->ngpio)
		return;
	line = &dev->lines[gpio];
	/* Before the interrupt it may cause: the edge comes first in time. */
	if (tracer)
		tracer->line_state(tracer->opaque, gpio,
				   (enum gpio_direction)line->direction, level,
				   dev->be->report_ns);
	if (irq_edge_matches(line->irq_type, level)) {
		if (line->irq_pending)
			irq_complete(dev, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
		else
			line->irq_latched = 1;
	} else if (line->irq_pending &&
		   irq_level_matches(line->irq_type, level)) {
		irq_complete(dev, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
	}
}

static bool irq_type_is_valid(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
		return true;
	default:
		return false;
	}
}

uint8_t gpio_device_irq_set_type(struct gpio_device *dev, unsigned int gpio,
				 uint32_t value, uint8_t *resp_value)
{
	struct gpio_backend *be = dev->be;
	struct gpio_line *line = &dev->lines[gpio];
	uint8_t type = (uint8_t)value;

	if (!dev->irq_feature || !irq_type_is_valid(value))
		return VIRTIO_GPIO_STATUS_ERR;
	if (be->ops->set_irq_type && be->ops->set_irq_type(be, gpio, type) &&
	    type != VIRTIO_GPIO_IRQ_TYPE_NONE) {
		gpio_device_irq_disable(dev, line);
		line->irq_refused = 1;
		return VIRTIO_GPIO_STATUS_ERR;
	}
	if (type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		gpio_device_irq_disable(dev, line);
	} else {
		/* An edge latched for the old type means nothing to the new. */
		if (type != line->irq_type)
			line->irq_latched = 0;
		line->irq_type = type;
		line->irq_refused = 0;
		irq_check_level(dev, gpio);
	}
	*resp_value = 0;
	return VIRTIO_GPIO_STATUS_OK;
}

/*
 * While no front-end was connected nobody watched the line (a host chip's
 * lines were even released): an edge the guest armed for may have come and
 * gone.  A level that differs from the one at the suspend is such an edge
 * (a pulse that went and came back within the gap cannot be seen).
 */
void gpio_device_irq_latch_missed_edge(struct gpio_device *dev,
				       unsigned int gpio,
				       struct gpio_line *line)
{
	uint8_t level;

	if (line->level_at_suspend == LEVEL_UNKNOWN ||
	    !gpio_device_irq_is_edge(line->irq_type) ||
	    dev->be->ops->get_value(dev->be, gpio, &level))
		return;
	level = level != 0;
	if (level != line->level_at_suspend &&
	    irq_edge_matches(line->irq_type, level))
		line->irq_latched = 1;
}

int gpio_device_irq_request(struct gpio_device *dev, const void *req,
			    size_t req_len, size_t resp_cap, uint16_t token)
{
	struct virtio_gpio_irq_request r;

	if (req_len < sizeof(r) ||
	    resp_cap < sizeof(struct virtio_gpio_irq_response))
		return -EINVAL;
	/* memcpy: the guest's buffer need not be aligned. */
	memcpy(&r, req, sizeof(r));
	gpio_device_irq_unmask(dev, le16toh(r.gpio), token);
	return 0;
}

void gpio_device_irq_unmask(struct gpio_device *dev, uint32_t gpio,
			    uint16_t token)
{
	struct gpio_line *line;

	if (gpio >= dev->be->ngpio) {
		irq_return(dev, token, VIRTIO_GPIO_IRQ_STATUS_INVALID);
		return;
	}
	line = &dev->lines[gpio];
	/* One pair per line: the spec forbids a second, so it goes back. */
	if (line->irq_pending || (line->irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE &&
				  !line->irq_refused)) {
		irq_return(dev, token, VIRTIO_GPIO_IRQ_STATUS_INVALID);
		return;
	}
	line->irq_pending = 1;
	line->irq_token = token;
	/*
	 * The driver believes the refused interrupt enabled and would queue an
	 * INVALID pair again at once, forever: hold it until IRQ_TYPE changes.
	 */
	if (line->irq_refused)
		return;
	if (line->irq_latched) {
		line->irq_latched = 0;
		irq_complete(dev, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
		return;
	}
	irq_check_level(dev, gpio);
}

void gpio_device_irq_flush(struct gpio_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->be->ngpio; i++)
		if (dev->lines[i].irq_pending)
			irq_complete(dev, &dev->lines[i],
				     VIRTIO_GPIO_IRQ_STATUS_INVALID);
}
