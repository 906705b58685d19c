// SPDX-License-Identifier: MIT
/*
 * Hostile vhost-user messages: wrong sizes, versions and fd counts, bad
 * memory tables and regions, a region beyond its memfd, bad queue indexes,
 * sizes and ring addresses, unknown requests, huge payloads, truncated
 * messages.  The daemon closes the connection or refuses with an ack, keeps
 * no fd it was sent, and serves the next VMM.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_daemon.h"

/* @ret must be -EREMOTEIO (a non-zero ack); @fmt... names the request. */
static void __attribute__((format(printf, 2, 3)))
expect_refusal(int ret, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	if (ret == -EREMOTEIO)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fail_msg("%s: expected a refusal, got %d (%s)", what, ret,
		 strerror(-ret));
}

/* A refused SET_VRING_NUM without NEED_REPLY closes the connection. */
static void expect_vring_num_closes(struct fx *fx, uint32_t index, uint32_t num)
{
	struct vmm_vu_vring_state st = {index, num};
	char what[64];

	snprintf(what, sizeof(what), "SET_VRING_NUM(%u, %u) without NEED_REPLY",
		 index, num);
	expect_close(fx, what, VMM_VU_SET_VRING_NUM, VMM_VU_VERSION, &st,
		     sizeof(st), NULL, 0);
}

static const struct {
	uint32_t request;
	uint32_t size;
	unsigned int nfds;
	const char *name;
} fixed_size[] = {
	{VMM_VU_GET_FEATURES, 0, 0, "GET_FEATURES"},
	{VMM_VU_SET_FEATURES, 8, 0, "SET_FEATURES"},
	{VMM_VU_SET_OWNER, 0, 0, "SET_OWNER"},
	{VMM_VU_RESET_OWNER, 0, 0, "RESET_OWNER"},
	{VMM_VU_SET_VRING_NUM, 8, 0, "SET_VRING_NUM"},
	{VMM_VU_SET_VRING_ADDR, 40, 0, "SET_VRING_ADDR"},
	{VMM_VU_SET_VRING_BASE, 8, 0, "SET_VRING_BASE"},
	{VMM_VU_GET_VRING_BASE, 8, 0, "GET_VRING_BASE"},
	{VMM_VU_SET_VRING_KICK, 8, 1, "SET_VRING_KICK"},
	{VMM_VU_SET_VRING_CALL, 8, 1, "SET_VRING_CALL"},
	{VMM_VU_SET_VRING_ERR, 8, 1, "SET_VRING_ERR"},
	{VMM_VU_GET_PROTOCOL_FEATURES, 0, 0, "GET_PROTOCOL_FEATURES"},
	{VMM_VU_SET_PROTOCOL_FEATURES, 8, 0, "SET_PROTOCOL_FEATURES"},
	{VMM_VU_GET_QUEUE_NUM, 0, 0, "GET_QUEUE_NUM"},
	{VMM_VU_SET_VRING_ENABLE, 8, 0, "SET_VRING_ENABLE"},
	{VMM_VU_GET_MAX_MEM_SLOTS, 0, 0, "GET_MAX_MEM_SLOTS"},
	{VMM_VU_ADD_MEM_REG, 40, 1, "ADD_MEM_REG"},
	{VMM_VU_REM_MEM_REG, 40, 0, "REM_MEM_REG"},
	{VMM_VU_RESET_DEVICE, 0, 0, "RESET_DEVICE"},
	{VMM_VU_SET_STATUS, 8, 0, "SET_STATUS"},
	{VMM_VU_GET_STATUS, 0, 0, "GET_STATUS"},
};

static void test_hostile_wrong_sizes(void **state)
{
	struct fx *fx = *state;
	uint8_t payload[64];
	unsigned int i, k;
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds = proc_fd_count(fx->d.pid);

	assert_true(efd >= 0);
	memset(payload, 0, sizeof(payload));
	for (i = 0; i < sizeof(fixed_size) / sizeof(fixed_size[0]); i++) {
		int sizes[3] = {(int)fixed_size[i].size - 1,
				(int)fixed_size[i].size + 1,
				(int)fixed_size[i].size + 8};

		for (k = 0; k < 3; k++) {
			char what[96];
			int fds[1] = {efd};

			if (sizes[k] < 0)
				continue;
			snprintf(what, sizeof(what), "%s with %d payload bytes",
				 fixed_size[i].name, sizes[k]);
			expect_close(fx, what, fixed_size[i].request,
				     VMM_VU_VERSION | VMM_VU_FLAG_NEED_REPLY,
				     payload, (uint32_t)sizes[k], fds,
				     fixed_size[i].nfds);
		}
	}
	close(efd);
	/* Bad header versions. */
	{
		static const uint32_t bad_flags[] = {0, 2, 3,
						     VMM_VU_FLAG_NEED_REPLY};

		for (i = 0; i < 4; i++) {
			char what[64];

			snprintf(what, sizeof(what),
				 "GET_FEATURES with flags 0x%x", bad_flags[i]);
			expect_close(fx, what, VMM_VU_GET_FEATURES,
				     bad_flags[i], NULL, 0, NULL, 0);
		}
	}
	fx_vmm_free(fx, 0);
	EXPECT_FDS(fx, base_fds, 2000 * g_scale, "the hostile connections");
	fresh_session_works(fx, 0);
}

static void test_hostile_fd_counts(void **state)
{
	struct fx *fx = *state;
	int efd[20], i, base_fds;
	uint64_t kick0 = 0, kick0_nofd = VMM_VU_VRING_NOFD, feat = 0;
	struct vmm_vu_mem_table mt;
	struct vmm_vu_single_region sr = {0};
	struct vmm *tmp;

	base_fds = proc_fd_count(fx->d.pid);
	for (i = 0; i < 20; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		assert_true(efd[i] >= 0);
	}
	OK(vmm_new(NULL, &tmp));
	memset(&mt, 0, sizeof(mt));
	mt.nregions = 2;
	OK(vmm_region(tmp, 0, &mt.regions[0]));
	mt.regions[1] = mt.regions[0];
	mt.regions[1].gpa += 0x10000000;
	mt.regions[1].uva += 0x10000000;
	OK(vmm_region(tmp, 0, &sr.region));

	expect_close(fx, "SET_VRING_KICK with 2 fds", VMM_VU_SET_VRING_KICK,
		     VMM_VU_VERSION, &kick0, 8, efd, 2);
	expect_close(fx, "SET_VRING_KICK with no fd and no NOFD flag",
		     VMM_VU_SET_VRING_KICK, VMM_VU_VERSION, &kick0, 8, NULL, 0);
	expect_close(fx, "SET_VRING_KICK with NOFD flag and an fd",
		     VMM_VU_SET_VRING_KICK, VMM_VU_VERSION, &kick0_nofd, 8, efd,
		     1);
	expect_close(fx, "SET_VRING_CALL with 20 fds", VMM_VU_SET_VRING_CALL,
		     VMM_VU_VERSION, &kick0, 8, efd, 20);
	expect_close(fx, "SET_FEATURES with an fd", VMM_VU_SET_FEATURES,
		     VMM_VU_VERSION, &feat, 8, efd, 1);
	expect_close(fx, "GET_FEATURES with an fd", VMM_VU_GET_FEATURES,
		     VMM_VU_VERSION, NULL, 0, efd, 1);
	expect_close(fx, "SET_OWNER with 3 fds", VMM_VU_SET_OWNER,
		     VMM_VU_VERSION, NULL, 0, efd, 3);
	{
		int mfd[3] = {vmm_mem_fd(tmp), vmm_mem_fd(tmp),
			      vmm_mem_fd(tmp)};

		expect_close(fx, "SET_MEM_TABLE 2 regions, 1 fd",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 64,
			     mfd, 1);
		mt.nregions = 1;
		expect_close(fx, "SET_MEM_TABLE 1 region, 2 fds",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 32,
			     mfd, 2);
		expect_close(fx, "SET_MEM_TABLE 1 region, 0 fds",
			     VMM_VU_SET_MEM_TABLE, VMM_VU_VERSION, &mt, 8 + 32,
			     NULL, 0);
		expect_close(fx, "ADD_MEM_REG with 0 fds", VMM_VU_ADD_MEM_REG,
			     VMM_VU_VERSION, &sr, sizeof(sr), NULL, 0);
		expect_close(fx, "ADD_MEM_REG with 2 fds", VMM_VU_ADD_MEM_REG,
			     VMM_VU_VERSION, &sr, sizeof(sr), mfd, 2);
	}
	vmm_free(tmp);
	for (i = 0; i < 20; i++)
		close(efd[i]);
	fx_vmm_free(fx, 0);
	EXPECT_FDS(fx, base_fds, 2000 * g_scale,
		   "messages with wrong fds (received fds leaked?)");
	fresh_session_works(fx, 0);
}

/* Sends a SET_MEM_TABLE claiming @nregions with @size bytes and @nfds. */
static int send_mem_table(struct vmm *v, uint32_t nregions, uint32_t size,
			  unsigned int nfds, bool need_reply)
{
	uint8_t buf[8 + 32 * 12];
	struct vmm_vu_region r;
	int fds[12];
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &nregions, 4);
	OK(vmm_region(v, 0, &r));
	for (i = 0; i < 12; i++) {
		struct vmm_vu_region ri = r;

		ri.gpa += i * 0x10000000ull;
		ri.uva += i * 0x10000000ull;
		memcpy(buf + 8 + 32 * i, &ri, 32);
		fds[i] = vmm_mem_fd(v);
	}
	return vmm_send(v, VMM_VU_SET_MEM_TABLE,
			VMM_VU_VERSION |
				(need_reply ? VMM_VU_FLAG_NEED_REPLY : 0),
			buf, size, fds, nfds);
}

/* Either closes the connection or answers a non-zero ack. */
static void expect_refused_or_closed(struct vmm *v, uint32_t request,
				     const char *what)
{
	struct vmm_vu_msg m;
	int ret = vmm_recv(v, &m, NULL, NULL);

	if (ret == -ECONNRESET) {
		vmm_disconnect(v);
		return;
	}
	if (ret)
		fail_msg("%s: no reply and no close: %d (%s)", what, ret,
			 strerror(-ret));
	if (m.hdr.request != request || m.hdr.size != 8)
		fail_msg("%s: odd reply (request %u, size %u)", what,
			 m.hdr.request, m.hdr.size);
	if (m.payload.u64 == 0)
		fail_msg("%s: accepted (ack 0)", what);
}

static void test_hostile_mem_table(void **state)
{
	struct fx *fx = *state;
	struct vmm *v;
	uint64_t pf;
	int base_fds = proc_fd_count(fx->d.pid);
	static const struct {
		uint32_t nregions, size;
		unsigned int nfds;
		const char *what;
	} cases[] = {
		{9, 8 + 32 * 9, 9, "nregions 9"},
		{12, 8 + 32 * 12, 12, "nregions 12"},
		{0x80000000u, 8 + 32 * 8, 8, "nregions 2^31"},
		{1, 8 + 32 * 2, 1, "nregions 1 with 2 regions of payload"},
		{2, 8 + 32 * 1, 2, "nregions 2 with 1 region of payload"},
		{1, 8 + 32 + 1, 1, "one byte too many"},
		{1, 8 + 31, 1, "one byte short"},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = fx_vmm(fx, 0, NULL);
		fx_connect(fx, v, 0);
		OK(vmm_get_protocol_features(v, &pf));
		OK(vmm_set_protocol_features(v, pf));
		OK(send_mem_table(v, cases[i].nregions, cases[i].size,
				  cases[i].nfds, true));
		expect_refused_or_closed(v, VMM_VU_SET_MEM_TABLE,
					 cases[i].what);
		assert_true(daemon_alive(&fx->d));
	}
	fx_vmm_free(fx, 0);
	EXPECT_FDS(fx, base_fds, 2000 * g_scale, "bad mem tables");
	fresh_session_works(fx, 0);
}

/* Well-formed region descriptions with bad content: refused, session kept. */
static void test_hostile_mem_regions(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct vmm_vu_region good;
	struct vmm_vu_single_region sr;
	int fd = vmm_mem_fd(v);
	struct {
		const char *what;
		uint64_t gpa, size, uva, off;
	} cases[6];
	unsigned int i;

	OK(vmm_region(v, 0, &good));
	cases[0] = (typeof(cases[0])){"size 0", 0x40000000, 0, 0x7000000000, 0};
	cases[1] = (typeof(cases[0])){"gpa + size overflows",
				      0xfffffffffffff000ull, 0x2000,
				      0x7000000000, 0};
	cases[2] = (typeof(cases[0])){"uva + size overflows", 0x40000000,
				      0x2000, 0xfffffffffffff000ull, 0};
	cases[3] =
		(typeof(cases[0])){"mmap offset + size overflows", 0x40000000,
				   0x2000, 0x7000000000, 0xfffffffffffff000ull};
	cases[4] = (typeof(cases[0])){"overlaps region 0 in GPA", good.gpa,
				      0x1000, 0x7000000000, 0};
	cases[5] = (typeof(cases[0])){"overlaps region 0 in UVA", 0x40000000,
				      0x1000, good.uva, 0};
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < 6; i++) {
		int ret;

		sr.padding = 0;
		sr.region.gpa = cases[i].gpa;
		sr.region.size = cases[i].size;
		sr.region.uva = cases[i].uva;
		sr.region.mmap_offset = cases[i].off;
		ret = vmm_request(v, VMM_VU_ADD_MEM_REG, &sr, sizeof(sr), &fd,
				  1, true);
		expect_refusal(ret, "ADD_MEM_REG %s", cases[i].what);
		REQ_OK(v, GET_VAL, 0, 0, 0);
	}
}

/* A region bigger than its memfd: the daemon must not die of SIGBUS. */
static void test_hostile_region_beyond_eof(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	struct vmm_vu_region good;
	struct vmm_vu_single_region sr = {0};
	struct virtio_gpio_request *rq;
	struct vmm_ring_view rv;
	uint64_t rq_gpa;
	int fd = vmm_mem_fd(v), ret;

	OK(vmm_region(v, 0, &good));
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	sr.region.gpa = 0x40000000;
	sr.region.size = 0x100000;
	sr.region.uva = 0x7000000000ull;
	sr.region.mmap_offset = good.mmap_offset + good.size; /* past EOF */
	ret = vmm_request(v, VMM_VU_ADD_MEM_REG, &sr, sizeof(sr), &fd, 1, true);
	if (ret == -EREMOTEIO) {
		REQ_OK(v, GET_VAL, 0, 0, 0);
		return; /* refused up front: fine */
	}
	OK(ret);
	/* Accepted: point a request's response into it. */
	OK(vmm_mem_alloc(v, 8, 8, &rq_gpa, (void **)&rq));
	rq->type = htole16(GET_VAL);
	OK(vmm_queue_view(v, 0, &rv));
	rv.desc[0] =
		(struct vring_desc){htole64(rq_gpa), htole32(8),
				    htole16(VRING_DESC_F_NEXT), htole16(1)};
	rv.desc[1] = (struct vring_desc){htole64(0x40000000), htole32(2),
					 htole16(VRING_DESC_F_WRITE), 0};
	OK(vmm_queue_publish(v, 0, 0));
	OK(vmm_queue_kick_force(v, 0));
	sleep_ms(quiet_ms(300));
	if (!daemon_alive(&fx->d))
		fail_msg("daemon died after using a region beyond the end of "
			 "its memfd");
	vmm_disconnect(v);
	fresh_session_works(fx, 0);
}

static void test_hostile_bad_queue_index(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint32_t bad[] = {2, 3, 255, 256, 0xffffffff};
	struct vmm_vu_vring_addr addr = {0};
	uint64_t f;
	unsigned int i;
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds;

	assert_true(efd >= 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	/* A round trip: the set-up's last messages are all handled. */
	OK(vmm_get_features(v, &f));
	base_fds = proc_fd_count(fx->d.pid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_RET(vmm_set_vring_num(v, bad[i], 256), -EREMOTEIO);
		EXPECT_RET(vmm_set_vring_base(v, bad[i], 0), -EREMOTEIO);
		EXPECT_RET(vmm_set_vring_enable(v, bad[i], true), -EREMOTEIO);
		addr.index = bad[i];
		EXPECT_RET(vmm_set_vring_addr(v, &addr), -EREMOTEIO);
		if (bad[i] <= 255) {
			/* u64 index field: bits 0-7 only. */
			EXPECT_RET(vmm_set_vring_kick(v, bad[i], efd),
				   -EREMOTEIO);
			EXPECT_RET(vmm_set_vring_call(v, bad[i], efd),
				   -EREMOTEIO);
			EXPECT_RET(vmm_set_vring_err(v, bad[i], efd),
				   -EREMOTEIO);
		}
		OK(vmm_get_features(v, &f));
	}
	close(efd);
	EXPECT_FDS(fx, base_fds, 2000 * g_scale,
		   "refused KICK/CALL/ERR (fds of refused messages leaked?)");
	/* The eventq index (1) is fine even though never configured. */
	OK(vmm_set_vring_enable(v, 1, true));
	REQ_OK(v, GET_VAL, 0, 0, 0);

	/* GET_VRING_BASE of a bad index: refused somehow, daemon alive. */
	{
		struct vmm_vu_vring_state st = {255, 0};
		struct vmm_vu_msg m;
		int ret = vmm_call(v, VMM_VU_GET_VRING_BASE, VMM_VU_VERSION,
				   &st, sizeof(st), &m);

		if (ret != 0 && ret != -ECONNRESET)
			fail_msg("GET_VRING_BASE(255): %d (%s)", ret,
				 strerror(-ret));
		vmm_disconnect(v);
	}
	/* Without NEED_REPLY a refusal closes the connection. */
	expect_vring_num_closes(fx, 255, 256);
	fresh_session_works(fx, 0);
}

static void test_hostile_vring_num(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	static const uint32_t bad[] = {0,     3,     6,	    100,
				       32769, 65535, 65536, 0xffffffff};
	unsigned int i;

	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vmm_set_vring_num(v, 1, bad[i]);

		expect_refusal(ret, "SET_VRING_NUM %u", bad[i]);
	}
	OK(vmm_set_vring_num(v, 1, 1));
	OK(vmm_set_vring_num(v, 1, 32768));
	REQ_OK(v, GET_VAL, 0, 0, 0);
	expect_vring_num_closes(fx, 1, 3);
	fresh_session_works(fx, 0);
}

static void test_hostile_vring_addr(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_negotiate_options no;
	struct vmm_ring_view rv;
	struct vmm_vu_region r;
	struct vmm_vu_vring_addr a;
	uint64_t end;
	unsigned int i;
	struct {
		const char *what;
		int which; /* 0 desc, 1 used, 2 avail */
		uint64_t uva;
	} cases[6];

	vmm_negotiate_options_init(&no);
	no.nqueues = 2;
	fx_session(fx, v, 0, &no);
	OK(vmm_queue_view(v, 1, &rv));
	OK(vmm_region(v, 0, &r));
	end = r.uva + r.size;
	cases[0] = (typeof(cases[0])){"desc at 0x1000", 0, 0x1000};
	cases[1] = (typeof(cases[0])){"desc running past the end", 0, end - 16};
	cases[2] = (typeof(cases[0])){"used past the end", 1, end + 4096};
	cases[3] = (typeof(cases[0])){"used running past the end", 1, end - 8};
	cases[4] = (typeof(cases[0])){"avail at ~0", 2, ~0ull - 3};
	cases[5] = (typeof(cases[0])){"avail running past the end", 2, end - 4};
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	for (i = 0; i < 6; i++) {
		int ret;

		a = (struct vmm_vu_vring_addr){
			1, 0, rv.desc_uva, rv.used_uva, rv.avail_uva, 0};
		if (cases[i].which == 0)
			a.desc_uva = cases[i].uva;
		else if (cases[i].which == 1)
			a.used_uva = cases[i].uva;
		else
			a.avail_uva = cases[i].uva;
		ret = vmm_set_vring_addr(v, &a);
		expect_refusal(ret, "SET_VRING_ADDR %s", cases[i].what);
		REQ_OK(v, GET_VAL, 0, 0, 0);
	}
}

/*
 * QEMU started without a shared memory backend shares no region at all:
 * the first ring address then fails, and the log must say what to change
 * rather than only "not in guest memory".
 */
static void test_no_shared_memory_is_explained(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_vu_vring_addr a = {0, 0, 0x10000, 0x12000, 0x11000, 0};
	uint64_t features;
	int ret;

	fx_connect(fx, v, 0);
	vmm_set_ack_mode(v, VMM_ACK_ALL);
	OK(vmm_set_owner(v));
	OK(vmm_get_features(v, &features));
	OK(vmm_set_features(v, features));
	OK(vmm_get_protocol_features(v, &features));
	OK(vmm_set_protocol_features(v, features));
	OK(vmm_set_vring_num(v, 0, 256));
	ret = vmm_set_vring_addr(v, &a);
	expect_refusal(ret, "SET_VRING_ADDR without memory");
	if (!daemon_log_wait(&fx->d, "shared no guest memory",
			     2000 * g_scale)) {
		print_log(&fx->d, "no hint about shared memory");
		fail_msg("the log does not explain the empty memory table");
	}
	assert_true(daemon_log_wait(&fx->d, "share=on", 0));
	fx_vmm_free(fx, 0);
	fresh_session_works(fx, 0);
}

static void test_hostile_unknown_request(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx->v[0];
	uint64_t payload = 0x1234, f;
	uint32_t got = 0;

	vmm_set_ack_mode(v, VMM_ACK_ALL);
	EXPECT_RET(vmm_request(v, 999, NULL, 0, NULL, 0, true), -EREMOTEIO);
	EXPECT_RET(vmm_request(v, 999, &payload, 8, NULL, 0, true), -EREMOTEIO);
	EXPECT_RET(vmm_request(v, 0, NULL, 0, NULL, 0, true), -EREMOTEIO);
	/* Without NEED_REPLY: ignored, nothing sent back, session kept. */
	OK(vmm_send(v, 999, VMM_VU_VERSION, &payload, 8, NULL, 0));
	OK(vmm_send(v, 0x7fffffff, VMM_VU_VERSION, NULL, 0, NULL, 0));
	EXPECT_RET(vmm_wait_closed(v, quiet_ms(200), &got), -ETIMEDOUT);
	OK(vmm_get_features(v, &f));
	REQ_OK(v, GET_VAL, 0, 0, 0);
}

static void test_hostile_huge_payload(void **state)
{
	static const struct {
		const char *what;
		uint32_t request, size;
		unsigned int chunks; /* of 4 KiB sent after the header */
	} cases[] = {
		{"4 GiB payload header", VMM_VU_SET_FEATURES, 0xffffffffu, 1},
		{"unknown request with 4 GiB payload", 999, 0xffffffffu, 1},
		{"SET_MEM_TABLE with 64 KiB payload", VMM_VU_SET_MEM_TABLE,
		 0x10000, 16},
	};
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	uint8_t junk[4096];
	unsigned int i, k;
	int ret;

	memset(junk, 0, sizeof(junk));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_vu_hdr h = {cases[i].request, VMM_VU_VERSION,
				       cases[i].size};

		fx_connect(fx, v, 0);
		OK(vmm_send_bytes(v, &h, sizeof(h), NULL, 0));
		/* The daemon may close before we finish: ignore errors. */
		for (k = 0; k < cases[i].chunks; k++)
			(void)vmm_send_bytes(v, junk, sizeof(junk), NULL, 0);
		ret = vmm_wait_closed(v, 2000 * g_scale, NULL);
		if (ret)
			fail_msg("%s: expected a close, got %d (%s)",
				 cases[i].what, ret, strerror(-ret));
	}
	fresh_session_works(fx, 0);
}

static void test_hostile_truncated(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_vmm(fx, 0, NULL);
	struct vmm_vu_hdr h = {VMM_VU_SET_FEATURES, VMM_VU_VERSION, 8};
	uint8_t partial[16];
	int efd = eventfd(0, EFD_CLOEXEC);
	int base_fds = proc_fd_count(fx->d.pid);

	/* Half a header, then close. */
	fx_connect(fx, v, 0);
	OK(vmm_send_bytes(v, &h, 6, NULL, 0));
	vmm_disconnect(v);
	/* A header and half its payload, then close. */
	fx_connect(fx, v, 0);
	memcpy(partial, &h, sizeof(h));
	memset(partial + sizeof(h), 0, 4);
	OK(vmm_send_bytes(v, partial, sizeof(h) + 4, NULL, 0));
	vmm_disconnect(v);
	/* Half a header carrying an fd, then close. */
	fx_connect(fx, v, 0);
	h.request = VMM_VU_SET_VRING_CALL;
	OK(vmm_send_bytes(v, &h, 5, &efd, 1));
	vmm_disconnect(v);
	/* One byte, then close. */
	fx_connect(fx, v, 0);
	OK(vmm_send_bytes(v, &h, 1, NULL, 0));
	vmm_disconnect(v);
	/* Connect and close at once. */
	fx_connect(fx, v, 0);
	vmm_disconnect(v);
	close(efd);
	EXPECT_FDS(fx, base_fds, 2000 * g_scale, "truncated messages");
	fresh_session_works(fx, 0);
}

static const struct CMUnitTest tests[] = {
	T(test_hostile_wrong_sizes),
	T(test_hostile_fd_counts),
	T(test_hostile_mem_table),
	TS(test_hostile_mem_regions),
	TS(test_hostile_region_beyond_eof),
	TS(test_hostile_bad_queue_index),
	TS(test_hostile_vring_num),
	T(test_hostile_vring_addr),
	T(test_no_shared_memory_is_explained),
	TS(test_hostile_unknown_request),
	T(test_hostile_huge_payload),
	T(test_hostile_truncated),
};

const struct fx_tests daemon_hostile_messages_tests = FX_TESTS(tests);
