// SPDX-License-Identifier: MIT
/*
 * Host GPIO lines through the GPIO character device: see gpio_cdev.h.
 *
 * Two layers here, each only calling down: the ops (what the device model
 * asks for a line) and line requests (one GPIO_V2_GET_LINE_IOCTL per line,
 * reconfigured in place).  Below them, the chip (gpio_chip.c) and the
 * system calls the unit tests replace (gpio_cdev_sys.c).  Which lines the
 * guest gets and what they are called is worked out in gpio_selection.c
 * from the names the chip reads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_gpio.h>

#include "ascii.h"
#include "errbuf.h"
#include "gpio_cdev.h"
#include "gpio_cdev_sys.h"
#include "gpio_selection.h"
#include "log.h"

/* Edge events read per read(2) call. */
#define EVENT_BATCH 16

/* The state of one guest line, that is one selected host line. */
struct cdev_line {
	struct gpio_cdev *cdev;
	struct gpio_chip *chip; /* its chip's */
	uint32_t offset;	/* on the host chip */
	/* The operator's, in every request and reconfiguration. */
	struct gpio_line_settings settings;
	int fd; /* the line request, -1 while released */
	/* What the request says, valid while fd >= 0: */
	uint8_t dir;	   /* enum gpio_direction; NONE: "as is" */
	uint8_t out_value; /* driven when dir is OUT */
	uint8_t irq_type;  /* VIRTIO_GPIO_IRQ_TYPE_*: edge detection on */
	uint8_t watched;   /* fd is in the event loop */
};

/* One chip of the back-end and the lines it gives, in guest order. */
struct cdev_part {
	struct gpio_chip *chip;
	struct gpio_chip_lines lines;
};

struct gpio_cdev {
	struct gpio_backend be; /* first: the ops get &be */
	const struct gpio_cdev_sys *sys;
	char consumer[GPIO_MAX_NAME_SIZE];
	/* The chips joined, in order: their lines one after the other. */
	struct cdev_part *parts;
	unsigned int nparts;
	/*
	 * Per guest line, pointing into the parts (for the names and their
	 * warnings): its chip's path, host name, given name and offset.
	 */
	const char **chip_paths;
	const char **host_names;
	const char **given_names;
	uint32_t *offsets;
	struct cdev_line *lines; /* be.ngpio entries */
};

static const struct gpio_backend_ops cdev_ops;

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
	gpio_cdev_line_config_with(NULL, dir, out_value, irq_type, cfg);
}

static uint64_t bias_flag(const struct gpio_line_settings *s)
{
	if (!(s->set & GPIO_LINE_SET_BIAS))
		return 0;
	switch (s->bias) {
	case GPIO_LINE_BIAS_PULL_UP:
		return GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
	case GPIO_LINE_BIAS_PULL_DOWN:
		return GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
	case GPIO_LINE_BIAS_DISABLED:
		return GPIO_V2_LINE_FLAG_BIAS_DISABLED;
	default:
		return 0;
	}
}

static uint64_t drive_flag(const struct gpio_line_settings *s)
{
	if (!(s->set & GPIO_LINE_SET_DRIVE))
		return 0;
	switch (s->drive) {
	case GPIO_LINE_DRIVE_OPEN_DRAIN:
		return GPIO_V2_LINE_FLAG_OPEN_DRAIN;
	case GPIO_LINE_DRIVE_OPEN_SOURCE:
		return GPIO_V2_LINE_FLAG_OPEN_SOURCE;
	default:
		return 0; /* push-pull: no flag */
	}
}

static void config_add_attr(struct gpio_v2_line_config *cfg,
			    struct gpio_v2_line_attribute attr)
{
	cfg->attrs[cfg->num_attrs].attr = attr;
	cfg->attrs[cfg->num_attrs].mask = 1;
	cfg->num_attrs++;
}

void gpio_cdev_line_config_with(const struct gpio_line_settings *s,
				enum gpio_direction dir, uint8_t out_value,
				uint8_t irq_type,
				struct gpio_v2_line_config *cfg)
{
	uint64_t edges = irq_edge_flags(irq_type);

	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = edges;
	if (dir == GPIO_DIRECTION_OUT) {
		cfg->flags |= GPIO_V2_LINE_FLAG_OUTPUT;
		/* The value goes with the direction: no glitch. */
		config_add_attr(
			cfg, (struct gpio_v2_line_attribute){
				     .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
				     .values = out_value ? 1 : 0});
	} else if (dir == GPIO_DIRECTION_IN || edges) {
		cfg->flags |= GPIO_V2_LINE_FLAG_INPUT;
	}
	if (!s)
		return;
	/* Logical values in both directions, and "as is" too. */
	if ((s->set & GPIO_LINE_SET_ACTIVE_LOW) && s->active_low)
		cfg->flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
	/* The kernel takes a bias with a direction only, */
	if (cfg->flags & (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT))
		cfg->flags |= bias_flag(s);
	/* a drive on an output only, */
	if (cfg->flags & GPIO_V2_LINE_FLAG_OUTPUT)
		cfg->flags |= drive_flag(s);
	/* and a debounce period on an input only. */
	if ((cfg->flags & GPIO_V2_LINE_FLAG_INPUT) &&
	    (s->set & GPIO_LINE_SET_DEBOUNCE) && s->debounce_us)
		config_add_attr(cfg,
				(struct gpio_v2_line_attribute){
					.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE,
					.debounce_period_us = s->debounce_us});
}

/* Whether @s means anything to an input only (a bias, a debounce period). */
static bool settings_want_input(const struct gpio_line_settings *s)
{
	return bias_flag(s) ||
	       ((s->set & GPIO_LINE_SET_DEBOUNCE) && s->debounce_us);
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
		 gpio_chip_path(l->chip), l->offset, line_index(l), what, why);
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

	if (!settings_want_input(&l->settings) ||
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
 * The names the guest sees: the given ones, else the host's (see
 * gpio_selection_guest_names_given); with @warn, those it does not see are
 * logged.  0, -EINVAL (a given name clashes) or -ENOMEM, the message in
 * @err.
 */
static int cdev_guest_names(const struct gpio_cdev *c, bool warn, char ***out,
			    char *err, size_t err_size)
{
	return gpio_selection_guest_names_given(
		c->chip_paths, c->host_names, c->given_names, c->offsets,
		c->be.ngpio, warn, out, err, err_size);
}

/*
 * No host line in two parts: chips compared by device number, since two
 * paths may name one chip.  0, or -EINVAL with the message set.
 */
static int parts_check_unique(const struct gpio_cdev *c, char *err,
			      size_t err_size)
{
	unsigned int i, j, ia, ib, first_i = 0, first_j;

	for (i = 0; i < c->nparts; first_i += c->parts[i++].lines.sel.count) {
		const struct cdev_part *a = &c->parts[i];

		first_j = first_i + a->lines.sel.count;
		for (j = i + 1; j < c->nparts;
		     first_j += c->parts[j++].lines.sel.count) {
			const struct cdev_part *b = &c->parts[j];
			const char *pa = gpio_chip_path(a->chip);
			const char *pb = gpio_chip_path(b->chip);
			uint32_t offset;

			if (gpio_chip_rdev(a->chip) !=
				    gpio_chip_rdev(b->chip) ||
			    !gpio_selection_overlap(&a->lines.sel,
						    &b->lines.sel, &ia, &ib))
				continue;
			offset = a->lines.sel.offsets[ia];
			if (!strcmp(pa, pb))
				errbuf_printf(err, err_size,
					      "host line %u of %s is selected "
					      "twice (guest lines %u and %u)",
					      offset, pa, first_i + ia,
					      first_j + ib);
			else
				errbuf_printf(err, err_size,
					      "%s line %u (guest line %u) and "
					      "%s line %u (guest line %u) are "
					      "the same host line",
					      pa, offset, first_i + ia, pb,
					      offset, first_j + ib);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The parts' lines one after the other: guest line i is host line
 * offsets[i] of its part's chip.  0, -EINVAL (more lines than a guest can
 * have, a host line twice, a given name clashes) or -ENOMEM, with the
 * message in @err.
 */
static int lines_new(struct gpio_cdev *c, char *err, size_t err_size)
{
	unsigned int i, k, n = 0, count = 0;
	bool read_only = false;
	int ret;

	for (i = 0; i < c->nparts; i++) {
		count += c->parts[i].lines.sel.count;
		read_only = read_only || c->parts[i].lines.sel.read_only;
	}
	if (count > GPIO_SELECTION_MAX_LINES) {
		errbuf_printf(err, err_size,
			      "its chips give %u lines, more than the 65535 a "
			      "guest can have; select some",
			      count);
		return -EINVAL;
	}
	ret = parts_check_unique(c, err, err_size);
	if (ret)
		return ret;
	c->chip_paths = calloc(count + 1u, sizeof(*c->chip_paths));
	c->host_names = calloc(count + 1u, sizeof(*c->host_names));
	c->given_names = calloc(count + 1u, sizeof(*c->given_names));
	c->offsets = calloc(count + 1u, sizeof(*c->offsets));
	c->lines = calloc(count + 1u, sizeof(*c->lines));
	if (read_only)
		c->be.read_only = calloc(count + 1u, 1);
	if (!c->chip_paths || !c->host_names || !c->given_names ||
	    !c->offsets || !c->lines || (read_only && !c->be.read_only)) {
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < c->nparts; i++) {
		const struct cdev_part *part = &c->parts[i];
		const struct gpio_selection *sel = &part->lines.sel;

		for (k = 0; k < sel->count; k++, n++) {
			struct cdev_line *l = &c->lines[n];

			c->chip_paths[n] = gpio_chip_path(part->chip);
			c->host_names[n] = part->lines.host_names[k];
			c->given_names[n] =
				sel->guest_names ? sel->guest_names[k] : NULL;
			c->offsets[n] = sel->offsets[k];
			if (sel->read_only)
				c->be.read_only[n] = sel->read_only[k];
			l->cdev = c;
			l->chip = part->chip;
			l->offset = sel->offsets[k];
			if (sel->settings)
				l->settings = sel->settings[k];
			l->fd = -1;
		}
	}
	/* From here cdev_destroy releases ngpio lines and frees names. */
	c->be.ngpio = (uint16_t)count;
	return cdev_guest_names(c, false, &c->be.names, err, err_size);
}

int gpio_cdev_new_joined(const struct gpio_cdev_spec *parts,
			 unsigned int nparts, const char *consumer,
			 struct gpio_backend **out, char *err, size_t err_size)
{
	struct gpio_cdev *c;
	unsigned int i;
	int ret;

	*out = NULL;
	errbuf_clear(err, err_size);
	c = calloc(1, sizeof(*c));
	if (c)
		c->parts = calloc(nparts + 1u, sizeof(*c->parts));
	if (!c || !c->parts) {
		free(c);
		errbuf_printf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	c->be.ops = &cdev_ops;
	c->sys = gpio_cdev_sys_get();
	snprintf(c->consumer, sizeof(c->consumer), "%s", consumer);
	for (i = 0; i < nparts; i++) {
		struct cdev_part *part = &c->parts[i];

		ret = gpio_chip_open(&parts[i].chip, &part->chip, err,
				     err_size);
		if (ret)
			goto err_destroy;
		c->nparts++;
		ret = gpio_chip_select_lines(part->chip, &parts[i].lines,
					     &part->lines, err, err_size);
		if (ret)
			goto err_destroy;
	}
	ret = lines_new(c, err, err_size);
	if (ret)
		goto err_destroy;
	*out = &c->be;
	return 0;

err_destroy:
	cdev_destroy(&c->be);
	return ret;
}

int gpio_cdev_new(const struct gpio_cdev_spec *spec, const char *consumer,
		  struct gpio_backend **out, char *err, size_t err_size)
{
	return gpio_cdev_new_joined(spec, 1, consumer, out, err, err_size);
}

void gpio_cdev_warn_unnamed(const struct gpio_backend *be)
{
	const struct gpio_cdev *c = (const struct gpio_cdev *)be;
	char **names;

	if (!gpio_cdev_is(be))
		return;
	/* The same names again, this time saying what was left out. */
	if (!cdev_guest_names(c, true, &names, NULL, 0))
		gpio_selection_names_free(names, be->ngpio);
}

/*
 * A trial request of @l as an input with its settings, released at once:
 * 0 if the kernel takes them, else -errno.  @bias_only leaves out the
 * debounce period.
 */
static int line_try_input(struct cdev_line *l, bool bias_only)
{
	struct gpio_line_settings s = l->settings;
	struct gpio_v2_line_config cfg;
	int fd;

	if (bias_only)
		s.set &= (uint8_t)~GPIO_LINE_SET_DEBOUNCE;
	gpio_cdev_line_config_with(&s, GPIO_DIRECTION_IN, 0,
				   VIRTIO_GPIO_IRQ_TYPE_NONE, &cfg);
	fd = gpio_chip_request_line(l->chip, l->offset, l->cdev->consumer,
				    &cfg);
	if (fd < 0)
		return fd;
	l->cdev->sys->close(fd);
	return 0;
}

/* Whether the kernel takes @l's bias and debounce period: 0 or -errno. */
static int line_check_settings(struct cdev_line *l, char *err, size_t err_size)
{
	const struct gpio_line_settings *s = &l->settings;
	const char *path = gpio_chip_path(l->chip);
	struct gpio_v2_line_info info;
	bool debounce = (s->set & GPIO_LINE_SET_DEBOUNCE) && s->debounce_us;
	bool refused_debounce = false;
	int ret;

	if (!settings_want_input(s))
		return 0;
	ret = gpio_chip_line_info(l->chip, l->offset, &info);
	if (ret) {
		errbuf_printf(err, err_size, "cannot read line %u of %s: %s",
			      l->offset, path, strerror(-ret));
		return ret;
	}
	/* Not ours to try: held by someone else, or driving something. */
	if (info.flags & (GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_OUTPUT))
		return 0;
	ret = line_try_input(l, false);
	if (ret == 0 || ret == -EBUSY)
		return 0;
	if (debounce && bias_flag(s))
		refused_debounce = line_try_input(l, true) == 0;
	else
		refused_debounce = debounce;
	if (refused_debounce)
		errbuf_printf(err, err_size,
			      "%s line %u (guest line %u): the kernel refuses "
			      "a debounce period of %" PRIu32 " us: %s",
			      path, l->offset, line_index(l), s->debounce_us,
			      strerror(-ret));
	else
		errbuf_printf(err, err_size,
			      "%s line %u (guest line %u): the kernel refuses "
			      "its bias: %s",
			      path, l->offset, line_index(l), strerror(-ret));
	return ret;
}

int gpio_cdev_check_settings(struct gpio_backend *be, char *err,
			     size_t err_size)
{
	struct gpio_cdev *c = to_cdev(be);
	unsigned int i;
	int ret;

	errbuf_clear(err, err_size);
	if (!gpio_cdev_is(be))
		return 0;
	for (i = 0; i < be->ngpio; i++) {
		ret = line_check_settings(&c->lines[i], err, err_size);
		if (ret)
			return ret;
	}
	return 0;
}

bool gpio_cdev_is(const struct gpio_backend *be)
{
	return be && be->ops == &cdev_ops;
}

unsigned int gpio_cdev_num_chips(const struct gpio_backend *be)
{
	return gpio_cdev_is(be) ? ((const struct gpio_cdev *)be)->nparts : 0;
}

const char *gpio_cdev_chip_path_at(const struct gpio_backend *be,
				   unsigned int i)
{
	const struct gpio_cdev *c = (const struct gpio_cdev *)be;

	return gpio_cdev_is(be) && i < c->nparts
		       ? gpio_chip_path(c->parts[i].chip)
		       : NULL;
}

const char *gpio_cdev_chip_path(const struct gpio_backend *be)
{
	return gpio_cdev_chip_path_at(be, 0);
}

const char *gpio_cdev_line_chip_path(const struct gpio_backend *be,
				     unsigned int line)
{
	const struct gpio_cdev *c = (const struct gpio_cdev *)be;

	return gpio_cdev_is(be) && line < be->ngpio
		       ? gpio_chip_path(c->lines[line].chip)
		       : NULL;
}

bool gpio_cdev_shares_line(const struct gpio_backend *a,
			   const struct gpio_backend *b, unsigned int *line_a,
			   unsigned int *line_b, uint32_t *offset)
{
	const struct gpio_cdev *ca = (const struct gpio_cdev *)a;
	const struct gpio_cdev *cb = (const struct gpio_cdev *)b;
	unsigned int i, j, first_i = 0, first_j, ia, ib;

	if (!gpio_cdev_is(a) || !gpio_cdev_is(b))
		return false;
	for (i = 0; i < ca->nparts; first_i += ca->parts[i++].lines.sel.count) {
		const struct cdev_part *pa = &ca->parts[i];

		for (j = 0, first_j = 0; j < cb->nparts;
		     first_j += cb->parts[j++].lines.sel.count) {
			const struct cdev_part *pb = &cb->parts[j];

			if (gpio_chip_rdev(pa->chip) !=
				    gpio_chip_rdev(pb->chip) ||
			    !gpio_selection_overlap(&pa->lines.sel,
						    &pb->lines.sel, &ia, &ib))
				continue;
			*line_a = first_i + ia;
			*line_b = first_j + ib;
			*offset = pa->lines.sel.offsets[ia];
			return true;
		}
	}
	return false;
}
