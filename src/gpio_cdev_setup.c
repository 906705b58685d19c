// SPDX-License-Identifier: MIT
/*
 * Making a host-chip back-end (see gpio_cdev.h): the chips of an entry
 * opened, the lines they give laid out one after the other as guest
 * lines, with their names; the start-up check that the kernel takes each
 * line's bias and debounce period; and what a back-end holds, for the
 * check that no two entries share a host line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_gpio.h>

#include "errbuf.h"
#include "gpio_cdev_internal.h"

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
	/* From here destroying it releases ngpio lines and frees names. */
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
	c->be.ops = &gpio_cdev_ops;
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
	gpio_backend_destroy(&c->be);
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

	if (!gpio_cdev_settings_want_input(s))
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
	if (debounce && (s->set & GPIO_LINE_SET_BIAS))
		refused_debounce = line_try_input(l, true) == 0;
	else
		refused_debounce = debounce;
	if (refused_debounce)
		errbuf_printf(err, err_size,
			      "%s line %u (guest line %u): the kernel refuses "
			      "a debounce period of %" PRIu32 " us: %s",
			      path, l->offset, gpio_cdev_line_index(l),
			      s->debounce_us, strerror(-ret));
	else
		errbuf_printf(err, err_size,
			      "%s line %u (guest line %u): the kernel refuses "
			      "its bias: %s",
			      path, l->offset, gpio_cdev_line_index(l),
			      strerror(-ret));
	return ret;
}

int gpio_cdev_check_settings(struct gpio_backend *be, char *err,
			     size_t err_size)
{
	struct gpio_cdev *c = (struct gpio_cdev *)be;
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
	return be && be->ops == &gpio_cdev_ops;
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
