/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: shared declarations.
 *
 * The benchmark plays the VMM and the guest driver with the VMM stand-in
 * library (tests/vmm) against any daemon that takes `-s PATH -c N -l LIST`,
 * and measures each figure of issue 5 next to the machine's own limit (an
 * eventfd ping-pong between two processes through epoll).
 *
 * Files:
 *   bench.c     command line, the order of the runs, ratios and targets
 *   figures.c   samples -> median/p99, the figure table, text and JSON output
 *   daemon.c    starting, pinning, inspecting (/proc) and stopping a daemon
 *   pingpong.c  the eventfd baseline
 *   guest.c     request round trip, throughput, interrupt latency (vmm.h),
 *               with the baseline interleaved
 *   fleet.c     scale (64 devices) and footprint (one idle s8)
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- figures ---- */

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

/* ---- run configuration ---- */

struct bench_config {
	bool quick;
	bool verbose;
	const char *dir;	    /* sockets and daemon logs */
	const char *raw_dir;	    /* --raw: samples of each figure */
	unsigned int latency_iters; /* round trips per latency figure */
	unsigned int irq_iters;	    /* interrupts per latency figure */
	double throughput_seconds;  /* per throughput figure */
	double idle_seconds;	    /* scale: idle window */
	unsigned int ready_runs;    /* footprint: daemon starts */
	unsigned int scale_devices; /* 64 */
	unsigned int scale_lines;   /* 64 */
	int cpu_a, cpu_b;	    /* the bench's core, the other core */
	bool have_cross;	    /* cpu_b usable */
};

extern struct bench_config cfg;

/*
 * Failures of a daemon under test (did not start, died, timed out, answered
 * wrongly).  Figures it cannot support (no F_IRQ, no control socket) are
 * not failures.  Any failure makes the exit status 1.
 */
extern unsigned int bench_failures;

/* Progress lines on stderr with -v. */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int64_t now_ns(void);
void sleep_ns(int64_t ns);

/* ---- daemons (daemon.c) ---- */

struct daemon_cmd {
	char *text;  /* as given to --daemon, or the default path */
	char **argv; /* split on blanks, NULL-terminated */
	unsigned int argc;
	const char *label;
};

struct daemon {
	pid_t pid;
	char base[256];	    /* socket path prefix: sockets are base0.. */
	char log_path[300]; /* the daemon's stdout and stderr */
	int64_t exec_ns;    /* CLOCK_MONOTONIC just before execvp */
	int64_t ready_ns;   /* first successful connect to base0 */
};

int daemon_cmd_parse(const char *text, struct daemon_cmd *cmd);
void daemon_cmd_free(struct daemon_cmd *cmd);

/*
 * Runs @cmd with `-s BASE -c @count -l @list` (BASE = cfg.dir/@tag.sock)
 * and waits (up to 10 s) until BASE0 accepts a connection.  Returns 0, or
 * -errno with the daemon stopped (its log's last lines on stderr).
 */
int daemon_start(const struct daemon_cmd *cmd, const char *tag,
		 unsigned int count, const char *list, struct daemon *d);
/* SIGTERM, then SIGKILL after 5 s; reaps it. */
void daemon_stop(struct daemon *d);
/* 0 while it runs, -ECHILD once it has exited (reaped, reported). */
int daemon_check(struct daemon *d);

/* Socket path of device @index. */
void daemon_socket(const struct daemon *d, unsigned int index, char *out,
		   size_t len);

/* Every task of @pid on @cpu (new threads inherit it). */
int pin_pid(pid_t pid, int cpu);
/* The calling thread on @cpu. */
int pin_self(int cpu);

/* From /proc/PID/status: a "Key:" value (kB for Vm* keys), or -1. */
long proc_status_value(pid_t pid, const char *key);
/* Sum over every task of voluntary_ctxt_switches (or -1). */
long proc_voluntary_switches(pid_t pid);
/* Sum over every task of the CPU time in ns (schedstat), or -1. */
int64_t proc_cpu_ns(pid_t pid);

/* ---- measurements ---- */

/*
 * Baseline: an eventfd ping-pong with a child process pinned to a core.
 * The latency figures interleave blocks of it with their own blocks, so
 * that the baseline and the figure see the same machine conditions.
 */
struct pingpong {
	pid_t pid;
	int ping, pong, epfd;
};

int pingpong_start(struct pingpong *pp, int child_cpu);
/* @warm unrecorded round trips, then @n recorded in @samples (ns). */
int pingpong_run(struct pingpong *pp, uint64_t *samples, unsigned int n,
		 unsigned int warm);
void pingpong_stop(struct pingpong *pp);

/* One eventfd figure measured alone (when no daemon ran to compare). */
void pingpong_figure(struct figures *set, const char *name, int child_cpu);

/* Request round trip, throughput, interrupt latency. */
void bench_guest(const struct daemon_cmd *cmd, struct figures *set);

/* Scale and footprint. */
void bench_scale(const struct daemon_cmd *cmd, struct figures *set);
void bench_footprint(const struct daemon_cmd *cmd, struct figures *set);

/* ---- output (figures.c) ---- */

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
