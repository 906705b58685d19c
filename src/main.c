// SPDX-License-Identifier: MIT
/*
 * vhost-device-gpio: serves VirtIO GPIO devices to VMMs over vhost-user.
 * The start-up sequence: the command line and the environment say where
 * each device is served and what it serves (options.c, endpoints.c,
 * device_list.c), the back-ends are made (device_backends.c), then one
 * socket and thread per device (gpio_server.c) and the system-call filter;
 * then it waits for SIGINT/SIGTERM while the socket threads serve.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "device_backends.h"
#include "device_list.h"
#include "endpoints.h"
#include "gpio_server.h"
#include "guest_mem.h"
#include "log.h"
#include "options.h"
#include "sandbox.h"
#include "service_status.h"
#include "systemd.h"
#include "unix_socket.h"
#include "wire_hub.h"

/*
 * Exit status for a command line or device list we cannot accept, and for
 * a socket we cannot create (something in the way).
 */
#define EXIT_USAGE 2

/* A start-up error: its one line, and exit status 2. */
static void exit_usage(const char *message)
{
	log_error("%s", message);
	exit(EXIT_USAGE);
}

/* The command line's own outputs, or its mistakes: they end the daemon. */
static void handle_options(int argc, char **argv, struct options *opts)
{
	char err[1100];

	switch (options_parse(argc, argv, opts, err, sizeof(err))) {
	case OPTIONS_SERVE:
		if (opts->verbose)
			log_set_level(LOG_LEVEL_DEBUG);
		return;
	case OPTIONS_HELP:
		fputs(options_usage(), stdout);
		exit(EXIT_SUCCESS);
	case OPTIONS_VERSION:
		printf("vhost-device-gpio %s\n", VDG_VERSION);
		exit(EXIT_SUCCESS);
	case OPTIONS_CAPABILITIES:
		fputs(options_capabilities(), stdout);
		exit(EXIT_SUCCESS);
	default:
		exit_usage(err);
	}
}

/*
 * Where each device is served and what it serves, by the command line and
 * the environment: its sockets in *@eps (*@count of them) and the device
 * list in @list, as many entries.  Any error ends the daemon.
 */
static void configure(int argc, char **argv, struct options *opts,
		      struct endpoint **eps, unsigned int *count,
		      struct device_list *list)
{
	struct systemd_activation act;
	char err[1100], list_err[256];
	bool activated;
	int ret;

	handle_options(argc, argv, opts);
	if (systemd_activation_from_env(&act, list_err, sizeof(list_err)) < 0) {
		snprintf(err, sizeof(err), "socket activation: %s", list_err);
		exit_usage(err);
	}
	ret = endpoints_resolve(opts, &act, eps, err, sizeof(err));
	activated = act.count > 0;
	systemd_activation_free(&act);
	if (ret < 0)
		exit_usage(err);
	*count = (unsigned int)ret;
	if (endpoints_check_socket_count(opts, activated, *count, err,
					 sizeof(err)) < 0)
		exit_usage(err);
	if (device_list_parse(opts->device_list, list, list_err,
			      sizeof(list_err)) < 0) {
		options_usage_error(err, sizeof(err), "--device-list: %s",
				    list_err);
		exit_usage(err);
	}
	if (endpoints_check_entries(opts, activated, *count, list->count, err,
				    sizeof(err)) < 0)
		exit_usage(err);
}

/*
 * Builds every server from its back-end and endpoint (each taken over, also
 * on failure); on failure frees those built and returns -errno.
 */
static int create_servers(struct endpoint *eps, const struct device_list *list,
			  struct gpio_backend **backends, struct wire_hub *hub,
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
			.wires = hub,
			.index = i,
		};
		char what[PATH_MAX + 64], err[PATH_MAX + 128];

		backends[i] = NULL;
		eps[i].fd = eps[i].sim_fd = -1; /* the server's now */
		device_backends_describe(backend, what, sizeof(what));
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

/*
 * --wire's wires, once every device is there: each end must be a line of
 * a simulated chip.  0, or -EINVAL (logged).
 */
static int connect_wires(struct wire_hub *hub, const struct options *opts)
{
	char err[256];
	size_t i;

	for (i = 0; i < opts->wires.count; i++) {
		const struct wire *w = &opts->wires.wires[i];

		if (wire_hub_connect(hub, w->src, w->dst, err, sizeof(err))) {
			log_error("--wire %u:%u=%u:%u: %s (see --help)",
				  w->src.dev, w->src.line, w->dst.dev,
				  w->dst.line, err);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Starts every server's thread (polling as @opts says), its connections
 * reported to @status; the threads serve once @gate opens.
 */
static int start_servers(struct gpio_server **servers, unsigned int count,
			 const struct options *opts,
			 struct service_status *status,
			 struct gpio_server_gate *gate)
{
	unsigned int i;
	int ret;

	if (opts->poll_us)
		log_info("polling the rings for %u us after serving them",
			 opts->poll_us);
	for (i = 0; i < count; i++) {
		gpio_server_set_connection_handler(
			servers[i], service_status_connection, status);
		gpio_server_set_poll(servers[i], opts->poll_us);
		ret = gpio_server_start(servers[i], gate);
		if (ret < 0) {
			log_error("cannot start a thread: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Sockets bound, chips open, threads running: from here on only the calls
 * serving needs (src/sandbox.c), on every thread at once.  Returns 0 or
 * -errno (logged).
 */
static int install_sandbox(const struct options *opts)
{
	int ret;

	if (!opts->seccomp)
		return 0;
	if (RUNNING_ON_VALGRIND) {
		/* It does not implement seccomp(): the filter cannot go in. */
		log_warn("running under valgrind: no system-call filter");
		return 0;
	}
	if (SANITIZER_BUILD) {
		log_warn("AddressSanitizer build: no system-call filter");
		return 0;
	}
	ret = sandbox_install();
	if (ret < 0)
		log_error("cannot install the system-call filter: %s; "
			  "--no-seccomp runs without it",
			  sandbox_strerror(ret));
	return ret;
}

/*
 * Every thread inherits this mask, so the signals reach only the sigwait()
 * in main() and the socket threads are never interrupted.  Blocked before
 * the first socket file is made, so that a signal from then on still
 * removes them; and nothing from there to sigwait() waits on another
 * process (the checks of what is at a socket path never block), so such a
 * signal is acted on within milliseconds.  Until then a signal just ends
 * the process: no file exists yet.
 */
static void block_stop_signals(sigset_t *stop_signals)
{
	int ret;

	sigemptyset(stop_signals);
	sigaddset(stop_signals, SIGINT);
	sigaddset(stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, stop_signals, NULL);
	ret = guest_mem_install_fault_handler();
	if (ret < 0)
		log_warn("cannot catch SIGBUS (%s): a front-end that truncates "
			 "its guest memory will kill the daemon",
			 strerror(-ret));
}

int main(int argc, char **argv)
{
	struct options opts;
	struct device_list list;
	struct gpio_backend **backends;
	struct gpio_server **servers;
	struct service_status status;
	struct endpoint *eps;
	unsigned int i, count;
	char err[1100];
	sigset_t stop_signals;
	struct gpio_server_gate gate = GPIO_SERVER_GATE_INIT;
	struct wire_hub *hub = NULL;
	int ret, sig, exit_status = EXIT_FAILURE;

	/*
	 * Before anything is written: a start-up error on a stderr whose
	 * reader is gone must still end with its exit status, not SIGPIPE.
	 */
	signal(SIGPIPE, SIG_IGN);
	log_init();
	configure(argc, argv, &opts, &eps, &count, &list);
	ret = device_backends_new(&list, eps, &backends, err, sizeof(err));
	if (ret == -ENOMEM) {
		log_error("out of memory");
		endpoints_free(eps, count);
		device_list_free(&list);
		return EXIT_FAILURE;
	}
	if (ret < 0)
		exit_usage(err);
	block_stop_signals(&stop_signals);
	service_status_open(&status, getenv("NOTIFY_SOCKET"), list.count);

	servers = calloc(list.count, sizeof(*servers));
	if (!servers || wire_hub_new(list.count, &hub) < 0) {
		log_error("out of memory");
		device_backends_free(backends, list.count);
		ret = -ENOMEM;
		goto out_free;
	}
	ret = unix_socket_set_permissions(opts.socket_mode, opts.socket_group);
	if (ret == 0)
		ret = create_servers(eps, &list, backends, hub, servers);
	device_backends_free(backends, list.count);
	if (ret < 0) {
		/* A socket path with something in the way, say: one line. */
		exit_status = EXIT_USAGE;
		goto out_free;
	}
	if (connect_wires(hub, &opts) < 0) {
		exit_status = EXIT_USAGE;
		ret = -EINVAL;
		goto out_free_servers;
	}
	/*
	 * The threads exist before the filter goes in (it forbids making
	 * them) but serve nothing until it is in: a VMM that connects as
	 * soon as the socket appears meets the filtered daemon.  Opened on
	 * failure too, so that the threads can be stopped.
	 */
	ret = start_servers(servers, list.count, &opts, &status, &gate);
	if (ret == 0)
		ret = install_sandbox(&opts);
	gpio_server_gate_open(&gate);
	if (ret == 0) {
		service_status_ready(&status);
		sigwait(&stop_signals, &sig);
		log_info("%s: stopping", strsignal(sig));
		service_status_stopping(&status);
	}
out_free_servers:
	for (i = 0; i < list.count; i++)
		gpio_server_free(servers[i]);
out_free:
	free(servers);
	wire_hub_free(hub);
	options_free(&opts);
	endpoints_free(eps, count);
	device_list_free(&list);
	service_status_close(&status);
	return ret < 0 ? exit_status : EXIT_SUCCESS;
}
