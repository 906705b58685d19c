// SPDX-License-Identifier: MIT
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "unix_socket.h"

static const char usage[] =
	"Usage: vhost-device-gpio -s PATH [-c N] -l LIST [OPTION...]\n"
	"       vhost-device-gpio --fd=FDNUM -l ENTRY [OPTION...]\n"
	"       vhost-device-gpio -l LIST [OPTION...]  (systemd socket "
	"activation)\n"
	"\n"
	"Serve VirtIO GPIO devices to virtual machines over vhost-user.\n"
	"\n"
	"  -s, --socket-path=PATH   socket files are PATH0 .. PATH<N-1>\n"
	"  -c, --socket-count=N     number of sockets/devices "
	"(default 1)\n"
	"      --fd=FDNUM           serve one device on this inherited "
	"listening\n"
	"                           socket (never removed; not with "
	"-s)\n"
	"  -l, --device-list=LIST   one entry per socket, separated by "
	"':'\n"
	"      --socket-mode=OCTAL  permissions of the socket files "
	"(default 0600)\n"
	"      --socket-group=GROUP group of the socket files (a name "
	"or a number)\n"
	"      --no-seccomp         no system-call filter (for "
	"debugging)\n"
	"      --poll-us=N          after serving a queue, keep polling "
	"the rings for\n"
	"                           N microseconds (0..1000000) with the "
	"driver's kicks\n"
	"                           off: lower latency for up to N us "
	"of a busy core\n"
	"                           per burst (default 0: sleep at once)\n"
	"      --wire=SRC=DST[,DST] simulated line SRC drives input(s) "
	"DST: each\n"
	"                           DEVICE:LINE (socket index, line "
	"number); repeatable\n"
	"  -v, --verbose            log every request (debug level)\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"      --print-capabilities print the vhost-user back-end "
	"capabilities (JSON)\n"
	"\n"
	"Device-list entries:\n"
	"  sM              a simulated chip with M lines (1..65535)\n"
	"  CHIP            every line of a host GPIO chip\n"
	"  CHIP[ITEM,...]  only these host lines: guest line i is the "
	"i-th one listed\n"
	"  CHIP(SET,...)   settings of every line of the chip (after "
	"[...] too)\n"
	"  CHIP...+CHIP... one guest chip from several host chips, lines "
	"in order\n"
	"CHIP is N (/dev/gpiochipN), an absolute path (/dev/gpiochip3, "
	"a udev link)\n"
	"or @LABEL (the chip labelled LABEL).  ITEM is a host line "
	"offset N, a range\n"
	"N-M or a host line name, each maybe followed by its own "
	"(SET,...), which\n"
	"override the chip's one by one.  SET is ro (read-only: the "
	"guest may read\n"
	"and monitor the line but never drive it), pull-up, pull-down, "
	"bias-disabled,\n"
	"active-low, active-high, open-drain, open-source, push-pull, "
	"debounce=N(us|ms)\n"
	"or name=NAME (the guest's name for one line; empty: none).  "
	"In paths, labels\n"
	"and names a backslash takes the next character literally "
	"(\"\\:\" for a colon).\n"
	"No two entries may share a host line.\n"
	"\n"
	"Socket activation: when systemd passes listening sockets "
	"(LISTEN_FDS), each\n"
	"one is a device socket, in device-list order, except those "
	"bound to PATH.sim:\n"
	"the control socket of the device socket at PATH.  Without one, "
	"and with --fd,\n"
	"the daemon tries to create PATH.sim.  With NOTIFY_SOCKET set "
	"it reports\n"
	"readiness and status (sd_notify).\n"
	"\n"
	"Examples:\n"
	"  vhost-device-gpio -s /tmp/gpio.sock -c 2 -l s8:s16\n"
	"  vhost-device-gpio -s /tmp/gpio.sock -c 3 \\\n"
	"    -l '0[3,5-7]:@gpio-sim.0-node0[LED_A,BTN_1(ro)]:s8'\n"
	"  vhost-device-gpio -s /tmp/gpio.sock \\\n"
	"    -l '0[17(pull-up,debounce=10ms,name=button),27(active-low)]"
	"+1[4]'\n";

static const char capabilities[] = "{\n"
				   "  \"type\": \"gpio\",\n"
				   "  \"features\": [\n"
				   "    \"socket-path\",\n"
				   "    \"socket-count\",\n"
				   "    \"device-list\",\n"
				   "    \"fd\",\n"
				   "    \"socket-activation\",\n"
				   "    \"sd-notify\",\n"
				   "    \"simulated-chip\",\n"
				   "    \"host-chip\",\n"
				   "    \"line-selection\",\n"
				   "    \"read-only-lines\",\n"
				   "    \"line-bias\",\n"
				   "    \"line-active-low\",\n"
				   "    \"line-drive\",\n"
				   "    \"line-debounce\",\n"
				   "    \"line-names\",\n"
				   "    \"joined-chips\",\n"
				   "    \"irq-edge\",\n"
				   "    \"irq-level\",\n"
				   "    \"sim-control-socket\",\n"
				   "    \"host-control-socket\",\n"
				   "    \"trace\",\n"
				   "    \"play\",\n"
				   "    \"wire\",\n"
				   "    \"socket-mode\",\n"
				   "    \"socket-group\",\n"
				   "    \"seccomp\",\n"
				   "    \"poll-us\"\n"
				   "  ]\n"
				   "}\n";

const char *options_usage(void)
{
	return usage;
}

const char *options_capabilities(void)
{
	return capabilities;
}

int options_usage_error(char *err, size_t err_size, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	errbuf_vprintf(err, err_size, fmt, ap);
	va_end(ap);
	if (err && err_size) {
		len = strlen(err);
		errbuf_printf(err + len, err_size - len, " (see --help)");
	}
	return -EINVAL;
}

/* The parsers of option values: 0, or -EINVAL with the message set. */

static int parse_count(const char *text, unsigned int *count, char *err,
		       size_t err_size)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' ||
	    value == 0 || value > OPTIONS_MAX_SOCKETS)
		return options_usage_error(err, err_size,
					   "--socket-count must be a number "
					   "from 1 to %d, not \"%s\"",
					   OPTIONS_MAX_SOCKETS, text);
	*count = (unsigned int)value;
	return 0;
}

static int parse_fd(const char *text, int *fd, char *err, size_t err_size)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || *text < '0' || *text > '9' ||
	    value > INT_MAX)
		return options_usage_error(err, err_size,
					   "--fd must be a file descriptor "
					   "number, not \"%s\"",
					   text);
	*fd = (int)value;
	return 0;
}

static int parse_mode(const char *text, mode_t *mode, char *err,
		      size_t err_size)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 8);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' ||
	    value > 0777)
		return options_usage_error(err, err_size,
					   "--socket-mode must be octal "
					   "permissions from 0 to 0777 (such "
					   "as 0660), not \"%s\"",
					   text);
	*mode = (mode_t)value;
	return 0;
}

static int parse_group(const char *text, gid_t *gid, char *err, size_t err_size)
{
	unsigned long value;
	struct group *gr;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (*text >= '0' && *text <= '9' && !errno && !*end &&
	    value < (gid_t)-1) {
		*gid = (gid_t)value;
		return 0;
	}
	gr = getgrnam(text);
	if (!gr)
		return options_usage_error(
			err, err_size, "--socket-group: no group \"%s\"", text);
	*gid = gr->gr_gid;
	return 0;
}

static int parse_poll_us(const char *text, unsigned int *poll_us, char *err,
			 size_t err_size)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || *text < '0' || *text > '9' ||
	    value > OPTIONS_MAX_POLL_US)
		return options_usage_error(err, err_size,
					   "--poll-us must be a number of "
					   "microseconds from 0 to %d, not "
					   "\"%s\"",
					   OPTIONS_MAX_POLL_US, text);
	*poll_us = (unsigned int)value;
	return 0;
}

enum {
	OPT_PRINT_CAPABILITIES = 0x100,
	OPT_SOCKET_MODE,
	OPT_SOCKET_GROUP,
	OPT_NO_SECCOMP,
	OPT_FD,
	OPT_POLL_US,
	OPT_WIRE,
};

static const struct option long_options[] = {
	{"socket-path", required_argument, NULL, 's'},
	{"socket-count", required_argument, NULL, 'c'},
	{"device-list", required_argument, NULL, 'l'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"print-capabilities", no_argument, NULL, OPT_PRINT_CAPABILITIES},
	{"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
	{"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
	{"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
	{"fd", required_argument, NULL, OPT_FD},
	{"poll-us", required_argument, NULL, OPT_POLL_US},
	{"wire", required_argument, NULL, OPT_WIRE},
	{0},
};

/* "0:3=1:5,1:6": 0:3 drives 1:5 and 1:6. */
static int parse_wire(const char *text, struct wire_graph *g, char *err,
		      size_t err_size)
{
	char copy[256], *eq, *dst, *save = NULL;
	struct wire_end src, end;
	int ret;

	if (strlen(text) >= sizeof(copy))
		return options_usage_error(err, err_size, "--wire: too long");
	strcpy(copy, text);
	eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	if (!eq || wire_end_parse(copy, 0, &src) < 0 || !strchr(copy, ':'))
		return options_usage_error(err, err_size,
					   "--wire \"%s\": expected "
					   "DEVICE:LINE=DEVICE:LINE[,...]",
					   text);
	for (dst = strtok_r(eq + 1, ",", &save); dst;
	     dst = strtok_r(NULL, ",", &save)) {
		if (wire_end_parse(dst, 0, &end) < 0 || !strchr(dst, ':'))
			return options_usage_error(
				err, err_size,
				"--wire \"%s\": \"%s\" is not DEVICE:LINE",
				text, dst);
		if (g->count == OPTIONS_MAX_WIRES)
			return options_usage_error(err, err_size,
						   "--wire: more than %u wires",
						   OPTIONS_MAX_WIRES);
		ret = wire_graph_add(g, src, end);
		if (ret == -EEXIST)
			return options_usage_error(
				err, err_size, "--wire: %u:%u is wired twice",
				end.dev, end.line);
		if (ret == -ELOOP)
			return options_usage_error(
				err, err_size,
				"--wire: %u:%u to %u:%u would close a loop",
				src.dev, src.line, end.dev, end.line);
		if (ret < 0)
			return options_usage_error(err, err_size,
						   "--wire: out of memory");
	}
	return 0;
}

/*
 * One option getopt_long() returned as @c (with optarg): a value stored
 * (0), an action (> 0), or -EINVAL with the message set.
 */
static int parse_option(int c, char **argv, struct options *opts, char *err,
			size_t err_size)
{
	switch (c) {
	case 's':
		opts->socket_path = optarg;
		return 0;
	case 'c':
		opts->socket_count_given = true;
		return parse_count(optarg, &opts->socket_count, err, err_size);
	case 'l':
		opts->device_list = optarg;
		return 0;
	case 'v':
		opts->verbose = true;
		return 0;
	case 'h':
		return OPTIONS_HELP;
	case 'V':
		return OPTIONS_VERSION;
	case OPT_SOCKET_MODE:
		return parse_mode(optarg, &opts->socket_mode, err, err_size);
	case OPT_SOCKET_GROUP:
		return parse_group(optarg, &opts->socket_group, err, err_size);
	case OPT_NO_SECCOMP:
		opts->seccomp = false;
		return 0;
	case OPT_FD:
		return parse_fd(optarg, &opts->fd, err, err_size);
	case OPT_POLL_US:
		return parse_poll_us(optarg, &opts->poll_us, err, err_size);
	case OPT_WIRE:
		return parse_wire(optarg, &opts->wires, err, err_size);
	case OPT_PRINT_CAPABILITIES: /* an abbreviation of it */
		return OPTIONS_CAPABILITIES;
	case ':':
		return options_usage_error(err, err_size,
					   "option %s needs a value",
					   argv[optind - 1]);
	default:
		return options_usage_error(err, err_size, "unknown option %s",
					   argv[optind - 1]);
	}
}

static int options_check(int argc, char **argv, struct options *opts, char *err,
			 size_t err_size);

int options_parse(int argc, char **argv, struct options *opts, char *err,
		  size_t err_size)
{
	int c, i, ret;

	errbuf_clear(err, err_size);
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--print-capabilities"))
			return OPTIONS_CAPABILITIES;
	*opts = (struct options){
		.socket_count = 1,
		.fd = -1,
		.socket_mode = UNIX_SOCKET_DEFAULT_MODE,
		.socket_group = UNIX_SOCKET_NO_GROUP,
		.seccomp = true,
	};
	/* From the start, also when called again (the unit tests). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:c:l:vhV", long_options,
				NULL)) != -1) {
		ret = parse_option(c, argv, opts, err, err_size);
		if (ret != 0) {
			options_free(opts);
			return ret;
		}
	}
	ret = options_check(argc, argv, opts, err, err_size);
	if (ret < 0)
		options_free(opts);
	return ret;
}

void options_free(struct options *opts)
{
	wire_graph_free(&opts->wires);
}

/* What needs the whole command line. */
static int options_check(int argc, char **argv, struct options *opts, char *err,
			 size_t err_size)
{
	if (optind < argc)
		return options_usage_error(err, err_size,
					   "unexpected argument \"%s\"",
					   argv[optind]);
	if (opts->fd >= 0 && opts->socket_path)
		return options_usage_error(err, err_size,
					   "--fd and --socket-path cannot be "
					   "used together");
	if (!opts->device_list)
		return options_usage_error(err, err_size,
					   "--device-list is required");
	return OPTIONS_SERVE;
}
