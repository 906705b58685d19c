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
#include <unistd.h>

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
#include "guest_mem.h"
#include "log.h"
#include "sandbox.h"
#include "systemd.h"
#include "unix_socket.h"

/*
 * Exit status for a command line or device list we cannot accept, and for
 * a socket we cannot create (something in the way).
 */
#define EXIT_USAGE  2
#define MAX_SOCKETS 1024
/* A socket index has at most 4 digits (the --socket-path length check). */
_Static_assert(MAX_SOCKETS <= 10000, "socket index digits");

struct options {
	const char *socket_path;
	unsigned int socket_count;
	bool socket_count_given;
	int fd; /* --fd, or -1 */
	const char *device_list;
	mode_t socket_mode;
	gid_t socket_group;
	bool seccomp;
};

static void print_usage(FILE *out)
{
	fputs("Usage: vhost-device-gpio -s PATH [-c N] -l LIST [OPTION...]\n"
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
	      "    -l '0[3,5-7]:@gpio-sim.0-node0[LED_A,BTN_1(ro)]:s8'\n",
	      out);
}

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt,
							      ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_error("%s (see --help)", text);
	exit(EXIT_USAGE);
}

/*
 * What QEMU's "Back-end program conventions" ask of --print-capabilities
 * (docs/interop/vhost-user.rst): a JSON object with the device type and
 * the features this back-end implements.
 */
static void print_capabilities(void)
{
	static const char *const features[] = {
		"socket-path",	      "socket-count",
		"device-list",	      "fd",
		"socket-activation",  "sd-notify",
		"simulated-chip",     "host-chip",
		"line-selection",     "read-only-lines",
		"irq-edge",	      "irq-level",
		"sim-control-socket", "socket-mode",
		"socket-group",	      "seccomp",
	};
	size_t i, n = sizeof(features) / sizeof(features[0]);

	printf("{\n  \"type\": \"gpio\",\n  \"features\": [\n");
	for (i = 0; i < n; i++)
		printf("    \"%s\"%s\n", features[i], i + 1 < n ? "," : "");
	printf("  ]\n}\n");
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

static int parse_fd(const char *text)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || *text < '0' || *text > '9' ||
	    value > INT_MAX)
		usage_error("--fd must be a file descriptor number, not \"%s\"",
			    text);
	return (int)value;
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
		OPT_FD,
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
		{"fd", required_argument, NULL, OPT_FD},
		{0},
	};
	int c, i;

	/*
	 * Before anything else may fail: a management tool asks with
	 * whatever other options it would start us with.
	 */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--print-capabilities")) {
			print_capabilities();
			exit(EXIT_SUCCESS);
		}
	}
	opts->fd = -1;
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
			opts->socket_count_given = true;
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
		case OPT_FD:
			opts->fd = parse_fd(optarg);
			break;
		case OPT_PRINT_CAPABILITIES: /* an abbreviation of it */
			print_capabilities();
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
	if (opts->fd >= 0 && opts->socket_path)
		usage_error("--fd and --socket-path cannot be used together");
	if (!opts->device_list)
		usage_error("--device-list is required");
}

/* A start-up failure that is not a usage error: one line, exit 2. */
__attribute__((format(printf, 1, 2))) static void startup_error(const char *fmt,
								...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* The size of a Unix socket address's path, its NUL included. */
#define UNIX_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/*
 * One device's socket: made from --socket-path, or given (--fd, systemd)
 * with its path found by getsockname() and maybe a control socket.
 */
struct endpoint {
	char path[UNIX_PATH_MAX];
	char label[UNIX_PATH_MAX + 32];
	char name[64]; /* LISTEN_FDNAMES entry, or "" */
	int fd;	       /* given listening socket, or -1 */
	int sim_fd;    /* given control socket, or -1 */
};

/* A path that ends in ".sim" and has something before it. */
static bool is_sim_path(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && !strcmp(path + len - 4, ".sim");
}

/* @fd must be a listening Unix stream socket: else one line, exit 2. */
static void check_given_socket(int fd, const char *what)
{
	int ret = unix_socket_check_listening(fd);

	if (ret == 0)
		ret = unix_socket_adopt(fd);
	if (ret < 0)
		startup_error("%s: fd %d is not a listening Unix stream socket "
			      "(%s)",
			      what, fd,
			      ret == -EBADF	     ? "not open"
			      : ret == -ENOTSOCK     ? "not a socket"
			      : ret == -EAFNOSUPPORT ? "not a Unix socket"
			      : ret == -EPROTOTYPE   ? "not a stream socket"
			      : ret == -EINVAL	     ? "not listening"
						     : strerror(-ret));
}

static void given_path(int fd, const char *what, char *buf, size_t len)
{
	int ret = unix_socket_get_path(fd, buf, len);

	if (ret < 0)
		startup_error("%s: fd %d: cannot read its address: %s", what,
			      fd, strerror(-ret));
}

/*
 * Pairs each control socket (bound to PATH.sim) of @paths with the device
 * socket of @eps bound to PATH.  0, or -EINVAL with the reason in @err.
 */
static int pair_control_sockets(char (*paths)[UNIX_PATH_MAX],
				unsigned int count, struct endpoint *eps,
				unsigned int n, char *err, size_t err_len)
{
	unsigned int i, j;

	for (i = 0; i < count; i++) {
		size_t len = strlen(paths[i]);
		struct endpoint *ep = NULL;

		if (!is_sim_path(paths[i]))
			continue;
		for (j = 0; j < n && !ep; j++)
			if (strlen(eps[j].path) == len - 4 &&
			    !strncmp(eps[j].path, paths[i], len - 4))
				ep = &eps[j];
		if (!ep) {
			snprintf(err, err_len,
				 "control socket %s (fd %u) has no device "
				 "socket %.*s",
				 paths[i], SYSTEMD_LISTEN_FDS_START + i,
				 (int)(len - 4), paths[i]);
			return -EINVAL;
		}
		if (ep->sim_fd >= 0) {
			snprintf(err, err_len, "two control sockets %s",
				 paths[i]);
			return -EINVAL;
		}
		ep->sim_fd = SYSTEMD_LISTEN_FDS_START + (int)i;
	}
	return 0;
}

/*
 * The sockets systemd passed: every one checked, control sockets (bound to
 * PATH.sim) paired with the device socket bound to PATH, the others device
 * sockets in order.  Returns their number; *@out is freed by the caller.
 */
static unsigned int activation_endpoints(const struct systemd_activation *act,
					 struct endpoint **out)
{
	static const char what[] = "socket activation";
	char(*paths)[UNIX_PATH_MAX];
	struct endpoint *eps;
	unsigned int i, n = 0;
	char err[512];

	/* Before anything is allocated: a start-up error exits. */
	for (i = 0; i < act->count; i++)
		check_given_socket(SYSTEMD_LISTEN_FDS_START + (int)i, what);
	eps = calloc(act->count, sizeof(*eps));
	paths = calloc(act->count, sizeof(*paths));
	if (!eps || !paths)
		startup_error("out of memory");
	for (i = 0; i < act->count; i++) {
		int fd = SYSTEMD_LISTEN_FDS_START + (int)i;

		given_path(fd, what, paths[i], sizeof(paths[i]));
		if (is_sim_path(paths[i]))
			continue;
		eps[n].fd = fd;
		eps[n].sim_fd = -1;
		if (act->names)
			snprintf(eps[n].name, sizeof(eps[n].name), "%s",
				 act->names[i]);
		strcpy(eps[n].path, paths[i]);
		n++;
	}
	if (pair_control_sockets(paths, act->count, eps, n, err, sizeof(err)) <
	    0) {
		free(paths);
		free(eps);
		startup_error("%s: %s", what, err);
	}
	free(paths);
	*out = eps;
	return n;
}

/*
 * Where each device is served, by the command line and the environment.
 * Returns the number of devices; *@out is freed by the caller.
 */
static unsigned int get_endpoints(const struct options *opts,
				  const struct systemd_activation *act,
				  struct endpoint **out)
{
	struct endpoint *eps;
	unsigned int i, n;

	if (act->count) {
		if (opts->socket_path)
			usage_error("--socket-path cannot be used with socket "
				    "activation (LISTEN_FDS is set)");
		if (opts->fd >= 0)
			usage_error("--fd cannot be used with socket "
				    "activation (LISTEN_FDS is set)");
		/* Never 0: a PATH.sim alone has no device socket. */
		n = activation_endpoints(act, &eps);
	} else if (opts->fd >= 0) {
		check_given_socket(opts->fd, "--fd");
		n = 1;
		eps = calloc(1, sizeof(*eps));
		if (!eps)
			startup_error("out of memory");
		given_path(opts->fd, "--fd", eps->path, sizeof(eps->path));
		eps->fd = opts->fd;
		eps->sim_fd = -1;
	} else {
		if (!opts->socket_path)
			usage_error("--socket-path is required (or --fd, or "
				    "systemd socket activation)");
		/*
		 * The longest name made from PATH is PATH1023.sim (the highest
		 * index -c allows, then the control socket's suffix): it must
		 * fit with its NUL (counted by sizeof) and, as this check has
		 * always had it, one byte to spare.
		 */
		if (strlen(opts->socket_path) + sizeof("1023.sim") >=
		    UNIX_PATH_MAX)
			usage_error("--socket-path is too long for a Unix "
				    "socket");
		n = opts->socket_count;
		eps = calloc(n, sizeof(*eps));
		if (!eps)
			startup_error("out of memory");
		for (i = 0; i < n; i++) {
			snprintf(eps[i].path, sizeof(eps[i].path), "%s%u",
				 opts->socket_path, i);
			eps[i].fd = -1;
			eps[i].sim_fd = -1;
		}
	}
	for (i = 0; i < n; i++) {
		if (eps[i].path[0])
			snprintf(eps[i].label, sizeof(eps[i].label), "%s",
				 eps[i].path);
		else if (eps[i].name[0])
			snprintf(eps[i].label, sizeof(eps[i].label), "%s",
				 eps[i].name);
		else
			snprintf(eps[i].label, sizeof(eps[i].label), "fd %d",
				 eps[i].fd);
	}
	*out = eps;
	return n;
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
static struct gpio_backend **create_backends(const struct endpoint *eps,
					     const struct device_list *list)
{
	struct gpio_backend **backends = calloc(list->count, sizeof(*backends));
	unsigned int i, j, line_i, line_j;
	struct gpio_cdev_spec cdev;
	char err[512], why[512];
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
		cdev = (struct gpio_cdev_spec){device_spec_chip(spec),
					       device_spec_lines(spec)};
		gpio_cdev_consumer(eps[i].label, consumer);
		ret = gpio_cdev_new(&cdev, consumer, &backends[i], why,
				    sizeof(why));
		if (ret == -ENOMEM)
			goto err_nomem;
		if (ret < 0) {
			backends_free(backends, list->count);
			/* The back-end's words, after the command line's. */
			device_spec_error(spec, err, sizeof(err), "%s", why);
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
 * Builds every server from its back-end and endpoint (each taken over, also
 * on failure); on failure frees those built and returns -errno.
 */
static int create_servers(struct endpoint *eps, const struct device_list *list,
			  struct gpio_backend **backends,
			  struct gpio_server **servers)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < list->count; i++) {
		struct gpio_backend *backend = backends[i];
		struct gpio_server_socket sock = {
			.path = eps[i].path,
			/* The path's base name says more than "x.socket". */
			.name = eps[i].path[0] ? NULL : eps[i].name,
			.listen_fd = eps[i].fd,
			.sim_fd = eps[i].sim_fd,
		};
		char what[PATH_MAX + 64], err[PATH_MAX + 128];

		backends[i] = NULL;
		eps[i].fd = eps[i].sim_fd = -1; /* the server's now */
		describe(backend, what, sizeof(what));
		ret = gpio_server_new(&sock, backend, &servers[i], err,
				      sizeof(err));
		if (ret < 0) {
			/* It names the path in the way: PATH or PATH.sim. */
			log_error("%s", err);
			break;
		}
		log_info("%s: serving a %s", eps[i].label, what);
	}
	if (ret < 0)
		while (i-- > 0)
			gpio_server_free(servers[i]);
	return ret;
}

/* Closes the given sockets no server took over. */
static void endpoints_free(struct endpoint *eps, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (eps[i].fd >= 0)
			close(eps[i].fd);
		if (eps[i].sim_fd >= 0)
			close(eps[i].sim_fd);
	}
	free(eps);
}

/*
 * What systemd is told (sd_notify): the serving threads report connections
 * and disconnections, the main thread readiness and stopping.  The lock
 * keeps the datagrams in the order of the counts they carry.
 */
static struct {
	pthread_mutex_t lock;
	struct systemd_notifier notifier;
	unsigned int devices;
	unsigned int connected;
	bool ready;
	bool stopping;
} status = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.notifier = {.fd = -1},
};

/*
 * With status.lock held.  Only the first failure is a warning: a notify
 * socket that went away would otherwise add one to every connection.
 */
static void status_sent(int ret)
{
	static bool warned;

	if (ret >= 0)
		return;
	if (!warned)
		log_warn("NOTIFY_SOCKET: %s (later failures are not logged)",
			 strerror(-ret));
	warned = true;
}

/* With status.lock held. */
static void status_send(bool ready)
{
	char text[128];
	int ret;

	if (systemd_status_format(text, sizeof(text), ready, status.devices,
				  status.connected) < 0)
		return;
	ret = systemd_notifier_send(&status.notifier, text);
	status_sent(ret);
}

static void on_connection_change(void *opaque, bool connected)
{
	pthread_mutex_lock(&status.lock);
	if (connected)
		status.connected++;
	else if (status.connected)
		status.connected--;
	if (status.ready && !status.stopping)
		status_send(false);
	pthread_mutex_unlock(&status.lock);
}

static void status_ready(void)
{
	pthread_mutex_lock(&status.lock);
	status.ready = true;
	status_send(true);
	pthread_mutex_unlock(&status.lock);
}

static void status_stopping(void)
{
	int ret;

	pthread_mutex_lock(&status.lock);
	status.stopping = true;
	ret = systemd_notifier_send(&status.notifier, "STOPPING=1");
	status_sent(ret);
	pthread_mutex_unlock(&status.lock);
}

/* Opened now, before the system-call filter: sending is all it needs. */
static void status_open(unsigned int devices)
{
	const char *where = getenv("NOTIFY_SOCKET");
	int ret = systemd_notifier_open(&status.notifier, where);

	if (ret < 0)
		log_warn("NOTIFY_SOCKET=%s: %s; not notifying systemd", where,
			 ret == -EAFNOSUPPORT ? "not a Unix socket address"
					      : strerror(-ret));
	status.devices = devices;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	struct systemd_activation act;
	struct device_list list;
	struct gpio_backend **backends;
	struct gpio_server **servers;
	struct endpoint *eps;
	unsigned int i, count;
	bool activated;
	char err[256];
	sigset_t stop_signals;
	int ret, sig, exit_status = EXIT_FAILURE;

	/*
	 * Before anything is written: a start-up error on a stderr whose
	 * reader is gone must still end with its exit status, not SIGPIPE.
	 */
	signal(SIGPIPE, SIG_IGN);
	log_init();
	parse_options(argc, argv, &opts);
	if (systemd_activation_from_env(&act, err, sizeof(err)) < 0)
		startup_error("socket activation: %s", err);
	count = get_endpoints(&opts, &act, &eps);
	activated = act.count > 0;
	systemd_activation_free(&act);
	if (opts.socket_count_given && (activated || opts.fd >= 0) &&
	    opts.socket_count != count)
		usage_error("--socket-count is %u but %u device socket%s %s "
			    "given",
			    opts.socket_count, count, count == 1 ? "" : "s",
			    count == 1 ? "was" : "were");
	if (device_list_parse(opts.device_list, &list, err, sizeof(err)) < 0)
		usage_error("--device-list: %s", err);
	if (list.count != count && activated)
		usage_error("--device-list has %u entr%s but systemd passed %u "
			    "device socket%s",
			    list.count, list.count == 1 ? "y" : "ies", count,
			    count == 1 ? "" : "s");
	if (list.count != count && opts.fd >= 0)
		usage_error("--device-list has %u entries but --fd serves "
			    "one device",
			    list.count);
	if (list.count != count)
		usage_error("--device-list has %u entr%s but --socket-count "
			    "is %u",
			    list.count, list.count == 1 ? "y" : "ies", count);
	backends = create_backends(eps, &list);
	if (!backends) {
		endpoints_free(eps, count);
		device_list_free(&list);
		return EXIT_FAILURE;
	}

	/*
	 * Every thread inherits this mask, so the signals reach only the
	 * sigwait() below and the socket threads are never interrupted.
	 * Blocked before the first socket file is made, so that a signal
	 * from now on still removes them; and nothing from here to sigwait()
	 * waits on another process (the checks of what is at a socket path
	 * never block), so such a signal is acted on within milliseconds.
	 * Until here a signal just ends the process: no file exists yet.
	 */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	ret = guest_mem_install_fault_handler();
	if (ret < 0)
		log_warn("cannot catch SIGBUS (%s): a front-end that truncates "
			 "its guest memory will kill the daemon",
			 strerror(-ret));
	status_open(list.count);

	servers = calloc(list.count, sizeof(*servers));
	if (!servers) {
		log_error("out of memory");
		backends_free(backends, list.count);
		ret = -ENOMEM;
		goto out_free;
	}
	ret = unix_socket_set_permissions(opts.socket_mode, opts.socket_group);
	if (ret == 0)
		ret = create_servers(eps, &list, backends, servers);
	backends_free(backends, list.count);
	if (ret < 0) {
		/* A socket path with something in the way, say: one line. */
		exit_status = EXIT_USAGE;
		goto out_free;
	}
	for (i = 0; i < list.count; i++) {
		gpio_server_set_connection_handler(servers[i],
						   on_connection_change, NULL);
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
			log_error("cannot install the system-call filter: %s; "
				  "--no-seccomp runs without it",
				  sandbox_strerror(ret));
	}
	if (ret == 0) {
		status_ready();
		sigwait(&stop_signals, &sig);
		log_info("%s: stopping", strsignal(sig));
		status_stopping();
	}
	for (i = 0; i < list.count; i++)
		gpio_server_free(servers[i]);
out_free:
	free(servers);
	endpoints_free(eps, count);
	device_list_free(&list);
	systemd_notifier_close(&status.notifier);
	return ret < 0 ? exit_status : EXIT_SUCCESS;
}
