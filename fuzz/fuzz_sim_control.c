// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the simulated chip's control language.
 *
 * Byte 0 picks the chip size (1..256 lines) and byte 1 a few guest-side
 * line configurations; the rest is split at '\n' into command lines, each
 * passed as it is (NUL and every other byte included, over-long lines too,
 * not NUL-terminated: a read past its length is an overflow) to
 * sim_control_execute() against one gpio_sim chip, as the control socket
 * passes what a client sent (play-* lines to a sim_player, as the server
 * routes them).  Every reply (but `trace`'s, which the
 * caller writes) is whole lines of printable
 * ASCII; a line holding a byte the language does not allow is an error
 * whatever comes before that byte.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_loop.h"
#include "gpio_sim.h"
#include "log.h"
#include "sim_control.h"
#include "sim_play.h"
#include "wire_hub.h"
#include "text_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The player's effects, as the server has them: on the chip. */
static void play_apply(void *opaque, unsigned int line, uint8_t value,
		       uint64_t ns)
{
	int ret = gpio_sim_set_input(opaque, line, value);

	/* A wired input is the wire's: the play's change is refused. */
	assert(ret == 0 || ret == -EBUSY);
}

static void play_settle(void *opaque)
{
}

static void play_send(void *opaque, unsigned int client, const char *text)
{
}

static const struct sim_play_ops play_ops = {play_apply, play_settle,
					     play_send};

struct target {
	struct gpio_backend *be;
	struct sim_player *player;
	struct wire_port *wires;
};

/*
 * A command line as the server routes it: play-* to the player (as
 * client 1 or 2, by the line's length), wire and unwire to the wires of a
 * one-device hub, the rest to sim_control.
 */
static int execute(struct target *t, const char *line, size_t len,
		   struct text_buf *out)
{
	if (len > 5 && !memcmp(line, "play-", 5))
		return sim_player_execute(t->player, 1 + (len & 1), line, len,
					  out);
	if ((len > 5 && !memcmp(line, "wire ", 5)) ||
	    (len > 7 && !memcmp(line, "unwire ", 7)))
		return wire_port_execute(t->wires, line, len, out);
	return sim_control_execute(t->be, line, len, out);
}

/* What sim_control.h allows in a command: printable ASCII and blanks. */
static bool allowed(const uint8_t *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((line[i] < 0x20 || line[i] > 0x7e) && line[i] != '\t' &&
		    line[i] != '\r')
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpio_backend *be = NULL;
	struct sim_player *player = NULL;
	struct event_loop *loop = NULL;
	struct wire_hub *hub = NULL;
	struct target t = {0};
	struct text_buf out = {0};
	unsigned int nlines, i;
	size_t pos, len, j;

	log_set_level(LOG_LEVEL_ERROR);
	if (size < 2)
		return 0;
	nlines = (unsigned int)data[0] + 1;
	if (gpio_sim_new(nlines, &be) < 0)
		return 0;
	if (event_loop_new(&loop) < 0 ||
	    sim_player_new(loop, nlines, &play_ops, be, &player) < 0 ||
	    wire_hub_new(1, &hub) < 0 ||
	    wire_hub_attach(hub, 0, be, loop, play_settle, NULL, &t.wires) < 0)
		goto out;
	t.be = be;
	t.player = player;
	/* Some lines outputs (driving 0 or 1), some released. */
	for (i = 0; i < 4 && i < nlines; i++) {
		unsigned int bits = (data[1] >> (2 * i)) & 3;

		if (bits == 1)
			be->ops->set_direction(be, i, GPIO_DIRECTION_NONE, 0);
		else if (bits >= 2)
			be->ops->set_direction(be, i, GPIO_DIRECTION_OUT,
					       (uint8_t)(bits - 2));
	}

	for (pos = 2; pos < size; pos += len + 1) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t before = out.len;
		int ret;

		len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		ret = execute(&t, (const char *)data + pos, len, &out);
		if (ret < 0)
			break;
		/* `trace`: the caller replies (gpio_trace.h), nothing here. */
		if (ret == SIM_CONTROL_TRACE) {
			assert(out.len == before && allowed(data + pos, len));
			continue;
		}
		/* One reply per command, whole lines of printable ASCII. */
		assert(out.len > before);
		assert(out.data[out.len - 1] == '\n');
		for (j = before; j < out.len; j++)
			assert(out.data[j] == '\n' ||
			       (out.data[j] >= 0x20 && out.data[j] <= 0x7e));
		/* A byte the language does not allow: the line is refused. */
		if (!allowed(data + pos, len))
			assert(out.len - before > 6 &&
			       !memcmp(out.data + before, "error ", 6));
		/* Keep memory bounded on long inputs, as the socket does. */
		out.sent = out.len;
		text_buf_compact(&out);
	}
	/* Whatever was started plays what is due now; wires follow. */
	event_loop_dispatch(loop, 0);
out:
	wire_port_detach(t.wires);
	wire_hub_free(hub);
	text_buf_free(&out);
	sim_player_free(player);
	event_loop_free(loop);
	gpio_backend_destroy(be);
	return 0;
}
