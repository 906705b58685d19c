// SPDX-License-Identifier: MIT
/*
 * vhost-device-gpio: serves VirtIO GPIO devices to VMMs over vhost-user.
 * Parses the command line, builds one device and socket per device-list
 * entry, and waits for SIGINT/SIGTERM while the socket threads serve.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/un.h>

#include "config.h"
#include "device_list.h"
#include "gpio_device.h"
#include "gpio_server.h"
#include "gpio_sim.h"
#include "log.h"

/* Exit status for a command line or device list we cannot accept. */
#define EXIT_USAGE  2
#define MAX_SOCKETS 1024

struct options {
	const char *socket_path;
	unsigned int socket_count;
	const char *device_list;
};

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: vhost-device-gpio -s PATH [-c N] -l LIST [-v]\n"
		"\n"
		"Serve VirtIO GPIO devices to virtual machines over "
		"vhost-user.\n"
		"\n"
		"  -s, --socket-path=PATH   socket files are PATH0 .. "
		"PATH<N-1>\n"
		"  -c, --socket-count=N     number of sockets/devices "
		"(default 1)\n"
		"  -l, --device-list=LIST   one entry per socket, separated "
		"by ':'\n"
		"                             K   host chip /dev/gpiochipK\n"
		"                             sM  simulated chip with M "
		"lines (1..65535)\n"
		"  -v, --verbose            log every request (debug level)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"      --print-capabilities print the vhost-user back-end "
		"capabilities (JSON)\n"
		"\n"
		"Example: vhost-device-gpio -s /tmp/gpio.sock -c 2 -l "
		"s8:s16\n");
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

static void parse_options(int argc, char **argv, struct options *opts)
{
	enum { OPT_PRINT_CAPABILITIES = 0x100 };
	static const struct option long_options[] = {
		{"socket-path", required_argument, NULL, 's'},
		{"socket-count", required_argument, NULL, 'c'},
		{"device-list", required_argument, NULL, 'l'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"print-capabilities", no_argument, NULL,
		 OPT_PRINT_CAPABILITIES},
		{0},
	};
	int c;

	opts->socket_count = 1;
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

static int create_backend(const struct device_spec *spec,
			  struct gpio_backend **out)
{
	switch (spec->kind) {
	case DEVICE_KIND_SIMULATED:
		return gpio_sim_new(spec->sim_lines, out);
	case DEVICE_KIND_HOST_CHIP:
		break;
	}
	return -EOPNOTSUPP;
}

static void describe(const struct device_spec *spec, char *buf, size_t size)
{
	if (spec->kind == DEVICE_KIND_SIMULATED)
		snprintf(buf, size, "simulated chip, %u lines",
			 spec->sim_lines);
	else
		snprintf(buf, size, "/dev/gpiochip%u", spec->chip_index);
}

/* Builds every server; on failure frees those built and returns -errno. */
static int create_servers(const struct options *opts,
			  const struct device_list *list,
			  struct gpio_server **servers)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < list->count; i++) {
		const struct device_spec *spec = &list->specs[i];
		struct gpio_backend *backend, *sim;
		struct gpio_device *device;
		char path[PATH_MAX], what[64];

		snprintf(path, sizeof(path), "%s%u", opts->socket_path, i);
		describe(spec, what, sizeof(what));
		ret = create_backend(spec, &backend);
		if (ret < 0) {
			log_error("%s: cannot open the %s: %s", path, what,
				  strerror(-ret));
			break;
		}
		sim = spec->kind == DEVICE_KIND_SIMULATED ? backend : NULL;
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
	for (i = 0; i < list.count; i++)
		if (list.specs[i].kind == DEVICE_KIND_HOST_CHIP)
			usage_error("entry %u: host GPIO chips are not "
				    "supported yet; use sN for a simulated "
				    "chip",
				    i + 1);

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
		return EXIT_FAILURE;
	}
	ret = create_servers(&opts, &list, servers);
	if (ret < 0)
		goto out_free;
	for (i = 0; i < list.count; i++) {
		ret = gpio_server_start(servers[i]);
		if (ret < 0) {
			log_error("cannot start a thread: %s", strerror(-ret));
			break;
		}
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
