// SPDX-License-Identifier: MIT
/*
 * The command line: what each option sets, what wins, and every message a
 * command line the daemon cannot accept gets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"
#include "unix_socket.h"

#define MAX_ARGS 16

/* options_parse() on "vhost-device-gpio" and the NULL-terminated @args. */
static int parse(struct options *opts, char *err, size_t err_size,
		 const char *const *args)
{
	/* getopt_long may reorder them: a writable copy. */
	static char words[MAX_ARGS][256];
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	argv[argc++] = strcpy(words[0], "vhost-device-gpio");
	for (; *args; args++) {
		assert_true(argc < MAX_ARGS);
		argv[argc] = strcpy(words[argc], *args);
		argc++;
	}
	argv[argc] = NULL;
	return options_parse(argc, argv, opts, err, err_size);
}

#define PARSE(opts, err, ...) \
	parse(opts, err, sizeof(err), (const char *const[]){__VA_ARGS__, NULL})

static void check_error(const char *const *args, const char *message)
{
	struct options opts;
	char err[512] = "stale";

	assert_int_equal(parse(&opts, err, sizeof(err), args), -EINVAL);
	assert_string_equal(err, message);
}

#define CHECK_ERROR(message, ...) \
	check_error((const char *const[]){__VA_ARGS__, NULL}, message)

static void test_defaults(void **state)
{
	struct options opts;
	char err[256] = "stale";

	assert_int_equal(PARSE(&opts, err, "-s", "/tmp/g.sock", "-l", "s8"),
			 OPTIONS_SERVE);
	assert_string_equal(err, "");
	assert_string_equal(opts.socket_path, "/tmp/g.sock");
	assert_string_equal(opts.device_list, "s8");
	assert_int_equal(opts.socket_count, 1);
	assert_false(opts.socket_count_given);
	assert_int_equal(opts.fd, -1);
	assert_int_equal(opts.socket_mode, UNIX_SOCKET_DEFAULT_MODE);
	assert_int_equal(opts.socket_group, UNIX_SOCKET_NO_GROUP);
	assert_true(opts.seccomp);
	assert_false(opts.verbose);
	assert_int_equal(opts.poll_us, 0);
}

static void test_every_option(void **state)
{
	struct options opts;
	char err[256];

	assert_int_equal(PARSE(&opts, err, "--socket-path=/run/x.sock", "-c",
			       "3", "--device-list", "s1:s2:s3",
			       "--socket-mode=0660", "--socket-group=0",
			       "--no-seccomp", "-v", "--poll-us=50"),
			 OPTIONS_SERVE);
	assert_int_equal(opts.poll_us, 50);
	assert_string_equal(opts.socket_path, "/run/x.sock");
	assert_int_equal(opts.socket_count, 3);
	assert_true(opts.socket_count_given);
	assert_string_equal(opts.device_list, "s1:s2:s3");
	assert_int_equal(opts.socket_mode, 0660);
	assert_int_equal(opts.socket_group, 0);
	assert_false(opts.seccomp);
	assert_true(opts.verbose);

	assert_int_equal(PARSE(&opts, err, "--fd=7", "-l", "s8",
			       "--socket-count=1024", "--socket-group=root"),
			 OPTIONS_SERVE);
	assert_int_equal(opts.fd, 7);
	assert_null(opts.socket_path);
	assert_int_equal(opts.socket_count, 1024);
	assert_int_equal(opts.socket_group, 0);
	assert_int_equal(PARSE(&opts, err, "-l", "s8", "--poll-us", "1000000"),
			 OPTIONS_SERVE);
	assert_int_equal(opts.poll_us, 1000000);
	assert_int_equal(PARSE(&opts, err, "-l", "s8", "--poll-us=0"),
			 OPTIONS_SERVE);
	assert_int_equal(opts.poll_us, 0);
	/* Systemd socket activation: -l alone. */
	assert_int_equal(PARSE(&opts, err, "-l", "s8"), OPTIONS_SERVE);
	assert_null(opts.socket_path);
	assert_int_equal(opts.fd, -1);
}

static void test_help_and_version(void **state)
{
	struct options opts;
	char err[256];

	assert_int_equal(PARSE(&opts, err, "-h"), OPTIONS_HELP);
	assert_int_equal(PARSE(&opts, err, "--help", "--bogus"), OPTIONS_HELP);
	assert_int_equal(PARSE(&opts, err, "-V"), OPTIONS_VERSION);
	assert_int_equal(PARSE(&opts, err, "--version", "-c", "0"),
			 OPTIONS_VERSION);
	/* What comes first decides. */
	assert_int_equal(PARSE(&opts, err, "-c", "0", "-h"), -EINVAL);
	assert_int_equal(PARSE(&opts, err, "-h", "-c", "0"), OPTIONS_HELP);
	assert_non_null(strstr(options_usage(),
			       "Usage: vhost-device-gpio -s PATH [-c N] -l "
			       "LIST [OPTION...]\n"));
	assert_non_null(strstr(options_usage(), "--print-capabilities"));
	assert_non_null(strstr(options_usage(), "--no-seccomp"));
	assert_non_null(strstr(options_usage(), "--poll-us=N"));
}

/* --print-capabilities wins whatever else is there, before "--". */
static void test_capabilities(void **state)
{
	struct options opts;
	char err[256];

	assert_int_equal(PARSE(&opts, err, "--print-capabilities"),
			 OPTIONS_CAPABILITIES);
	assert_int_equal(
		PARSE(&opts, err, "-c", "0", "--bogus", "--print-capabilities"),
		OPTIONS_CAPABILITIES);
	assert_int_equal(PARSE(&opts, err, "--print-cap"),
			 OPTIONS_CAPABILITIES);
	CHECK_ERROR("unexpected argument \"--print-capabilities\" (see --help)",
		    "-l", "s8", "--", "--print-capabilities");
	assert_string_equal(options_capabilities(),
			    "{\n  \"type\": \"gpio\",\n  \"features\": [\n"
			    "    \"socket-path\",\n    \"socket-count\",\n"
			    "    \"device-list\",\n    \"fd\",\n"
			    "    \"socket-activation\",\n    \"sd-notify\",\n"
			    "    \"simulated-chip\",\n    \"host-chip\",\n"
			    "    \"line-selection\",\n"
			    "    \"read-only-lines\",\n"
			    "    \"line-bias\",\n    \"line-active-low\",\n"
			    "    \"line-drive\",\n    \"line-debounce\",\n"
			    "    \"line-names\",\n    \"joined-chips\",\n"
			    "    \"irq-edge\",\n"
			    "    \"irq-level\",\n"
			    "    \"sim-control-socket\",\n"
			    "    \"host-control-socket\",\n"
			    "    \"trace\",\n    \"play\",\n    \"wire\",\n"
			    "    \"socket-mode\",\n    \"socket-group\",\n"
			    "    \"seccomp\",\n    \"poll-us\"\n  ]\n}\n");
}

/*
 * The words @args, then each of the NULL-terminated @values: refused with
 * "@what, not "VALUE" (see --help)".
 */
static void check_values(const char *what, const char *const *values,
			 const char *const *args)
{
	const char *argv[MAX_ARGS + 1];
	char message[256];
	unsigned int n = 0, i;

	for (; args[n]; n++)
		argv[n] = args[n];
	for (i = 0; values[i]; i++) {
		argv[n] = values[i];
		argv[n + 1] = NULL;
		snprintf(message, sizeof(message),
			 "%s, not \"%s\" (see --help)", what, values[i]);
		check_error(argv, message);
	}
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_value_errors(void **state)
{
	static const char *const counts[] = {"0", "1025", "+1", "-1",
					     "x", "2x",	  "",	NULL};
	static const char *const fds[] = {"x",		"-1", "+3",
					  "2147483648", "",   NULL};
	static const char *const modes[] = {"0778", "1000", "-1", "+7",
					    "8",    "abc",  "",	  NULL};
	static const char *const polls[] = {"1000001", "-1", "+5", "5us",
					    "x",       "",   NULL};

	check_values("--socket-count must be a number from 1 to 1024", counts,
		     ARGS("-s", "/tmp/g", "-l", "s8", "-c"));
	check_values("--fd must be a file descriptor number", fds,
		     ARGS("-l", "s8", "--fd"));
	check_values("--socket-mode must be octal permissions from 0 to 0777 "
		     "(such as 0660)",
		     modes, ARGS("-l", "s8", "--socket-mode"));
	CHECK_ERROR("--socket-group: no group \"no-such-group-vdg\" (see "
		    "--help)",
		    "-l", "s8", "--socket-group=no-such-group-vdg");
	check_values("--poll-us must be a number of microseconds from 0 to "
		     "1000000",
		     polls, ARGS("-l", "s8", "--poll-us"));
}

static void test_command_line_errors(void **state)
{
	CHECK_ERROR("option -s needs a value (see --help)", "-l", "s8", "-s");
	CHECK_ERROR("option --socket-path needs a value (see --help)", "-l",
		    "s8", "--socket-path");
	CHECK_ERROR("unknown option -x (see --help)", "-x", "-l", "s8");
	CHECK_ERROR("unknown option --bogus (see --help)", "--bogus");
	CHECK_ERROR("unexpected argument \"extra\" (see --help)", "-l", "s8",
		    "extra");
	CHECK_ERROR("--fd and --socket-path cannot be used together (see "
		    "--help)",
		    "--fd=3", "-s", "/tmp/g", "-l", "s8");
	CHECK_ERROR("--device-list is required (see --help)", "-s", "/tmp/g");
}

/* A message that does not fit is cut, and always terminated. */
/* --wire: one driver a line, no loop, checked on the command line. */
static void test_wires(void **state)
{
	struct options opts;
	char err[256] = "stale";

	assert_int_equal(PARSE(&opts, err, "-s", "/tmp/g", "-c", "2", "-l",
			       "s8:s8", "--wire=0:3=1:5,1:6", "--wire",
			       "1:6=0:sim-4"),
			 OPTIONS_SERVE);
	assert_int_equal(opts.wires.count, 3);
	assert_int_equal(opts.wires.wires[2].src.dev, 1);
	assert_int_equal(opts.wires.wires[2].src.line, 6);
	assert_int_equal(opts.wires.wires[2].dst.line, 4);
	options_free(&opts);
	assert_int_equal(opts.wires.count, 0);
	CHECK_ERROR("--wire: 1:5 is wired twice (see --help)", "-l", "s8",
		    "--wire=0:3=1:5", "--wire=0:2=1:5");
	CHECK_ERROR("--wire: 0:4 to 0:3 would close a loop (see --help)", "-l",
		    "s8", "--wire=0:3=0:4", "--wire=0:4=0:3");
	CHECK_ERROR("--wire \"3=4\": expected DEVICE:LINE=DEVICE:LINE[,...] "
		    "(see --help)",
		    "-l", "s8", "--wire=3=4");
	CHECK_ERROR("--wire \"0:3=0:4,x\": \"x\" is not DEVICE:LINE (see "
		    "--help)",
		    "-l", "s8", "--wire=0:3=0:4,x");
	CHECK_ERROR("--wire \"0:3\": expected DEVICE:LINE=DEVICE:LINE[,...] "
		    "(see --help)",
		    "-l", "s8", "--wire=0:3");
}

static void test_usage_error_cut(void **state)
{
	char err[16];

	assert_int_equal(options_usage_error(err, sizeof(err), "%s", "short"),
			 -EINVAL);
	assert_string_equal(err, "short (see --he");
	assert_int_equal(options_usage_error(err, 4, "%s", "long message"),
			 -EINVAL);
	assert_string_equal(err, "lon");
	assert_int_equal(options_usage_error(NULL, 0, "%s", "nowhere"),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_command_line_errors),
		cmocka_unit_test(test_usage_error_cut),
		cmocka_unit_test(test_wires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
