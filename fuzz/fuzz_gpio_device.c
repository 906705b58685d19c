// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VirtIO GPIO request and interrupt state machine.
 *
 * The device model serves a simulated chip (gpio_sim, the real back-end)
 * through a thin wrapper that can make any back-end op fail and marks some
 * lines read-only.  Input:
 *
 *   byte 0   lines: 1 + b % 16
 *   byte 1   read-only mask of lines 0..7 (0: no read_only array)
 *   byte 2   bit 0 VIRTIO_GPIO_F_IRQ negotiated, bits 1-7 initial fault mask
 *   then     operations, an opcode byte (b % 10) and its arguments:
 *     0 LEN BYTES...   handle_request with LEN % 12 raw request bytes and a
 *                      response buffer of (next byte) bytes
 *     1 GPIO           irq_unmask(GPIO % (lines + 2)) with a fresh token
 *     2 LINE LEVEL     gpio_sim_set_input: the host moves an input
 *     3                irq_flush
 *     4                reset
 *     5                suspend
 *     6                resume
 *     7 B              irq feature on/off
 *     8 MASK           which back-end ops fail from now on
 *     9                config, max response size
 *
 * Invariant: every token handed in with irq_unmask comes back exactly once,
 * VALID or INVALID, unless reset (or suspend, which resets) drops it; flush
 * gives back everything held.  Responses have the documented sizes.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_gpio.h>

#include "gpio_backend.h"
#include "gpio_device.h"
#include "gpio_sim.h"
#include "log.h"

enum {
	FAIL_SET_DIRECTION = 1 << 0,
	FAIL_GET_VALUE = 1 << 1,
	FAIL_SET_VALUE = 1 << 2,
	FAIL_GET_DIRECTION = 1 << 3,
	FAIL_SET_IRQ_TYPE = 1 << 4,
	FAIL_ONE_SHOT = 1 << 5, /* failures stop after the first one */
};

struct wrap {
	struct gpio_backend be; /* first */
	struct gpio_backend *sim;
	unsigned int fail;
};

static struct wrap *to_wrap(struct gpio_backend *be)
{
	return (struct wrap *)be;
}

static bool fails(struct gpio_backend *be, unsigned int what)
{
	struct wrap *w = to_wrap(be);

	if (!(w->fail & what))
		return false;
	if (w->fail & FAIL_ONE_SHOT)
		w->fail &= ~what;
	return true;
}

static void wrap_destroy(struct gpio_backend *be)
{
	struct wrap *w = to_wrap(be);

	gpio_backend_destroy(w->sim);
	free(w->be.read_only);
	free(w);
}

static void wrap_reset(struct gpio_backend *be)
{
	to_wrap(be)->sim->ops->reset(to_wrap(be)->sim);
}

static int wrap_set_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction dir, uint8_t out_value)
{
	struct gpio_backend *sim = to_wrap(be)->sim;

	assert(line < be->ngpio);
	assert(dir <= GPIO_DIRECTION_IN && out_value <= 1);
	if (be->read_only && be->read_only[line])
		assert(dir != GPIO_DIRECTION_OUT);
	if (fails(be, FAIL_SET_DIRECTION))
		return -EIO;
	return sim->ops->set_direction(sim, line, dir, out_value);
}

static int wrap_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	struct gpio_backend *sim = to_wrap(be)->sim;

	assert(line < be->ngpio);
	if (fails(be, FAIL_GET_VALUE))
		return -EIO;
	return sim->ops->get_value(sim, line, value);
}

static int wrap_set_value(struct gpio_backend *be, unsigned int line,
			  uint8_t value)
{
	struct gpio_backend *sim = to_wrap(be)->sim;

	assert(line < be->ngpio && value <= 1);
	assert(!(be->read_only && be->read_only[line]));
	assert(gpio_sim_get_direction(sim, line) == GPIO_DIRECTION_OUT);
	if (fails(be, FAIL_SET_VALUE))
		return -EIO;
	return sim->ops->set_value(sim, line, value);
}

static int wrap_get_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction *dir)
{
	struct gpio_backend *sim = to_wrap(be)->sim;

	assert(line < be->ngpio);
	if (fails(be, FAIL_GET_DIRECTION))
		return -EIO;
	if (!sim->ops->get_direction) {
		*dir = GPIO_DIRECTION_NONE;
		return 0;
	}
	return sim->ops->get_direction(sim, line, dir);
}

static int wrap_set_irq_type(struct gpio_backend *be, unsigned int line,
			     uint8_t type)
{
	struct gpio_backend *sim = to_wrap(be)->sim;

	assert(line < be->ngpio);
	assert(type == VIRTIO_GPIO_IRQ_TYPE_NONE ||
	       type == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING ||
	       type == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING ||
	       type == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH ||
	       type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH ||
	       type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	if (fails(be, FAIL_SET_IRQ_TYPE))
		return -EIO;
	if (sim->ops->set_irq_type)
		return sim->ops->set_irq_type(sim, line, type);
	return 0;
}

static const struct gpio_backend_ops wrap_ops = {
	.destroy = wrap_destroy,
	.reset = wrap_reset,
	.set_direction = wrap_set_direction,
	.get_value = wrap_get_value,
	.set_value = wrap_set_value,
	.get_direction = wrap_get_direction,
	.set_irq_type = wrap_set_irq_type,
};

/* The simulated chip reports to the wrapper, which reports to the device. */
static void forward_level(void *opaque, unsigned int line, uint8_t level)
{
	struct wrap *w = opaque;

	assert(line < w->be.ngpio && level <= 1);
	gpio_backend_report_level(&w->be, line, level);
}

/* Tokens handed in and not yet given back. */
static uint8_t outstanding[65536];
static unsigned int noutstanding;

static void irq_done(void *opaque, uint16_t token, const void *resp,
		     size_t resp_len, bool fired)
{
	uint8_t status = *(const uint8_t *)resp;

	assert(resp_len == sizeof(struct virtio_gpio_irq_response));
	assert(status == (fired ? VIRTIO_GPIO_IRQ_STATUS_VALID
				: VIRTIO_GPIO_IRQ_STATUS_INVALID));
	assert(outstanding[token]);
	outstanding[token] = 0;
	noutstanding--;
}

static void drop_all_tokens(void)
{
	memset(outstanding, 0, sizeof(outstanding));
	noutstanding = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpio_device *dev = NULL;
	struct wrap *w;
	unsigned int nlines;
	uint16_t next_token = 0;
	size_t pos = 3;
	uint8_t resp[1024];

	log_set_level(LOG_LEVEL_ERROR);
	if (size < 3)
		return 0;
	drop_all_tokens();
	nlines = 1 + data[0] % 16;
	w = calloc(1, sizeof(*w));
	assert(w);
	assert(gpio_sim_new(nlines, &w->sim) == 0);
	w->be.ops = &wrap_ops;
	w->be.ngpio = w->sim->ngpio;
	w->be.names = w->sim->names;
	if (data[1]) {
		w->be.read_only = calloc(nlines, 1);
		assert(w->be.read_only);
		for (unsigned int i = 0; i < nlines && i < 8; i++)
			w->be.read_only[i] = (data[1] >> i) & 1;
	}
	w->sim->level_changed = forward_level;
	w->sim->level_opaque = w;
	w->fail = data[2] >> 1;
	if (gpio_device_new(&w->be, &dev) < 0)
		return 0; /* the device freed the back-end */
	assert(gpio_device_ngpio(dev) == nlines);
	gpio_device_set_irq_handler(dev, irq_done, NULL);
	gpio_device_set_irq_feature(dev, data[2] & 1);

	while (pos < size) {
		uint8_t op = data[pos++] % 10;

		switch (op) {
		case 0: {
			uint8_t req[12];
			size_t len = pos < size ? data[pos++] % 12 : 0;
			size_t cap, resp_len = 0;
			int ret;

			if (size - pos < len)
				len = size - pos;
			memcpy(req, data + pos, len);
			pos += len;
			cap = pos < size ? data[pos++] : sizeof(resp);
			cap = cap > sizeof(resp) ? sizeof(resp) : cap;
			memset(resp, 0xee, sizeof(resp));
			ret = gpio_device_handle_request(dev, req, len, resp,
							 cap, &resp_len);
			if (ret == 0) {
				uint16_t type = 0;

				memcpy(&type, req, len >= 2 ? 2 : 0);
				type = le16toh(type);

				assert(resp_len <= cap);
				assert(resp_len <=
				       gpio_device_max_response_size(dev));
				if (type == VIRTIO_GPIO_MSG_GET_NAMES)
					assert(resp_len >= 1);
				else
					assert(resp_len == 2);
				assert(resp[0] == VIRTIO_GPIO_STATUS_OK ||
				       resp[0] == VIRTIO_GPIO_STATUS_ERR);
				/* Nothing written past the response. */
				for (size_t i = resp_len; i < sizeof(resp); i++)
					assert(resp[i] == 0xee);
			} else {
				assert(ret == -EINVAL || ret == -ENOBUFS);
				if (ret == -EINVAL)
					assert(len <
					       sizeof(struct
						      virtio_gpio_request));
			}
			break;
		}
		case 1: {
			uint32_t gpio = pos < size ? data[pos++] : 0;
			uint16_t token = next_token++;

			gpio %= nlines + 2;
			/* 65536 live tokens cannot happen: few lines. */
			assert(!outstanding[token]);
			outstanding[token] = 1;
			noutstanding++;
			gpio_device_irq_unmask(dev, gpio, token);
			break;
		}
		case 2: {
			unsigned int line = pos < size ? data[pos++] : 0;
			uint8_t level = pos < size ? data[pos++] : 0;

			/* Out-of-range lines and levels are refused. */
			if (gpio_sim_set_input(w->sim, line % (nlines + 1),
					       level % 3) == 0)
				assert(line % (nlines + 1) < nlines &&
				       level % 3 <= 1);
			break;
		}
		case 3:
			gpio_device_irq_flush(dev);
			assert(noutstanding == 0);
			break;
		case 4:
			gpio_device_reset(dev);
			drop_all_tokens();
			assert(!gpio_device_is_suspended(dev));
			break;
		case 5:
			if (gpio_device_suspend(dev) == 0)
				assert(gpio_device_is_suspended(dev));
			drop_all_tokens();
			break;
		case 6: {
			bool was = gpio_device_is_suspended(dev);
			int ret = gpio_device_resume(dev);

			if (!was)
				assert(ret == -ENOENT);
			else
				assert(ret == 0 || ret == -EIO);
			break;
		}
		case 7:
			gpio_device_set_irq_feature(
				dev, pos < size && (data[pos++] & 1));
			break;
		case 8:
			w->fail = pos < size ? data[pos++] : 0;
			break;
		case 9: {
			struct virtio_gpio_config config;

			gpio_device_get_config(dev, &config);
			assert(le16toh(config.ngpio) == nlines);
			assert(gpio_device_max_response_size(dev) >=
			       sizeof(struct virtio_gpio_response));
			break;
		}
		}
	}
	/* The eventq stops: everything held comes back. */
	gpio_device_irq_flush(dev);
	assert(noutstanding == 0);
	gpio_device_free(dev);
	return 0;
}
