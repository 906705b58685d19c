// SPDX-License-Identifier: MIT
/*
 * Guest line names: see gpio_selection.h.  The host's names of the
 * selected lines, unique as the VirtIO spec wants them (later duplicates
 * unnamed, and logged), and the names the operator gives with name=.
 *
 * Everything here works on arrays the caller read from the chip; sorting
 * keeps each check O(n log n), since a chip or a selection may have up to
 * 65535 lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/gpio.h>

#include "ascii.h"
#include "errbuf.h"
#include "gpio_selection.h"
#include "log.h"

/* Guest lines by name; the lowest guest line first among equal names. */
static int guest_index_compare(const void *a, const void *b, void *arg)
{
	const char *const *host = arg;
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	int ret = strcmp(host[x], host[y]);

	if (ret)
		return ret;
	return x < y ? -1 : x > y;
}

/* The chip of line @i: @chips[i], or @chip for all. */
static const char *line_chip(const char *chip, const char *const *chips,
			     unsigned int i)
{
	return chips ? chips[i] : chip;
}

/*
 * gpio_selection_guest_names on @host, the lines' chips being @chip or, if
 * @chips is not NULL, @chips[i].
 */
static char **guest_names(const char *chip, const char *const *chips,
			  const char *const *host, const uint32_t *offsets,
			  unsigned int count, bool warn)
{
	char **names = calloc(count + 1u, sizeof(*names));
	unsigned int *order = malloc((count + 1u) * sizeof(*order));
	unsigned int i, n = 0, run;
	char printable[GPIO_MAX_NAME_SIZE];

	if (!names || !order)
		goto err_free;
	for (i = 0; i < count; i++) {
		if (!host[i] || !host[i][0])
			continue;
		if (!ascii_is_printable_string(host[i])) {
			ascii_printable_copy(printable, sizeof(printable),
					     host[i]);
			if (warn)
				log_warn("%s line %u (guest line %u): the name "
					 "\"%s\" is not printable ASCII; the "
					 "guest sees the line unnamed",
					 line_chip(chip, chips, i), offsets[i],
					 i, printable);
			continue;
		}
		order[n++] = i;
	}
	qsort_r(order, n, sizeof(*order), guest_index_compare, (void *)host);
	for (i = 0, run = 0; i < n; i++) {
		unsigned int line = order[i];

		if (i > 0 && strcmp(host[order[i - 1]], host[line]))
			run = i;
		if (i != run) {
			/* order[run] is the lowest guest line of this name. */
			if (warn)
				log_warn("%s line %u (guest line %u): the name "
					 "\"%s\" is already guest line %u's; "
					 "the guest sees the line unnamed",
					 line_chip(chip, chips, line),
					 offsets[line], line, host[line],
					 order[run]);
			continue;
		}
		names[line] = strdup(host[line]);
		if (!names[line])
			goto err_free;
	}
	free(order);
	return names;

err_free:
	free(order);
	gpio_selection_names_free(names, count);
	return NULL;
}

char **gpio_selection_guest_names(const char *chip, const char *const *host,
				  const uint32_t *offsets, unsigned int count,
				  bool warn)
{
	return guest_names(chip, NULL, host, offsets, count, warn);
}

/* A line's candidate name and whether the operator gave it. */
struct name_claim {
	const char *name;
	unsigned int line;
	bool given;
};

/* By name, then given names first, then by guest line. */
static int name_claim_compare(const void *a, const void *b)
{
	const struct name_claim *x = a, *y = b;
	int ret = strcmp(x->name, y->name);

	if (ret)
		return ret;
	if (x->given != y->given)
		return x->given ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * The first given name that another line of @names (@given[i] says which
 * are given) has too: -EINVAL with the message set, else 0.
 */
static int check_given_names(const char *const *chips, const char *const *names,
			     const bool *given, const uint32_t *offsets,
			     unsigned int count, char *err, size_t err_size)
{
	struct name_claim *claims = malloc((count + 1u) * sizeof(*claims));
	unsigned int i, n = 0;
	int ret = 0;

	if (!claims)
		return -ENOMEM;
	for (i = 0; i < count && !ret; i++) {
		if (!names[i] || !names[i][0])
			continue;
		if (given[i] && !ascii_is_printable_string(names[i])) {
			errbuf_printf(err, err_size,
				      "the name given to guest line %u (%s "
				      "line %u) is not printable ASCII",
				      i, chips[i], offsets[i]);
			ret = -EINVAL;
		}
		claims[n++] = (struct name_claim){names[i], i, given[i]};
	}
	qsort(claims, n, sizeof(*claims), name_claim_compare);
	for (i = 1; i < n && !ret; i++) {
		const struct name_claim *a = &claims[i - 1], *b = &claims[i];
		char name[GPIO_MAX_NAME_SIZE * 2];

		/* Given names sort first: a is given if any of the run is. */
		if (strcmp(a->name, b->name) || !a->given)
			continue;
		ascii_printable_copy(name, sizeof(name), a->name);
		if (b->given) {
			const struct name_claim *lo = a->line < b->line ? a : b;
			const struct name_claim *hi = lo == a ? b : a;

			errbuf_printf(err, err_size,
				      "guest lines %u (%s line %u) and %u (%s "
				      "line %u) are both given the name "
				      "\"%s\"",
				      lo->line, chips[lo->line],
				      offsets[lo->line], hi->line,
				      chips[hi->line], offsets[hi->line], name);
		} else {
			errbuf_printf(err, err_size,
				      "guest line %u (%s line %u) is given "
				      "the name \"%s\", which guest line %u "
				      "(%s line %u) has from the host; give "
				      "that line another name too",
				      a->line, chips[a->line], offsets[a->line],
				      name, b->line, chips[b->line],
				      offsets[b->line]);
		}
		ret = -EINVAL;
		break;
	}
	free(claims);
	return ret;
}

int gpio_selection_guest_names_given(const char *const *chips,
				     const char *const *host,
				     const char *const *given,
				     const uint32_t *offsets,
				     unsigned int count, bool warn, char ***out,
				     char *err, size_t err_size)
{
	const char **names = malloc((count + 1u) * sizeof(*names));
	bool *is_given = calloc(count + 1u, sizeof(*is_given));
	unsigned int i;
	int ret;

	*out = NULL;
	if (!names || !is_given) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		is_given[i] = given && given[i];
		names[i] = is_given[i] ? given[i] : host[i];
	}
	ret = check_given_names(chips, names, is_given, offsets, count, err,
				err_size);
	if (ret)
		goto out;
	/* Given names are unique now: only host names can be dropped. */
	*out = guest_names(NULL, chips, names, offsets, count, warn);
	if (!*out)
		ret = -ENOMEM;
out:
	if (ret == -ENOMEM)
		errbuf_printf(err, err_size, "out of memory");
	free(names);
	free(is_given);
	return ret;
}

void gpio_selection_names_free(char **names, unsigned int count)
{
	unsigned int i;

	if (!names)
		return;
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
