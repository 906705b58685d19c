// SPDX-License-Identifier: MIT
#include "sim_control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "gpio_sim.h"

#define MAX_WORDS 4

static const char *const direction_names[] = {
	[GPIO_DIRECTION_NONE] = "none",
	[GPIO_DIRECTION_OUT] = "out",
	[GPIO_DIRECTION_IN] = "in",
};

/* Printable ASCII, or a blank sim_control_split() splits at. */
static bool allowed_byte(unsigned char c)
{
	return ascii_is_printable(c) || c == '\t' || c == '\r';
}

int sim_control_split(const char *command, size_t len, char *line, size_t size,
		      char **words, unsigned int max, size_t *bad)
{
	unsigned int n = 0;
	char *save = NULL, *word;
	size_t i;

	if (len >= size)
		return -E2BIG;
	for (i = 0; i < len; i++) {
		if (!allowed_byte((unsigned char)command[i])) {
			*bad = i;
			return -EILSEQ;
		}
	}
	memcpy(line, command, len);
	line[len] = '\0';
	for (word = strtok_r(line, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return (int)max + 1;
		words[n++] = word;
	}
	return (int)n;
}

/* Decimal without sign, spaces or leading zeros; false if not below @limit. */
static bool parse_number(const char *text, unsigned long limit,
			 unsigned long *value)
{
	unsigned long v = 0;
	const char *p;

	if (!*text || (text[0] == '0' && text[1]))
		return false;
	for (p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= limit)
			return false;
	}
	*value = v;
	return true;
}

/* A host chip's direction is the kernel's (the line info), NONE unknown. */
static enum gpio_direction line_direction(struct gpio_backend *be,
					  unsigned int line)
{
	enum gpio_direction dir = GPIO_DIRECTION_NONE;

	if (gpio_sim_is(be))
		return gpio_sim_get_direction(be, line);
	if (!be->ops->get_direction || be->ops->get_direction(be, line, &dir) ||
	    (unsigned int)dir > GPIO_DIRECTION_IN)
		return GPIO_DIRECTION_NONE;
	return dir;
}

int sim_control_line_state(struct gpio_backend *sim, unsigned int line,
			   struct text_buf *out)
{
	enum gpio_direction dir = line_direction(sim, line);
	uint8_t value = 0;

	if (sim->ops->get_value(sim, line, &value) < 0)
		return text_buf_printf(out, "error cannot read line %u\n",
				       line);
	return text_buf_printf(out, "%u %s %u\n", line, direction_names[dir],
			       value);
}

/* Every line's state, then "end". */
static int reply_list(struct gpio_backend *sim, struct text_buf *out)
{
	unsigned int i;
	int ret;

	for (i = 0; i < sim->ngpio; i++) {
		ret = sim_control_line_state(sim, i, out);
		if (ret < 0)
			return ret;
	}
	return text_buf_printf(out, "end\n");
}

static int execute_words(struct gpio_backend *sim, char **words, unsigned int n,
			 struct text_buf *out)
{
	unsigned long line, level;
	int ret;

	if (n == 0)
		return text_buf_printf(out, "error empty command\n");
	if (!strcmp(words[0], "list")) {
		if (n != 1)
			return text_buf_printf(out, "error usage: list\n");
		return reply_list(sim, out);
	}
	if (!strcmp(words[0], "watch")) {
		if (n != 1)
			return text_buf_printf(out, "error usage: watch\n");
		if (!gpio_sim_is(sim))
			return text_buf_printf(out, "error watch is for "
						    "simulated chips (trace "
						    "shows a host chip's "
						    "changes)\n");
		ret = reply_list(sim, out);
		return ret < 0 ? ret : SIM_CONTROL_WATCH;
	}
	if (!strcmp(words[0], "trace")) {
		if (n != 1)
			return text_buf_printf(out, "error usage: trace\n");
		return SIM_CONTROL_TRACE;
	}
	if (!strcmp(words[0], "get")) {
		if (n != 2)
			return text_buf_printf(out, "error usage: get LINE\n");
		if (!parse_number(words[1], sim->ngpio, &line))
			return text_buf_printf(
				out, "error no line \"%.16s\" (0..%u)\n",
				words[1], sim->ngpio - 1u);
		return sim_control_line_state(sim, (unsigned int)line, out);
	}
	if (!strcmp(words[0], "set")) {
		if (n != 3)
			return text_buf_printf(out,
					       "error usage: set LINE 0|1\n");
		if (!parse_number(words[1], sim->ngpio, &line))
			return text_buf_printf(
				out, "error no line \"%.16s\" (0..%u)\n",
				words[1], sim->ngpio - 1u);
		if (!parse_number(words[2], 2, &level))
			return text_buf_printf(out,
					       "error level must be 0 or 1\n");
		if (!gpio_sim_is(sim))
			return text_buf_printf(out,
					       "error line %lu is a host "
					       "chip's: read-only here\n",
					       line);
		ret = gpio_sim_set_input(sim, (unsigned int)line,
					 (uint8_t)level);
		if (ret == -EBUSY)
			return text_buf_printf(out,
					       "error line %lu is wired: "
					       "unwire it first\n",
					       line);
		if (ret < 0)
			return text_buf_printf(out, "error cannot set line\n");
		return text_buf_printf(out, "ok\n");
	}
	return text_buf_printf(out,
			       "error unknown command \"%.16s\" "
			       "(get, set, list, watch, trace)\n",
			       words[0]);
}

int sim_control_words(const char *command, size_t len, char *line, size_t size,
		      char **words, unsigned int max, struct text_buf *out,
		      bool *replied)
{
	size_t bad;
	int n = sim_control_split(command, len, line, size, words, max, &bad);

	*replied = n < 0;
	if (n == -E2BIG)
		return text_buf_printf(out, "error line too long\n");
	if (n < 0)
		return text_buf_printf(out,
				       "error commands are printable ASCII\n");
	return n;
}

int sim_control_execute(struct gpio_backend *sim, const char *command,
			size_t len, struct text_buf *out)
{
	char line[SIM_CONTROL_MAX_LINE + 1];
	char *words[MAX_WORDS];
	size_t bad = 0;
	int n;

	n = sim_control_split(command, len, line, sizeof(line), words,
			      MAX_WORDS, &bad);
	if (n == -E2BIG)
		return text_buf_printf(out, "error line too long\n");
	if (n < 0)
		return text_buf_printf(out,
				       "error byte 0x%02x at column %zu: "
				       "commands are printable ASCII\n",
				       (unsigned char)command[bad], bad + 1);
	if (n > MAX_WORDS)
		return text_buf_printf(out, "error too many words\n");
	return execute_words(sim, words, (unsigned int)n, out);
}
