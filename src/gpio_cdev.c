// SPDX-License-Identifier: MIT
/*
 * Host GPIO lines through the GPIO character device: see gpio_cdev.h.
 *
 * Three layers, each only calling down: the ops (what the device model
 * asks for a line), line requests (one GPIO_V2_GET_LINE_IOCTL per line,
 * reconfigured in place), and a thin table of system calls that the unit
 * tests replace.  Which lines the guest gets and what they are called is
 * worked out in gpio_selection.c from the names read here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/virtio_gpio.h>

#include "ascii.h"
#include "gpio_cdev.h"
#include "gpio_selection.h"
#include "log.h"

/* A line's consumer and name as the kernel reports them, NUL-terminated. */
typedef char gpio_name_t[GPIO_MAX_NAME_SIZE];

/* Edge events read per read(2) call. */
#define EVENT_BATCH 16

/* The state of one guest line, that is one selected host line. */
struct cdev_line {
	struct gpio_cdev *cdev;
	uint32_t offset; /* on the host chip */
	int fd;		 /* the line request, -1 while released */
	/* What the request says, valid while fd >= 0: */
	uint8_t dir;	   /* enum gpio_direction; NONE: "as is" */
	uint8_t out_value; /* driven when dir is OUT */
	uint8_t irq_type;  /* VIRTIO_GPIO_IRQ_TYPE_*: edge detection on */
	uint8_t watched;   /* fd is in the event loop */
};

struct gpio_cdev {
	struct gpio_backend be; /* first: the ops get &be */
	const struct gpio_cdev_sys *sys;
	int chip_fd;
	char *chip_path;
	dev_t rdev;
	char consumer[GPIO_MAX_NAME_SIZE];
	struct gpio_selection sel; /* be.read_only is sel.read_only */
	struct cdev_line *lines;   /* be.ngpio entries */
	/* The selected lines' host names, for gpio_cdev_warn_unnamed. */
	gpio_name_t *host_block;
	const char **host_names;
};

static const struct gpio_backend_ops cdev_ops;

/* The real system calls. */

static int sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int sys_reopen(int path_fd, const char *path, int flags)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	fd = open(proc, flags);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* No /proc: by name; chip_open() checks it is the same device. */
	return open(path, flags);
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static int sys_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static const struct gpio_cdev_sys real_sys = {
	.open = sys_open,
	.reopen = sys_reopen,
	.close = close,
	.ioctl = sys_ioctl,
	.read = read,
	.fstat = fstat,
	.set_nonblock = sys_set_nonblock,
	.dev_dir = "/dev",
	.sys_dir = "/sys",
};

static const struct gpio_cdev_sys *current_sys = &real_sys;

void gpio_cdev_set_sys(const struct gpio_cdev_sys *sys)
{
	current_sys = sys ? sys : &real_sys;
}

void gpio_cdev_consumer(const char *socket_path,
			char consumer[GPIO_MAX_NAME_SIZE])
{
	const char *slash = strrchr(socket_path, '/');

	/* snprintf cuts what does not fit: the kernel keeps 31 bytes. */
	snprintf(consumer, GPIO_MAX_NAME_SIZE, "vhost-gpio:%s",
		 slash ? slash + 1 : socket_path);
}

/*
 * Line configuration.
 */

static uint64_t irq_edge_flags(uint8_t irq_type)
{
	switch (irq_type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
		return 0;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		return GPIO_V2_LINE_FLAG_EDGE_RISING;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		return GPIO_V2_LINE_FLAG_EDGE_FALLING;
	default:
		/* EDGE_BOTH and the level types. */
		return GPIO_V2_LINE_FLAG_EDGE_RISING |
		       GPIO_V2_LINE_FLAG_EDGE_FALLING;
	}
}

void gpio_cdev_line_config(enum gpio_direction dir, uint8_t out_value,
			   uint8_t irq_type, struct gpio_v2_line_config *cfg)
{
	uint64_t edges = irq_edge_flags(irq_type);

	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = edges;
	if (dir == GPIO_DIRECTION_OUT) {
		cfg->flags |= GPIO_V2_LINE_FLAG_OUTPUT;
		/* The value goes with the direction: no glitch. */
		cfg->num_attrs = 1;
		cfg->attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
		cfg->attrs[0].attr.values = out_value ? 1 : 0;
		cfg->attrs[0].mask = 1;
	} else if (dir == GPIO_DIRECTION_IN || edges) {
		cfg->flags |= GPIO_V2_LINE_FLAG_INPUT;
	}
}

/*
 * Line requests.
 */

static struct gpio_cdev *to_cdev(struct gpio_backend *be)
{
	return (struct gpio_cdev *)be;
}

static unsigned int line_index(const struct cdev_line *l)
{
	return (unsigned int)(l - l->cdev->lines);
}

/* Reads the kernel's line info of host line @offset; 0 or -errno. */
static int chip_line_info(struct gpio_cdev *c, uint32_t offset,
			  struct gpio_v2_line_info *info)
{
	memset(info, 0, sizeof(*info));
	info->offset = offset;
	if (c->sys->ioctl(c->chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, info) < 0)
		return -errno;
	info->name[sizeof(info->name) - 1] = '\0';
	info->consumer[sizeof(info->consumer) - 1] = '\0';
	return 0;
}

/*
 * One warning per failed guest request: which line, what the guest wanted
 * and why it could not be done.
 */
static void line_warn(struct cdev_line *l, const char *what, int err)
{
	struct gpio_cdev *c = l->cdev;
	struct gpio_v2_line_info info;
	char why[96], consumer[GPIO_MAX_NAME_SIZE];

	if (err == -EBUSY && !chip_line_info(c, l->offset, &info) &&
	    info.consumer[0]) {
		ascii_printable_copy(consumer, sizeof(consumer), info.consumer);
		snprintf(why, sizeof(why), "busy, used by \"%s\"", consumer);
	} else if (err == -EBUSY) {
		snprintf(why, sizeof(why), "busy, used by another consumer");
	} else if (err == -ENODEV) {
		snprintf(why, sizeof(why), "the chip is gone");
	} else {
		snprintf(why, sizeof(why), "%s", strerror(-err));
	}
	log_warn("%s line %u (guest line %u): cannot %s: %s", c->chip_path,
		 l->offset, line_index(l), what, why);
}

/* Throws away the edge events queued in the request. */
static void line_drain(struct cdev_line *l)
{
	struct gpio_v2_line_event events[EVENT_BATCH];

	while (l->cdev->sys->read(l->fd, events, sizeof(events)) > 0)
		;
}

static void line_unwatch(struct cdev_line *l)
{
	struct gpio_cdev *c = l->cdev;

	if (!l->watched)
		return;
	c->be.watcher->unwatch(c->be.watcher->ctx, l->fd);
	l->watched = 0;
	line_drain(l);
}

/* Gives the line back to the kernel: the guest's state on it is gone. */
static void line_release(struct cdev_line *l)
{
	if (l->fd < 0)
		return;
	line_unwatch(l);
	l->cdev->sys->close(l->fd);
	l->fd = -1;
	l->dir = GPIO_DIRECTION_NONE;
	l->out_value = 0;
	l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
}

/* The request fd is readable (or hung up): edges for the device model. */
static void line_ready(void *arg)
{
	struct cdev_line *l = arg;
	struct gpio_cdev *c = l->cdev;
	struct gpio_v2_line_event events[EVENT_BATCH];
	unsigned int line = line_index(l);
	int fd = l->fd;
	ssize_t n, i;

	for (;;) {
		n = c->sys->read(fd, events, sizeof(events));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/*
			 * Nothing more will come (the chip went away): stop
			 * watching, or epoll reports the fd forever.
			 */
			line_warn(l, "read its edge events",
				  n < 0 ? -errno : -EIO);
			line_unwatch(l);
			return;
		}
		for (i = 0; i < n / (ssize_t)sizeof(events[0]); i++) {
			uint8_t level =
				events[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE;

			gpio_backend_report_level(&c->be, line, level);
			/* Whoever listened may have released the line. */
			if (l->fd != fd || !l->watched)
				return;
		}
	}
}

/* GPIO_V2_GET_LINE_IOCTL for one line; sets l->fd.  0 or -errno. */
static int line_request(struct cdev_line *l,
			const struct gpio_v2_line_config *cfg)
{
	struct gpio_cdev *c = l->cdev;
	struct gpio_v2_line_request req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = l->offset;
	req.num_lines = 1;
	memcpy(req.consumer, c->consumer, sizeof(req.consumer));
	req.config = *cfg;
	if (c->sys->ioctl(c->chip_fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		return -errno;
	/* Edge events are read until EAGAIN from the event loop. */
	if (c->sys->set_nonblock(req.fd) < 0) {
		ret = -errno;
		c->sys->close(req.fd);
		return ret;
	}
	l->fd = req.fd;
	return 0;
}

/*
 * Puts @l in the configuration (@dir, @out_value, @irq_type): a new request
 * if it has none, else reconfigured in place.  The request fd is watched
 * exactly while edge detection is on.  On failure the line keeps its old
 * configuration.  Returns 0 or -errno.
 */
static int line_apply(struct cdev_line *l, enum gpio_direction dir,
		      uint8_t out_value, uint8_t irq_type)
{
	struct gpio_cdev *c = l->cdev;
	const struct gpio_fd_watcher *w = c->be.watcher;
	struct gpio_v2_line_config cfg;
	bool requested = false;
	int ret;

	if (irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE && !w)
		return -EOPNOTSUPP; /* nobody would read the edges */
	gpio_cdev_line_config(dir, out_value, irq_type, &cfg);
	if (l->fd < 0) {
		ret = line_request(l, &cfg);
		if (ret)
			return ret;
		requested = true;
	} else if (c->sys->ioctl(l->fd, GPIO_V2_LINE_SET_CONFIG_IOCTL, &cfg) <
		   0) {
		return -errno;
	}

	if (irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE && !l->watched) {
		ret = w->watch(w->ctx, l->fd, line_ready, l);
		if (ret) {
			/* No edge detection that nobody reads. */
			if (requested) {
				c->sys->close(l->fd);
				l->fd = -1;
			} else {
				gpio_cdev_line_config(l->dir, l->out_value,
						      l->irq_type, &cfg);
				c->sys->ioctl(l->fd,
					      GPIO_V2_LINE_SET_CONFIG_IOCTL,
					      &cfg);
			}
			return ret;
		}
		l->watched = 1;
	} else if (irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		line_unwatch(l);
	}
	l->dir = (uint8_t)dir;
	l->out_value = out_value;
	l->irq_type = irq_type;
	return 0;
}

/*
 * The ops.
 */

static void cdev_reset(struct gpio_backend *be)
{
	struct gpio_cdev *c = to_cdev(be);
	unsigned int i;

	for (i = 0; i < be->ngpio; i++)
		line_release(&c->lines[i]);
}

static void cdev_destroy(struct gpio_backend *be)
{
	struct gpio_cdev *c = to_cdev(be);

	if (c->lines)
		cdev_reset(be);
	free(c->lines);
	if (c->chip_fd >= 0)
		c->sys->close(c->chip_fd);
	gpio_selection_names_free(be->names, be->ngpio);
	gpio_selection_free(&c->sel);
	free(c->host_block);
	free(c->host_names);
	free(c->chip_path);
	free(c);
}

static int cdev_set_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction dir, uint8_t out_value)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	int ret;

	switch (dir) {
	case GPIO_DIRECTION_NONE:
		line_release(l);
		return 0;
	case GPIO_DIRECTION_IN:
		ret = line_apply(l, dir, 0, l->irq_type);
		if (ret)
			line_warn(l, "make it an input", ret);
		return ret;
	case GPIO_DIRECTION_OUT:
		ret = line_apply(l, dir, out_value ? 1 : 0, l->irq_type);
		if (ret)
			line_warn(l,
				  l->irq_type ? "make it an output (its "
						"interrupt is enabled)"
					      : "make it an output",
				  ret);
		return ret;
	}
	return -EINVAL;
}

static int cdev_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	struct gpio_v2_line_values values = {.mask = 1};
	int ret;

	/* Never configured by the guest: requested as it is, and kept. */
	if (l->fd < 0) {
		ret = line_apply(l, GPIO_DIRECTION_NONE, 0,
				 VIRTIO_GPIO_IRQ_TYPE_NONE);
		if (ret) {
			line_warn(l, "request it to read it", ret);
			return ret;
		}
	}
	if (l->cdev->sys->ioctl(l->fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) <
	    0) {
		ret = -errno;
		line_warn(l, "read its value", ret);
		return ret;
	}
	*value = values.bits & 1;
	return 0;
}

static int cdev_set_value(struct gpio_backend *be, unsigned int line,
			  uint8_t value)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	struct gpio_v2_line_values values = {.bits = value ? 1 : 0, .mask = 1};
	int ret;

	/*
	 * The device model calls this on lines it believes outputs; one the
	 * host had as an output before the guest touched it is not ours yet.
	 */
	if (l->fd < 0 || l->dir != GPIO_DIRECTION_OUT) {
		ret = line_apply(l, GPIO_DIRECTION_OUT, value ? 1 : 0,
				 l->irq_type);
		if (ret)
			line_warn(l, "make it an output", ret);
		return ret;
	}
	if (l->cdev->sys->ioctl(l->fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) <
	    0) {
		ret = -errno;
		line_warn(l, "set its value", ret);
		return ret;
	}
	l->out_value = value ? 1 : 0;
	return 0;
}

static int cdev_get_direction(struct gpio_backend *be, unsigned int line,
			      enum gpio_direction *dir)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	struct gpio_v2_line_info info;
	int ret;

	ret = chip_line_info(l->cdev, l->offset, &info);
	if (ret) {
		log_debug("%s line %u (guest line %u): no line info: %s",
			  l->cdev->chip_path, l->offset, line, strerror(-ret));
		return ret;
	}
	*dir = info.flags & GPIO_V2_LINE_FLAG_OUTPUT ? GPIO_DIRECTION_OUT
						     : GPIO_DIRECTION_IN;
	return 0;
}

static int cdev_set_irq_type(struct gpio_backend *be, unsigned int line,
			     uint8_t type)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	enum gpio_direction dir = (enum gpio_direction)l->dir;
	int ret;

	if (type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		/* Off already (or never requested): nothing to touch. */
		if (l->fd < 0 || l->irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE)
			return 0;
		ret = line_apply(l, dir, l->out_value, type);
		if (ret) {
			line_warn(l, "disable its edge detection", ret);
			/* Stop reading it whatever the kernel does. */
			line_unwatch(l);
			l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
		}
		return ret;
	}
	/* Edge detection needs an input: an "as is" line becomes one. */
	if (l->fd < 0 || dir == GPIO_DIRECTION_NONE)
		dir = GPIO_DIRECTION_IN;
	ret = line_apply(l, dir, l->out_value, type);
	if (ret)
		line_warn(l,
			  dir == GPIO_DIRECTION_OUT
				  ? "enable edge detection (it is an output)"
				  : "enable edge detection",
			  ret);
	return ret;
}

static const struct gpio_backend_ops cdev_ops = {
	.destroy = cdev_destroy,
	.reset = cdev_reset,
	.set_direction = cdev_set_direction,
	.get_value = cdev_get_value,
	.set_value = cdev_set_value,
	.get_direction = cdev_get_direction,
	.set_irq_type = cdev_set_irq_type,
};

/*
 * Opening the chip.
 */

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
static int chip_open(const struct gpio_cdev_sys *sys, const char *path,
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

static void chip_open_error(const struct device_spec *spec, const char *path,
			    int ret, char *err, size_t err_size)
{
	char printable[PATH_MAX];

	ascii_printable_copy(printable, sizeof(printable), path);
	if (ret == -ENOENT)
		device_spec_error(spec, err, err_size, "%s does not exist",
				  printable);
	else if (ret == -ENOTTY)
		device_spec_error(spec, err, err_size, "%s is not a GPIO chip",
				  printable);
	else
		device_spec_error(spec, err, err_size, "cannot open %s: %s",
				  printable, strerror(-ret));
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
static int chip_find_label(const struct gpio_cdev_sys *sys,
			   const struct device_spec *spec, const char *label,
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
		device_spec_error(spec, err, err_size, "cannot read %s: %s",
				  sys->dev_dir, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		snprintf(candidate, sizeof(candidate), "%s/%s", sys->dev_dir,
			 entries[i]->d_name);
		fd = chip_open(sys, candidate, &st, &info);
		if (fd < 0) {
			/* Gone since the listing, or not a chip: no matter. */
			unreadable += fd != -ENOTTY && fd != -ENOENT;
			continue;
		}
		sys->close(fd);
		if (!label_matches(info.label, label) || ret)
			continue;
		if (*path) {
			device_spec_error(spec, err, err_size,
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
		device_spec_error(spec, err, err_size,
				  "no GPIO chip in %s is labelled \"%s\"%s",
				  sys->dev_dir, printable,
				  unreadable ? " (some could not be opened)"
					     : "");
		ret = -ENOENT;
	}
	if (ret) {
		free(*path);
		*path = NULL;
	}
	if (ret == -ENOMEM)
		device_spec_error(spec, err, err_size, "out of memory");
	return ret;
}

/* The path of the chip @spec names; malloc'd in *@path. */
static int chip_path(const struct gpio_cdev_sys *sys,
		     const struct device_spec *spec, char **path, char *err,
		     size_t err_size)
{
	char buf[PATH_MAX];

	switch (spec->chip_ref) {
	case CHIP_REF_NUMBER:
		snprintf(buf, sizeof(buf), "%s/gpiochip%u", sys->dev_dir,
			 spec->chip_index);
		*path = strdup(buf);
		break;
	case CHIP_REF_PATH:
		*path = strdup(spec->chip_name);
		break;
	case CHIP_REF_LABEL:
		return chip_find_label(sys, spec, spec->chip_name, path, err,
				       err_size);
	}
	if (!*path) {
		device_spec_error(spec, err, err_size, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/*
 * The names of all @nlines lines (for a selection by name): one block of
 * fixed-size names, NULL pointers for unnamed lines.
 */
static int chip_read_all_names(struct gpio_cdev *c, uint32_t nlines,
			       gpio_name_t **block, const char ***names)
{
	struct gpio_v2_line_info info;
	uint32_t i;
	int ret;

	*block = calloc(nlines + 1u, sizeof(**block));
	*names = calloc(nlines + 1u, sizeof(**names));
	if (!*block || !*names)
		return -ENOMEM;
	for (i = 0; i < nlines; i++) {
		ret = chip_line_info(c, i, &info);
		if (ret)
			return ret;
		memcpy((*block)[i], info.name, sizeof(info.name));
		(*names)[i] = info.name[0] ? (*block)[i] : NULL;
	}
	return 0;
}

/*
 * Host names of the selected lines only (their line info), or taken from
 * @all when every line's name was read already.
 */
static int chip_selected_names(struct gpio_cdev *c, const char *const *all,
			       gpio_name_t **block, const char ***names,
			       uint32_t *failed)
{
	const struct gpio_selection *sel = &c->sel;
	struct gpio_v2_line_info info;
	unsigned int i;
	int ret;

	*block = calloc(sel->count + 1u, sizeof(**block));
	*names = calloc(sel->count + 1u, sizeof(**names));
	if (!*block || !*names)
		return -ENOMEM;
	for (i = 0; i < sel->count; i++) {
		if (all) {
			if (all[sel->offsets[i]])
				memcpy((*block)[i], all[sel->offsets[i]],
				       sizeof((*block)[i]));
		} else {
			ret = chip_line_info(c, sel->offsets[i], &info);
			if (ret) {
				*failed = sel->offsets[i];
				return ret;
			}
			memcpy((*block)[i], info.name, sizeof(info.name));
		}
		(*names)[i] = (*block)[i];
	}
	return 0;
}

/* Resolves the selection and names the guest's lines. */
static int cdev_setup_lines(struct gpio_cdev *c, const struct device_spec *spec,
			    uint32_t nlines, char *err, size_t err_size)
{
	gpio_name_t *all_block = NULL, *sel_block = NULL;
	const char **all = NULL, **selected = NULL;
	uint32_t failed = 0;
	unsigned int i;
	int ret = 0;

	if (device_spec_has_names(spec)) {
		ret = chip_read_all_names(c, nlines, &all_block, &all);
		if (ret == -ENOMEM)
			goto out;
		if (ret) {
			device_spec_error(spec, err, err_size,
					  "cannot read the line names of %s: "
					  "%s",
					  c->chip_path, strerror(-ret));
			goto out;
		}
	}
	ret = gpio_selection_resolve(spec, c->chip_path, nlines, all, &c->sel,
				     err, err_size);
	if (ret)
		goto out_quiet;
	ret = chip_selected_names(c, all, &sel_block, &selected, &failed);
	if (ret == -ENOMEM)
		goto out;
	if (ret) {
		device_spec_error(spec, err, err_size,
				  "cannot read line %u of %s: %s", failed,
				  c->chip_path, strerror(-ret));
		goto out;
	}
	/* From here cdev_destroy frees ngpio names and lines. */
	c->be.ngpio = (uint16_t)c->sel.count;
	c->be.names = gpio_selection_guest_names(
		c->chip_path, selected, c->sel.offsets, c->sel.count, false);
	c->lines = calloc(c->sel.count, sizeof(*c->lines));
	if (!c->be.names || !c->lines) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->sel.count; i++) {
		c->lines[i].cdev = c;
		c->lines[i].offset = c->sel.offsets[i];
		c->lines[i].fd = -1;
	}
	c->be.read_only = c->sel.read_only;
	c->host_block = sel_block;
	c->host_names = selected;
	sel_block = NULL;
	selected = NULL;
out:
	if (ret == -ENOMEM)
		device_spec_error(spec, err, err_size, "out of memory");
out_quiet:
	free(all_block);
	free(all);
	free(sel_block);
	free(selected);
	return ret;
}

int gpio_cdev_new(const struct device_spec *spec, const char *consumer,
		  struct gpio_backend **out, char *err, size_t err_size)
{
	const struct gpio_cdev_sys *sys = current_sys;
	struct gpiochip_info info;
	struct gpio_cdev *c;
	struct stat st;
	int ret;

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	if (spec->kind != DEVICE_KIND_HOST_CHIP) {
		device_spec_error(spec, err, err_size, "not a host chip");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		device_spec_error(spec, err, err_size, "out of memory");
		return -ENOMEM;
	}
	c->be.ops = &cdev_ops;
	c->sys = sys;
	c->chip_fd = -1;
	snprintf(c->consumer, sizeof(c->consumer), "%s", consumer);

	ret = chip_path(sys, spec, &c->chip_path, err, err_size);
	if (ret)
		goto err_destroy;
	ret = chip_open(sys, c->chip_path, &st, &info);
	if (ret < 0) {
		chip_open_error(spec, c->chip_path, ret, err, err_size);
		goto err_destroy;
	}
	c->chip_fd = ret;
	c->rdev = st.st_rdev;
	ret = cdev_setup_lines(c, spec, info.lines, err, err_size);
	if (ret)
		goto err_destroy;
	*out = &c->be;
	return 0;

err_destroy:
	cdev_destroy(&c->be);
	return ret;
}

void gpio_cdev_warn_unnamed(const struct gpio_backend *be)
{
	const struct gpio_cdev *c = (const struct gpio_cdev *)be;

	if (!gpio_cdev_is(be))
		return;
	/* The same names again, this time saying what was left out. */
	gpio_selection_names_free(
		gpio_selection_guest_names(c->chip_path, c->host_names,
					   c->sel.offsets, c->sel.count, true),
		c->sel.count);
}

bool gpio_cdev_is(const struct gpio_backend *be)
{
	return be && be->ops == &cdev_ops;
}

const char *gpio_cdev_chip_path(const struct gpio_backend *be)
{
	return gpio_cdev_is(be) ? ((const struct gpio_cdev *)be)->chip_path
				: NULL;
}

bool gpio_cdev_shares_line(const struct gpio_backend *a,
			   const struct gpio_backend *b, unsigned int *line_a,
			   unsigned int *line_b, uint32_t *offset)
{
	const struct gpio_cdev *ca = (const struct gpio_cdev *)a;
	const struct gpio_cdev *cb = (const struct gpio_cdev *)b;

	if (!gpio_cdev_is(a) || !gpio_cdev_is(b) || ca->rdev != cb->rdev)
		return false;
	if (!gpio_selection_overlap(&ca->sel, &cb->sel, line_a, line_b))
		return false;
	*offset = ca->sel.offsets[*line_a];
	return true;
}
