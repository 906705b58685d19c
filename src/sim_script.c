// SPDX-License-Identifier: MIT
/*
 * Timed stimulus scripts, text or VCD: see sim_script.h.
 */
#include "sim_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Times past this (about 146 years) are refused: no overflow below it. */
#define MAX_TIME_NS (1ull << 62)
#define MAX_WORD    128

struct parser {
	struct sim_script *script;
	unsigned int ngpio;
	sim_script_line_fn line_of;
	void *opaque;
	char *err;
	size_t err_size;
	size_t cap; /* steps allocated */
	unsigned int lineno;
};

__attribute__((format(printf, 2, 3))) static int
parse_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (p->err && p->err_size) {
		if (p->lineno)
			n = snprintf(p->err, p->err_size,
				     "line %u: ", p->lineno);
		if (n >= 0 && (size_t)n < p->err_size) {
			va_start(ap, fmt);
			vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* Decimal without sign; false past @limit or if not a number. */
static bool parse_uint(const char *text, uint64_t limit, uint64_t *value)
{
	uint64_t v = 0;
	const char *c;

	if (!*text)
		return false;
	for (c = text; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > limit)
			return false;
	}
	*value = v;
	return true;
}

static uint64_t unit_ns(const char *unit)
{
	if (!strcmp(unit, "ns"))
		return 1;
	if (!strcmp(unit, "us"))
		return 1000;
	if (!strcmp(unit, "ms"))
		return 1000000;
	if (!strcmp(unit, "s"))
		return 1000000000;
	return 0;
}

/*
 * "1.5s", "250us", "0ns": digits, an optional fraction, a unit.  Exact:
 * the fraction is scaled as an integer, digits past a nanosecond dropped.
 */
static int parse_time(const char *word, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, frac_scale = 1, unit;
	const char *c = word;

	if (!isdigit((unsigned char)*c))
		return -EINVAL;
	for (; isdigit((unsigned char)*c); c++) {
		whole = whole * 10 + (uint64_t)(*c - '0');
		if (whole > MAX_TIME_NS)
			return -EINVAL;
	}
	if (*c == '.') {
		for (c++; isdigit((unsigned char)*c); c++)
			if (frac_scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(*c - '0');
				frac_scale *= 10;
			}
	}
	unit = unit_ns(c);
	if (!unit || whole > MAX_TIME_NS / unit)
		return -EINVAL;
	*ns = whole * unit + frac * unit / frac_scale;
	return 0;
}

/* A line number below ngpio, or a name line_of() knows. */
static int resolve_line(struct parser *p, const char *word)
{
	uint64_t n;
	int ret;

	if (parse_uint(word, UINT16_MAX, &n))
		return n < p->ngpio ? (int)n : -ERANGE;
	if (!p->line_of)
		return -ENOENT;
	ret = p->line_of(p->opaque, word);
	return ret >= 0 && (unsigned int)ret >= p->ngpio ? -ERANGE : ret;
}

static int add_step(struct parser *p, uint64_t t_ns, unsigned int line,
		    unsigned int value)
{
	struct sim_script *s = p->script;

	if (s->count == SIM_SCRIPT_MAX_STEPS)
		return parse_error(p, "more than %u changes",
				   SIM_SCRIPT_MAX_STEPS);
	if (s->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct sim_step *steps =
			realloc(s->steps, cap * sizeof(*steps));

		if (!steps)
			return -ENOMEM;
		s->steps = steps;
		p->cap = cap;
	}
	s->steps[s->count].t_ns = t_ns;
	s->steps[s->count].line = (uint16_t)line;
	s->steps[s->count].value = (uint8_t)value;
	s->count++;
	if (t_ns > s->length_ns)
		s->length_ns = t_ns;
	return 0;
}

/* ---- text ---- */

static int text_line(struct parser *p, char *line, uint64_t *end_ns)
{
	char *words[4], *save = NULL, *w;
	unsigned int n = 0;
	uint64_t t, value;
	int l;

	line[strcspn(line, "#")] = '\0';
	for (w = strtok_r(line, " \t\r", &save); w && n < 4;
	     w = strtok_r(NULL, " \t\r", &save))
		words[n++] = w;
	if (n == 0)
		return 0;
	if (n > 3 || n == 1)
		return parse_error(p, "expected TIME LINE VALUE or TIME end");
	if (parse_time(words[0], &t) < 0)
		return parse_error(p,
				   "\"%.16s\" is not a time (250us, 10ms, "
				   "1.5s)",
				   words[0]);
	if (n == 2) {
		if (strcmp(words[1], "end"))
			return parse_error(p, "expected TIME LINE VALUE or "
					      "TIME end");
		*end_ns = t;
		return 0;
	}
	l = resolve_line(p, words[1]);
	if (l == -ERANGE)
		return parse_error(p, "no line %.16s (0..%u)", words[1],
				   p->ngpio - 1);
	if (l == -ENOENT)
		return parse_error(p, "no line named \"%.32s\"", words[1]);
	if (l < 0)
		return parse_error(p, "cannot look up line names: %s",
				   strerror(-l));
	if (!parse_uint(words[2], 1, &value))
		return parse_error(p, "the value must be 0 or 1");
	return add_step(p, t, (unsigned int)l, (unsigned int)value);
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
	uint64_t end_ns = 0;
	size_t pos = 0;
	char line[512];
	int ret;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p->lineno++;
		if (n >= sizeof(line))
			return parse_error(p, "line too long");
		memcpy(line, text + pos, n);
		line[n] = '\0';
		ret = text_line(p, line, &end_ns);
		if (ret < 0)
			return ret;
		pos += n + 1;
	}
	p->lineno = 0;
	if (end_ns) {
		if (end_ns < p->script->length_ns)
			return parse_error(p, "the end comes before the last "
					      "change");
		p->script->length_ns = end_ns;
	}
	return 0;
}

/* ---- VCD ---- */

/* The next blank-separated word of *@pos into @word (cut at MAX_WORD). */
static bool next_word(const char **pos, const char *end, char *word)
{
	size_t n = 0;

	while (*pos < end && isspace((unsigned char)**pos))
		(*pos)++;
	while (*pos < end && !isspace((unsigned char)**pos)) {
		if (n < MAX_WORD - 1)
			word[n++] = **pos;
		(*pos)++;
	}
	word[n] = '\0';
	return n > 0;
}

/* Identifier codes of the VCD, each with its line (-1: not driven). */
struct vcd_signal {
	char id[16];
	int line;
};

struct vcd_state {
	struct vcd_signal *signals;
	size_t count, cap;
	uint64_t scale_ns, now_ns;
};

static int vcd_declare(struct parser *p, struct vcd_state *v, const char *size,
		       const char *id, const char *ref)
{
	struct vcd_signal *sig;
	int line = -1;

	if (!strcmp(size, "1") && strlen(id) < sizeof(sig->id)) {
		line = resolve_line(p, ref);
		if (line < 0 && line != -ENOENT && line != -ERANGE)
			return parse_error(p, "cannot look up line names: %s",
					   strerror(-line));
	}
	if (line < 0)
		p->script->ignored_signals++;
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct vcd_signal *s = realloc(v->signals, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		v->signals = s;
		v->cap = cap;
	}
	sig = &v->signals[v->count++];
	snprintf(sig->id, sizeof(sig->id), "%s", id);
	sig->line = line < 0 ? -1 : line;
	return 0;
}

/* "$timescale 1 us $end" or "$timescale 10ns $end". */
static int vcd_timescale(struct parser *p, struct vcd_state *v,
			 const char **pos, const char *end)
{
	char word[MAX_WORD], spec[2 * MAX_WORD] = "";

	while (next_word(pos, end, word) && strcmp(word, "$end"))
		strncat(spec, word, sizeof(spec) - strlen(spec) - 1);
	if (parse_time(spec, &v->scale_ns) < 0 || !v->scale_ns)
		return parse_error(p, "unreadable $timescale \"%.20s\"", spec);
	return 0;
}

static int vcd_change(struct parser *p, struct vcd_state *v, const char *word)
{
	size_t i;

	if (word[0] != '0' && word[0] != '1')
		return 0; /* x, z: no change to make */
	for (i = 0; i < v->count; i++)
		if (!strcmp(v->signals[i].id, word + 1))
			break;
	if (i == v->count || v->signals[i].line < 0)
		return 0;
	return add_step(p, v->now_ns, (unsigned int)v->signals[i].line,
			(unsigned int)(word[0] - '0'));
}

static int vcd_word(struct parser *p, struct vcd_state *v, const char *word,
		    const char **pos, const char *end)
{
	char w[4][MAX_WORD];
	uint64_t t;
	int i;

	if (!strcmp(word, "$var")) {
		/* type size id reference [$end, or a bit range first] */
		for (i = 0; i < 4; i++)
			if (!next_word(pos, end, w[i]))
				return parse_error(p, "truncated $var");
		while (next_word(pos, end, w[0]) && strcmp(w[0], "$end"))
			;
		return vcd_declare(p, v, w[1], w[2], w[3]);
	}
	if (!strcmp(word, "$timescale"))
		return vcd_timescale(p, v, pos, end);
	if (!strcmp(word, "$dumpvars") || !strcmp(word, "$dumpon") ||
	    !strcmp(word, "$dumpoff") || !strcmp(word, "$dumpall") ||
	    !strcmp(word, "$end"))
		return 0; /* value changes follow */
	if (word[0] == '$') {
		while (next_word(pos, end, w[0]) && strcmp(w[0], "$end"))
			;
		return 0;
	}
	if (word[0] == '#') {
		if (!parse_uint(word + 1, MAX_TIME_NS / v->scale_ns, &t))
			return parse_error(p, "bad time \"%.20s\"", word);
		v->now_ns = t * v->scale_ns;
		if (v->now_ns > p->script->length_ns)
			p->script->length_ns = v->now_ns;
		return 0;
	}
	if (word[0] == 'b' || word[0] == 'B' || word[0] == 'r' ||
	    word[0] == 'R') {
		next_word(pos, end, w[0]); /* a vector's or real's id */
		return 0;
	}
	return vcd_change(p, v, word);
}

static int parse_vcd(struct parser *p, const char *text, size_t len)
{
	struct vcd_state v = {.scale_ns = 1};
	const char *pos = text, *end = text + len;
	char word[MAX_WORD];
	int ret = 0;

	while (ret == 0 && next_word(&pos, end, word))
		ret = vcd_word(p, &v, word, &pos, end);
	free(v.signals);
	return ret;
}

/* ---- both ---- */

struct ordered_step {
	struct sim_step step;
	size_t order;
};

static int compare_steps(const void *a, const void *b)
{
	const struct ordered_step *x = a, *y = b;

	if (x->step.t_ns != y->step.t_ns)
		return x->step.t_ns < y->step.t_ns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Time order; changes at one time keep the file's order. */
static int sort_steps(struct sim_script *s)
{
	struct ordered_step *tmp;
	size_t i;

	if (s->count < 2)
		return 0;
	tmp = malloc(s->count * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < s->count; i++) {
		tmp[i].step = s->steps[i];
		tmp[i].order = i;
	}
	qsort(tmp, s->count, sizeof(*tmp), compare_steps);
	for (i = 0; i < s->count; i++)
		s->steps[i] = tmp[i].step;
	free(tmp);
	return 0;
}

static bool looks_like_vcd(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	return i < len && text[i] == '$';
}

int sim_script_parse(const char *text, size_t len, unsigned int ngpio,
		     sim_script_line_fn line_of, void *opaque,
		     struct sim_script *script, char *err, size_t err_size)
{
	struct parser p = {
		.script = script,
		.ngpio = ngpio,
		.line_of = line_of,
		.opaque = opaque,
		.err = err,
		.err_size = err_size,
	};
	int ret;

	memset(script, 0, sizeof(*script));
	if (err && err_size)
		err[0] = '\0';
	if (memchr(text, '\0', len))
		ret = parse_error(&p, "a NUL byte: not a text or VCD file");
	else if (looks_like_vcd(text, len))
		ret = parse_vcd(&p, text, len);
	else
		ret = parse_text(&p, text, len);
	if (ret == 0)
		ret = sort_steps(script);
	if (ret == 0 && script->count == 0)
		ret = parse_error(&p, "no change to play");
	if (ret < 0)
		sim_script_free(script);
	return ret;
}

void sim_script_free(struct sim_script *script)
{
	free(script->steps);
	script->steps = NULL;
	script->count = 0;
}
