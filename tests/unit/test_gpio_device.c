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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
