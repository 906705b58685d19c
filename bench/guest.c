// SPDX-License-Identifier: MIT
/*
 * Figures measured from inside a guest: request round trip, throughput with
 * a full ring, interrupt latency.  The VMM and driver side is tests/vmm.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon.h"
#include "figures.h"
#include "guest.h"
#include "pingpong.h"
#include "run.h"

#define WAIT_MS			 5000
#define REQUESTQ		 0
#define EVENTQ			 1
#define IRQ_LINE		 0
#define THROUGHPUT_WINDOWS_FULL	 20
#define THROUGHPUT_WINDOWS_QUICK 5
#define FILL_BYTE		 0xee

/* ---- the guest ---- */

int guest_open(struct guest *g, const char *path,
	       const struct guest_options *opts)
{
	struct vmm_negotiate_options no;
	struct vmm_options vo;
	struct virtio_gpio_config config;
	unsigned int i, q, nq;
	uint64_t gpa;
	void *p;
	int ret;

	memset(g, 0, sizeof(*g));
	g->epfd = -1;
	vmm_options_init(&vo);
	vo.mem_size = opts->mem_size ? opts->mem_size : 1u << 20;
	vo.timeout_ms = WAIT_MS;
	ret = vmm_new(&vo, &g->vmm);
	if (ret < 0)
		return ret;
	ret = vmm_connect(g->vmm, path, WAIT_MS);
	if (ret < 0)
		goto err;
	/* Probe first: the eventq is set up only when F_IRQ is offered. */
	ret = vmm_get_features(g->vmm, &g->offered);
	if (ret < 0)
		goto err;

	vmm_negotiate_options_init(&no);
	no.features =
		VMM_BIT(VMM_F_VERSION_1) | VMM_BIT(VMM_F_PROTOCOL_FEATURES);
	if (opts->event_idx)
		no.features |= VMM_BIT(VMM_F_EVENT_IDX);
	/* As Linux: two-buffer requests go in an indirect table if offered. */
	g->indirect = g->offered & VMM_BIT(VMM_F_INDIRECT_DESC);
	if (g->indirect)
		no.features |= VMM_BIT(VMM_F_INDIRECT_DESC);
	g->irq = opts->want_irq && (g->offered & VMM_BIT(VMM_F_GPIO_IRQ));
	if (g->irq)
		no.features |= VMM_BIT(VMM_F_GPIO_IRQ);
	no.nqueues = g->irq ? 2 : 1;
	no.queue.size = GUEST_QUEUE_SIZE;
	no.queue.indirect = g->indirect;
	no.queue.indirect_max = 2;
	ret = vmm_negotiate(g->vmm, &no);
	if (ret < 0)
		goto err;
	vmm_gpio_config(g->vmm, &config);
	g->ngpio = le16toh(config.ngpio);
	if (!g->ngpio) {
		ret = -EPROTO;
		goto err;
	}

	g->capacity = g->indirect ? GUEST_QUEUE_SIZE : GUEST_QUEUE_SIZE / 2;
	ret = vmm_mem_alloc(g->vmm, sizeof(*g->req) * g->capacity, 8, &gpa, &p);
	if (ret < 0)
		goto err;
	g->req = p;
	g->req_sg = calloc(g->capacity, sizeof(*g->req_sg));
	g->resp_sg = calloc(g->capacity, sizeof(*g->resp_sg));
	if (!g->req_sg || !g->resp_sg) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < g->capacity; i++) {
		g->req_sg[i].gpa = gpa + sizeof(*g->req) * i;
		g->req_sg[i].len = sizeof(*g->req);
	}
	ret = vmm_mem_alloc(g->vmm, (uint64_t)GUEST_RESP_STRIDE * g->capacity,
			    8, &gpa, &p);
	if (ret < 0)
		goto err;
	g->resp = p;
	for (i = 0; i < g->capacity; i++) {
		g->resp_sg[i].gpa = gpa + (uint64_t)GUEST_RESP_STRIDE * i;
		g->resp_sg[i].len = sizeof(struct virtio_gpio_response);
	}
	for (i = 0; i < GUEST_QUEUE_SIZE; i++)
		g->slot_of_head[i] = -1;

	if (g->irq) {
		uint64_t gpio_gpa, status_gpa;

		ret = vmm_mem_alloc(g->vmm, 2 * GUEST_MAX_PAIRS, 8, &gpio_gpa,
				    &p);
		if (ret < 0)
			goto err;
		g->ev_gpio = p;
		ret = vmm_mem_alloc(g->vmm, GUEST_MAX_PAIRS, 8, &status_gpa,
				    &p);
		if (ret < 0)
			goto err;
		g->ev_status = p;
		for (i = 0; i < GUEST_MAX_PAIRS; i++) {
			g->ev_out[i].gpa = gpio_gpa + 2 * i;
			g->ev_out[i].len = 2;
			g->ev_in[i].gpa = status_gpa + i;
			g->ev_in[i].len = 1;
		}
	}

	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0) {
		ret = -errno;
		goto err;
	}
	nq = g->irq ? 2 : 1;
	for (q = 0; q < VMM_MAX_QUEUES; q++)
		g->call_fd[q] = -1;
	for (q = 0; q < nq; q++) {
		struct vmm_ring_view view;
		struct epoll_event ev = {.events = EPOLLIN};

		ret = vmm_queue_view(g->vmm, q, &view);
		if (ret < 0)
			goto err;
		g->call_fd[q] = view.call_fd;
		ev.data.u32 = q;
		if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, view.call_fd, &ev) < 0) {
			ret = -errno;
			goto err;
		}
	}
	return 0;
err:
	guest_close(g);
	return ret;
}

void guest_close(struct guest *g)
{
	if (g->epfd >= 0)
		close(g->epfd);
	vmm_free(g->vmm);
	free(g->req_sg);
	free(g->resp_sg);
	memset(g, 0, sizeof(*g));
	g->epfd = -1;
}

static bool used_pending(struct guest *g, unsigned int q)
{
	return vmm_queue_device_used_idx(g->vmm, q) !=
	       vmm_queue_last_used(g->vmm, q);
}

int guest_wait_used(struct guest *g, unsigned int q, int timeout_ms)
{
	struct epoll_event ev[VMM_MAX_QUEUES];
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	uint64_t v;
	int n, i;

	for (;;) {
		n = epoll_wait(g->epfd, ev, VMM_MAX_QUEUES, timeout_ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++)
			if (read(g->call_fd[ev[i].data.u32], &v, sizeof(v)) <
				    0 &&
			    errno != EAGAIN)
				return -errno;
		if (used_pending(g, q))
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
	}
}

int guest_request(struct guest *g, uint16_t type, uint16_t gpio, uint32_t value)
{
	struct vmm_gpio_res res;
	uint64_t v;
	int ret;

	ret = vmm_gpio_request(g->vmm, type, gpio, value, &res);
	/* The helper waits its own way: leave no stale call behind. */
	if (g->call_fd[REQUESTQ] >= 0)
		while (read(g->call_fd[REQUESTQ], &v, sizeof(v)) > 0)
			;
	if (ret < 0)
		return ret;
	if (res.used_len != 2)
		return -EPROTO;
	return res.status == VIRTIO_GPIO_STATUS_OK ? 0 : -EREMOTEIO;
}

int guest_add_pair(struct guest *g, unsigned int i, uint16_t gpio)
{
	if (!g->irq || i >= GUEST_MAX_PAIRS)
		return -EINVAL;
	g->ev_gpio[i] = htole16(gpio);
	g->ev_status[i] = FILL_BYTE;
	return vmm_queue_add(g->vmm, EVENTQ, &g->ev_out[i], 1, &g->ev_in[i], 1,
			     VMM_CHAIN_DEFAULT, NULL);
}

/* Adds request slot @slot to the requestq (no kick). */
static inline int add_slot(struct guest *g, unsigned int slot)
{
	uint16_t head;
	int ret;

	g->resp[(size_t)slot * GUEST_RESP_STRIDE] = FILL_BYTE;
	ret = vmm_queue_add(g->vmm, REQUESTQ, &g->req_sg[slot], 1,
			    &g->resp_sg[slot], 1, VMM_CHAIN_DEFAULT, &head);
	if (ret == 0)
		g->slot_of_head[head] = (int16_t)slot;
	return ret;
}

static void fill_requests(struct guest *g, uint16_t type)
{
	unsigned int i;

	for (i = 0; i < g->capacity; i++) {
		g->req[i].type = htole16(type);
		g->req[i].gpio = htole16((uint16_t)(i % g->ngpio));
		g->req[i].value = htole32((i / g->ngpio) & 1);
	}
}

static const char *err_text(int ret)
{
	return strerror(ret < 0 ? -ret : ret);
}

/* ---- request round trip ---- */

/*
 * One GET_VALUE in slot 0 (set up by fill_requests): add, kick, sleep in
 * epoll until the call, take the used entry.  Nothing is allocated.
 */
static int request_once(struct guest *g)
{
	struct vmm_used u;
	int ret;

	ret = add_slot(g, 0);
	if (ret < 0)
		return ret;
	ret = vmm_queue_kick(g->vmm, REQUESTQ);
	if (ret < 0)
		return ret;
	ret = guest_wait_used(g, REQUESTQ, WAIT_MS);
	if (ret < 0)
		return ret;
	ret = vmm_queue_pop_used(g->vmm, REQUESTQ, &u);
	if (ret != 1)
		return ret < 0 ? ret : -EPROTO;
	g->slot_of_head[u.id] = -1;
	if (u.len != 2 || g->resp[0] != VIRTIO_GPIO_STATUS_OK)
		return -EREMOTEIO;
	return 0;
}

/*
 * The baseline samples gathered next to one pinning's latency figures:
 * before each block of round trips (or interrupts), a block of as many
 * eventfd round trips, so slow drifts of the machine hit both alike.
 */
struct baseline {
	struct pingpong pp;
	bool running;
	uint64_t *samples;
	size_t n, cap;
	int error;
};

#define BLOCKS	   10 /* blocks per latency figure */
#define BLOCK_WARM 2  /* round trips before each block, not recorded */

static int baseline_open(struct baseline *bl, int child_cpu, size_t cap)
{
	memset(bl, 0, sizeof(*bl));
	bl->samples = calloc(cap, sizeof(*bl->samples));
	if (!bl->samples)
		return -ENOMEM;
	bl->cap = cap;
	bl->error = pingpong_start(&bl->pp, child_cpu);
	bl->running = bl->error == 0;
	return bl->error;
}

static void baseline_block(struct baseline *bl, unsigned int n)
{
	int ret;

	if (!bl || !bl->running || bl->n + n > bl->cap)
		return;
	ret = pingpong_run(&bl->pp, bl->samples + bl->n, n, BLOCK_WARM);
	if (ret < 0) {
		bl->error = ret;
		pingpong_stop(&bl->pp);
		bl->running = false;
		return;
	}
	bl->n += n;
}

static void baseline_close(struct baseline *bl, struct figures *set,
			   const char *name)
{
	if (bl->running)
		pingpong_stop(&bl->pp);
	if (bl->n) {
		figure_from_ns(set, name, "us", bl->samples, bl->n, 1000.0);
		figure_note(set, name,
			    "interleaved in blocks with the figures it is "
			    "compared with");
		if (bl->error)
			figure_note(set, name, "stopped early: %s",
				    err_text(bl->error));
	} else if (bl->error) {
		figure_set_missing(set, name, "us", "ping-pong failed: %s",
				   err_text(bl->error));
	}
	free(bl->samples);
	memset(bl, 0, sizeof(*bl));
}

void request_rtt(struct guest *g, struct daemon *d, struct figures *set,
		 const char *name, const char *cpu_name, struct baseline *bl)
{
	unsigned int per = (cfg.latency_iters + BLOCKS - 1) / BLOCKS;
	unsigned int total = per * BLOCKS, i = 0, b, got = 0;
	uint64_t *samples = calloc(total, sizeof(*samples));
	int64_t cpu_ns = 0;
	bool cpu_ok = true;
	int ret = 0;

	if (!samples) {
		figure_set_missing(set, name, "us", "out of memory");
		return;
	}
	fill_requests(g, VIRTIO_GPIO_MSG_GET_VALUE);
	for (b = 0; b < BLOCKS && ret == 0; b++) {
		int64_t cpu0, cpu1;

		baseline_block(bl, per);
		for (i = 0; i < BLOCK_WARM && ret == 0; i++)
			ret = request_once(g);
		cpu0 = proc_cpu_ns(d->pid);
		for (i = 0; i < per && ret == 0; i++) {
			int64_t t0, t1;

			t0 = now_ns();
			ret = request_once(g);
			t1 = now_ns();
			samples[got++] = (uint64_t)(t1 - t0);
		}
		cpu1 = proc_cpu_ns(d->pid);
		if (cpu0 >= 0 && cpu1 >= cpu0)
			cpu_ns += cpu1 - cpu0;
		else
			cpu_ok = false;
	}
	if (ret < 0) {
		bench_failures++;
		figure_set_missing(set, name, "us",
				   "failed after %u round trips: %s", got,
				   err_text(ret));
		figure_set_missing(set, cpu_name, "us", "see %s", name);
	} else {
		figure_from_ns(set, name, "us", samples, got, 1000.0);
		if (cpu_ok)
			figure_set_value(set, cpu_name, "us",
					 (double)cpu_ns / got / 1000.0);
		else
			figure_set_missing(set, cpu_name, "us",
					   "no /proc/PID/task/*/schedstat");
	}
	free(samples);
}

/* ---- throughput ---- */

int throughput(struct guest *g, struct daemon *d, uint16_t type,
	       struct throughput_result *r)
{
	unsigned int nwin =
		cfg.quick ? THROUGHPUT_WINDOWS_QUICK : THROUGHPUT_WINDOWS_FULL;
	int64_t win_ns = (int64_t)(cfg.throughput_seconds * 1e9 / nwin);
	uint64_t done = 0, win_done = 0;
	int64_t win_start, cpu0, cpu1, now;
	bool is_set = type == VIRTIO_GPIO_MSG_SET_VALUE;
	unsigned int i, win = 0;
	bool warm = true;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	fill_requests(g, type);
	for (i = 0; i < g->capacity && ret == 0; i++)
		ret = add_slot(g, i);
	if (ret < 0)
		return ret;
	ret = vmm_queue_kick(g->vmm, REQUESTQ);
	if (ret < 0)
		return ret;
	r->kicks += ret;

	cpu0 = proc_cpu_ns(d->pid);
	win_start = now_ns();
	/* The first window warms up and is not counted. */
	while (win < nwin) {
		struct vmm_used u;
		unsigned int k = 0;

		ret = guest_wait_used(g, REQUESTQ, WAIT_MS);
		if (ret < 0)
			break;
		r->wakeups++;
		while ((ret = vmm_queue_pop_used(g->vmm, REQUESTQ, &u)) == 1) {
			int slot = u.id < GUEST_QUEUE_SIZE
					   ? g->slot_of_head[u.id]
					   : -1;
			uint8_t *resp;

			if (slot < 0) {
				ret = -EPROTO;
				break;
			}
			g->slot_of_head[u.id] = -1;
			resp = &g->resp[(size_t)slot * GUEST_RESP_STRIDE];
			if (u.len != 2 || *resp != VIRTIO_GPIO_STATUS_OK)
				r->errors++;
			if (is_set)
				g->req[slot].value ^= htole32(1);
			ret = add_slot(g, (unsigned int)slot);
			if (ret < 0)
				break;
			k++;
		}
		if (ret < 0)
			break;
		ret = vmm_queue_kick(g->vmm, REQUESTQ);
		if (ret < 0)
			break;
		r->kicks += ret;
		done += k;
		now = now_ns();
		if (now - win_start >= win_ns) {
			if (warm) {
				warm = false;
				cpu0 = proc_cpu_ns(d->pid);
				r->requests = done;
				r->wakeups = 0;
				r->kicks = 0;
			} else {
				r->rates[r->nrates++] =
					(double)(done - win_done) * 1e9 /
					(double)(now - win_start);
				win++;
			}
			win_done = done;
			win_start = now;
		}
	}
	cpu1 = proc_cpu_ns(d->pid);
	r->requests = done - r->requests;
	r->daemon_cpu_ns = cpu0 >= 0 && cpu1 >= cpu0 ? cpu1 - cpu0 : -1;

	/* Drain: take everything back without adding more. */
	while (ret >= 0 && vmm_queue_inflight(g->vmm, REQUESTQ)) {
		struct vmm_used u;

		if (vmm_queue_pop_used(g->vmm, REQUESTQ, &u) == 1) {
			if (u.id < GUEST_QUEUE_SIZE)
				g->slot_of_head[u.id] = -1;
			continue;
		}
		ret = guest_wait_used(g, REQUESTQ, WAIT_MS);
	}
	return ret < 0 ? ret : 0;
}

static void throughput_figure(struct guest *g, struct daemon *d,
			      struct figures *set, uint16_t type,
			      const char *name, const char *cpu_name)
{
	struct throughput_result r;
	int ret = throughput(g, d, type, &r);

	if (ret < 0) {
		bench_failures++;
		figure_set_missing(set, name, "requests/s", "failed: %s",
				   err_text(ret));
		if (cpu_name)
			figure_set_missing(set, cpu_name, "ns", "see %s", name);
		return;
	}
	figure_from_rates(set, name, "requests/s", r.rates, r.nrates);
	figure_note(set, name,
		    "p99 = 1st percentile of %.0f ms windows; %u in flight, "
		    "%.1f req per driver wake-up, %.1f req per kick%s",
		    cfg.throughput_seconds * 1000 /
			    (cfg.quick ? THROUGHPUT_WINDOWS_QUICK
				       : THROUGHPUT_WINDOWS_FULL),
		    g->capacity,
		    r.wakeups ? (double)r.requests / r.wakeups : 0.0,
		    r.kicks ? (double)r.requests / r.kicks : 0.0,
		    g->indirect ? "" : ", no indirect descriptors");
	if (r.errors)
		figure_note(set, name, "%llu responses not OK",
			    (unsigned long long)r.errors);
	if (cpu_name) {
		if (r.daemon_cpu_ns >= 0 && r.requests)
			figure_set_value(set, cpu_name, "ns",
					 (double)r.daemon_cpu_ns / r.requests);
		else
			figure_set_missing(set, cpu_name, "ns",
					   "no schedstat or no requests");
	}
}

/* ---- interrupt latency ---- */

static int control_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int64_t deadline = now_ns() + 1000000000ll;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (errno != ENOENT && errno != ECONNREFUSED)
			return -errno;
		if (now_ns() > deadline)
			return -ENOENT;
		sleep_ns(1000000);
	}
}

/* Reads one reply line into @buf; returns its length or -errno. */
static int control_read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		int r = poll(&pfd, 1, WAIT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = read(fd, buf + got, 1);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		if (buf[got] == '\n') {
			buf[got] = 0;
			return (int)got;
		}
		got++;
	}
	return -EPROTO;
}

static int control_command(int fd, const char *cmd, char *reply, size_t len)
{
	size_t n = strlen(cmd);

	if (write(fd, cmd, n) != (ssize_t)n)
		return -errno;
	return control_read_line(fd, reply, len);
}

/*
 * One interrupt: queue the pair for IRQ_LINE, make sure the daemon holds
 * it, then `set` the line to the other level and time until the used
 * eventq entry is seen.  Returns 1 with *@ns, 0 when the pair came back
 * without an edge (not timed), or -errno.
 */
static int irq_once(struct guest *g, int ctl, unsigned int *level, uint64_t *ns)
{
	static const char *const set_cmd[2] = {"set 0 0\n", "set 0 1\n"};
	struct vmm_used u;
	char reply[128];
	int64_t t0, t1;
	size_t len;
	int ret;

	ret = guest_add_pair(g, 0, IRQ_LINE);
	if (ret < 0)
		return ret;
	ret = vmm_queue_kick(g->vmm, EVENTQ);
	if (ret < 0)
		return ret;
	/*
	 * Let the daemon take the pair before the edge: one request round
	 * trip after the eventq kick (the daemon serves ready fds in order).
	 * A sleep would let both cores go idle, which the baseline never
	 * does.
	 */
	ret = request_once(g);
	if (ret < 0)
		return ret;
	if (used_pending(g, EVENTQ)) {
		/* Returned without an edge: not an interrupt. */
		ret = guest_wait_used(g, EVENTQ, WAIT_MS);
		if (ret == 0)
			ret = vmm_queue_pop_used(g->vmm, EVENTQ, &u);
		return ret < 0 ? ret : 0;
	}
	*level ^= 1;
	len = strlen(set_cmd[*level]);
	t0 = now_ns();
	if (write(ctl, set_cmd[*level], len) != (ssize_t)len)
		return -errno;
	ret = guest_wait_used(g, EVENTQ, WAIT_MS);
	if (ret < 0)
		return ret;
	ret = vmm_queue_pop_used(g->vmm, EVENTQ, &u);
	t1 = now_ns();
	if (ret != 1)
		return ret < 0 ? ret : -EPROTO;
	if (u.len != 1 || g->ev_status[0] != VIRTIO_GPIO_IRQ_STATUS_VALID)
		return -EREMOTEIO;
	*ns = (uint64_t)(t1 - t0);
	if (g->ctl_quiet)
		return 1;
	ret = control_read_line(ctl, reply, sizeof(reply));
	if (ret < 0)
		return ret;
	return strcmp(reply, "ok") ? -EREMOTEIO : 1;
}

void irq_latency(struct guest *g, int ctl, struct figures *set,
		 const char *name, struct baseline *bl)
{
	unsigned int per = (cfg.irq_iters + BLOCKS - 1) / BLOCKS;
	unsigned int total = per * BLOCKS, i, b, got = 0, early = 0;
	uint64_t *samples = calloc(total, sizeof(*samples));
	unsigned int level = 0;
	char reply[128];
	uint64_t ns;
	int ret;

	if (!samples) {
		figure_set_missing(set, name, "us", "out of memory");
		return;
	}
	fill_requests(g, VIRTIO_GPIO_MSG_GET_VALUE);
	/* Start from the line's level ("0 in 1"): every set must be an edge. */
	ret = control_command(ctl, "get 0\n", reply, sizeof(reply));
	if (ret >= 0 && (sscanf(reply, "0 %*s %u", &level) != 1 || level > 1))
		ret = -EPROTO;
	for (b = 0; b < BLOCKS && ret >= 0; b++) {
		baseline_block(bl, per);
		for (i = 0; i < BLOCK_WARM && ret >= 0; i++)
			ret = irq_once(g, ctl, &level, &ns);
		for (i = 0; i < per && ret >= 0;) {
			ret = irq_once(g, ctl, &level, &ns);
			if (ret == 1) {
				samples[got++] = ns;
				i++;
			} else if (ret == 0 && ++early > 10) {
				ret = -EPROTO;
			}
		}
	}
	if (ret < 0) {
		bench_failures++;
		figure_set_missing(set, name, "us",
				   "failed after %u interrupts: %s", got,
				   err_text(ret));
	} else
		figure_from_ns(set, name, "us", samples, got, 1000.0);
	if (early)
		figure_note(set, name, "%u pairs came back without an edge",
			    early);
	free(samples);
}

static void irq_missing(struct figures *set, const char *why)
{
	figure_set_missing(set, "irq_latency_us_same", "us", "%s", why);
	figure_set_missing(set, "irq_latency_us_cross", "us", "%s", why);
}

int irq_open(struct daemon *d, struct guest *g, int *ctl, char *why,
	     size_t why_len)
{
	struct guest_options opts = {.want_irq = true, .event_idx = true};
	char path[300], reply[128];
	int ret;

	daemon_socket(d, 0, path, sizeof(path));
	ret = guest_open(g, path, &opts);
	if (ret < 0) {
		snprintf(why, why_len, "cannot negotiate: %s", err_text(ret));
		return ret;
	}
	if (!g->irq) {
		snprintf(why, why_len, "daemon offers no VIRTIO_GPIO_F_IRQ");
		guest_close(g);
		return -ENOTSUP;
	}
	strcat(path, ".sim");
	*ctl = control_connect(path);
	if (*ctl < 0) {
		snprintf(why, why_len, "no control socket %s (%s)", path,
			 err_text(*ctl));
		guest_close(g);
		return -ENOTSUP;
	}
	ret = guest_request(g, VIRTIO_GPIO_MSG_SET_DIRECTION, IRQ_LINE,
			    VIRTIO_GPIO_DIRECTION_IN);
	if (ret == 0)
		ret = guest_request(g, VIRTIO_GPIO_MSG_IRQ_TYPE, IRQ_LINE,
				    VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	if (ret == 0) {
		ret = control_command(*ctl, "set 0 0\n", reply, sizeof(reply));
		if (ret >= 0)
			ret = strcmp(reply, "ok") ? -EREMOTEIO : 0;
	}
	/*
	 * Without the "ok" per `set`, the daemon makes the 3 system calls an
	 * eventfd ping-pong makes; a daemon without `quiet` is measured with
	 * its replies.
	 */
	if (ret == 0 &&
	    control_command(*ctl, "quiet on\n", reply, sizeof(reply)) >= 0)
		g->ctl_quiet = !strcmp(reply, "quiet on");
	if (ret < 0) {
		snprintf(why, why_len,
			 "cannot arm line 0 (EDGE_BOTH) or drive it: %s",
			 err_text(ret));
		close(*ctl);
		guest_close(g);
	}
	return ret;
}

static void irq_figures(struct daemon *d, struct figures *set,
			struct baseline *bl)
{
	char why[400];
	struct guest g;
	int ctl, ret;

	ret = irq_open(d, &g, &ctl, why, sizeof(why));
	if (ret < 0) {
		if (ret != -ENOTSUP)
			bench_failures++;
		irq_missing(set, why);
		return;
	}
	pin_self(cfg.cpu_a);
	pin_pid(d->pid, cfg.cpu_a);
	vlog("irq latency, same core");
	irq_latency(&g, ctl, set, "irq_latency_us_same", &bl[0]);
	if (cfg.have_cross) {
		pin_pid(d->pid, cfg.cpu_b);
		vlog("irq latency, cross core");
		irq_latency(&g, ctl, set, "irq_latency_us_cross", &bl[1]);
	} else {
		figure_set_missing(set, "irq_latency_us_cross", "us",
				   "only one usable core");
	}
	close(ctl);
	guest_close(&g);
}

/* ---- the whole guest phase ---- */

static const char *const guest_figures[][2] = {
	{"eventfd_rtt_us_same", "us"},
	{"eventfd_rtt_us_cross", "us"},
	{"request_rtt_us_same", "us"},
	{"request_daemon_cpu_us_same", "us"},
	{"request_rtt_us_cross", "us"},
	{"request_daemon_cpu_us_cross", "us"},
	{"throughput_get_rps", "requests/s"},
	{"throughput_set_rps", "requests/s"},
	{"throughput_get_rps_no_event_idx", "requests/s"},
	{"throughput_set_rps_no_event_idx", "requests/s"},
	{"throughput_get_rps_cross", "requests/s"},
	{"throughput_set_rps_cross", "requests/s"},
	{"throughput_get_rps_cross_no_event_idx", "requests/s"},
	{"throughput_set_rps_cross_no_event_idx", "requests/s"},
	{"throughput_get_daemon_ns", "ns"},
	{"throughput_set_daemon_ns", "ns"},
	{"throughput_get_daemon_ns_cross", "ns"},
	{"throughput_set_daemon_ns_cross", "ns"},
	{"irq_latency_us_same", "us"},
	{"irq_latency_us_cross", "us"},
};

#define N_GUEST_FIGURES (sizeof(guest_figures) / sizeof(guest_figures[0]))

/* Every figure of this phase not measured yet gets n = 0 and @why. */
static void mark_unmeasured(struct figures *set, const char *why)
{
	unsigned int i;

	for (i = 0; i < N_GUEST_FIGURES; i++) {
		double v;
		struct figure *f = figures_get(set, guest_figures[i][0],
					       guest_figures[i][1]);

		/* The baseline has its own fallback (bench_guest's end). */
		if (!strncmp(f->name, "eventfd_", 8))
			continue;
		if (!figures_value(set, f->name, &v) && !f->note[0])
			figure_set_missing(set, f->name, guest_figures[i][1],
					   "%s", why);
	}
}

static int make_outputs(struct guest *g)
{
	unsigned int i;
	int ret;

	for (i = 0; i < g->ngpio; i++) {
		ret = guest_request(g, VIRTIO_GPIO_MSG_SET_DIRECTION,
				    (uint16_t)i, VIRTIO_GPIO_DIRECTION_OUT);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Throughput, GET_VALUE then SET_VALUE, on one core (bench and daemon
 * pinned together: the "on one core") then with the daemon on a
 * core of its own.
 */
static void throughput_figures(struct guest *g, struct daemon *d,
			       struct figures *set, bool event_idx)
{
	const char *suffix = event_idx ? "" : "_no_event_idx";
	unsigned int cross, set_value;
	char name[64], cpu_name[64];

	for (set_value = 0; set_value < 2; set_value++) {
		uint16_t type = set_value ? VIRTIO_GPIO_MSG_SET_VALUE
					  : VIRTIO_GPIO_MSG_GET_VALUE;
		const char *op = set_value ? "set" : "get";

		if (set_value && make_outputs(g) < 0) {
			bench_failures++;
			fprintf(stderr, "bench: cannot make lines outputs\n");
			return;
		}
		for (cross = 0; cross < 2; cross++) {
			if (cross && !cfg.have_cross) {
				snprintf(name, sizeof(name),
					 "throughput_%s_rps_cross%s", op,
					 suffix);
				figure_set_missing(set, name, "requests/s",
						   "only one usable core");
				snprintf(cpu_name, sizeof(cpu_name),
					 "throughput_%s_daemon_ns_cross", op);
				if (event_idx)
					figure_set_missing(
						set, cpu_name, "ns",
						"only one usable core");
				continue;
			}
			if (daemon_check(d) < 0)
				return;
			pin_self(cfg.cpu_a);
			pin_pid(d->pid, cross ? cfg.cpu_b : cfg.cpu_a);
			snprintf(name, sizeof(name), "throughput_%s_rps%s%s",
				 op, cross ? "_cross" : "", suffix);
			snprintf(cpu_name, sizeof(cpu_name),
				 "throughput_%s_daemon_ns%s", op,
				 cross ? "_cross" : "");
			vlog("%s", name);
			throughput_figure(g, d, set, type, name,
					  event_idx ? cpu_name : NULL);
			figure_note(set, name, "%s",
				    cross ? "daemon on its own core"
					  : "bench and daemon on one core");
		}
	}
}

void bench_guest(const struct daemon_cmd *cmd, struct figures *set)
{
	struct guest_options opts = {.event_idx = true};
	unsigned int lat = (cfg.latency_iters + BLOCKS - 1) / BLOCKS;
	unsigned int irq = (cfg.irq_iters + BLOCKS - 1) / BLOCKS;
	size_t cap = (size_t)(lat + irq) * BLOCKS;
	struct baseline bl[2];
	char path[300];
	struct daemon d;
	struct guest g;
	int ret;

	/* Fix the order of the table. */
	mark_unmeasured(set, "");
	if (!cfg.have_cross) {
		figure_set_missing(set, "eventfd_rtt_us_cross", "us",
				   "only one usable core");
		figure_set_missing(set, "request_rtt_us_cross", "us",
				   "only one usable core");
		figure_set_missing(set, "request_daemon_cpu_us_cross", "us",
				   "only one usable core");
	}
	/*
	 * The ping-pong children first: forked later, they would inherit
	 * the vhost-user socket and keep the daemon from seeing us leave.
	 */
	memset(bl, 0, sizeof(bl));
	baseline_open(&bl[0], cfg.cpu_a, cap);
	if (cfg.have_cross)
		baseline_open(&bl[1], cfg.cpu_b, cap);

	ret = daemon_start(cmd, "guest", 1, "s8", &d);
	if (ret < 0) {
		mark_unmeasured(set, "daemon did not start");
		goto out;
	}
	daemon_socket(&d, 0, path, sizeof(path));

	ret = guest_open(&g, path, &opts);
	if (ret < 0) {
		bench_failures++;
		fprintf(stderr, "bench: cannot negotiate with %s: %s\n", path,
			err_text(ret));
		mark_unmeasured(set, "negotiation failed");
		daemon_stop(&d);
		goto out;
	}

	pin_self(cfg.cpu_a);
	pin_pid(d.pid, cfg.cpu_a);
	vlog("request round trip, same core");
	request_rtt(&g, &d, set, "request_rtt_us_same",
		    "request_daemon_cpu_us_same", &bl[0]);
	if (cfg.have_cross && daemon_check(&d) == 0) {
		pin_pid(d.pid, cfg.cpu_b);
		vlog("request round trip, cross core");
		request_rtt(&g, &d, set, "request_rtt_us_cross",
			    "request_daemon_cpu_us_cross", &bl[1]);
	}
	if (daemon_check(&d) == 0)
		throughput_figures(&g, &d, set, true);
	guest_close(&g);

	if (daemon_check(&d) == 0) {
		opts.event_idx = false;
		ret = guest_open(&g, path, &opts);
		if (ret == 0) {
			throughput_figures(&g, &d, set, false);
			guest_close(&g);
		}
	}

	if (daemon_check(&d) == 0)
		irq_figures(&d, set, bl);
	if (daemon_check(&d) < 0)
		mark_unmeasured(set, "the daemon exited during the run");
	daemon_stop(&d);
out:
	baseline_close(&bl[0], set, "eventfd_rtt_us_same");
	if (cfg.have_cross)
		baseline_close(&bl[1], set, "eventfd_rtt_us_cross");
	/* No daemon figure to compare with: the machine's limit alone. */
	if (!figures_get(set, "eventfd_rtt_us_same", "us")->n)
		pingpong_figure(set, "eventfd_rtt_us_same", cfg.cpu_a);
	if (cfg.have_cross &&
	    !figures_get(set, "eventfd_rtt_us_cross", "us")->n)
		pingpong_figure(set, "eventfd_rtt_us_cross", cfg.cpu_b);
	mark_unmeasured(set, "not measured");
}
