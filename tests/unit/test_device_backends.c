// SPDX-License-Identifier: MIT
/*
 * The back-ends of a device list: one per entry, the messages of an entry
 * the daemon cannot serve, and no host line in two entries, whatever names
 * the chip.  Host chips are regular files in a temporary directory behind
 * a small fake of the system calls (gpio_cdev_sys): each is "a character
 * device" with its own device number and 8 lines, line i named "L<i>".
 * The host-chip back-end itself is tested against a fuller fake in
 * test_gpio_cdev.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/gpio.h>

#include <cmocka.h>

#include "device_backends.h"
#include "device_list.h"
#include "endpoints.h"
#include "gpio_cdev_sys.h"

#define FAKE_CHIPS 2
#define FAKE_LINES 8

static char dir[64];
static ino_t chip_ino[FAKE_CHIPS];

/* Which fake chip @fd is (by the inode of the file behind it), or -1. */
static int chip_of(int fd)
{
	struct stat st;
	int i;

	if (fstat(fd, &st) < 0)
		return -1;
	for (i = 0; i < FAKE_CHIPS; i++)
		if (st.st_ino == chip_ino[i])
			return i;
	return -1;
}

static int fake_open(const char *path, int flags)
{
	return open(path, flags);
}

static int fake_reopen(int path_fd, const char *path, int flags)
{
	return dup(path_fd);
}

static int fake_fstat(int fd, struct stat *st)
{
	int chip = chip_of(fd);

	if (fstat(fd, st) < 0)
		return -1;
	if (chip >= 0) {
		st->st_mode = S_IFCHR | 0600;
		st->st_rdev = makedev(254, (unsigned int)chip);
	}
	return 0;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	int chip = chip_of(fd);

	if (chip < 0) {
		errno = ENOTTY;
		return -1;
	}
	if (request == GPIO_GET_CHIPINFO_IOCTL) {
		struct gpiochip_info *info = arg;

		snprintf(info->name, sizeof(info->name), "gpiochip%d", chip);
		snprintf(info->label, sizeof(info->label), "fake-%d", chip);
		info->lines = FAKE_LINES;
		return 0;
	}
	if (request == GPIO_V2_GET_LINEINFO_IOCTL) {
		struct gpio_v2_line_info *info = arg;

		snprintf(info->name, sizeof(info->name), "L%u", info->offset);
		info->flags = GPIO_V2_LINE_FLAG_INPUT;
		return 0;
	}
	if (request == GPIO_V2_GET_LINE_IOCTL) {
		/*
		 * Only the start-up's trials of a bias and a debounce period:
		 * a period is refused, a bias taken.
		 */
		struct gpio_v2_line_request *req = arg;

		assert_true(req->config.flags & GPIO_V2_LINE_FLAG_INPUT);
		if (req->config.num_attrs) {
			assert_int_equal(req->config.attrs[0].attr.id,
					 GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
			errno = EINVAL;
			return -1;
		}
		req->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return req->fd < 0 ? -1 : 0;
	}
	fail_msg("unexpected ioctl %#lx: nothing is requested", request);
	return -1;
}

static int fake_set_nonblock(int fd)
{
	return 0;
}

static struct gpio_cdev_sys fake_sys = {
	.open = fake_open,
	.reopen = fake_reopen,
	.close = close,
	.ioctl = fake_ioctl,
	.read = read,
	.fstat = fake_fstat,
	.set_nonblock = fake_set_nonblock,
	.sys_dir = NULL, /* no sysfs to ask */
};

static int group_setup(void **state)
{
	char path[128], target[128];
	struct stat st;
	int i, fd;

	strcpy(dir, "/tmp/vdg-backends-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < FAKE_CHIPS; i++) {
		snprintf(path, sizeof(path), "%s/gpiochip%d", dir, i);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 || fstat(fd, &st) < 0)
			return -1;
		close(fd);
		chip_ino[i] = st.st_ino;
	}
	/* Another name for chip 0, as udev makes them. */
	snprintf(target, sizeof(target), "%s/gpiochip0", dir);
	snprintf(path, sizeof(path), "%s/led-chip", dir);
	if (symlink(target, path) < 0)
		return -1;
	fake_sys.dev_dir = dir;
	gpio_cdev_sys_set(&fake_sys);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	gpio_cdev_sys_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* @text's back-ends, or the error; the endpoints are sockets PATH0... */
static int open_list(const char *text, struct device_list *list,
		     struct gpio_backend ***backends, char *err,
		     size_t err_size)
{
	struct endpoint eps[4];
	char parse_err[256];
	unsigned int i;

	assert_int_equal(
		device_list_parse(text, list, parse_err, sizeof(parse_err)), 0);
	assert_true(list->count <= 4);
	memset(eps, 0, sizeof(eps));
	for (i = 0; i < list->count; i++)
		snprintf(eps[i].label, sizeof(eps[i].label), "/run/gpio.sock%u",
			 i);
	return device_backends_new(list, eps, backends, err, err_size);
}

/* The error for @text, with "DIR" in @message standing for the fake /dev. */
static void expect_error(const char *text, int ret, const char *message)
{
	struct gpio_backend **backends = (void *)1;
	struct device_list list;
	char err[512] = "stale", expected[512];
	const char *at = strstr(message, "DIR");

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 ret);
	assert_null(backends);
	if (at)
		snprintf(expected, sizeof(expected), "%.*s%s%s",
			 (int)(at - message), message, dir, at + 3);
	else
		snprintf(expected, sizeof(expected), "%s", message);
	assert_string_equal(err, expected);
	device_list_free(&list);
}

static void expect_description(const struct gpio_backend *be,
			       const char *message)
{
	char buf[256], expected[256];
	const char *at = strstr(message, "DIR");

	device_backends_describe(be, buf, sizeof(buf));
	if (at)
		snprintf(expected, sizeof(expected), "%.*s%s%s",
			 (int)(at - message), message, dir, at + 3);
	else
		snprintf(expected, sizeof(expected), "%s", message);
	assert_string_equal(buf, expected);
}

static void test_one_per_entry(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[256] = "stale";

	assert_int_equal(open_list("s8:0[1,3(ro)]:@fake-1(ro):0[4]", &list,
				   &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	expect_description(backends[0], "simulated chip, 8 lines");
	expect_description(backends[1],
			   "host chip DIR/gpiochip0, 2 lines, some read-only");
	expect_description(backends[2],
			   "host chip DIR/gpiochip1, 8 lines, read-only");
	expect_description(backends[3], "host chip DIR/gpiochip0, 1 line");
	assert_string_equal(backends[1]->names[1], "L3");
	device_backends_free(backends, list.count);
	device_list_free(&list);
}

/* The back-end's reason, said about the entry as the command line has it. */
static void test_entry_errors(void **state)
{
	expect_error("s8:7", -ENOENT,
		     "--device-list: entry 2 \"7\": DIR/gpiochip7 does not "
		     "exist");
	expect_error("0[8]", -EINVAL,
		     "--device-list: entry 1 \"0[8]\": line 8 is not on "
		     "DIR/gpiochip0, which has 8 lines");
	expect_error("@nothing", -ENOENT,
		     "--device-list: entry 1 \"@nothing\": no GPIO chip in "
		     "DIR is labelled \"nothing\"");
}

/* Two entries may not share a host line, however the chip is named. */
static void test_shared_lines(void **state)
{
	char text[256], message[512];

	expect_error("0[1-3]:s4:0[5,3]", -EINVAL,
		     "--device-list: entry 3 \"0[5,3]\": host line 3 of "
		     "DIR/gpiochip0 is already entry 1's guest line 2");
	expect_error("@fake-1[L6]:1", -EINVAL,
		     "--device-list: entry 2 \"1\": host line 6 of "
		     "DIR/gpiochip1 is already entry 1's guest line 0");
	/* By a symlink: the same device number. */
	snprintf(text, sizeof(text), "0[2]:%s/led-chip[7,2]", dir);
	snprintf(message, sizeof(message),
		 "--device-list: entry 2 \"%.32s...\": host line 2 of "
		 "%s/led-chip is already entry 1's guest line 0",
		 text + 5, dir);
	expect_error(text, -EINVAL, message);
}

static void test_no_shared_lines(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[256];

	assert_int_equal(open_list("0[0-3]:0[4-7]:1[0-3]:s2", &list, &backends,
				   err, sizeof(err)),
			 0);
	device_backends_free(backends, list.count);
	device_list_free(&list);
	/* NULL entries and a NULL array are fine to free. */
	device_backends_free(calloc(2, sizeof(*backends)), 2);
	device_backends_free(NULL, 0);
}

/* @text's back-ends fail with -EINVAL and exactly @expected. */
static void expect_error_exactly(const char *text, const char *expected)
{
	struct gpio_backend **backends = (void *)1;
	struct device_list list;
	char err[512] = "stale";

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 -EINVAL);
	assert_null(backends);
	assert_string_equal(err, expected);
	device_list_free(&list);
}

/* @text opens its back-ends. */
static void expect_opens(const char *text)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[512] = "stale";

	assert_int_equal(open_list(text, &list, &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	device_backends_free(backends, list.count);
	device_list_free(&list);
}

/*
 * What the back-end finds wrong with the settings, said about the entry:
 * a name given twice, a debounce period the kernel refuses (this fake
 * refuses every one), only once no two entries share a line.
 */
static void test_settings_errors(void **state)
{
	char expected[512];

	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"0[1(name=L2),2]\": guest line 0 "
		 "(%s/gpiochip0 line 1) is given the name \"L2\", which guest "
		 "line 1 (%s/gpiochip0 line 2) has from the host; give that "
		 "line another name too",
		 dir, dir);
	expect_error_exactly("s8:0[1(name=L2),2]", expected);
	expect_opens("s8:0[1(name=X2),2]");
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"1[0,3(pull-up,debounce=10ms)]\": "
		 "%s/gpiochip1 line 3 (guest line 1): the kernel refuses a "
		 "debounce period of 10000 us: Invalid argument",
		 dir);
	expect_error_exactly("0[1]:1[0,3(pull-up,debounce=10ms)]", expected);
	expect_opens("0[1]:1[0,3(pull-up)]");
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"1[0(debounce=1ms)]\": host line 0 "
		 "of %s/gpiochip1 is already entry 1's guest line 0",
		 dir);
	expect_error_exactly("1:1[0(debounce=1ms)]", expected);
	expect_opens("1[1-3]:1[0(pull-up)]");
}

/* An entry joining chips: one back-end; its lines shared with no other. */
static void test_joined_chips(void **state)
{
	struct gpio_backend **backends;
	struct device_list list;
	char err[512] = "stale", expected[512], text[256];

	assert_int_equal(open_list("0[1,3]+1[0](ro):0[2]+@fake-1[L1]", &list,
				   &backends, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	device_backends_describe(backends[0], err, sizeof(err));
	snprintf(expected, sizeof(expected),
		 "host chips %s/gpiochip0 + %s/gpiochip1, 3 lines, some "
		 "read-only",
		 dir, dir);
	assert_string_equal(err, expected);
	assert_string_equal(backends[0]->names[2], "L0");
	assert_string_equal(backends[1]->names[1], "L1");
	device_backends_free(backends, list.count);
	device_list_free(&list);

	/* A line of the second chip, already another entry's. */
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 2 \"0[1]+1[5,0]\": host line 0 of "
		 "%s/gpiochip1 is already entry 1's guest line 0",
		 dir);
	expect_error_exactly("1[0]:0[1]+1[5,0]", expected);
	expect_opens("1[0]:0[1]+1[5,1]");
	/* Twice in one entry, through a symlink. */
	snprintf(text, sizeof(text), "0[2]+%s/led-chip[2]", dir);
	snprintf(expected, sizeof(expected),
		 "--device-list: entry 1 \"%.32s...\": %s/gpiochip0 line 2 "
		 "(guest line 0) and %s/led-chip line 2 (guest line 1) are "
		 "the same host line",
		 text, dir, dir);
	expect_error_exactly(text, expected);
	snprintf(text, sizeof(text), "0[2]+%s/led-chip[3]", dir);
	expect_opens(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_entry),
		cmocka_unit_test(test_entry_errors),
		cmocka_unit_test(test_shared_lines),
		cmocka_unit_test(test_no_shared_lines),
		cmocka_unit_test(test_settings_errors),
		cmocka_unit_test(test_joined_chips),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
