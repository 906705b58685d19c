// SPDX-License-Identifier: MIT
/*
 * Figures: samples to median/p99, the human table and the JSON file.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "daemon.h"
#include "figures.h"
#include "run.h"

struct figure *figures_get(struct figures *set, const char *name,
			   const char *unit)
{
	struct figure *f;
	unsigned int i;

	for (i = 0; i < set->count; i++)
		if (!strcmp(set->fig[i].name, name)) {
			if (unit)
				set->fig[i].unit = unit;
			return &set->fig[i];
		}
	if (set->count == MAX_FIGURES) {
		/* A programming error: keep going with a scratch slot. */
		static struct figure scratch;

		fprintf(stderr, "bench: too many figures (%s dropped)\n", name);
		memset(&scratch, 0, sizeof(scratch));
		return &scratch;
	}
	f = &set->fig[set->count++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->unit = unit ? unit : "";
	f->median = f->p99 = NAN;
	return f;
}

bool figures_value(const struct figures *set, const char *name, double *median)
{
	unsigned int i;

	for (i = 0; i < set->count; i++)
		if (!strcmp(set->fig[i].name, name) && set->fig[i].n > 0) {
			*median = set->fig[i].median;
			return true;
		}
	return false;
}

static void vnote(struct figure *f, const char *fmt, va_list ap)
{
	size_t len = strlen(f->note);

	if (len && len + 2 < sizeof(f->note)) {
		strcpy(f->note + len, "; ");
		len += 2;
	}
	if (len < sizeof(f->note))
		vsnprintf(f->note + len, sizeof(f->note) - len, fmt, ap);
}

void figure_note(struct figures *set, const char *name, const char *fmt, ...)
{
	struct figure *f = figures_get(set, name, NULL);
	va_list ap;

	va_start(ap, fmt);
	vnote(f, fmt, ap);
	va_end(ap);
}

void figure_set_value(struct figures *set, const char *name, const char *unit,
		      double value)
{
	struct figure *f = figures_get(set, name, unit);

	f->median = value;
	f->p99 = value;
	f->n = 1;
}

void figure_set_missing(struct figures *set, const char *name, const char *unit,
			const char *fmt, ...)
{
	struct figure *f = figures_get(set, name, unit);
	va_list ap;

	f->median = f->p99 = NAN;
	f->n = 0;
	va_start(ap, fmt);
	vnote(f, fmt, ap);
	va_end(ap);
}

/* --raw DIR: the samples in measurement order, one per line. */
static void dump_samples(const char *name, const uint64_t *samples, size_t n)
{
	char path[512];
	size_t i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.txt", cfg.raw_dir, name);
	fp = fopen(path, "w");
	if (!fp)
		return;
	for (i = 0; i < n; i++)
		fprintf(fp, "%llu\n", (unsigned long long)samples[i]);
	fclose(fp);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted data. */
static size_t rank(size_t n, double pct)
{
	size_t r = (size_t)ceil(pct / 100.0 * (double)n);

	return r ? r - 1 : 0;
}

void figure_from_ns(struct figures *set, const char *name, const char *unit,
		    uint64_t *samples, size_t n, double unit_ns)
{
	struct figure *f = figures_get(set, name, unit);

	if (!n) {
		f->n = 0;
		return;
	}
	if (cfg.raw_dir)
		dump_samples(name, samples, n);
	qsort(samples, n, sizeof(*samples), cmp_u64);
	f->median =
		n % 2 ? (double)samples[n / 2]
		      : ((double)samples[n / 2 - 1] + (double)samples[n / 2]) /
				2.0;
	f->median /= unit_ns;
	f->p99 = (double)samples[rank(n, 99.0)] / unit_ns;
	f->n = n;
}

void figure_from_rates(struct figures *set, const char *name, const char *unit,
		       double *rates, size_t n)
{
	struct figure *f = figures_get(set, name, unit);

	if (!n) {
		f->n = 0;
		return;
	}
	qsort(rates, n, sizeof(*rates), cmp_double);
	f->median =
		n % 2 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2.0;
	f->p99 = rates[rank(n, 1.0)];
	f->n = n;
}

/* ---- machine ---- */

void machine_info_read(struct machine_info *m)
{
	char line[512];
	struct utsname u;
	FILE *fp;
	long n;

	memset(m, 0, sizeof(*m));
	strcpy(m->cpu_model, "unknown");
	fp = fopen("/proc/cpuinfo", "r");
	if (fp) {
		bool model = false, mhz = false;

		while (fgets(line, sizeof(line), fp)) {
			char *colon = strchr(line, ':');
			char *val;

			if (!colon)
				continue;
			val = colon + 1;
			while (*val == ' ' || *val == '\t')
				val++;
			val[strcspn(val, "\n")] = 0;
			if (!model && !strncmp(line, "model name", 10)) {
				snprintf(m->cpu_model, sizeof(m->cpu_model),
					 "%s", val);
				model = true;
			} else if (!mhz && !strncmp(line, "cpu MHz", 7)) {
				m->mhz = strtod(val, NULL);
				mhz = true;
			}
		}
		fclose(fp);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	m->cores = n > 0 ? (unsigned int)n : 0;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.sysname,
			 u.release);
}

/* ---- text ---- */

static void fmt_value(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 100000)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static bool lookup(const struct daemon_result *r, const char *name,
		   double *value)
{
	unsigned int i;

	for (i = 0; i < r->nratios; i++)
		if (!strcmp(r->ratios[i].name, name)) {
			*value = r->ratios[i].value;
			return *value >= 0;
		}
	return figures_value(&r->figures, name, value);
}

/* "met", "MISSED" or "n/a" */
static const char *target_verdict(const struct daemon_result *r,
				  const struct target *t, double *value)
{
	if (!lookup(r, t->figure, value))
		return "n/a";
	switch (t->cmp) {
	case '<':
		return *value <= t->limit ? "met" : "MISSED";
	case '>':
		return *value >= t->limit ? "met" : "MISSED";
	default:
		return *value == t->limit ? "met" : "MISSED";
	}
}

void report_table(const struct machine_info *m, struct daemon_result *res,
		  unsigned int nres, const struct target *targets,
		  unsigned int ntargets)
{
	unsigned int d, i;

	printf("\nmachine: %s, %u cores online (%u usable), %.0f MHz, %s\n",
	       m->cpu_model, m->cores, m->cores_allowed, m->mhz, m->kernel);
	if (cfg.have_cross)
		printf("pinning: same = bench and daemon on cpu %d; cross = "
		       "bench on cpu %d, daemon on cpu %d\n",
		       cfg.cpu_a, cfg.cpu_a, cfg.cpu_b);
	else
		printf("pinning: bench and daemon on cpu %d (no second core: "
		       "no cross figures)\n",
		       cfg.cpu_a);
	for (d = 0; d < nres; d++) {
		struct daemon_result *r = &res[d];

		printf("\ndaemon: %s\n", r->cmd->text);
		printf("  %-36s %12s %12s %8s  %-12s %s\n", "figure", "median",
		       "p99", "n", "unit", "note");
		for (i = 0; i < r->figures.count; i++) {
			const struct figure *f = &r->figures.fig[i];
			char med[32], p99[32];

			fmt_value(med, sizeof(med), f->n ? f->median : NAN);
			fmt_value(p99, sizeof(p99), f->n > 1 ? f->p99 : NAN);
			printf("  %-36s %12s %12s %8lu  %-12s %s\n", f->name,
			       med, p99, f->n, f->unit, f->note);
		}
		printf("\n  %-36s %12s\n", "ratio (medians)", "value");
		for (i = 0; i < r->nratios; i++) {
			char v[32];

			fmt_value(v, sizeof(v),
				  r->ratios[i].value >= 0 ? r->ratios[i].value
							  : NAN);
			printf("  %-36s %12s   = %s / %s\n", r->ratios[i].name,
			       v, r->ratios[i].num, r->ratios[i].den);
		}
		printf("\n  %-44s %-24s %12s  %s\n", "target (issues 5, 17)",
		       "figure", "value", "verdict");
		for (i = 0; i < ntargets; i++) {
			const struct target *t = &targets[i];
			double value = NAN;
			const char *verdict = target_verdict(r, t, &value);
			char v[32];

			fmt_value(v, sizeof(v), value);
			printf("  %-44s %-24s %12s  %s\n", t->what, t->figure,
			       strcmp(verdict, "n/a") ? v : "-", verdict);
		}
	}
	fflush(stdout);
}

/* ---- JSON ---- */

static void json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void json_number(FILE *fp, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", fp);
	else if ((v == floor(v) && fabs(v) < 1e15) || fabs(v) >= 1e5)
		fprintf(fp, "%.0f", v);
	else
		fprintf(fp, "%.6g", v);
}

static void json_figures(FILE *fp, const struct figures *set,
			 const char *indent)
{
	unsigned int i;

	fputs("{", fp);
	for (i = 0; i < set->count; i++) {
		const struct figure *f = &set->fig[i];

		fprintf(fp, "%s\n%s  ", i ? "," : "", indent);
		json_string(fp, f->name);
		fputs(": {\"median\": ", fp);
		json_number(fp, f->n ? f->median : NAN);
		fputs(", \"p99\": ", fp);
		json_number(fp, f->n ? f->p99 : NAN);
		fprintf(fp, ", \"n\": %lu, \"unit\": ", f->n);
		json_string(fp, f->unit);
		if (f->note[0]) {
			fputs(", \"note\": ", fp);
			json_string(fp, f->note);
		}
		fputs("}", fp);
	}
	fprintf(fp, "\n%s}", indent);
}

static void json_ratios(FILE *fp, const struct daemon_result *r,
			const char *indent)
{
	unsigned int i;

	fputs("{", fp);
	for (i = 0; i < r->nratios; i++) {
		fprintf(fp, "%s\n%s  ", i ? "," : "", indent);
		json_string(fp, r->ratios[i].name);
		fputs(": ", fp);
		json_number(fp,
			    r->ratios[i].value >= 0 ? r->ratios[i].value : NAN);
	}
	fprintf(fp, "\n%s}", indent);
}

static void json_targets(FILE *fp, const struct daemon_result *r,
			 const struct target *targets, unsigned int ntargets,
			 const char *indent)
{
	unsigned int i;

	fputs("[", fp);
	for (i = 0; i < ntargets; i++) {
		const struct target *t = &targets[i];
		double value = NAN;
		const char *verdict = target_verdict(r, t, &value);

		fprintf(fp, "%s\n%s  {\"what\": ", i ? "," : "", indent);
		json_string(fp, t->what);
		fputs(", \"figure\": ", fp);
		json_string(fp, t->figure);
		fputs(", \"value\": ", fp);
		json_number(fp, strcmp(verdict, "n/a") ? value : NAN);
		fputs(", \"verdict\": ", fp);
		json_string(fp, verdict);
		fputs("}", fp);
	}
	fprintf(fp, "\n%s]", indent);
}

int report_json(const char *path, const struct machine_info *m,
		struct daemon_result *res, unsigned int nres,
		const struct target *targets, unsigned int ntargets)
{
	FILE *fp = fopen(path, "w");
	unsigned int d;

	if (!fp)
		return -errno;
	fputs("{\n  \"machine\": {\"cpu_model\": ", fp);
	json_string(fp, m->cpu_model);
	fprintf(fp,
		", \"cores\": %u, \"cores_usable\": %u, \"mhz\": ", m->cores,
		m->cores_allowed);
	json_number(fp, m->mhz);
	fputs(", \"kernel\": ", fp);
	json_string(fp, m->kernel);
	fprintf(fp, "},\n  \"mode\": \"%s\",\n", cfg.quick ? "quick" : "full");
	fprintf(fp, "  \"pinning\": {\"bench_cpu\": %d, \"other_cpu\": %d},\n",
		cfg.cpu_a, cfg.cpu_b);
	fputs("  \"daemon\": ", fp);
	json_string(fp, nres ? res[0].cmd->text : "");
	fputs(",\n  \"figures\": ", fp);
	if (nres)
		json_figures(fp, &res[0].figures, "  ");
	else
		fputs("{}", fp);
	fputs(",\n  \"ratios\": ", fp);
	if (nres)
		json_ratios(fp, &res[0], "  ");
	else
		fputs("{}", fp);
	fputs(",\n  \"daemons\": [", fp);
	for (d = 0; d < nres; d++) {
		fprintf(fp, "%s\n    {\"command\": ", d ? "," : "");
		json_string(fp, res[d].cmd->text);
		fputs(",\n     \"figures\": ", fp);
		json_figures(fp, &res[d].figures, "     ");
		fputs(",\n     \"ratios\": ", fp);
		json_ratios(fp, &res[d], "     ");
		fputs(",\n     \"targets\": ", fp);
		json_targets(fp, &res[d], targets, ntargets, "     ");
		fputs("}", fp);
	}
	fputs("\n  ]\n}\n", fp);
	if (fclose(fp) != 0)
		return -errno;
	return 0;
}
