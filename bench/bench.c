// SPDX-License-Identifier: MIT
/*
 * vhost-device-gpio-bench: measures a vhost-user GPIO daemon next to the
 * machine's limit (issue 5).  See --help for use.
 *
 * The benchmark plays the VMM and the guest driver with the VMM stand-in
 * library (tests/vmm) against any daemon that takes `-s PATH -c N -l LIST`,
 * and measures each figure of issue 5 next to the machine's own limit (an
 * eventfd ping-pong between two processes through epoll).
 *
 * Files, each part depending only on those below it:
 *   bench.c     command line, the order of the runs, ratios and targets
 *   fleet.c     scale (64 devices) and footprint (one idle s8)
 *   poll.c      the same daemon with --poll-us: the *_poll figures
 *   guest.c     request round trip, throughput, interrupt latency (vmm.h),
 *               with the baseline interleaved
 *   pingpong.c  the eventfd baseline
 *   play.c      the timing error of played edges
 *   daemon.c    starting, pinning, inspecting (/proc) and stopping a daemon
 *   figures.c   samples -> median/p99, the figure table, text and JSON output
 *   run.c       what a run shares: configuration, failures, log, clock
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "daemon.h"
#include "figures.h"
#include "fleet.h"
#include "play.h"
#include "guest.h"
#include "poll.h"
#include "run.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vhost-device-gpio-bench [--quick] [--json FILE] "
		"[--daemon CMD]...\n"
		"\n"
		"Measures a vhost-user GPIO daemon next to this machine's "
		"limit (an eventfd\n"
		"ping-pong between two processes through epoll): request "
		"round trip,\n"
		"throughput with a full ring, interrupt latency, scale (64 "
		"devices) and\n"
		"footprint.  Prints a table; --json writes the figures.\n"
		"\n"
		"  --daemon CMD       daemon command line taking -s PATH -c N "
		"-l LIST\n"
		"                     (split at blanks; repeat to measure "
		"several;\n"
		"                     default: this build's "
		"vhost-device-gpio)\n"
		"  --json FILE        write the figures as JSON\n"
		"  --quick            smoke mode: a few hundred iterations, a "
		"few seconds\n"
		"  --iterations N     round trips per latency figure "
		"(default 20000)\n"
		"  --seconds S        seconds per throughput figure "
		"(default 1)\n"
		"  --idle-seconds S   scale: idle window (default 5)\n"
		"  --dir DIR          where sockets and daemon logs go "
		"(default: a new\n"
		"                     directory under $TMPDIR or /tmp, "
		"removed at the end)\n"
		"  --cpus A,B         the bench's core and the other core "
		"(default: the\n"
		"                     first two usable ones)\n"
		"  --raw DIR          write each latency figure's samples "
		"(ns, in order)\n"
		"                     to DIR/NAME.txt\n"
		"  --poll-us N        the *_poll figures: the daemon with "
		"--poll-us=N\n"
		"                     (default 500; 0: not measured)\n"
		"  -v, --verbose      progress on stderr\n"
		"  -h, --help\n");
}

static double parse_positive(const char *opt, const char *text)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end || !(v > 0)) {
		fprintf(stderr, "bench: %s needs a positive number\n", opt);
		exit(2);
	}
	return v;
}

/*
 * The daemon of this build (its path is compiled in), else one next to us
 * in a build tree.
 */
static char *default_daemon(void)
{
	static const char *const rel[] = {
		"vhost-device-gpio", "../vhost-device-gpio",
		"src/vhost-device-gpio", "../src/vhost-device-gpio"};
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;
	unsigned int i;

	if (access(BENCH_DEFAULT_DAEMON, X_OK) == 0)
		return strdup(BENCH_DEFAULT_DAEMON);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", self, rel[i]);
			if (access(path, X_OK) == 0)
				return strdup(path);
		}
	}
	return strdup(BENCH_DEFAULT_DAEMON);
}

/* The first two usable cores, or those given with --cpus. */
static void choose_cpus(const char *spec, unsigned int *usable)
{
	cpu_set_t set;
	int i;

	cfg.cpu_a = cfg.cpu_b = -1;
	*usable = 0;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &set))
			continue;
		(*usable)++;
		if (cfg.cpu_a < 0)
			cfg.cpu_a = i;
		else if (cfg.cpu_b < 0)
			cfg.cpu_b = i;
	}
	if (spec && sscanf(spec, "%d,%d", &cfg.cpu_a, &cfg.cpu_b) != 2) {
		fprintf(stderr, "bench: --cpus wants A,B\n");
		exit(2);
	}
	if (cfg.cpu_a < 0)
		cfg.cpu_a = 0;
	cfg.have_cross = cfg.cpu_b >= 0 && cfg.cpu_b != cfg.cpu_a;
}

static struct ratio ratio_templates[] = {
	{"request_rtt_over_eventfd_same", "request_rtt_us_same",
	 "eventfd_rtt_us_same", -1},
	{"request_rtt_over_eventfd_cross", "request_rtt_us_cross",
	 "eventfd_rtt_us_cross", -1},
	{"irq_latency_over_eventfd_same", "irq_latency_us_same",
	 "eventfd_rtt_us_same", -1},
	{"irq_latency_over_eventfd_cross", "irq_latency_us_cross",
	 "eventfd_rtt_us_cross", -1},
	{"request_rtt_poll_over_eventfd_cross", "request_rtt_us_cross_poll",
	 "eventfd_rtt_us_cross", -1},
	{"throughput_cross_poll_over_no_poll", "throughput_get_rps_cross_poll",
	 "throughput_get_rps_cross", -1},
};

#define NRATIOS (sizeof(ratio_templates) / sizeof(ratio_templates[0]))

static const struct target targets[] = {
	{"(2) request rtt <= 1.3 x eventfd, same core",
	 "request_rtt_over_eventfd_same", '<', 1.3, true},
	{"(2) request rtt <= 1.3 x eventfd, cross core",
	 "request_rtt_over_eventfd_cross", '<', 1.3, true},
	{"(4) irq latency <= 2 x eventfd, same core",
	 "irq_latency_over_eventfd_same", '<', 2.0, true},
	{"(4) irq latency <= 2 x eventfd, cross core",
	 "irq_latency_over_eventfd_cross", '<', 2.0, true},
	{"(3) >= 3M GET_VALUE/s, full ring, one core", "throughput_get_rps",
	 '>', 3e6, false},
	{"(3) same, daemon on a core of its own", "throughput_get_rps_cross",
	 '>', 3e6, false},
	{"(5) 0 idle wake-ups, 64 armed devices", "scale_idle_wakeups", '=', 0,
	 false},
	{"(5) RSS < 16 MB, 64 devices", "scale_rss_kb", '<', 16384, false},
	{"(6) idle RSS < 2 MB", "idle_rss_kb", '<', 2048, false},
	{"(6) ready < 10 ms", "ready_ms", '<', 10, false},
	{"(17) poll: rtt <= 0.6 x eventfd, cross",
	 "request_rtt_poll_over_eventfd_cross", '<', 0.6, true},
	{"(17) poll: GET/s cross >= 2 x no poll",
	 "throughput_cross_poll_over_no_poll", '>', 2.0, true},
	{"(17) poll: kicks per request <= 0.01", "kicks_per_request_poll", '<',
	 0.01, false},
	{"(17) poll: idle CPU < 0.1% after window", "poll_cpu_fraction_idle",
	 '<', 0.001, false},
	{"(17) poll: 0 idle wake-ups after window", "poll_idle_wakeups", '=', 0,
	 false},
	{"(17) irq <= 1.5 x eventfd, same, no poll",
	 "irq_latency_over_eventfd_same", '<', 1.5, true},
};

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static void compute_ratios(struct daemon_result *r)
{
	unsigned int i;

	r->ratios = calloc(NRATIOS, sizeof(*r->ratios));
	if (!r->ratios)
		return;
	r->nratios = NRATIOS;
	for (i = 0; i < NRATIOS; i++) {
		double num, den;

		r->ratios[i] = ratio_templates[i];
		if (figures_value(&r->figures, r->ratios[i].num, &num) &&
		    figures_value(&r->figures, r->ratios[i].den, &den) &&
		    den > 0)
			r->ratios[i].value = num / den;
	}
}

/* "threads independent of armed interrupts" is a comparison, not a limit. */
static void note_thread_independence(struct figures *set)
{
	double armed, unarmed;

	if (figures_value(set, "scale_threads", &armed) &&
	    figures_value(set, "scale_threads_unarmed", &unarmed))
		figure_note(set, "scale_threads", "%s arming (%.0f before)",
			    armed == unarmed ? "unchanged by" : "CHANGED by",
			    unarmed);
}

static char *make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];

	snprintf(templ, sizeof(templ), "%s/vdg-bench.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(templ))
		return NULL;
	return strdup(templ);
}

/* Our own mkdtemp directory: the sockets and logs in it, then itself. */
static void remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dp = opendir(dir);

	if (dp) {
		while ((e = readdir(dp)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s", dir,
					 e->d_name);
				unlink(path);
			}
		closedir(dp);
	}
	if (rmdir(dir) < 0)
		fprintf(stderr, "bench: could not remove %s: %s\n", dir,
			strerror(errno));
}

int main(int argc, char **argv)
{
	enum {
		OPT_JSON = 0x100,
		OPT_DAEMON,
		OPT_QUICK,
		OPT_ITERS,
		OPT_SECONDS,
		OPT_IDLE,
		OPT_DIR,
		OPT_CPUS,
		OPT_RAW,
		OPT_POLL_US,
	};
	static const struct option longopts[] = {
		{"json", required_argument, NULL, OPT_JSON},
		{"daemon", required_argument, NULL, OPT_DAEMON},
		{"quick", no_argument, NULL, OPT_QUICK},
		{"iterations", required_argument, NULL, OPT_ITERS},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"idle-seconds", required_argument, NULL, OPT_IDLE},
		{"dir", required_argument, NULL, OPT_DIR},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"raw", required_argument, NULL, OPT_RAW},
		{"poll-us", required_argument, NULL, OPT_POLL_US},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *json = NULL, *cpus = NULL, *dir = NULL;
	const char *daemon_texts[8];
	unsigned int ndaemons = 0, d, iters = 0, poll_us = 500;
	double seconds = 0, idle = 0;
	struct daemon_cmd cmds[8];
	struct daemon_result *res;
	struct machine_info m;
	char *own_dir = NULL, *def = NULL;
	struct rlimit rl;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = optarg;
			break;
		case OPT_DAEMON:
			if (ndaemons == 8) {
				fprintf(stderr, "bench: at most 8 daemons\n");
				return 2;
			}
			daemon_texts[ndaemons++] = optarg;
			break;
		case OPT_QUICK:
			cfg.quick = true;
			break;
		case OPT_ITERS:
			iters = (unsigned int)parse_positive("--iterations",
							     optarg);
			break;
		case OPT_SECONDS:
			seconds = parse_positive("--seconds", optarg);
			break;
		case OPT_IDLE:
			idle = parse_positive("--idle-seconds", optarg);
			break;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_CPUS:
			cpus = optarg;
			break;
		case OPT_RAW:
			cfg.raw_dir = optarg;
			break;
		case OPT_POLL_US:
			poll_us = (unsigned int)atoi(optarg);
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench: unexpected argument %s\n",
			argv[optind]);
		return 2;
	}

	cfg.latency_iters = cfg.quick ? 300 : 20000;
	cfg.irq_iters = cfg.quick ? 100 : 3000;
	cfg.throughput_seconds = cfg.quick ? 0.1 : 1.0;
	cfg.idle_seconds = cfg.quick ? 0.5 : 5.0;
	cfg.ready_runs = cfg.quick ? 3 : 20;
	cfg.scale_devices = 64;
	cfg.scale_lines = 64;
	if (iters) {
		cfg.latency_iters = iters;
		cfg.irq_iters = iters / 5 ? iters / 5 : 1;
	}
	if (seconds > 0)
		cfg.throughput_seconds = seconds;
	if (idle > 0)
		cfg.idle_seconds = idle;

	signal(SIGPIPE, SIG_IGN);
	/* Sleeps of a few microseconds must not round up to 50 us. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* 64 guests hold a few hundred descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	machine_info_read(&m);
	choose_cpus(cpus, &m.cores_allowed);

	if (!ndaemons) {
		def = default_daemon();
		daemon_texts[ndaemons++] = def;
	}
	for (d = 0; d < ndaemons; d++)
		if (daemon_cmd_parse(daemon_texts[d], &cmds[d]) < 0) {
			fprintf(stderr, "bench: bad --daemon \"%s\"\n",
				daemon_texts[d]);
			return 2;
		}
	if (!dir) {
		own_dir = make_dir();
		if (!own_dir) {
			perror("bench: mkdtemp");
			return 1;
		}
		dir = own_dir;
	}
	cfg.dir = dir;
	res = calloc(ndaemons, sizeof(*res));
	if (!res)
		return 1;

	fprintf(stderr, "bench: %s run on %s (%u cores), sockets in %s\n",
		cfg.quick ? "quick" : "full", m.cpu_model, m.cores, cfg.dir);

	for (d = 0; d < ndaemons; d++) {
		struct figures *set = &res[d].figures;

		fprintf(stderr, "bench: daemon %s\n", cmds[d].text);
		res[d].cmd = &cmds[d];
		memset(set, 0, sizeof(*set));
		bench_guest(&cmds[d], set);
		if (poll_us)
			bench_poll(&cmds[d], poll_us, set);
		pin_self(cfg.cpu_a);
		bench_scale(&cmds[d], set);
		bench_footprint(&cmds[d], set);
		bench_play(&cmds[d], set);
		note_thread_independence(set);
		compute_ratios(&res[d]);
	}

	report_table(&m, res, ndaemons, targets, NTARGETS);
	if (json) {
		int ret =
			report_json(json, &m, res, ndaemons, targets, NTARGETS);

		if (ret < 0) {
			fprintf(stderr, "bench: cannot write %s: %s\n", json,
				strerror(-ret));
			status = 1;
		}
	}

	if (bench_failures) {
		fprintf(stderr, "bench: %u failure%s (see above)\n",
			bench_failures, bench_failures > 1 ? "s" : "");
		status = 1;
	}
	for (d = 0; d < ndaemons; d++) {
		free(res[d].ratios);
		daemon_cmd_free(&cmds[d]);
	}
	free(res);
	free(def);
	if (own_dir) {
		remove_dir(own_dir);
		free(own_dir);
	}
	return status;
}
