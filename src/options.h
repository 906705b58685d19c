/* SPDX-License-Identifier: MIT */
/*
 * The daemon's command line (README "Usage"), parsed without printing or
 * exiting: a result says what main() is to do, and a command line it
 * cannot accept is one sentence for it to print before it exits with
 * status 2.  Every message and outcome is unit-tested.
 */
#ifndef VDG_OPTIONS_H
#define VDG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "wire_graph.h"

/* --socket-count's highest value. */
#define OPTIONS_MAX_SOCKETS 1024
/* Wires --wire may make, all together. */
#define OPTIONS_MAX_WIRES 256
/* --poll-us's highest value: a second. */
#define OPTIONS_MAX_POLL_US 1000000

struct options {
	const char *socket_path; /* -s, or NULL */
	unsigned int socket_count;
	bool socket_count_given; /* -c was on the command line */
	int fd;			 /* --fd, or -1 */
	const char *device_list; /* -l */
	mode_t socket_mode;	 /* --socket-mode, or the default 0600 */
	gid_t socket_group;	 /* --socket-group, or UNIX_SOCKET_NO_GROUP */
	bool seccomp;		 /* no --no-seccomp */
	unsigned int poll_us;	 /* --poll-us, or 0: never poll */
	bool verbose;		 /* -v */
	/*
	 * --wire: no line driven twice, no loop (checked here); whether the
	 * devices exist and are simulated is main()'s to check.
	 */
	struct wire_graph wires;
};

/* Frees what options_parse() allocated (the wires). */
void options_free(struct options *opts);

/* What the command line asks for. */
enum options_action {
	OPTIONS_SERVE,	      /* serve what @opts describes */
	OPTIONS_HELP,	      /* print options_usage() to stdout, exit 0 */
	OPTIONS_VERSION,      /* print the version to stdout, exit 0 */
	OPTIONS_CAPABILITIES, /* print options_capabilities(), exit 0 */
};

/*
 * Parses @argv (@argc words; getopt_long may reorder them).  Returns an
 * enum options_action with @opts filled for OPTIONS_SERVE, or -EINVAL with
 * one sentence in @err ending in " (see --help)" (and @opts freed).
 * --print-capabilities wins whatever else is on the command line (a management
 * tool asks with the options it would start the daemon with); -h and -V win
 * over what comes after them.  A group name is looked up (getgrnam).
 */
int options_parse(int argc, char **argv, struct options *opts, char *err,
		  size_t err_size);

/* --help's text. */
const char *options_usage(void);

/*
 * --print-capabilities' text: what QEMU's "Back-end program conventions"
 * (docs/interop/vhost-user.rst) ask, a JSON object with the device type
 * and the features this back-end implements.
 */
const char *options_capabilities(void);

/*
 * Writes a command-line mistake into @err: @fmt, then " (see --help)".
 * Returns -EINVAL.
 */
__attribute__((format(printf, 3, 4))) int
options_usage_error(char *err, size_t err_size, const char *fmt, ...);

#endif
