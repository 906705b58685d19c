// SPDX-License-Identifier: MIT
/*
 * The figures of a daemon that polls (issue 17): the same daemon command
 * with --poll-us=N, measured like bench_guest() measures it without:
 * request round trip on one core and across cores, GET_VALUE throughput
 * with the daemon on its own core, the kicks the driver had to make, the
 * interrupt latency across cores, and the CPU and wake-ups of the daemon
 * once its poll window has passed.  The driver still sleeps on the call
 * eventfd, as a guest's driver waits for its interrupt: one wake-up per
 * round trip remains.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_gpio.h>

#include "daemon.h"
#include "figures.h"
#include "guest.h"
#include "poll.h"
#include "run.h"

static const char *const poll_figures[][2] = {
	{"request_rtt_us_same_poll", "us"},
	{"request_daemon_cpu_us_same_poll", "us"},
	{"request_rtt_us_cross_poll", "us"},
	{"request_daemon_cpu_us_cross_poll", "us"},
	{"throughput_get_rps_cross_poll", "requests/s"},
	{"kicks_per_request_poll", "kicks"},
	{"irq_latency_us_cross_poll", "us"},
	{"poll_cpu_fraction_idle", "fraction"},
	{"poll_idle_wakeups", "wakeups"},
};

#define N_POLL_FIGURES (sizeof(poll_figures) / sizeof(poll_figures[0]))

/* Every figure of this phase not measured yet gets n = 0 and @why. */
static void mark_unmeasured(struct figures *set, const char *why)
{
	unsigned int i;
	double v;

	for (i = 0; i < N_POLL_FIGURES; i++) {
		struct figure *f = figures_get(set, poll_figures[i][0],
					       poll_figures[i][1]);

		if (!figures_value(set, f->name, &v) && !f->note[0])
			figure_set_missing(set, f->name, poll_figures[i][1],
					   "%s", why);
	}
}

static void requests(struct daemon *d, struct figures *set)
{
	struct guest_options opts = {.event_idx = true};
	struct throughput_result r;
	char path[300];
	struct guest g;
	int ret;

	daemon_socket(d, 0, path, sizeof(path));
	ret = guest_open(&g, path, &opts);
	if (ret < 0) {
		bench_failures++;
		mark_unmeasured(set, "negotiation failed");
		return;
	}
	pin_self(cfg.cpu_a);
	pin_pid(d->pid, cfg.cpu_a);
	vlog("request round trip, same core, polling");
	request_rtt(&g, d, set, "request_rtt_us_same_poll",
		    "request_daemon_cpu_us_same_poll", NULL);
	if (!cfg.have_cross || daemon_check(d) < 0) {
		guest_close(&g);
		return;
	}
	pin_pid(d->pid, cfg.cpu_b);
	vlog("request round trip, cross core, polling");
	request_rtt(&g, d, set, "request_rtt_us_cross_poll",
		    "request_daemon_cpu_us_cross_poll", NULL);
	vlog("throughput_get_rps_cross_poll");
	ret = throughput(&g, d, VIRTIO_GPIO_MSG_GET_VALUE, &r);
	if (ret < 0) {
		bench_failures++;
		figure_set_missing(set, "throughput_get_rps_cross_poll",
				   "requests/s", "failed: %s", strerror(-ret));
	} else {
		figure_from_rates(set, "throughput_get_rps_cross_poll",
				  "requests/s", r.rates, r.nrates);
		figure_note(set, "throughput_get_rps_cross_poll",
			    "daemon on its own core; %u in flight, %.1f req "
			    "per driver wake-up",
			    g.capacity,
			    r.wakeups ? (double)r.requests / r.wakeups : 0.0);
		if (r.requests)
			figure_set_value(set, "kicks_per_request_poll", "kicks",
					 (double)r.kicks / (double)r.requests);
		figure_note(set, "kicks_per_request_poll",
			    "%llu kicks for %llu requests, full ring, daemon "
			    "on its own core",
			    (unsigned long long)r.kicks,
			    (unsigned long long)r.requests);
	}
	guest_close(&g);
}

static void interrupts(struct daemon *d, struct figures *set)
{
	char why[400];
	struct guest g;
	int ctl, ret;

	if (!cfg.have_cross)
		return;
	ret = irq_open(d, &g, &ctl, why, sizeof(why));
	if (ret < 0) {
		if (ret != -ENOTSUP)
			bench_failures++;
		figure_set_missing(set, "irq_latency_us_cross_poll", "us", "%s",
				   why);
		return;
	}
	pin_self(cfg.cpu_a);
	pin_pid(d->pid, cfg.cpu_b);
	vlog("irq latency, cross core, polling");
	irq_latency(&g, ctl, set, "irq_latency_us_cross_poll", NULL);
	close(ctl);
	guest_close(&g);
}

/*
 * The daemon's CPU time and wake-ups over cfg.idle_seconds, starting 100
 * ms after the last request (its poll window long passed).
 */
static void idle(struct daemon *d, unsigned int poll_us, struct figures *set)
{
	int64_t cpu0, cpu1, t0, t1;
	long sw0, sw1;

	sleep_ns(100000000 + (int64_t)poll_us * 1000);
	t0 = now_ns();
	cpu0 = proc_cpu_ns(d->pid);
	sw0 = proc_voluntary_switches(d->pid);
	sleep_ns((int64_t)(cfg.idle_seconds * 1e9));
	t1 = now_ns();
	cpu1 = proc_cpu_ns(d->pid);
	sw1 = proc_voluntary_switches(d->pid);
	if (cpu0 < 0 || cpu1 < cpu0 || sw0 < 0 || sw1 < sw0) {
		mark_unmeasured(set, "no /proc/PID/task/*/schedstat or status");
		return;
	}
	figure_set_value(set, "poll_cpu_fraction_idle", "fraction",
			 (double)(cpu1 - cpu0) / (double)(t1 - t0));
	figure_note(set, "poll_cpu_fraction_idle",
		    "daemon CPU / wall time over %.1f s from 100 ms after "
		    "the last request",
		    cfg.idle_seconds);
	figure_set_value(set, "poll_idle_wakeups", "wakeups",
			 (double)(sw1 - sw0));
	figure_note(set, "poll_idle_wakeups",
		    "voluntary context switches over the same window");
}

void bench_poll(const struct daemon_cmd *cmd, unsigned int poll_us,
		struct figures *set)
{
	struct daemon_cmd polling;
	struct daemon d;
	char text[1200];
	unsigned int i, failures;

	/* Fix the order of the table. */
	for (i = 0; i < N_POLL_FIGURES; i++)
		figures_get(set, poll_figures[i][0], poll_figures[i][1]);
	snprintf(text, sizeof(text), "%s --poll-us=%u", cmd->text, poll_us);
	if (daemon_cmd_parse(text, &polling) < 0) {
		mark_unmeasured(set, "out of memory");
		return;
	}
	failures = bench_failures;
	if (daemon_start(&polling, "poll", 1, "s8", &d) < 0) {
		/* Not a failure: another daemon need not take --poll-us. */
		bench_failures = failures;
		mark_unmeasured(set, "the daemon does not start with "
				     "--poll-us");
		daemon_cmd_free(&polling);
		return;
	}
	requests(&d, set);
	if (daemon_check(&d) == 0)
		interrupts(&d, set);
	if (daemon_check(&d) == 0)
		idle(&d, poll_us, set);
	if (daemon_check(&d) < 0)
		mark_unmeasured(set, "the daemon exited during the run");
	daemon_stop(&d);
	daemon_cmd_free(&polling);
	for (i = 0; i < N_POLL_FIGURES; i++)
		figure_note(set, poll_figures[i][0], "--poll-us=%u", poll_us);
	mark_unmeasured(set, "not measured");
}
