/* SPDX-License-Identifier: MIT */
/*
 * vhost-device-gpio-bench: starting, pinning, inspecting (/proc) and
 * stopping a daemon under test (daemon.c).
 */
#ifndef BENCH_DAEMON_H
#define BENCH_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

#endif
