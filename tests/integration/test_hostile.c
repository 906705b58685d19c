// SPDX-License-Identifier: MIT
/*
 * One front-end must never hurt another.  The real daemon (argv[1]) serves
 * two simulated chips (-c 2 -l s8:s8); a healthy VMM keeps a session on
 * socket 1 while a hostile one does its worst on socket 0: file descriptors
 * of every kind where an eventfd or a memory file belongs, guest memory
 * truncated under the daemon, a kick fd that stays readable for ever, a
 * call fd that would block, a message trickled a byte at a time.  After
 * each attack the healthy device answers within a second, the daemon's CPU
 * is idle, and at the end its fds and RSS are back at their baseline and
 * SIGTERM ends it (the fixture's teardown: exit 0 within 5 s).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fixture.h"
#include "unit_helpers.h"

#define HOSTILE_SOCK 0
#define HEALTHY_SOCK 1
/* The healthy device's answer, unscaled: within a second, as promised. */
#define ANSWER_MS 1000
/* CPU the daemon may use in an idle window: a spinning thread uses all. */
#define IDLE_WINDOW_MS 100

/* ------------------------------------------------------------------ */
/* Measuring the daemon                                                 */
/* ------------------------------------------------------------------ */

/* The daemon burns less than half of a short window: nothing spins. */
static void expect_idle_at(struct fx *fx, const char *what, int line)
{
	long before = proc_cpu_ms(fx->d.pid), used;

	sleep_ms(IDLE_WINDOW_MS);
	used = proc_cpu_ms(fx->d.pid) - before;
	if (before < 0 || used > IDLE_WINDOW_MS / 2)
		fail_msg("line %d: %s: the daemon used %ld ms of CPU in %d ms",
			 line, what, used, IDLE_WINDOW_MS);
}

#define EXPECT_IDLE(fx, what) expect_idle_at(fx, what, __LINE__)

/* The healthy device answers a request within a second. */
static void expect_healthy_at(struct vmm *healthy, const char *what, int line)
{
	struct vmm_gpio_res res = {0};
	int ret;

	vmm_set_timeout(healthy, ANSWER_MS);
	ret = vmm_gpio_request(healthy, GET_DIR, 3, 0, &res);
	if (ret || res.status != VIRTIO_GPIO_STATUS_OK || res.used_len != 2)
		fail_msg("line %d: %s: the other device did not answer within "
			 "%d ms (%d, status %u, used length %u)",
			 line, what, ANSWER_MS, ret, res.status, res.used_len);
}

#define EXPECT_HEALTHY(v, what) expect_healthy_at(v, what, __LINE__)

/*
 * A round trip on the hostile connection, if the daemon kept it: when the
 * reply comes, its thread has handled everything sent before.
 */
static void settle(struct vmm *v)
{
	uint64_t num;

	if (vmm_connected(v) && vmm_get_queue_num(v, &num) < 0)
		vmm_disconnect(v);
}

/* ------------------------------------------------------------------ */
/* Descriptors of every kind                                            */
/* ------------------------------------------------------------------ */

enum fd_kind {
	FD_EVENTFD,
	FD_EVENTFD_NONBLOCK,
	FD_EVENTFD_AT_LIMIT,  /* blocking, counter 2^64 - 2: a write blocks */
	FD_EVENTFD_SEMAPHORE, /* readable whatever is read from it */
	FD_PIPE_READ_EMPTY,   /* a read would block */
	FD_PIPE_READ_FULL,    /* readable for ever */
	FD_PIPE_WRITE_EMPTY,
	FD_PIPE_WRITE_FULL,  /* a write would block */
	FD_SOCKET_LISTENING, /* with a connection pending: read is EINVAL */
	FD_SOCKET_CONNECTED,
	FD_REGULAR_FILE,
	FD_DIRECTORY,
	FD_DEV_NULL,
	FD_O_PATH,
	FD_MEMFD,
	FD_MEMFD_SEALED,
	FD_KINDS,
};

static const char *const fd_kind_names[FD_KINDS] = {
	[FD_EVENTFD] = "blocking eventfd",
	[FD_EVENTFD_NONBLOCK] = "non-blocking eventfd",
	[FD_EVENTFD_AT_LIMIT] = "blocking eventfd at its limit",
	[FD_EVENTFD_SEMAPHORE] = "semaphore eventfd with a huge count",
	[FD_PIPE_READ_EMPTY] = "read end of an empty pipe",
	[FD_PIPE_READ_FULL] = "read end of a full pipe",
	[FD_PIPE_WRITE_EMPTY] = "write end of an empty pipe",
	[FD_PIPE_WRITE_FULL] = "write end of a full pipe",
	[FD_SOCKET_LISTENING] = "listening socket with a pending connection",
	[FD_SOCKET_CONNECTED] = "connected socket",
	[FD_REGULAR_FILE] = "regular file",
	[FD_DIRECTORY] = "directory",
	[FD_DEV_NULL] = "/dev/null",
	[FD_O_PATH] = "O_PATH descriptor",
	[FD_MEMFD] = "memfd",
	[FD_MEMFD_SEALED] = "sealed memfd",
};

/* A descriptor of @kind, and the ones that keep it in that state. */
struct hostile_fd {
	int fd;	       /* the one sent */
	int keep[2];   /* the other end of a pipe or socket, or -1 */
	int write_end; /* where a kick can be written, or -1 */
};

static void hostile_fd_close(struct hostile_fd *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->keep[0] >= 0)
		close(h->keep[0]);
	if (h->keep[1] >= 0)
		close(h->keep[1]);
	h->fd = h->keep[0] = h->keep[1] = h->write_end = -1;
}

static void fill_pipe(int write_end)
{
	int size = fcntl(write_end, F_GETPIPE_SZ);
	char *buf;

	assert_true(size > 0);
	buf = calloc(1, (size_t)size);
	assert_non_null(buf);
	/* Exactly its capacity: the write completes and the pipe is full. */
	assert_int_equal(write(write_end, buf, (size_t)size), size);
	free(buf);
}

static void hostile_fd_make(struct fx *fx, enum fd_kind kind,
			    struct hostile_fd *h)
{
	const uint64_t at_limit = UINT64_MAX - 1;
	char path[128];
	int p[2];

	h->fd = h->keep[0] = h->keep[1] = h->write_end = -1;
	switch (kind) {
	case FD_EVENTFD:
	case FD_EVENTFD_NONBLOCK:
		h->fd = eventfd(0, EFD_CLOEXEC | (kind == FD_EVENTFD_NONBLOCK
							  ? EFD_NONBLOCK
							  : 0));
		h->write_end = h->fd;
		break;
	case FD_EVENTFD_AT_LIMIT:
		h->fd = eventfd(0, EFD_CLOEXEC);
		assert_int_equal(write(h->fd, &at_limit, 8), 8);
		break;
	case FD_EVENTFD_SEMAPHORE:
		h->fd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
		assert_int_equal(write(h->fd, &at_limit, 8), 8);
		break;
	case FD_PIPE_READ_EMPTY:
	case FD_PIPE_READ_FULL:
	case FD_PIPE_WRITE_EMPTY:
	case FD_PIPE_WRITE_FULL:
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		if (kind == FD_PIPE_READ_FULL || kind == FD_PIPE_WRITE_FULL)
			fill_pipe(p[1]);
		if (kind == FD_PIPE_READ_EMPTY || kind == FD_PIPE_READ_FULL) {
			h->fd = p[0];
			h->keep[0] = p[1];
		} else {
			h->fd = p[1];
			h->keep[0] = p[0];
		}
		break;
	case FD_SOCKET_LISTENING:
		snprintf(path, sizeof(path), "%s/hostile-listener", fx->d.dir);
		h->fd = unit_socket_at(SOCK_STREAM, path, 4);
		assert_true(h->fd >= 0);
		h->keep[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		/* Pending, never accepted: the listener stays readable. */
		assert_int_equal(unit_connect(h->keep[0], path), 0);
		unlink(path);
		break;
	case FD_SOCKET_CONNECTED:
		assert_int_equal(
			socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p),
			0);
		h->fd = p[0];
		h->keep[0] = p[1];
		h->write_end = p[1];
		break;
	case FD_REGULAR_FILE:
		snprintf(path, sizeof(path), "%s/hostile-file", fx->d.dir);
		h->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		assert_int_equal(ftruncate(h->fd, 1 << 20), 0);
		unlink(path);
		break;
	case FD_DIRECTORY:
		h->fd = open(fx->d.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	case FD_DEV_NULL:
		h->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		break;
	case FD_O_PATH:
		h->fd = open(fx->d.dir, O_PATH | O_CLOEXEC);
		break;
	case FD_MEMFD:
	case FD_MEMFD_SEALED:
		h->fd = memfd_create("hostile",
				     MFD_CLOEXEC | (kind == FD_MEMFD_SEALED
							    ? MFD_ALLOW_SEALING
							    : 0));
		assert_int_equal(ftruncate(h->fd, 4096), 0);
		if (kind == FD_MEMFD_SEALED)
			assert_int_equal(fcntl(h->fd, F_ADD_SEALS,
					       F_SEAL_SHRINK | F_SEAL_GROW |
						       F_SEAL_SEAL),
					 0);
		break;
	case FD_KINDS:
		break;
	}
	if (h->fd < 0)
		fail_msg("cannot make a %s: %s", fd_kind_names[kind],
			 strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Messages that carry descriptors                                      */
/* ------------------------------------------------------------------ */

/* The messages tried, each with the fd kinds in place of its own. */
#define FD_MESSAGE_LIST(X)                                               \
	X(SET_MEM_TABLE)                                                 \
	X(ADD_MEM_REG)                                                   \
	X(REM_MEM_REG)                                                   \
	X(SET_VRING_KICK)                                                \
	X(SET_VRING_CALL)                                                \
	X(SET_VRING_ERR)                                                 \
	X(SET_LOG_FD)	      /* not supported: the fd is just closed */ \
	X(SET_BACKEND_REQ_FD) /* not offered: the same */

#define FD_MESSAGE_ENUM(name) MSG_##name,
#define FD_MESSAGE_NAME(name) [MSG_##name] = #name,

enum fd_message { FD_MESSAGE_LIST(FD_MESSAGE_ENUM) FD_MESSAGES };

static const char *const fd_message_names[FD_MESSAGES] = {
	FD_MESSAGE_LIST(FD_MESSAGE_NAME)};

/*
 * Sends @msg with @fd in place of what belongs there, on a negotiated
 * session (memory regions as the vmm made them), asking for an ack.  The
 * daemon may refuse with an ack or close the connection: either is fine,
 * what matters is what happens to everyone else.
 */
static void send_with_fd(struct vmm *v, enum fd_message msg, int fd)
{
	struct vmm_vu_mem_table table = {.nregions = 1};
	struct vmm_vu_single_region single = {0};
	uint64_t u64 = 0;

	OK(vmm_region(v, 0, &table.regions[0]));
	single.region = table.regions[0];
	switch (msg) {
	case MSG_SET_MEM_TABLE:
		vmm_request(v, VMM_VU_SET_MEM_TABLE, &table, 8 + 32, &fd, 1,
			    true);
		break;
	case MSG_ADD_MEM_REG:
		/* A second region just above the first one. */
		single.region.gpa += single.region.size;
		single.region.uva += single.region.size;
		vmm_request(v, VMM_VU_ADD_MEM_REG, &single, sizeof(single), &fd,
			    1, true);
		break;
	case MSG_REM_MEM_REG:
		vmm_request(v, VMM_VU_REM_MEM_REG, &single, sizeof(single), &fd,
			    1, true);
		break;
	case MSG_SET_VRING_KICK:
		vmm_set_vring_kick(v, 0, fd);
		break;
	case MSG_SET_VRING_CALL:
		vmm_set_vring_call(v, 0, fd);
		break;
	case MSG_SET_VRING_ERR:
		vmm_set_vring_err(v, 0, fd);
		break;
	case MSG_SET_LOG_FD:
		vmm_request(v, VMM_VU_SET_LOG_FD, NULL, 0, &fd, 1, true);
		break;
	case MSG_SET_BACKEND_REQ_FD:
		vmm_request(v, VMM_VU_SET_BACKEND_REQ_FD, &u64, 0, &fd, 1,
			    true);
		break;
	case FD_MESSAGES:
		break;
	}
}

/*
 * What the hostile front-end does next to make the daemon use the fd: a
 * kick through it (if it can be written), a kick through its own kick fd,
 * and a request, whose reply makes the daemon write the call fd.  Nothing
 * here waits for more than a moment: the session may be broken.
 */
static void use_the_fd(struct vmm *v, const struct hostile_fd *h)
{
	const uint64_t one = 1;
	struct vmm_gpio_res res;

	if (h->write_end >= 0 && write(h->write_end, &one, 8) < 0)
		print_message("# kick through the fd: %s\n", strerror(errno));
	if (!vmm_connected(v))
		return;
	vmm_set_timeout(v, 50);
	vmm_queue_kick_force(v, 0);
	vmm_gpio_request(v, GET_VAL, 0, 0, &res);
	vmm_set_timeout(v, 5000 * g_scale);
}

static int setup_two(void **state)
{
	return setup_with(state, 2, "s8:s8");
}

/* The healthy front-end, in slot 1: a negotiated session on socket 1. */
static struct vmm *healthy_session(struct fx *fx)
{
	struct vmm *healthy = fx_default_session(fx, 1, HEALTHY_SOCK);

	EXPECT_HEALTHY(healthy, "before anything");
	return healthy;
}

/*
 * Every message that carries fds, with every kind of fd, each time from a
 * fresh session on socket 0.
 */
static void test_hostile_fd_matrix(void **state)
{
	struct fx *fx = *state;
	struct vmm *healthy = healthy_session(fx);
	long base_rss, rss, slack = env_int("VDG_RSS_SLACK_KB", 2048);
	int base_fds, fds;
	unsigned int m, k;
	char what[160];

	base_fds = proc_fd_count(fx->d.pid);
	base_rss = proc_status(fx->d.pid, "VmRSS");
	for (m = 0; m < FD_MESSAGES; m++) {
		for (k = 0; k < FD_KINDS; k++) {
			struct vmm *v = fx_vmm(fx, 0, NULL);
			struct hostile_fd h;

			snprintf(what, sizeof(what), "%s with a %s",
				 fd_message_names[m], fd_kind_names[k]);
			hostile_fd_make(fx, k, &h);
			fx_session(fx, v, HOSTILE_SOCK, NULL);
			send_with_fd(v, m, h.fd);
			use_the_fd(v, &h);
			settle(v);
			EXPECT_HEALTHY(healthy, what);
			EXPECT_IDLE(fx, what);
			vmm_disconnect(v);
			hostile_fd_close(&h);
		}
	}
	/* The hostile sessions are over: nothing of theirs is left. */
	fds = EXPECT_FDS(fx, base_fds, 2000 * g_scale, "the matrix");
	rss = proc_status(fx->d.pid, "VmRSS");
	if (rss > base_rss + slack && daemon_rss_is_meaningful(&fx->d))
		fail_msg("daemon RSS: %ld kB before the matrix, %ld kB after "
			 "(slack %ld kB)",
			 base_rss, rss, slack);
	print_message("# %u cases; daemon fds %d -> %d, RSS %ld -> %ld kB\n",
		      FD_MESSAGES * FD_KINDS, base_fds, fds, base_rss, rss);
	EXPECT_HEALTHY(healthy, "after the matrix");
}

/*
 * The front-end truncates its guest memory file under the daemon and kicks:
 * the daemon's next look at the ring would die of SIGBUS.  It closes that
 * connection instead and serves the other device and the next front-end.
 */
static void test_truncated_guest_memory(void **state)
{
	struct fx *fx = *state;
	struct vmm *healthy = healthy_session(fx);
	struct vmm *v = fx_default_session(fx, 0, HOSTILE_SOCK);

	REQ_OK(v, GET_DIR, 0, 0, DIR_IN);
	/* From here on the test must not touch v's memory either. */
	assert_int_equal(ftruncate(vmm_mem_fd(v), 0), 0);
	OK(vmm_queue_kick_force(v, 0));
	EXPECT_RET(vmm_wait_closed(v, 5000 * g_scale, NULL), 0);
	assert_true(daemon_log_wait(&fx->d, "truncated a guest memory file",
				    2000 * g_scale));
	EXPECT_HEALTHY(healthy, "after the truncation");
	EXPECT_IDLE(fx, "after the truncation");
	/* The socket takes the next front-end. */
	v = fx_default_session(fx, 0, HOSTILE_SOCK);
	REQ_OK(v, GET_DIR, 0, 0, DIR_IN);
}

/*
 * A call fd whose write would block for ever (a blocking eventfd at its
 * limit): the reply still lands in the used ring, the daemon never waits
 * on it, and SIGTERM still ends it (teardown).
 */
static void test_call_fd_at_limit_never_blocks(void **state)
{
	struct fx *fx = *state;
	struct vmm *healthy = healthy_session(fx);
	struct vmm *v = fx_default_session(fx, 0, HOSTILE_SOCK);
	struct hostile_fd h;
	uint16_t used_before;
	struct vmm_gpio_res res;
	unsigned int i;

	hostile_fd_make(fx, FD_EVENTFD_AT_LIMIT, &h);
	OK(vmm_set_vring_call(v, 0, h.fd));
	used_before = vmm_queue_device_used_idx(v, 0);
	vmm_set_timeout(v, 20);
	/* The vmm waits on its own call fd, which the daemon no longer has. */
	for (i = 0; i < 4; i++)
		vmm_gpio_request(v, GET_VAL, 0, 0, &res);
	settle(v);
	assert_int_equal(
		(uint16_t)(vmm_queue_device_used_idx(v, 0) - used_before), 4);
	EXPECT_HEALTHY(healthy, "call fd at its limit");
	EXPECT_IDLE(fx, "call fd at its limit");
	hostile_fd_close(&h);
}

/*
 * A kick fd that never stops being readable (a semaphore eventfd counting
 * down from 2^64 - 2) must not spin the daemon.
 */
static void test_semaphore_kick_fd_does_not_spin(void **state)
{
	struct fx *fx = *state;
	struct vmm *healthy = healthy_session(fx);
	struct vmm *v = fx_default_session(fx, 0, HOSTILE_SOCK);
	struct hostile_fd h;

	hostile_fd_make(fx, FD_EVENTFD_SEMAPHORE, &h);
	OK(vmm_set_vring_kick(v, 0, h.fd));
	settle(v);
	EXPECT_IDLE(fx, "semaphore kick fd");
	EXPECT_IDLE(fx, "semaphore kick fd, later");
	EXPECT_HEALTHY(healthy, "semaphore kick fd");
	hostile_fd_close(&h);
}

/*
 * A front-end that sends its messages a byte at a time, slowly: the same
 * device's control socket keeps answering at once meanwhile (the thread
 * never waits for the rest of a message), and the messages are handled
 * when complete.
 */
static void test_trickling_front_end_starves_nothing(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	uint32_t msg[3] = {VMM_VU_GET_QUEUE_NUM, VMM_VU_VERSION, 0};
	const uint8_t *bytes = (const uint8_t *)msg;
	struct vmm_vu_msg reply;
	unsigned int gets = 0, replies = 0, i;
	struct ctl c;
	int64_t end;

	fx_connect(fx, v, HOSTILE_SOCK);
	ctl_open(fx, HOSTILE_SOCK, &c);
	/* Three messages of 12 bytes, one byte every 40 ms: about 1.4 s. */
	for (i = 0; i < 3 * sizeof(msg); i++) {
		OK(vmm_send_bytes(v, bytes + i % sizeof(msg), 1, NULL, 0));
		end = now_ms() + 40;
		while (now_ms() < end) {
			CTL_EXPECT(&c, "get 1", "1 in 0");
			gets++;
		}
		if ((i + 1) % sizeof(msg) == 0) {
			OK(vmm_recv(v, &reply, NULL, NULL));
			assert_int_equal(reply.hdr.request,
					 VMM_VU_GET_QUEUE_NUM);
			replies++;
		}
	}
	ctl_close(fx, &c);
	print_message("# %u control gets answered while %u messages "
		      "trickled in\n",
		      gets, replies);
	assert_int_equal(replies, 3);
	/* A thread that waited for each message would answer a handful. */
	assert_true(gets >= 100);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_two, teardown)

static const struct CMUnitTest tests[] = {
	T(test_hostile_fd_matrix),
	T(test_truncated_guest_memory),
	T(test_call_fd_at_limit_never_blocks),
	T(test_semaphore_kick_fd_does_not_spin),
	T(test_trickling_front_end_starves_nothing),
};

FIXTURE_MAIN("DAEMON-BINARY", "hostile", tests)
