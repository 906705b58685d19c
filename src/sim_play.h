/* SPDX-License-Identifier: MIT */
/*
 * Timed stimulus for a simulated chip: a client stages a script of input
 * changes, each at a time from the start, and the daemon plays it with a
 * timerfd in the device's event loop (no thread, no busy waiting): at each
 * expiry every change that is due is applied, then the guest is told once,
 * so changes due at one time reach it as one instant.  The control
 * commands (one reply line each):
 *
 *   play-step T_NS LINE VALUE  ->  ok       stage a change at T_NS ns from
 *                                           the start (times never going
 *                                           back; at most 65536)
 *   play-start LOOPS END_NS    ->  ok       play what was staged LOOPS
 *                                           times (0: until the client
 *                                           goes), a round lasting END_NS
 *                                           (>= the last T_NS, > 0 when
 *                                           looping); later, once played:
 *     played STEPS late median M us p99 P us max X us
 *                                           (how late the changes were
 *                                           applied after their times)
 *
 * One play at a time per chip; a client that goes stops its play and
 * drops what it staged.  Runs on the serving thread.
 */
#ifndef VDG_SIM_PLAY_H
#define VDG_SIM_PLAY_H

#include <stddef.h>
#include <stdint.h>

#include "event_loop.h"
#include "text_buf.h"

/* Staged changes a client may hold: sim_script.h's limit. */
#define SIM_PLAY_MAX_STEPS 65536u

/* What the player does to the chip and its clients. */
struct sim_play_ops {
	/*
	 * Sets simulated input @line (< ngpio) to @value (0 or 1) at @ns
	 * (CLOCK_MONOTONIC): the same for every change of one instant.
	 */
	void (*apply)(void *opaque, unsigned int line, uint8_t value,
		      uint64_t ns);
	/* The changes of one instant are in: let the guest see them. */
	void (*settle)(void *opaque);
	/* Sends @text to control client @client (the play's). */
	void (*send)(void *opaque, unsigned int client, const char *text);
};

struct sim_player;

/*
 * A player for a chip of @ngpio lines with its timerfd in @loop
 * (borrowed).  @ops and @opaque are borrowed.  0 or -errno.
 */
int sim_player_new(struct event_loop *loop, unsigned int ngpio,
		   const struct sim_play_ops *ops, void *opaque,
		   struct sim_player **out);
void sim_player_free(struct sim_player *p);

/*
 * Runs the play command @line (@len bytes) of control client @client and
 * appends its reply to @out.  0 or -ENOMEM.
 */
int sim_player_execute(struct sim_player *p, unsigned int client,
		       const char *line, size_t len, struct text_buf *out);

/* Client @client is gone: its play stops, what it staged is dropped. */
void sim_player_client_gone(struct sim_player *p, unsigned int client);

#endif
