/* SPDX-License-Identifier: MIT */
/*
 * The test_daemon program: the real vhost-device-gpio binary (argv[1])
 * driven by the VMM stand-in over its vhost-user sockets, one section of
 * tests a file, run in this order by test_daemon.c:
 *
 *   test_daemon_negotiation.c          negotiation, config space, NEED_REPLY
 *   test_daemon_requests.c             every request, split and straddling
 *                                      buffers, many regions
 *   test_daemon_rings.c                queue sizes, index wrap, EVENT_IDX,
 *                                      indirect; ring stop/start, reset
 *   test_daemon_polling.c              --poll-us: kicks off while polling,
 *                                      on again before sleeping
 *   test_daemon_hostile_messages.c     malformed and hostile vhost-user
 *                                      messages
 *   test_daemon_hostile_descriptors.c  malformed and hostile descriptor
 *                                      chains
 *   test_daemon_sessions.c             several sockets, one VMM at a time,
 *                                      reconnects
 *   test_daemon_process.c              SIGTERM, command lines, socket files
 *
 * Every test starts its own daemon on a fresh temporary directory (setup_s8:
 * -c 1 -l s8, setup_s8_session: the same and a guest; setup_multi: -c 3
 * -l s4:s8:s16; setup_none: none), and its
 * teardown checks that the daemon is still alive, then stops it with SIGTERM
 * and checks exit status 0 and that the socket files are gone.
 */
#ifndef VDG_TEST_DAEMON_H
#define VDG_TEST_DAEMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

int setup_s8(void **state);
/* setup_s8, and a guest negotiated with defaults in slot 0 (on socket 0). */
int setup_s8_session(void **state);
/* The short options, as users type them: -c 3 -l s4:s8:s16. */
int setup_multi(void **state);

#define T(f)  cmocka_unit_test_setup_teardown(f, setup_s8, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_s8_session, teardown)
#define TM(f) cmocka_unit_test_setup_teardown(f, setup_multi, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_none, teardown)
/* The test named test_@param: @f run after setup_s8, &@param as fx->param. */
#define TP(f, param)                                                    \
	{                                                               \
		"test_" #param, f, setup_s8, teardown, (void *)&(param) \
	}

/* The direction a line reports before anyone touched it (NONE or IN). */
uint8_t get_direction(struct vmm *v, uint16_t gpio);

/* "sim-0\0sim-1\0..." for @n lines; returns its size. */
uint32_t sim_names(unsigned int n, char *buf, size_t cap);

/*
 * GET_NAMES with room for @extra bytes more than the @n lines' sim names
 * need: answered OK with exactly those names, 1 + their size used.
 */
void expect_sim_names(struct vmm *v, unsigned int n, uint32_t extra);

/* A quick proof that socket @sock serves a new VMM properly. */
void fresh_session_works(struct fx *fx, unsigned int sock);

/*
 * Sends one hostile message on a fresh connection to socket 0 (after
 * GET_FEATURES, GET/SET_PROTOCOL_FEATURES) and expects the daemon to close
 * it.
 */
void expect_close(struct fx *fx, const char *what, uint32_t request,
		  uint32_t flags, const void *payload, uint32_t size,
		  const int *fds, unsigned int nfds);

/* Writes descriptor @d (little-endian fields). */
void desc_set(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next);

extern const struct fx_tests daemon_negotiation_tests;
extern const struct fx_tests daemon_requests_tests;
extern const struct fx_tests daemon_rings_tests;
extern const struct fx_tests daemon_polling_tests;
extern const struct fx_tests daemon_hostile_messages_tests;
extern const struct fx_tests daemon_hostile_descriptors_tests;
extern const struct fx_tests daemon_sessions_tests;
extern const struct fx_tests daemon_process_tests;

#endif
