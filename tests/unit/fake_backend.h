/* SPDX-License-Identifier: MIT */
/*
 * The device-model tests' GPIO back-end (test_gpio_device.c,
 * test_gpio_device_ro.c): a fake that records every call the device makes,
 * reports the levels and directions the test gives it, can be told to
 * fail, and a log of the interrupt pairs the device gives back.  Also the
 * request helper both programs send requests with.
 *
 * Header-only, functions static inline: tests/unit/meson.build builds one
 * source file a program.  cmocka.h and gpio_device.h come first.
 */
#ifndef VDG_TEST_FAKE_BACKEND_H
#define VDG_TEST_FAKE_BACKEND_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_device.h"
#include "gpio_names.h"

#define OK  VIRTIO_GPIO_STATUS_OK
#define ERR VIRTIO_GPIO_STATUS_ERR
/* Fills response buffers so that bytes the device must not write show. */
#define POISON 0xaa
/* Lines the fake keeps levels and directions for (the rest read 0, NONE). */
#define FAKE_MAX_LINES 8

enum fake_op {
	FAKE_RESET,
	FAKE_SET_DIRECTION,
	FAKE_GET_VALUE,
	FAKE_SET_VALUE,
	FAKE_GET_DIRECTION,
	FAKE_SET_IRQ_TYPE,
};

/* One call; SET_IRQ_TYPE records the type in @value. */
struct fake_call {
	enum fake_op op;
	unsigned int line;
	int dir;
	uint8_t value;
};

/* The optional ops a fake has (reset, directions and values it always has). */
enum {
	FAKE_HAS_GET_DIRECTION = 1 << 0,
	FAKE_HAS_SET_IRQ_TYPE = 1 << 1,
};

struct fake {
	struct gpio_backend be;
	struct gpio_backend_ops ops; /* be.ops points here */
	struct fake_call calls[64];
	unsigned int ncalls;
	/* Return values of the ops: 0 or -errno. */
	int set_direction_ret;
	int get_value_ret;
	int set_value_ret;
	int get_direction_ret;
	int set_irq_type_ret;
	/* What get_value and get_direction report, a line each. */
	uint8_t level[FAKE_MAX_LINES];
	enum gpio_direction host_dir[FAKE_MAX_LINES];
	uint8_t ro[FAKE_MAX_LINES]; /* for be.read_only to point to */
};

/* The device owns and destroys the back-end: count it from outside. */
static unsigned int fake_destroyed;

static inline struct fake *to_fake(struct gpio_backend *be)
{
	return (struct fake *)be;
}

static inline void fake_record(struct gpio_backend *be, enum fake_op op,
			       unsigned int line, int dir, uint8_t value)
{
	struct fake *f = to_fake(be);

	assert_true(f->ncalls < sizeof(f->calls) / sizeof(f->calls[0]));
	f->calls[f->ncalls++] = (struct fake_call){op, line, dir, value};
}

static inline void fake_destroy(struct gpio_backend *be)
{
	fake_destroyed++;
	free(be);
}

static inline void fake_reset(struct gpio_backend *be)
{
	fake_record(be, FAKE_RESET, 0, 0, 0);
}

static inline int fake_set_direction(struct gpio_backend *be, unsigned int line,
				     enum gpio_direction dir, uint8_t out_value)
{
	fake_record(be, FAKE_SET_DIRECTION, line, (int)dir, out_value);
	return to_fake(be)->set_direction_ret;
}

static inline int fake_get_value(struct gpio_backend *be, unsigned int line,
				 uint8_t *value)
{
	struct fake *f = to_fake(be);

	fake_record(be, FAKE_GET_VALUE, line, 0, 0);
	if (f->get_value_ret)
		return f->get_value_ret;
	*value = line < FAKE_MAX_LINES ? f->level[line] : 0;
	return 0;
}

static inline int fake_set_value(struct gpio_backend *be, unsigned int line,
				 uint8_t value)
{
	fake_record(be, FAKE_SET_VALUE, line, 0, value);
	return to_fake(be)->set_value_ret;
}

static inline int fake_get_direction(struct gpio_backend *be, unsigned int line,
				     enum gpio_direction *dir)
{
	struct fake *f = to_fake(be);

	fake_record(be, FAKE_GET_DIRECTION, line, 0, 0);
	if (f->get_direction_ret)
		return f->get_direction_ret;
	*dir = GPIO_DIRECTION_NONE;
	if (line < FAKE_MAX_LINES)
		*dir = f->host_dir[line];
	return 0;
}

static inline int fake_set_irq_type(struct gpio_backend *be, unsigned int line,
				    uint8_t type)
{
	fake_record(be, FAKE_SET_IRQ_TYPE, line, 0, type);
	return to_fake(be)->set_irq_type_ret;
}

/*
 * A fake of @ngpio lines named @names (may be NULL), with the optional ops
 * in @has (FAKE_HAS_*).  Lines read 0 and report no direction
 * (GPIO_DIRECTION_NONE) until the test says otherwise.
 */
static inline struct fake *fake_new(uint16_t ngpio, char **names,
				    unsigned int has)
{
	static const struct gpio_backend_ops all = {
		.destroy = fake_destroy,
		.reset = fake_reset,
		.set_direction = fake_set_direction,
		.get_value = fake_get_value,
		.set_value = fake_set_value,
		.get_direction = fake_get_direction,
		.set_irq_type = fake_set_irq_type,
	};
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ops = all;
	if (!(has & FAKE_HAS_GET_DIRECTION))
		f->ops.get_direction = NULL;
	if (!(has & FAKE_HAS_SET_IRQ_TYPE))
		f->ops.set_irq_type = NULL;
	f->be.ops = &f->ops;
	f->be.ngpio = ngpio;
	f->be.names = names;
	return f;
}

/* Every line of @f reads @level. */
static inline void fake_set_levels(struct fake *f, uint8_t level)
{
	memset(f->level, level, sizeof(f->level));
}

/* Line @line now reads @level, and the fake reports it to the device. */
static inline void fake_report(struct fake *f, unsigned int line, uint8_t level)
{
	if (line < FAKE_MAX_LINES)
		f->level[line] = level;
	gpio_backend_report_level(&f->be, line, level);
}

/* A device over @f (which owns it from now on); its calls so far dropped. */
static inline struct gpio_device *fake_device(struct fake *f)
{
	struct gpio_device *dev;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	f->ncalls = 0;
	return dev;
}

static inline void assert_call(const struct fake *f, unsigned int i,
			       enum fake_op op, unsigned int line, int dir,
			       uint8_t value)
{
	assert_true(i < f->ncalls);
	assert_int_equal(f->calls[i].op, op);
	assert_int_equal(f->calls[i].line, line);
	assert_int_equal(f->calls[i].dir, dir);
	assert_int_equal(f->calls[i].value, value);
}

/*
 * Sends one request and checks the call succeeded with a 2-byte reply and
 * nothing written past it.  Returns status << 8 | value.
 */
static inline int request(struct gpio_device *dev, uint16_t type, uint16_t gpio,
			  uint32_t value)
{
	struct virtio_gpio_request req = {
		.type = htole16(type),
		.gpio = htole16(gpio),
		.value = htole32(value),
	};
	uint8_t resp[8];
	size_t len = 99;
	unsigned int i;

	memset(resp, POISON, sizeof(resp));
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, 2);
	for (i = 2; i < sizeof(resp); i++)
		assert_int_equal(resp[i], POISON);
	return resp[0] << 8 | resp[1];
}

#define REPLY(status, value) ((status) << 8 | (value))

/* request() of each message type: the reply, status << 8 | value. */
static inline int get_dir(struct gpio_device *dev, uint16_t gpio)
{
	return request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, gpio, 0);
}

static inline int set_dir(struct gpio_device *dev, uint16_t gpio, uint32_t dir)
{
	return request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, gpio, dir);
}

static inline int get_val(struct gpio_device *dev, uint16_t gpio)
{
	return request(dev, VIRTIO_GPIO_MSG_GET_VALUE, gpio, 0);
}

static inline int set_val(struct gpio_device *dev, uint16_t gpio,
			  uint32_t value)
{
	return request(dev, VIRTIO_GPIO_MSG_SET_VALUE, gpio, value);
}

static inline int irq_type(struct gpio_device *dev, uint16_t gpio,
			   uint32_t type)
{
	return request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, gpio, type);
}

/*
 * Interrupts.  The device gives every eventq pair back through a callback:
 * the log keeps those calls in order.
 */

struct irq_done_log {
	struct {
		uint16_t token;
		uint8_t status;
	} calls[32];
	unsigned int ncalls;
};

static inline void on_irq_done(void *opaque, uint16_t token, const void *resp,
			       size_t resp_len, bool fired)
{
	struct irq_done_log *log = opaque;
	uint8_t status = *(const uint8_t *)resp;

	/* A struct virtio_gpio_irq_response, and @fired agrees with it. */
	assert_int_equal(resp_len, 1);
	assert_int_equal(fired, status == VIRTIO_GPIO_IRQ_STATUS_VALID);
	assert_true(log->ncalls < sizeof(log->calls) / sizeof(log->calls[0]));
	log->calls[log->ncalls].token = token;
	log->calls[log->ncalls].status = status;
	log->ncalls++;
}

static inline void assert_irq_done(const struct irq_done_log *log,
				   unsigned int i, uint16_t token,
				   uint8_t status)
{
	assert_true(i < log->ncalls);
	assert_int_equal(log->calls[i].token, token);
	assert_int_equal(log->calls[i].status, status);
}

/* @log holds @n pairs given back, the last one @token with @status. */
static inline void assert_last_irq(const struct irq_done_log *log,
				   unsigned int n, uint16_t token,
				   uint8_t status)
{
	assert_int_equal(log->ncalls, n);
	assert_irq_done(log, n - 1, token, status);
}

/*
 * Interrupts on for @dev (VIRTIO_GPIO_F_IRQ negotiated), pairs logged in
 * @log (emptied).
 */
static inline void irq_log_attach(struct gpio_device *dev,
				  struct irq_done_log *log)
{
	memset(log, 0, sizeof(*log));
	gpio_device_set_irq_handler(dev, on_irq_done, log);
	gpio_device_set_irq_feature(dev, true);
}

#endif
