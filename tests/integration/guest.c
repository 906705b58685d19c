// SPDX-License-Identifier: MIT
/*
 * The guest's side of the integration tests: GPIO requests and their
 * checks, interrupt pairs on the eventq, reconnect cycles.  See fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "fixture.h"

/* ------------------------------------------------------------------ */
/* GPIO requests                                                        */
/* ------------------------------------------------------------------ */

void req_expect(struct vmm *v, uint16_t type, uint16_t gpio, uint32_t value,
		uint8_t want_status, uint8_t want_value, int line)
{
	struct vmm_gpio_res res = {0};
	int ret = vmm_gpio_request(v, type, gpio, value, &res);

	if (ret)
		fail_msg("line %d: %s(gpio %u, value %u): round trip failed: "
			 "%d (%s)",
			 line, type_name(type), gpio, value, ret,
			 strerror(-ret));
	if (res.status != want_status || res.value != want_value ||
	    res.used_len != 2)
		fail_msg("line %d: %s(gpio %u, value %u): expected status %u "
			 "value %u used_len 2, got status %u value %u "
			 "used_len %u",
			 line, type_name(type), gpio, value, want_status,
			 want_value, res.status, res.value, res.used_len);
}

int add_get_value(struct vmm *v, uint16_t gpio)
{
	struct virtio_gpio_request *rq;
	struct vmm_sg o, in;
	int ret;

	ret = vmm_mem_alloc(v, 8, 8, &o.gpa, (void **)&rq);
	if (!ret)
		ret = vmm_mem_alloc(v, 2, 2, &in.gpa, NULL);
	if (ret)
		return ret;
	rq->type = htole16(GET_VAL);
	rq->gpio = htole16(gpio);
	o.len = 8;
	in.len = 2;
	ret = vmm_queue_add(v, 0, &o, 1, &in, 1, VMM_CHAIN_DEFAULT, NULL);
	if (ret)
		return ret;
	return vmm_queue_kick(v, 0) < 0 ? -EIO : 0;
}

void reconnect_cycle(struct fx *fx, struct vmm *v, unsigned int sock, int i,
		     unsigned int ngpio, int want)
{
	struct vmm_gpio_res res;
	uint16_t gpio = (uint16_t)((unsigned int)i % ngpio);
	uint64_t f;

	fx_connect(fx, v, sock);
	switch (i % 10) {
	case 3:
		/* Gone half-way through the set-up. */
		OK(vmm_get_features(v, &f));
		OK(vmm_set_owner(v));
		OK(vmm_set_mem_table(v, 0));
		break;
	case 7:
		/* Gone with requests in flight. */
		OK(vmm_negotiate(v, NULL));
		OK(add_get_value(v, 1));
		OK(add_get_value(v, 2));
		break;
	default:
		OK(vmm_negotiate(v, NULL));
		OK(vmm_gpio_request(v, GET_VAL, gpio, 0, &res));
		if (res.status != VIRTIO_GPIO_STATUS_OK || res.used_len != 2 ||
		    (want >= 0 && res.value != want))
			fail_msg("cycle %d: GET_VALUE(gpio %u): status %u "
				 "value %u used_len %u",
				 i, gpio, res.status, res.value, res.used_len);
		break;
	}
	vmm_disconnect(v);
}

/* ------------------------------------------------------------------ */
/* Interrupts                                                           */
/* ------------------------------------------------------------------ */

void irq_options_init(struct vmm_negotiate_options *no)
{
	vmm_negotiate_options_init(no);
	no->nqueues = 2;
}

void fx_irq_negotiate(struct fx *fx, struct vmm *v, unsigned int sock,
		      const struct vmm_negotiate_options *no)
{
	struct vmm_negotiate_options defaults;

	if (!no) {
		irq_options_init(&defaults);
		no = &defaults;
	}
	fx_session(fx, v, sock, no);
	if (!(vmm_acked_features(v) & VMM_BIT(VMM_F_GPIO_IRQ)))
		fail_msg("VIRTIO_GPIO_F_IRQ not offered (features 0x%llx)",
			 (unsigned long long)vmm_offered_features(v));
}

struct vmm *fx_irq_session(struct fx *fx, unsigned int slot, unsigned int sock,
			   const struct vmm_negotiate_options *no)
{
	struct vmm *v = fx_vmm(fx, slot, NULL);

	fx_irq_negotiate(fx, v, sock, no);
	return v;
}

int setup_irq_guest(void **state, const char *list)
{
	int ret = setup_with(state, 1, list);

	fx_irq_session(*state, 0, 0, NULL);
	return ret;
}

uint16_t unmask_at(struct vmm *v, uint16_t gpio, int line)
{
	uint16_t head;
	int ret = vmm_gpio_irq_unmask(v, gpio, &head);

	if (ret)
		fail_msg("line %d: queuing the pair for gpio %u: %d (%s)", line,
			 gpio, ret, strerror(-ret));
	return head;
}

const char *irq_status_name(uint8_t status)
{
	static const char *const names[] = {
		[VALID] = "VALID",
		[INVALID] = "INVALID",
		[VMM_GPIO_IRQ_UNWRITTEN] = "unwritten",
	};

	return NAME_IN(names, status, "bad status");
}

void expect_irq_at(struct vmm *v, uint16_t gpio, int head, uint8_t status,
		   uint32_t len, int line)
{
	struct vmm_gpio_irq ev;
	int ret = vmm_gpio_irq_wait(v, &ev, g_event_ms * g_scale);

	if (ret == -ENOMSG) {
		int r = vmm_gpio_irq_pop(v, &ev);

		fail_msg("line %d: expected gpio %u's pair back %s; got gpio "
			 "%u's %s (0x%02x) with used length %u (pop %d) "
			 "but no call notification",
			 line, gpio, irq_status_name(status), ev.gpio,
			 irq_status_name(ev.status), ev.status, ev.used_len, r);
	}
	if (ret)
		fail_msg("line %d: expected gpio %u's pair back %s, got "
			 "nothing: %d (%s)",
			 line, gpio, irq_status_name(status), ret,
			 strerror(-ret));
	if (ev.gpio != gpio || (head >= 0 && ev.head != head) ||
	    ev.used_len != len || (len && ev.status != status))
		fail_msg("line %d: expected gpio %u's pair (head %d) back %s "
			 "with used length %u, got gpio %u's (head %u) %s "
			 "(0x%02x) with used length %u",
			 line, gpio, head, irq_status_name(status), len,
			 ev.gpio, ev.head, irq_status_name(ev.status),
			 ev.status, ev.used_len);
}

void expect_quiet_at(struct vmm *v, int line)
{
	struct vmm_gpio_irq ev = {0};
	int called = vmm_queue_wait_call(v, EVQ, quiet_ms(g_quiet_ms));

	if (vmm_queue_device_used_idx(v, EVQ) != vmm_queue_last_used(v, EVQ)) {
		int r = vmm_gpio_irq_pop(v, &ev);

		fail_msg("line %d: unexpected completion on the eventq%s: "
			 "gpio %u's pair %s (0x%02x), used length %u (pop %d)",
			 line, called ? "" : " (without notification)", ev.gpio,
			 irq_status_name(ev.status), ev.status, ev.used_len, r);
	}
	if (called)
		fail_msg("line %d: eventq call notification without a used "
			 "entry",
			 line);
}
