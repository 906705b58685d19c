// SPDX-License-Identifier: MIT
/*
 * The VirtIO GPIO device model: the device's life cycle, config space and
 * names block, and the requestq messages turned into gpio_backend calls.
 * Interrupts (the eventq side) are gpio_device_irq.c's.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "gpio_device.h"
#include "gpio_device_internal.h"

/* The back-end's directions are passed to and from the guest as they are. */
_Static_assert(GPIO_DIRECTION_NONE == VIRTIO_GPIO_DIRECTION_NONE, "dir");
_Static_assert(GPIO_DIRECTION_OUT == VIRTIO_GPIO_DIRECTION_OUT, "dir");
_Static_assert(GPIO_DIRECTION_IN == VIRTIO_GPIO_DIRECTION_IN, "dir");
_Static_assert(GPIO_DEVICE_REQUEST_SIZE == sizeof(struct virtio_gpio_request),
	       "request size");
_Static_assert(GPIO_DEVICE_REQUEST_SIZE >=
		       sizeof(struct virtio_gpio_irq_request),
	       "request size");

static uint8_t line_get_direction(struct gpio_device *dev, unsigned int gpio,
				  uint32_t value, uint8_t *resp_value)
{
	*resp_value = dev->lines[gpio].direction;
	return VIRTIO_GPIO_STATUS_OK;
}

/* The operator gave the guest this line to read, never to drive. */
static bool line_is_read_only(const struct gpio_device *dev, unsigned int gpio)
{
	return dev->be->read_only && dev->be->read_only[gpio];
}

static uint8_t line_set_direction(struct gpio_device *dev, unsigned int gpio,
				  uint32_t value, uint8_t *resp_value)
{
	struct gpio_backend *be = dev->be;
	struct gpio_line *line = &dev->lines[gpio];
	uint8_t out_value = 0;

	switch (value) {
	case VIRTIO_GPIO_DIRECTION_OUT:
		if (line_is_read_only(dev, gpio))
			return VIRTIO_GPIO_STATUS_ERR;
		/* Spec: a value set before it became an output applies now. */
		out_value = line->out_value;
		break;
	case VIRTIO_GPIO_DIRECTION_NONE:
	case VIRTIO_GPIO_DIRECTION_IN:
		break;
	default:
		return VIRTIO_GPIO_STATUS_ERR;
	}

	/* On failure the line keeps its old state: the guest saw ERR. */
	if (be->ops->set_direction(be, gpio, (enum gpio_direction)value,
				   out_value))
		return VIRTIO_GPIO_STATUS_ERR;

	if (value == VIRTIO_GPIO_DIRECTION_NONE) {
		/* Spec: the device discards all state of a released line. */
		gpio_device_irq_disable(dev, line);
		memset(line, 0, sizeof(*line));
	}
	line->direction = (uint8_t)value;
	line->configured = value != VIRTIO_GPIO_DIRECTION_NONE;
	gpio_device_trace_line(dev, gpio);
	*resp_value = 0;
	return VIRTIO_GPIO_STATUS_OK;
}

static uint8_t line_get_value(struct gpio_device *dev, unsigned int gpio,
			      uint32_t value, uint8_t *resp_value)
{
	struct gpio_backend *be = dev->be;
	uint8_t level = 0;

	if (be->ops->get_value(be, gpio, &level))
		return VIRTIO_GPIO_STATUS_ERR;
	/* The guest is promised 0 or 1 whatever the back-end put there. */
	*resp_value = level != 0;
	return VIRTIO_GPIO_STATUS_OK;
}

static uint8_t line_set_value(struct gpio_device *dev, unsigned int gpio,
			      uint32_t value, uint8_t *resp_value)
{
	struct gpio_backend *be = dev->be;
	struct gpio_line *line = &dev->lines[gpio];

	/* Refused even before the line is an output: it never will be. */
	if (value > 1 || line_is_read_only(dev, gpio))
		return VIRTIO_GPIO_STATUS_ERR;
	/*
	 * Not an output yet: only remember the value (Linux sends SET_VALUE
	 * before SET_DIRECTION OUT so that the line never glitches).
	 */
	if (line->direction == GPIO_DIRECTION_OUT) {
		if (be->ops->set_value(be, gpio, (uint8_t)value))
			return VIRTIO_GPIO_STATUS_ERR;
		gpio_device_trace_line(dev, gpio);
	}
	line->out_value = (uint8_t)value;
	*resp_value = 0;
	return VIRTIO_GPIO_STATUS_OK;
}

static const line_request_fn line_requests[] = {
	[VIRTIO_GPIO_MSG_GET_DIRECTION] = line_get_direction,
	[VIRTIO_GPIO_MSG_SET_DIRECTION] = line_set_direction,
	[VIRTIO_GPIO_MSG_GET_VALUE] = line_get_value,
	[VIRTIO_GPIO_MSG_SET_VALUE] = line_set_value,
	[VIRTIO_GPIO_MSG_IRQ_TYPE] = gpio_device_irq_set_type,
};

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorting rather than comparing every pair: ngpio may be 65535. */
static int names_check_unique(const char **named, size_t count)
{
	size_t i;

	qsort(named, count, sizeof(*named), name_compare);
	for (i = 1; i < count; i++) {
		if (!strcmp(named[i - 1], named[i]))
			return -EINVAL;
	}
	return 0;
}

/*
 * Builds the GET_NAMES block once: the names never change, and checking them
 * here keeps a bad back-end from handing the guest duplicate or binary names.
 */
static int names_build(struct gpio_device *dev)
{
	char **names = dev->be->names;
	unsigned int ngpio = dev->be->ngpio;
	const char **named;
	size_t size = 0, count = 0, len, i;
	char *p;
	int ret;

	if (!names)
		return 0;

	for (i = 0; i < ngpio; i++) {
		if (!names[i] || !names[i][0]) {
			size++;
			continue;
		}
		/* The spec: 7-bit ASCII; control characters are no names. */
		if (!ascii_is_printable_string(names[i]))
			return -EINVAL;
		/* The size is a le32, and the GET_NAMES reply adds a byte. */
		len = strlen(names[i]);
		if (len >= UINT32_MAX - 1 - size)
			return -EINVAL;
		size += len + 1;
		count++;
	}
	if (!count)
		return 0; /* spec: gpio_names_size 0 when there are no names */

	named = malloc(count * sizeof(*named));
	if (!named)
		return -ENOMEM;
	for (i = 0, count = 0; i < ngpio; i++) {
		if (names[i] && names[i][0])
			named[count++] = names[i];
	}
	ret = names_check_unique(named, count);
	free(named);
	if (ret)
		return ret;

	dev->names = malloc(size);
	if (!dev->names)
		return -ENOMEM;
	for (i = 0, p = dev->names; i < ngpio; i++) {
		len = names[i] ? strlen(names[i]) : 0;
		memcpy(p, names[i] ? names[i] : "", len + 1);
		p += len + 1;
	}
	dev->names_size = (uint32_t)size;
	return 0;
}

/*
 * Forgets everything the guest did.  Lines start in the direction the
 * back-end reports so that the guest's probe-time GET_DIRECTION sees the
 * chip as it is.
 */
static void lines_init(struct gpio_device *dev)
{
	struct gpio_backend *be = dev->be;
	enum gpio_direction dir;
	unsigned int i;

	memset(dev->lines, 0, be->ngpio * sizeof(*dev->lines));
	for (i = 0; i < be->ngpio && be->ops->get_direction; i++) {
		if (be->ops->get_direction(be, i, &dir))
			continue;
		if (dir == GPIO_DIRECTION_OUT || dir == GPIO_DIRECTION_IN)
			dev->lines[i].direction = (uint8_t)dir;
	}
	gpio_device_trace_lines(dev);
}

void gpio_device_trace_line(struct gpio_device *dev, unsigned int gpio)
{
	const struct gpio_tracer *tracer = dev->be->tracer;
	uint8_t level = 0;

	if (!tracer || dev->be->ops->get_value(dev->be, gpio, &level))
		return;
	tracer->line_state(tracer->opaque, gpio,
			   (enum gpio_direction)dev->lines[gpio].direction,
			   level != 0, 0);
}

void gpio_device_trace_lines(struct gpio_device *dev)
{
	unsigned int i;

	for (i = 0; dev->be->tracer && i < dev->be->ngpio; i++)
		gpio_device_trace_line(dev, i);
}

int gpio_device_new(struct gpio_backend *be, struct gpio_device **out)
{
	struct gpio_device *dev;
	int ret;

	*out = NULL;
	if (!be)
		return -EINVAL;
	/* Linux refuses a device without lines; better to fail here. */
	if (!be->ngpio) {
		ret = -EINVAL;
		goto err_destroy_backend;
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		ret = -ENOMEM;
		goto err_destroy_backend;
	}
	dev->be = be;
	dev->lines = calloc(be->ngpio, sizeof(*dev->lines));
	if (!dev->lines) {
		ret = -ENOMEM;
		goto err_free_dev;
	}
	ret = names_build(dev);
	if (ret)
		goto err_free_lines;
	lines_init(dev);
	gpio_backend_set_level_handler(be, gpio_device_irq_level_changed, dev);

	*out = dev;
	return 0;

err_free_lines:
	free(dev->lines);
err_free_dev:
	free(dev);
err_destroy_backend:
	gpio_backend_destroy(be);
	return ret;
}

void gpio_device_free(struct gpio_device *dev)
{
	if (!dev)
		return;
	gpio_backend_destroy(dev->be);
	free(dev->suspended);
	free(dev->names);
	free(dev->lines);
	free(dev);
}

void gpio_device_reset(struct gpio_device *dev)
{
	free(dev->suspended);
	dev->suspended = NULL;
	dev->be->ops->reset(dev->be);
	lines_init(dev);
}

int gpio_device_suspend(struct gpio_device *dev)
{
	size_t size = dev->be->ngpio * sizeof(*dev->lines);
	struct gpio_line *saved = dev->suspended;
	unsigned int i;
	uint8_t level;

	/*
	 * Already suspended (a front-end came and went without a session):
	 * the lines hold nothing of the guest's, the kept copy does.
	 */
	if (saved) {
		dev->suspended = NULL;
		gpio_device_reset(dev);
		dev->suspended = saved;
		return 0;
	}
	saved = malloc(size);
	if (saved) {
		memcpy(saved, dev->lines, size);
		for (i = 0; i < dev->be->ngpio; i++) {
			/* Held pairs belong to the rings that went away. */
			saved[i].irq_pending = 0;
			saved[i].level_at_suspend = LEVEL_UNKNOWN;
			if (gpio_device_irq_is_edge(saved[i].irq_type) &&
			    !dev->be->ops->get_value(dev->be, i, &level))
				saved[i].level_at_suspend = level != 0;
		}
	}
	gpio_device_reset(dev);
	dev->suspended = saved;
	return saved ? 0 : -ENOMEM;
}

int gpio_device_resume(struct gpio_device *dev)
{
	struct gpio_backend *be = dev->be;
	struct gpio_line *saved = dev->suspended;
	unsigned int i, failed = 0;

	if (!saved)
		return -ENOENT;
	dev->suspended = NULL;
	/*
	 * A pair queued since the suspend would be overwritten below: give it
	 * back first, as the token contract wants (the driver queues it again).
	 */
	gpio_device_irq_flush(dev);
	for (i = 0; i < be->ngpio; i++) {
		struct gpio_line *line = &saved[i];

		/*
		 * Put the line back as the guest left it, but only the
		 * directions the guest set: one the back-end merely reported
		 * must not make us claim the line.  A line the back-end cannot
		 * restore starts over as released.
		 */
		if (line->configured &&
		    be->ops->set_direction(be, i, line->direction,
					   line->out_value)) {
			memset(line, 0, sizeof(*line));
			failed++;
			continue;
		}
		if (line->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE &&
		    be->ops->set_irq_type &&
		    be->ops->set_irq_type(be, i, line->irq_type)) {
			line->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
			line->irq_latched = 0;
			line->irq_refused = 1;
			failed++;
		}
		gpio_device_irq_latch_missed_edge(dev, i, line);
		line->level_at_suspend = 0;
		dev->lines[i] = *line;
		gpio_device_trace_line(dev, i);
	}
	free(saved);
	return failed ? -EIO : 0;
}

bool gpio_device_is_suspended(const struct gpio_device *dev)
{
	return dev->suspended != NULL;
}

uint16_t gpio_device_ngpio(const struct gpio_device *dev)
{
	return dev->be->ngpio;
}

void gpio_device_get_config(const struct gpio_device *dev,
			    struct virtio_gpio_config *config)
{
	memset(config, 0, sizeof(*config));
	config->ngpio = htole16(dev->be->ngpio);
	config->gpio_names_size = htole32(dev->names_size);
}

int gpio_device_read_config(const struct gpio_device *dev, uint32_t offset,
			    uint32_t size, uint8_t *out)
{
	struct virtio_gpio_config config;

	if (offset > sizeof(config) || size > sizeof(config) - offset)
		return -EINVAL;
	gpio_device_get_config(dev, &config);
	memcpy(out, (uint8_t *)&config + offset, size);
	return 0;
}

size_t gpio_device_max_response_size(const struct gpio_device *dev)
{
	size_t names_reply = 1 + (size_t)dev->names_size;

	if (names_reply < sizeof(struct virtio_gpio_response))
		return sizeof(struct virtio_gpio_response);
	return names_reply;
}

/*
 * The names reply has its own layout: status then the whole block.  The
 * guest asks only when gpio_names_size != 0; a device without names answers
 * ERR with just the status byte, the size of its (empty) block plus one.
 * The request's gpio and value are 0 by the spec but not checked: nothing
 * depends on them.
 */
static int handle_get_names(struct gpio_device *dev, uint8_t *resp,
			    size_t resp_cap, size_t *resp_len)
{
	size_t len = 1 + (size_t)dev->names_size;

	if (resp_cap < len)
		return -ENOBUFS;
	if (dev->names_size) {
		resp[0] = VIRTIO_GPIO_STATUS_OK;
		memcpy(resp + 1, dev->names, dev->names_size);
	} else {
		resp[0] = VIRTIO_GPIO_STATUS_ERR;
	}
	*resp_len = len;
	return 0;
}

int gpio_device_handle_request(struct gpio_device *dev, const void *req,
			       size_t req_len, void *resp, size_t resp_cap,
			       size_t *resp_len)
{
	struct virtio_gpio_request r;
	uint8_t *out = resp;
	uint8_t status = VIRTIO_GPIO_STATUS_ERR;
	uint8_t value = 0;
	line_request_fn fn = NULL;
	uint16_t type, gpio;

	*resp_len = 0;
	if (req_len < sizeof(r))
		return -EINVAL;
	/* memcpy: the guest's buffer need not be aligned. */
	memcpy(&r, req, sizeof(r));
	type = le16toh(r.type);
	gpio = le16toh(r.gpio);

	if (type == VIRTIO_GPIO_MSG_GET_NAMES)
		return handle_get_names(dev, out, resp_cap, resp_len);

	if (resp_cap < sizeof(struct virtio_gpio_response))
		return -ENOBUFS;
	if (type < sizeof(line_requests) / sizeof(line_requests[0]))
		fn = line_requests[type];
	if (fn && gpio < dev->be->ngpio) {
		status = fn(dev, gpio, le32toh(r.value), &value);
		if (status != VIRTIO_GPIO_STATUS_OK)
			value = 0;
	}

	out[0] = status;
	out[1] = value;
	*resp_len = sizeof(struct virtio_gpio_response);
	return 0;
}

void gpio_device_set_irq_handler(struct gpio_device *dev, gpio_irq_done_fn done,
				 void *opaque)
{
	dev->irq_done = done;
	dev->irq_opaque = opaque;
}

void gpio_device_set_irq_feature(struct gpio_device *dev, bool negotiated)
{
	dev->irq_feature = negotiated;
}

bool gpio_device_has_irq_feature(const struct gpio_device *dev)
{
	return dev->irq_feature;
}

void gpio_device_set_features(struct gpio_device *dev, uint64_t features)
{
	gpio_device_set_irq_feature(dev,
				    features & (1ull << VIRTIO_GPIO_F_IRQ));
}
