// SPDX-License-Identifier: MIT
/* The host-chip tests' fake kernel.  See fake_kernel.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "unit_helpers.h"

/* The chip @path is (a symlink to it too), or NULL. */
static struct fake_chip *chip_of_path(const char *path)
{
	char real[PATH_MAX], expected[PATH_MAX], real_expected[PATH_MAX];
	int i;

	if (!realpath(path, real))
		return NULL;
	for (i = 0; i < FAKE_CHIPS; i++) {
		snprintf(expected, sizeof(expected), "%s/gpiochip%d",
			 kernel.dir, i);
		if (kernel.chips[i].present &&
		    realpath(expected, real_expected) &&
		    !strcmp(real, real_expected))
			return &kernel.chips[i];
	}
	return NULL;
}

static int fd_new(enum fd_kind kind, int chip, unsigned int offset)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++) {
		if (kernel.fds[i].kind != FD_FREE)
			continue;
		memset(&kernel.fds[i], 0, sizeof(kernel.fds[i]));
		kernel.fds[i].kind = kind;
		kernel.fds[i].chip = chip;
		kernel.fds[i].offset = offset;
		kernel.open_fds++;
		return FD_BASE + i;
	}
	errno = EMFILE;
	return -1;
}

static struct fake_fd *fd_get(int fd, enum fd_kind kind)
{
	if (fd < FD_BASE || fd >= FD_BASE + FAKE_FDS ||
	    kernel.fds[fd - FD_BASE].kind != kind)
		return NULL;
	return &kernel.fds[fd - FD_BASE];
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
	return fd_new(FD_PATH, (int)(chip - kernel.chips), 0);
}

/* Opening for real what an O_PATH fd is (the same chip, unless swapped). */
static int fake_reopen(int path_fd, const char *path, int flags)
{
	struct fake_fd *f = fd_get(path_fd, FD_PATH);
	struct fake_chip *chip;
	int index;

	assert_non_null(f);
	assert_ptr_equal(chip_of_path(path), &kernel.chips[f->chip]);
	assert_int_equal(flags, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	index = kernel.chips[f->chip].swap_to
			? kernel.chips[f->chip].swap_to - 1
			: f->chip;
	chip = &kernel.chips[index];
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
		struct fake_line *l = &kernel.chips[f->chip].lines[f->offset];

		/* Released: free for others; the pin keeps its direction. */
		l->consumer[0] = '\0';
		l->flags = 0;
		l->debounce_us = 0;
	} else {
		f = fd_get(fd, FD_CHIP);
		if (!f)
			f = fd_get(fd, FD_PATH);
	}
	assert_non_null(f);
	f->kind = FD_FREE;
	kernel.open_fds--;
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
		kernel.chips[f->chip].not_chr ? S_IFREG | 0600 : S_IFCHR | 0600;
	st->st_rdev = kernel.chips[f->chip].rdev;
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

#define FAKE_BIAS_FLAGS                                                      \
	(GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN | \
	 GPIO_V2_LINE_FLAG_BIAS_DISABLED)

int fake_kernel_flags_validate(uint64_t flags)
{
	uint64_t edges =
		GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;

	if ((flags & GPIO_V2_LINE_FLAG_INPUT) &&
	    (flags & GPIO_V2_LINE_FLAG_OUTPUT))
		return -EINVAL;
	if ((flags & edges) && !(flags & GPIO_V2_LINE_FLAG_INPUT))
		return -EINVAL;
	if ((flags & GPIO_V2_LINE_FLAG_OPEN_DRAIN) &&
	    (flags & GPIO_V2_LINE_FLAG_OPEN_SOURCE))
		return -EINVAL;
	if ((flags &
	     (GPIO_V2_LINE_FLAG_OPEN_DRAIN | GPIO_V2_LINE_FLAG_OPEN_SOURCE)) &&
	    !(flags & GPIO_V2_LINE_FLAG_OUTPUT))
		return -EINVAL;
	if (__builtin_popcountll(flags & FAKE_BIAS_FLAGS) > 1)
		return -EINVAL;
	if ((flags & FAKE_BIAS_FLAGS) &&
	    !(flags & (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT)))
		return -EINVAL;
	return 0;
}

uint32_t fake_kernel_config_debounce(const struct gpio_v2_line_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->num_attrs; i++)
		if (cfg->attrs[i].attr.id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE &&
		    (cfg->attrs[i].mask & 1))
			return cfg->attrs[i].attr.debounce_period_us;
	return 0;
}

/*
 * gpio_v2_line_config_validate() and what the chip's driver refuses:
 * 0 or -errno.
 */
static int config_validate(const struct fake_chip *chip,
			   const struct gpio_v2_line_config *cfg)
{
	uint32_t debounce_us = fake_kernel_config_debounce(cfg);
	unsigned int i;

	if (cfg->num_attrs > GPIO_V2_LINE_NUM_ATTRS_MAX)
		return -EINVAL;
	for (i = 0; i < cfg->num_attrs; i++) {
		assert_int_equal(cfg->attrs[i].mask, 1);
		assert_int_equal(cfg->attrs[i].attr.padding, 0);
	}
	if (fake_kernel_flags_validate(cfg->flags))
		return -EINVAL;
	/* A debounce period needs an explicit input. */
	if (debounce_us && !(cfg->flags & GPIO_V2_LINE_FLAG_INPUT))
		return -EINVAL;
	if (debounce_us && chip->debounce_errno)
		return -chip->debounce_errno;
	if ((cfg->flags & FAKE_BIAS_FLAGS) && chip->bias_errno)
		return -chip->bias_errno;
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
	if (cfg->flags & (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT))
		l->debounce_us = fake_kernel_config_debounce(cfg);
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
			      (l->consumer[0] ? GPIO_V2_LINE_FLAG_USED : 0) |
			      (l->flags &
			       (GPIO_V2_LINE_FLAG_ACTIVE_LOW | FAKE_BIAS_FLAGS |
				GPIO_V2_LINE_FLAG_OPEN_DRAIN |
				GPIO_V2_LINE_FLAG_OPEN_SOURCE));
		if (l->debounce_us) {
			info->num_attrs = 1;
			info->attrs[0].id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
			info->attrs[0].debounce_period_us = l->debounce_us;
		}
		return 0;
	}
	if (request == GPIO_V2_GET_LINE_IOCTL) {
		struct gpio_v2_line_request *req = arg;
		struct fake_line *l;
		int fd, ret;

		kernel.last_request = *req;
		assert_int_equal(req->num_lines, 1);
		if (req->offsets[0] >= chip->nlines)
			return errno_fail(EINVAL);
		l = &chip->lines[req->offsets[0]];
		l->touches++;
		if (l->consumer[0])
			return errno_fail(EBUSY);
		ret = config_validate(chip, &req->config);
		if (ret)
			return errno_fail(-ret);
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
	struct fake_chip *chip = &kernel.chips[f->chip];
	struct fake_line *l = &chip->lines[f->offset];

	if (chip->gone)
		return errno_fail(ENODEV);
	l->touches++;
	if (request == GPIO_V2_LINE_SET_CONFIG_IOCTL) {
		struct gpio_v2_line_config *cfg = arg;
		int ret;

		kernel.last_config = *cfg;
		kernel.set_configs++;
		ret = config_validate(chip, cfg);
		if (ret)
			return errno_fail(-ret);
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
		return chip_ioctl(&kernel.chips[f->chip], f->chip, request,
				  arg);
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

struct fake_kernel kernel = {
	.sys =
		{
			.open = fake_open,
			.reopen = fake_reopen,
			.close = fake_close,
			.ioctl = fake_ioctl,
			.read = fake_read,
			.fstat = fake_fstat,
			.set_nonblock = fake_set_nonblock,
		},
};

int fake_kernel_queue_event(int chip, unsigned int offset, uint32_t id)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++) {
		struct fake_fd *f = &kernel.fds[i];

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

int fake_kernel_request_fd(int chip, unsigned int offset)
{
	int i;

	for (i = 0; i < FAKE_FDS; i++)
		if (kernel.fds[i].kind == FD_REQUEST &&
		    kernel.fds[i].chip == chip &&
		    kernel.fds[i].offset == offset)
			return FD_BASE + i;
	return -1;
}

void fake_kernel_message(const char *message, char *out, size_t size)
{
	const char *at;
	size_t len = 0;

	out[0] = '\0';
	while ((at = strstr(message, "DIR")) && len < size) {
		len += (size_t)snprintf(out + len, size - len, "%.*s%s",
					(int)(at - message), message,
					kernel.dir);
		message = at + 3;
	}
	if (len < size)
		snprintf(out + len, size - len, "%s", message);
}

static void create_dev_file(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", kernel.dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

/*
 * The fake sysfs: /sys/dev/char/MAJ:MIN/subsystem for @rdev, a link to
 * @subsystem (as the kernel's: relative, "../../../bus/gpio" for a chip).
 */
static void create_sysfs_entry(dev_t rdev, const char *subsystem)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dev/char/%u:%u", kernel.sys_dir,
		 major(rdev), minor(rdev));
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/subsystem",
		 kernel.sys_dir, major(rdev), minor(rdev));
	assert_int_equal(symlink(subsystem, path), 0);
}

int fake_kernel_create(void)
{
	unsigned int i;
	char name[16], path[PATH_MAX];

	assert_int_equal(unit_temp_dir(kernel.dir, sizeof(kernel.dir), "cdev"),
			 0);
	kernel.sys.dev_dir = kernel.dir;
	for (i = 0; i < FAKE_CHIPS; i++) {
		snprintf(name, sizeof(name), "gpiochip%u", i);
		create_dev_file(name);
	}
	create_dev_file("null");
	snprintf(kernel.sys_dir, sizeof(kernel.sys_dir), "%s/sys", kernel.dir);
	kernel.sys.sys_dir = kernel.sys_dir;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", kernel.sys_dir,
			 i == 0	  ? ""
			 : i == 1 ? "/dev"
				  : "/dev/char");
		assert_int_equal(mkdir(path, 0755), 0);
	}
	for (i = 0; i < FAKE_CHIPS; i++)
		create_sysfs_entry(RDEV_CHIP(i), "../../../bus/gpio");
	create_sysfs_entry(RDEV_TTY, "../../../class/tty");
	create_sysfs_entry(RDEV_WATCHDOG, "../../../class/misc");
	return 0;
}

int fake_kernel_remove(void)
{
	gpio_cdev_sys_set(NULL);
	/* The fake /dev and the fake /sys in it. */
	return unit_remove_tree(kernel.dir);
}

void fake_kernel_reset(void)
{
	memset(&kernel.chips, 0, sizeof(kernel.chips));
	memset(&kernel.fds, 0, sizeof(kernel.fds));
	kernel.open_fds = 0;
	kernel.set_configs = 0;
	gpio_cdev_sys_set(&kernel.sys);
}
