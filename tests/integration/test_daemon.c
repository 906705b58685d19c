// SPDX-License-Identifier: MIT
/*
 * Integration tests: the real vhost-device-gpio binary (argv[1]) driven by
 * the VMM stand-in over its vhost-user sockets.  This file holds what the
 * sections (test_daemon.h) share and runs them in order.
 *
 * Environment: see fixture.h, plus
 *   VDG_RECONNECT_CYCLES cycles of the reconnect test (default 1000)
 *   VDG_RSS_SLACK_KB     allowed VmRSS growth in that test (default 1024)
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_daemon.h"

int setup_s8(void **state)
{
	return setup_with(state, 1, "s8");
}

int setup_s8_session(void **state)
{
	int ret = setup_s8(state);

	fx_default_session(*state, 0, 0);
	return ret;
}

int setup_multi(void **state)
{
	static const char *const args[] = {"--socket-path=%s", "-c", "3", "-l",
					   "s4:s8:s16",	       NULL};
	struct fx *fx = fx_new();

	*state = fx;
	fx_start_daemon(fx, 3, args);
	return 0;
}

uint8_t get_direction(struct vmm *v, uint16_t gpio)
{
	struct vmm_gpio_res res;

	OK(vmm_gpio_request(v, GET_DIR, gpio, 0, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 2);
	if (res.value != DIR_NONE && res.value != DIR_IN)
		fail_msg("untouched line %u reports direction %u, expected "
			 "NONE (0) or IN (2)",
			 gpio, res.value);
	return res.value;
}

uint32_t sim_names(unsigned int n, char *buf, size_t cap)
{
	uint32_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int w = snprintf(buf + len, cap - len, "sim-%u", i);

		len += (uint32_t)w + 1;
	}
	return len;
}

void expect_sim_names(struct vmm *v, unsigned int n, uint32_t extra)
{
	char want[128], got[160];
	struct vmm_gpio_res res;
	uint32_t len = sim_names(n, want, sizeof(want));

	assert_true(len + extra <= sizeof(got));
	memset(got, 0x77, sizeof(got));
	OK(vmm_gpio_get_names(v, got, len + extra, &res));
	assert_int_equal(res.status, VIRTIO_GPIO_STATUS_OK);
	assert_int_equal(res.used_len, 1 + len);
	assert_memory_equal(got, want, len);
}

void fresh_session_works(struct fx *fx, unsigned int sock)
{
	struct vmm *v = fx_default_session(fx, MAX_VMMS - 1, sock);

	REQ_OK(v, GET_VAL, 0, 0, 0);
	fx_vmm_free(fx, MAX_VMMS - 1);
}

void expect_close(struct fx *fx, const char *what, uint32_t request,
		  uint32_t flags, const void *payload, uint32_t size,
		  const int *fds, unsigned int nfds)
{
	struct vmm *v = fx_vmm(fx, 0, NULL);
	uint32_t got = 0;
	uint64_t pf;
	int ret;

	fx_connect(fx, v, 0);
	OK(vmm_get_protocol_features(v, &pf));
	OK(vmm_set_protocol_features(v, pf));
	OK(vmm_send(v, request, flags, payload, size, fds, nfds));
	ret = vmm_wait_closed(v, 2000 * g_scale, &got);
	if (ret == -EPROTO)
		fail_msg("%s: expected the connection closed, got a reply "
			 "(request %u)",
			 what, got);
	if (ret)
		fail_msg("%s: expected the connection closed, got %d (%s)",
			 what, ret, strerror(-ret));
	if (!daemon_alive(&fx->d))
		fail_msg("%s: daemon died", what);
}

void desc_set(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

int main(int argc, char **argv)
{
	const struct fx_tests sections[] = {
		daemon_negotiation_tests,
		daemon_requests_tests,
		daemon_rings_tests,
		daemon_polling_tests,
		daemon_hostile_messages_tests,
		daemon_hostile_descriptors_tests,
		daemon_sessions_tests,
		daemon_process_tests,
	};

	return fixture_main(argc, argv, "DAEMON-BINARY", "daemon", sections,
			    sizeof(sections) / sizeof(sections[0]));
}
