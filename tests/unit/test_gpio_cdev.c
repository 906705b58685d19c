// SPDX-License-Identifier: MIT
/*
 * The character-device back-end without a kernel GPIO chip: the pure layer
 * (consumer, line configuration) directly, and the back-end against a fake
 * kernel behind struct gpio_cdev_sys that checks line configurations as
 * gpiolib-cdev does and counts every touch of every line.  Selection and
 * guest names alone are in test_gpio_selection.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "device_list.h"
#include "gpio_cdev.h"
#include "gpio_cdev_sys.h"
#include "log.h"

/*
 * The fake kernel.
 */

#define FAKE_LINES 16
#define FAKE_CHIPS 4
#define FAKE_FDS   64
#define FD_BASE	   100

struct fake_line {
	char name[GPIO_MAX_NAME_SIZE];
	char consumer[GPIO_MAX_NAME_SIZE]; /* "" while free */
	uint64_t flags;			   /* as last configured */
	bool is_out;			   /* the pin's direction */
	uint8_t value;			   /* driven, or the input level */
	unsigned int requests;		   /* GPIO_V2_GET_LINE_IOCTL */
	unsigned int touches;		   /* requests, configs, values */
	unsigned int info_reads;	   /* GPIO_V2_GET_LINEINFO_IOCTL */
};

struct fake_chip {
	bool present;
	char label[GPIO_MAX_NAME_SIZE];
	unsigned int nlines;
	dev_t rdev;
	bool not_chip;	/* GPIO_GET_CHIPINFO_IOCTL fails */
	bool not_chr;	/* a regular file */
	bool no_access; /* opening it for real fails EACCES */
	bool gone;	/* every ioctl fails ENODEV */
	int swap_to;	/* opening it for real opens chip swap_to - 1 */
	unsigned int opens; /* opened for real (not O_PATH) */
	struct fake_line lines[FAKE_LINES];
};

enum fd_kind { FD_FREE, FD_PATH, FD_CHIP, FD_REQUEST };

struct fake_fd {
	enum fd_kind kind;
	int chip;
	unsigned int offset; /* FD_REQUEST */
	bool nonblock;
	struct gpio_v2_line_event events[8];
	unsigned int nevents;
	int read_errno;	    /* returned once the events are read, if set */
	unsigned int reads; /* read() calls */
};

static struct {
	char dir[64];	  /* the fake /dev */
	char sys_dir[96]; /* the fake /sys: dir/sys */
	struct fake_chip chips[FAKE_CHIPS];
	struct fake_fd fds[FAKE_FDS];
	unsigned int open_fds;
	/* The last line request and configuration the kernel saw. */
	struct gpio_v2_line_request last_request;
	struct gpio_v2_line_config last_config;
	unsigned int set_configs;
} k;

static struct fake_chip *chip_of_path(const char *path)
{
	char expected[PATH_MAX];
	int i;

	for (i = 0; i < FAKE_CHIPS; i++) {
		snprintf(expected, sizeof(expected), "%s/gpiochip%d", k.dir, i);
		if (k.chips[i].present && !strcmp(path, expected))
			return &k.chips[i];
	}
	return NULL;
}

static int fd_new(enum fd_kind kind, int chip, unsigned int offset)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++) {
		if (k.fds[i].kind != FD_FREE)
			continue;
		memset(&k.fds[i], 0, sizeof(k.fds[i]));
		k.fds[i].kind = kind;
		k.fds[i].chip = chip;
		k.fds[i].offset = offset;
		k.open_fds++;
		return FD_BASE + i;
	}
	errno = EMFILE;
	return -1;
}

static struct fake_fd *fd_get(int fd, enum fd_kind kind)
{
	if (fd < FD_BASE || fd >= FD_BASE + FAKE_FDS ||
	    k.fds[fd - FD_BASE].kind != kind)
		return NULL;
	return &k.fds[fd - FD_BASE];
}

/* Only an O_PATH open: it opens no device. */
static int fake_open(const char *path, int flags)
{
	struct fake_chip *chip = chip_of_path(path);

	assert_int_equal(flags, O_PATH | O_CLOEXEC);
	if (!chip) {
		errno = ENOENT;
		return -1;
	}
	return fd_new(FD_PATH, (int)(chip - k.chips), 0);
}

/* Opening for real what an O_PATH fd is (the same chip, unless swapped). */
static int fake_reopen(int path_fd, const char *path, int flags)
{
	struct fake_fd *f = fd_get(path_fd, FD_PATH);
	struct fake_chip *chip;
	int index;

	assert_non_null(f);
	assert_ptr_equal(chip_of_path(path), &k.chips[f->chip]);
	assert_int_equal(flags, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	index = k.chips[f->chip].swap_to ? k.chips[f->chip].swap_to - 1
					 : f->chip;
	chip = &k.chips[index];
	chip->opens++;
	if (chip->no_access) {
		errno = EACCES;
		return -1;
	}
	return fd_new(FD_CHIP, index, 0);
}

static int fake_close(int fd)
{
	struct fake_fd *f = fd_get(fd, FD_REQUEST);

	if (f) {
		struct fake_line *l = &k.chips[f->chip].lines[f->offset];

		/* Released: free for others; the pin keeps its direction. */
		l->consumer[0] = '\0';
		l->flags = 0;
	} else {
		f = fd_get(fd, FD_CHIP);
		if (!f)
			f = fd_get(fd, FD_PATH);
	}
	assert_non_null(f);
	f->kind = FD_FREE;
	k.open_fds--;
	return 0;
}

static int fake_fstat(int fd, struct stat *st)
{
	struct fake_fd *f = fd_get(fd, FD_CHIP);

	if (!f)
		f = fd_get(fd, FD_PATH);
	assert_non_null(f);
	memset(st, 0, sizeof(*st));
	st->st_mode =
		k.chips[f->chip].not_chr ? S_IFREG | 0600 : S_IFCHR | 0600;
	st->st_rdev = k.chips[f->chip].rdev;
	return 0;
}

static int fake_set_nonblock(int fd)
{
	struct fake_fd *f = fd_get(fd, FD_REQUEST);

	assert_non_null(f);
	f->nonblock = true;
	return 0;
}

static int errno_fail(int err)
{
	errno = err;
	return -1;
}

/* gpio_v2_line_flags_validate(), the parts we can get wrong. */
static int flags_validate(uint64_t flags)
{
	uint64_t edges =
		GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;

	if ((flags & GPIO_V2_LINE_FLAG_INPUT) &&
	    (flags & GPIO_V2_LINE_FLAG_OUTPUT))
		return -EINVAL;
	if ((flags & edges) && !(flags & GPIO_V2_LINE_FLAG_INPUT))
		return -EINVAL;
	return 0;
}

/* Applies a valid one-line @cfg to @l, as linereq_set_config does. */
static void config_apply(struct fake_line *l,
			 const struct gpio_v2_line_config *cfg)
{
	uint64_t edges =
		GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;

	/*
	 * Without a direction flag linereq_set_config() leaves the edge
	 * detector as it was: edges keep coming.
	 */
	if (!(cfg->flags &
	      (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT)))
		l->flags = cfg->flags | (l->flags & edges);
	else
		l->flags = cfg->flags;
	if (cfg->flags & GPIO_V2_LINE_FLAG_OUTPUT) {
		l->is_out = true;
		l->value = 0;
		if (cfg->num_attrs) {
			assert_int_equal(cfg->attrs[0].attr.id,
					 GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
			assert_int_equal(cfg->attrs[0].mask, 1);
			l->value = cfg->attrs[0].attr.values & 1;
		}
	} else if (cfg->flags & GPIO_V2_LINE_FLAG_INPUT) {
		l->is_out = false;
	}
}

static int chip_ioctl(struct fake_chip *chip, int chip_index,
		      unsigned long request, void *arg)
{
	if (request == GPIO_GET_CHIPINFO_IOCTL) {
		struct gpiochip_info *info = arg;

		if (chip->not_chip)
			return errno_fail(ENOTTY);
		snprintf(info->name, sizeof(info->name), "gpiochip%d",
			 chip_index);
		memcpy(info->label, chip->label, sizeof(info->label));
		info->lines = chip->nlines;
		return 0;
	}
	if (chip->gone)
		return errno_fail(ENODEV);
	if (request == GPIO_V2_GET_LINEINFO_IOCTL) {
		struct gpio_v2_line_info *info = arg;
		struct fake_line *l;

		if (info->offset >= chip->nlines)
			return errno_fail(EINVAL);
		l = &chip->lines[info->offset];
		l->info_reads++;
		memcpy(info->name, l->name, sizeof(info->name));
		memcpy(info->consumer, l->consumer, sizeof(info->consumer));
		info->flags = (l->is_out ? GPIO_V2_LINE_FLAG_OUTPUT
					 : GPIO_V2_LINE_FLAG_INPUT) |
			      (l->consumer[0] ? GPIO_V2_LINE_FLAG_USED : 0);
		return 0;
	}
	if (request == GPIO_V2_GET_LINE_IOCTL) {
		struct gpio_v2_line_request *req = arg;
		struct fake_line *l;
		int fd;

		k.last_request = *req;
		assert_int_equal(req->num_lines, 1);
		if (req->offsets[0] >= chip->nlines)
			return errno_fail(EINVAL);
		l = &chip->lines[req->offsets[0]];
		l->touches++;
		if (l->consumer[0])
			return errno_fail(EBUSY);
		if (flags_validate(req->config.flags))
			return errno_fail(EINVAL);
		fd = fd_new(FD_REQUEST, chip_index, req->offsets[0]);
		if (fd < 0)
			return -1;
		l->requests++;
		memcpy(l->consumer, req->consumer, sizeof(l->consumer));
		l->consumer[sizeof(l->consumer) - 1] = '\0';
		config_apply(l, &req->config);
		req->fd = fd;
		return 0;
	}
	fail_msg("unexpected chip ioctl %#lx", request);
	return -1;
}

static int request_ioctl(struct fake_fd *f, unsigned long request, void *arg)
{
	struct fake_chip *chip = &k.chips[f->chip];
	struct fake_line *l = &chip->lines[f->offset];

	if (chip->gone)
		return errno_fail(ENODEV);
	l->touches++;
	if (request == GPIO_V2_LINE_SET_CONFIG_IOCTL) {
		struct gpio_v2_line_config *cfg = arg;

		k.last_config = *cfg;
		k.set_configs++;
		if (flags_validate(cfg->flags))
			return errno_fail(EINVAL);
		config_apply(l, cfg);
		return 0;
	}
	if (request == GPIO_V2_LINE_GET_VALUES_IOCTL) {
		struct gpio_v2_line_values *v = arg;

		assert_int_equal(v->mask, 1);
		v->bits = l->value;
		return 0;
	}
	if (request == GPIO_V2_LINE_SET_VALUES_IOCTL) {
		struct gpio_v2_line_values *v = arg;

		assert_int_equal(v->mask, 1);
		if (!l->is_out)
			return errno_fail(EPERM);
		l->value = v->bits & 1;
		return 0;
	}
	fail_msg("unexpected request ioctl %#lx", request);
	return -1;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	struct fake_fd *f = fd_get(fd, FD_CHIP);

	if (f)
		return chip_ioctl(&k.chips[f->chip], f->chip, request, arg);
	f = fd_get(fd, FD_REQUEST);
	assert_non_null(f);
	return request_ioctl(f, request, arg);
}

static ssize_t fake_read(int fd, void *buf, size_t count)
{
	struct fake_fd *f = fd_get(fd, FD_REQUEST);
	size_t n = 0;

	assert_non_null(f);
	assert_true(f->nonblock);
	f->reads++;
	while (f->nevents && count - n >= sizeof(f->events[0])) {
		memcpy((char *)buf + n, &f->events[0], sizeof(f->events[0]));
		memmove(&f->events[0], &f->events[1],
			--f->nevents * sizeof(f->events[0]));
		n += sizeof(f->events[0]);
	}
	if (n)
		return (ssize_t)n;
	if (f->read_errno)
		return errno_fail(f->read_errno);
	return errno_fail(EAGAIN);
}

static struct gpio_cdev_sys fake_sys = {
	.open = fake_open,
	.reopen = fake_reopen,
	.close = fake_close,
	.ioctl = fake_ioctl,
	.read = fake_read,
	.fstat = fake_fstat,
	.set_nonblock = fake_set_nonblock,
};

/* Queues an edge on whatever request holds @chip's line @offset. */
static int queue_event(int chip, unsigned int offset, uint32_t id)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++) {
		struct fake_fd *f = &k.fds[i];

		if (f->kind == FD_REQUEST && f->chip == chip &&
		    f->offset == offset) {
			assert_true(f->nevents < 8);
			f->events[f->nevents++] = (struct gpio_v2_line_event){
				.id = id, .offset = offset};
			return FD_BASE + i;
		}
	}
	fail_msg("line %u of chip %d is not requested", offset, chip);
	return -1;
}

static int request_fd_of(int chip, unsigned int offset)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++)
		if (k.fds[i].kind == FD_REQUEST && k.fds[i].chip == chip &&
		    k.fds[i].offset == offset)
			return FD_BASE + i;
	return -1;
}

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

static void create_dev_file(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", k.dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static int setup(void **state)
{
	static const char *names0[8] = {"LED_A", "LED_B", "BTN_1", "",
					"DUP",	 "DUP",	  "BTN_2", "RESET"};
	unsigned int i;

	memset(&k.chips, 0, sizeof(k.chips));
	memset(&k.fds, 0, sizeof(k.fds));
	k.open_fds = 0;
	k.set_configs = 0;
	memset(&loop, 0, sizeof(loop));
	memset(&reports, 0, sizeof(reports));

	k.chips[0] = (struct fake_chip){.present = true,
					.label = "gpio-sim.0-node0",
					.nlines = 8,
					.rdev = makedev(254, 0)};
	for (i = 0; i < 8; i++)
		strcpy(k.chips[0].lines[i].name, names0[i]);
	k.chips[1] = (struct fake_chip){.present = true,
					.label = "other",
					.nlines = 4,
					.rdev = makedev(254, 1)};
	k.chips[2] = (struct fake_chip){.present = true,
					.label = "twin",
					.nlines = 2,
					.rdev = makedev(254, 2)};
	gpio_cdev_sys_set(&fake_sys);
	return 0;
}

static int teardown(void **state)
{
	gpio_cdev_sys_set(NULL);
	/* Every back-end was destroyed: nothing may stay open. */
	assert_int_equal(k.open_fds, 0);
	assert_int_equal(loop.count, 0);
	return 0;
}

/*
 * The fake sysfs: /sys/dev/char/MAJ:MIN/subsystem for @rdev, a link to
 * @subsystem (as the kernel's: relative, "../../../bus/gpio" for a chip).
 */
static void create_sysfs_entry(dev_t rdev, const char *subsystem)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dev/char/%u:%u", k.sys_dir,
		 major(rdev), minor(rdev));
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/subsystem", k.sys_dir,
		 major(rdev), minor(rdev));
	assert_int_equal(symlink(subsystem, path), 0);
}

/* Device numbers the fake sysfs knows: GPIO chips, a tty, a watchdog. */
#define RDEV_TTY      makedev(5, 2)
#define RDEV_WATCHDOG makedev(10, 130)
#define RDEV_UNKNOWN  makedev(7, 77)

static int group_setup(void **state)
{
	unsigned int i;
	char name[16], path[PATH_MAX];

	strcpy(k.dir, "/tmp/vdg-cdev-XXXXXX");
	assert_non_null(mkdtemp(k.dir));
	fake_sys.dev_dir = k.dir;
	for (i = 0; i < FAKE_CHIPS; i++) {
		snprintf(name, sizeof(name), "gpiochip%u", i);
		create_dev_file(name);
	}
	create_dev_file("null");
	snprintf(k.sys_dir, sizeof(k.sys_dir), "%s/sys", k.dir);
	fake_sys.sys_dir = k.sys_dir;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", k.sys_dir,
			 i == 0	  ? ""
			 : i == 1 ? "/dev"
				  : "/dev/char");
		assert_int_equal(mkdir(path, 0755), 0);
	}
	for (i = 0; i < FAKE_CHIPS; i++)
		create_sysfs_entry(makedev(254, i), "../../../bus/gpio");
	create_sysfs_entry(RDEV_TTY, "../../../class/tty");
	create_sysfs_entry(RDEV_WATCHDOG, "../../../class/misc");
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

static int group_teardown(void **state)
{
	/* The fake /dev and the fake /sys in it. */
	return nftw(k.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
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
	assert_int_equal(cdev_new(&list, "vhost-gpio:test0", &be, err,
				  sizeof(err)),
			 0);
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
		const char *dir = strstr(message, "DIR");

		if (dir)
			snprintf(expected, sizeof(expected), "%.*s%s%s",
				 (int)(dir - message), message, k.dir, dir + 3);
		else
			snprintf(expected, sizeof(expected), "%s", message);
		assert_string_equal(err, expected);
	}
	device_list_free(&list);
	assert_int_equal(k.open_fds, 0);
}

/* No line of chip @chip outside @selected (a bitmask) was ever touched. */
static void assert_untouched_except(int chip, unsigned int selected)
{
	unsigned int i;

	for (i = 0; i < k.chips[chip].nlines; i++) {
		if (selected & (1u << i))
			continue;
		assert_int_equal(k.chips[chip].lines[i].touches, 0);
		assert_int_equal(k.chips[chip].lines[i].requests, 0);
	}
}

static void assert_no_info_read_except(int chip, unsigned int selected)
{
	unsigned int i;

	for (i = 0; i < k.chips[chip].nlines; i++)
		if (!(selected & (1u << i)))
			assert_int_equal(k.chips[chip].lines[i].info_reads, 0);
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

static void test_line_config(void **state)
{
	struct gpio_v2_line_config cfg;
	const uint64_t both =
		GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;

	memset(&cfg, 0xff, sizeof(cfg));
	gpio_cdev_line_config(GPIO_DIRECTION_OUT, 1, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_OUTPUT);
	assert_int_equal(cfg.num_attrs, 1);
	assert_int_equal(cfg.attrs[0].attr.id,
			 GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
	assert_int_equal(cfg.attrs[0].attr.values, 1);
	assert_int_equal(cfg.attrs[0].mask, 1);
	assert_int_equal(cfg.padding[0], 0);
	gpio_cdev_line_config(GPIO_DIRECTION_OUT, 0, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &cfg);
	assert_int_equal(cfg.attrs[0].attr.values, 0);
	assert_int_equal(cfg.attrs[0].mask, 1);

	gpio_cdev_line_config(GPIO_DIRECTION_IN, 1, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT);
	assert_int_equal(cfg.num_attrs, 0);
	/* "As is": no direction at all. */
	gpio_cdev_line_config(GPIO_DIRECTION_NONE, 0, VIRTIO_GPIO_IRQ_TYPE_NONE,
			      &cfg);
	assert_int_equal(cfg.flags, 0);
	assert_int_equal(cfg.num_attrs, 0);

	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0,
			      VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT |
					    GPIO_V2_LINE_FLAG_EDGE_RISING);
	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0,
			      VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT |
					    GPIO_V2_LINE_FLAG_EDGE_FALLING);
	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0,
			      VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	/* Level types are built from both edges. */
	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0,
			      VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	gpio_cdev_line_config(GPIO_DIRECTION_IN, 0,
			      VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	/* Edges need an input: "as is" asks for one. */
	gpio_cdev_line_config(GPIO_DIRECTION_NONE, 0,
			      VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	/* An output with edges is left for the kernel to refuse. */
	gpio_cdev_line_config(GPIO_DIRECTION_OUT, 1,
			      VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, &cfg);
	assert_int_equal(cfg.flags, GPIO_V2_LINE_FLAG_OUTPUT |
					    GPIO_V2_LINE_FLAG_EDGE_RISING);
	assert_int_not_equal(flags_validate(cfg.flags), 0);
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
	snprintf(path, sizeof(path), "%s/gpiochip1", k.dir);
	assert_true(gpio_cdev_is(be));
	assert_string_equal(gpio_cdev_chip_path(be), path);
	assert_int_equal(be->ngpio, 4);
	assert_null(be->read_only);
	gpio_backend_destroy(be);

	snprintf(text, sizeof(text), "%s/gpiochip1[2]", k.dir);
	be = open_ok(text);
	assert_string_equal(gpio_cdev_chip_path(be), path);
	assert_int_equal(be->ngpio, 1);
	gpio_backend_destroy(be);

	be = open_ok("@gpio-sim.0-node0[LED_A,BTN_1(ro)]");
	snprintf(path, sizeof(path), "%s/gpiochip0", k.dir);
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
	snprintf(text, sizeof(text), "%s/null", k.dir);
	/* A real file that our fake open does not know: missing. */
	open_fails(text, -ENOENT, NULL);
	k.chips[1].not_chip = true;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO "
		   "chip");
	k.chips[1].not_chip = false;
	k.chips[1].not_chr = true;
	open_fails("1[0]", -ENOTTY,
		   "entry 1 \"1[0]\": DIR/gpiochip1 is not a "
		   "GPIO chip");
	k.chips[1].not_chr = false;
	k.chips[1].no_access = true;
	open_fails("1", -EACCES,
		   "entry 1 \"1\": cannot open DIR/gpiochip1: "
		   "Permission denied");
	open_fails("@nothing", -ENOENT,
		   "entry 1 \"@nothing\": no GPIO chip in "
		   "DIR is labelled \"nothing\" (some "
		   "could not be opened)");
	k.chips[1].no_access = false;
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

	k.chips[1].not_chr = true;
	open_fails("1", -ENOTTY, message);
	k.chips[1].not_chr = false;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		k.chips[1].rdev = others[i];
		open_fails("1", -ENOTTY, message);
	}
	assert_int_equal(k.chips[1].opens, 0);
	/* A chip is opened, once. */
	k.chips[1].rdev = makedev(254, 1);
	be = open_ok("1");
	assert_int_equal(k.chips[1].opens, 1);
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

	snprintf(missing, sizeof(missing), "%s/no-sys", k.dir);
	fake_sys.sys_dir = missing;
	k.chips[1].rdev = RDEV_TTY;
	k.chips[1].not_chip = true;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO chip");
	assert_int_equal(k.chips[1].opens, 1);
	be = open_ok("0");
	gpio_backend_destroy(be);
	fake_sys.sys_dir = k.sys_dir;
}

/*
 * The path led to another device by the time it was opened (reopened by
 * name when /proc is missing): refused, both descriptors closed.
 */
static void test_open_changed_while_opening(void **state)
{
	k.chips[1].swap_to = 2 + 1;
	open_fails("1", -ENOTTY,
		   "entry 1 \"1\": DIR/gpiochip1 is not a GPIO chip");
	assert_int_equal(k.chips[2].opens, 1);
}

/* A label is looked for among GPIO chips only: the others are not opened. */
static void test_open_label_skips_other_devices(void **state)
{
	struct gpio_backend *be;

	k.chips[2].rdev = RDEV_TTY;
	open_fails("@twin", -ENOENT,
		   "entry 1 \"@twin\": no GPIO chip in DIR is labelled "
		   "\"twin\"");
	be = open_ok("@other");
	assert_int_equal(be->ngpio, 4);
	gpio_backend_destroy(be);
	assert_int_equal(k.chips[2].opens, 0);
	/* Two scans (each opens every chip), then the one for use. */
	assert_int_equal(k.chips[1].opens, 3);
}

static void test_open_label_ambiguous(void **state)
{
	char message[512];

	strcpy(k.chips[2].label, "gpio-sim.0-node0");
	snprintf(message, sizeof(message),
		 "entry 1 \"@gpio-sim.0-node0\": %s/gpiochip0 and "
		 "%s/gpiochip2 are both labelled \"gpio-sim.0-node0\"; name "
		 "the chip by path",
		 k.dir, k.dir);
	open_fails("@gpio-sim.0-node0", -EINVAL, message);
}

static void test_open_label_cut_by_kernel(void **state)
{
	struct gpio_backend *be;

	/* The kernel reports 31 bytes of a longer label. */
	strcpy(k.chips[2].label, "0123456789012345678901234567890");
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
		 k.dir);
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
	struct fake_line *l6 = &k.chips[0].lines[6];
	uint8_t v = 9;

	/* Nothing is requested at start-up. */
	assert_int_equal(l6->requests, 0);
	/* Guest line 2 is host line 6: the value comes with the request. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_OUT, 1),
			 0);
	assert_int_equal(l6->requests, 1);
	assert_string_equal(l6->consumer, "vhost-gpio:test0");
	assert_int_equal(k.last_request.offsets[0], 6);
	assert_int_equal(k.last_request.config.flags, GPIO_V2_LINE_FLAG_OUTPUT);
	assert_int_equal(k.last_request.config.attrs[0].attr.values, 1);
	assert_true(l6->is_out);
	assert_int_equal(l6->value, 1);

	assert_int_equal(be->ops->set_value(be, 2, 0), 0);
	assert_int_equal(l6->value, 0);
	assert_int_equal(be->ops->get_value(be, 2, &v), 0);
	assert_int_equal(v, 0);

	/* Later changes reconfigure the same request. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_IN, 0),
			 0);
	assert_false(l6->is_out);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_INPUT);
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_OUT, 1),
			 0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_OUTPUT);
	assert_int_equal(l6->value, 1);
	assert_int_equal(l6->requests, 1);
	assert_int_equal(k.set_configs, 2);

	/* NONE gives the line back. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_NONE, 0),
			 0);
	assert_string_equal(l6->consumer, "");
	assert_int_equal(request_fd_of(0, 6), -1);
	assert_untouched_except(0, 1u << 6);
	gpio_backend_destroy(be);
}

static void test_get_value_requests_as_is(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");
	struct fake_line *l3 = &k.chips[0].lines[3];
	uint8_t v = 9;

	l3->is_out = true;
	l3->value = 1;
	assert_int_equal(be->ops->get_value(be, 0, &v), 0);
	assert_int_equal(v, 1);
	/* No direction flag: the host output stays an output. */
	assert_int_equal(k.last_request.config.flags, 0);
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
	struct fake_line *l0 = &k.chips[1].lines[0];
	enum gpio_direction dir = GPIO_DIRECTION_NONE;

	l0->is_out = true;
	assert_int_equal(be->ops->get_direction(be, 0, &dir), 0);
	assert_int_equal(dir, GPIO_DIRECTION_OUT);
	assert_int_equal(be->ops->get_direction(be, 1, &dir), 0);
	assert_int_equal(dir, GPIO_DIRECTION_IN);
	/* The device model believes it an output: it becomes ours as one. */
	assert_int_equal(be->ops->set_value(be, 0, 1), 0);
	assert_int_equal(k.last_request.config.flags, GPIO_V2_LINE_FLAG_OUTPUT);
	assert_int_equal(l0->value, 1);
	/* An "as is" request turned into an output by SET_CONFIG. */
	l0 = &k.chips[1].lines[1];
	l0->is_out = true;
	assert_int_equal(be->ops->get_value(be, 1, &(uint8_t){0}), 0);
	assert_int_equal(be->ops->set_value(be, 1, 1), 0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_OUTPUT);
	assert_int_equal(l0->value, 1);
	assert_int_equal(l0->requests, 1);
	gpio_backend_destroy(be);
}

static void test_edges(void **state)
{
	struct gpio_backend *be = open_ok("0[3,5-7]");
	const uint64_t both =
		GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
	int fd;

	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_IN, 0),
			 0);
	fd = request_fd_of(0, 5);
	assert_false(watched(fd));
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	assert_true(watched(fd));

	queue_event(0, 5, GPIO_V2_LINE_EVENT_RISING_EDGE);
	queue_event(0, 5, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	queue_event(0, 5, GPIO_V2_LINE_EVENT_RISING_EDGE);
	k.fds[fd - FD_BASE].reads = 0;
	fire(fd);
	/* A short read emptied the queue: no second read to hear EAGAIN. */
	assert_int_equal(k.fds[fd - FD_BASE].reads, 1);
	assert_int_equal(reports.count, 3);
	assert_int_equal(reports.lines[0], 1);
	assert_int_equal(reports.levels[0], 1);
	assert_int_equal(reports.levels[1], 0);
	assert_int_equal(reports.levels[2], 1);

	/* Rising only; then level types use both edges. */
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		0);
	assert_int_equal(k.last_config.flags,
			 GPIO_V2_LINE_FLAG_INPUT |
				 GPIO_V2_LINE_FLAG_EDGE_RISING);
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW),
		0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_INPUT | both);
	assert_true(watched(fd));

	/* Off: unwatched, queued edges thrown away, still an input. */
	queue_event(0, 5, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_INPUT);
	assert_false(watched(fd));
	assert_int_equal(k.fds[fd - FD_BASE].nevents, 0);
	assert_int_equal(request_fd_of(0, 5), fd);
	assert_int_equal(reports.count, 3);
	/* NONE again, or on a line never requested: nothing touched. */
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	assert_int_equal(k.chips[0].lines[3].touches, 0);
	assert_untouched_except(0, 1u << 5);
	gpio_backend_destroy(be);
}

static void test_edges_on_untouched_line(void **state)
{
	struct gpio_backend *be = open_ok("1");
	int fd;

	assert_int_equal(
		be->ops->set_irq_type(be, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH),
		0);
	assert_int_equal(k.last_request.config.flags,
			 GPIO_V2_LINE_FLAG_INPUT |
				 GPIO_V2_LINE_FLAG_EDGE_RISING |
				 GPIO_V2_LINE_FLAG_EDGE_FALLING);
	fd = request_fd_of(1, 3);
	assert_true(watched(fd));
	/* Disabling keeps it an input: the kernel only stops edges then. */
	assert_int_equal(
		be->ops->set_irq_type(be, 3, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	assert_int_equal(k.last_config.flags, GPIO_V2_LINE_FLAG_INPUT);
	assert_false(watched(fd));
	/* A line read "as is" becomes an input for its edges, and stays. */
	assert_int_equal(be->ops->get_value(be, 2, &(uint8_t){0}), 0);
	assert_int_equal(k.last_request.config.flags, 0);
	assert_int_equal(
		be->ops->set_irq_type(be, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	assert_int_equal(
		be->ops->set_irq_type(be, 2, VIRTIO_GPIO_IRQ_TYPE_NONE), 0);
	assert_int_equal(k.chips[1].lines[2].flags, GPIO_V2_LINE_FLAG_INPUT);
	assert_false(watched(request_fd_of(1, 2)));
	/* Reset while watched: unwatched and released. */
	assert_int_equal(
		be->ops->set_irq_type(be, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	assert_true(watched(fd));
	be->ops->reset(be);
	assert_false(watched(fd));
	assert_int_equal(request_fd_of(1, 3), -1);
	gpio_backend_destroy(be);
}

static void test_edges_refused_on_output(void **state)
{
	struct gpio_backend *be = open_ok("1");
	int fd;

	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_OUT, 1),
			 0);
	fd = request_fd_of(1, 0);
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		-EINVAL);
	assert_false(watched(fd));
	assert_true(k.chips[1].lines[0].is_out);
	assert_int_equal(k.chips[1].lines[0].value, 1);
	/* And an input with edges cannot become an output. */
	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_IN, 0),
			 0);
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		0);
	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_OUT, 1),
			 -EINVAL);
	assert_false(k.chips[1].lines[1].is_out);
	assert_true(watched(request_fd_of(1, 1)));
	gpio_backend_destroy(be);
	assert_int_equal(loop.count, 0);
}

static void test_edges_without_loop(void **state)
{
	struct gpio_backend *be = open_ok("1");

	be->watcher = NULL;
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		-EOPNOTSUPP);
	assert_int_equal(k.chips[1].lines[0].touches, 0);
	be->watcher = &watcher;

	/* A watch that fails leaves no edge detection behind. */
	loop.fail_next = -ENOMEM;
	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		-ENOMEM);
	assert_int_equal(request_fd_of(1, 0), -1);
	assert_string_equal(k.chips[1].lines[0].consumer, "");
	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_IN, 0),
			 0);
	loop.fail_next = -ENOMEM;
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
		-ENOMEM);
	assert_int_equal(k.chips[1].lines[1].flags, GPIO_V2_LINE_FLAG_INPUT);
	gpio_backend_destroy(be);
}

static void test_busy_line(void **state)
{
	struct gpio_backend *be = open_ok("0[LED_A,LED_B]");
	uint8_t v;

	strcpy(k.chips[0].lines[1].consumer, "gpioset");
	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_OUT, 1),
			 -EBUSY);
	assert_int_equal(be->ops->get_value(be, 1, &v), -EBUSY);
	assert_int_equal(be->ops->set_value(be, 1, 1), -EBUSY);
	assert_int_equal(
		be->ops->set_irq_type(be, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		-EBUSY);
	assert_string_equal(k.chips[0].lines[1].consumer, "gpioset");
	assert_int_equal(loop.count, 0);
	/* The other line is served. */
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_OUT, 1),
			 0);
	/* Freed by its holder: the next request works. */
	k.chips[0].lines[1].consumer[0] = '\0';
	assert_int_equal(be->ops->set_direction(be, 1, GPIO_DIRECTION_IN, 0),
			 0);
	gpio_backend_destroy(be);
}

static void test_chip_gone(void **state)
{
	struct gpio_backend *be = open_ok("1");
	enum gpio_direction dir;
	uint8_t v;
	int fd;

	assert_int_equal(
		be->ops->set_irq_type(be, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	fd = request_fd_of(1, 2);
	k.chips[1].gone = true;
	assert_int_equal(be->ops->set_direction(be, 0, GPIO_DIRECTION_IN, 0),
			 -ENODEV);
	assert_int_equal(be->ops->get_value(be, 2, &v), -ENODEV);
	assert_int_equal(be->ops->get_direction(be, 1, &dir), -ENODEV);
	/* The request fd hangs up: read fails, the fd leaves the loop. */
	k.fds[fd - FD_BASE].read_errno = ENODEV;
	fire(fd);
	assert_false(watched(fd));
	assert_int_equal(reports.count, 0);
	/* Disabling fails too; the device model disables its side anyway. */
	assert_int_equal(
		be->ops->set_irq_type(be, 2, VIRTIO_GPIO_IRQ_TYPE_NONE),
		-ENODEV);
	/* NONE always releases. */
	assert_int_equal(be->ops->set_direction(be, 2, GPIO_DIRECTION_NONE, 0),
			 0);
	assert_int_equal(request_fd_of(1, 2), -1);
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

	assert_int_equal(
		be->ops->set_irq_type(be, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH),
		0);
	fd = request_fd_of(1, 0);
	queue_event(1, 0, GPIO_V2_LINE_EVENT_RISING_EDGE);
	queue_event(1, 0, GPIO_V2_LINE_EVENT_FALLING_EDGE);
	/* The fd is closed after the first edge: nothing more is read. */
	release_on_report = be;
	be->level_changed = on_level_release;
	fire(fd);
	assert_int_equal(reports.count, 1);
	assert_int_equal(reports.levels[0], 1);
	assert_false(watched(fd));
	assert_int_equal(request_fd_of(1, 0), -1);
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
		be->ops->set_direction(be, i, GPIO_DIRECTION_IN, 0);
		be->ops->get_value(be, i, &v);
		be->ops->set_irq_type(be, i, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
		be->ops->set_irq_type(be, i, VIRTIO_GPIO_IRQ_TYPE_NONE);
		be->ops->set_direction(be, i, GPIO_DIRECTION_OUT, 1);
		be->ops->set_value(be, i, 0);
	}
	be->ops->reset(be);
	assert_untouched_except(0, 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7);
	assert_no_info_read_except(0, 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7);
	assert_int_equal(be->read_only[3], 1);
	assert_int_equal(be->read_only[0], 0);
	gpio_backend_destroy(be);
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
	};

	/* Warnings about refused requests are expected here. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
