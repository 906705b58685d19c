// SPDX-License-Identifier: MIT
/*
 * Opening a host GPIO chip and reading it: see gpio_chip.h.
 */
#include "gpio_chip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ascii.h"
#include "errbuf.h"
#include "gpio_cdev_sys.h"

struct gpio_chip {
	const struct gpio_cdev_sys *sys;
	int fd;
	char *path;
	dev_t rdev;
	uint32_t nlines;
};

/*
 * Whether sysfs shows the character device @rdev as a GPIO chip: its
 * subsystem is the gpio bus (/sys/dev/char/MAJ:MIN/subsystem ->
 * .../bus/gpio, what libgpiod checks too).  Returns 0 if it does or if
 * there is no sysfs to ask, -ENOTTY for any other device and for a number
 * no device has.
 */
static int chip_check_sysfs(const struct gpio_cdev_sys *sys, dev_t rdev)
{
	char path[PATH_MAX], target[PATH_MAX];
	size_t len;
	ssize_t n;

	if (!sys->sys_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/dev/char", sys->sys_dir);
	if (access(path, F_OK) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/subsystem",
		 sys->sys_dir, major(rdev), minor(rdev));
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -ENOTTY;
	target[n] = '\0';
	len = (size_t)n;
	if (len < 9 || strcmp(target + len - 9, "/bus/gpio"))
		return -ENOTTY;
	return 0;
}

/*
 * Opens @path and checks it is a GPIO chip, opening nothing else for real:
 * an O_PATH descriptor (no driver's open, no lease broken, no FIFO waited
 * on) must be a character device that sysfs, when there, does not show as
 * another kind of device; only then is that very file opened, non-blocking
 * and without becoming a controlling terminal, and asked for its chip info.
 * Returns the fd, or -errno: -ENOTTY for anything that is not a GPIO chip.
 */
static int open_checked(const struct gpio_cdev_sys *sys, const char *path,
			struct stat *st, struct gpiochip_info *info)
{
	struct stat opened;
	int path_fd, fd, ret;

	path_fd = sys->open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return -errno;
	if (sys->fstat(path_fd, st) < 0) {
		ret = -errno;
		goto err_close_path;
	}
	if (!S_ISCHR(st->st_mode)) {
		ret = -ENOTTY;
		goto err_close_path;
	}
	ret = chip_check_sysfs(sys, st->st_rdev);
	if (ret < 0)
		goto err_close_path;
	fd = sys->reopen(path_fd, path,
			 O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto err_close_path;
	}
	sys->close(path_fd);
	/* Reopened by name (no /proc): the path may lead elsewhere now. */
	if (sys->fstat(fd, &opened) < 0) {
		ret = -errno;
		goto err_close;
	}
	if (!S_ISCHR(opened.st_mode) || opened.st_rdev != st->st_rdev) {
		ret = -ENOTTY;
		goto err_close;
	}
	memset(info, 0, sizeof(*info));
	if (sys->ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, info) < 0) {
		ret = errno == ENOTTY || errno == EINVAL ? -ENOTTY : -errno;
		goto err_close;
	}
	info->name[sizeof(info->name) - 1] = '\0';
	info->label[sizeof(info->label) - 1] = '\0';
	return fd;

err_close:
	sys->close(fd);
	return ret;

err_close_path:
	sys->close(path_fd);
	return ret;
}

static void open_error(const char *path, int ret, char *err, size_t err_size)
{
	char printable[PATH_MAX];

	ascii_printable_copy(printable, sizeof(printable), path);
	if (ret == -ENOENT)
		errbuf_printf(err, err_size, "%s does not exist", printable);
	else if (ret == -ENOTTY)
		errbuf_printf(err, err_size, "%s is not a GPIO chip",
			      printable);
	else
		errbuf_printf(err, err_size, "cannot open %s: %s", printable,
			      strerror(-ret));
}

/* Whether the kernel's (possibly cut) @reported label is @wanted. */
static bool label_matches(const char *reported, const char *wanted)
{
	size_t max = GPIO_MAX_NAME_SIZE - 1;

	if (strlen(wanted) < max)
		return !strcmp(reported, wanted);
	return !strncmp(reported, wanted, max);
}

static int chip_dirent_filter(const struct dirent *d)
{
	return !strncmp(d->d_name, "gpiochip", 8);
}

/*
 * Finds the one chip in sys->dev_dir labelled @label: its path in *@path
 * (malloc'd).  Returns 0, -ENOENT or -EINVAL (two chips), -ENOMEM, with the
 * message set.
 */
static int chip_find_label(const struct gpio_cdev_sys *sys, const char *label,
			   char **path, char *err, size_t err_size)
{
	struct dirent **entries;
	char candidate[PATH_MAX], printable[GPIO_MAX_NAME_SIZE * 2];
	struct gpiochip_info info;
	struct stat st;
	int n, i, fd, ret = 0, unreadable = 0;

	*path = NULL;
	ascii_printable_copy(printable, sizeof(printable), label);
	n = scandir(sys->dev_dir, &entries, chip_dirent_filter, versionsort);
	if (n < 0) {
		ret = -errno;
		errbuf_printf(err, err_size, "cannot read %s: %s", sys->dev_dir,
			      strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++) {
		snprintf(candidate, sizeof(candidate), "%s/%s", sys->dev_dir,
			 entries[i]->d_name);
		fd = open_checked(sys, candidate, &st, &info);
		if (fd < 0) {
			/* Gone since the listing, or not a chip: no matter. */
			unreadable += fd != -ENOTTY && fd != -ENOENT;
			continue;
		}
		sys->close(fd);
		if (!label_matches(info.label, label) || ret)
			continue;
		if (*path) {
			errbuf_printf(err, err_size,
				      "%s and %s are both labelled "
				      "\"%s\"; name the chip by path",
				      *path, candidate, printable);
			ret = -EINVAL;
			continue;
		}
		*path = strdup(candidate);
		if (!*path)
			ret = -ENOMEM;
	}
	for (i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	if (!ret && !*path) {
		errbuf_printf(err, err_size,
			      "no GPIO chip in %s is labelled \"%s\"%s",
			      sys->dev_dir, printable,
			      unreadable ? " (some could not be opened)" : "");
		ret = -ENOENT;
	}
	if (ret) {
		free(*path);
		*path = NULL;
	}
	if (ret == -ENOMEM)
		errbuf_printf(err, err_size, "out of memory");
	return ret;
}

/* The path of the chip @ref names; malloc'd in *@path. */
static int chip_path(const struct gpio_cdev_sys *sys,
		     const struct gpio_chip_ref *ref, char **path, char *err,
		     size_t err_size)
{
	char buf[PATH_MAX];

	*path = NULL;
	switch (ref->kind) {
	case GPIO_CHIP_REF_NUMBER:
		snprintf(buf, sizeof(buf), "%s/gpiochip%u", sys->dev_dir,
			 ref->number);
		*path = strdup(buf);
		break;
	case GPIO_CHIP_REF_PATH:
		*path = strdup(ref->name);
		break;
	case GPIO_CHIP_REF_LABEL:
		return chip_find_label(sys, ref->name, path, err, err_size);
	}
	if (!*path) {
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int gpio_chip_open(const struct gpio_chip_ref *ref, struct gpio_chip **out,
		   char *err, size_t err_size)
{
	const struct gpio_cdev_sys *sys = gpio_cdev_sys_get();
	struct gpiochip_info info;
	struct gpio_chip *chip;
	struct stat st;
	int ret;

	*out = NULL;
	errbuf_clear(err, err_size);
	chip = calloc(1, sizeof(*chip));
	if (!chip) {
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	chip->sys = sys;
	ret = chip_path(sys, ref, &chip->path, err, err_size);
	if (ret)
		goto err_free;
	ret = open_checked(sys, chip->path, &st, &info);
	if (ret < 0) {
		open_error(chip->path, ret, err, err_size);
		goto err_free;
	}
	chip->fd = ret;
	chip->rdev = st.st_rdev;
	chip->nlines = info.lines;
	*out = chip;
	return 0;

err_free:
	free(chip->path);
	free(chip);
	return ret;
}

void gpio_chip_close(struct gpio_chip *chip)
{
	if (!chip)
		return;
	chip->sys->close(chip->fd);
	free(chip->path);
	free(chip);
}

const char *gpio_chip_path(const struct gpio_chip *chip)
{
	return chip->path;
}

dev_t gpio_chip_rdev(const struct gpio_chip *chip)
{
	return chip->rdev;
}

uint32_t gpio_chip_num_lines(const struct gpio_chip *chip)
{
	return chip->nlines;
}

int gpio_chip_line_info(const struct gpio_chip *chip, uint32_t offset,
			struct gpio_v2_line_info *info)
{
	memset(info, 0, sizeof(*info));
	info->offset = offset;
	if (chip->sys->ioctl(chip->fd, GPIO_V2_GET_LINEINFO_IOCTL, info) < 0)
		return -errno;
	info->name[sizeof(info->name) - 1] = '\0';
	info->consumer[sizeof(info->consumer) - 1] = '\0';
	return 0;
}

int gpio_chip_line_names(const struct gpio_chip *chip, const uint32_t *offsets,
			 unsigned int count, gpio_chip_name_t **block,
			 const char ***names, uint32_t *failed)
{
	struct gpio_v2_line_info info;
	unsigned int i;
	int ret;

	*block = calloc(count + 1u, sizeof(**block));
	*names = calloc(count + 1u, sizeof(**names));
	if (!*block || !*names)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		uint32_t offset = offsets ? offsets[i] : i;

		ret = gpio_chip_line_info(chip, offset, &info);
		if (ret) {
			*failed = offset;
			return ret;
		}
		memcpy((*block)[i], info.name, sizeof(info.name));
		(*names)[i] = info.name[0] ? (*block)[i] : NULL;
	}
	return 0;
}

int gpio_chip_request_line(const struct gpio_chip *chip, uint32_t offset,
			   const char *consumer,
			   const struct gpio_v2_line_config *cfg)
{
	const struct gpio_cdev_sys *sys = chip->sys;
	struct gpio_v2_line_request req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = offset;
	req.num_lines = 1;
	snprintf(req.consumer, sizeof(req.consumer), "%s", consumer);
	req.config = *cfg;
	if (sys->ioctl(chip->fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		return -errno;
	/* Edge events are read until EAGAIN from the event loop. */
	if (sys->set_nonblock(req.fd) < 0) {
		ret = -errno;
		sys->close(req.fd);
		return ret;
	}
	return req.fd;
}

/*
 * The selected lines' host names, copied from @all (every line's, read
 * already for a selection by name) or read from their line info alone.
 * 0, -ENOMEM, or the -errno of the line info of *@failed.
 */
static int selected_names(const struct gpio_chip *chip, const char *const *all,
			  struct gpio_chip_lines *out, uint32_t *failed)
{
	const struct gpio_selection *sel = &out->sel;
	unsigned int i;

	if (!all)
		return gpio_chip_line_names(chip, sel->offsets, sel->count,
					    &out->host_block, &out->host_names,
					    failed);
	out->host_block = calloc(sel->count + 1u, sizeof(*out->host_block));
	out->host_names = calloc(sel->count + 1u, sizeof(*out->host_names));
	if (!out->host_block || !out->host_names)
		return -ENOMEM;
	for (i = 0; i < sel->count; i++) {
		const char *name = all[sel->offsets[i]];

		if (name)
			out->host_names[i] = strcpy(out->host_block[i], name);
	}
	return 0;
}

int gpio_chip_select_lines(const struct gpio_chip *chip,
			   const struct gpio_selection_spec *spec,
			   struct gpio_chip_lines *out, char *err,
			   size_t err_size)
{
	gpio_chip_name_t *all_block = NULL;
	const char **all = NULL;
	uint32_t failed = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (gpio_selection_spec_has_names(spec)) {
		ret = gpio_chip_line_names(chip, NULL, chip->nlines, &all_block,
					   &all, &failed);
		if (ret && ret != -ENOMEM)
			errbuf_printf(err, err_size,
				      "cannot read the line names of %s: %s",
				      chip->path, strerror(-ret));
		if (ret)
			goto out;
	}
	ret = gpio_selection_resolve(spec, chip->path, chip->nlines, all,
				     &out->sel, err, err_size);
	if (ret)
		goto out_quiet;
	ret = selected_names(chip, all, out, &failed);
	if (ret && ret != -ENOMEM)
		errbuf_printf(err, err_size, "cannot read line %u of %s: %s",
			      failed, chip->path, strerror(-ret));
out:
	if (ret == -ENOMEM)
		errbuf_printf(err, err_size, "out of memory");
out_quiet:
	if (ret)
		gpio_chip_lines_free(out);
	free(all_block);
	free(all);
	return ret;
}

void gpio_chip_lines_free(struct gpio_chip_lines *lines)
{
	gpio_selection_free(&lines->sel);
	free(lines->host_block);
	free(lines->host_names);
	lines->host_block = NULL;
	lines->host_names = NULL;
}
