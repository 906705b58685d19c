/* SPDX-License-Identifier: MIT */
/*
 * What the integration test programs share: the daemon under test as a
 * child process (argv[1], optionally behind VDG_DAEMON_WRAPPER), one fresh
 * daemon per test in its own temporary directory, the cmocka fixture whose
 * teardown checks that the daemon is still alive and exits 0 on SIGTERM
 * with its socket files removed, and the programs' main().
 *
 *   fixture.c  the daemon process, /proc readers, the cmocka fixture, main
 *   guest.c    the guest's side: GPIO requests, interrupts, reconnects
 *   ctl.c      the simulated chip's control socket (PATH<i>.sim)
 *   recording.c  VCD files read back, the client and tools run, `record`
 *
 * Environment (read before the tests run):
 *   VDG_DAEMON_WRAPPER   command prefixed to the daemon, split on spaces,
 *                        e.g. "valgrind --error-exitcode=99 --leak-check=full"
 *   VDG_DAEMON_ARGS      options put before each test's own daemon
 *                        arguments, split on spaces: the suites run once
 *                        more with "--poll-us=..." (meson.build)
 *   VDG_TIME_SCALE       multiplier for the "nothing happens within" waits
 *                        and start-up/exit timeouts (default 1, 10 with a
 *                        wrapper)
 *   VDG_SHOW_LOG         print the daemon's stderr after every test
 *   VDG_TEST_FILTER      run only the tests matching this cmocka pattern
 *
 * cmocka.h must be included before this header.
 */
#ifndef VDG_TEST_FIXTURE_H
#define VDG_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "gpio_names.h"
#include "vmm.h"

#define MAX_SOCKETS 4
#define MAX_VMMS    4
#define MAX_ARGS    64
#define MAX_FX_FDS  8

/* The daemon binary (argv[1]) and the time scale. */
extern const char *g_daemon;
extern int g_scale;
/*
 * How long an expected event may take and how long "nothing more comes" is
 * watched, in ms before scaling: 2000 and 100 unless the program sets
 * others before fixture_main().
 */
extern int g_event_ms;
extern int g_quiet_ms;

/* ---- main ---- */

/* One table of tests, for fixture_main(). */
struct fx_tests {
	const struct CMUnitTest *tests;
	size_t count;
};

#define FX_TESTS(array)                                     \
	{                                                   \
		(array), sizeof(array) / sizeof((array)[0]) \
	}

/*
 * A test program's main(): checks that argv holds the words of @usage
 * ("DAEMON-BINARY" and whatever else the program takes), reads the
 * environment above, ignores SIGPIPE, then runs the @ntables tables of
 * @tables, in order, as the one cmocka group @name.  Returns the exit
 * status for main().
 */
int fixture_main(int argc, char **argv, const char *usage, const char *name,
		 const struct fx_tests *tables, size_t ntables);

/* The main() of a program whose tests are the one array @tests. */
#define FIXTURE_MAIN(usage, name, tests)                                     \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		const struct fx_tests fx_tests_ = FX_TESTS(tests);           \
                                                                             \
		return fixture_main(argc, argv, usage, name, &fx_tests_, 1); \
	}

/* argv[@i] as given to fixture_main() (which checked it is there). */
const char *fixture_arg(unsigned int i);

/* ---- small utilities ---- */

int64_t now_ms(void);
void sleep_ms(int ms);
/* A wait for "nothing happens", scaled for slow wrappers. */
int quiet_ms(int ms);
/* An integer from the environment, @def when unset or empty. */
int env_int(const char *name, int def);
/*
 * @names[@value] (a table of @count names, NULL where none), or @unknown
 * when it has none.
 */
const char *name_in(const char *const *names, size_t count, unsigned int value,
		    const char *unknown);

#define NAME_IN(names, value, unknown) \
	name_in(names, sizeof(names) / sizeof((names)[0]), value, unknown)

/* "GET_VALUE", ... for a request type. */
const char *type_name(uint16_t type);
/* "exit status N" or "signal N" for a wait() status, in @buf. */
const char *status_text(int status, char *buf, size_t len);

#define OK(expr)                                                   \
	do {                                                       \
		int _r = (expr);                                   \
		if (_r != 0)                                       \
			fail_msg("%s returned %d (%s)", #expr, _r, \
				 strerror(_r < 0 ? -_r : _r));     \
	} while (0)

#define EXPECT_RET(expr, want)                                               \
	do {                                                                 \
		int _r = (expr), _w = (want);                                \
		if (_r != _w)                                                \
			fail_msg("%s returned %d (%s), expected %d (%s)",    \
				 #expr, _r, strerror(_r < 0 ? -_r : _r), _w, \
				 strerror(_w < 0 ? -_w : _w));               \
	} while (0)

/*
 * A kick of queue @q after adding a chain to an idle queue: the daemon
 * asks for it, unless it polls (VDG_DAEMON_ARGS with --poll-us), when it
 * may still be looking at the ring with kicks off.
 */
#define EXPECT_KICK(v, q)                                               \
	do {                                                            \
		int _k = vmm_queue_kick((v), (q));                      \
		if (_k < 0 || (_k == 0 && !daemon_polls()))             \
			fail_msg("vmm_queue_kick(%s, %s) returned %d, " \
				 "expected a kick",                     \
				 #v, #q, _k);                           \
	} while (0)

/* Whether the tests run with a polling daemon (VDG_DAEMON_ARGS). */
bool daemon_polls(void);

/* ---- the daemon process ---- */

struct daemon {
	pid_t pid;
	bool reaped;
	int status;
	unsigned int count;
	char dir[64];
	char base[128]; /* sockets are base0 .. base<count-1> */
	char log[64];	/* the daemon's stdout and stderr */
};

/* Socket @i's path ("<base><i>"). */
void daemon_sock(const struct daemon *d, unsigned int i, char *buf, size_t len);
/* Socket @i's simulated-chip control socket ("<base><i>.sim"). */
void daemon_sim_sock(const struct daemon *d, unsigned int i, char *buf,
		     size_t len);

/*
 * Makes the temporary directory and log file of a daemon not yet started
 * (d->dir, d->base, d->log; everything else zeroed).
 */
void daemon_prepare(struct daemon *d);

/*
 * Starts wrapper + daemon + @args (NULL-terminated) with stdout and stderr
 * going to d->log; returns the pid.  daemon_prepare() first.
 */
pid_t daemon_spawn(struct daemon *d, const char *const *args);

/*
 * daemon_spawn() that runs @child_setup(@arg) in the child just before the
 * exec, after stdin, stdout and stderr are set up (fds to inherit,
 * environment; it may redirect stdout again).  Sets d->pid.
 */
pid_t daemon_spawn_with(struct daemon *d, const char *const *args,
			void (*child_setup)(void *arg), void *arg);

/*
 * In a child_setup: adds @option to what a valgrind wrapper reads from
 * VALGRIND_OPTS (the daemonvalgrind setup puts --track-fds=yes there, so
 * that a test can turn it off with "--track-fds=no" for a daemon that
 * keeps, on purpose, a descriptor it inherited: valgrind 3.24 counts one
 * still open at exit as an error).  No effect without a wrapper.
 */
void child_valgrind_option(const char *option);

/* The arguments of a daemon serving sockets at d->base. */
struct daemon_args {
	char path[192], count[32], list[256];
	const char *argv[8];
};

/*
 * --socket-path=BASE --socket-count=@count --device-list=@list, then the
 * NULL-terminated @extra (NULL: none; at most 4 words), in @a.  Returns
 * a->argv.
 */
const char *const *daemon_args(struct daemon_args *a, const struct daemon *d,
			       unsigned int count, const char *list,
			       const char *const *extra);

/*
 * Waits up to 10 s (scaled) for the d->count sockets of a daemon just
 * spawned; fails the test if it dies or takes longer (after printing its
 * log, killing it and removing its files).
 */
void daemon_wait_sockets(struct daemon *d);

/* daemon_spawn() with @args, then daemon_wait_sockets(). */
void daemon_spawn_wait(struct daemon *d, const char *const *args);

/* Starts a daemon serving @count sockets with @list, waits for them. */
void daemon_start(struct daemon *d, unsigned int count, const char *list);

/*
 * Runs the daemon (daemon_spawn_with) until it exits, for at most
 * @timeout_ms, after which it is killed.  Returns the number of lines of
 * its output (daemon_log_lines, the first one in @first), or -ETIMEDOUT;
 * d->status says how it ended.
 */
int daemon_run(struct daemon *d, const char *const *args,
	       void (*child_setup)(void *arg), void *arg, int timeout_ms,
	       char *first, size_t cap);

/*
 * Fills @argv (room for @n words and a NULL) with the NULL-terminated
 * @tmpl, "%s" in a word replaced by @value; the words are written to
 * @bufs.
 */
void args_expand(const char *const *tmpl, const char *value, char (*bufs)[256],
		 const char **argv, unsigned int n);

/* Prints the daemon's output to stderr, headed by @why. */
void print_log(const struct daemon *d, const char *why);

bool daemon_alive(struct daemon *d);
/* Waits for the daemon to exit; returns false on timeout. */
bool daemon_wait_exit(struct daemon *d, int timeout_ms);
void daemon_kill(struct daemon *d);
bool socket_exists(const struct daemon *d, unsigned int i);

/*
 * Waits up to 5 s (scaled) for the daemon to exit, killing it after that,
 * and checks it exited with status 0.  Returns a description of the
 * problem (in @why), or NULL.
 */
const char *daemon_wait_clean_exit(struct daemon *d, char *why, size_t len);

/*
 * SIGTERM, then checks: exited by itself with status 0, and every socket
 * file (and simulated-chip control socket) removed.  Returns a description
 * of the first problem (in @why), or NULL.
 */
const char *daemon_stop(struct daemon *d, char *why, size_t len);

/*
 * Removes the daemon's directory with everything in it (its sockets and
 * whatever the test put there) and its log.
 */
void daemon_remove_files(struct daemon *d);

/* Number of entries in @dir, or -errno. */
int dir_entries(const char *dir);

/* Lines of the daemon's log that contain @text (valgrind's excluded). */
int daemon_log_count(const struct daemon *d, const char *text);
/* Whether a line with @text is in the daemon's log within @timeout_ms. */
bool daemon_log_wait(const struct daemon *d, const char *text, int timeout_ms);
/*
 * Lines of the daemon's log, valgrind's "==PID==" ones excluded; the first
 * of them (with its newline) is copied to @first ("" if none).  -errno if
 * the log cannot be read.
 */
int daemon_log_lines(const struct daemon *d, char *first, size_t cap);

/* ---- /proc ---- */

/* The daemon's fds (valgrind's own excluded), or -errno. */
int proc_fd_count(pid_t pid);
/* Threads of @pid (entries of /proc/PID/task), or -errno. */
int proc_thread_count(pid_t pid);
/* The number of @field ("VmRSS", "Seccomp", ...) of /proc/PID/status. */
long proc_status(pid_t pid, const char *field);
/*
 * Whether @d's VmRSS says anything about leaks: not for an AddressSanitizer
 * build (it says so in its log), whose allocator keeps freed memory in a
 * quarantine of up to 256 MB, so RSS grows with any churn (GCC 14's grows
 * several MB over a thousand reconnects); its leak checker runs at exit
 * instead.  A test then skips its RSS bound and says so.
 */
bool daemon_rss_is_meaningful(const struct daemon *d);
/* @field of /proc/PID/task/TID/status summed over @pid's threads. */
long long proc_threads_status_sum(pid_t pid, const char *field);
/* utime + stime of @pid in ms, from /proc/PID/stat; -1 if unreadable. */
long proc_cpu_ms(pid_t pid);
/* Waits until @pid has exactly @want fds open; returns the last count. */
int wait_fd_count(pid_t pid, int want, int timeout_ms);

/* ---- the cmocka fixture ---- */

struct fx {
	struct daemon d;
	bool have_daemon; /* teardown stops it and checks it */
	struct vmm *v[MAX_VMMS];
	int fds[MAX_FX_FDS]; /* the test's own fds, closed by teardown; -1 */
	const void *param;   /* the test's initial state (see setup_with) */
};

/*
 * An empty fixture (no daemon, no vmm, fds -1) of @size bytes: a struct of
 * the test program's own that starts with a struct fx.
 */
struct fx *fx_alloc(size_t size);
/* fx_alloc(sizeof(struct fx)). */
struct fx *fx_new(void);

/*
 * Setup: a daemon serving @count sockets with device list @list.  What
 * the test table gave as initial state is kept in fx->param.
 */
int setup_with(void **state, unsigned int count, const char *list);

/* Setup: an empty fixture (the test starts its own daemons). */
int setup_none(void **state);

/*
 * Frees the vmms, closes fx->fds, then stops the daemon (daemon_stop) and
 * fails if it was not alive or did not exit cleanly; a daemon started
 * without have_daemon is killed if it still runs.  Removes the daemon's
 * files (daemon_remove_files).
 */
int teardown(void **state);

/* Keeps @fd (which must be valid) for teardown to close; returns it. */
int fx_keep_fd(struct fx *fx, int fd);
/* An AF_UNIX socket of @type (SOCK_STREAM, ...), kept for teardown. */
int fx_socket(struct fx *fx, int type);
/* Closes @fd, kept or not. */
void fx_close_fd(struct fx *fx, int fd);

/*
 * Starts the fixture's daemon with the NULL-terminated @tmpl ("%s" in a
 * word is replaced by the socket base path, as args_expand() does),
 * serving @count sockets, and waits for them; have_daemon from then on.
 */
void fx_start_daemon(struct fx *fx, unsigned int count,
		     const char *const *tmpl);

/* daemon_stop() now, failing the test on a problem; have_daemon is over. */
void fx_stop_daemon(struct fx *fx);

/* A vmm in slot @slot (replacing any), with @opts (NULL: defaults). */
struct vmm *fx_vmm(struct fx *fx, unsigned int slot,
		   const struct vmm_options *opts);
/* Frees the vmm in slot @slot. */
void fx_vmm_free(struct fx *fx, unsigned int slot);
void fx_connect(struct fx *fx, struct vmm *v, unsigned int sock);
/* Connects @v to socket @sock and negotiates with @nopts (NULL: defaults). */
void fx_session(struct fx *fx, struct vmm *v, unsigned int sock,
		const struct vmm_negotiate_options *nopts);
/* A fresh vmm in slot @slot, connected and negotiated with defaults. */
struct vmm *fx_default_session(struct fx *fx, unsigned int slot,
			       unsigned int sock);
/* fx_default_session() in slot 0, socket 0, of a guest whose memory is
 * @nregions regions (vmm_options.nregions). */
struct vmm *fx_regions_session(struct fx *fx, unsigned int nregions);

/*
 * The fixture's daemon has exactly @want fds again within @timeout_ms,
 * or the test fails, saying "after @what".  Returns the count.
 */
int expect_fds_at(struct fx *fx, int want, int timeout_ms, const char *what,
		  int line);

#define EXPECT_FDS(fx, want, timeout_ms, what) \
	expect_fds_at(fx, want, timeout_ms, what, __LINE__)

/* ---- GPIO requests (guest.c) ---- */

/* One request; fails unless status, value and used length 2 are as given. */
void req_expect(struct vmm *v, uint16_t type, uint16_t gpio, uint32_t value,
		uint8_t want_status, uint8_t want_value, int line);

#define REQ_OK(v, type, gpio, value, want) \
	req_expect(v, type, gpio, value, VIRTIO_GPIO_STATUS_OK, want, __LINE__)
#define REQ_ERR(v, type, gpio, value) \
	req_expect(v, type, gpio, value, VIRTIO_GPIO_STATUS_ERR, 0, __LINE__)

/* Line @gpio made an output, no value given with it: it drives @level. */
#define EXPECT_OUTPUT_AT(v, gpio, level)              \
	do {                                          \
		REQ_OK(v, SET_DIR, gpio, DIR_OUT, 0); \
		REQ_OK(v, GET_VAL, gpio, 0, level);   \
	} while (0)

/* Line @gpio made an output driven high: it reads 1. */
#define EXPECT_DRIVES_HIGH(v, gpio)                   \
	do {                                          \
		REQ_OK(v, SET_DIR, gpio, DIR_OUT, 0); \
		REQ_OK(v, SET_VAL, gpio, 1, 0);       \
		REQ_OK(v, GET_VAL, gpio, 0, 1);       \
	} while (0)

/*
 * Queues one GET_VALUE of @gpio on the requestq and kicks (by the device's
 * rules); does not wait.  Returns 0 or -errno (-EIO: the kick failed).
 */
int add_get_value(struct vmm *v, uint16_t gpio);

/*
 * Cycle @i of a reconnect soak, with @v on socket @sock: connect, then by
 * i % 10 leave half-way through the set-up (3), leave with two requests
 * in flight (7), or negotiate and have a GET_VALUE of line i % @ngpio
 * answered OK, with value @want unless it is negative; disconnect.
 */
void reconnect_cycle(struct fx *fx, struct vmm *v, unsigned int sock, int i,
		     unsigned int ngpio, int want);

/* ---- interrupts (guest.c) ---- */

#define EVQ VMM_GPIO_EVENTQ

/* Negotiation defaults with both queues (requestq and eventq). */
void irq_options_init(struct vmm_negotiate_options *no);

/*
 * Connects @v to socket @sock and negotiates with @no (NULL:
 * irq_options_init's); fails unless VIRTIO_GPIO_F_IRQ was acked.
 */
void fx_irq_negotiate(struct fx *fx, struct vmm *v, unsigned int sock,
		      const struct vmm_negotiate_options *no);
/* fx_irq_negotiate() of a fresh vmm in slot @slot. */
struct vmm *fx_irq_session(struct fx *fx, unsigned int slot, unsigned int sock,
			   const struct vmm_negotiate_options *no);
/*
 * cmocka setup: a daemon serving the one device @list (setup_with) and a
 * guest in slot 0 negotiated with VIRTIO_GPIO_F_IRQ (fx_irq_session).
 */
int setup_irq_guest(void **state, const char *list);

#define ARM(v, gpio, type) REQ_OK(v, IRQ_TYPE, gpio, type, 0)

/* Queues and kicks an unmask pair for @gpio; returns its head. */
uint16_t unmask_at(struct vmm *v, uint16_t gpio, int line);

#define UNMASK(v, gpio) unmask_at(v, gpio, __LINE__)

/* "VALID", "INVALID", "unwritten" or "bad status". */
const char *irq_status_name(uint8_t status);

/*
 * The next returned pair must be @gpio's (and @head's, unless -1) with
 * @status and used length @len, notified within g_event_ms.
 */
void expect_irq_at(struct vmm *v, uint16_t gpio, int head, uint8_t status,
		   uint32_t len, int line);

#define EXPECT_IRQ(v, gpio, status) \
	expect_irq_at(v, gpio, -1, status, 1, __LINE__)
#define EXPECT_VALID(v, gpio)	EXPECT_IRQ(v, gpio, VALID)
#define EXPECT_INVALID(v, gpio) EXPECT_IRQ(v, gpio, INVALID)

/* Nothing comes back on the eventq, notified or not, for g_quiet_ms. */
void expect_quiet_at(struct vmm *v, int line);

#define EXPECT_QUIET(v) expect_quiet_at(v, __LINE__)

/* ---- the simulated chip's control socket (ctl.c) ---- */

struct ctl {
	int fd;
	size_t len;
	char buf[8192];
};

/*
 * Connects @c to the control socket at @path, retrying for 5 s (scaled)
 * while it does not exist yet.  The fd is kept by @fx.
 */
void ctl_connect(struct fx *fx, struct ctl *c, const char *path);
/* ctl_connect() to socket @sock's control socket. */
void ctl_open(struct fx *fx, unsigned int sock, struct ctl *c);
void ctl_close(struct fx *fx, struct ctl *c);

/* Sends the @len bytes of @data (NULs included). */
void ctl_send_bytes(struct ctl *c, const char *data, size_t len);
void ctl_send(struct ctl *c, const char *text);

/*
 * Reads one reply line (without its newline) into @line within @timeout_ms.
 * Returns 0, -ETIMEDOUT, -ECONNRESET (closed), -E2BIG (line too long).
 */
int ctl_read_line(struct ctl *c, char *line, size_t cap, int timeout_ms);

/* Sends @cmd (a newline is added) and returns its one reply line. */
void ctl_cmd_at(struct ctl *c, const char *cmd, char *reply, size_t cap,
		int line);
/* Sends @cmd; its reply must be @want. */
void ctl_expect_at(struct ctl *c, const char *cmd, const char *want, int line);
/* The next line must be @want. */
void ctl_next_at(struct ctl *c, const char *want, int line);
/* The next reply line must be "error REASON" with a non-empty REASON. */
void ctl_expect_error_line(struct ctl *c, const char *what, int line);
/* No further reply line within g_quiet_ms. */
void ctl_expect_silent_at(struct ctl *c, int line);

#define CTL_EXPECT(c, cmd, want) ctl_expect_at(c, cmd, want, __LINE__)
#define CTL_NEXT(c, want)	 ctl_next_at(c, want, __LINE__)

/* One command on a connection of its own to the control socket at @path. */
void ctl_once_at(struct fx *fx, const char *path, const char *cmd,
		 const char *want, int line);

/* ---- recordings and the programs around them (recording.c) ---- */

#define MAX_CHANGES 256

/* One signal's changes, times in microseconds. */
struct signal_trace {
	unsigned int n;
	uint64_t t_us[MAX_CHANGES];
	char value[MAX_CHANGES]; /* '0', '1', 'x', 'z' */
};

/*
 * The changes of the signal named @name in the VCD text @text (any
 * layout): its value at each time it was written with a new one.  Fails
 * the test if there is no such signal.
 */
void vcd_signal(const char *text, const char *name, struct signal_trace *st);
/* The signal's values in order, as a string ("x01"), in @buf. */
const char *vcd_values(const struct signal_trace *st, char *buf);
/* The whole file (freed by the caller); fails the test if unreadable. */
char *read_whole_file(const char *path);
/* CLOCK_MONOTONIC in microseconds. */
int64_t clock_us(void);

/* Starts @argv with stdout and stderr into a pipe, whose end is *@out. */
pid_t tool_spawn(const char *const *argv, int *out);
/* Reads @fd into @buf (NUL-terminated, appended to) until it holds @want. */
bool tool_read_until(int fd, char *buf, size_t cap, const char *want,
		     int timeout_ms);
/* Waits for @pid; its exit status, or -1 (killed after the timeout). */
int tool_wait_exit(pid_t pid, int timeout_ms);
/* Runs @argv to its end (30 s, scaled); its exit status, output in @out. */
int tool_run(const char *const *argv, char *out, size_t cap);

/* The client (argv[2]) recording socket 0's device into @vcd. */
struct recorder {
	pid_t pid;
	int out;
	char text[4096];
};

/* Starts it and waits until it records. */
void record_start(struct fx *fx, struct recorder *r, const char *vcd);
/* Ctrl-C: it must complete the file and exit 0. */
void record_stop(struct recorder *r);

/* @name in the daemon's directory (removed by teardown), in @buf. */
void vcd_path(struct fx *fx, const char *name, char *buf, size_t len);
/*
 * Whether argv[@arg] is "-" (@tool not installed): the test then says so
 * and returns (cmocka's skip() would fail the TAP meson reads).
 */
bool tool_missing(unsigned int arg, const char *tool);

#endif
