// SPDX-License-Identifier: MIT
/*
 * The character-device back-end without a kernel GPIO chip: the pure layer
 * (consumer, line configuration) directly, and the back-end against the
 * fake kernel of fake_kernel.h, which checks line configurations as
 * gpiolib-cdev does and counts every touch of every line.  Selection and
 * guest names alone are in test_gpio_selection.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/virtio_gpio.h>

#include <cmocka.h>

#include "backend_ops.h"
#include "device_list.h"
#include "fake_kernel.h"
#include "gpio_cdev.h"
#include "gpio_cdev_sys.h"
#include "gpio_names.h"
#include "log.h"

/* Line flags as the kernel sees them. */
#define IN	   GPIO_V2_LINE_FLAG_INPUT
#define OUT	   GPIO_V2_LINE_FLAG_OUTPUT
#define RISING	   GPIO_V2_LINE_FLAG_EDGE_RISING
#define FALLING	   GPIO_V2_LINE_FLAG_EDGE_FALLING
#define BOTH_EDGES (RISING | FALLING)

/*
 * The fake event loop and level listener.
 */

struct watch {
	int fd;
	void (*ready)(void *arg);
	void *arg;
};

static struct {
	struct watch watches[FAKE_FDS];
	unsigned int count;
	int fail_next; /* -errno for the next watch() */
} loop;

static int watch(void *ctx, int fd, void (*ready)(void *arg), void *arg)
{
	unsigned int i;

	assert_ptr_equal(ctx, &loop);
	if (loop.fail_next) {
		int ret = loop.fail_next;

		loop.fail_next = 0;
		return ret;
	}
	for (i = 0; i < loop.count; i++)
		assert_int_not_equal(loop.watches[i].fd, fd);
	loop.watches[loop.count++] = (struct watch){fd, ready, arg};
	return 0;
}

static void unwatch(void *ctx, int fd)
{
	unsigned int i;

	for (i = 0; i < loop.count; i++) {
		if (loop.watches[i].fd == fd) {
			loop.watches[i] = loop.watches[--loop.count];
			return;
		}
	}
	fail_msg("fd %d was not watched", fd);
}

static bool watched(int fd)
{
	unsigned int i;

	for (i = 0; i < loop.count; i++)
		if (loop.watches[i].fd == fd)
			return true;
	return false;
}

/* What epoll would do: run the fd's callback. */
static void fire(int fd)
{
	unsigned int i;

	for (i = 0; i < loop.count; i++) {
		if (loop.watches[i].fd == fd) {
			loop.watches[i].ready(loop.watches[i].arg);
			return;
		}
	}
	fail_msg("fd %d is not watched", fd);
}

static const struct gpio_fd_watcher watcher = {watch, unwatch, &loop};

static struct {
	unsigned int lines[16];
	uint8_t levels[16];
	unsigned int count;
} reports;

static void on_level(void *opaque, unsigned int line, uint8_t level)
{
	assert_true(reports.count < 16);
	reports.lines[reports.count] = line;
	reports.levels[reports.count++] = level;
}

/*
 * Fixtures: chip 0 has 8 named lines (LED_A, LED_B, BTN_1, ..., one
 * unnamed, a duplicate), chip 1 has 4 unnamed lines, chip 2 is labelled
 * like chip 0's twin, chip 3 is absent.
 */

static int setup(void **state)
{
	static const char *names0[8] = {"LED_A", "LED_B", "BTN_1", "",
					"DUP",	 "DUP",	  "BTN_2", "RESET"};
	unsigned int i;

	fake_kernel_reset();
	memset(&loop, 0, sizeof(loop));
	memset(&reports, 0, sizeof(reports));

	kernel.chips[0] = (struct fake_chip){.present = true,
					     .label = "gpio-sim.0-node0",
					     .nlines = 8,
					     .rdev = RDEV_CHIP(0)};
	for (i = 0; i < 8; i++)
		strcpy(kernel.chips[0].lines[i].name, names0[i]);
	kernel.chips[1] = (struct fake_chip){.present = true,
					     .label = "other",
					     .nlines = 4,
					     .rdev = RDEV_CHIP(1)};
	kernel.chips[2] = (struct fake_chip){.present = true,
					     .label = "twin",
					     .nlines = 2,
					     .rdev = RDEV_CHIP(2)};
	return 0;
}

static int teardown(void **state)
{
	gpio_cdev_sys_set(NULL);
	/* Every back-end was destroyed: nothing may stay open. */
	assert_int_equal(kernel.open_fds, 0);
	assert_int_equal(loop.count, 0);
	return 0;
}

static int group_setup(void **state)
{
	return fake_kernel_create();
}

static int group_teardown(void **state)
{
	return fake_kernel_remove();
}

/* Parses a one-entry device list. */
static void parse(const char *text, struct device_list *list)
{
	char err[256];

	assert_int_equal(device_list_parse(text, list, err, sizeof(err)), 0);
	assert_int_equal(list->count, 1);
}

/*
 * gpio_cdev_new() for the one entry of @list, with its message said about
 * that entry as the daemon says it ("entry N \"TEXT\": ...").
 */
static int cdev_new(const struct device_list *list, const char *consumer,
		    struct gpio_backend **be, char *err, size_t err_size)
{
	const struct device_spec *spec = &list->specs[0];
	struct gpio_cdev_spec cdev = {device_spec_chip(spec),
				      device_spec_lines(spec)};
	char why[256];
	int ret = gpio_cdev_new(&cdev, consumer, be, why, sizeof(why));

	if (ret < 0)
		device_spec_error(spec, err, err_size, "%s", why);
	return ret;
}

/* A back-end for @text, listening for levels, with the fake event loop. */
static struct gpio_backend *open_ok(const char *text)
{
	struct device_list list;
	struct gpio_backend *be;
	char err[256] = "";

	parse(text, &list);
	assert_int_equal(
		cdev_new(&list, "vhost-gpio:test0", &be, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	device_list_free(&list);
	be->level_changed = on_level;
	be->watcher = &watcher;
	return be;
}

static void open_fails(const char *text, int ret, const char *message)
{
	struct device_list list;
	struct gpio_backend *be = (void *)1;
	char err[256], expected[512];

	parse(text, &list);
	assert_int_equal(cdev_new(&list, "c", &be, err, sizeof(err)), ret);
	assert_null(be);
	/* Messages may name the fake /dev: written as "DIR" here. */
	if (message) {
		fake_kernel_message(message, expected, sizeof(expected));
		assert_string_equal(err, expected);
	}
	device_list_free(&list);
	assert_int_equal(kernel.open_fds, 0);
}

/* No line of chip @chip outside @selected (a bitmask) was ever touched. */
static void assert_untouched_except(int chip, unsigned int selected)
{
	unsigned int i;

	for (i = 0; i < kernel.chips[chip].nlines; i++) {
		if (selected & (1u << i))
			continue;
		assert_int_equal(kernel.chips[chip].lines[i].touches, 0);
		assert_int_equal(kernel.chips[chip].lines[i].requests, 0);
	}
}

static void assert_no_info_read_except(int chip, unsigned int selected)
{
	unsigned int i;

	for (i = 0; i < kernel.chips[chip].nlines; i++)
		if (!(selected & (1u << i)))
			assert_int_equal(kernel.chips[chip].lines[i].info_reads,
					 0);
}

/*
 * The pure layer.
 */

static void test_consumer(void **state)
{
	char c[GPIO_MAX_NAME_SIZE];

	gpio_cdev_consumer("/tmp/vhost-gpio.sock0", c);
	assert_string_equal(c, "vhost-gpio:vhost-gpio.sock0");
	gpio_cdev_consumer("gpio.sock12", c);
	assert_string_equal(c, "vhost-gpio:gpio.sock12");
	/* Cut to what the kernel keeps: 31 bytes and the NUL. */
	gpio_cdev_consumer("/run/a-very-long-socket-name-for-vm-7.sock0", c);
	assert_string_equal(c, "vhost-gpio:a-very-long-socket-n");
	assert_int_equal(strlen(c), GPIO_MAX_NAME_SIZE - 1);
}

/*
 * The line configuration for a direction, an output value and an
 * interrupt type: its flags, and the output value attribute it carries
 * (-1: none).
 */
static const struct {
	enum gpio_direction dir;
	uint8_t value;
	uint32_t irq_type;
	uint64_t flags;
	int out_value;
} line_configs[] = {
	{GPIO_DIRECTION_OUT, 1, T_NONE, OUT, 1},
	{GPIO_DIRECTION_OUT, 0, T_NONE, OUT, 0},
	{GPIO_DIRECTION_IN, 1, T_NONE, IN, -1},
	/* "As is": no direction at all. */
	{GPIO_DIRECTION_NONE, 0, T_NONE, 0, -1},
	{GPIO_DIRECTION_IN, 0, T_RISE, IN | RISING, -1},
	{GPIO_DIRECTION_IN, 0, T_FALL, IN | FALLING, -1},
	{GPIO_DIRECTION_IN, 0, T_BOTH, IN | BOTH_EDGES, -1},
	/* Level types are built from both edges. */
	{GPIO_DIRECTION_IN, 0, T_HIGH, IN | BOTH_EDGES, -1},
	{GPIO_DIRECTION_IN, 0, T_LOW, IN | BOTH_EDGES, -1},
	/* Edges need an input: "as is" asks for one. */
	{GPIO_DIRECTION_NONE, 0, T_BOTH, IN | BOTH_EDGES, -1},
	/* An output with edges is left for the kernel to refuse. */
	{GPIO_DIRECTION_OUT, 1, T_RISE, OUT | RISING, 1},
};

static void test_line_config(void **state)
{
	struct gpio_v2_line_config cfg;
	unsigned int i;

	for (i = 0; i < sizeof(line_configs) / sizeof(line_configs[0]); i++) {
		print_message("# configuration %u\n", i);
		memset(&cfg, 0xff, sizeof(cfg));
		gpio_cdev_line_config(line_configs[i].dir,
				      line_configs[i].value,
				      line_configs[i].irq_type, &cfg);
		assert_int_equal(cfg.flags, line_configs[i].flags);
		assert_int_equal(cfg.padding[0], 0);
		if (line_configs[i].out_value < 0) {
			assert_int_equal(cfg.num_attrs, 0);
			continue;
		}
		assert_int_equal(cfg.num_attrs, 1);
		assert_int_equal(cfg.attrs[0].attr.id,
				 GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
		assert_int_equal(cfg.attrs[0].attr.values,
				 line_configs[i].out_value);
		assert_int_equal(cfg.attrs[0].mask, 1);
	}
	/* The last is one the kernel refuses. */
	assert_int_not_equal(fake_kernel_flags_validate(cfg.flags), 0);
}

/*
 * Opening chips.
 */

static void test_open_by_number_path_label(void **state)
{
	char path[PATH_MAX];
	char text[PATH_MAX + 8];
	struct gpio_backend *be;

	be = open_ok("1");
	snprintf(path, sizeof(path), "%s/gpiochip1", kernel.dir);
	assert_true(gpio_cdev_is(be));
	assert_string_equal(gpio_cdev_chip_path(be), path);
	assert_int_equal(be->ngpio, 4);
	assert_null(be->read_only);
	gpio_backend_destroy(be);

	snprintf(text, sizeof(text), "%s/gpiochip1[2]", kernel.dir);
	be = open_ok(text);
	assert_string_equal(gpio_cdev_chip_path(be), path);
	assert_int_equal(be->ngpio, 1);
	gpio_backend_destroy(be);

	be = open_ok("@gpio-sim.0-node0[LED_A,BTN_1(ro)]");
	snprintf(path, sizeof(path), "%s/gpiochip0", kernel.dir);
	assert_string_equal(gpio_cdev_chip_path(be), path);
	assert_int_equal(be->ngpio, 2);
	assert_string_equal(be->names[0], "LED_A");
	assert_string_equal(be->names[1], "BTN_1");
	assert_non_null(be->read_only);
	assert_int_equal(be->read_only[0], 0);
	assert_int_equal(be->read_only[1], 1);
	gpio_backend_destroy(be);
	assert_false(gpio_cdev_is(NULL));
	assert_null(gpio_cdev_chip_path(NULL));
}

static void test_open_errors(void **state)
{
	char text[PATH_MAX];

	open_fails("3", -ENOENT, "entry 1 \"3\": DIR/gpiochip3 does not exist");
	snprintf(text, sizeof(text), "%s/null", kernel.dir);
	/* A real file that our fake open does not know: missing. */
	open_fails(text, -ENOENT, NULL);
	kernel.chips[1].not_chip = true;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO "
		   "chip");
	kernel.chips[1].not_chip = false;
	kernel.chips[1].not_chr = true;
	open_fails("1[0]", -ENOTTY,
		   "entry 1 \"1[0]\": DIR/gpiochip1 is not a "
		   "GPIO chip");
	kernel.chips[1].not_chr = false;
	kernel.chips[1].no_access = true;
	open_fails("1", -EACCES,
		   "entry 1 \"1\": cannot open DIR/gpiochip1: "
		   "Permission denied");
	open_fails("@nothing", -ENOENT,
		   "entry 1 \"@nothing\": no GPIO chip in "
		   "DIR is labelled \"nothing\" (some "
		   "could not be opened)");
	kernel.chips[1].no_access = false;
	open_fails("@nothing", -ENOENT,
		   "entry 1 \"@nothing\": no GPIO chip in "
		   "DIR is labelled \"nothing\"");
	open_fails("0[9]", -EINVAL, NULL);
	open_fails("0[NOPE]", -EINVAL, NULL);
	open_fails("0[DUP]", -EINVAL, NULL);
	open_fails("0[1,LED_B]", -EINVAL, NULL);
}

/*
 * Nothing but a GPIO chip is opened for real: not a file that is no
 * character device, nor a character device that sysfs shows as a tty or a
 * watchdog (the fake kernel would answer the chip-info ioctl on them: only
 * the checks before opening stop it), nor a device number sysfs does not
 * know.
 */
static void test_open_only_gpio_chips(void **state)
{
	static const char message[] =
		"entry 1 \"1\": DIR/gpiochip1 is not a GPIO chip";
	const dev_t others[] = {RDEV_TTY, RDEV_WATCHDOG, RDEV_UNKNOWN};
	struct gpio_backend *be;
	unsigned int i;

	kernel.chips[1].not_chr = true;
	open_fails("1", -ENOTTY, message);
	kernel.chips[1].not_chr = false;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		kernel.chips[1].rdev = others[i];
		open_fails("1", -ENOTTY, message);
	}
	assert_int_equal(kernel.chips[1].opens, 0);
	/* A chip is opened, once. */
	kernel.chips[1].rdev = RDEV_CHIP(1);
	be = open_ok("1");
	assert_int_equal(kernel.chips[1].opens, 1);
	gpio_backend_destroy(be);
}

/*
 * Without sysfs the chip-info ioctl decides, on a descriptor opened
 * non-blocking and without becoming a controlling terminal (fake_reopen
 * checks the flags).
 */
static void test_open_without_sysfs(void **state)
{
	char missing[PATH_MAX];
	struct gpio_backend *be;

	snprintf(missing, sizeof(missing), "%s/no-sys", kernel.dir);
	kernel.sys.sys_dir = missing;
	kernel.chips[1].rdev = RDEV_TTY;
	kernel.chips[1].not_chip = true;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO chip");
	assert_int_equal(kernel.chips[1].opens, 1);
	be = open_ok("0");
	gpio_backend_destroy(be);
	kernel.sys.sys_dir = kernel.sys_dir;
}

/*
 * The path led to another device by the time it was opened (reopened by
 * name when /proc is missing): refused, both descriptors closed.
 */
static void test_open_changed_while_opening(void **state)
{
	kernel.chips[1].swap_to = 2 + 1;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO chip");
	assert_int_equal(kernel.chips[2].opens, 1);
}

/* A label is looked for among GPIO chips only: the others are not opened. */
static void test_open_label_skips_other_devices(void **state)
{
	struct gpio_backend *be;

	kernel.chips[2].rdev = RDEV_TTY;
	open_fails("@twin", -ENOENT,
		   "entry 1 \"@twin\": no GPIO chip in DIR is labelled "
		   "\"twin\"");
	be = open_ok("@other");
	assert_int_equal(be->ngpio, 4);
	gpio_backend_destroy(be);
	assert_int_equal(kernel.chips[2].opens, 0);
	/* Two scans (each opens every chip), then the one for use. */
	assert_int_equal(kernel.chips[1].opens, 3);
}

static void test_open_label_ambiguous(void **state)
{
	strcpy(kernel.chips[2].label, "gpio-sim.0-node0");
	open_fails("@gpio-sim.0-node0", -EINVAL,
		   "entry 1 \"@gpio-sim.0-node0\": DIR/gpiochip0 and "
		   "DIR/gpiochip2 are both labelled \"gpio-sim.0-node0\"; name "
		   "the chip by path");
}

static void test_open_label_cut_by_kernel(void **state)
{
	struct gpio_backend *be;

	/* The kernel reports 31 bytes of a longer label. */
	strcpy(kernel.chips[2].label, "0123456789012345678901234567890");
	be = open_ok("@0123456789012345678901234567890123");
	assert_int_equal(be->ngpio, 2);
	gpio_backend_destroy(be);
	be = open_ok("@0123456789012345678901234567890");
	gpio_backend_destroy(be);
	open_fails("@012345678901234567890123456789", -ENOENT, NULL);
}

static void test_names_from_selected_lines_only(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");

	assert_int_equal(be->ngpio, 4);
	assert_null(be->names[0]); /* unnamed on the host */
	/* Line 5 is the second "DUP", but line 4 is not selected. */
	assert_string_equal(be->names[1], "DUP");
	assert_string_equal(be->names[2], "BTN_2");
	assert_string_equal(be->names[3], "RESET");
	assert_no_info_read_except(0, 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7);
	assert_untouched_except(0, 0);
	gpio_backend_destroy(be);
}

static void test_duplicate_host_names_unnamed(void **state)
{
	struct gpio_backend *be = open_ok("0");

	assert_int_equal(be->ngpio, 8);
	assert_string_equal(be->names[4], "DUP");
	assert_null(be->names[5]);
	assert_null(be->names[3]);
	gpio_backend_destroy(be);
}

/* Runs @fn(@be) with stderr going to a file; returns what it wrote. */
static char *captured_stderr(void (*fn)(struct gpio_backend **be, void *arg),
			     struct gpio_backend **be, void *arg)
{
	static char buf[1024];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn(be, arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void do_open(struct gpio_backend **be, void *arg)
{
	*be = open_ok(arg);
}

static void do_warn(struct gpio_backend **be, void *arg)
{
	gpio_cdev_warn_unnamed(*be);
}

static void test_unnamed_warned_only_when_asked(void **state)
{
	struct gpio_backend *be = NULL;
	char expected[256];
	const char *out;

	log_set_level(LOG_LEVEL_WARN);
	/* Opening prints nothing: a start-up error must stay one line. */
	out = captured_stderr(do_open, &be, "0[4,5,6]");
	assert_string_equal(out, "");
	assert_string_equal(be->names[0], "DUP");
	assert_null(be->names[1]);
	out = captured_stderr(do_warn, &be, NULL);
	snprintf(expected, sizeof(expected),
		 "vhost-device-gpio: warning: %s/gpiochip0 line 5 (guest line "
		 "1): the name \"DUP\" is already guest line 0's; the guest "
		 "sees the line unnamed\n",
		 kernel.dir);
	log_set_level(LOG_LEVEL_ERROR);
	assert_string_equal(out, expected);
	gpio_cdev_warn_unnamed(NULL);
	gpio_backend_destroy(be);
}

/*
 * Serving lines.
 */

static void test_output_request(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");
	struct fake_line *l6 = &kernel.chips[0].lines[6];
	uint8_t v = 9;

	/* Nothing is requested at start-up. */
	assert_int_equal(l6->requests, 0);
	/* Guest line 2 is host line 6: the value comes with the request. */
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_OUT, 1), 0);
	assert_int_equal(l6->requests, 1);
	assert_string_equal(l6->consumer, "vhost-gpio:test0");
	assert_int_equal(kernel.last_request.offsets[0], 6);
	assert_int_equal(kernel.last_request.config.flags, OUT);
	assert_int_equal(kernel.last_request.config.attrs[0].attr.values, 1);
	assert_true(l6->is_out);
	assert_int_equal(l6->value, 1);

	assert_int_equal(be_set_val(be, 2, 0), 0);
	assert_int_equal(l6->value, 0);
	assert_int_equal(be->ops->get_value(be, 2, &v), 0);
	assert_int_equal(v, 0);

	/* Later changes reconfigure the same request. */
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_IN, 0), 0);
	assert_false(l6->is_out);
	assert_int_equal(kernel.last_config.flags, IN);
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_OUT, 1), 0);
	assert_int_equal(kernel.last_config.flags, OUT);
	assert_int_equal(l6->value, 1);
	assert_int_equal(l6->requests, 1);
	assert_int_equal(kernel.set_configs, 2);

	/* NONE gives the line back. */
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_NONE, 0), 0);
	assert_string_equal(l6->consumer, "");
	assert_int_equal(fake_kernel_request_fd(0, 6), -1);
	assert_untouched_except(0, 1u << 6);
	gpio_backend_destroy(be);
}

static void test_get_value_requests_as_is(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");
	struct fake_line *l3 = &kernel.chips[0].lines[3];
	uint8_t v = 9;

	l3->is_out = true;
	l3->value = 1;
	assert_int_equal(be->ops->get_value(be, 0, &v), 0);
	assert_int_equal(v, 1);
	/* No direction flag: the host output stays an output. */
	assert_int_equal(kernel.last_request.config.flags, 0);
	assert_true(l3->is_out);
	assert_string_equal(l3->consumer, "vhost-gpio:test0");
	/* Kept until NONE or reset. */
	assert_int_equal(be->ops->get_value(be, 0, &v), 0);
	assert_int_equal(l3->requests, 1);
	be->ops->reset(be);
	assert_string_equal(l3->consumer, "");
	assert_untouched_except(0, 1u << 3);
	gpio_backend_destroy(be);
}

static void test_set_value_on_host_output(void **state)
{
	struct gpio_backend *be = open_ok("1");
	struct fake_line *l0 = &kernel.chips[1].lines[0];
	enum gpio_direction dir = GPIO_DIRECTION_NONE;

	l0->is_out = true;
	assert_int_equal(be->ops->get_direction(be, 0, &dir), 0);
	assert_int_equal(dir, GPIO_DIRECTION_OUT);
	assert_int_equal(be->ops->get_direction(be, 1, &dir), 0);
	assert_int_equal(dir, GPIO_DIRECTION_IN);
	/* The device model believes it an output: it becomes ours as one. */
	assert_int_equal(be_set_val(be, 0, 1), 0);
	assert_int_equal(kernel.last_request.config.flags, OUT);
	assert_int_equal(l0->value, 1);
	/* An "as is" request turned into an output by SET_CONFIG. */
	l0 = &kernel.chips[1].lines[1];
	l0->is_out = true;
	assert_int_equal(be->ops->get_value(be, 1, &(uint8_t){0}), 0);
	assert_int_equal(be_set_val(be, 1, 1), 0);
	assert_int_equal(kernel.last_config.flags, OUT);
	assert_int_equal(l0->value, 1);
	assert_int_equal(l0->requests, 1);
	gpio_backend_destroy(be);
}

static void test_edges(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");
	int fd;

	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_IN, 0), 0);
	fd = fake_kernel_request_fd(0, 5);
	assert_false(watched(fd));
	assert_int_equal(be_set_irq(be, 1, T_BOTH), 0);
	assert_int_equal(kernel.last_config.flags, IN | BOTH_EDGES);
	assert_true(watched(fd));

	fake_kernel_queue_event(0, 5, GPIO_V2_LINE_EVENT_RISING_EDGE);
	fake_kernel_queue_event(0, 5, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	fake_kernel_queue_event(0, 5, GPIO_V2_LINE_EVENT_RISING_EDGE);
	kernel.fds[fd - FD_BASE].reads = 0;
	fire(fd);
	/* A short read emptied the queue: no second read to hear EAGAIN. */
	assert_int_equal(kernel.fds[fd - FD_BASE].reads, 1);
	assert_int_equal(reports.count, 3);
	assert_int_equal(reports.lines[0], 1);
	assert_int_equal(reports.levels[0], 1);
	assert_int_equal(reports.levels[1], 0);
	assert_int_equal(reports.levels[2], 1);

	/* Rising only; then level types use both edges. */
	assert_int_equal(be_set_irq(be, 1, T_RISE), 0);
	assert_int_equal(kernel.last_config.flags, IN | RISING);
	assert_int_equal(be_set_irq(be, 1, T_LOW), 0);
	assert_int_equal(kernel.last_config.flags, IN | BOTH_EDGES);
	assert_true(watched(fd));

	/* Off: unwatched, queued edges thrown away, still an input. */
	fake_kernel_queue_event(0, 5, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	assert_int_equal(be_set_irq(be, 1, T_NONE), 0);
	assert_int_equal(kernel.last_config.flags, IN);
	assert_false(watched(fd));
	assert_int_equal(kernel.fds[fd - FD_BASE].nevents, 0);
	assert_int_equal(fake_kernel_request_fd(0, 5), fd);
	assert_int_equal(reports.count, 3);
	/* NONE again, or on a line never requested: nothing touched. */
	assert_int_equal(be_set_irq(be, 1, T_NONE), 0);
	assert_int_equal(be_set_irq(be, 0, T_NONE), 0);
	assert_int_equal(kernel.chips[0].lines[3].touches, 0);
	assert_untouched_except(0, 1u << 5);
	gpio_backend_destroy(be);
}

static void test_edges_on_untouched_line(void **state)
{
	struct gpio_backend *be = open_ok("1");
	int fd;

	assert_int_equal(be_set_irq(be, 3, T_HIGH), 0);
	assert_int_equal(kernel.last_request.config.flags,
			 IN | RISING | FALLING);
	fd = fake_kernel_request_fd(1, 3);
	assert_true(watched(fd));
	/* Disabling keeps it an input: the kernel only stops edges then. */
	assert_int_equal(be_set_irq(be, 3, T_NONE), 0);
	assert_int_equal(kernel.last_config.flags, IN);
	assert_false(watched(fd));
	/* A line read "as is" becomes an input for its edges, and stays. */
	assert_int_equal(be->ops->get_value(be, 2, &(uint8_t){0}), 0);
	assert_int_equal(kernel.last_request.config.flags, 0);
	assert_int_equal(be_set_irq(be, 2, T_BOTH), 0);
	assert_int_equal(be_set_irq(be, 2, T_NONE), 0);
	assert_int_equal(kernel.chips[1].lines[2].flags, IN);
	assert_false(watched(fake_kernel_request_fd(1, 2)));
	/* Reset while watched: unwatched and released. */
	assert_int_equal(be_set_irq(be, 3, T_BOTH), 0);
	assert_true(watched(fd));
	be->ops->reset(be);
	assert_false(watched(fd));
	assert_int_equal(fake_kernel_request_fd(1, 3), -1);
	gpio_backend_destroy(be);
}

static void test_edges_refused_on_output(void **state)
{
	struct gpio_backend *be = open_ok("1");

	assert_int_equal(be_set_dir(be, 0, GPIO_DIRECTION_OUT, 1), 0);
	assert_int_equal(be_set_irq(be, 0, T_RISE), -EINVAL);
	/* Still the one request, unwatched. */
	assert_int_equal(kernel.chips[1].lines[0].requests, 1);
	assert_false(watched(fake_kernel_request_fd(1, 0)));
	assert_true(kernel.chips[1].lines[0].is_out);
	assert_int_equal(kernel.chips[1].lines[0].value, 1);
	/* And an input with edges cannot become an output. */
	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_IN, 0), 0);
	assert_int_equal(be_set_irq(be, 1, T_RISE), 0);
	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_OUT, 1), -EINVAL);
	assert_false(kernel.chips[1].lines[1].is_out);
	assert_true(watched(fake_kernel_request_fd(1, 1)));
	gpio_backend_destroy(be);
	assert_int_equal(loop.count, 0);
}

static void test_edges_without_loop(void **state)
{
	struct gpio_backend *be = open_ok("1");

	be->watcher = NULL;
	assert_int_equal(be_set_irq(be, 0, T_RISE), -EOPNOTSUPP);
	assert_int_equal(kernel.chips[1].lines[0].touches, 0);
	be->watcher = &watcher;

	/* A watch that fails leaves no edge detection behind. */
	loop.fail_next = -ENOMEM;
	assert_int_equal(be_set_irq(be, 0, T_RISE), -ENOMEM);
	assert_int_equal(fake_kernel_request_fd(1, 0), -1);
	assert_string_equal(kernel.chips[1].lines[0].consumer, "");
	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_IN, 0), 0);
	loop.fail_next = -ENOMEM;
	assert_int_equal(be_set_irq(be, 1, T_RISE), -ENOMEM);
	assert_int_equal(kernel.chips[1].lines[1].flags, IN);
	gpio_backend_destroy(be);
}

static void test_busy_line(void **state)
{
	struct gpio_backend *be = open_ok("0[LED_A,LED_B]");
	uint8_t v;

	strcpy(kernel.chips[0].lines[1].consumer, "gpioset");
	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_OUT, 1), -EBUSY);
	assert_int_equal(be->ops->get_value(be, 1, &v), -EBUSY);
	assert_int_equal(be_set_val(be, 1, 1), -EBUSY);
	assert_int_equal(be_set_irq(be, 1, T_BOTH), -EBUSY);
	assert_string_equal(kernel.chips[0].lines[1].consumer, "gpioset");
	assert_int_equal(loop.count, 0);
	/* The other line is served. */
	assert_int_equal(be_set_dir(be, 0, GPIO_DIRECTION_OUT, 1), 0);
	/* Freed by its holder: the next request works. */
	kernel.chips[0].lines[1].consumer[0] = '\0';
	assert_int_equal(be_set_dir(be, 1, GPIO_DIRECTION_IN, 0), 0);
	gpio_backend_destroy(be);
}

static void test_chip_gone(void **state)
{
	struct gpio_backend *be = open_ok("1");
	enum gpio_direction dir;
	uint8_t v;
	int fd;

	assert_int_equal(be_set_irq(be, 2, T_BOTH), 0);
	fd = fake_kernel_request_fd(1, 2);
	kernel.chips[1].gone = true;
	assert_int_equal(be_set_dir(be, 0, GPIO_DIRECTION_IN, 0), -ENODEV);
	assert_int_equal(be->ops->get_value(be, 2, &v), -ENODEV);
	assert_int_equal(be->ops->get_direction(be, 1, &dir), -ENODEV);
	/* The request fd hangs up: read fails, the fd leaves the loop. */
	kernel.fds[fd - FD_BASE].read_errno = ENODEV;
	fire(fd);
	assert_false(watched(fd));
	assert_int_equal(reports.count, 0);
	/* Disabling fails too; the device model disables its side anyway. */
	assert_int_equal(be_set_irq(be, 2, T_NONE), -ENODEV);
	/* NONE always releases. */
	assert_int_equal(be_set_dir(be, 2, GPIO_DIRECTION_NONE, 0), 0);
	assert_int_equal(fake_kernel_request_fd(1, 2), -1);
	gpio_backend_destroy(be);
}

/* A listener that releases the line it hears about (the guest's NONE). */
static struct gpio_backend *release_on_report;

static void on_level_release(void *opaque, unsigned int line, uint8_t level)
{
	on_level(opaque, line, level);
	release_on_report->ops->set_direction(release_on_report, line,
					      GPIO_DIRECTION_NONE, 0);
}

static void test_events_stop_when_line_released(void **state)
{
	struct gpio_backend *be = open_ok("1");
	int fd;

	assert_int_equal(be_set_irq(be, 0, T_BOTH), 0);
	fd = fake_kernel_request_fd(1, 0);
	fake_kernel_queue_event(1, 0, GPIO_V2_LINE_EVENT_RISING_EDGE);
	fake_kernel_queue_event(1, 0, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	/* The fd is closed after the first edge: nothing more is read. */
	release_on_report = be;
	be->level_changed = on_level_release;
	fire(fd);
	assert_int_equal(reports.count, 1);
	assert_int_equal(reports.levels[0], 1);
	assert_false(watched(fd));
	assert_int_equal(fake_kernel_request_fd(1, 0), -1);
	gpio_backend_destroy(be);
}

static void test_shares_line(void **state)
{
	struct gpio_backend *a = open_ok("0[3,5-7]");
	struct gpio_backend *b = open_ok("@gpio-sim.0-node0[LED_A,RESET]");
	struct gpio_backend *c = open_ok("0[0-2]");
	struct gpio_backend *d = open_ok("1");
	unsigned int la, lb;
	uint32_t offset;

	assert_true(gpio_cdev_shares_line(a, b, &la, &lb, &offset));
	assert_int_equal(offset, 7);
	assert_int_equal(la, 3);
	assert_int_equal(lb, 1);
	assert_true(gpio_cdev_shares_line(b, c, &la, &lb, &offset));
	assert_int_equal(offset, 0);
	assert_false(gpio_cdev_shares_line(a, c, &la, &lb, &offset));
	/* Another chip: offsets do not compare. */
	assert_false(gpio_cdev_shares_line(c, d, &la, &lb, &offset));
	assert_false(gpio_cdev_shares_line(NULL, d, &la, &lb, &offset));
	gpio_backend_destroy(a);
	gpio_backend_destroy(b);
	gpio_backend_destroy(c);
	gpio_backend_destroy(d);
}

static void test_only_selected_lines_touched(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7(ro)]");
	enum gpio_direction dir;
	unsigned int i;
	uint8_t v;

	for (i = 0; i < be->ngpio; i++) {
		assert_int_equal(be->ops->get_direction(be, i, &dir), 0);
		be_set_dir(be, i, GPIO_DIRECTION_IN, 0);
		be->ops->get_value(be, i, &v);
		be_set_irq(be, i, T_BOTH);
		be_set_irq(be, i, T_NONE);
		be_set_dir(be, i, GPIO_DIRECTION_OUT, 1);
		be_set_val(be, i, 0);
	}
	be->ops->reset(be);
	assert_untouched_except(0, 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7);
	assert_no_info_read_except(0, 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7);
	assert_int_equal(be->read_only[3], 1);
	assert_int_equal(be->read_only[0], 0);
	gpio_backend_destroy(be);
}

/*
 * The operator's line settings.
 */

/* @cfg has exactly @flags, the debounce period @us (0: no attribute) and,
 * if @value >= 0, the output value @value. */
static void check_config(const struct gpio_v2_line_config *cfg, uint64_t flags,
			 uint32_t us, int value)
{
	unsigned int n = (us ? 1u : 0u) + (value >= 0 ? 1u : 0u), i;

	assert_int_equal(cfg->flags, flags);
	assert_int_equal(cfg->num_attrs, n);
	assert_int_equal(fake_kernel_config_debounce(cfg), us);
	for (i = 0; i < cfg->num_attrs; i++) {
		assert_int_equal(cfg->attrs[i].mask, 1);
		if (cfg->attrs[i].attr.id == GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES)
			assert_int_equal(cfg->attrs[i].attr.values,
					 (uint64_t)value);
		else
			assert_int_equal(cfg->attrs[i].attr.id,
					 GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
	}
	assert_int_equal(fake_kernel_flags_validate(cfg->flags), 0);
}

static void test_line_config_with_settings(void **state)
{
	struct gpio_line_settings s = {
		.set = GPIO_LINE_SET_BIAS | GPIO_LINE_SET_DRIVE |
		       GPIO_LINE_SET_ACTIVE_LOW | GPIO_LINE_SET_DEBOUNCE,
		.bias = GPIO_LINE_BIAS_PULL_UP,
		.drive = GPIO_LINE_DRIVE_OPEN_DRAIN,
		.active_low = true,
		.debounce_us = 10000};
	const uint64_t low_up =
		GPIO_V2_LINE_FLAG_ACTIVE_LOW | GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
	struct gpio_v2_line_config cfg, plain;

	/* An input: no drive; the debounce period as an attribute. */
	memset(&cfg, 0xff, sizeof(cfg));
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_IN, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg, GPIO_V2_LINE_FLAG_INPUT | low_up, 10000, -1);
	assert_int_equal(cfg.padding[0], 0);
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_IN, 0,
				   VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, &cfg);
	check_config(&cfg, GPIO_V2_LINE_FLAG_INPUT | low_up | BOTH_EDGES, 10000,
		     -1);
	/* An output: the drive, no debounce period. */
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_OUT, 1,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg,
		     GPIO_V2_LINE_FLAG_OUTPUT | low_up |
			     GPIO_V2_LINE_FLAG_OPEN_DRAIN,
		     0, 1);
	/* "As is": only active-low goes without a direction. */
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_NONE, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg, GPIO_V2_LINE_FLAG_ACTIVE_LOW, 0, -1);
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_NONE, 0,
				   VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, &cfg);
	check_config(&cfg,
		     GPIO_V2_LINE_FLAG_INPUT | low_up |
			     GPIO_V2_LINE_FLAG_EDGE_RISING,
		     10000, -1);

	/* Each bias and drive. */
	s.bias = GPIO_LINE_BIAS_PULL_DOWN;
	s.drive = GPIO_LINE_DRIVE_OPEN_SOURCE;
	s.active_low = false;
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_OUT, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg,
		     GPIO_V2_LINE_FLAG_OUTPUT |
			     GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN |
			     GPIO_V2_LINE_FLAG_OPEN_SOURCE,
		     0, 0);
	s.bias = GPIO_LINE_BIAS_DISABLED;
	s.drive = GPIO_LINE_DRIVE_PUSH_PULL;
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_OUT, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg,
		     GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_BIAS_DISABLED,
		     0, 0);
	/* A period of 0 is none. */
	s.debounce_us = 0;
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_IN, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	check_config(&cfg,
		     GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_DISABLED,
		     0, -1);

	/* Fields not given count for nothing; no settings, as before. */
	s.set = 0;
	s.active_low = true;
	s.debounce_us = 5;
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_IN, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &plain);
	assert_memory_equal(&cfg, &plain, sizeof(cfg));
	gpio_cdev_line_config_with(NULL, GPIO_DIRECTION_OUT, 1,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	gpio_cdev_line_config(GPIO_DIRECTION_OUT, 1, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &plain);
	assert_memory_equal(&cfg, &plain, sizeof(cfg));
}

/* @l's line info as the kernel reports it: its flags and debounce period. */
static void check_line_info(struct gpio_backend *be, unsigned int chip,
			    unsigned int offset, uint64_t flags, uint32_t us)
{
	struct fake_line *l = &kernel.chips[chip].lines[offset];

	assert_int_equal(l->flags & ~BOTH_EDGES, flags);
	assert_int_equal(l->debounce_us, us);
}

/* Every request and reconfiguration carries what applies of the settings. */
static void test_settings_in_requests(void **state)
{
	struct gpio_backend *be =
		open_ok("0[LED_A(pull-up,debounce=10ms),LED_B(active-low),"
			"BTN_1(open-drain,pull-down)]");
	const uint64_t in = GPIO_V2_LINE_FLAG_INPUT;
	const uint64_t out = GPIO_V2_LINE_FLAG_OUTPUT;
	uint8_t v;

	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_IN, 0),
			 0);
	check_config(&kernel.last_request.config,
		     in | GPIO_V2_LINE_FLAG_BIAS_PULL_UP, 10000, -1);
	check_line_info(be, 0, 0, in | GPIO_V2_LINE_FLAG_BIAS_PULL_UP, 10000);
	/* Made an output: the bias stays, the debounce period goes. */
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_OUT, 1),
			 0);
	check_config(&kernel.last_config, out | GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
		     0, 1);
	check_line_info(be, 0, 0, out | GPIO_V2_LINE_FLAG_BIAS_PULL_UP, 0);
	/* An input again, with edges: the period is back. */
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_IN, 0),
			 0);
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	check_config(&kernel.last_config,
		     in | GPIO_V2_LINE_FLAG_BIAS_PULL_UP | BOTH_EDGES, 10000,
		     -1);
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	check_config(&kernel.last_config, in | GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
		     10000, -1);
	assert_int_equal(kernel.chips[0].lines[0].requests, 1);

	/* Active-low goes "as is" too, and with every direction. */
	assert_int_equal(be->ops->get_value(be, 1, &v), 0);
	check_config(&kernel.last_request.config, GPIO_V2_LINE_FLAG_ACTIVE_LOW,
		     0, -1);
	assert_int_equal(be->ops->set_value(be, 1, 1), 0);
	check_config(&kernel.last_config, out | GPIO_V2_LINE_FLAG_ACTIVE_LOW, 0,
		     1);

	/* The drive with an output only. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_OUT, 0),
			 0);
	check_config(&kernel.last_request.config,
		     out | GPIO_V2_LINE_FLAG_OPEN_DRAIN |
			     GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN,
		     0, 0);
	check_line_info(be, 0, 2,
			out | GPIO_V2_LINE_FLAG_OPEN_DRAIN |
				GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN,
			0);
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_IN, 0),
			 0);
	check_config(&kernel.last_config, in | GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN,
		     0, -1);

	/* After a disconnect, the next guest's requests carry them again. */
	be->ops->reset(be);
	assert_string_equal(kernel.chips[0].lines[0].consumer, "");
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_IN, 0),
			 0);
	check_config(&kernel.last_request.config,
		     in | GPIO_V2_LINE_FLAG_BIAS_PULL_UP, 10000, -1);
	assert_int_equal(kernel.chips[0].lines[0].requests, 2);
	assert_untouched_except(0, 0x7);
	gpio_backend_destroy(be);
}

/*
 * A line read before the guest set its direction: a host input with a bias
 * or a debounce period becomes an input with them; a host output stays as
 * it is until the guest drives it.
 */
static void test_settings_as_is(void **state)
{
	struct gpio_backend *be = open_ok("1(pull-up,debounce=1ms)");
	struct fake_line *l0 = &kernel.chips[1].lines[0],
			 *l1 = &kernel.chips[1].lines[1];
	uint8_t v;

	assert_int_equal(be->ops->get_value(be, 0, &v), 0);
	check_config(&kernel.last_request.config,
		     GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
		     1000, -1);
	assert_false(l0->is_out);
	l1->is_out = true;
	l1->value = 1;
	assert_int_equal(be->ops->get_value(be, 1, &v), 0);
	assert_int_equal(v, 1);
	check_config(&kernel.last_request.config, 0, 0, -1);
	assert_true(l1->is_out);
	assert_int_equal(be->ops->set_value(be, 1, 0), 0);
	check_config(&kernel.last_config,
		     GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
		     0, 0);
	gpio_backend_destroy(be);

	/* Nothing that wants an input: "as is", no line info read for it. */
	be = open_ok("1[2(active-low,open-drain)]");
	l0 = &kernel.chips[1].lines[2];
	l0->info_reads = 0;
	assert_int_equal(be->ops->get_value(be, 0, &v), 0);
	check_config(&kernel.last_request.config, GPIO_V2_LINE_FLAG_ACTIVE_LOW,
		     0, -1);
	assert_int_equal(l0->info_reads, 0);
	gpio_backend_destroy(be);
}

/* gpio_cdev_check_settings on the one entry @text: its return value. */
static int check_settings_of(const char *text, char *err, size_t size)
{
	struct gpio_backend *be = open_ok(text);
	int ret = gpio_cdev_check_settings(be, err, size);

	gpio_backend_destroy(be);
	return ret;
}

/* check_settings_of(@text) returns @want, @why its message after the dir. */
static void check_settings_refused(const char *text, int want, const char *why)
{
	char err[256], expected[256];

	assert_int_equal(check_settings_of(text, err, sizeof(err)), want);
	snprintf(expected, sizeof(expected), "%s/%s", kernel.dir, why);
	assert_string_equal(err, expected);
}

/* Whether the kernel takes a bias and a debounce period, tried at start. */
static void test_check_settings(void **state)
{
	const char *text = "1[0(pull-up,debounce=10ms),1(debounce=5ms),"
			   "2(pull-up),3(active-low,open-drain)]";
	struct fake_line *l = kernel.chips[1].lines;
	char err[256] = "stale";
	unsigned int i;

	/* Without a bias or a period nothing is tried. */
	assert_int_equal(
		check_settings_of("1(active-low,open-drain)", err, sizeof(err)),
		0);
	assert_string_equal(err, "");
	for (i = 0; i < 4; i++)
		assert_int_equal(l[i].requests, 0);

	/* Each line with them is requested once, as an input, and freed. */
	assert_int_equal(check_settings_of(text, err, sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(l[i].requests, 1);
		assert_string_equal(l[i].consumer, "");
		assert_false(l[i].is_out);
	}
	assert_int_equal(l[3].requests, 0);
	assert_int_equal(kernel.last_request.config.flags,
			 GPIO_V2_LINE_FLAG_INPUT |
				 GPIO_V2_LINE_FLAG_BIAS_PULL_UP);

	/* A period the driver refuses. */
	kernel.chips[1].debounce_errno = EINVAL;
	check_settings_refused(text, -EINVAL,
			       "gpiochip1 line 0 (guest line 0): the kernel "
			       "refuses a debounce period of 10000 us: Invalid "
			       "argument");
	check_settings_refused("1[2(pull-up),1(debounce=5ms)]", -EINVAL,
			       "gpiochip1 line 1 (guest line 1): the kernel "
			       "refuses a debounce period of 5000 us: Invalid "
			       "argument");
	/* The same line held by another program, or an output: not tried. */
	strcpy(l[0].consumer, "gpiomon");
	l[1].is_out = true;
	assert_int_equal(check_settings_of(text, err, sizeof(err)), 0);
	assert_string_equal(l[0].consumer, "gpiomon");
	assert_true(l[1].is_out);
	l[0].consumer[0] = '\0';
	l[1].is_out = false;
	kernel.chips[1].debounce_errno = 0;

	/* A bias the driver refuses. */
	kernel.chips[1].bias_errno = EIO;
	check_settings_refused(text, -EIO,
			       "gpiochip1 line 0 (guest line 0): the kernel "
			       "refuses its bias: Input/output error");
	assert_int_equal(
		check_settings_of("1[1(debounce=5ms)]", err, sizeof(err)), 0);
	kernel.chips[1].bias_errno = 0;
	assert_int_equal(kernel.open_fds, 0);
}

/* @text fails with -EINVAL and exactly @message ("DIR": the fake /dev). */
static void open_fails_exactly(const char *text, const char *message)
{
	struct device_list list;
	struct gpio_backend *be = (void *)1;
	char err[512], expected[512];

	parse(text, &list);
	assert_int_equal(cdev_new(&list, "c", &be, err, sizeof(err)), -EINVAL);
	assert_null(be);
	fake_kernel_message(message, expected, sizeof(expected));
	assert_string_equal(err, expected);
	device_list_free(&list);
	assert_int_equal(kernel.open_fds, 0);
}

/* name= replaces the host's name; a clash with another line's is refused. */
static void test_given_names(void **state)
{
	struct gpio_backend *be = open_ok("0[LED_A(name=led),LED_B,3(name=),"
					  "5(name=LED_A)]");

	assert_int_equal(be->ngpio, 4);
	assert_string_equal(be->names[0], "led");
	assert_string_equal(be->names[1], "LED_B");
	assert_null(be->names[2]);
	assert_string_equal(be->names[3], "LED_A");
	gpio_backend_destroy(be);
	open_fails_exactly(
		"0[LED_A(name=LED_B),LED_B]",
		"entry 1 \"0[LED_A(name=LED_B),LED_B]\": guest line 0 "
		"(DIR/gpiochip0 line 0) is given the name \"LED_B\", which "
		"guest line 1 (DIR/gpiochip0 line 1) has from the host; give "
		"that line another name too");
	be = open_ok("0[LED_A(name=LED_B),LED_B(name=LED_A)]");
	assert_string_equal(be->names[0], "LED_B");
	assert_string_equal(be->names[1], "LED_A");
	gpio_backend_destroy(be);
	open_fails_exactly(
		"0[1(name=x),2(name=x)]",
		"entry 1 \"0[1(name=x),2(name=x)]\": guest lines 0 "
		"(DIR/gpiochip0 line 1) and 1 (DIR/gpiochip0 line 2) are both "
		"given the name \"x\"");
}

/*
 * One guest chip from several host chips.
 */

/* gpio_cdev_new_joined() for the one entry @text, as device_backends does. */
static int joined_new(const char *text, struct gpio_backend **be, char *err,
		      size_t err_size)
{
	struct gpio_cdev_spec parts[8];
	struct device_list list;
	unsigned int i, n;
	char why[512];
	int ret;

	parse(text, &list);
	n = device_spec_nparts(&list.specs[0]);
	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		const struct device_spec *part =
			device_spec_part(&list.specs[0], i);

		parts[i] = (struct gpio_cdev_spec){device_spec_chip(part),
						   device_spec_lines(part)};
	}
	ret = gpio_cdev_new_joined(parts, n, "vhost-gpio:test0", be, why,
				   sizeof(why));
	if (ret < 0)
		device_spec_error(&list.specs[0], err, err_size, "%s", why);
	device_list_free(&list);
	return ret;
}

static struct gpio_backend *joined_ok(const char *text)
{
	struct gpio_backend *be;
	char err[512] = "";

	if (joined_new(text, &be, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	assert_string_equal(err, "");
	be->level_changed = on_level;
	be->watcher = &watcher;
	return be;
}

/* Messages may name the fake /dev: written as "DIR" here. */
static void joined_fails(const char *text, int ret, const char *message)
{
	struct gpio_backend *be = (void *)1;
	char err[512], expected[512];

	assert_int_equal(joined_new(text, &be, err, sizeof(err)), ret);
	assert_null(be);
	if (message) {
		fake_kernel_message(message, expected, sizeof(expected));
		assert_string_equal(err, expected);
	}
	assert_int_equal(kernel.open_fds, 0);
}

/* @text opens, and releases every chip again. */
static void joined_opens(const char *text)
{
	gpio_backend_destroy(joined_ok(text));
	assert_int_equal(kernel.open_fds, 0);
}

static void test_joined_chips(void **state)
{
	struct gpio_backend *be =
		joined_ok("0[LED_A,BTN_1(ro)]+1[2,0](pull-up)+@twin[1]");
	char path[PATH_MAX];
	uint8_t v;
	int fd;

	assert_int_equal(be->ngpio, 5);
	assert_int_equal(gpio_cdev_num_chips(be), 3);
	snprintf(path, sizeof(path), "%s/gpiochip1", kernel.dir);
	assert_string_equal(gpio_cdev_chip_path_at(be, 1), path);
	assert_string_equal(gpio_cdev_line_chip_path(be, 3), path);
	assert_null(gpio_cdev_chip_path_at(be, 3));
	assert_null(gpio_cdev_line_chip_path(be, 5));
	snprintf(path, sizeof(path), "%s/gpiochip2", kernel.dir);
	assert_string_equal(gpio_cdev_line_chip_path(be, 4), path);
	/* Names and read-only marks line by line, whatever the chip. */
	assert_string_equal(be->names[0], "LED_A");
	assert_string_equal(be->names[1], "BTN_1");
	assert_null(be->names[2]);
	assert_null(be->names[4]);
	assert_non_null(be->read_only);
	assert_memory_equal(be->read_only, ((uint8_t[]){0, 1, 0, 0, 0}), 5);

	/* Guest line 2 is chip 1's line 2, with chip 1's settings. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_OUT, 1),
			 0);
	assert_int_equal(kernel.last_request.offsets[0], 2);
	check_config(&kernel.last_request.config,
		     GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
		     0, 1);
	assert_true(kernel.chips[1].lines[2].is_out);
	assert_int_equal(kernel.chips[1].lines[2].value, 1);
	/* Guest line 0 is chip 0's line 0, without them. */
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_OUT, 1),
			 0);
	check_config(&kernel.last_request.config, GPIO_V2_LINE_FLAG_OUTPUT, 0,
		     1);
	assert_int_equal(kernel.chips[0].lines[0].value, 1);
	/* Values from chip 1 line 0 and interrupts from chip 2 line 1. */
	kernel.chips[1].lines[0].value = 1;
	assert_int_equal(be->ops->get_value(be, 3, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(
		be->ops->set_irq_type(be, 4, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	fd = fake_kernel_request_fd(2, 1);
	assert_true(watched(fd));
	fake_kernel_queue_event(2, 1, GPIO_V2_LINE_EVENT_RISING_EDGE);
	fire(fd);
	assert_int_equal(reports.count, 1);
	assert_int_equal(reports.lines[0], 4);
	assert_int_equal(reports.levels[0], 1);
	/* A reset releases the lines of every chip. */
	be->ops->reset(be);
	assert_false(watched(fd));
	assert_int_equal(fake_kernel_request_fd(0, 0), -1);
	assert_int_equal(fake_kernel_request_fd(1, 2), -1);
	assert_int_equal(fake_kernel_request_fd(2, 1), -1);
	assert_untouched_except(0, 1u << 0);
	assert_untouched_except(1, 1u << 0 | 1u << 2);
	assert_untouched_except(2, 1u << 1);
	gpio_backend_destroy(be);

	/* One chip twice, other lines of it: as one selection. */
	be = joined_ok("0[1]+0[2]");
	assert_int_equal(be->ngpio, 2);
	assert_int_equal(gpio_cdev_num_chips(be), 2);
	assert_string_equal(be->names[1], "BTN_1");
	assert_null(be->read_only);
	gpio_backend_destroy(be);
}

static void test_joined_errors(void **state)
{
	joined_fails("0[1]+0[3,1]", -EINVAL,
		     "entry 1 \"0[1]+0[3,1]\": host line 1 of DIR/gpiochip0 is "
		     "selected twice (guest lines 0 and 2)");
	joined_opens("0[1]+0[3,2]");
	/* Chip 2 is chip 0 under another name (device number). */
	kernel.chips[2].rdev = kernel.chips[0].rdev;
	joined_fails(
		"1+0[1]+2[1]", -EINVAL,
		"entry 1 \"1+0[1]+2[1]\": DIR/gpiochip0 line 1 (guest line 4) "
		"and DIR/gpiochip2 line 1 (guest line 5) are the same host "
		"line");
	joined_opens("1+0[1]+2[0]");
	kernel.chips[2].rdev = RDEV_CHIP(2);
	joined_fails("0[1]+3[1]", -ENOENT,
		     "entry 1 \"0[1]+3[1]\": DIR/gpiochip3 does not exist");
	joined_opens("0[1]+2[1]");
	joined_fails(
		"0[1]+1[4]", -EINVAL,
		"entry 1 \"0[1]+1[4]\": line 4 is not on DIR/gpiochip1, which "
		"has 4 lines");
	joined_opens("0[1]+1[3]");
	/* Names are the guest's: unique across the chips. */
	joined_fails(
		"0[LED_A]+1[0(name=LED_A)]", -EINVAL,
		"entry 1 \"0[LED_A]+1[0(name=LED_A)]\": guest line 1 "
		"(DIR/gpiochip1 line 0) is given the name \"LED_A\", which "
		"guest line 0 (DIR/gpiochip0 line 0) has from the host; give "
		"that line another name too");
	joined_opens("0[LED_A]+1[0(name=LED_Z)]");
}

/* Host names repeated across the chips: later ones unnamed, as in one. */
static void test_joined_duplicate_names(void **state)
{
	struct gpio_backend *be;

	strcpy(kernel.chips[1].lines[3].name, "LED_B");
	be = joined_ok("0[LED_B]+1[3]");
	assert_string_equal(be->names[0], "LED_B");
	assert_null(be->names[1]);
	gpio_backend_destroy(be);
}

static void test_joined_shares_line(void **state)
{
	struct gpio_backend *a = joined_ok("0[3]+1[1,2]");
	struct gpio_backend *b = open_ok("1[2]");
	struct gpio_backend *c = joined_ok("0[4]+1[3]");
	unsigned int la, lb;
	uint32_t offset;
	char path[PATH_MAX];

	assert_true(gpio_cdev_shares_line(a, b, &la, &lb, &offset));
	assert_int_equal(la, 2);
	assert_int_equal(lb, 0);
	assert_int_equal(offset, 2);
	snprintf(path, sizeof(path), "%s/gpiochip1", kernel.dir);
	assert_string_equal(gpio_cdev_line_chip_path(a, la), path);
	assert_true(gpio_cdev_shares_line(b, a, &la, &lb, &offset));
	assert_int_equal(la, 0);
	assert_int_equal(lb, 2);
	assert_false(gpio_cdev_shares_line(a, c, &la, &lb, &offset));
	gpio_backend_destroy(a);
	gpio_backend_destroy(b);
	gpio_backend_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consumer),
		cmocka_unit_test(test_line_config),
		cmocka_unit_test_setup_teardown(test_open_by_number_path_label,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_only_gpio_chips,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_without_sysfs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_changed_while_opening,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_open_label_skips_other_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_label_ambiguous,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_label_cut_by_kernel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_names_from_selected_lines_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_duplicate_host_names_unnamed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unnamed_warned_only_when_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_value_requests_as_is,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_value_on_host_output,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges_on_untouched_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges_refused_on_output,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges_without_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chip_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_events_stop_when_line_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shares_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_only_selected_lines_touched, setup, teardown),
		cmocka_unit_test(test_line_config_with_settings),
		cmocka_unit_test_setup_teardown(test_settings_in_requests,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_as_is, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_settings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_given_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_joined_chips, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_joined_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_joined_duplicate_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_joined_shares_line, setup,
						teardown),
	};

	/* Warnings about refused requests are expected here. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
