// SPDX-License-Identifier: MIT
/*
 * vhost-device-gpio: serves VirtIO GPIO devices to VMMs over vhost-user.
 * Parses the command line, builds one device and socket per device-list
 * entry, and waits for SIGINT/SIGTERM while the socket threads serve.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "config.h"
#if HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif
/*
 * AddressSanitizer's leak checker stops the world at exit with a ptrace()ing
 * helper process: no system-call filter can allow that and still mean
 * something, so a sanitizer build (a test build, never shipped) runs
 * without one.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif
#include "device_list.h"
#include "gpio_cdev.h"
#include "gpio_device.h"
#include "gpio_server.h"
#include "gpio_sim.h"
#include "log.h"
#include "sandbox.h"
#include "unix_socket.h"

/* Exit status for a command line or device list we cannot accept. */
#define EXIT_USAGE  2
#define MAX_SOCKETS 1024

struct options {
	const char *socket_path;
	unsigned int socket_count;
	const char *device_list;
	mode_t socket_mode;
	gid_t socket_group;
	bool seccomp;
};

static void print_usage(FILE *out)
{
	fputs("Usage: vhost-device-gpio -s PATH [-c N] -l LIST [OPTION...]\n"
	      "\n"
	      "Serve VirtIO GPIO devices to virtual machines over vhost-user.\n"
	      "\n"
	      "  -s, --socket-path=PATH   socket files are PATH0 .. PATH<N-1>\n"
	      "  -c, --socket-count=N     number of sockets/devices "
	      "(default 1)\n"
	      "  -l, --device-list=LIST   one entry per socket, separated by "
	      "':'\n"
	      "      --socket-mode=OCTAL  permissions of the socket files "
	      "(default 0600)\n"
	      "      --socket-group=GROUP group of the socket files (a name "
	      "or a number)\n"
	      "      --no-seccomp         no system-call filter (for "
	      "debugging)\n"
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
	      "  ENTRY(ro)       a host entry whose lines are all read-only\n"
	      "CHIP is N (/dev/gpiochipN), an absolute path (/dev/gpiochip3, "
	      "a udev link)\n"
	      "or @LABEL (the chip labelled LABEL).  ITEM is a host line "
	      "offset N, a range\n"
	      "N-M or a host line name; ITEM(ro) makes that line read-only: "
	      "the guest may\n"
	      "read and monitor it but never drive it.  In paths, labels and "
	      "names a\n"
	      "backslash takes the next character literally (\"\\:\" for "
	      "a colon).  No two\n"
	      "entries may share a host line.\n"
	      "\n"
	      "Examples:\n"
	      "  vhost-device-gpio -s /tmp/gpio.sock -c 2 -l s8:s16\n"
	      "  vhost-device-gpio -s /tmp/gpio.sock -c 3 \\\n"
	      "    -l '0[3,5-7]:@gpio-sim.0-node0[LED_A,BTN_1(ro)]:s8'\n",
	      out);
}

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt,
							      ...)
{
	va_list ap;

	fputs("vhost-device-gpio: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(EXIT_USAGE);
}

static unsigned int parse_count(const char *text)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' ||
	    value == 0 || value > MAX_SOCKETS)
		usage_error("--socket-count must be a number from 1 to %d, "
			    "not \"%s\"",
			    MAX_SOCKETS, text);
	return (unsigned int)value;
}

static mode_t parse_mode(const char *text)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 8);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' ||
	    value > 0777)
		usage_error("--socket-mode must be octal permissions from 0 to "
			    "0777 (such as 0660), not \"%s\"",
			    text);
	return (mode_t)value;
}

static gid_t parse_group(const char *text)
{
	unsigned long value;
	struct group *gr;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (*text >= '0' && *text <= '9' && !errno && !*end &&
	    value < (gid_t)-1)
		return (gid_t)value;
	gr = getgrnam(text);
	if (!gr)
		usage_error("--socket-group: no group \"%s\"", text);
	return gr->gr_gid;
}

static void parse_options(int argc, char **argv, struct options *opts)
{
	enum {
		OPT_PRINT_CAPABILITIES = 0x100,
		OPT_SOCKET_MODE,
		OPT_SOCKET_GROUP,
		OPT_NO_SECCOMP,
	};
	static const struct option long_options[] = {
		{"socket-path", required_argument, NULL, 's'},
		{"socket-count", required_argument, NULL, 'c'},
		{"device-list", required_argument, NULL, 'l'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"print-capabilities", no_argument, NULL,
		 OPT_PRINT_CAPABILITIES},
		{"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
		{"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
		{"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
		{0},
	};
	int c;

	opts->socket_count = 1;
	opts->socket_mode = UNIX_SOCKET_DEFAULT_MODE;
	opts->socket_group = UNIX_SOCKET_NO_GROUP;
	opts->seccomp = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:c:l:vhV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 's':
			opts->socket_path = optarg;
			break;
		case 'c':
			opts->socket_count = parse_count(optarg);
			break;
		case 'l':
			opts->device_list = optarg;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			print_usage(stdout);
			exit(EXIT_SUCCESS);
		case 'V':
			printf("vhost-device-gpio %s\n", VDG_VERSION);
			exit(EXIT_SUCCESS);
		case OPT_SOCKET_MODE:
			opts->socket_mode = parse_mode(optarg);
			break;
		case OPT_SOCKET_GROUP:
			opts->socket_group = parse_group(optarg);
			break;
		case OPT_NO_SECCOMP:
			opts->seccomp = false;
			break;
		case OPT_PRINT_CAPABILITIES:
			printf("{\n  \"type\": \"gpio\"\n}\n");
			exit(EXIT_SUCCESS);
		case ':':
			usage_error("option %s needs a value",
				    argv[optind - 1]);
			break;
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
	if (!opts->socket_path)
		usage_error("--socket-path is required");
	if (!opts->device_list)
		usage_error("--device-list is required");
}

/* A start-up failure that is not a usage error: one line, exit 2. */
__attribute__((format(printf, 1, 2))) static void startup_error(const char *fmt,
								...)
{
	va_list ap;

	fputs("vhost-device-gpio: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static void socket_path(const struct options *opts, unsigned int i, char *buf,
			size_t size)
{
	snprintf(buf, size, "%s%u", opts->socket_path, i);
}

static void backends_free(struct gpio_backend **backends, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		gpio_backend_destroy(backends[i]);
	free(backends);
}

/*
 * Opens every entry's chip and resolves its lines, before any socket
 * exists: a chip that is missing or not a GPIO chip, a selection that does
 * not fit the chip or lines shared by two entries end the daemon with one
 * line and status 2.
 */
static struct gpio_backend **create_backends(const struct options *opts,
					     const struct device_list *list)
{
	struct gpio_backend **backends = calloc(list->count, sizeof(*backends));
	unsigned int i, j, line_i, line_j;
	char path[PATH_MAX], err[512];
	char consumer[GPIO_MAX_NAME_SIZE];
	uint32_t offset;
	int ret = 0;

	if (!backends)
		goto err_nomem;
	for (i = 0; i < list->count; i++) {
		const struct device_spec *spec = &list->specs[i];

		if (spec->kind == DEVICE_KIND_SIMULATED) {
			ret = gpio_sim_new(spec->sim_lines, &backends[i]);
			if (ret < 0)
				goto err_nomem;
			continue;
		}
		socket_path(opts, i, path, sizeof(path));
		gpio_cdev_consumer(path, consumer);
		ret = gpio_cdev_new(spec, consumer, &backends[i], err,
				    sizeof(err));
		if (ret == -ENOMEM)
			goto err_nomem;
		if (ret < 0) {
			backends_free(backends, list->count);
			startup_error("--device-list: %s", err);
		}
	}
	for (j = 1; j < list->count; j++) {
		for (i = 0; i < j; i++) {
			if (!gpio_cdev_shares_line(backends[i], backends[j],
						   &line_i, &line_j, &offset))
				continue;
			device_spec_error(&list->specs[j], err, sizeof(err),
					  "host line %u of %s is already "
					  "entry %u's guest line %u",
					  offset,
					  gpio_cdev_chip_path(backends[j]),
					  i + 1, line_i);
			backends_free(backends, list->count);
			startup_error("--device-list: %s", err);
		}
	}
	/* Only now: a start-up error is the one line printed. */
	for (i = 0; i < list->count; i++)
		gpio_cdev_warn_unnamed(backends[i]);
	return backends;

err_nomem:
	log_error("out of memory");
	if (backends)
		backends_free(backends, list->count);
	return NULL;
}

static void describe(const struct gpio_backend *be, char *buf, size_t size)
{
	unsigned int i, ro = 0;

	if (!gpio_cdev_is(be)) {
		snprintf(buf, size, "simulated chip, %u lines", be->ngpio);
		return;
	}
	for (i = 0; be->read_only && i < be->ngpio; i++)
		ro += be->read_only[i] != 0;
	snprintf(buf, size, "host chip %s, %u line%s%s",
		 gpio_cdev_chip_path(be), be->ngpio, be->ngpio == 1 ? "" : "s",
		 ro == be->ngpio ? ", read-only"
		 : ro		 ? ", some read-only"
				 : "");
}

/*
 * Builds every server from its back-end (each taken over, also on failure);
 * on failure frees those built and returns -errno.
 */
static int create_servers(const struct options *opts,
			  const struct device_list *list,
			  struct gpio_backend **backends,
			  struct gpio_server **servers)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < list->count; i++) {
		struct gpio_backend *backend = backends[i], *sim;
		struct gpio_device *device;
		char path[PATH_MAX], what[PATH_MAX + 64];

		backends[i] = NULL;
		socket_path(opts, i, path, sizeof(path));
		describe(backend, what, sizeof(what));
		sim = list->specs[i].kind == DEVICE_KIND_SIMULATED ? backend
								   : NULL;
		ret = gpio_device_new(backend, &device);
		if (ret < 0) {
			log_error("%s: cannot create the device: %s", path,
				  strerror(-ret));
			break;
		}
		ret = gpio_server_new(path, device, sim, &servers[i]);
		if (ret < 0) {
			log_error("%s: cannot create the socket: %s", path,
				  ret == -EEXIST ? "a file that is not a "
						   "socket is in the way"
				  : ret == -EADDRINUSE
					  ? "another process serves it"
				  : ret == -EPERM ? "cannot give it that group "
						    "(not a member of it)"
						  : strerror(-ret));
			break;
		}
		log_info("%s: serving a %s", path, what);
	}
	if (ret < 0)
		while (i-- > 0)
			gpio_server_free(servers[i]);
	return ret;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	struct device_list list;
	struct gpio_backend **backends;
	struct gpio_server **servers;
	char err[256];
	sigset_t stop_signals;
	unsigned int i;
	int ret, sig;

	parse_options(argc, argv, &opts);
	if (device_list_parse(opts.device_list, &list, err, sizeof(err)) < 0)
		usage_error("--device-list: %s", err);
	if (list.count != opts.socket_count)
		usage_error("--device-list has %u entr%s but --socket-count "
			    "is %u",
			    list.count, list.count == 1 ? "y" : "ies",
			    opts.socket_count);
	if (strlen(opts.socket_path) + 9 >=
	    sizeof(((struct sockaddr_un *)0)->sun_path))
		usage_error("--socket-path is too long for a Unix socket");
	backends = create_backends(&opts, &list);
	if (!backends) {
		device_list_free(&list);
		return EXIT_FAILURE;
	}

	/*
	 * Every thread inherits this mask, so the signals reach only the
	 * sigwait() below and the socket threads are never interrupted.
	 */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	servers = calloc(list.count, sizeof(*servers));
	if (!servers) {
		log_error("out of memory");
		backends_free(backends, list.count);
		device_list_free(&list);
		return EXIT_FAILURE;
	}
	ret = unix_socket_set_permissions(opts.socket_mode, opts.socket_group);
	if (ret == 0)
		ret = create_servers(&opts, &list, backends, servers);
	backends_free(backends, list.count);
	if (ret < 0)
		goto out_free;
	for (i = 0; i < list.count; i++) {
		ret = gpio_server_start(servers[i]);
		if (ret < 0) {
			log_error("cannot start a thread: %s", strerror(-ret));
			break;
		}
	}
	/*
	 * Sockets bound, chips open, threads running: from here on only the
	 * calls serving needs (src/sandbox.c), on every thread at once.
	 */
	if (ret == 0 && opts.seccomp && RUNNING_ON_VALGRIND) {
		/* It does not implement seccomp(): the filter cannot go in. */
		log_warn("running under valgrind: no system-call filter");
	} else if (ret == 0 && opts.seccomp && SANITIZER_BUILD) {
		log_warn("AddressSanitizer build: no system-call filter");
	} else if (ret == 0 && opts.seccomp) {
		ret = sandbox_install();
		if (ret < 0)
			log_error("cannot install the system-call filter: %s "
				  "(--no-seccomp runs without it)",
				  strerror(-ret));
	}
	if (ret == 0) {
		sigwait(&stop_signals, &sig);
		log_info("%s: stopping", strsignal(sig));
	}
	for (i = 0; i < list.count; i++)
		gpio_server_free(servers[i]);
out_free:
	free(servers);
	device_list_free(&list);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
