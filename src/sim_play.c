// SPDX-License-Identifier: MIT
/*
 * Timed stimulus played by a timerfd in the event loop: see sim_play.h.
 */
#include "sim_play.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "control_socket.h"
#include "sim_control.h"

/* Lateness histogram: one bucket a microsecond, then one for the rest. */
#define LATE_BUCKETS 4096u
#define MAX_STAGED   CONTROL_SOCKET_MAX_CLIENTS

struct play_step {
	uint64_t t_ns;
	uint16_t line;
	uint8_t value;
};

/* One client's script: staged, then played. */
struct play_script {
	unsigned int client; /* 0: a free slot */
	struct play_step *steps;
	size_t count, cap;
};

struct sim_player {
	struct event_loop *loop;
	unsigned int ngpio;
	const struct sim_play_ops *ops;
	void *opaque;
	int timer_fd;
	struct play_script staged[MAX_STAGED];
	/* The play running, if playing.client is not 0. */
	struct play_script playing;
	uint64_t length_ns, start_ns;
	unsigned int loops_left; /* 0: until the client goes */
	bool forever;
	size_t next;
	/* How late each change was applied, for the `played` line. */
	uint32_t late[LATE_BUCKETS + 1];
	uint64_t late_max_ns, applied;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void script_free(struct play_script *s)
{
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

static struct play_script *staged_of(struct sim_player *p, unsigned int client,
				     bool create)
{
	struct play_script *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < MAX_STAGED; i++) {
		if (p->staged[i].client == client)
			return &p->staged[i];
		if (!p->staged[i].client && !free_slot)
			free_slot = &p->staged[i];
	}
	if (create && free_slot)
		free_slot->client = client;
	return create ? free_slot : NULL;
}

/* The timer fires at @ns (CLOCK_MONOTONIC); 0 disarms it. */
static void timer_arm(struct sim_player *p, uint64_t ns)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = (time_t)(ns / 1000000000u),
			     .tv_nsec = (long)(ns % 1000000000u)},
	};

	timerfd_settime(p->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The microsecond at which @fraction of the changes had been applied. */
static uint64_t late_quantile(const struct sim_player *p, double fraction)
{
	uint64_t want = (uint64_t)((double)p->applied * fraction), seen = 0;
	unsigned int i;

	for (i = 0; i <= LATE_BUCKETS; i++) {
		seen += p->late[i];
		if (seen > want)
			return i;
	}
	return LATE_BUCKETS;
}

static void play_end(struct sim_player *p, bool tell)
{
	char text[160];

	timer_arm(p, 0);
	if (tell) {
		snprintf(text, sizeof(text),
			 "played %" PRIu64 " late median %" PRIu64
			 " us p99 %" PRIu64 " us max %" PRIu64 " us\n",
			 p->applied, late_quantile(p, 0.5),
			 late_quantile(p, 0.99), p->late_max_ns / 1000u);
		p->ops->send(p->opaque, p->playing.client, text);
	}
	script_free(&p->playing);
}

static void note_lateness(struct sim_player *p, uint64_t late_ns)
{
	uint64_t us = late_ns / 1000u;

	p->late[us < LATE_BUCKETS ? us : LATE_BUCKETS]++;
	if (late_ns > p->late_max_ns)
		p->late_max_ns = late_ns;
	p->applied++;
}

/*
 * Applies every change due by now (late ones too, together), tells the
 * guest once, and arms the timer for the next; a round over, the next
 * starts END_NS after the last one started.
 */
static void on_timer(void *opaque, uint32_t events)
{
	struct sim_player *p = opaque;
	struct play_script *s = &p->playing;
	uint64_t expirations, now = now_ns();
	bool applied = false;

	/* Only to clear it: the steps due say what to do. */
	if (read(p->timer_fd, &expirations, sizeof(expirations)) < 0 ||
	    !s->client)
		return;
	while (s->client && p->start_ns + s->steps[p->next].t_ns <= now) {
		const struct play_step *step = &s->steps[p->next];

		p->ops->apply(p->opaque, step->line, step->value, now);
		note_lateness(p, now - (p->start_ns + step->t_ns));
		applied = true;
		if (++p->next < s->count)
			continue;
		if (!p->forever && --p->loops_left == 0)
			break;
		p->next = 0;
		p->start_ns += p->length_ns;
	}
	if (applied)
		p->ops->settle(p->opaque);
	if (!s->client)
		return;
	if (p->next == s->count)
		play_end(p, true);
	else
		timer_arm(p, p->start_ns + s->steps[p->next].t_ns);
}

int sim_player_new(struct event_loop *loop, unsigned int ngpio,
		   const struct sim_play_ops *ops, void *opaque,
		   struct sim_player **out)
{
	struct sim_player *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->loop = loop;
	p->ngpio = ngpio;
	p->ops = ops;
	p->opaque = opaque;
	p->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->timer_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = event_loop_add(loop, p->timer_fd, EPOLLIN, on_timer, p);
	if (ret < 0)
		goto err_close;
	*out = p;
	return 0;

err_close:
	close(p->timer_fd);
err_free:
	free(p);
	return ret;
}

void sim_player_free(struct sim_player *p)
{
	unsigned int i;

	if (!p)
		return;
	event_loop_remove(p->loop, p->timer_fd);
	close(p->timer_fd);
	for (i = 0; i < MAX_STAGED; i++)
		script_free(&p->staged[i]);
	script_free(&p->playing);
	free(p);
}

void sim_player_client_gone(struct sim_player *p, unsigned int client)
{
	struct play_script *s = staged_of(p, client, false);

	if (s)
		script_free(s);
	if (p->playing.client == client)
		play_end(p, false);
}

static int stage_step(struct sim_player *p, unsigned int client, uint64_t t_ns,
		      uint64_t line, uint64_t value, struct text_buf *out)
{
	struct play_script *s;

	if (line >= p->ngpio)
		return text_buf_printf(out,
				       "error no line %" PRIu64 " (0..%u)\n",
				       line, p->ngpio - 1);
	if (value > 1)
		return text_buf_printf(out, "error level must be 0 or 1\n");
	s = staged_of(p, client, true);
	if (!s)
		return text_buf_printf(out, "error too many scripts staged\n");
	if (s->count && t_ns < s->steps[s->count - 1].t_ns)
		return text_buf_printf(out, "error times must not go back\n");
	if (s->count == SIM_PLAY_MAX_STEPS)
		return text_buf_printf(out, "error more than %u changes\n",
				       SIM_PLAY_MAX_STEPS);
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct play_step *steps =
			realloc(s->steps, cap * sizeof(*steps));

		if (!steps)
			return text_buf_printf(out, "error out of memory\n");
		s->steps = steps;
		s->cap = cap;
	}
	s->steps[s->count++] = (struct play_step){
		.t_ns = t_ns, .line = (uint16_t)line, .value = (uint8_t)value};
	return text_buf_printf(out, "ok\n");
}

static int start_play(struct sim_player *p, unsigned int client, uint64_t loops,
		      uint64_t end_ns, struct text_buf *out)
{
	struct play_script *s = staged_of(p, client, false);

	if (!s || !s->count)
		return text_buf_printf(out, "error nothing staged\n");
	if (p->playing.client)
		return text_buf_printf(out, "error another play is running\n");
	if (end_ns < s->steps[s->count - 1].t_ns || (loops != 1 && !end_ns))
		return text_buf_printf(out, "error the end must be at or "
					    "after the last change (and not "
					    "0 when looping)\n");
	p->playing = *s;
	memset(s, 0, sizeof(*s));
	p->length_ns = end_ns;
	p->forever = loops == 0;
	p->loops_left = loops > UINT32_MAX ? UINT32_MAX : (unsigned int)loops;
	p->next = 0;
	memset(p->late, 0, sizeof(p->late));
	p->late_max_ns = p->applied = 0;
	p->start_ns = now_ns();
	timer_arm(p, p->start_ns + p->playing.steps[0].t_ns);
	return text_buf_printf(out, "ok\n");
}

/* Decimal without sign or leading zeros; false past @limit. */
static bool parse_number(const char *word, uint64_t limit, uint64_t *value)
{
	uint64_t v = 0;

	if (!*word || (word[0] == '0' && word[1]))
		return false;
	for (; *word; word++) {
		if (*word < '0' || *word > '9')
			return false;
		v = v * 10 + (uint64_t)(*word - '0');
		if (v > limit)
			return false;
	}
	*value = v;
	return true;
}

int sim_player_execute(struct sim_player *p, unsigned int client,
		       const char *line, size_t len, struct text_buf *out)
{
	char text[128], *words[4];
	uint64_t a, b, c;
	bool replied;
	int n = sim_control_words(line, len, text, sizeof(text), words, 4, out,
				  &replied);

	if (replied)
		return n;
	if (n == 4 && !strcmp(words[0], "play-step") &&
	    parse_number(words[1], UINT64_MAX / 4, &a) &&
	    parse_number(words[2], UINT16_MAX, &b) &&
	    parse_number(words[3], 9, &c))
		return stage_step(p, client, a, b, c, out);
	if (n == 3 && !strcmp(words[0], "play-start") &&
	    parse_number(words[1], UINT32_MAX, &a) &&
	    parse_number(words[2], UINT64_MAX / 4, &b))
		return start_play(p, client, a, b, out);
	return text_buf_printf(out, "error usage: play-step T_NS LINE VALUE, "
				    "play-start LOOPS END_NS\n");
}
