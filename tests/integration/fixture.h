/* SPDX-License-Identifier: MIT */
/*
 * What the integration test programs share: the daemon under test as a
 * child process (argv[1], optionally behind VDG_DAEMON_WRAPPER), one fresh
 * daemon per test in its own temporary directory, and the cmocka fixture
 * whose teardown checks that the daemon is still alive and exits 0 on
 * SIGTERM with its socket files removed.
 *
 * Environment (read by fixture_init):
 *   VDG_DAEMON_WRAPPER   command prefixed to the daemon, split on spaces,
 *                        e.g. "valgrind --error-exitcode=99 --leak-check=full"
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
#include <sys/types.h>

#include "vmm.h"

#define MAX_SOCKETS 4
#define MAX_VMMS    4
#define MAX_ARGS    64
#define MAX_FX_FDS  8

/* The daemon binary (argv[1]) and the time scale, set by fixture_init. */
extern const char *g_daemon;
extern int g_scale;

/*
 * Reads the environment above, ignores SIGPIPE and applies the test filter.
 * Call once from main() before running the tests; fixture_done() after.
 */
void fixture_init(const char *daemon);
void fixture_done(void);

/* ---- small utilities ---- */

int64_t now_ms(void);
void sleep_ms(int ms);
/* A wait for "nothing happens", scaled for slow wrappers. */
int quiet_ms(int ms);
/* An integer from the environment, @def when unset or empty. */
int env_int(const char *name, int def);
/* "GET_VALUE", ... for a request type. */
const char *type_name(uint16_t type);

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
 * environment; it may redirect stdout again).
 */
pid_t daemon_spawn_with(struct daemon *d, const char *const *args,
			void (*child_setup)(void *arg), void *arg);

/* Spawns the daemon with @args and waits for its d->count sockets. */
void daemon_spawn_wait(struct daemon *d, const char *const *args);

/* Starts a daemon serving @count sockets with @list, waits for them. */
void daemon_start(struct daemon *d, unsigned int count, const char *list);

/* Prints the daemon's output to stderr, headed by @why. */
void print_log(const struct daemon *d, const char *why);

bool daemon_alive(struct daemon *d);
/* Waits for the daemon to exit; returns false on timeout. */
bool daemon_wait_exit(struct daemon *d, int timeout_ms);
void daemon_kill(struct daemon *d);
bool socket_exists(const struct daemon *d, unsigned int i);

/*
 * SIGTERM, then checks: exited by itself with status 0, and every socket
 * file (and simulated-chip control socket) removed.  Returns a description
 * of the first problem (in @why), or NULL.
 */
const char *daemon_stop(struct daemon *d, char *why, size_t len);

/* Removes whatever the daemon left, its directory and its log. */
void daemon_remove_files(struct daemon *d);

/* Number of entries in @dir, -1 if it cannot be read. */
int dir_entries(const char *dir);

/* ---- /proc ---- */

/* Lines of the daemon's log that contain @text (valgrind's excluded). */
int daemon_log_count(const struct daemon *d, const char *text);
/* Whether a line with @text is in the daemon's log within @timeout_ms. */
bool daemon_log_wait(const struct daemon *d, const char *text, int timeout_ms);

int proc_fd_count(pid_t pid);
/* Threads of @pid (entries of /proc/PID/task), or -1. */
int proc_thread_count(pid_t pid);
long proc_rss_kb(pid_t pid);
/* Waits until @pid has exactly @want fds open; returns the last count. */
int wait_fd_count(pid_t pid, int want, int timeout_ms);

/* ---- the cmocka fixture ---- */

struct fx {
	struct daemon d;
	bool have_daemon;
	struct vmm *v[MAX_VMMS];
	int fds[MAX_FX_FDS]; /* the test's own fds, closed by teardown; -1 */
};

/* An empty fixture (no daemon, no vmm, fds -1). */
struct fx *fx_new(void);

/* Setup: a daemon serving @count sockets with device list @list. */
int setup_with(void **state, unsigned int count, const char *list);

/*
 * Frees the vmms, closes fx->fds, then stops the daemon (daemon_stop) and
 * fails if it was not alive or did not exit cleanly.
 */
int teardown(void **state);

/* A vmm in slot @slot (replacing any), with @opts (NULL: defaults). */
struct vmm *fx_vmm(struct fx *fx, unsigned int slot,
		   const struct vmm_options *opts);
void fx_connect(struct fx *fx, struct vmm *v, unsigned int sock);
/* Connects @v to socket @sock and negotiates with @nopts (NULL: defaults). */
void fx_session(struct fx *fx, struct vmm *v, unsigned int sock,
		const struct vmm_negotiate_options *nopts);
/* A fresh vmm in slot @slot, connected and negotiated with defaults. */
struct vmm *fx_default_session(struct fx *fx, unsigned int slot,
			       unsigned int sock);

/* ---- GPIO request checks ---- */

/* One request; fails unless status, value and used length 2 are as given. */
void req_expect(struct vmm *v, uint16_t type, uint16_t gpio, uint32_t value,
		uint8_t want_status, uint8_t want_value, int line);

#define REQ_OK(v, type, gpio, value, want) \
	req_expect(v, type, gpio, value, VIRTIO_GPIO_STATUS_OK, want, __LINE__)
#define REQ_ERR(v, type, gpio, value) \
	req_expect(v, type, gpio, value, VIRTIO_GPIO_STATUS_ERR, 0, __LINE__)

#define GET_DIR	 VIRTIO_GPIO_MSG_GET_DIRECTION
#define SET_DIR	 VIRTIO_GPIO_MSG_SET_DIRECTION
#define GET_VAL	 VIRTIO_GPIO_MSG_GET_VALUE
#define SET_VAL	 VIRTIO_GPIO_MSG_SET_VALUE
#define DIR_NONE VIRTIO_GPIO_DIRECTION_NONE
#define DIR_OUT	 VIRTIO_GPIO_DIRECTION_OUT
#define DIR_IN	 VIRTIO_GPIO_DIRECTION_IN

#endif
