// SPDX-License-Identifier: MIT
/*
 * The device model against a fake back-end that records every call and can
 * be told to fail.
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
#include "gpio_sim.h"

#define OK  VIRTIO_GPIO_STATUS_OK
#define ERR VIRTIO_GPIO_STATUS_ERR
/* Fills response buffers so that bytes the device must not write show. */
#define POISON 0xaa

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
	int dir;
	uint8_t value;
};

struct fake {
	struct gpio_backend be;
	struct fake_call calls[32];
	unsigned int ncalls;
	/* Return values of the ops: 0 or -errno. */
	int set_direction_ret;
	int get_value_ret;
	int set_value_ret;
	int get_direction_ret;
	int set_irq_type_ret;
	/* What get_value and get_direction report. */
	uint8_t level;
	enum gpio_direction initial_dir;
};

/* The device owns and destroys the back-end: count it from outside. */
static unsigned int fake_destroyed;

static struct fake *to_fake(struct gpio_backend *be)
{
	return (struct fake *)be;
}

static void fake_record(struct gpio_backend *be, enum fake_op op,
			unsigned int line, int dir, uint8_t value)
{
	struct fake *f = to_fake(be);

	assert_true(f->ncalls < sizeof(f->calls) / sizeof(f->calls[0]));
	f->calls[f->ncalls++] = (struct fake_call){op, line, dir, value};
}

static void fake_destroy(struct gpio_backend *be)
{
	fake_destroyed++;
	free(be);
}

static void fake_reset(struct gpio_backend *be)
{
	fake_record(be, FAKE_RESET, 0, 0, 0);
}

static int fake_set_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction dir, uint8_t out_value)
{
	fake_record(be, FAKE_SET_DIRECTION, line, (int)dir, out_value);
	return to_fake(be)->set_direction_ret;
}

static int fake_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	struct fake *f = to_fake(be);

	fake_record(be, FAKE_GET_VALUE, line, 0, 0);
	if (f->get_value_ret)
		return f->get_value_ret;
	*value = f->level;
	return 0;
}

static int fake_set_value(struct gpio_backend *be, unsigned int line,
			  uint8_t value)
{
	fake_record(be, FAKE_SET_VALUE, line, 0, value);
	return to_fake(be)->set_value_ret;
}

static int fake_get_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction *dir)
{
	struct fake *f = to_fake(be);

	fake_record(be, FAKE_GET_DIRECTION, line, 0, 0);
	if (f->get_direction_ret)
		return f->get_direction_ret;
	*dir = f->initial_dir;
	return 0;
}

static const struct gpio_backend_ops fake_ops = {
	.destroy = fake_destroy,
	.reset = fake_reset,
	.set_direction = fake_set_direction,
	.get_value = fake_get_value,
	.set_value = fake_set_value,
};

/* Records the type in the value field. */
static int fake_set_irq_type(struct gpio_backend *be, unsigned int line,
			     uint8_t type)
{
	fake_record(be, FAKE_SET_IRQ_TYPE, line, 0, type);
	return to_fake(be)->set_irq_type_ret;
}

static const struct gpio_backend_ops fake_ops_with_irq = {
	.destroy = fake_destroy,
	.reset = fake_reset,
	.set_direction = fake_set_direction,
	.get_value = fake_get_value,
	.set_value = fake_set_value,
	.set_irq_type = fake_set_irq_type,
};

static const struct gpio_backend_ops fake_ops_with_dir = {
	.destroy = fake_destroy,
	.reset = fake_reset,
	.set_direction = fake_set_direction,
	.get_value = fake_get_value,
	.set_value = fake_set_value,
	.get_direction = fake_get_direction,
};

static struct fake *fake_new(uint16_t ngpio, char **names)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->be.ops = &fake_ops;
	f->be.ngpio = ngpio;
	f->be.names = names;
	return f;
}

/* A device over a 4-line fake without names, calls recorded so far dropped. */
static struct gpio_device *device_new(struct fake **fake)
{
	struct gpio_device *dev;
	struct fake *f = fake_new(4, NULL);

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	f->ncalls = 0;
	*fake = f;
	return dev;
}

static void assert_call(const struct fake *f, unsigned int i, enum fake_op op,
			unsigned int line, int dir, uint8_t value)
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
static int request(struct gpio_device *dev, uint16_t type, uint16_t gpio,
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

static void test_new_rejects_null_backend(void **state)
{
	struct gpio_device *dev = (void *)1;

	assert_int_equal(gpio_device_new(NULL, &dev), -EINVAL);
	assert_null(dev);
}

static void test_new_rejects_zero_lines(void **state)
{
	struct gpio_device *dev = (void *)1;
	struct fake *f = fake_new(0, NULL);

	fake_destroyed = 0;
	assert_int_equal(gpio_device_new(&f->be, &dev), -EINVAL);
	assert_null(dev);
	assert_int_equal(fake_destroyed, 1);
}

static void test_free_destroys_backend(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	fake_destroyed = 0;
	gpio_device_free(dev);
	assert_int_equal(fake_destroyed, 1);
	gpio_device_free(NULL);
}

static void test_config_bytes_without_names(void **state)
{
	static const uint8_t expect[8] = {0x2c, 0x01, 0, 0, 0, 0, 0, 0};
	struct virtio_gpio_config config;
	struct gpio_device *dev;
	struct fake *f = fake_new(300, NULL);

	assert_int_equal(sizeof(config), 8);
	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	memset(&config, POISON, sizeof(config));
	gpio_device_get_config(dev, &config);
	assert_memory_equal(&config, expect, sizeof(expect));
	assert_int_equal(gpio_device_ngpio(dev), 300);
	assert_int_equal(gpio_device_max_response_size(dev), 2);
	gpio_device_free(dev);
}

static void test_names_block_exact(void **state)
{
	static const char block[] = "MMC-CD\0\0\0Red LED Vdd\0~ !\0";
	char *names[] = {"MMC-CD", NULL, "", "Red LED Vdd", "~ !"};
	const uint8_t expect_config[8] = {5, 0, 0, 0, sizeof(block) - 1,
					  0, 0, 0};
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
	};
	struct virtio_gpio_config config;
	struct gpio_device *dev;
	struct fake *f = fake_new(5, names);
	uint8_t resp[64];
	size_t len = 0;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	gpio_device_get_config(dev, &config);
	assert_memory_equal(&config, expect_config, sizeof(expect_config));
	assert_int_equal(gpio_device_max_response_size(dev), sizeof(block));

	memset(resp, POISON, sizeof(resp));
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, sizeof(block));
	assert_int_equal(resp[0], OK);
	assert_memory_equal(resp + 1, block, sizeof(block) - 1);
	assert_int_equal(resp[sizeof(block)], POISON);
	gpio_device_free(dev);
}

static void test_names_exact_buffer_and_lenient_fields(void **state)
{
	char *names[] = {"a", "b"};
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
		.gpio = htole16(0xffff), /* spec: 0; nothing depends on it */
		.value = htole32(7),
	};
	struct gpio_device *dev;
	struct fake *f = fake_new(2, names);
	uint8_t resp[5];
	size_t len = 0;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, 5);
	assert_memory_equal(resp, "\0a\0b\0", 5);
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_names_buffer_too_small(void **state)
{
	char *names[] = {"a", "b"};
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
	};
	struct gpio_device *dev;
	struct fake *f = fake_new(2, names);
	uint8_t resp[5];
	size_t len = 99;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	memset(resp, POISON, sizeof(resp));
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, 4, &len),
			 -ENOBUFS);
	assert_int_equal(len, 0);
	assert_int_equal(resp[0], POISON);
	gpio_device_free(dev);
}

/* No names at all: size 0 and a 1-byte ERR reply to GET_NAMES. */
static void check_no_names(char **names)
{
	static const uint8_t expect_config[8] = {3, 0, 0, 0, 0, 0, 0, 0};
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
	};
	struct virtio_gpio_config config;
	struct gpio_device *dev;
	struct fake *f = fake_new(3, names);
	uint8_t resp[4];
	size_t len = 0;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	gpio_device_get_config(dev, &config);
	assert_memory_equal(&config, expect_config, sizeof(expect_config));

	memset(resp, POISON, sizeof(resp));
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, 1);
	assert_int_equal(resp[0], ERR);
	assert_int_equal(resp[1], POISON);

	/* One byte of room is enough for that reply. */
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, 1, &len),
			 0);
	assert_int_equal(len, 1);
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, 0, &len),
			 -ENOBUFS);
	gpio_device_free(dev);
}

static void test_names_null_array(void **state)
{
	check_no_names(NULL);
}

static void test_names_all_unnamed(void **state)
{
	char *names[] = {NULL, "", NULL};

	check_no_names(names);
}

static void check_names_rejected(char **names, uint16_t ngpio)
{
	struct gpio_device *dev = (void *)1;
	struct fake *f = fake_new(ngpio, names);

	fake_destroyed = 0;
	assert_int_equal(gpio_device_new(&f->be, &dev), -EINVAL);
	assert_null(dev);
	assert_int_equal(fake_destroyed, 1);
}

static void test_names_duplicate_rejected(void **state)
{
	char *dup_adjacent[] = {"x", "x"};
	char *dup_apart[] = {"b", "a", NULL, "", "c", "a"};

	check_names_rejected(dup_adjacent, 2);
	check_names_rejected(dup_apart, 6);
}

static void test_names_not_printable_rejected(void **state)
{
	char *tab[] = {"a\tb"};
	char *newline[] = {"ok", "a\n"};
	char *high[] = {"caf\xc3\xa9"};
	char *del[] = {"\x7f"};

	check_names_rejected(tab, 1);
	check_names_rejected(newline, 2);
	check_names_rejected(high, 1);
	check_names_rejected(del, 1);
}

static void test_short_request(void **state)
{
	uint8_t req[sizeof(struct virtio_gpio_request)] = {2, 0};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	uint8_t resp[2] = {POISON, POISON};
	size_t len = 99;

	assert_int_equal(gpio_device_handle_request(dev, req, sizeof(req) - 1,
						    resp, sizeof(resp), &len),
			 -EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(gpio_device_handle_request(dev, req, 0, resp,
						    sizeof(resp), &len),
			 -EINVAL);
	assert_int_equal(resp[0], POISON);
	assert_int_equal(resp[1], POISON);
	gpio_device_free(dev);
}

static void test_extra_request_bytes_ignored(void **state)
{
	/* GET_DIRECTION of line 1, then junk the device must not read. */
	const uint8_t req[12] = {2, 0, 1, 0, 0, 0, 0, 0, 9, 9, 9, 9};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	uint8_t resp[2];
	size_t len = 0;

	assert_int_equal(gpio_device_handle_request(dev, req, sizeof(req), resp,
						    sizeof(resp), &len),
			 0);
	assert_int_equal(len, 2);
	assert_int_equal(resp[0], OK);
	assert_int_equal(resp[1], VIRTIO_GPIO_DIRECTION_NONE);
	gpio_device_free(dev);
}

static void test_unaligned_request(void **state)
{
	/* SET_VALUE line 3 to 1, one byte into the buffer. */
	const uint8_t buf[9] = {0, 5, 0, 3, 0, 1, 0, 0, 0};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	uint8_t resp[3];
	size_t len = 0;

	assert_int_equal(
		gpio_device_handle_request(dev, buf + 1, 8, resp + 1, 2, &len),
		0);
	assert_int_equal(len, 2);
	assert_int_equal(resp[1], OK);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 3,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 3, GPIO_DIRECTION_OUT, 1);
	gpio_device_free(dev);
}

static void test_response_buffer_too_small(void **state)
{
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_SET_DIRECTION),
		.gpio = htole16(0),
		.value = htole32(VIRTIO_GPIO_DIRECTION_IN),
	};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	uint8_t resp[2] = {POISON, POISON};
	size_t len = 99;

	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, 1, &len),
			 -ENOBUFS);
	assert_int_equal(len, 0);
	assert_int_equal(resp[0], POISON);
	/* Nothing reached the back-end either. */
	assert_int_equal(f->ncalls, 0);

	/* Also for requests that would only be answered with ERR. */
	req.type = htole16(99);
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, 1, &len),
			 -ENOBUFS);
	assert_int_equal(resp[0], POISON);
	gpio_device_free(dev);
}

static void test_bad_gpio(void **state)
{
	static const uint16_t types[] = {
		VIRTIO_GPIO_MSG_GET_DIRECTION, VIRTIO_GPIO_MSG_SET_DIRECTION,
		VIRTIO_GPIO_MSG_GET_VALUE,     VIRTIO_GPIO_MSG_SET_VALUE,
		VIRTIO_GPIO_MSG_IRQ_TYPE,
	};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(request(dev, types[i], 4, 0), REPLY(ERR, 0));
		assert_int_equal(request(dev, types[i], 0xffff, 0),
				 REPLY(ERR, 0));
		assert_int_equal(request(dev, types[i], 0x0100, 0),
				 REPLY(ERR, 0));
	}
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_bad_type(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, 0, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(dev, 7, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(dev, 0x0102, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(dev, 0xffff, 0, 0), REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_get_direction_initial_without_op(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 3, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_free(dev);
}

static struct gpio_device *device_new_with_dir(struct fake **fake,
					       enum gpio_direction dir, int ret)
{
	struct gpio_device *dev;
	struct fake *f = fake_new(2, NULL);

	f->be.ops = &fake_ops_with_dir;
	f->initial_dir = dir;
	f->get_direction_ret = ret;
	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	/* Asked once per line at creation. */
	assert_int_equal(f->ncalls, 2);
	assert_call(f, 0, FAKE_GET_DIRECTION, 0, 0, 0);
	assert_call(f, 1, FAKE_GET_DIRECTION, 1, 0, 0);
	f->ncalls = 0;
	*fake = f;
	return dev;
}

static void test_get_direction_initial_from_backend(void **state)
{
	struct fake *f;
	struct gpio_device *dev;

	dev = device_new_with_dir(&f, GPIO_DIRECTION_IN, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	gpio_device_free(dev);

	dev = device_new_with_dir(&f, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_OUT));
	gpio_device_free(dev);

	/* A failing op or a nonsense answer count as NONE. */
	dev = device_new_with_dir(&f, GPIO_DIRECTION_IN, -EIO);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_free(dev);

	dev = device_new_with_dir(&f, (enum gpio_direction)7, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_free(dev);
}

static void test_set_direction_in_and_out(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_IN, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 1, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_OUT));
	/* Other lines are untouched. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	assert_int_equal(f->ncalls, 2);
	gpio_device_free(dev);
}

static void test_set_direction_bad_value(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 3),
			 REPLY(ERR, 0));
	/* Would be OUT if the device looked at the low byte only. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 0x101),
			 REPLY(ERR, 0));
	assert_int_equal(
		request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 0xffffffff),
		REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_set_value_before_output(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	/* What Linux's direction_output sends. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(f->ncalls, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);

	/* Now an output: values go straight to the back-end. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0),
			 REPLY(OK, 0));
	assert_call(f, 1, FAKE_SET_VALUE, 1, 0, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_call(f, 2, FAKE_SET_VALUE, 1, 0, 1);

	/* The last value is kept across an input phase. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_call(f, 3, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_IN, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(f->ncalls, 4);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 4, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
	gpio_device_free(dev);
}

static void test_set_value_bad_value(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 2),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 0x101),
			 REPLY(ERR, 0));
	/* Nothing was remembered: the output starts low. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 2),
			 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 1);
	gpio_device_free(dev);
}

static void test_set_direction_none_discards_state(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_NONE, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 1, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);

	/* Releasing an output forgets its value too. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));
	assert_call(f, 2, FAKE_SET_VALUE, 0, 0, 1);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 4, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	gpio_device_free(dev);
}

static void test_get_value(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	f->level = 1;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0),
			 REPLY(OK, 1));
	assert_call(f, 0, FAKE_GET_VALUE, 3, 0, 0);
	f->level = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0),
			 REPLY(OK, 0));
	/* The guest gets 0 or 1 whatever the back-end says. */
	f->level = 0x80;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0),
			 REPLY(OK, 1));
	gpio_device_free(dev);
}

static void test_backend_failures_keep_state(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	/* Line 0: an input with a remembered 1. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));

	f->set_direction_ret = -EBUSY;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	/* Still an input, so this is only remembered. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));
	/* A failed release keeps direction and value. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	f->set_direction_ret = -EIO;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(ERR, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	f->set_direction_ret = 0;
	f->ncalls = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 1);

	/* A failed SET_VALUE on an output keeps the old value. */
	f->set_value_ret = -EIO;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 0),
			 REPLY(ERR, 0));
	assert_call(f, 1, FAKE_SET_VALUE, 0, 0, 0);
	f->set_value_ret = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 3, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 1);

	/* A failed GET_VALUE reports ERR with value 0. */
	f->level = 1;
	f->get_value_ret = -EIO;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0),
			 REPLY(ERR, 0));
	gpio_device_free(dev);
}

static void test_irq_type_refused(void **state)
{
	static const uint32_t types[] = {
		VIRTIO_GPIO_IRQ_TYPE_NONE,
		VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING,
		VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING,
		VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH,
		VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH,
		VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW,
		5,
		0x100,
	};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(
			request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 0, types[i]),
			REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_reset(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new_with_dir(&f, GPIO_DIRECTION_IN, 0);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 0, 1),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	f->ncalls = 0;

	gpio_device_reset(dev);
	assert_int_equal(f->ncalls, 3);
	assert_call(f, 0, FAKE_RESET, 0, 0, 0);
	assert_call(f, 1, FAKE_GET_DIRECTION, 0, 0, 0);
	assert_call(f, 2, FAKE_GET_DIRECTION, 1, 0, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	/* Remembered values are gone. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 0,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 3, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 4, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 0);
	gpio_device_free(dev);
}

static void test_reset_without_get_direction(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	f->ncalls = 0;
	gpio_device_reset(dev);
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_RESET, 0, 0, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_free(dev);
}

/* The largest device, over the simulated chip: names and line numbers. */
static void test_largest_simulated_chip(void **state)
{
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
	};
	struct virtio_gpio_config config;
	struct gpio_backend *be;
	struct gpio_device *dev;
	size_t size, len = 0;
	uint8_t *resp;

	assert_int_equal(gpio_sim_new(GPIO_SIM_MAX_LINES, &be), 0);
	assert_int_equal(gpio_device_new(be, &dev), 0);
	gpio_device_get_config(dev, &config);
	assert_int_equal(le16toh(config.ngpio), 65535);
	/* "sim-N\0": 10 one-digit names, 90 two-digit, ... */
	size = 10 * 6 + 90 * 7 + 900 * 8 + 9000 * 9 + 55535 * 10;
	assert_int_equal(le32toh(config.gpio_names_size), size);
	assert_int_equal(gpio_device_max_response_size(dev), size + 1);

	resp = malloc(size + 1);
	assert_non_null(resp);
	assert_int_equal(gpio_device_handle_request(dev, &req, sizeof(req),
						    resp, size + 1, &len),
			 0);
	assert_int_equal(len, size + 1);
	assert_int_equal(resp[0], OK);
	assert_memory_equal(resp + 1, "sim-0\0sim-1\0", 12);
	assert_memory_equal(resp + 1 + size - 10, "sim-65534\0", 10);
	free(resp);

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 65534, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 65534, 0),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 65535, 0),
			 REPLY(ERR, 0));
	gpio_device_free(dev);
}

/* The guest's view of the simulated chip end to end through the model. */
static void test_over_simulated_chip(void **state)
{
	struct gpio_backend *be;
	struct gpio_device *dev;

	assert_int_equal(gpio_sim_new(4, &be), 0);
	assert_int_equal(gpio_device_new(be, &dev), 0);
	assert_int_equal(gpio_sim_set_input(be, 2, 1), 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 2, 0),
			 REPLY(OK, 1));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 2, 0),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 2, 0),
			 REPLY(OK, 0));
	assert_int_equal(gpio_sim_get_direction(be, 2), GPIO_DIRECTION_OUT);

	gpio_device_reset(dev);
	assert_int_equal(gpio_sim_get_direction(be, 2), GPIO_DIRECTION_IN);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_VALUE, 2, 0),
			 REPLY(OK, 1));
	gpio_device_free(dev);
}

/*
 * Interrupts.  The device gives every eventq pair back through a callback:
 * the log keeps those calls in order.
 */
#define VALID	VIRTIO_GPIO_IRQ_STATUS_VALID
#define INVALID VIRTIO_GPIO_IRQ_STATUS_INVALID

struct irq_done_log {
	struct {
		uint16_t token;
		uint8_t status;
	} calls[32];
	unsigned int ncalls;
};

static void on_irq_done(void *opaque, uint16_t token, const void *resp,
			size_t resp_len, bool fired)
{
	struct irq_done_log *log = opaque;
	uint8_t status = *(const uint8_t *)resp;

	/* A struct virtio_gpio_irq_response, and @fired agrees with it. */
	assert_int_equal(resp_len, 1);
	assert_int_equal(fired, status == VALID);
	assert_true(log->ncalls < sizeof(log->calls) / sizeof(log->calls[0]));
	log->calls[log->ncalls].token = token;
	log->calls[log->ncalls].status = status;
	log->ncalls++;
}

static void assert_irq_done(const struct irq_done_log *log, unsigned int i,
			    uint16_t token, uint8_t status)
{
	assert_true(i < log->ncalls);
	assert_int_equal(log->calls[i].token, token);
	assert_int_equal(log->calls[i].status, status);
}

/*
 * A 4-line device over a fake with set_irq_type, VIRTIO_GPIO_F_IRQ
 * negotiated, pairs logged in @log; calls recorded so far dropped.
 */
static struct gpio_device *irq_device_new(struct fake **fake,
					  struct irq_done_log *log)
{
	struct gpio_device *dev;
	struct fake *f = fake_new(4, NULL);

	f->be.ops = &fake_ops_with_irq;
	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	memset(log, 0, sizeof(*log));
	gpio_device_set_irq_handler(dev, on_irq_done, log);
	gpio_device_set_irq_feature(dev, true);
	f->ncalls = 0;
	*fake = f;
	return dev;
}

/* The fake's lines now read @level, and it reports the change on @line. */
static void fake_report(struct fake *f, unsigned int line, uint8_t level)
{
	f->level = level;
	gpio_backend_report_level(&f->be, line, level);
}

static void irq_type_ok(struct gpio_device *dev, uint16_t gpio, uint32_t type)
{
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, gpio, type),
			 REPLY(OK, 0));
}

static const uint32_t irq_types_valid[] = {
	VIRTIO_GPIO_IRQ_TYPE_NONE,	   VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING,
	VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH,
	VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH,   VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW,
};

#define NTYPES (sizeof(irq_types_valid) / sizeof(irq_types_valid[0]))

static void test_irq_type_feature_withdrawn(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);
	unsigned int i;

	gpio_device_set_irq_feature(dev, false);
	for (i = 0; i < NTYPES; i++)
		assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 1,
					 irq_types_valid[i]),
				 REPLY(ERR, 0));
	assert_int_equal(f->ncalls, 0);
	/* Nothing got enabled: a pair comes straight back. */
	gpio_device_irq_unmask(dev, 1, 7);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 7, INVALID);
	gpio_device_free(dev);
}

static void test_irq_type_valid_types(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);
	unsigned int i;

	for (i = 0; i < NTYPES; i++) {
		irq_type_ok(dev, 1, irq_types_valid[i]);
		assert_call(f, i, FAKE_SET_IRQ_TYPE, 1, 0,
			    (uint8_t)irq_types_valid[i]);
	}
	assert_int_equal(f->ncalls, NTYPES);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

static void test_irq_type_invalid_values(void **state)
{
	/* 0x101 and 0x104 would pass if only the low byte were checked. */
	static const uint32_t types[] = {5,  6,	    7,	   9,
					 16, 0x101, 0x104, 0xffffffff};
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(
			request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 0, types[i]),
			REPLY(ERR, 0));
		assert_int_equal(
			request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 1, types[i]),
			REPLY(ERR, 0));
	}
	assert_int_equal(f->ncalls, 0);

	/* Line 0 stays without an interrupt: its pair comes back. */
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	gpio_device_free(dev);
}

static void test_irq_type_invalid_keeps_old_type(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 0, 5),
			 REPLY(ERR, 0));
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

/* A back-end that reports every change anyway has no set_irq_type. */
static void test_irq_type_without_backend_op(void **state)
{
	struct irq_done_log log = {0};
	struct fake *f;
	struct gpio_device *dev = device_new(&f);

	gpio_device_set_irq_handler(dev, on_irq_done, &log);
	gpio_device_set_irq_feature(dev, true);
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(f->ncalls, 0);
	gpio_device_irq_unmask(dev, 2, 9);
	fake_report(f, 2, 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 9, VALID);
	gpio_device_free(dev);
}

static void test_irq_unmask_without_irq_type(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	gpio_device_irq_unmask(dev, 2, 5);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 5, INVALID);
	/* Nothing is held that an edge could fire. */
	fake_report(f, 2, 1);
	fake_report(f, 2, 0);
	assert_int_equal(log.ncalls, 1);
	gpio_device_free(dev);
}

static void test_irq_unmask_twice(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 2, INVALID);
	/* The first pair is still the one held. */
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_unmask_bad_gpio(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	/* Line 0 is enabled: 0x10000 must not be taken for it. */
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 4, 10);
	gpio_device_irq_unmask(dev, 0xffff, 11);
	gpio_device_irq_unmask(dev, 0x10000, 12);
	gpio_device_irq_unmask(dev, 0xffffffff, 13);
	assert_int_equal(log.ncalls, 4);
	assert_irq_done(&log, 0, 10, INVALID);
	assert_irq_done(&log, 1, 11, INVALID);
	assert_irq_done(&log, 2, 12, INVALID);
	assert_irq_done(&log, 3, 13, INVALID);
	/* Line 0 has no pair: this one is held, not a second one. */
	gpio_device_irq_unmask(dev, 0, 14);
	assert_int_equal(log.ncalls, 4);
	gpio_device_free(dev);
}

static void test_irq_edge_rising(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	fake_report(f, 0, 0);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	/* A falling edge while masked is not one to latch. */
	fake_report(f, 0, 0);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 1);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_edge_falling(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	gpio_device_irq_unmask(dev, 1, 1);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	/* A rising edge while masked is not one to latch. */
	fake_report(f, 1, 1);
	gpio_device_irq_unmask(dev, 1, 2);
	assert_int_equal(log.ncalls, 1);
	fake_report(f, 1, 0);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_edge_both(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	gpio_device_irq_unmask(dev, 3, 1);
	fake_report(f, 3, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_irq_unmask(dev, 3, 2);
	assert_int_equal(log.ncalls, 1);
	fake_report(f, 3, 0);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_edge_only_on_its_line(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	gpio_device_irq_unmask(dev, 0, 100);
	gpio_device_irq_unmask(dev, 1, 101);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 101, VALID);
	/* Line 2 has no interrupt and line 0 must not see line 2's edge. */
	fake_report(f, 2, 0);
	assert_int_equal(log.ncalls, 1);
	fake_report(f, 0, 0);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 100, VALID);
	gpio_device_free(dev);
}

static void test_irq_edge_latched_while_masked(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	/* Masked now: two rising edges, one interrupt. */
	fake_report(f, 0, 0);
	fake_report(f, 0, 1);
	fake_report(f, 0, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	/* The latch is used up: the next pair waits for a new edge. */
	gpio_device_irq_unmask(dev, 0, 3);
	assert_int_equal(log.ncalls, 2);
	fake_report(f, 0, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 3);
	assert_irq_done(&log, 2, 3, VALID);
	gpio_device_free(dev);
}

static void test_irq_edge_before_irq_type_not_latched(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	fake_report(f, 0, 1);
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

static void test_irq_level_high_active_at_unmask(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 1;
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	/* Nothing to fire before a pair is queued. */
	assert_int_equal(log.ncalls, 0);
	f->ncalls = 0;
	gpio_device_irq_unmask(dev, 2, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_GET_VALUE, 2, 0, 0);
	/* Still high: it fires again at every unmask. */
	gpio_device_irq_unmask(dev, 2, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_level_low_active_at_unmask(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 0;
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	gpio_device_irq_unmask(dev, 2, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_level_high_becomes_active(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 0;
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	gpio_device_irq_unmask(dev, 1, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 0);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_level_low_becomes_active(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 1;
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	gpio_device_irq_unmask(dev, 1, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_level_not_latched(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 0;
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	/* Active and inactive again while masked: nothing to deliver. */
	fake_report(f, 0, 1);
	fake_report(f, 0, 0);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

static void test_irq_level_unreadable_at_unmask(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->level = 1;
	f->get_value_ret = -EIO;
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	/* Neither fired nor bounced: held until the level is known. */
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_type_change_to_active_level(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	gpio_device_irq_unmask(dev, 1, 2);
	/* Both lines high, no edge seen. */
	f->level = 1;
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	/* Inactive for LEVEL_LOW: the pair stays held. */
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	assert_int_equal(log.ncalls, 1);
	fake_report(f, 1, 0);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_type_none_returns_held_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	gpio_device_irq_unmask(dev, 0, 1);
	f->ncalls = 0;
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_NONE);
	assert_call(f, 0, FAKE_SET_IRQ_TYPE, 0, 0, VIRTIO_GPIO_IRQ_TYPE_NONE);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, INVALID);
	gpio_device_free(dev);
}

static void test_irq_type_none_drops_latch(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	fake_report(f, 0, 1);
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_NONE);
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

/* Disabling works whatever the back-end says: nothing fires any more. */
static void test_irq_type_none_backend_failure(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	f->set_irq_type_ret = -EIO;
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_NONE);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, INVALID);
	gpio_device_free(dev);
}

static void test_set_direction_none_returns_held_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 1, 1);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	/* The type is back to NONE: no edge fires, a new pair bounces. */
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 1);
	gpio_device_irq_unmask(dev, 1, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, INVALID);
	gpio_device_free(dev);
}

static void test_set_direction_keeps_held_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 1, 1);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	/* A release the back-end refuses changes nothing either. */
	f->set_direction_ret = -EBUSY;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(ERR, 0));
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

/*
 * Linux's driver ignores a failed IRQ_TYPE, believes the interrupt enabled
 * and queues the pair again as soon as it comes back INVALID: bouncing it
 * would make a busy loop with the guest.  So the pair is held (and never
 * fires) until the guest sets another type.
 */
static void test_irq_type_refused_holds_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->set_irq_type_ret = -EOPNOTSUPP;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 2,
				 VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
			 REPLY(ERR, 0));
	assert_call(f, 0, FAKE_SET_IRQ_TYPE, 2, 0,
		    VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 2, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 2, 1);
	assert_int_equal(log.ncalls, 0);
	/* Still one pair per line. */
	gpio_device_irq_unmask(dev, 2, 2);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 2, INVALID);

	f->set_irq_type_ret = 0;
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_NONE);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 1, INVALID);
	/* Disabled for real now: pairs bounce. */
	gpio_device_irq_unmask(dev, 2, 3);
	assert_int_equal(log.ncalls, 3);
	assert_irq_done(&log, 2, 3, INVALID);
	gpio_device_free(dev);
}

/* The old type is gone with the refusal, and its held pair with it. */
static void test_irq_type_refused_returns_held_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	f->set_irq_type_ret = -EINVAL;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 0,
				 VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH),
			 REPLY(ERR, 0));
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	/* The re-queued pair is held, and the old edge type is off. */
	gpio_device_irq_unmask(dev, 0, 2);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	gpio_device_free(dev);
}

static void test_irq_type_refused_then_accepted(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	f->set_irq_type_ret = -EOPNOTSUPP;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 3,
				 VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
			 REPLY(ERR, 0));
	gpio_device_irq_unmask(dev, 3, 1);
	f->set_irq_type_ret = 0;
	irq_type_ok(dev, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(log.ncalls, 0);
	/* The held pair now serves the accepted type. */
	fake_report(f, 3, 1);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 3, 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_flush_returns_held_pairs(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	irq_type_ok(dev, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	f->level = 0;
	gpio_device_irq_unmask(dev, 3, 30);
	gpio_device_irq_unmask(dev, 0, 10);
	gpio_device_irq_unmask(dev, 1, 11);
	assert_int_equal(log.ncalls, 0);
	gpio_device_irq_flush(dev);
	assert_int_equal(log.ncalls, 3);
	assert_irq_done(&log, 0, 10, INVALID);
	assert_irq_done(&log, 1, 11, INVALID);
	assert_irq_done(&log, 2, 30, INVALID);
	/* Nothing is held any more (a level type latches nothing). */
	gpio_device_irq_flush(dev);
	fake_report(f, 3, 1);
	fake_report(f, 3, 0);
	assert_int_equal(log.ncalls, 3);
	/* Types stay: a new pair is held and fires. */
	gpio_device_irq_unmask(dev, 1, 12);
	assert_int_equal(log.ncalls, 3);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 4);
	assert_irq_done(&log, 3, 12, VALID);
	gpio_device_free(dev);
}

static void test_irq_flush_keeps_latch(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	gpio_device_irq_unmask(dev, 1, 1);
	fake_report(f, 0, 0);
	gpio_device_irq_flush(dev);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_irq_reset_drops_held_pairs(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	f->level = 0;
	gpio_device_irq_unmask(dev, 0, 1);
	gpio_device_irq_unmask(dev, 1, 2);
	fake_report(f, 2, 1); /* latched on line 2 */
	f->ncalls = 0;
	gpio_device_reset(dev);
	assert_int_equal(log.ncalls, 0);
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_RESET, 0, 0, 0);
	/* Nothing held, nothing enabled. */
	fake_report(f, 0, 0);
	fake_report(f, 1, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_irq_unmask(dev, 0, 3);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 3, INVALID);
	/* Line 2's latch went too. */
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 2, 4);
	assert_int_equal(log.ncalls, 1);
	gpio_device_free(dev);
}

static void test_irq_type_change_between_edges_drops_latch(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	fake_report(f, 0, 1);
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

/* Linux may send the same type again (irq_bus_sync_unlock): no news. */
static void test_irq_type_same_type_keeps_latch(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	fake_report(f, 0, 1);
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

static void test_irq_report_bad_line_ignored(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	fake_report(f, 4, 1);
	fake_report(f, 0x10000, 1);
	fake_report(f, ~0u, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

/* The simulated chip's input changes reach the device's interrupts. */
static void test_irq_over_simulated_chip(void **state)
{
	struct irq_done_log log = {0};
	struct gpio_backend *be;
	struct gpio_device *dev;

	assert_int_equal(gpio_sim_new(2, &be), 0);
	assert_int_equal(gpio_device_new(be, &dev), 0);
	gpio_device_set_irq_handler(dev, on_irq_done, &log);
	gpio_device_set_irq_feature(dev, true);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 1, 5);
	assert_int_equal(gpio_sim_set_input(be, 0, 1), 0);
	assert_int_equal(log.ncalls, 0);
	assert_int_equal(gpio_sim_set_input(be, 1, 1), 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 5, VALID);
	gpio_device_free(dev);
}

/*
 * Suspend and resume across a front-end reconnect.  The guest state used by
 * these tests: line 0 EDGE_RISING, line 1 an output driving 1, line 2 an
 * input, line 3 LEVEL_HIGH.
 */
static void guest_state_set(struct gpio_device *dev)
{
	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_IN),
			 REPLY(OK, 0));
	irq_type_ok(dev, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
}

/*
 * The back-end calls a resume of that state makes, in line order: the edge
 * line's level is read to see whether an edge came while nobody watched.
 */
static void assert_guest_state_restored(const struct fake *f)
{
	assert_int_equal(f->ncalls, 5);
	assert_call(f, 0, FAKE_SET_IRQ_TYPE, 0, 0,
		    VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	assert_call(f, 1, FAKE_GET_VALUE, 0, 0, 0);
	assert_call(f, 2, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
	assert_call(f, 3, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_IN, 0);
	assert_call(f, 4, FAKE_SET_IRQ_TYPE, 3, 0,
		    VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
}

static void test_suspend_resets_device(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	guest_state_set(dev);
	f->level = 0;
	gpio_device_irq_unmask(dev, 0, 1);
	gpio_device_irq_unmask(dev, 3, 2);
	f->ncalls = 0;
	assert_false(gpio_device_is_suspended(dev));
	assert_int_equal(gpio_device_suspend(dev), 0);
	assert_true(gpio_device_is_suspended(dev));
	/* The edge line's level is kept, then everything is released. */
	assert_int_equal(f->ncalls, 2);
	assert_call(f, 0, FAKE_GET_VALUE, 0, 0, 0);
	assert_call(f, 1, FAKE_RESET, 0, 0, 0);
	/* Held pairs are dropped, not given back. */
	assert_int_equal(log.ncalls, 0);
	/* Meanwhile the device is as new. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 0);
	gpio_device_irq_unmask(dev, 0, 3);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 3, INVALID);
	gpio_device_free(dev);
}

static void test_resume_restores_lines(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	guest_state_set(dev);
	assert_int_equal(gpio_device_suspend(dev), 0);
	f->ncalls = 0;
	assert_int_equal(gpio_device_resume(dev), 0);
	assert_false(gpio_device_is_suspended(dev));
	assert_guest_state_restored(f);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_OUT));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_IN));
	/* The interrupts work as before. */
	f->level = 1;
	gpio_device_irq_unmask(dev, 3, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_irq_unmask(dev, 0, 2);
	fake_report(f, 0, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 2);
	assert_irq_done(&log, 1, 2, VALID);
	gpio_device_free(dev);
}

static void test_resume_restores_latch(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	fake_report(f, 0, 1);
	assert_int_equal(gpio_device_suspend(dev), 0);
	assert_int_equal(gpio_device_resume(dev), 0);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, VALID);
	gpio_device_free(dev);
}

/*
 * An edge that came while no front-end was connected (nobody watched the
 * line; a host chip's line was even released) shows as a level that
 * changed: it is latched for the guest as if it had been seen.
 */
static void test_resume_latches_edge_missed_meanwhile(void **state)
{
	static const struct {
		uint8_t type, before, after;
		bool latched;
	} cases[] = {
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, 0, 1, true},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, 1, 0, false},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, 1, 1, false},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, 1, 0, true},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, 0, 1, false},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, 0, 1, true},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, 1, 0, true},
		{VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, 0, 0, false},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct irq_done_log log;
		struct fake *f;
		struct gpio_device *dev = irq_device_new(&f, &log);

		print_message("# case %u: type %u, level %u -> %u\n", i,
			      cases[i].type, cases[i].before, cases[i].after);
		irq_type_ok(dev, 0, cases[i].type);
		f->level = cases[i].before;
		assert_int_equal(gpio_device_suspend(dev), 0);
		f->level = cases[i].after;
		assert_int_equal(gpio_device_resume(dev), 0);
		gpio_device_irq_unmask(dev, 0, 4);
		if (cases[i].latched) {
			assert_int_equal(log.ncalls, 1);
			assert_irq_done(&log, 0, 4, VALID);
		} else {
			assert_int_equal(log.ncalls, 0);
		}
		gpio_device_free(dev);
	}
}

/* A level that cannot be read at the suspend latches nothing on resume. */
static void test_resume_unknown_level_latches_nothing(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	f->get_value_ret = -EIO;
	assert_int_equal(gpio_device_suspend(dev), 0);
	f->get_value_ret = 0;
	f->level = 1;
	assert_int_equal(gpio_device_resume(dev), 0);
	gpio_device_irq_unmask(dev, 0, 4);
	assert_int_equal(log.ncalls, 0);
	gpio_device_free(dev);
}

/* The new front-end hands the held pair in again: it is not a second one. */
static void test_resume_forgets_held_pair(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 0, 1);
	assert_int_equal(gpio_device_suspend(dev), 0);
	assert_int_equal(gpio_device_resume(dev), 0);
	gpio_device_irq_unmask(dev, 0, 2);
	assert_int_equal(log.ncalls, 0);
	fake_report(f, 0, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 2, VALID);
	gpio_device_free(dev);
}

/*
 * A pair queued between suspend and resume (found by fuzz_gpio_device): the
 * restored line state must not overwrite it unanswered; it goes back INVALID
 * and the driver queues it again.
 */
static void test_resume_gives_back_pair_held_meanwhile(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(gpio_device_suspend(dev), 0);
	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	gpio_device_irq_unmask(dev, 1, 7);
	assert_int_equal(log.ncalls, 0);
	assert_int_equal(gpio_device_resume(dev), 0);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 7, INVALID);
	gpio_device_free(dev);
}

static void test_resume_without_suspend(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	assert_int_equal(gpio_device_resume(dev), -ENOENT);
	assert_int_equal(gpio_device_suspend(dev), 0);
	assert_int_equal(gpio_device_resume(dev), 0);
	f->ncalls = 0;
	assert_int_equal(gpio_device_resume(dev), -ENOENT);
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

static void test_reset_forgets_suspended_state(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	guest_state_set(dev);
	assert_int_equal(gpio_device_suspend(dev), 0);
	gpio_device_reset(dev);
	assert_false(gpio_device_is_suspended(dev));
	f->ncalls = 0;
	assert_int_equal(gpio_device_resume(dev), -ENOENT);
	assert_int_equal(f->ncalls, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_free(dev);
}

/*
 * A front-end may connect and go again before it starts a session (a
 * reconnect that fails half-way, a second daemon probing the socket): that
 * second suspend must not replace the guest's state with the blank one.
 */
static void test_suspend_twice_keeps_guest_state(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	guest_state_set(dev);
	assert_int_equal(gpio_device_suspend(dev), 0);
	f->ncalls = 0;
	assert_int_equal(gpio_device_suspend(dev), 0);
	assert_true(gpio_device_is_suspended(dev));
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_RESET, 0, 0, 0);
	f->ncalls = 0;
	assert_int_equal(gpio_device_resume(dev), 0);
	assert_guest_state_restored(f);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_OUT));
	gpio_device_free(dev);
}

static void test_resume_direction_refused(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_int_equal(gpio_device_suspend(dev), 0);
	f->set_direction_ret = -EBUSY;
	f->ncalls = 0;
	assert_int_equal(gpio_device_resume(dev), -EIO);
	assert_false(gpio_device_is_suspended(dev));
	/* The line starts over released: no type, no remembered value. */
	assert_int_equal(f->ncalls, 1);
	assert_call(f, 0, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0),
			 REPLY(OK, VIRTIO_GPIO_DIRECTION_NONE));
	gpio_device_irq_unmask(dev, 1, 1);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	f->set_direction_ret = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_call(f, 1, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 0);
	gpio_device_free(dev);
}

/* As after a refused IRQ_TYPE: the pair is held, not bounced. */
static void test_resume_irq_type_refused(void **state)
{
	struct irq_done_log log;
	struct fake *f;
	struct gpio_device *dev = irq_device_new(&f, &log);

	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(gpio_device_suspend(dev), 0);
	f->set_irq_type_ret = -EIO;
	assert_int_equal(gpio_device_resume(dev), -EIO);
	gpio_device_irq_unmask(dev, 2, 1);
	fake_report(f, 2, 1);
	fake_report(f, 2, 0);
	assert_int_equal(log.ncalls, 0);
	f->set_irq_type_ret = 0;
	irq_type_ok(dev, 2, VIRTIO_GPIO_IRQ_TYPE_NONE);
	assert_int_equal(log.ncalls, 1);
	assert_irq_done(&log, 0, 1, INVALID);
	gpio_device_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_null_backend),
		cmocka_unit_test(test_new_rejects_zero_lines),
		cmocka_unit_test(test_free_destroys_backend),
		cmocka_unit_test(test_config_bytes_without_names),
		cmocka_unit_test(test_names_block_exact),
		cmocka_unit_test(test_names_exact_buffer_and_lenient_fields),
		cmocka_unit_test(test_names_buffer_too_small),
		cmocka_unit_test(test_names_null_array),
		cmocka_unit_test(test_names_all_unnamed),
		cmocka_unit_test(test_names_duplicate_rejected),
		cmocka_unit_test(test_names_not_printable_rejected),
		cmocka_unit_test(test_short_request),
		cmocka_unit_test(test_extra_request_bytes_ignored),
		cmocka_unit_test(test_unaligned_request),
		cmocka_unit_test(test_response_buffer_too_small),
		cmocka_unit_test(test_bad_gpio),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_get_direction_initial_without_op),
		cmocka_unit_test(test_get_direction_initial_from_backend),
		cmocka_unit_test(test_set_direction_in_and_out),
		cmocka_unit_test(test_set_direction_bad_value),
		cmocka_unit_test(test_set_value_before_output),
		cmocka_unit_test(test_set_value_bad_value),
		cmocka_unit_test(test_set_direction_none_discards_state),
		cmocka_unit_test(test_get_value),
		cmocka_unit_test(test_backend_failures_keep_state),
		cmocka_unit_test(test_irq_type_refused),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_reset_without_get_direction),
		cmocka_unit_test(test_largest_simulated_chip),
		cmocka_unit_test(test_over_simulated_chip),
		cmocka_unit_test(test_irq_type_feature_withdrawn),
		cmocka_unit_test(test_irq_type_valid_types),
		cmocka_unit_test(test_irq_type_invalid_values),
		cmocka_unit_test(test_irq_type_invalid_keeps_old_type),
		cmocka_unit_test(test_irq_type_without_backend_op),
		cmocka_unit_test(test_irq_unmask_without_irq_type),
		cmocka_unit_test(test_irq_unmask_twice),
		cmocka_unit_test(test_irq_unmask_bad_gpio),
		cmocka_unit_test(test_irq_edge_rising),
		cmocka_unit_test(test_irq_edge_falling),
		cmocka_unit_test(test_irq_edge_both),
		cmocka_unit_test(test_irq_edge_only_on_its_line),
		cmocka_unit_test(test_irq_edge_latched_while_masked),
		cmocka_unit_test(test_irq_edge_before_irq_type_not_latched),
		cmocka_unit_test(test_irq_level_high_active_at_unmask),
		cmocka_unit_test(test_irq_level_low_active_at_unmask),
		cmocka_unit_test(test_irq_level_high_becomes_active),
		cmocka_unit_test(test_irq_level_low_becomes_active),
		cmocka_unit_test(test_irq_level_not_latched),
		cmocka_unit_test(test_irq_level_unreadable_at_unmask),
		cmocka_unit_test(test_irq_type_change_to_active_level),
		cmocka_unit_test(test_irq_type_none_returns_held_pair),
		cmocka_unit_test(test_irq_type_none_drops_latch),
		cmocka_unit_test(test_irq_type_none_backend_failure),
		cmocka_unit_test(test_set_direction_none_returns_held_pair),
		cmocka_unit_test(test_set_direction_keeps_held_pair),
		cmocka_unit_test(test_irq_type_refused_holds_pair),
		cmocka_unit_test(test_irq_type_refused_returns_held_pair),
		cmocka_unit_test(test_irq_type_refused_then_accepted),
		cmocka_unit_test(test_irq_flush_returns_held_pairs),
		cmocka_unit_test(test_irq_flush_keeps_latch),
		cmocka_unit_test(test_irq_reset_drops_held_pairs),
		cmocka_unit_test(
			test_irq_type_change_between_edges_drops_latch),
		cmocka_unit_test(test_irq_type_same_type_keeps_latch),
		cmocka_unit_test(test_irq_report_bad_line_ignored),
		cmocka_unit_test(test_irq_over_simulated_chip),
		cmocka_unit_test(test_suspend_resets_device),
		cmocka_unit_test(test_resume_restores_lines),
		cmocka_unit_test(test_resume_restores_latch),
		cmocka_unit_test(test_resume_latches_edge_missed_meanwhile),
		cmocka_unit_test(test_resume_unknown_level_latches_nothing),
		cmocka_unit_test(test_resume_forgets_held_pair),
		cmocka_unit_test(test_resume_gives_back_pair_held_meanwhile),
		cmocka_unit_test(test_resume_without_suspend),
		cmocka_unit_test(test_reset_forgets_suspended_state),
		cmocka_unit_test(test_suspend_twice_keeps_guest_state),
		cmocka_unit_test(test_resume_direction_refused),
		cmocka_unit_test(test_resume_irq_type_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
