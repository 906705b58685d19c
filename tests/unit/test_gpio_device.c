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

#include "fake_backend.h"
#include "gpio_sim.h"

/* A device over a 4-line fake without names, calls recorded so far dropped. */
static struct gpio_device *device_new(struct fake **fake)
{
	*fake = fake_new(4, NULL, 0);
	return fake_device(*fake);
}

/*
 * A 4-line device over a fake with set_irq_type, VIRTIO_GPIO_F_IRQ
 * negotiated, pairs logged in @log; calls recorded so far dropped.
 */
static struct gpio_device *irq_device_new(struct fake **fake,
					  struct irq_done_log *log)
{
	struct gpio_device *dev;

	*fake = fake_new(4, NULL, FAKE_HAS_SET_IRQ_TYPE);
	dev = fake_device(*fake);
	irq_log_attach(dev, log);
	return dev;
}

/*
 * The fixture of most tests: the device of device_new() (T), or for most
 * interrupt tests, that of irq_device_new() (IRQ_TEST, IRQ_CASE).
 */
struct device_fx {
	struct fake *f;
	struct gpio_device *dev;
	struct irq_done_log log;
	unsigned int seen; /* pairs in log that STEPS checked */
	const void *param; /* the test table's initial state */
};

static int setup_with(void **state, bool irq)
{
	struct device_fx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->dev = irq ? irq_device_new(&t->f, &t->log) : device_new(&t->f);
	t->param = *state;
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, false);
}

static int irq_setup(void **state)
{
	return setup_with(state, true);
}

static int teardown(void **state)
{
	struct device_fx *t = *state;

	gpio_device_free(t->dev);
	free(t);
	return 0;
}

#define T(f)	    cmocka_unit_test_setup_teardown(f, setup, teardown)
#define IRQ_TEST(f) cmocka_unit_test_setup_teardown(f, irq_setup, teardown)
/* An interrupt test named @name: @f run with *@param as t->param. */
#define IRQ_CASE(name, f, param)                              \
	{                                                     \
		name, f, irq_setup, teardown, (void *)(param) \
	}

static void test_new_rejects_null_backend(void **state)
{
	struct gpio_device *dev = (void *)1;

	assert_int_equal(gpio_device_new(NULL, &dev), -EINVAL);
	assert_null(dev);
}

static void test_new_rejects_zero_lines(void **state)
{
	struct gpio_device *dev = (void *)1;
	struct fake *f = fake_new(0, NULL, 0);

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
	struct fake *f = fake_new(300, NULL, 0);

	assert_int_equal(sizeof(config), 8);
	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	memset(&config, POISON, sizeof(config));
	gpio_device_get_config(dev, &config);
	assert_memory_equal(&config, expect, sizeof(expect));
	assert_int_equal(gpio_device_ngpio(dev), 300);
	assert_int_equal(gpio_device_max_response_size(dev), 2);
	gpio_device_free(dev);
}

/* The device of a fake of @ngpio lines named @names (none: NULL). */
static struct gpio_device *named_device(uint16_t ngpio, char **names)
{
	struct gpio_device *dev;
	struct fake *f = fake_new(ngpio, names, 0);

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	return dev;
}

/* @dev's config space is @expect's 8 bytes. */
static void assert_config(struct gpio_device *dev, const uint8_t *expect)
{
	struct virtio_gpio_config config;

	gpio_device_get_config(dev, &config);
	assert_memory_equal(&config, expect, sizeof(config));
}

/*
 * GET_NAMES with a reply buffer of @size bytes at @resp, poisoned first:
 * gpio_device_handle_request()'s return, the reply's length in *@len.
 */
static int get_names(struct gpio_device *dev, uint8_t *resp, size_t size,
		     size_t *len)
{
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_GET_NAMES),
	};

	memset(resp, POISON, size);
	return gpio_device_handle_request(dev, &req, sizeof(req), resp, size,
					  len);
}

static void test_names_block_exact(void **state)
{
	static const char block[] = "MMC-CD\0\0\0Red LED Vdd\0~ !\0";
	char *names[] = {"MMC-CD", NULL, "", "Red LED Vdd", "~ !"};
	const uint8_t expect_config[8] = {5, 0, 0, 0, sizeof(block) - 1,
					  0, 0, 0};
	struct gpio_device *dev = named_device(5, names);
	uint8_t resp[64];
	size_t len = 0;

	assert_config(dev, expect_config);
	assert_int_equal(gpio_device_max_response_size(dev), sizeof(block));
	assert_int_equal(get_names(dev, resp, sizeof(resp), &len), 0);
	assert_int_equal(len, sizeof(block));
	assert_int_equal(resp[0], OK);
	assert_memory_equal(resp + 1, block, sizeof(block) - 1);
	assert_int_equal(resp[sizeof(block)], POISON);
	gpio_device_free(dev);
}

/*
 * The config space as the front-end reads it, any part of it: 300 lines
 * and a names block of 302 bytes ("a", "b", then 298 empty names),
 * little-endian, the padding zero.
 */
static void test_read_config(void **state)
{
	static const uint8_t config[8] = {0x2c, 0x01, 0, 0, 0x2e, 0x01, 0, 0};
	char *names[300] = {"a", "b"};
	struct gpio_device *dev;
	struct fake *f = fake_new(300, names, 0);
	uint8_t out[12];
	uint32_t offset, size;

	assert_int_equal(gpio_device_new(&f->be, &dev), 0);
	for (offset = 0; offset <= 8; offset++) {
		for (size = 0; offset + size <= 8; size++) {
			memset(out, POISON, sizeof(out));
			assert_int_equal(
				gpio_device_read_config(dev, offset, size, out),
				0);
			assert_memory_equal(out, config + offset, size);
			/* Not a byte more. */
			assert_int_equal(out[size], POISON);
		}
	}
	assert_int_equal(f->ncalls, 0);
	gpio_device_free(dev);
}

/* Past the end, or wrapping around: -EINVAL, and nothing written. */
static void test_read_config_out_of_range(void **state)
{
	static const uint32_t ranges[][2] = {
		{9, 0},		 {8, 1},	  {0, 9},
		{4, 5},		 {7, 2},	  {0xffffffff, 1},
		{1, 0xffffffff}, {8, 0xfffffff9}, {0xfffffff8, 8},
	};
	struct device_fx *t = *state;
	uint8_t out[8];
	unsigned int i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		print_message("# offset %u, size %u\n", ranges[i][0],
			      ranges[i][1]);
		memset(out, POISON, sizeof(out));
		assert_int_equal(gpio_device_read_config(t->dev, ranges[i][0],
							 ranges[i][1], out),
				 -EINVAL);
		assert_int_equal(out[0], POISON);
	}
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
	struct fake *f = fake_new(2, names, 0);
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
	struct gpio_device *dev = named_device(2, names);
	uint8_t resp[5];
	size_t len = 99;

	assert_int_equal(get_names(dev, resp, 4, &len), -ENOBUFS);
	assert_int_equal(len, 0);
	assert_int_equal(resp[0], POISON);
	gpio_device_free(dev);
}

/* No names at all: size 0 and a 1-byte ERR reply to GET_NAMES. */
static void check_no_names(char **names)
{
	static const uint8_t expect_config[8] = {3, 0, 0, 0, 0, 0, 0, 0};
	struct gpio_device *dev = named_device(3, names);
	uint8_t resp[4];
	size_t len = 0;

	assert_config(dev, expect_config);
	assert_int_equal(get_names(dev, resp, sizeof(resp), &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(resp[0], ERR);
	assert_int_equal(resp[1], POISON);

	/* One byte of room is enough for that reply. */
	assert_int_equal(get_names(dev, resp, 1, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(get_names(dev, resp, 0, &len), -ENOBUFS);
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
	struct fake *f = fake_new(ngpio, names, 0);

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
	struct device_fx *t = *state;
	uint8_t req[sizeof(struct virtio_gpio_request)] = {2, 0};
	uint8_t resp[2] = {POISON, POISON};
	size_t len = 99;

	assert_int_equal(gpio_device_handle_request(t->dev, req,
						    sizeof(req) - 1, resp,
						    sizeof(resp), &len),
			 -EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(gpio_device_handle_request(t->dev, req, 0, resp,
						    sizeof(resp), &len),
			 -EINVAL);
	assert_int_equal(resp[0], POISON);
	assert_int_equal(resp[1], POISON);
}

static void test_extra_request_bytes_ignored(void **state)
{
	struct device_fx *t = *state;
	/* GET_DIRECTION of line 1, then junk the device must not read. */
	const uint8_t req[12] = {2, 0, 1, 0, 0, 0, 0, 0, 9, 9, 9, 9};
	uint8_t resp[2];
	size_t len = 0;

	assert_int_equal(gpio_device_handle_request(t->dev, req, sizeof(req),
						    resp, sizeof(resp), &len),
			 0);
	assert_int_equal(len, 2);
	assert_int_equal(resp[0], OK);
	assert_int_equal(resp[1], DIR_NONE);
}

static void test_unaligned_request(void **state)
{
	struct device_fx *t = *state;
	/* SET_VALUE line 3 to 1, one byte into the buffer. */
	const uint8_t buf[9] = {0, 5, 0, 3, 0, 1, 0, 0, 0};
	uint8_t resp[3];
	size_t len = 0;

	assert_int_equal(gpio_device_handle_request(t->dev, buf + 1, 8,
						    resp + 1, 2, &len),
			 0);
	assert_int_equal(len, 2);
	assert_int_equal(resp[1], OK);
	assert_int_equal(set_dir(t->dev, 3, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 3, GPIO_DIRECTION_OUT, 1);
}

static void test_response_buffer_too_small(void **state)
{
	struct device_fx *t = *state;
	struct virtio_gpio_request req = {
		.type = htole16(VIRTIO_GPIO_MSG_SET_DIRECTION),
		.gpio = htole16(0),
		.value = htole32(DIR_IN),
	};
	uint8_t resp[2] = {POISON, POISON};
	size_t len = 99;

	assert_int_equal(gpio_device_handle_request(t->dev, &req, sizeof(req),
						    resp, 1, &len),
			 -ENOBUFS);
	assert_int_equal(len, 0);
	assert_int_equal(resp[0], POISON);
	/* Nothing reached the back-end either. */
	assert_int_equal(t->f->ncalls, 0);

	/* Also for requests that would only be answered with ERR. */
	req.type = htole16(99);
	assert_int_equal(gpio_device_handle_request(t->dev, &req, sizeof(req),
						    resp, 1, &len),
			 -ENOBUFS);
	assert_int_equal(resp[0], POISON);
}

static void test_bad_gpio(void **state)
{
	struct device_fx *t = *state;
	static const uint16_t types[] = {
		VIRTIO_GPIO_MSG_GET_DIRECTION, VIRTIO_GPIO_MSG_SET_DIRECTION,
		VIRTIO_GPIO_MSG_GET_VALUE,     VIRTIO_GPIO_MSG_SET_VALUE,
		VIRTIO_GPIO_MSG_IRQ_TYPE,
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(request(t->dev, types[i], 4, 0),
				 REPLY(ERR, 0));
		assert_int_equal(request(t->dev, types[i], 0xffff, 0),
				 REPLY(ERR, 0));
		assert_int_equal(request(t->dev, types[i], 0x0100, 0),
				 REPLY(ERR, 0));
	}
	assert_int_equal(t->f->ncalls, 0);
}

static void test_bad_type(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(request(t->dev, 0, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(t->dev, 7, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(t->dev, 0x0102, 0, 0), REPLY(ERR, 0));
	assert_int_equal(request(t->dev, 0xffff, 0, 0), REPLY(ERR, 0));
	assert_int_equal(t->f->ncalls, 0);
}

static void test_get_direction_initial_without_op(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(get_dir(t->dev, 3), REPLY(OK, DIR_NONE));
}

static struct gpio_device *device_new_with_dir(struct fake **fake,
					       enum gpio_direction dir, int ret)
{
	struct gpio_device *dev;
	struct fake *f = fake_new(2, NULL, FAKE_HAS_GET_DIRECTION);

	f->host_dir[0] = f->host_dir[1] = dir;
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
	assert_int_equal(get_dir(dev, 1), REPLY(OK, DIR_IN));
	gpio_device_free(dev);

	dev = device_new_with_dir(&f, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(get_dir(dev, 0), REPLY(OK, DIR_OUT));
	gpio_device_free(dev);

	/* A failing op or a nonsense answer count as NONE. */
	dev = device_new_with_dir(&f, GPIO_DIRECTION_IN, -EIO);
	assert_int_equal(get_dir(dev, 0), REPLY(OK, DIR_NONE));
	gpio_device_free(dev);

	dev = device_new_with_dir(&f, (enum gpio_direction)7, 0);
	assert_int_equal(get_dir(dev, 0), REPLY(OK, DIR_NONE));
	gpio_device_free(dev);
}

static void test_set_direction_in_and_out(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(set_dir(t->dev, 2, DIR_IN), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_IN, 0);
	assert_int_equal(get_dir(t->dev, 2), REPLY(OK, DIR_IN));

	assert_int_equal(set_dir(t->dev, 2, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 1, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(get_dir(t->dev, 2), REPLY(OK, DIR_OUT));
	/* Other lines are untouched. */
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_NONE));
	assert_int_equal(t->f->ncalls, 2);
}

static void test_set_direction_bad_value(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(set_dir(t->dev, 0, 3), REPLY(ERR, 0));
	/* Would be OUT if the device looked at the low byte only. */
	assert_int_equal(set_dir(t->dev, 0, 0x101), REPLY(ERR, 0));
	assert_int_equal(set_dir(t->dev, 0, 0xffffffff), REPLY(ERR, 0));
	assert_int_equal(t->f->ncalls, 0);
}

static void test_set_value_before_output(void **state)
{
	struct device_fx *t = *state;

	/* What Linux's direction_output sends. */
	assert_int_equal(set_val(t->dev, 1, 1), REPLY(OK, 0));
	assert_int_equal(t->f->ncalls, 0);
	assert_int_equal(set_dir(t->dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);

	/* Now an output: values go straight to the back-end. */
	assert_int_equal(set_val(t->dev, 1, 0), REPLY(OK, 0));
	assert_call(t->f, 1, FAKE_SET_VALUE, 1, 0, 0);
	assert_int_equal(set_val(t->dev, 1, 1), REPLY(OK, 0));
	assert_call(t->f, 2, FAKE_SET_VALUE, 1, 0, 1);

	/* The last value is kept across an input phase. */
	assert_int_equal(set_dir(t->dev, 1, DIR_IN), REPLY(OK, 0));
	assert_call(t->f, 3, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_IN, 0);
	assert_int_equal(set_val(t->dev, 1, 0), REPLY(OK, 0));
	assert_int_equal(set_val(t->dev, 1, 1), REPLY(OK, 0));
	assert_int_equal(t->f->ncalls, 4);
	assert_int_equal(set_dir(t->dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 4, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
}

static void test_set_value_bad_value(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(set_val(t->dev, 0, 2), REPLY(ERR, 0));
	assert_int_equal(set_val(t->dev, 0, 0x101), REPLY(ERR, 0));
	/* Nothing was remembered: the output starts low. */
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(set_val(t->dev, 0, 2), REPLY(ERR, 0));
	assert_int_equal(t->f->ncalls, 1);
}

static void test_set_direction_none_discards_state(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(set_val(t->dev, 0, 1), REPLY(OK, 0));
	assert_int_equal(set_dir(t->dev, 0, DIR_NONE), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_NONE, 0);
	assert_int_equal(get_dir(t->dev, 0), REPLY(OK, DIR_NONE));
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 1, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);

	/* Releasing an output forgets its value too. */
	assert_int_equal(set_val(t->dev, 0, 1), REPLY(OK, 0));
	assert_call(t->f, 2, FAKE_SET_VALUE, 0, 0, 1);
	assert_int_equal(set_dir(t->dev, 0, DIR_NONE), REPLY(OK, 0));
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 4, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
}

static void test_get_value(void **state)
{
	struct device_fx *t = *state;

	fake_set_levels(t->f, 1);
	assert_int_equal(get_val(t->dev, 3), REPLY(OK, 1));
	assert_call(t->f, 0, FAKE_GET_VALUE, 3, 0, 0);
	fake_set_levels(t->f, 0);
	assert_int_equal(get_val(t->dev, 3), REPLY(OK, 0));
	/* The guest gets 0 or 1 whatever the back-end says. */
	fake_set_levels(t->f, 0x80);
	assert_int_equal(get_val(t->dev, 3), REPLY(OK, 1));
}

static void test_backend_failures_keep_state(void **state)
{
	struct device_fx *t = *state;

	/* Line 0: an input with a remembered 1. */
	assert_int_equal(set_dir(t->dev, 0, DIR_IN), REPLY(OK, 0));
	assert_int_equal(set_val(t->dev, 0, 1), REPLY(OK, 0));

	t->f->set_direction_ret = -EBUSY;
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(ERR, 0));
	assert_int_equal(get_dir(t->dev, 0), REPLY(OK, DIR_IN));
	/* Still an input, so this is only remembered. */
	assert_int_equal(set_val(t->dev, 0, 1), REPLY(OK, 0));
	/* A failed release keeps direction and value. */
	assert_int_equal(set_dir(t->dev, 0, DIR_NONE), REPLY(ERR, 0));
	assert_int_equal(get_dir(t->dev, 0), REPLY(OK, DIR_IN));
	t->f->set_direction_ret = -EIO;
	assert_int_equal(set_dir(t->dev, 0, DIR_IN), REPLY(ERR, 0));
	assert_int_equal(get_dir(t->dev, 0), REPLY(OK, DIR_IN));
	t->f->set_direction_ret = 0;
	t->f->ncalls = 0;
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 1);

	/* A failed SET_VALUE on an output keeps the old value. */
	t->f->set_value_ret = -EIO;
	assert_int_equal(set_val(t->dev, 0, 0), REPLY(ERR, 0));
	assert_call(t->f, 1, FAKE_SET_VALUE, 0, 0, 0);
	t->f->set_value_ret = 0;
	assert_int_equal(set_dir(t->dev, 0, DIR_IN), REPLY(OK, 0));
	assert_int_equal(set_dir(t->dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 3, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 1);

	/* A failed GET_VALUE reports ERR with value 0. */
	fake_set_levels(t->f, 1);
	t->f->get_value_ret = -EIO;
	assert_int_equal(get_val(t->dev, 0), REPLY(ERR, 0));
}

static void test_irq_type_refused(void **state)
{
	struct device_fx *t = *state;
	static const uint32_t types[] = {
		T_NONE, T_RISE, T_FALL, T_BOTH, T_HIGH, T_LOW, 5, 0x100,
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(irq_type(t->dev, 0, types[i]), REPLY(ERR, 0));
	assert_int_equal(t->f->ncalls, 0);
}

static void test_reset(void **state)
{
	struct fake *f;
	struct gpio_device *dev = device_new_with_dir(&f, GPIO_DIRECTION_IN, 0);

	assert_int_equal(set_val(dev, 0, 1), REPLY(OK, 0));
	assert_int_equal(set_dir(dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_int_equal(set_val(dev, 1, 1), REPLY(OK, 0));
	assert_int_equal(set_dir(dev, 1, DIR_NONE), REPLY(OK, 0));
	assert_int_equal(set_val(dev, 1, 1), REPLY(OK, 0));
	f->ncalls = 0;

	gpio_device_reset(dev);
	assert_int_equal(f->ncalls, 3);
	assert_call(f, 0, FAKE_RESET, 0, 0, 0);
	assert_call(f, 1, FAKE_GET_DIRECTION, 0, 0, 0);
	assert_call(f, 2, FAKE_GET_DIRECTION, 1, 0, 0);
	assert_int_equal(get_dir(dev, 0), REPLY(OK, DIR_IN));
	assert_int_equal(get_dir(dev, 1), REPLY(OK, DIR_IN));
	/* Remembered values are gone. */
	assert_int_equal(set_dir(dev, 0, DIR_OUT), REPLY(OK, 0));
	assert_call(f, 3, FAKE_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, 0);
	assert_int_equal(set_dir(dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_call(f, 4, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 0);
	gpio_device_free(dev);
}

static void test_reset_without_get_direction(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(set_dir(t->dev, 2, DIR_IN), REPLY(OK, 0));
	t->f->ncalls = 0;
	gpio_device_reset(t->dev);
	assert_int_equal(t->f->ncalls, 1);
	assert_call(t->f, 0, FAKE_RESET, 0, 0, 0);
	assert_int_equal(get_dir(t->dev, 2), REPLY(OK, DIR_NONE));
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

	assert_int_equal(get_dir(dev, 65534), REPLY(OK, DIR_IN));
	assert_int_equal(get_val(dev, 65534), REPLY(OK, 0));
	assert_int_equal(get_dir(dev, 65535), REPLY(ERR, 0));
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
	assert_int_equal(get_val(dev, 2), REPLY(OK, 1));
	assert_int_equal(set_val(dev, 2, 0), REPLY(OK, 0));
	assert_int_equal(set_dir(dev, 2, DIR_OUT), REPLY(OK, 0));
	assert_int_equal(get_val(dev, 2), REPLY(OK, 0));
	assert_int_equal(gpio_sim_get_direction(be, 2), GPIO_DIRECTION_OUT);

	gpio_device_reset(dev);
	assert_int_equal(gpio_sim_get_direction(be, 2), GPIO_DIRECTION_IN);
	assert_int_equal(get_dir(dev, 2), REPLY(OK, DIR_IN));
	assert_int_equal(get_val(dev, 2), REPLY(OK, 1));
	gpio_device_free(dev);
}

static void irq_type_ok(struct gpio_device *dev, uint16_t gpio, uint32_t type)
{
	assert_int_equal(irq_type(dev, gpio, type), REPLY(OK, 0));
}

/*
 * STEPS' v and i: one more pair given back, the last so far, @token with
 * @status (assert_last_irq()); a failure names the STEPS @line.
 */
static void expect_next_pair(struct device_fx *t, uint16_t token,
			     uint8_t status, int line)
{
	const struct irq_done_log *log = &t->log;
	unsigned int last = log->ncalls ? log->ncalls - 1 : 0;

	if (log->ncalls != t->seen + 1 || log->calls[last].token != token ||
	    log->calls[last].status != status)
		fail_msg("line %d: expected token %u back with status %u as "
			 "pair %u, got %u pairs, the last token %u status %u",
			 line, token, status, t->seen + 1, log->ncalls,
			 log->calls[last].token, log->calls[last].status);
	t->seen++;
}

/*
 * STEPS(t, "a0=rise u0@1 r0=1 v1 q"): what the guest and the back-end do to
 * t->dev, and the pairs it must give back after them, one word each, in
 * order:
 *   a0=rise  IRQ_TYPE of line 0, accepted: none, rise, fall, both, high or
 *            low (irq_type_ok, as test_irq.c's STEPS arm a line)
 *   u0@1     the guest's unmask pair for line 0, token 1
 *   r0=1     the back-end reports line 0 at level 1 (fake_report)
 *   v1, i1   one more pair given back, the last so far: token 1, VALID or
 *            INVALID (assert_last_irq)
 *   q        no pair given back since the last v or i
 *   suspend, resume   gpio_device_suspend(), gpio_device_resume(): 0
 * A failure names the line of the STEPS.
 */
static void steps_at(struct device_fx *t, const char *steps, int line)
{
	const struct irq_done_log *log = &t->log;
	char word[16], *end;
	unsigned long gpio, arg;
	uint32_t type;
	int n, reply;

	for (; sscanf(steps, " %15s%n", word, &n) == 1; steps += n) {
		gpio = strtoul(word + 1, &end, 10);
		if (end == word + 1 || gpio > 0xffff)
			end = "?"; /* no line or token: only "q" is left */
		arg = end[0] && end[1] ? strtoul(end + 1, NULL, 10) : 0;
		if (word[0] == 'a' && end[0] == '=' &&
		    !irq_type_named(end + 1, &type)) {
			reply = irq_type(t->dev, (uint16_t)gpio, type);
			if (reply != REPLY(OK, 0))
				fail_msg("line %d: %s refused: reply 0x%x",
					 line, word, reply);
		} else if (word[0] == 'u' && end[0] == '@') {
			gpio_device_irq_unmask(t->dev, (uint16_t)gpio,
					       (uint16_t)arg);
		} else if (word[0] == 'r' && end[0] == '=') {
			fake_report(t->f, (unsigned int)gpio, (uint8_t)arg);
		} else if ((word[0] == 'v' || word[0] == 'i') && !*end) {
			expect_next_pair(t, (uint16_t)gpio,
					 word[0] == 'v' ? VALID : INVALID,
					 line);
		} else if (!strcmp(word, "q")) {
			if (log->ncalls != t->seen)
				fail_msg("line %d: %u pairs given back, "
					 "expected %u",
					 line, log->ncalls, t->seen);
		} else if (!strcmp(word, "suspend") ||
			   !strcmp(word, "resume")) {
			reply = word[0] == 's' ? gpio_device_suspend(t->dev)
					       : gpio_device_resume(t->dev);
			if (reply)
				fail_msg("line %d: %s: %d", line, word, reply);
		} else {
			fail_msg("line %d: no step \"%s\"", line, word);
		}
	}
}

#define STEPS(t, steps) steps_at(t, steps, __LINE__)

/*
 * An interrupt test that is only a STEPS script (SCRIPT), run on
 * irq_device_new()'s device (IRQ_SCRIPT); a failure names the line of its
 * SCRIPT.
 */
struct device_script {
	int line; /* of the SCRIPT */
	const char *steps;
};

#define SCRIPT(name, steps) \
	static const struct device_script name = {__LINE__, steps}

static void run_script(void **state)
{
	struct device_fx *t = *state;
	const struct device_script *script = t->param;

	steps_at(t, script->steps, script->line);
}

#define IRQ_SCRIPT(c) IRQ_CASE("test_" #c, run_script, &(c))

static const uint32_t irq_types_valid[] = {
	T_NONE, T_RISE, T_FALL, T_BOTH, T_HIGH, T_LOW,
};

#define NTYPES (sizeof(irq_types_valid) / sizeof(irq_types_valid[0]))

static void test_irq_type_feature_withdrawn(void **state)
{
	struct device_fx *t = *state;
	unsigned int i;

	gpio_device_set_irq_feature(t->dev, false);
	for (i = 0; i < NTYPES; i++)
		assert_int_equal(irq_type(t->dev, 1, irq_types_valid[i]),
				 REPLY(ERR, 0));
	assert_int_equal(t->f->ncalls, 0);
	/* Nothing got enabled: a pair comes straight back. */
	STEPS(t, "u1@7 i7");
}

/*
 * The features the driver acknowledged: VIRTIO_GPIO_F_IRQ turns
 * interrupts on or off, whatever else is there.
 */
static void test_set_features(void **state)
{
	static const struct {
		uint64_t features;
		bool irq;
	} cases[] = {
		{0, false},
		{1ull << VIRTIO_GPIO_F_IRQ, true},
		{1ull << 32, false}, /* VIRTIO_F_VERSION_1 */
		{~0ull, true},
		{~(1ull << VIRTIO_GPIO_F_IRQ), false},
		{GPIO_DEVICE_FEATURES | 1ull << 32, true},
	};
	struct device_fx *t = *state;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# features %#llx\n",
			      (unsigned long long)cases[i].features);
		gpio_device_set_features(t->dev, cases[i].features);
		assert_int_equal(gpio_device_has_irq_feature(t->dev),
				 cases[i].irq);
		assert_int_equal(irq_type(t->dev, 1, T_NONE),
				 cases[i].irq ? REPLY(OK, 0) : REPLY(ERR, 0));
	}
	assert_int_equal(t->log.ncalls, 0);
}

/*
 * An eventq pair as the driver queues it: a little-endian line number,
 * read from any alignment, extra bytes ignored; held like an unmask of that
 * line, and given back when the interrupt fires.
 */
static void test_irq_request(void **state)
{
	/* Line 1, then junk; line 1, one byte in; line 0x0100. */
	static const uint8_t line1[8] = {1,    0,    0xee, 0xee,
					 0xee, 0xee, 0xee, 0xee};
	static const uint8_t line1_unaligned[3] = {0xee, 1, 0};
	static const uint8_t line256[2] = {0, 1};
	struct device_fx *t = *state;

	irq_type_ok(t->dev, 1, T_RISE);
	assert_int_equal(gpio_device_irq_request(t->dev, line1, 2, 1, 7), 0);
	assert_int_equal(t->log.ncalls, 0);
	fake_report(t->f, 1, 1);
	assert_last_irq(&t->log, 1, 7, VALID);
	/* More room and more bytes than it needs: the same. */
	assert_int_equal(
		gpio_device_irq_request(t->dev, line1_unaligned + 1, 2, 8, 8),
		0);
	assert_int_equal(
		gpio_device_irq_request(t->dev, line1, sizeof(line1), 1, 9), 0);
	/* That was a second pair for line 1: given back at once. */
	assert_last_irq(&t->log, 2, 9, INVALID);
	fake_report(t->f, 1, 0);
	fake_report(t->f, 1, 1);
	assert_last_irq(&t->log, 3, 8, VALID);
	/*
	 * Line 256 of a 4-line device: given back at once, unused (not taken
	 * for line 0, which would hold it).
	 */
	irq_type_ok(t->dev, 0, T_RISE);
	assert_int_equal(gpio_device_irq_request(t->dev, line256, 2, 1, 10), 0);
	assert_last_irq(&t->log, 4, 10, INVALID);
}

/*
 * A pair too short to hold a line number, or with no room for the
 * response: -EINVAL, and the device neither holds it nor gives it back.
 */
static void test_irq_request_malformed(void **state)
{
	static const uint8_t line1[2] = {1, 0};
	struct device_fx *t = *state;

	irq_type_ok(t->dev, 1, T_RISE);
	assert_int_equal(gpio_device_irq_request(t->dev, line1, 1, 1, 1),
			 -EINVAL);
	assert_int_equal(gpio_device_irq_request(t->dev, line1, 0, 1, 2),
			 -EINVAL);
	assert_int_equal(gpio_device_irq_request(t->dev, line1, 2, 0, 3),
			 -EINVAL);
	assert_int_equal(t->log.ncalls, 0);
	/* Nothing is held for line 1: the next pair is, and fires. */
	assert_int_equal(gpio_device_irq_request(t->dev, line1, 2, 1, 4), 0);
	assert_int_equal(t->log.ncalls, 0);
	fake_report(t->f, 1, 1);
	assert_last_irq(&t->log, 1, 4, VALID);
	assert_int_equal(t->f->ncalls, 1);
}

static void test_irq_type_valid_types(void **state)
{
	struct device_fx *t = *state;
	unsigned int i;

	for (i = 0; i < NTYPES; i++) {
		irq_type_ok(t->dev, 1, irq_types_valid[i]);
		assert_call(t->f, i, FAKE_SET_IRQ_TYPE, 1, 0,
			    (uint8_t)irq_types_valid[i]);
	}
	assert_int_equal(t->f->ncalls, NTYPES);
	STEPS(t, "q");
}

static void test_irq_type_invalid_values(void **state)
{
	/* 0x101 and 0x104 would pass if only the low byte were checked. */
	static const uint32_t types[] = {5,  6,	    7,	   9,
					 16, 0x101, 0x104, 0xffffffff};
	struct device_fx *t = *state;
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(irq_type(t->dev, 0, types[i]), REPLY(ERR, 0));
		assert_int_equal(irq_type(t->dev, 1, types[i]), REPLY(ERR, 0));
	}
	assert_int_equal(t->f->ncalls, 0);

	/* Line 0 stays without an interrupt: its pair comes back. */
	gpio_device_irq_unmask(t->dev, 0, 1);
	assert_last_irq(&t->log, 1, 1, INVALID);
}

static void test_irq_type_invalid_keeps_old_type(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=rise");
	assert_int_equal(irq_type(t->dev, 0, 5), REPLY(ERR, 0));
	STEPS(t, "u0@1 q r0=1 v1");
}

/* A back-end that reports every change anyway has no set_irq_type. */
static void test_irq_type_without_backend_op(void **state)
{
	struct device_fx *t = *state;

	irq_log_attach(t->dev, &t->log);
	irq_type_ok(t->dev, 2, T_FALL);
	assert_int_equal(t->f->ncalls, 0);
	gpio_device_irq_unmask(t->dev, 2, 9);
	fake_report(t->f, 2, 0);
	assert_last_irq(&t->log, 1, 9, VALID);
}

SCRIPT(irq_unmask_without_irq_type,
       "u2@5 i5 "
       /* Nothing is held that an edge could fire. */
       "r2=1 r2=0 q");

SCRIPT(irq_unmask_twice, "a0=rise u0@1 q u0@2 i2 "
			 /* The first pair is still the one held. */
			 "r0=1 v1");

static void test_irq_unmask_bad_gpio(void **state)
{
	struct device_fx *t = *state;

	/* Line 0 is enabled: 0x10000 must not be taken for it. */
	irq_type_ok(t->dev, 0, T_RISE);
	gpio_device_irq_unmask(t->dev, 4, 10);
	gpio_device_irq_unmask(t->dev, 0xffff, 11);
	gpio_device_irq_unmask(t->dev, 0x10000, 12);
	gpio_device_irq_unmask(t->dev, 0xffffffff, 13);
	assert_int_equal(t->log.ncalls, 4);
	assert_irq_done(&t->log, 0, 10, INVALID);
	assert_irq_done(&t->log, 1, 11, INVALID);
	assert_irq_done(&t->log, 2, 12, INVALID);
	assert_irq_done(&t->log, 3, 13, INVALID);
	/* Line 0 has no pair: this one is held, not a second one. */
	gpio_device_irq_unmask(t->dev, 0, 14);
	assert_int_equal(t->log.ncalls, 4);
}

/* An edge type, the line it is tried on, its line's idle and active level. */
struct edge_case {
	uint32_t type;
	unsigned int line;
	uint8_t idle, active;
};

static const struct edge_case edge_rising = {T_RISE, 0, 0, 1};
static const struct edge_case edge_falling = {T_FALL, 1, 1, 0};

/* test_irq_edge_rising, test_irq_edge_falling */
static void run_irq_edge(void **state)
{
	struct device_fx *t = *state;
	const struct edge_case *c = t->param;

	irq_type_ok(t->dev, c->line, c->type);
	gpio_device_irq_unmask(t->dev, c->line, 1);
	fake_report(t->f, c->line, c->idle);
	STEPS(t, "q");
	fake_report(t->f, c->line, c->active);
	STEPS(t, "v1");
	/* The other edge while masked is not one to latch. */
	fake_report(t->f, c->line, c->idle);
	gpio_device_irq_unmask(t->dev, c->line, 2);
	STEPS(t, "q");
	fake_report(t->f, c->line, c->active);
	STEPS(t, "v2");
}

SCRIPT(irq_edge_both, "a3=both u3@1 r3=1 v1 u3@2 q r3=0 v2");

SCRIPT(irq_edge_only_on_its_line,
       "a0=both a1=both u0@100 u1@101 r1=1 v101 "
       /* Line 2 has no interrupt and line 0 must not see line 2's edge. */
       "r2=0 q r0=0 v100");

static void test_irq_edge_latched_while_masked(void **state)
{
	struct device_fx *t = *state;

	irq_type_ok(t->dev, 0, T_RISE);
	gpio_device_irq_unmask(t->dev, 0, 1);
	fake_report(t->f, 0, 1);
	assert_int_equal(t->log.ncalls, 1);
	/* Masked now: two rising edges, one interrupt. */
	fake_report(t->f, 0, 0);
	fake_report(t->f, 0, 1);
	fake_report(t->f, 0, 0);
	fake_report(t->f, 0, 1);
	assert_int_equal(t->log.ncalls, 1);
	gpio_device_irq_unmask(t->dev, 0, 2);
	assert_last_irq(&t->log, 2, 2, VALID);
	/* The latch is used up: the next pair waits for a new edge. */
	gpio_device_irq_unmask(t->dev, 0, 3);
	assert_int_equal(t->log.ncalls, 2);
	fake_report(t->f, 0, 0);
	fake_report(t->f, 0, 1);
	assert_last_irq(&t->log, 3, 3, VALID);
}

SCRIPT(irq_edge_before_irq_type_not_latched, "r0=1 a0=rise u0@1 q");

/* A level type and its line's active level. */
struct level_case {
	uint32_t type;
	uint8_t active;
};

static const struct level_case level_high = {T_HIGH, 1};
static const struct level_case level_low = {T_LOW, 0};

/* test_irq_level_{high,low}_active_at_unmask */
static void run_irq_level_active_at_unmask(void **state)
{
	struct device_fx *t = *state;
	const struct level_case *c = t->param;

	fake_set_levels(t->f, c->active);
	irq_type_ok(t->dev, 2, c->type);
	/* Nothing to fire before a pair is queued. */
	STEPS(t, "q");
	t->f->ncalls = 0;
	STEPS(t, "u2@1 v1");
	assert_int_equal(t->f->ncalls, 1);
	assert_call(t->f, 0, FAKE_GET_VALUE, 2, 0, 0);
	/* Still active: it fires again at every unmask. */
	STEPS(t, "u2@2 v2");
}

/* test_irq_level_{high,low}_becomes_active */
static void run_irq_level_becomes_active(void **state)
{
	struct device_fx *t = *state;
	const struct level_case *c = t->param;

	fake_set_levels(t->f, !c->active);
	irq_type_ok(t->dev, 1, c->type);
	STEPS(t, "u1@1 q");
	fake_report(t->f, 1, !c->active);
	STEPS(t, "q");
	fake_report(t->f, 1, c->active);
	STEPS(t, "v1");
}

static void test_irq_level_not_latched(void **state)
{
	struct device_fx *t = *state;

	fake_set_levels(t->f, 0);
	STEPS(t, "a0=high");
	/* Active and inactive again while masked: nothing to deliver. */
	STEPS(t, "r0=1 r0=0 u0@1 q");
}

static void test_irq_level_unreadable_at_unmask(void **state)
{
	struct device_fx *t = *state;

	fake_set_levels(t->f, 1);
	t->f->get_value_ret = -EIO;
	STEPS(t, "a0=high");
	/* Neither fired nor bounced: held until the level is known. */
	STEPS(t, "u0@1 q r0=1 v1");
}

static void test_irq_type_change_to_active_level(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=rise a1=rise u0@1 u1@2");
	/* Both lines high, no edge seen. */
	fake_set_levels(t->f, 1);
	STEPS(t, "a0=high v1");
	/* Inactive for LEVEL_LOW: the pair stays held. */
	STEPS(t, "a1=low q r1=0 v2");
}

static void test_irq_type_none_returns_held_pair(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=both u0@1");
	t->f->ncalls = 0;
	STEPS(t, "a0=none");
	assert_call(t->f, 0, FAKE_SET_IRQ_TYPE, 0, 0, T_NONE);
	STEPS(t, "i1 r0=1 q u0@2 i2");
}

SCRIPT(irq_type_none_drops_latch, "a0=rise r0=1 a0=none a0=rise u0@1 q");

/* Disabling works whatever the back-end says: nothing fires any more. */
static void test_irq_type_none_backend_failure(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=rise u0@1");
	t->f->set_irq_type_ret = -EIO;
	STEPS(t, "a0=none i1 u0@2 i2");
}

static void test_set_direction_none_returns_held_pair(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a1=rise u1@1");
	assert_int_equal(set_dir(t->dev, 1, DIR_NONE), REPLY(OK, 0));
	STEPS(t, "i1");
	/* The type is back to NONE: no edge fires, a new pair bounces. */
	STEPS(t, "r1=1 q u1@2 i2");
}

static void test_set_direction_keeps_held_pair(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a1=rise u1@1");
	assert_int_equal(set_dir(t->dev, 1, DIR_IN), REPLY(OK, 0));
	/* A release the back-end refuses changes nothing either. */
	t->f->set_direction_ret = -EBUSY;
	assert_int_equal(set_dir(t->dev, 1, DIR_NONE), REPLY(ERR, 0));
	STEPS(t, "q r1=1 v1");
}

/*
 * Linux's driver ignores a failed IRQ_TYPE, believes the interrupt enabled
 * and queues the pair again as soon as it comes back INVALID: bouncing it
 * would make a busy loop with the guest.  So the pair is held (and never
 * fires) until the guest sets another type.
 */
static void test_irq_type_refused_holds_pair(void **state)
{
	struct device_fx *t = *state;

	t->f->set_irq_type_ret = -EOPNOTSUPP;
	assert_int_equal(irq_type(t->dev, 2, T_RISE), REPLY(ERR, 0));
	assert_call(t->f, 0, FAKE_SET_IRQ_TYPE, 2, 0, T_RISE);
	STEPS(t, "u2@1 q r2=1 q");
	/* Still one pair per line. */
	STEPS(t, "u2@2 i2");

	t->f->set_irq_type_ret = 0;
	STEPS(t, "a2=none i1");
	/* Disabled for real now: pairs bounce. */
	STEPS(t, "u2@3 i3");
}

/* The old type is gone with the refusal, and its held pair with it. */
static void test_irq_type_refused_returns_held_pair(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=rise u0@1");
	t->f->set_irq_type_ret = -EINVAL;
	assert_int_equal(irq_type(t->dev, 0, T_HIGH), REPLY(ERR, 0));
	STEPS(t, "i1");
	/* The re-queued pair is held, and the old edge type is off. */
	STEPS(t, "u0@2 r0=1 q");
}

static void test_irq_type_refused_then_accepted(void **state)
{
	struct device_fx *t = *state;

	t->f->set_irq_type_ret = -EOPNOTSUPP;
	assert_int_equal(irq_type(t->dev, 3, T_BOTH), REPLY(ERR, 0));
	STEPS(t, "u3@1");
	t->f->set_irq_type_ret = 0;
	STEPS(t, "a3=fall q");
	/* The held pair now serves the accepted type. */
	STEPS(t, "r3=1 q r3=0 v1");
}

static void test_irq_flush_returns_held_pairs(void **state)
{
	struct device_fx *t = *state;

	irq_type_ok(t->dev, 0, T_RISE);
	irq_type_ok(t->dev, 1, T_RISE);
	irq_type_ok(t->dev, 3, T_HIGH);
	fake_set_levels(t->f, 0);
	gpio_device_irq_unmask(t->dev, 3, 30);
	gpio_device_irq_unmask(t->dev, 0, 10);
	gpio_device_irq_unmask(t->dev, 1, 11);
	assert_int_equal(t->log.ncalls, 0);
	gpio_device_irq_flush(t->dev);
	assert_int_equal(t->log.ncalls, 3);
	assert_irq_done(&t->log, 0, 10, INVALID);
	assert_irq_done(&t->log, 1, 11, INVALID);
	assert_irq_done(&t->log, 2, 30, INVALID);
	/* Nothing is held any more (a level type latches nothing). */
	gpio_device_irq_flush(t->dev);
	fake_report(t->f, 3, 1);
	fake_report(t->f, 3, 0);
	assert_int_equal(t->log.ncalls, 3);
	/* Types stay: a new pair is held and fires. */
	gpio_device_irq_unmask(t->dev, 1, 12);
	assert_int_equal(t->log.ncalls, 3);
	fake_report(t->f, 1, 1);
	assert_last_irq(&t->log, 4, 12, VALID);
}

static void test_irq_flush_keeps_latch(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=fall a1=fall u1@1 r0=0");
	gpio_device_irq_flush(t->dev);
	STEPS(t, "i1 u0@2 v2");
}

static void test_irq_reset_drops_held_pairs(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=both a1=high a2=rise");
	fake_set_levels(t->f, 0);
	STEPS(t, "u0@1 u1@2");
	fake_report(t->f, 2, 1); /* latched on line 2 */
	t->f->ncalls = 0;
	gpio_device_reset(t->dev);
	STEPS(t, "q");
	assert_int_equal(t->f->ncalls, 1);
	assert_call(t->f, 0, FAKE_RESET, 0, 0, 0);
	/* Nothing held, nothing enabled. */
	STEPS(t, "r0=0 r1=1 q u0@3 i3");
	/* Line 2's latch went too. */
	STEPS(t, "a2=rise u2@4 q");
}

SCRIPT(irq_type_change_between_edges_drops_latch,
       "a0=both r0=1 a0=rise u0@1 q");

/* Linux may send the same type again (irq_bus_sync_unlock): no news. */
SCRIPT(irq_type_same_type_keeps_latch, "a0=rise r0=1 a0=rise u0@1 v1");

static void test_irq_report_bad_line_ignored(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=rise u0@1 r4=1");
	fake_report(t->f, 0x10000, 1);
	fake_report(t->f, ~0u, 1);
	STEPS(t, "q");
}

/* The simulated chip's input changes reach the device's interrupts. */
static void test_irq_over_simulated_chip(void **state)
{
	struct irq_done_log log;
	struct gpio_backend *be;
	struct gpio_device *dev;

	assert_int_equal(gpio_sim_new(2, &be), 0);
	assert_int_equal(gpio_device_new(be, &dev), 0);
	irq_log_attach(dev, &log);
	irq_type_ok(dev, 1, T_RISE);
	gpio_device_irq_unmask(dev, 1, 5);
	assert_int_equal(gpio_sim_set_input(be, 0, 1), 0);
	assert_int_equal(log.ncalls, 0);
	assert_int_equal(gpio_sim_set_input(be, 1, 1), 0);
	assert_last_irq(&log, 1, 5, VALID);
	gpio_device_free(dev);
}

/*
 * Suspend and resume across a front-end reconnect.  The guest state used by
 * these tests: line 0 EDGE_RISING, line 1 an output driving 1, line 2 an
 * input, line 3 LEVEL_HIGH.
 */
static void guest_state_set(struct gpio_device *dev)
{
	irq_type_ok(dev, 0, T_RISE);
	assert_int_equal(set_val(dev, 1, 1), REPLY(OK, 0));
	assert_int_equal(set_dir(dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_int_equal(set_dir(dev, 2, DIR_IN), REPLY(OK, 0));
	irq_type_ok(dev, 3, T_HIGH);
}

/*
 * The back-end calls a resume of that state makes, in line order: the edge
 * line's level is read to see whether an edge came while nobody watched.
 */
static void assert_guest_state_restored(const struct fake *f)
{
	assert_int_equal(f->ncalls, 5);
	assert_call(f, 0, FAKE_SET_IRQ_TYPE, 0, 0, T_RISE);
	assert_call(f, 1, FAKE_GET_VALUE, 0, 0, 0);
	assert_call(f, 2, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
	assert_call(f, 3, FAKE_SET_DIRECTION, 2, GPIO_DIRECTION_IN, 0);
	assert_call(f, 4, FAKE_SET_IRQ_TYPE, 3, 0, T_HIGH);
}

static void test_suspend_resets_device(void **state)
{
	struct device_fx *t = *state;

	guest_state_set(t->dev);
	fake_set_levels(t->f, 0);
	STEPS(t, "u0@1 u3@2");
	t->f->ncalls = 0;
	assert_false(gpio_device_is_suspended(t->dev));
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	assert_true(gpio_device_is_suspended(t->dev));
	/* The edge line's level is kept, then everything is released. */
	assert_int_equal(t->f->ncalls, 2);
	assert_call(t->f, 0, FAKE_GET_VALUE, 0, 0, 0);
	assert_call(t->f, 1, FAKE_RESET, 0, 0, 0);
	/* Held pairs are dropped, not given back. */
	STEPS(t, "q");
	/* Meanwhile the device is as new. */
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_NONE));
	STEPS(t, "r0=1 q u0@3 i3");
}

static void test_resume_restores_lines(void **state)
{
	struct device_fx *t = *state;

	guest_state_set(t->dev);
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_resume(t->dev), 0);
	assert_false(gpio_device_is_suspended(t->dev));
	assert_guest_state_restored(t->f);
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_OUT));
	assert_int_equal(get_dir(t->dev, 2), REPLY(OK, DIR_IN));
	/* The interrupts work as before. */
	fake_set_levels(t->f, 1);
	STEPS(t, "u3@1 v1 u0@2 r0=0 r0=1 v2");
}

SCRIPT(resume_restores_latch, "a0=rise r0=1 suspend resume u0@1 v1");

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
		{T_RISE, 0, 1, true},  {T_RISE, 1, 0, false},
		{T_RISE, 1, 1, false}, {T_FALL, 1, 0, true},
		{T_FALL, 0, 1, false}, {T_BOTH, 0, 1, true},
		{T_BOTH, 1, 0, true},  {T_BOTH, 0, 0, false},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct irq_done_log log;
		struct fake *f;
		struct gpio_device *dev = irq_device_new(&f, &log);

		print_message("# case %u: type %u, level %u -> %u\n", i,
			      cases[i].type, cases[i].before, cases[i].after);
		irq_type_ok(dev, 0, cases[i].type);
		fake_set_levels(f, cases[i].before);
		assert_int_equal(gpio_device_suspend(dev), 0);
		fake_set_levels(f, cases[i].after);
		assert_int_equal(gpio_device_resume(dev), 0);
		gpio_device_irq_unmask(dev, 0, 4);
		if (cases[i].latched) {
			assert_last_irq(&log, 1, 4, VALID);
		} else {
			assert_int_equal(log.ncalls, 0);
		}
		gpio_device_free(dev);
	}
}

/* A level that cannot be read at the suspend latches nothing on resume. */
static void test_resume_unknown_level_latches_nothing(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a0=both");
	t->f->get_value_ret = -EIO;
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	t->f->get_value_ret = 0;
	fake_set_levels(t->f, 1);
	assert_int_equal(gpio_device_resume(t->dev), 0);
	STEPS(t, "u0@4 q");
}

/* The new front-end hands the held pair in again: it is not a second one. */
SCRIPT(resume_forgets_held_pair, "a0=rise u0@1 suspend resume u0@2 q r0=1 v2");

/*
 * A pair queued between suspend and resume (found by fuzz_gpio_device): the
 * restored line state must not overwrite it unanswered; it goes back INVALID
 * and the driver queues it again.
 */
SCRIPT(resume_gives_back_pair_held_meanwhile,
       "a0=rise suspend a1=rise u1@7 q resume i7");

static void test_resume_without_suspend(void **state)
{
	struct device_fx *t = *state;

	assert_int_equal(gpio_device_resume(t->dev), -ENOENT);
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	assert_int_equal(gpio_device_resume(t->dev), 0);
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_resume(t->dev), -ENOENT);
	assert_int_equal(t->f->ncalls, 0);
}

static void test_reset_forgets_suspended_state(void **state)
{
	struct device_fx *t = *state;

	guest_state_set(t->dev);
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	gpio_device_reset(t->dev);
	assert_false(gpio_device_is_suspended(t->dev));
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_resume(t->dev), -ENOENT);
	assert_int_equal(t->f->ncalls, 0);
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_NONE));
}

/*
 * A front-end may connect and go again before it starts a session (a
 * reconnect that fails half-way, a second daemon probing the socket): that
 * second suspend must not replace the guest's state with the blank one.
 */
static void test_suspend_twice_keeps_guest_state(void **state)
{
	struct device_fx *t = *state;

	guest_state_set(t->dev);
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	assert_true(gpio_device_is_suspended(t->dev));
	assert_int_equal(t->f->ncalls, 1);
	assert_call(t->f, 0, FAKE_RESET, 0, 0, 0);
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_resume(t->dev), 0);
	assert_guest_state_restored(t->f);
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_OUT));
}

static void test_resume_direction_refused(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a1=both");
	assert_int_equal(set_val(t->dev, 1, 1), REPLY(OK, 0));
	assert_int_equal(set_dir(t->dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	t->f->set_direction_ret = -EBUSY;
	t->f->ncalls = 0;
	assert_int_equal(gpio_device_resume(t->dev), -EIO);
	assert_false(gpio_device_is_suspended(t->dev));
	/* The line starts over released: no type, no remembered value. */
	assert_int_equal(t->f->ncalls, 1);
	assert_call(t->f, 0, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 1);
	assert_int_equal(get_dir(t->dev, 1), REPLY(OK, DIR_NONE));
	STEPS(t, "u1@1 i1");
	t->f->set_direction_ret = 0;
	assert_int_equal(set_dir(t->dev, 1, DIR_OUT), REPLY(OK, 0));
	assert_call(t->f, 1, FAKE_SET_DIRECTION, 1, GPIO_DIRECTION_OUT, 0);
}

/* As after a refused IRQ_TYPE: the pair is held, not bounced. */
static void test_resume_irq_type_refused(void **state)
{
	struct device_fx *t = *state;

	STEPS(t, "a2=fall");
	assert_int_equal(gpio_device_suspend(t->dev), 0);
	t->f->set_irq_type_ret = -EIO;
	assert_int_equal(gpio_device_resume(t->dev), -EIO);
	STEPS(t, "u2@1 r2=1 r2=0 q");
	t->f->set_irq_type_ret = 0;
	STEPS(t, "a2=none i1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_null_backend),
		cmocka_unit_test(test_new_rejects_zero_lines),
		cmocka_unit_test(test_free_destroys_backend),
		cmocka_unit_test(test_config_bytes_without_names),
		cmocka_unit_test(test_names_block_exact),
		cmocka_unit_test(test_read_config),
		T(test_read_config_out_of_range),
		cmocka_unit_test(test_names_exact_buffer_and_lenient_fields),
		cmocka_unit_test(test_names_buffer_too_small),
		cmocka_unit_test(test_names_null_array),
		cmocka_unit_test(test_names_all_unnamed),
		cmocka_unit_test(test_names_duplicate_rejected),
		cmocka_unit_test(test_names_not_printable_rejected),
		T(test_short_request),
		T(test_extra_request_bytes_ignored),
		T(test_unaligned_request),
		T(test_response_buffer_too_small),
		T(test_bad_gpio),
		T(test_bad_type),
		T(test_get_direction_initial_without_op),
		cmocka_unit_test(test_get_direction_initial_from_backend),
		T(test_set_direction_in_and_out),
		T(test_set_direction_bad_value),
		T(test_set_value_before_output),
		T(test_set_value_bad_value),
		T(test_set_direction_none_discards_state),
		T(test_get_value),
		T(test_backend_failures_keep_state),
		T(test_irq_type_refused),
		cmocka_unit_test(test_reset),
		T(test_reset_without_get_direction),
		cmocka_unit_test(test_largest_simulated_chip),
		cmocka_unit_test(test_over_simulated_chip),
		IRQ_TEST(test_irq_type_feature_withdrawn),
		IRQ_TEST(test_set_features),
		IRQ_TEST(test_irq_request),
		IRQ_TEST(test_irq_request_malformed),
		IRQ_TEST(test_irq_type_valid_types),
		IRQ_TEST(test_irq_type_invalid_values),
		IRQ_TEST(test_irq_type_invalid_keeps_old_type),
		T(test_irq_type_without_backend_op),
		IRQ_SCRIPT(irq_unmask_without_irq_type),
		IRQ_SCRIPT(irq_unmask_twice),
		IRQ_TEST(test_irq_unmask_bad_gpio),
		IRQ_CASE("test_irq_edge_rising", run_irq_edge, &edge_rising),
		IRQ_CASE("test_irq_edge_falling", run_irq_edge, &edge_falling),
		IRQ_SCRIPT(irq_edge_both),
		IRQ_SCRIPT(irq_edge_only_on_its_line),
		IRQ_TEST(test_irq_edge_latched_while_masked),
		IRQ_SCRIPT(irq_edge_before_irq_type_not_latched),
		IRQ_CASE("test_irq_level_high_active_at_unmask",
			 run_irq_level_active_at_unmask, &level_high),
		IRQ_CASE("test_irq_level_low_active_at_unmask",
			 run_irq_level_active_at_unmask, &level_low),
		IRQ_CASE("test_irq_level_high_becomes_active",
			 run_irq_level_becomes_active, &level_high),
		IRQ_CASE("test_irq_level_low_becomes_active",
			 run_irq_level_becomes_active, &level_low),
		IRQ_TEST(test_irq_level_not_latched),
		IRQ_TEST(test_irq_level_unreadable_at_unmask),
		IRQ_TEST(test_irq_type_change_to_active_level),
		IRQ_TEST(test_irq_type_none_returns_held_pair),
		IRQ_SCRIPT(irq_type_none_drops_latch),
		IRQ_TEST(test_irq_type_none_backend_failure),
		IRQ_TEST(test_set_direction_none_returns_held_pair),
		IRQ_TEST(test_set_direction_keeps_held_pair),
		IRQ_TEST(test_irq_type_refused_holds_pair),
		IRQ_TEST(test_irq_type_refused_returns_held_pair),
		IRQ_TEST(test_irq_type_refused_then_accepted),
		IRQ_TEST(test_irq_flush_returns_held_pairs),
		IRQ_TEST(test_irq_flush_keeps_latch),
		IRQ_TEST(test_irq_reset_drops_held_pairs),
		IRQ_SCRIPT(irq_type_change_between_edges_drops_latch),
		IRQ_SCRIPT(irq_type_same_type_keeps_latch),
		IRQ_TEST(test_irq_report_bad_line_ignored),
		cmocka_unit_test(test_irq_over_simulated_chip),
		IRQ_TEST(test_suspend_resets_device),
		IRQ_TEST(test_resume_restores_lines),
		IRQ_SCRIPT(resume_restores_latch),
		cmocka_unit_test(test_resume_latches_edge_missed_meanwhile),
		IRQ_TEST(test_resume_unknown_level_latches_nothing),
		IRQ_SCRIPT(resume_forgets_held_pair),
		IRQ_SCRIPT(resume_gives_back_pair_held_meanwhile),
		IRQ_TEST(test_resume_without_suspend),
		IRQ_TEST(test_reset_forgets_suspended_state),
		IRQ_TEST(test_suspend_twice_keeps_guest_state),
		IRQ_TEST(test_resume_direction_refused),
		IRQ_TEST(test_resume_irq_type_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
