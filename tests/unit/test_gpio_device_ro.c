// SPDX-License-Identifier: MIT
/*
 * Read-only lines in the device model: the guest may read and monitor them
 * (inputs, GET_VALUE, interrupts) but SET_DIRECTION OUT and SET_VALUE are
 * ERR and never reach the back-end.  A fake back-end records every call.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpio_device.h"

#define OK     VIRTIO_GPIO_STATUS_OK
#define ERR    VIRTIO_GPIO_STATUS_ERR
#define NLINES 4

enum fake_op {
	FAKE_RESET,
	FAKE_SET_DIRECTION,
	FAKE_GET_VALUE,
	FAKE_SET_VALUE,
	FAKE_GET_DIRECTION,
	FAKE_SET_IRQ_TYPE,
};

struct fake_call {
	enum fake_op op;
	unsigned int line;
	int arg;
};

struct fake {
	struct gpio_backend be;
	struct fake_call calls[64];
	unsigned int ncalls;
	uint8_t level[NLINES];		      /* what get_value reports */
	enum gpio_direction host_dir[NLINES]; /* what get_direction reports */
	uint8_t ro[NLINES];		      /* be.read_only points here */
};

static struct fake *to_fake(struct gpio_backend *be)
{
	return (struct fake *)be;
}

static void record(struct gpio_backend *be, enum fake_op op, unsigned int line,
		   int arg)
{
	struct fake *f = to_fake(be);

	assert_true(f->ncalls < sizeof(f->calls) / sizeof(f->calls[0]));
	f->calls[f->ncalls++] = (struct fake_call){op, line, arg};
}

static void fake_destroy(struct gpio_backend *be)
{
	free(be);
}

static void fake_reset(struct gpio_backend *be)
{
	record(be, FAKE_RESET, 0, 0);
}

static int fake_set_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction dir, uint8_t out_value)
{
	record(be, FAKE_SET_DIRECTION, line, (int)dir);
	return 0;
}

static int fake_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	record(be, FAKE_GET_VALUE, line, 0);
	*value = to_fake(be)->level[line];
	return 0;
}

static int fake_set_value(struct gpio_backend *be, unsigned int line,
			  uint8_t value)
{
	record(be, FAKE_SET_VALUE, line, value);
	return 0;
}

static int fake_get_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction *dir)
{
	record(be, FAKE_GET_DIRECTION, line, 0);
	*dir = to_fake(be)->host_dir[line];
	return 0;
}

static int fake_set_irq_type(struct gpio_backend *be, unsigned int line,
			     uint8_t type)
{
	record(be, FAKE_SET_IRQ_TYPE, line, type);
	return 0;
}

static const struct gpio_backend_ops fake_ops = {
	.destroy = fake_destroy,
	.reset = fake_reset,
	.set_direction = fake_set_direction,
	.get_value = fake_get_value,
	.set_value = fake_set_value,
	.get_direction = fake_get_direction,
	.set_irq_type = fake_set_irq_type,
};

/* Interrupt pairs given back, in order. */
struct irq_log {
	uint16_t tokens[8];
	uint8_t status[8];
	unsigned int count;
};

static void on_irq_done(void *opaque, uint16_t token, const void *resp,
			size_t resp_len, bool fired)
{
	struct irq_log *log = opaque;
	uint8_t status = *(const uint8_t *)resp;

	assert_int_equal(resp_len, 1);
	assert_true(log->count < 8);
	log->tokens[log->count] = token;
	log->status[log->count++] = status;
}

/*
 * A device over 4 lines of which 1 and 3 are read-only (or none when
 * @with_ro is false); the host reports lines 2 and 3 as outputs.  Calls
 * made while creating it are dropped.
 */
static struct gpio_device *device_new(struct fake **out, bool with_ro)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct gpio_device *dev;
	unsigned int i;

	assert_non_null(f);
	f->be.ops = &fake_ops;
	f->be.ngpio = NLINES;
	for (i = 0; i < NLINES; i++)
		f->host_dir[i] =
			i >= 2 ? GPIO_DIRECTION_OUT : GPIO_DIRECTION_IN;
	f->ro[1] = f->ro[3] = 1;
	f->be.read_only = with_ro ? f->ro : NULL;
	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	f->ncalls = 0;
	*out = f;
	return dev;
}

/* Sends one request; returns status << 8 | value. */
static int request(struct gpio_device *dev, uint16_t type, uint16_t gpio,
		   uint32_t value)
{
	struct virtio_gpio_request req = {
		.type = htole16(type),
		.gpio = htole16(gpio),
		.value = htole32(value),
	};
	uint8_t resp[2] = {0xaa, 0xaa};
	size_t len = 0;

	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, 2);
	return resp[0] << 8 | resp[1];
}

#define REPLY(status, value) ((status) << 8 | (value))

static void test_direction_out_refused(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* The line keeps what the host reported. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	/* A line that is not read-only is unaffected. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_int_equal(f->ncalls, 1);
	assert_int_equal(f->calls[0].op, FAKE_SET_DIRECTION);
	assert_int_equal(f->calls[0].line, 0);
	assert_int_equal(f->calls[0].arg, GPIO_DIRECTION_OUT);
	gpio_device_free(dev);
}

static void test_set_value_refused_before_output(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	/* Linux's direction_output: SET_VALUE, then SET_DIRECTION OUT. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* Line 0 remembers its value for later, as before. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_set_value_refused_on_host_output(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	/* Line 3 is an output on the host, and read-only for the guest. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 3, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_OUT));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 3, 1),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 3,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* It may still be read. */
	f->level[3] = 1;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0),
			 REPLY(OK, 1));
	/* Line 2, also a host output but not read-only, is driven. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 2, 1),
			 REPLY(OK, 0));
	assert_int_equal(f->ncalls, 2);
	assert_int_equal(f->calls[1].op, FAKE_SET_VALUE);
	assert_int_equal(f->calls[1].line, 2);
	assert_int_equal(f->calls[1].arg, 1);
	gpio_device_free(dev);
}

static void test_inputs_and_values_allowed(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	f->level[1] = 1;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 1, 0),
			 REPLY(OK, 1));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	assert_int_equal(f->ncalls, 3);
	assert_int_equal(f->calls[0].op, FAKE_SET_DIRECTION);
	assert_int_equal(f->calls[0].arg, GPIO_DIRECTION_IN);
	assert_int_equal(f->calls[1].op, FAKE_GET_VALUE);
	assert_int_equal(f->calls[2].op, FAKE_SET_DIRECTION);
	assert_int_equal(f->calls[2].arg, GPIO_DIRECTION_NONE);
	/* Bad values are ERR as on any line. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1, 3),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 3);
	gpio_device_free(dev);
}

static void test_interrupts_allowed(void **state)
{
	struct irq_log log = {0};
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	gpio_device_set_irq_handler(dev, on_irq_done, &log);
	gpio_device_set_irq_feature(dev, true);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 1,
				 VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
			 REPLY(OK, 0));
	assert_int_equal(f->calls[f->ncalls - 1].op, FAKE_SET_IRQ_TYPE);
	assert_int_equal(f->calls[f->ncalls - 1].arg,
			 VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 1, 42);
	assert_int_equal(log.count, 0);
	/* The host line rises: the guest's pair comes back VALID. */
	gpio_backend_report_level(&f->be, 1, 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.tokens[0], 42);
	assert_int_equal(log.status[0], VIRTIO_GPIO_IRQ_STATUS_VALID);

	/* Level interrupts read the line: allowed too. */
	f->level[3] = 1;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 3,
				 VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH),
			 REPLY(OK, 0));
	gpio_device_irq_unmask(dev, 3, 43);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.tokens[1], 43);
	assert_int_equal(log.status[1], VIRTIO_GPIO_IRQ_STATUS_VALID);
	gpio_device_free(dev);
}

static void test_read_only_survives_reset(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, true);

	gpio_device_reset(dev);
	f->ncalls = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 3, 1),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_no_read_only_array(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f, false);
	unsigned int i;

	for (i = 0; i < NLINES; i++) {
		assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, i, 1),
				 REPLY(OK, 0));
		assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, i,
					 VIRTIO_GPIO_DIRECTION_OUT),
				 REPLY(OK, 0));
	}
	gpio_device_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direction_out_refused),
		cmocka_unit_test(test_set_value_refused_before_output),
		cmocka_unit_test(test_set_value_refused_on_host_output),
		cmocka_unit_test(test_inputs_and_values_allowed),
		cmocka_unit_test(test_interrupts_allowed),
		cmocka_unit_test(test_read_only_survives_reset),
		cmocka_unit_test(test_no_read_only_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
