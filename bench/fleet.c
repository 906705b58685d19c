// SPDX-License-Identifier: MIT
/*
 * Scale (64 devices of 64 lines, all connected and armed) and footprint
 * (one idle s8 device: RSS, time from exec to socket ready).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "figures.h"
#include "fleet.h"
#include "guest.h"
#include "run.h"

#define EVENTQ 1

static const char *err_text(int ret)
{
	return strerror(ret < 0 ? -ret : ret);
}

static void scale_missing(struct figures *set, const char *why)
{
	figure_set_missing(set, "scale_threads", "threads", "%s", why);
	figure_set_missing(set, "scale_threads_unarmed", "threads", "%s", why);
	figure_set_missing(set, "scale_rss_kb", "kB", "%s", why);
	figure_set_missing(set, "scale_idle_wakeups", "wakeups", "%s", why);
}

/* IRQ_TYPE EDGE_BOTH on every line, then one pending pair per line. */
static int arm_lines(struct guest *g, unsigned int lines)
{
	struct vmm_gpio_req reqs[GUEST_MAX_PAIRS];
	struct vmm_gpio_res res[GUEST_MAX_PAIRS];
	unsigned int i;
	int ret;

	for (i = 0; i < lines; i++) {
		reqs[i].type = VIRTIO_GPIO_MSG_IRQ_TYPE;
		reqs[i].gpio = (uint16_t)i;
		reqs[i].value = VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
	}
	ret = vmm_gpio_submit(g->vmm, reqs, lines, res);
	if (ret < 0)
		return ret;
	for (i = 0; i < lines; i++)
		if (res[i].status != VIRTIO_GPIO_STATUS_OK)
			return -EREMOTEIO;
	for (i = 0; i < lines; i++) {
		ret = guest_add_pair(g, i, (uint16_t)i);
		if (ret < 0)
			return ret;
	}
	ret = vmm_queue_kick(g->vmm, EVENTQ);
	return ret < 0 ? ret : 0;
}

void bench_scale(const struct daemon_cmd *cmd, struct figures *set)
{
	unsigned int n = cfg.scale_devices, lines = cfg.scale_lines, i;
	struct guest_options opts = {.want_irq = true, .event_idx = true};
	unsigned int connected = 0, armed = 0, fired = 0;
	long threads_unarmed, threads, rss, sw0, sw1;
	struct guest *guests = NULL;
	char *list = NULL, path[300];
	const char *why = NULL;
	struct daemon d;
	size_t len;
	int ret;

	if (lines > GUEST_MAX_PAIRS)
		lines = GUEST_MAX_PAIRS;
	/* Fix the order of the table. */
	scale_missing(set, "");
	len = (size_t)n * 8 + 1;
	list = malloc(len);
	guests = calloc(n, sizeof(*guests));
	if (!list || !guests) {
		scale_missing(set, "out of memory");
		goto out;
	}
	list[0] = 0;
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), len - strlen(list), "%ss%u",
			 i ? ":" : "", lines);
	ret = daemon_start(cmd, "scale", n, list, &d);
	if (ret < 0) {
		scale_missing(set, "daemon did not start");
		goto out;
	}
	vlog("scale: connecting %u guests", n);
	for (i = 0; i < n; i++) {
		daemon_socket(&d, i, path, sizeof(path));
		ret = guest_open(&guests[i], path, &opts);
		if (ret < 0) {
			bench_failures++;
			fprintf(stderr, "bench: scale: guest %u: %s\n", i,
				err_text(ret));
			break;
		}
		connected++;
	}
	if (connected < n) {
		scale_missing(set, "not every guest could connect");
		goto out_stop;
	}
	threads_unarmed = proc_status_value(d.pid, "Threads:");

	for (i = 0; i < n; i++) {
		if (!guests[i].irq) {
			why = "lines not armed: the daemon offers no "
			      "VIRTIO_GPIO_F_IRQ";
			break;
		}
		ret = arm_lines(&guests[i], lines);
		if (ret < 0) {
			bench_failures++;
			fprintf(stderr, "bench: scale: arming guest %u: %s\n",
				i, err_text(ret));
			why = "arming the lines failed";
			break;
		}
		armed++;
	}
	vlog("scale: %u guests, %u armed; settling", connected, armed);
	sleep_ns(cfg.quick ? 100000000 : 300000000);
	for (i = 0; i < armed; i++) {
		struct vmm_ring_view view;

		if (vmm_queue_view(guests[i].vmm, EVENTQ, &view) == 0)
			fired += (uint16_t)(le16toh(view.used->idx));
	}
	if (daemon_check(&d) < 0) {
		scale_missing(set, "the daemon exited");
		goto out_stop;
	}
	threads = proc_status_value(d.pid, "Threads:");
	rss = proc_status_value(d.pid, "VmRSS:");
	vlog("scale: idle for %.1f s", cfg.idle_seconds);
	sw0 = proc_voluntary_switches(d.pid);
	sleep_ns((int64_t)(cfg.idle_seconds * 1e9));
	sw1 = proc_voluntary_switches(d.pid);

	figure_set_value(set, "scale_threads", "threads", (double)threads);
	figure_set_value(set, "scale_threads_unarmed", "threads",
			 (double)threads_unarmed);
	figure_set_value(set, "scale_rss_kb", "kB", (double)rss);
	if (sw0 >= 0 && sw1 >= sw0)
		figure_set_value(set, "scale_idle_wakeups", "wakeups",
				 (double)(sw1 - sw0));
	else
		figure_set_missing(set, "scale_idle_wakeups", "wakeups",
				   "no voluntary_ctxt_switches in /proc");
	figure_note(set, "scale_threads",
		    "%u devices x s%u, %u connected, %u armed (%u pairs "
		    "pending)",
		    n, lines, connected, armed, armed * lines - fired);
	figure_note(set, "scale_idle_wakeups",
		    "voluntary context switches of all tasks over %.1f s",
		    cfg.idle_seconds);
	if (why) {
		figure_note(set, "scale_threads", "%s", why);
		figure_note(set, "scale_rss_kb", "%s", why);
		figure_note(set, "scale_idle_wakeups", "%s", why);
	}
	if (fired)
		figure_note(set, "scale_threads",
			    "%u pairs came back without an edge", fired);

out_stop:
	for (i = 0; i < connected; i++)
		guest_close(&guests[i]);
	daemon_stop(&d);
out:
	free(guests);
	free(list);
}

void bench_footprint(const struct daemon_cmd *cmd, struct figures *set)
{
	unsigned int runs = cfg.ready_runs, i, got = 0;
	int64_t settle = cfg.quick ? 20000000 : 100000000;
	uint64_t *ready = calloc(runs, sizeof(*ready));
	uint64_t *rss = calloc(runs, sizeof(*rss));
	long connected_rss = -1;
	char path[300];

	figures_get(set, "idle_rss_kb", "kB");
	figures_get(set, "idle_rss_kb_connected", "kB");
	figures_get(set, "ready_ms", "ms");
	if (!ready || !rss) {
		figure_set_missing(set, "ready_ms", "ms", "out of memory");
		goto out;
	}
	for (i = 0; i < runs; i++) {
		struct daemon d;
		long kb;

		if (daemon_start(cmd, "idle", 1, "s8", &d) < 0)
			break;
		ready[got] = (uint64_t)(d.ready_ns - d.exec_ns);
		sleep_ns(settle);
		kb = proc_status_value(d.pid, "VmRSS:");
		if (kb < 0) {
			daemon_stop(&d);
			break;
		}
		rss[got++] = (uint64_t)kb;
		if (i + 1 == runs) {
			struct guest_options opts = {.event_idx = true};
			struct guest g;

			daemon_socket(&d, 0, path, sizeof(path));
			if (guest_open(&g, path, &opts) == 0) {
				guest_request(&g, VIRTIO_GPIO_MSG_GET_VALUE, 0,
					      0);
				sleep_ns(settle);
				connected_rss =
					proc_status_value(d.pid, "VmRSS:");
				guest_close(&g);
			}
		}
		daemon_stop(&d);
	}
	if (!got) {
		figure_set_missing(set, "ready_ms", "ms",
				   "the daemon did not start");
		figure_set_missing(set, "idle_rss_kb", "kB",
				   "the daemon did not start");
	} else {
		figure_from_ns(set, "ready_ms", "ms", ready, got, 1e6);
		figure_note(set, "ready_ms",
			    "exec to first accepted connect on the socket");
		figure_from_ns(set, "idle_rss_kb", "kB", rss, got, 1.0);
		figure_note(set, "idle_rss_kb",
			    "VmRSS, one s8, no front-end, %.0f ms after ready",
			    settle / 1e6);
	}
	if (connected_rss >= 0) {
		figure_set_value(set, "idle_rss_kb_connected", "kB",
				 (double)connected_rss);
		figure_note(set, "idle_rss_kb_connected",
			    "VmRSS after negotiation and one request");
	} else {
		figure_set_missing(set, "idle_rss_kb_connected", "kB",
				   "no connected run");
	}
out:
	free(ready);
	free(rss);
}
