/* SPDX-License-Identifier: MIT */
/*
 * One benchmark guest: a struct vmm (tests/vmm) negotiated with the daemon
 * like QEMU, plus request and eventq buffers laid out once in its guest
 * memory so that the measured loops allocate nothing.  The driver side
 * sleeps in epoll_wait on the call eventfds, like the daemon and like the
 * eventfd baseline.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_gpio.h>

#include "daemon.h"
#include "figures.h"
#include "vmm.h"

#define GUEST_QUEUE_SIZE  256
#define GUEST_MAX_PAIRS	  64 /* eventq pairs a guest keeps buffers for */
#define GUEST_RESP_STRIDE 8  /* bytes between response buffers */

struct guest_options {
	bool want_irq;	   /* negotiate VIRTIO_GPIO_F_IRQ and the eventq
			      (when offered) */
	bool event_idx;	   /* negotiate VIRTIO_RING_F_EVENT_IDX */
	uint64_t mem_size; /* guest memory; 0: 1 MiB */
};

struct guest {
	struct vmm *vmm;
	int epfd;
	int call_fd[VMM_MAX_QUEUES];
	bool irq;	/* the eventq is set up */
	bool indirect;	/* chains use indirect tables (1 descriptor each) */
	bool ctl_quiet; /* the control socket sends no "ok" (`quiet on`) */
	uint64_t offered;
	unsigned int capacity; /* requests the requestq holds at once */
	uint16_t ngpio;

	/* capacity request/response buffers, slot i at index i */
	struct virtio_gpio_request *req;
	uint8_t *resp; /* GUEST_RESP_STRIDE bytes per slot */
	struct vmm_sg *req_sg, *resp_sg;
	int16_t slot_of_head[GUEST_QUEUE_SIZE];

	/* eventq pairs: {le16 gpio} + {u8 status} per line */
	uint16_t *ev_gpio;
	uint8_t *ev_status;
	struct vmm_sg ev_out[GUEST_MAX_PAIRS], ev_in[GUEST_MAX_PAIRS];
};

/*
 * Connects to @path and negotiates.  Returns 0, or -errno with *@g freed.
 * -ENOTSUP: F_IRQ wanted and offered but the eventq could not be set up.
 */
int guest_open(struct guest *g, const char *path,
	       const struct guest_options *opts);
void guest_close(struct guest *g);

/*
 * Waits (epoll) for a call on queue @q and reads the call eventfds that
 * fired; returns 0 once queue @q has used entries, -ETIMEDOUT, -errno.
 */
int guest_wait_used(struct guest *g, unsigned int q, int timeout_ms);

/* One request through the library helper (set-up paths only). */
int guest_request(struct guest *g, uint16_t type, uint16_t gpio,
		  uint32_t value);

/* Queues the eventq pair for line index @i (gpio @gpio), no kick. */
int guest_add_pair(struct guest *g, unsigned int i, uint16_t gpio);

/* Request round trip, throughput, interrupt latency. */
void bench_guest(const struct daemon_cmd *cmd, struct figures *set);

/*
 * The measurements bench_guest() makes, for other phases (poll.c).  A
 * NULL @bl measures without interleaved eventfd baseline blocks.
 */
struct baseline;

/* cfg.latency_iters GET_VALUE round trips: figures @name and @cpu_name. */
void request_rtt(struct guest *g, struct daemon *d, struct figures *set,
		 const char *name, const char *cpu_name, struct baseline *bl);

struct throughput_result {
	double rates[64];
	size_t nrates;
	uint64_t requests, wakeups, kicks, errors;
	int64_t daemon_cpu_ns;
};

/*
 * Keeps the requestq full of @type requests for cfg.throughput_seconds:
 * every used entry is added again at once and each batch gets one kick
 * (when the daemon asks for it).  Rates per window go to @r.  0 or -errno.
 */
int throughput(struct guest *g, struct daemon *d, uint16_t type,
	       struct throughput_result *r);

/*
 * A guest on @d's socket 0 with the eventq, line 0 armed EDGE_BOTH and
 * driven low through the control socket (*@ctl).  Returns 0, -ENOTSUP
 * (the daemon cannot: no F_IRQ or control socket) or -errno, with @why.
 */
int irq_open(struct daemon *d, struct guest *g, int *ctl, char *why,
	     size_t why_len);
/* cfg.irq_iters edges of line 0, timed until the eventq entry is used. */
void irq_latency(struct guest *g, int ctl, struct figures *set,
		 const char *name, struct baseline *bl);

#endif
