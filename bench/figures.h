/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: figures (figures.c): samples -> median/p99, the
 * figure table, the machine, and the text and JSON reports.
 */
#ifndef BENCH_FIGURES_H
#define BENCH_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon_cmd;

#define FIGURE_NOTE_MAX 200

struct figure {
	char name[64];
	const char *unit;
	double median; /* a single value goes here */
	double p99;    /* latencies: 99th percentile; rates: 1st percentile */
	unsigned long n;
	char note[FIGURE_NOTE_MAX];
};

#define MAX_FIGURES 48

struct figures {
	struct figure fig[MAX_FIGURES];
	unsigned int count;
};

/* Finds or creates @name (n = 0, no value yet). */
struct figure *figures_get(struct figures *set, const char *name,
			   const char *unit);
/* Whether @name exists with n > 0; *@median receives its value. */
bool figures_value(const struct figures *set, const char *name, double *median);

/* A single value (n = 1). */
void figure_set_value(struct figures *set, const char *name, const char *unit,
		      double value);
/* n = 0 and a note saying why. */
void figure_set_missing(struct figures *set, const char *name, const char *unit,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends to the figure's note ("; " between notes). */
void figure_note(struct figures *set, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Median and 99th percentile of @n samples in nanoseconds (sorted in place),
 * stored in @unit_ns units (1000: microseconds).
 */
void figure_from_ns(struct figures *set, const char *name, const char *unit,
		    uint64_t *samples, size_t n, double unit_ns);
/* Rates: median and 1st percentile (the rate kept 99% of the time). */
void figure_from_rates(struct figures *set, const char *name, const char *unit,
		       double *rates, size_t n);

struct machine_info {
	char cpu_model[128];
	unsigned int cores; /* online */
	unsigned int cores_allowed;
	double mhz;
	char kernel[160];
};

void machine_info_read(struct machine_info *m);

struct ratio {
	const char *name;
	const char *num, *den; /* figure names */
	double value;	       /* < 0: not available */
};

struct target {
	const char *what;
	const char *figure; /* or a ratio name */
	char cmp;	    /* '<' means <=, '>' means >=, '=' equal */
	double limit;
	bool is_ratio;
};

struct daemon_result {
	const struct daemon_cmd *cmd;
	struct figures figures;
	struct ratio *ratios;
	unsigned int nratios;
};

void report_table(const struct machine_info *m, struct daemon_result *res,
		  unsigned int nres, const struct target *targets,
		  unsigned int ntargets);
int report_json(const char *path, const struct machine_info *m,
		struct daemon_result *res, unsigned int nres,
		const struct target *targets, unsigned int ntargets);

#endif
