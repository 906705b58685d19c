// SPDX-License-Identifier: MIT
/*
 * Host GPIO lines through the GPIO character device: see gpio_cdev.h.
 *
 * Two layers here, each only calling down: the ops (what the device model
 * asks for a line) and line requests (one GPIO_V2_GET_LINE_IOCTL per line,
 * reconfigured in place, with what gpio_cdev_config.c builds).  Below them,
 * the chip (gpio_chip.c) and the system calls the unit tests replace
 * (gpio_cdev_sys.c).  Making a back-end from the chips of an entry is
 * gpio_cdev_setup.c's; which lines the guest gets and what they are called
 * is worked out in gpio_selection.c from the names the chip reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_gpio.h>

#include "ascii.h"
#include "gpio_cdev_internal.h"
#include "gpio_selection.h"
#include "log.h"

/* Edge events read per read(2) call. */
#define EVENT_BATCH 16

/*
 * Line requests.
 */

static struct gpio_cdev *to_cdev(struct gpio_backend *be)
{
	return (struct gpio_cdev *)be;
}

/*
 * One warning per failed guest request: which line, what the guest wanted
 * and why it could not be done.
 */
static void line_warn(struct cdev_line *l, const char *what, int err)
{
	struct gpio_v2_line_info info;
	char why[96], consumer[GPIO_MAX_NAME_SIZE];

	if (err == -EBUSY && !gpio_chip_line_info(l->chip, l->offset, &info) &&
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
	log_warn("%s line %u (guest line %u): cannot %s: %s",
		 gpio_chip_path(l->chip), l->offset, gpio_cdev_line_index(l),
		 what, why);
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
	unsigned int line = gpio_cdev_line_index(l);
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

			/* CLOCK_MONOTONIC: no EVENT_CLOCK flag is asked for. */
			gpio_backend_report_level_at(&c->be, line, level,
						     events[i].timestamp_ns);
			/* Whoever listened may have released the line. */
			if (l->fd != fd || !l->watched)
				return;
		}
		/*
		 * A read returns every event queued, up to the buffer: a
		 * short one emptied the queue.  Reading again only to hear
		 * EAGAIN would be a fourth system call on the way from the
		 * edge to the guest's interrupt; the fd is watched
		 * level-triggered, so a later edge wakes us anyway.
		 */
		if (n < (ssize_t)sizeof(events))
			return;
	}
}

/* A line request for @l; sets l->fd.  0 or -errno. */
static int line_request(struct cdev_line *l,
			const struct gpio_v2_line_config *cfg)
{
	struct gpio_cdev *c = l->cdev;
	int fd = gpio_chip_request_line(l->chip, l->offset, c->consumer, cfg);

	if (fd < 0)
		return fd;
	l->fd = fd;
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
	gpio_cdev_line_config_with(&l->settings, dir, out_value, irq_type,
				   &cfg);
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
				gpio_cdev_line_config_with(&l->settings, l->dir,
							   l->out_value,
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

	unsigned int i;

	if (c->lines)
		cdev_reset(be);
	free(c->lines);
	gpio_selection_names_free(be->names, be->ngpio);
	free(be->read_only);
	free(c->chip_paths);
	free(c->host_names);
	free(c->given_names);
	free(c->offsets);
	for (i = 0; i < c->nparts; i++) {
		gpio_chip_lines_free(&c->parts[i].lines);
		gpio_chip_close(c->parts[i].chip);
	}
	free(c->parts);
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

/*
 * The direction a line is requested in "as is": none, so that a host
 * output keeps driving what it drives; but a host input with a bias or a
 * debounce period is requested as an input, which it stays, so that they
 * apply from the first read (the kernel takes neither without a
 * direction).
 */
static enum gpio_direction as_is_direction(struct cdev_line *l)
{
	struct gpio_v2_line_info info;

	if (!gpio_cdev_settings_want_input(&l->settings) ||
	    gpio_chip_line_info(l->chip, l->offset, &info) ||
	    (info.flags & GPIO_V2_LINE_FLAG_OUTPUT))
		return GPIO_DIRECTION_NONE;
	return GPIO_DIRECTION_IN;
}

static int cdev_get_value(struct gpio_backend *be, unsigned int line,
			  uint8_t *value)
{
	struct cdev_line *l = &to_cdev(be)->lines[line];
	struct gpio_v2_line_values values = {.mask = 1};
	int ret;

	/* Never configured by the guest: requested as it is, and kept. */
	if (l->fd < 0) {
		ret = line_apply(l, as_is_direction(l), 0,
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

	ret = gpio_chip_line_info(l->chip, l->offset, &info);
	if (ret) {
		log_debug("%s line %u (guest line %u): no line info: %s",
			  gpio_chip_path(l->chip), l->offset, line,
			  strerror(-ret));
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

const struct gpio_backend_ops gpio_cdev_ops = {
	.destroy = cdev_destroy,
	.reset = cdev_reset,
	.set_direction = cdev_set_direction,
	.get_value = cdev_get_value,
	.set_value = cdev_set_value,
	.get_direction = cdev_get_direction,
	.set_irq_type = cdev_set_irq_type,
};
