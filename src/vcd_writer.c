// SPDX-License-Identifier: MIT
/*
 * VCD writer for a chip's lines: see vcd_writer.h.
 */
#include "vcd_writer.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_LINES	 65535u
#define SIGNALS_PER_LINE 3u
#define SIG_LEVEL	 0u
#define SIG_DIR		 1u
#define SIG_IRQ		 2u
/* VCD identifier codes are strings of the printable characters ! .. ~. */
#define ID_FIRST '!'
#define ID_BASE	 ('~' - '!' + 1)

struct vcd_writer {
	FILE *out;
	unsigned int nlines;
	char **names; /* nlines entries, NULL: unnamed */
	char *values; /* current value of each signal: '0' '1' 'x' 'z' */
	uint64_t t0_ns;
	uint64_t now_us; /* the last time written */
	bool begun;
};

int vcd_writer_new(FILE *out, unsigned int nlines, struct vcd_writer **w)
{
	struct vcd_writer *vw;

	if (!out || nlines < 1 || nlines > MAX_LINES)
		return -EINVAL;
	vw = calloc(1, sizeof(*vw));
	if (!vw)
		return -ENOMEM;
	vw->names = calloc(nlines, sizeof(*vw->names));
	vw->values = malloc((size_t)nlines * SIGNALS_PER_LINE);
	if (!vw->names || !vw->values) {
		free(vw->names);
		free(vw->values);
		free(vw);
		return -ENOMEM;
	}
	vw->out = out;
	vw->nlines = nlines;
	*w = vw;
	return 0;
}

void vcd_writer_free(struct vcd_writer *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < w->nlines; i++)
		free(w->names[i]);
	free(w->names);
	free(w->values);
	free(w);
}

/* sigrok-cli reads '-' in a channel name as a range: only these stay. */
static bool name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

int vcd_writer_set_name(struct vcd_writer *w, unsigned int line,
			const char *name)
{
	size_t i, len = name ? strlen(name) : 0;
	char *copy;

	if (line >= w->nlines || w->begun)
		return -EINVAL;
	free(w->names[line]);
	w->names[line] = NULL;
	if (!len)
		return 0;
	copy = malloc(len + sizeof("_65535"));
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		copy[i] = name_char_ok(name[i]) ? name[i] : '_';
	copy[len] = '\0';
	w->names[line] = copy;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/*
 * Names the replaced characters made equal ("a-b", "a.b") get their line
 * number appended, every one of them, so that each signal name is unique.
 * Sorted pointers into names[] find them; the pointer tells the line.
 */
static int make_names_unique(struct vcd_writer *w)
{
	unsigned int i, j, n = 0;
	char **sorted = malloc(w->nlines * sizeof(*sorted));
	bool *repeated = calloc(w->nlines, sizeof(*repeated));

	if (!sorted || !repeated) {
		free(sorted);
		free(repeated);
		return -ENOMEM;
	}
	for (i = 0; i < w->nlines; i++)
		if (w->names[i])
			sorted[n++] = w->names[i];
	qsort(sorted, n, sizeof(*sorted), compare_names);
	for (i = 0; i + 1 < n; i++)
		if (!strcmp(sorted[i], sorted[i + 1]))
			for (j = 0; j < w->nlines; j++)
				if (w->names[j] == sorted[i] ||
				    w->names[j] == sorted[i + 1])
					repeated[j] = true;
	for (i = 0; i < w->nlines; i++)
		if (repeated[i])
			sprintf(w->names[i] + strlen(w->names[i]), "_%u", i);
	free(sorted);
	free(repeated);
	return 0;
}

/* Signal @sig's identifier code. */
static void put_id(struct vcd_writer *w, unsigned int sig)
{
	char id[8];
	size_t n = 0;

	do {
		id[n++] = (char)(ID_FIRST + sig % ID_BASE);
		sig /= ID_BASE;
	} while (sig);
	id[n] = '\0';
	fputs(id, w->out);
}

static void put_var(struct vcd_writer *w, unsigned int line, unsigned int kind)
{
	static const char *const suffixes[] = {"", "_dir", "_irq"};

	fputs("$var wire 1 ", w->out);
	put_id(w, line * SIGNALS_PER_LINE + kind);
	if (w->names[line])
		fprintf(w->out, " %s%s $end\n", w->names[line], suffixes[kind]);
	else
		fprintf(w->out, " line%u%s $end\n", line, suffixes[kind]);
}

static int stream_status(struct vcd_writer *w)
{
	return ferror(w->out) ? -EIO : 0;
}

int vcd_writer_begin(struct vcd_writer *w, uint64_t t0_ns)
{
	unsigned int i, k;

	if (w->begun)
		return -EINVAL;
	if (make_names_unique(w) < 0)
		return -ENOMEM;
	w->begun = true;
	w->t0_ns = t0_ns;
	w->now_us = 0;
	fprintf(w->out,
		"$version vhost-device-gpio-sim %s $end\n"
		"$timescale 1us $end\n"
		"$scope module gpio $end\n",
		VDG_VERSION);
	for (i = 0; i < w->nlines; i++)
		for (k = 0; k < SIGNALS_PER_LINE; k++)
			put_var(w, i, k);
	fputs("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n", w->out);
	for (i = 0; i < w->nlines * SIGNALS_PER_LINE; i++) {
		w->values[i] = i % SIGNALS_PER_LINE == SIG_IRQ ? '0' : 'x';
		fputc(w->values[i], w->out);
		put_id(w, i);
		fputc('\n', w->out);
	}
	fputs("$end\n", w->out);
	return stream_status(w);
}

/* Moves to @ns (never back) and writes its time if it is a new one. */
static void advance(struct vcd_writer *w, uint64_t ns)
{
	uint64_t us = ns > w->t0_ns ? (ns - w->t0_ns) / 1000u : 0;

	if (us <= w->now_us)
		return;
	w->now_us = us;
	fprintf(w->out, "#%" PRIu64 "\n", us);
}

static void change(struct vcd_writer *w, uint64_t ns, unsigned int sig,
		   char value)
{
	if (w->values[sig] == value)
		return;
	advance(w, ns);
	w->values[sig] = value;
	fputc(value, w->out);
	put_id(w, sig);
	fputc('\n', w->out);
}

int vcd_writer_line(struct vcd_writer *w, uint64_t ns, unsigned int line,
		    enum vcd_direction dir, unsigned int level)
{
	static const char dir_values[] = {
		[VCD_DIR_NONE] = 'z',
		[VCD_DIR_OUT] = '1',
		[VCD_DIR_IN] = '0',
	};
	unsigned int sig = line * SIGNALS_PER_LINE;

	if (!w->begun || line >= w->nlines || level > 1 ||
	    (unsigned int)dir > VCD_DIR_IN)
		return -EINVAL;
	change(w, ns, sig + SIG_LEVEL, (char)('0' + level));
	change(w, ns, sig + SIG_DIR, dir_values[dir]);
	return stream_status(w);
}

int vcd_writer_irq(struct vcd_writer *w, uint64_t ns, unsigned int line)
{
	unsigned int sig = line * SIGNALS_PER_LINE + SIG_IRQ;

	if (!w->begun || line >= w->nlines)
		return -EINVAL;
	change(w, ns, sig, w->values[sig] == '1' ? '0' : '1');
	return stream_status(w);
}

int vcd_writer_end(struct vcd_writer *w, uint64_t ns)
{
	if (!w->begun)
		return -EINVAL;
	advance(w, ns);
	if (fflush(w->out))
		return -EIO;
	return stream_status(w);
}
