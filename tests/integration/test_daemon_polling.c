// SPDX-License-Identifier: MIT
/*
 * Section of test_daemon (see test_daemon.h): --poll-us.  The daemon keeps
 * looking at the rings for a while after serving them, with the driver's
 * kicks off (VRING_USED_F_NO_NOTIFY, or with EVENT_IDX an avail_event the
 * driver never reaches), then turns kicks on again, looks once more, and
 * sleeps.  The guest here is a correct driver: it kicks only when the ring
 * says so, so a request lost at the end of a poll window would never be
 * answered.  Every test runs with and without EVENT_IDX.  Nothing asserts
 * how fast anything is: only that every request is answered, that kicks
 * were off at some point and on again, and that the daemon then sleeps.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/virtio_ring.h>

#include "test_daemon.h"

struct poll_param {
	const char *poll_us; /* the daemon's --poll-us value */
	bool event_idx;
};

static const struct poll_param long_idx = {"200000", true};
static const struct poll_param long_plain = {"200000", false};
static const struct poll_param short_idx = {"300", true};
static const struct poll_param short_plain = {"300", false};

/* A daemon polling as fx->param says, and a guest negotiated in slot 0. */
static int setup_poll(void **state)
{
	const struct poll_param *p = *state;
	struct fx *fx = fx_new();
	struct vmm_negotiate_options no;
	struct daemon_args a;
	char opt[64];
	const char *extra[] = {opt, NULL};
	struct vmm *v;

	fx->param = p;
	*state = fx;
	snprintf(opt, sizeof(opt), "--poll-us=%s", p->poll_us);
	daemon_prepare(&fx->d);
	fx->d.count = 1;
	daemon_spawn_wait(&fx->d, daemon_args(&a, &fx->d, 1, "s8", extra));
	fx->have_daemon = true;
	v = fx_vmm(fx, 0, NULL);
	vmm_negotiate_options_init(&no);
	if (!p->event_idx)
		no.features &= ~VMM_BIT(VMM_F_EVENT_IDX);
	fx_session(fx, v, 0, &no);
	assert_int_equal(!!(vmm_acked_features(v) & VMM_BIT(VMM_F_EVENT_IDX)),
			 p->event_idx);
	return 0;
}

#define TPOLL(name, f, param)                                  \
	{                                                      \
		name, f, setup_poll, teardown, (void *)(param) \
	}

/* Whether the daemon wants a kick for the next buffer added to queue 0. */
static bool kicks_on(struct vmm *v)
{
	struct vmm_ring_view r;

	OK(vmm_queue_view(v, 0, &r));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vmm_acked_features(v) & VMM_BIT(VMM_F_EVENT_IDX))
		return le16toh(__atomic_load_n(r.avail_event,
					       __ATOMIC_RELAXED)) ==
		       le16toh(__atomic_load_n(&r.avail->idx,
					       __ATOMIC_RELAXED));
	return !(le16toh(__atomic_load_n(&r.used->flags, __ATOMIC_RELAXED)) &
		 VRING_USED_F_NO_NOTIFY);
}

/*
 * One GET_VALUE of line 0 as a correct driver makes it: add, kick only if
 * the daemon asks for it, wait for the answer (5 s, scaled: never, for a
 * request lost at a window's end).  Returns whether it kicked.
 */
static bool request(struct vmm *v)
{
	uint64_t mark = vmm_mem_mark(v);
	struct virtio_gpio_request *rq;
	struct vmm_sg o = {.len = 8}, in = {.len = 2};
	struct vmm_used u;
	int kicked, ret;

	OK(vmm_mem_alloc(v, 8, 8, &o.gpa, (void **)&rq));
	OK(vmm_mem_alloc(v, 2, 2, &in.gpa, NULL));
	rq->type = htole16(GET_VAL);
	rq->gpio = 0;
	OK(vmm_queue_add(v, 0, &o, 1, &in, 1, VMM_CHAIN_DEFAULT, NULL));
	kicked = vmm_queue_kick(v, 0);
	assert_true(kicked >= 0);
	ret = vmm_queue_wait_used(v, 0, 5000 * g_scale);
	if (ret)
		fail_msg("request %s a kick not answered: %s",
			 kicked ? "with" : "without", strerror(-ret));
	EXPECT_RET(vmm_queue_pop_used(v, 0, &u), 1);
	assert_int_equal(u.len, 2);
	vmm_mem_release(v, mark);
	return kicked == 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void spin_us(int64_t us)
{
	int64_t end = now_us() + us;

	while (now_us() < end)
		;
}

/*
 * Kicks come back on within 10 s (scaled) of the last request, and then the
 * daemon sleeps: no wake-up and no CPU to speak of over 300 ms.
 */
static void expect_asleep(struct fx *fx, struct vmm *v)
{
	int64_t deadline;
	long long sw0, sw1;
	long cpu0, cpu1;

	deadline = now_ms() + 10000 * g_scale;
	while (!kicks_on(v)) {
		if (now_ms() > deadline)
			fail_msg("kicks still off 10 s after the last request");
		sleep_ms(5);
	}
	/* Kicks are on before the daemon sleeps; let it get there. */
	sleep_ms(50);
	sw0 = proc_threads_status_sum(fx->d.pid, "voluntary_ctxt_switches");
	cpu0 = proc_cpu_ms(fx->d.pid);
	sleep_ms(300);
	sw1 = proc_threads_status_sum(fx->d.pid, "voluntary_ctxt_switches");
	cpu1 = proc_cpu_ms(fx->d.pid);
	if (sw1 != sw0)
		fail_msg("the daemon woke up %lld times in 300 ms idle after "
			 "its poll window",
			 sw1 - sw0);
	if (cpu1 - cpu0 > 10)
		fail_msg("the daemon used %ld ms of CPU in 300 ms idle after "
			 "its poll window",
			 cpu1 - cpu0);
}

/*
 * Back-to-back requests inside a 200 ms window: the daemon turns kicks off
 * and serves them by polling.  Then kicks come back on, the daemon sleeps
 * (no wake-up, no CPU over 300 ms), and the next request kicks and is
 * answered.
 */
static void run_kicks_off_then_on(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	unsigned int i, unkicked = 0;

	request(v);
	for (i = 0; i < 50; i++)
		unkicked += !request(v);
	print_message("# %u of 50 back-to-back requests needed no kick\n",
		      unkicked);
	if (!unkicked)
		fail_msg("kicks never turned off while the daemon polled");

	expect_asleep(fx, v);
	if (!request(v))
		fail_msg("a request to a sleeping daemon needed no kick");
}

/*
 * Requests posted around the end of a 300 us window, at delays sweeping
 * across it: a driver that saw kicks off does not kick, so the daemon
 * must look at the ring once more after turning kicks on.  Every request
 * is answered, and some of those posted without a kick were answered.
 */
static void run_window_end(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	unsigned int i, unkicked = 0, rounds = 1000;

	request(v);
	for (i = 0; i < rounds; i++) {
		/* 0 to 600 us after the last answer, 3 us apart, twice. */
		spin_us((int64_t)(i % 200) * 3);
		unkicked += !request(v);
	}
	print_message("# %u of %u requests around the window's end needed "
		      "no kick\n",
		      unkicked, rounds);
	if (!unkicked)
		fail_msg("kicks never turned off while the daemon polled");
}

/*
 * The control socket is served while the daemon polls: a command sent
 * with kicks off is answered, and kicks are still off afterwards (the
 * window went on).  A machine too slow for a 200 ms window retries.
 */
static void run_control_while_polling(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct ctl c;
	unsigned int tries;
	char reply[64];

	ctl_open(fx, 0, &c);
	for (tries = 0; tries < 10; tries++) {
		int64_t until;

		request(v);
		/* The answer is out just before the window opens. */
		until = now_ms() + 100;
		while (kicks_on(v) && now_ms() < until)
			;
		if (!kicks_on(v)) {
			ctl_cmd_at(&c, "get 3", reply, sizeof(reply), __LINE__);
			if (strncmp(reply, "3 ", 2))
				fail_msg("get 3: \"%s\"", reply);
			if (!kicks_on(v))
				break;
		}
		sleep_ms(300);
	}
	if (tries == 10)
		fail_msg("never saw a control command answered while the "
			 "daemon polled");
	request(v);
	ctl_close(fx, &c);
}

/*
 * A driver that put a buffer on the eventq without negotiating F_IRQ: the
 * device never serves that queue, and the buffer must not keep the daemon
 * polling after its window.
 */
static void test_poll_eventq_without_irq(void **state)
{
	struct fx *fx = *state;
	struct vmm_negotiate_options no;
	struct vmm *v;
	struct vmm_sg o = {.len = 2}, in = {.len = 1};

	fx_vmm_free(fx, 0);
	v = fx_vmm(fx, 0, NULL);
	vmm_negotiate_options_init(&no);
	no.features &= ~VMM_BIT(VIRTIO_GPIO_F_IRQ);
	no.nqueues = 2;
	fx_session(fx, v, 0, &no);
	assert_false(vmm_acked_features(v) & VMM_BIT(VIRTIO_GPIO_F_IRQ));
	OK(vmm_mem_alloc(v, 2, 2, &o.gpa, NULL));
	OK(vmm_mem_alloc(v, 1, 1, &in.gpa, NULL));
	OK(vmm_queue_add(v, 1, &o, 1, &in, 1, VMM_CHAIN_DEFAULT, NULL));
	request(v);
	expect_asleep(fx, v);
	if (!request(v))
		fail_msg("a request to a sleeping daemon needed no kick");
}

/*
 * The rings' memory goes away while the daemon polls and comes back after
 * its window ended (QEMU removes and re-adds regions on memory hotplug):
 * kicks, off when the rings went, are on again and the next request of a
 * driver that kicks only when asked is answered.
 */
static void run_remap_after_window(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];

	request(v);
	OK(vmm_rem_mem_reg(v, 0));
	/* The 200 ms window ends while the rings are unmapped. */
	sleep_ms(400);
	OK(vmm_add_mem_reg(v, 0));
	request(v);
	expect_asleep(fx, v);
}

static const struct CMUnitTest tests[] = {
	TPOLL("test_poll_kicks_off_then_on_event_idx", run_kicks_off_then_on,
	      &long_idx),
	TPOLL("test_poll_kicks_off_then_on_no_event_idx", run_kicks_off_then_on,
	      &long_plain),
	TPOLL("test_poll_window_end_event_idx", run_window_end, &short_idx),
	TPOLL("test_poll_window_end_no_event_idx", run_window_end,
	      &short_plain),
	TPOLL("test_poll_control_socket_event_idx", run_control_while_polling,
	      &long_idx),
	TPOLL("test_poll_control_socket_no_event_idx",
	      run_control_while_polling, &long_plain),
	TPOLL("test_poll_remap_after_window_event_idx", run_remap_after_window,
	      &long_idx),
	TPOLL("test_poll_remap_after_window_no_event_idx",
	      run_remap_after_window, &long_plain),
	TPOLL("test_poll_eventq_without_irq", test_poll_eventq_without_irq,
	      &short_idx),
};

const struct fx_tests daemon_polling_tests = FX_TESTS(tests);
