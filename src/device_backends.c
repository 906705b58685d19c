// SPDX-License-Identifier: MIT
#include "device_backends.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "gpio_cdev.h"
#include "gpio_sim.h"

/*
 * Entry @spec's back-end for the socket labelled @label.  0, -ENOMEM, or
 * -errno with the message in @err ("entry N \"TEXT\": ...").
 */
static int backend_new(const struct device_spec *spec, const char *label,
		       struct gpio_backend **out, char *err, size_t err_size)
{
	unsigned int i, nparts = device_spec_nparts(spec);
	char consumer[GPIO_MAX_NAME_SIZE], why[512];
	struct gpio_cdev_spec *parts;
	int ret;

	if (spec->kind == DEVICE_KIND_SIMULATED)
		return gpio_sim_new(spec->sim_lines, out) < 0 ? -ENOMEM : 0;
	/* Each chip the entry joins, in the back-end's terms. */
	parts = calloc(nparts, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	for (i = 0; i < nparts; i++) {
		const struct device_spec *part = device_spec_part(spec, i);

		parts[i] = (struct gpio_cdev_spec){device_spec_chip(part),
						   device_spec_lines(part)};
	}
	gpio_cdev_consumer(label, consumer);
	ret = gpio_cdev_new_joined(parts, nparts, consumer, out, why,
				   sizeof(why));
	free(parts);
	/* The back-end's words, after the command line's. */
	if (ret < 0 && ret != -ENOMEM)
		device_spec_error(spec, err, err_size, "%s", why);
	return ret;
}

/* The first host line two entries share: 0, or -EINVAL with @err set. */
static int check_shared_lines(const struct device_list *list,
			      struct gpio_backend **backends, char *err,
			      size_t err_size)
{
	unsigned int i, j, line_i, line_j;
	uint32_t offset;

	for (j = 1; j < list->count; j++) {
		for (i = 0; i < j; i++) {
			if (!gpio_cdev_shares_line(backends[i], backends[j],
						   &line_i, &line_j, &offset))
				continue;
			device_spec_error(
				&list->specs[j], err, err_size,
				"host line %u of %s is already "
				"entry %u's guest line %u",
				offset,
				gpio_cdev_line_chip_path(backends[j], line_j),
				i + 1, line_i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Whether the kernel takes each host line's bias and debounce period
 * (gpio_cdev_check_settings): 0, or -errno with @err set.  Only once no
 * two entries share a line, so that no entry's line is tried for another.
 */
static int check_settings(const struct device_list *list,
			  struct gpio_backend **backends, char *err,
			  size_t err_size)
{
	char why[512];
	unsigned int i;
	int ret;

	for (i = 0; i < list->count; i++) {
		ret = gpio_cdev_check_settings(backends[i], why, sizeof(why));
		if (ret < 0) {
			device_spec_error(&list->specs[i], err, err_size, "%s",
					  why);
			/* -ENOMEM would mean "no message": it has one. */
			return ret == -ENOMEM ? -EIO : ret;
		}
	}
	return 0;
}

int device_backends_new(const struct device_list *list,
			const struct endpoint *eps, struct gpio_backend ***out,
			char *err, size_t err_size)
{
	struct gpio_backend **backends;
	char why[512];
	unsigned int i;
	int ret = 0;

	*out = NULL;
	errbuf_clear(err, err_size);
	backends = calloc(list->count, sizeof(*backends));
	if (!backends)
		return -ENOMEM;
	for (i = 0; i < list->count && ret == 0; i++)
		ret = backend_new(&list->specs[i], eps[i].label, &backends[i],
				  why, sizeof(why));
	if (ret == 0)
		ret = check_shared_lines(list, backends, why, sizeof(why));
	if (ret == 0)
		ret = check_settings(list, backends, why, sizeof(why));
	if (ret < 0) {
		if (ret != -ENOMEM)
			errbuf_printf(err, err_size, "--device-list: %s", why);
		device_backends_free(backends, list->count);
		return ret;
	}
	/* Only now: a start-up error is the one line printed. */
	for (i = 0; i < list->count; i++)
		gpio_cdev_warn_unnamed(backends[i]);
	*out = backends;
	return 0;
}

void device_backends_free(struct gpio_backend **backends, unsigned int count)
{
	unsigned int i;

	for (i = 0; backends && i < count; i++)
		gpio_backend_destroy(backends[i]);
	free(backends);
}

void device_backends_describe(const struct gpio_backend *be, char *buf,
			      size_t size)
{
	unsigned int i, ro = 0, nchips = gpio_cdev_num_chips(be);
	size_t n;

	if (!gpio_cdev_is(be)) {
		snprintf(buf, size, "simulated chip, %u lines", be->ngpio);
		return;
	}
	for (i = 0; be->read_only && i < be->ngpio; i++)
		ro += be->read_only[i] != 0;
	/* "host chip A" or "host chips A + B": cut if it must be. */
	snprintf(buf, size, "host chip%s %s", nchips > 1 ? "s" : "",
		 gpio_cdev_chip_path(be));
	for (i = 1; i < nchips; i++) {
		n = strlen(buf);
		snprintf(buf + n, size - n, " + %s",
			 gpio_cdev_chip_path_at(be, i));
	}
	n = strlen(buf);
	snprintf(buf + n, size - n, ", %u line%s%s", be->ngpio,
		 be->ngpio == 1 ? "" : "s",
		 ro == be->ngpio ? ", read-only"
		 : ro		 ? ", some read-only"
				 : "");
}
