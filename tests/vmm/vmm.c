// SPDX-License-Identifier: MIT
/*
 * VMM stand-in: vhost-user front-end and split-ring driver.  See vmm.h.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "unit_helpers.h"
#include "vmm.h"

#define PAGE_SIZE 4096u
/* Bytes after each batch response, pre-filled and checked afterwards. */
#define RESP_GUARD 2u
#define FILL_BYTE  0xee
/* An interrupt pair's slot: readable part, then writable part. */
#define IRQ_SLOT (2 * VMM_GPIO_IRQ_PART_MAX)

struct vmm_region_map {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
	uint8_t *host;
};

struct vmm_queue {
	bool setup;
	unsigned int num;
	bool event_idx;
	bool suppressed; /* the driver asked for no interrupts */
	bool indirect;
	unsigned int indirect_max;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *ind_tables; /* num * indirect_max, or NULL */
	uint64_t ind_gpa;
	int kick_fd;
	int call_fd;
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* used entries consumed */
	uint16_t num_added; /* published since the last kick */
	uint16_t free_head;
	unsigned int num_free;
	unsigned int inflight;
	bool call_seen;
	uint16_t *next;	     /* our copy of each descriptor's next */
	uint16_t *chain_len; /* descriptors of each outstanding head, 0 */
	/* GPIO interrupt pairs: one IRQ_SLOT-byte slot per head, or NULL. */
	uint8_t *irq_slots;
	uint64_t irq_gpa;
	uint16_t *irq_gpio; /* the line of each head's pair */
};

struct vmm {
	struct vmm_options opts;
	int memfd;
	uint8_t *map;
	size_t map_size;
	uint64_t chunk;
	struct vmm_region_map regions[VMM_MAX_REGIONS];
	unsigned int nregions;
	uint64_t alloc_pos;

	int sock;
	enum vmm_ack_mode ack_mode;
	uint64_t last_ack;
	uint64_t offered, offered_proto, acked, acked_proto, queue_num;
	struct virtio_gpio_config config;
	struct vmm_queue queues[VMM_MAX_QUEUES];
};

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left < 0 ? 0 : (int)left;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000,
			      .tv_nsec = (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

static int pick_timeout(const struct vmm *vmm, int timeout_ms)
{
	return timeout_ms < 0 ? vmm->opts.timeout_ms : timeout_ms;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- creation ---- */

void vmm_options_init(struct vmm_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->mem_size = 4u << 20;
	opts->gpa_base = 0x100000;
	opts->nregions = 1;
	opts->timeout_ms = 5000;
}

static void queue_init(struct vmm_queue *vq)
{
	memset(vq, 0, sizeof(*vq));
	vq->kick_fd = -1;
	vq->call_fd = -1;
}

int vmm_new(const struct vmm_options *opts, struct vmm **out)
{
	struct vmm_options def;
	struct vmm *vmm;
	unsigned int i;
	int ret;

	if (!opts) {
		vmm_options_init(&def);
		opts = &def;
	}
	if (opts->nregions < 1 || opts->nregions > VMM_MAX_REGIONS ||
	    !opts->mem_size ||
	    opts->mem_size % ((uint64_t)opts->nregions * PAGE_SIZE) ||
	    opts->gpa_base % PAGE_SIZE || opts->gpa_gap % PAGE_SIZE ||
	    opts->file_offset % PAGE_SIZE || opts->timeout_ms < 0)
		return -EINVAL;

	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return -ENOMEM;
	vmm->opts = *opts;
	vmm->sock = -1;
	vmm->ack_mode = VMM_ACK_QEMU;
	for (i = 0; i < VMM_MAX_QUEUES; i++)
		queue_init(&vmm->queues[i]);

	vmm->map_size = opts->file_offset + opts->mem_size;
	vmm->map = unit_memfd_map("vmm-guest-ram", vmm->map_size, &vmm->memfd);
	if (!vmm->map) {
		ret = -errno;
		free(vmm);
		return ret;
	}

	vmm->nregions = opts->nregions;
	vmm->chunk = opts->mem_size / opts->nregions;
	for (i = 0; i < vmm->nregions; i++) {
		struct vmm_region_map *r = &vmm->regions[i];

		r->gpa = opts->gpa_base + i * (vmm->chunk + opts->gpa_gap);
		r->size = vmm->chunk;
		r->mmap_offset = opts->file_offset + i * vmm->chunk;
		r->host = vmm->map + r->mmap_offset;
		r->uva = (uint64_t)(uintptr_t)r->host;
	}
	*out = vmm;
	return 0;
}

void vmm_free(struct vmm *vmm)
{
	if (!vmm)
		return;
	vmm_disconnect(vmm);
	munmap(vmm->map, vmm->map_size);
	close(vmm->memfd);
	free(vmm);
}

/* ---- connection ---- */

int vmm_connect(struct vmm *vmm, const char *path, int timeout_ms)
{
	int64_t deadline = now_ms() + pick_timeout(vmm, timeout_ms);
	int fd, err;

	if (vmm->sock >= 0)
		return -EISCONN;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		err = unit_connect(fd, path);
		if (err == 0)
			break;
		close(fd);
		if (err != -ENOENT && err != -ECONNREFUSED && err != -EAGAIN)
			return err;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		sleep_us(5000);
	}
	vmm->sock = fd;
	vmm->last_ack = 0;
	return 0;
}

void vmm_queue_teardown(struct vmm *vmm, unsigned int q)
{
	struct vmm_queue *vq;

	if (q >= VMM_MAX_QUEUES)
		return;
	vq = &vmm->queues[q];
	close_fd(&vq->kick_fd);
	close_fd(&vq->call_fd);
	free(vq->next);
	free(vq->chain_len);
	free(vq->irq_gpio);
	queue_init(vq);
}

void vmm_disconnect(struct vmm *vmm)
{
	unsigned int i;

	close_fd(&vmm->sock);
	for (i = 0; i < VMM_MAX_QUEUES; i++)
		vmm_queue_teardown(vmm, i);
	vmm->alloc_pos = 0;
	vmm->offered = vmm->offered_proto = 0;
	vmm->acked = vmm->acked_proto = 0;
	vmm->queue_num = 0;
	memset(&vmm->config, 0, sizeof(vmm->config));
}

void vmm_drop_connection(struct vmm *vmm)
{
	close_fd(&vmm->sock);
	vmm->offered = vmm->offered_proto = 0;
	vmm->acked = vmm->acked_proto = 0;
	vmm->queue_num = 0;
	memset(&vmm->config, 0, sizeof(vmm->config));
}

bool vmm_connected(const struct vmm *vmm)
{
	return vmm->sock >= 0;
}

int vmm_socket_fd(const struct vmm *vmm)
{
	return vmm->sock;
}

void vmm_set_timeout(struct vmm *vmm, int timeout_ms)
{
	if (timeout_ms >= 0)
		vmm->opts.timeout_ms = timeout_ms;
}

int vmm_timeout(const struct vmm *vmm)
{
	return vmm->opts.timeout_ms;
}

/* ---- raw messages ---- */

static int send_iov(struct vmm *vmm, struct iovec *iov, int iovcnt,
		    const int *fds, unsigned int nfds)
{
	size_t total = 0;
	ssize_t n;
	int i;

	if (vmm->sock < 0)
		return -ENOTCONN;
	if (nfds > UNIT_SCM_MAX_FDS)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;

	while (total) {
		do {
			n = unit_send_fds(vmm->sock, iov, iovcnt, fds, nfds,
					  MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		total -= (size_t)n;
		/* Later pieces go without the descriptors. */
		nfds = 0;
		while (n > 0 && iovcnt) {
			if ((size_t)n >= iov->iov_len) {
				n -= (ssize_t)iov->iov_len;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (char *)iov->iov_base + n;
				iov->iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return 0;
}

int vmm_send(struct vmm *vmm, uint32_t request, uint32_t flags,
	     const void *payload, uint32_t size, const int *fds,
	     unsigned int nfds)
{
	struct vmm_vu_hdr hdr = {request, flags, size};
	struct iovec iov[2] = {
		{.iov_base = &hdr, .iov_len = sizeof(hdr)},
		{.iov_base = (void *)payload, .iov_len = payload ? size : 0},
	};

	if (size && !payload)
		return -EINVAL;
	return send_iov(vmm, iov, size ? 2 : 1, fds, nfds);
}

int vmm_send_bytes(struct vmm *vmm, const void *buf, size_t len, const int *fds,
		   unsigned int nfds)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return send_iov(vmm, &iov, 1, fds, nfds);
}

/* Reads exactly @len bytes before @deadline, collecting fds. */
static int recv_exact(struct vmm *vmm, void *buf, size_t len, int64_t deadline,
		      int *fds, unsigned int cap, unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(UNIT_SCM_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = {.iov_base = (char *)buf + got,
				    .iov_len = len - got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf)};
		struct pollfd pfd = {.fd = vmm->sock, .events = POLLIN};
		struct cmsghdr *c;
		ssize_t n;
		int r;

		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = recvmsg(vmm->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			unsigned int k, cnt;
			int *p;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			p = (int *)CMSG_DATA(c);
			for (k = 0; k < cnt; k++) {
				int fd;

				memcpy(&fd, p + k, sizeof(fd));
				if (fds && *nfds < cap)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

int vmm_recv(struct vmm *vmm, struct vmm_vu_msg *msg, int *fds,
	     unsigned int *nfds)
{
	int64_t deadline = now_ms() + vmm->opts.timeout_ms;
	unsigned int cap = 0, dummy = 0;
	int ret;

	if (vmm->sock < 0)
		return -ENOTCONN;
	if (fds && nfds) {
		cap = *nfds;
		*nfds = 0;
	} else {
		fds = NULL;
		nfds = &dummy;
	}
	memset(&msg->hdr, 0, sizeof(msg->hdr));
	ret = recv_exact(vmm, &msg->hdr, sizeof(msg->hdr), deadline, fds, cap,
			 nfds);
	if (ret < 0)
		return ret;
	if ((msg->hdr.flags & VMM_VU_VERSION_MASK) != VMM_VU_VERSION ||
	    !(msg->hdr.flags & VMM_VU_FLAG_REPLY) ||
	    msg->hdr.size > VMM_MAX_PAYLOAD)
		return -EPROTO;
	if (!msg->hdr.size)
		return 0;
	return recv_exact(vmm, msg->payload.raw, msg->hdr.size, deadline, fds,
			  cap, nfds);
}

/* Whether @fd is readable within @timeout_ms: 1, 0, or -errno. */
static int poll_in(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r;

	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r > 0;
}

int vmm_poll_socket(struct vmm *vmm, int timeout_ms)
{
	if (vmm->sock < 0)
		return -ENOTCONN;
	return poll_in(vmm->sock, timeout_ms);
}

int vmm_wait_closed(struct vmm *vmm, int timeout_ms, uint32_t *msg_request)
{
	int64_t deadline = now_ms() + pick_timeout(vmm, timeout_ms);
	struct vmm_vu_hdr hdr;
	ssize_t n;
	int r;

	if (vmm->sock < 0)
		return -ENOTCONN;
	for (;;) {
		r = vmm_poll_socket(vmm, remaining_ms(deadline));
		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(vmm->sock, &hdr, sizeof(hdr), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			vmm_disconnect(vmm);
			return 0;
		}
		if (n < 0)
			return -errno;
		if (msg_request && (size_t)n >= sizeof(hdr.request))
			*msg_request = hdr.request;
		return -EPROTO;
	}
}

/* ---- requests ---- */

void vmm_set_ack_mode(struct vmm *vmm, enum vmm_ack_mode mode)
{
	vmm->ack_mode = mode;
}

uint64_t vmm_last_ack(const struct vmm *vmm)
{
	return vmm->last_ack;
}

static bool want_ack(const struct vmm *vmm, uint32_t request)
{
	if (!(vmm->acked_proto & VMM_BIT(VMM_PF_REPLY_ACK)))
		return false;
	switch (vmm->ack_mode) {
	case VMM_ACK_NONE:
		return false;
	case VMM_ACK_ALL:
		return true;
	case VMM_ACK_QEMU:
	default:
		return request == VMM_VU_SET_MEM_TABLE ||
		       request == VMM_VU_ADD_MEM_REG ||
		       request == VMM_VU_REM_MEM_REG;
	}
}

int vmm_request(struct vmm *vmm, uint32_t request, const void *payload,
		uint32_t size, const int *fds, unsigned int nfds,
		bool need_reply)
{
	struct vmm_vu_msg reply;
	uint32_t flags = VMM_VU_VERSION;
	int ret;

	if (need_reply)
		flags |= VMM_VU_FLAG_NEED_REPLY;
	ret = vmm_send(vmm, request, flags, payload, size, fds, nfds);
	if (ret < 0 || !need_reply)
		return ret;
	ret = vmm_recv(vmm, &reply, NULL, NULL);
	if (ret < 0)
		return ret;
	if (reply.hdr.request != request || reply.hdr.size != sizeof(uint64_t))
		return -EPROTO;
	vmm->last_ack = reply.payload.u64;
	return vmm->last_ack ? -EREMOTEIO : 0;
}

/* A message without its own reply, acked according to the mode. */
static int simple(struct vmm *vmm, uint32_t request, const void *payload,
		  uint32_t size, const int *fds, unsigned int nfds)
{
	return vmm_request(vmm, request, payload, size, fds, nfds,
			   want_ack(vmm, request));
}

int vmm_call(struct vmm *vmm, uint32_t request, uint32_t flags,
	     const void *payload, uint32_t size, struct vmm_vu_msg *reply)
{
	int ret;

	ret = vmm_send(vmm, request, flags, payload, size, NULL, 0);
	if (ret < 0)
		return ret;
	ret = vmm_recv(vmm, reply, NULL, NULL);
	if (ret < 0)
		return ret;
	if (reply->hdr.request != request)
		return -EPROTO;
	return 0;
}

static uint32_t call_flags(const struct vmm *vmm, uint32_t request)
{
	return VMM_VU_VERSION |
	       (want_ack(vmm, request) ? VMM_VU_FLAG_NEED_REPLY : 0);
}

static int get_u64(struct vmm *vmm, uint32_t request, uint64_t *val)
{
	struct vmm_vu_msg reply;
	int ret;

	ret = vmm_call(vmm, request, call_flags(vmm, request), NULL, 0, &reply);
	if (ret < 0)
		return ret;
	if (reply.hdr.size != sizeof(uint64_t))
		return -EPROTO;
	*val = reply.payload.u64;
	return 0;
}

static int set_u64(struct vmm *vmm, uint32_t request, uint64_t val)
{
	return simple(vmm, request, &val, sizeof(val), NULL, 0);
}

int vmm_get_features(struct vmm *vmm, uint64_t *features)
{
	return get_u64(vmm, VMM_VU_GET_FEATURES, features);
}

int vmm_set_features(struct vmm *vmm, uint64_t features)
{
	int ret = set_u64(vmm, VMM_VU_SET_FEATURES, features);

	if (ret == 0) {
		unsigned int i;

		vmm->acked = features;
		for (i = 0; i < VMM_MAX_QUEUES; i++)
			vmm->queues[i].event_idx =
				features & VMM_BIT(VMM_F_EVENT_IDX);
	}
	return ret;
}

int vmm_get_protocol_features(struct vmm *vmm, uint64_t *features)
{
	return get_u64(vmm, VMM_VU_GET_PROTOCOL_FEATURES, features);
}

int vmm_set_protocol_features(struct vmm *vmm, uint64_t features)
{
	int ret = set_u64(vmm, VMM_VU_SET_PROTOCOL_FEATURES, features);

	if (ret == 0)
		vmm->acked_proto = features;
	return ret;
}

int vmm_get_queue_num(struct vmm *vmm, uint64_t *num)
{
	return get_u64(vmm, VMM_VU_GET_QUEUE_NUM, num);
}

int vmm_get_max_mem_slots(struct vmm *vmm, uint64_t *slots)
{
	return get_u64(vmm, VMM_VU_GET_MAX_MEM_SLOTS, slots);
}

int vmm_set_owner(struct vmm *vmm)
{
	return simple(vmm, VMM_VU_SET_OWNER, NULL, 0, NULL, 0);
}

int vmm_reset_owner(struct vmm *vmm)
{
	return simple(vmm, VMM_VU_RESET_OWNER, NULL, 0, NULL, 0);
}

int vmm_reset_device(struct vmm *vmm)
{
	return simple(vmm, VMM_VU_RESET_DEVICE, NULL, 0, NULL, 0);
}

int vmm_set_status(struct vmm *vmm, uint64_t status)
{
	return set_u64(vmm, VMM_VU_SET_STATUS, status);
}

int vmm_get_status(struct vmm *vmm, uint64_t *status)
{
	return get_u64(vmm, VMM_VU_GET_STATUS, status);
}

int vmm_region(const struct vmm *vmm, unsigned int index,
	       struct vmm_vu_region *out)
{
	const struct vmm_region_map *r;

	if (index >= vmm->nregions)
		return -EINVAL;
	r = &vmm->regions[index];
	out->gpa = r->gpa;
	out->size = r->size;
	out->uva = r->uva;
	out->mmap_offset = r->mmap_offset;
	return 0;
}

int vmm_mem_fd(const struct vmm *vmm)
{
	return vmm->memfd;
}

int vmm_set_mem_table(struct vmm *vmm, unsigned int nregions)
{
	struct vmm_vu_mem_table mt;
	int fds[VMM_MEM_TABLE_REGIONS];
	unsigned int i;

	if (!nregions)
		nregions = vmm->nregions;
	if (nregions > vmm->nregions || nregions > VMM_MEM_TABLE_REGIONS)
		return -E2BIG;
	memset(&mt, 0, sizeof(mt));
	mt.nregions = nregions;
	for (i = 0; i < nregions; i++) {
		vmm_region(vmm, i, &mt.regions[i]);
		fds[i] = vmm->memfd;
	}
	return simple(vmm, VMM_VU_SET_MEM_TABLE, &mt,
		      8 + nregions * sizeof(struct vmm_vu_region), fds,
		      nregions);
}

/* ADD_MEM_REG (with the memfd) or REM_MEM_REG (without) of region @index. */
static int mem_reg(struct vmm *vmm, uint32_t request, unsigned int index)
{
	bool add = request == VMM_VU_ADD_MEM_REG;
	struct vmm_vu_single_region sr = {0};
	int ret;

	ret = vmm_region(vmm, index, &sr.region);
	if (ret < 0)
		return ret;
	return simple(vmm, request, &sr, sizeof(sr), add ? &vmm->memfd : NULL,
		      add ? 1 : 0);
}

int vmm_add_mem_reg(struct vmm *vmm, unsigned int index)
{
	return mem_reg(vmm, VMM_VU_ADD_MEM_REG, index);
}

int vmm_rem_mem_reg(struct vmm *vmm, unsigned int index)
{
	return mem_reg(vmm, VMM_VU_REM_MEM_REG, index);
}

static int set_state(struct vmm *vmm, uint32_t request, uint32_t index,
		     uint32_t num)
{
	struct vmm_vu_vring_state st = {index, num};

	return simple(vmm, request, &st, sizeof(st), NULL, 0);
}

int vmm_set_vring_num(struct vmm *vmm, uint32_t index, uint32_t num)
{
	return set_state(vmm, VMM_VU_SET_VRING_NUM, index, num);
}

int vmm_set_vring_base(struct vmm *vmm, uint32_t index, uint32_t base)
{
	return set_state(vmm, VMM_VU_SET_VRING_BASE, index, base);
}

int vmm_get_vring_base(struct vmm *vmm, uint32_t index, uint32_t *base)
{
	struct vmm_vu_vring_state st = {index, 0};
	struct vmm_vu_msg reply;
	int ret;

	ret = vmm_call(vmm, VMM_VU_GET_VRING_BASE,
		       call_flags(vmm, VMM_VU_GET_VRING_BASE), &st, sizeof(st),
		       &reply);
	if (ret < 0)
		return ret;
	if (reply.hdr.size != sizeof(st) || reply.payload.state.index != index)
		return -EPROTO;
	*base = reply.payload.state.num;
	return 0;
}

int vmm_set_vring_enable(struct vmm *vmm, uint32_t index, bool enable)
{
	return set_state(vmm, VMM_VU_SET_VRING_ENABLE, index, enable);
}

int vmm_set_vring_addr(struct vmm *vmm, const struct vmm_vu_vring_addr *addr)
{
	return simple(vmm, VMM_VU_SET_VRING_ADDR, addr, sizeof(*addr), NULL, 0);
}

static int set_vring_fd(struct vmm *vmm, uint32_t request, uint32_t index,
			int fd)
{
	uint64_t v = index & VMM_VU_VRING_IDX_MASK;

	if (fd < 0)
		v |= VMM_VU_VRING_NOFD;
	return simple(vmm, request, &v, sizeof(v), fd < 0 ? NULL : &fd,
		      fd < 0 ? 0 : 1);
}

int vmm_set_vring_kick(struct vmm *vmm, uint32_t index, int fd)
{
	return set_vring_fd(vmm, VMM_VU_SET_VRING_KICK, index, fd);
}

int vmm_set_vring_call(struct vmm *vmm, uint32_t index, int fd)
{
	return set_vring_fd(vmm, VMM_VU_SET_VRING_CALL, index, fd);
}

int vmm_set_vring_err(struct vmm *vmm, uint32_t index, int fd)
{
	return set_vring_fd(vmm, VMM_VU_SET_VRING_ERR, index, fd);
}

/* A GET/SET_CONFIG payload's header; -EINVAL if @size does not fit. */
static int config_init(struct vmm_vu_config *req, uint32_t offset,
		       uint32_t size, uint32_t flags)
{
	if (size > sizeof(req->data))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->offset = offset;
	req->size = size;
	req->flags = flags;
	return 0;
}

int vmm_get_config(struct vmm *vmm, uint32_t offset, uint32_t size,
		   uint32_t flags, void *buf)
{
	struct vmm_vu_config req;
	struct vmm_vu_msg reply;
	int ret = config_init(&req, offset, size, flags);

	if (ret < 0)
		return ret;
	ret = vmm_call(vmm, VMM_VU_GET_CONFIG,
		       call_flags(vmm, VMM_VU_GET_CONFIG), &req,
		       VMM_CONFIG_HDR_SIZE + size, &reply);
	if (ret < 0)
		return ret;
	if (reply.hdr.size == 0)
		return -EREMOTEIO;
	if (reply.hdr.size != VMM_CONFIG_HDR_SIZE + size ||
	    reply.payload.config.offset != offset ||
	    reply.payload.config.size != size ||
	    reply.payload.config.flags != flags)
		return -EPROTO;
	if (buf)
		memcpy(buf, reply.payload.config.data, size);
	return 0;
}

int vmm_set_config(struct vmm *vmm, uint32_t offset, uint32_t size,
		   uint32_t flags, const void *buf)
{
	struct vmm_vu_config req;
	int ret = config_init(&req, offset, size, flags);

	if (ret < 0)
		return ret;
	if (buf)
		memcpy(req.data, buf, size);
	return simple(vmm, VMM_VU_SET_CONFIG, &req, VMM_CONFIG_HDR_SIZE + size,
		      NULL, 0);
}

uint64_t vmm_acked_features(const struct vmm *vmm)
{
	return vmm->acked;
}

uint64_t vmm_acked_protocol_features(const struct vmm *vmm)
{
	return vmm->acked_proto;
}

/* ---- guest memory ---- */

uint64_t vmm_mem_size(const struct vmm *vmm)
{
	return vmm->opts.mem_size;
}

unsigned int vmm_mem_nregions(const struct vmm *vmm)
{
	return vmm->nregions;
}

void *vmm_gpa_to_ptr(const struct vmm *vmm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vmm->nregions; i++) {
		const struct vmm_region_map *r = &vmm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

uint64_t vmm_ptr_to_gpa(const struct vmm *vmm, const void *ptr)
{
	const uint8_t *p = ptr;
	unsigned int i;

	for (i = 0; i < vmm->nregions; i++) {
		const struct vmm_region_map *r = &vmm->regions[i];

		if (p >= r->host && p < r->host + r->size)
			return r->gpa + (uint64_t)(p - r->host);
	}
	return 0;
}

uint64_t vmm_gpa_to_uva(const struct vmm *vmm, uint64_t gpa)
{
	void *p = vmm_gpa_to_ptr(vmm, gpa, 0);

	return p ? (uint64_t)(uintptr_t)p : 0;
}

int vmm_mem_alloc(struct vmm *vmm, uint64_t size, uint64_t align, uint64_t *gpa,
		  void **ptr)
{
	uint64_t pos = vmm->alloc_pos;

	if (!is_pow2(align) || !size || size > vmm->chunk)
		return -EINVAL;
	for (;;) {
		uint64_t r = pos / vmm->chunk, start;

		if (r >= vmm->nregions)
			return -ENOMEM;
		/* Regions start page-aligned in GPA and in our mapping. */
		start = (pos + align - 1) & ~(align - 1);
		if (start + size <= (r + 1) * vmm->chunk) {
			const struct vmm_region_map *reg = &vmm->regions[r];
			uint64_t off = start - r * vmm->chunk;

			memset(reg->host + off, 0, size);
			if (gpa)
				*gpa = reg->gpa + off;
			if (ptr)
				*ptr = reg->host + off;
			vmm->alloc_pos = start + size;
			return 0;
		}
		pos = (r + 1) * vmm->chunk;
	}
}

uint64_t vmm_mem_mark(const struct vmm *vmm)
{
	return vmm->alloc_pos;
}

void vmm_mem_release(struct vmm *vmm, uint64_t mark)
{
	if (mark <= vmm->alloc_pos)
		vmm->alloc_pos = mark;
}

/* ---- split virtqueues ---- */

void vmm_queue_options_init(struct vmm_queue_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->size = 256;
	opts->indirect_max = 4;
}

static struct vmm_queue *get_queue(const struct vmm *vmm, unsigned int q)
{
	if (q >= VMM_MAX_QUEUES || !vmm->queues[q].setup)
		return NULL;
	return (struct vmm_queue *)&vmm->queues[q];
}

int vmm_queue_setup(struct vmm *vmm, unsigned int q,
		    const struct vmm_queue_options *opts)
{
	struct vmm_queue_options def;
	struct vmm_queue *vq;
	unsigned int i, num;
	void *p;
	int ret;

	if (!opts) {
		vmm_queue_options_init(&def);
		opts = &def;
	}
	if (q >= VMM_MAX_QUEUES)
		return -EINVAL;
	num = opts->size;
	if (!is_pow2(num) || num > VMM_MAX_QUEUE_SIZE ||
	    (opts->indirect && !opts->indirect_max))
		return -EINVAL;
	vq = &vmm->queues[q];
	if (vq->setup)
		return -EBUSY;

	vq->num = num;
	vq->event_idx = vmm->acked & VMM_BIT(VMM_F_EVENT_IDX);
	ret = vmm_mem_alloc(vmm, 16ull * num, 16, &vq->desc_gpa, &p);
	if (ret < 0)
		goto err;
	vq->desc = p;
	ret = vmm_mem_alloc(vmm, 6 + 2ull * num, 2, &vq->avail_gpa, &p);
	if (ret < 0)
		goto err;
	vq->avail = p;
	ret = vmm_mem_alloc(vmm, 6 + 8ull * num, 4, &vq->used_gpa, &p);
	if (ret < 0)
		goto err;
	vq->used = p;
	if (opts->indirect) {
		ret = vmm_mem_alloc(vmm, 16ull * num * opts->indirect_max, 16,
				    &vq->ind_gpa, &p);
		if (ret < 0)
			goto err;
		vq->ind_tables = p;
		vq->indirect = true;
		vq->indirect_max = opts->indirect_max;
	}

	vq->next = calloc(num, sizeof(*vq->next));
	vq->chain_len = calloc(num, sizeof(*vq->chain_len));
	if (!vq->next || !vq->chain_len) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < num; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = num;

	vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick_fd < 0 || vq->call_fd < 0) {
		ret = -errno;
		goto err;
	}
	vq->setup = true;
	return 0;

err:
	vmm_queue_teardown(vmm, q);
	return ret;
}

bool vmm_queue_is_setup(const struct vmm *vmm, unsigned int q)
{
	return get_queue(vmm, q) != NULL;
}

void vmm_queue_set_event_idx(struct vmm *vmm, unsigned int q, bool on)
{
	if (q < VMM_MAX_QUEUES)
		vmm->queues[q].event_idx = on;
}

int vmm_queue_start(struct vmm *vmm, unsigned int q, uint16_t base)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	struct vmm_vu_vring_addr addr = {0};
	int ret;

	if (!vq)
		return -EINVAL;
	ret = vmm_set_vring_num(vmm, q, vq->num);
	if (ret < 0)
		return ret;
	ret = vmm_set_vring_base(vmm, q, base);
	if (ret < 0)
		return ret;
	addr.index = q;
	addr.desc_uva = vmm_gpa_to_uva(vmm, vq->desc_gpa);
	addr.used_uva = vmm_gpa_to_uva(vmm, vq->used_gpa);
	addr.avail_uva = vmm_gpa_to_uva(vmm, vq->avail_gpa);
	ret = vmm_set_vring_addr(vmm, &addr);
	if (ret < 0)
		return ret;
	ret = vmm_set_vring_kick(vmm, q, vq->kick_fd);
	if (ret < 0)
		return ret;
	return vmm_set_vring_call(vmm, q, vq->call_fd);
}

int vmm_queue_view(const struct vmm *vmm, unsigned int q,
		   struct vmm_ring_view *view)
{
	const struct vmm_queue *vq = get_queue(vmm, q);

	if (!vq)
		return -EINVAL;
	view->num = vq->num;
	view->desc = vq->desc;
	view->avail = vq->avail;
	view->used = vq->used;
	view->desc_gpa = vq->desc_gpa;
	view->avail_gpa = vq->avail_gpa;
	view->used_gpa = vq->used_gpa;
	view->desc_uva = vmm_gpa_to_uva(vmm, vq->desc_gpa);
	view->avail_uva = vmm_gpa_to_uva(vmm, vq->avail_gpa);
	view->used_uva = vmm_gpa_to_uva(vmm, vq->used_gpa);
	view->used_event = &vq->avail->ring[vq->num];
	view->avail_event = (uint16_t *)&vq->used->ring[vq->num];
	view->kick_fd = vq->kick_fd;
	view->call_fd = vq->call_fd;
	return 0;
}

static void publish(struct vmm_queue *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(head);
	vq->avail_idx++;
	vq->num_added++;
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx),
			 __ATOMIC_RELEASE);
}

int vmm_queue_publish(struct vmm *vmm, unsigned int q, uint16_t head)
{
	struct vmm_queue *vq = get_queue(vmm, q);

	if (!vq)
		return -EINVAL;
	publish(vq, head);
	return 0;
}

/*
 * Writes @d as buffer @k of a chain of @n: @nout device-readable ones from
 * @out, then device-writable ones from @in; NEXT (to @next) unless last.
 */
static void chain_desc(struct vring_desc *d, const struct vmm_sg *out,
		       unsigned int nout, const struct vmm_sg *in,
		       unsigned int n, unsigned int k, uint16_t next)
{
	const struct vmm_sg *sg = k < nout ? &out[k] : &in[k - nout];
	uint16_t fl = k < nout ? 0 : VRING_DESC_F_WRITE;

	if (k + 1 < n)
		fl |= VRING_DESC_F_NEXT;
	d->addr = htole64(sg->gpa);
	d->len = htole32(sg->len);
	d->flags = htole16(fl);
	d->next = htole16(next);
}

int vmm_queue_add(struct vmm *vmm, unsigned int q, const struct vmm_sg *out,
		  unsigned int nout, const struct vmm_sg *in, unsigned int nin,
		  enum vmm_chain_mode mode, uint16_t *head_out)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	unsigned int n = nout + nin, k;
	bool indirect;
	uint16_t head, idx;

	if (!vq || !n)
		return -EINVAL;
	if (mode == VMM_CHAIN_INDIRECT)
		indirect = true;
	else if (mode == VMM_CHAIN_DIRECT)
		indirect = false;
	else
		indirect = vq->indirect && n > 1;
	if (indirect && !vq->ind_tables)
		return -EINVAL;
	if (indirect && n > vq->indirect_max)
		return -E2BIG;
	if (vq->num_free < (indirect ? 1 : n))
		return -ENOSPC;

	head = vq->free_head;
	if (indirect) {
		struct vring_desc *t =
			vq->ind_tables + (size_t)head * vq->indirect_max;

		for (k = 0; k < n; k++)
			chain_desc(&t[k], out, nout, in, n, k,
				   k + 1 < n ? k + 1 : 0);
		vq->desc[head].addr =
			htole64(vq->ind_gpa + 16ull * head * vq->indirect_max);
		vq->desc[head].len = htole32(16u * n);
		vq->desc[head].flags = htole16(VRING_DESC_F_INDIRECT);
		vq->desc[head].next = htole16(vq->next[head]);
		vq->free_head = vq->next[head];
		vq->num_free--;
		vq->chain_len[head] = 1;
	} else {
		idx = head;
		for (k = 0; k < n; k++) {
			chain_desc(&vq->desc[idx], out, nout, in, n, k,
				   vq->next[idx]);
			idx = vq->next[idx];
		}
		vq->free_head = idx;
		vq->num_free -= n;
		vq->chain_len[head] = (uint16_t)n;
	}
	vq->inflight++;
	publish(vq, head);
	if (head_out)
		*head_out = head;
	return 0;
}

unsigned int vmm_queue_free_descs(const struct vmm *vmm, unsigned int q)
{
	const struct vmm_queue *vq = get_queue(vmm, q);

	return vq ? vq->num_free : 0;
}

unsigned int vmm_queue_inflight(const struct vmm *vmm, unsigned int q)
{
	const struct vmm_queue *vq = get_queue(vmm, q);

	return vq ? vq->inflight : 0;
}

static int write_eventfd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

int vmm_queue_kick_force(struct vmm *vmm, unsigned int q)
{
	struct vmm_queue *vq = get_queue(vmm, q);

	if (!vq)
		return -EINVAL;
	vq->num_added = 0;
	return write_eventfd(vq->kick_fd);
}

int vmm_queue_kick(struct vmm *vmm, unsigned int q)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	uint16_t new_idx, old_idx;
	bool need;
	int ret;

	if (!vq)
		return -EINVAL;
	/* Our avail->idx store must be visible before we read theirs. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	new_idx = vq->avail_idx;
	old_idx = (uint16_t)(new_idx - vq->num_added);
	vq->num_added = 0;
	if (vq->event_idx) {
		uint16_t ev = le16toh(
			__atomic_load_n((uint16_t *)&vq->used->ring[vq->num],
					__ATOMIC_RELAXED));

		need = vring_need_event(ev, new_idx, old_idx);
	} else {
		need = !(le16toh(__atomic_load_n(&vq->used->flags,
						 __ATOMIC_RELAXED)) &
			 VRING_USED_F_NO_NOTIFY);
	}
	if (!need)
		return 0;
	ret = write_eventfd(vq->kick_fd);
	return ret < 0 ? ret : 1;
}

static uint16_t device_used_idx(const struct vmm_queue *vq)
{
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

uint16_t vmm_queue_last_used(const struct vmm *vmm, unsigned int q)
{
	const struct vmm_queue *vq = get_queue(vmm, q);

	return vq ? vq->last_used : 0;
}

uint16_t vmm_queue_device_used_idx(const struct vmm *vmm, unsigned int q)
{
	const struct vmm_queue *vq = get_queue(vmm, q);

	return vq ? device_used_idx(vq) : 0;
}

static void free_chain(struct vmm_queue *vq, uint16_t head)
{
	unsigned int n = vq->chain_len[head], k;
	uint16_t last = head;

	for (k = 1; k < n; k++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
	vq->chain_len[head] = 0;
	vq->inflight--;
}

int vmm_queue_pop_used(struct vmm *vmm, unsigned int q, struct vmm_used *u)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	struct vring_used_elem e;

	if (!vq)
		return -EINVAL;
	if (device_used_idx(vq) == vq->last_used)
		return 0;
	e = vq->used->ring[vq->last_used & (vq->num - 1)];
	u->id = le32toh(e.id);
	u->len = le32toh(e.len);
	vq->last_used++;
	if (vq->event_idx && !vq->suppressed) {
		__atomic_store_n(&vq->avail->ring[vq->num],
				 htole16(vq->last_used), __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	if (vq->last_used == device_used_idx(vq))
		vq->call_seen = false;
	if (u->id >= vq->num || !vq->chain_len[u->id])
		return -EPROTO;
	free_chain(vq, (uint16_t)u->id);
	return 1;
}

/* Reads the call eventfd if it is set; returns whether it was. */
static bool drain_call(struct vmm_queue *vq)
{
	uint64_t v;

	return read(vq->call_fd, &v, sizeof(v)) == sizeof(v);
}

int vmm_queue_wait_call(struct vmm *vmm, unsigned int q, int timeout_ms)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	int r;

	if (!vq)
		return -EINVAL;
	r = poll_in(vq->call_fd, timeout_ms);
	return r < 0 ? r : r > 0 && drain_call(vq);
}

int vmm_queue_wait_used(struct vmm *vmm, unsigned int q, int timeout_ms)
{
	struct vmm_queue *vq = get_queue(vmm, q);
	int64_t deadline = now_ms() + pick_timeout(vmm, timeout_ms);

	if (!vq)
		return -EINVAL;
	for (;;) {
		struct pollfd pfd = {.fd = vq->call_fd, .events = POLLIN};
		bool pending;
		int r;

		if (drain_call(vq))
			vq->call_seen = true;
		pending = device_used_idx(vq) != vq->last_used;
		if (pending && (vq->call_seen || vq->suppressed))
			return 0;
		if (now_ms() >= deadline)
			return pending ? -ENOMSG : -ETIMEDOUT;
		if (vq->suppressed) {
			/* No notification will come: watch the ring. */
			sleep_us(200);
			continue;
		}
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

void vmm_queue_set_used_event(struct vmm *vmm, unsigned int q, uint16_t idx)
{
	struct vmm_queue *vq = get_queue(vmm, q);

	if (!vq)
		return;
	vq->suppressed = idx != vq->last_used;
	__atomic_store_n(&vq->avail->ring[vq->num], htole16(idx),
			 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void vmm_queue_set_no_interrupt(struct vmm *vmm, unsigned int q, bool on)
{
	struct vmm_queue *vq = get_queue(vmm, q);

	if (!vq)
		return;
	vq->suppressed = on;
	__atomic_store_n(&vq->avail->flags,
			 htole16(on ? VRING_AVAIL_F_NO_INTERRUPT : 0),
			 __ATOMIC_RELAXED);
	if (vq->event_idx && !on)
		__atomic_store_n(&vq->avail->ring[vq->num],
				 htole16(vq->last_used), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- negotiation ---- */

void vmm_negotiate_options_init(struct vmm_negotiate_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->features =
		VMM_BIT(VMM_F_VERSION_1) | VMM_BIT(VMM_F_INDIRECT_DESC) |
		VMM_BIT(VMM_F_EVENT_IDX) | VMM_BIT(VMM_F_PROTOCOL_FEATURES) |
		VMM_BIT(VMM_F_GPIO_IRQ);
	opts->protocol_features = ~0ull;
	opts->nqueues = 1;
	vmm_queue_options_init(&opts->queue);
	opts->enable_all = true;
	opts->read_config = true;
	opts->set_status = true;
	opts->ack_mode = VMM_ACK_QEMU;
}

int vmm_negotiate(struct vmm *vmm, const struct vmm_negotiate_options *opts)
{
	struct vmm_negotiate_options def;
	unsigned int q, nenable;
	uint64_t slots;
	int ret;

	if (!opts) {
		vmm_negotiate_options_init(&def);
		opts = &def;
	}
	if (opts->nqueues < 1 || opts->nqueues > VMM_MAX_QUEUES)
		return -EINVAL;
	vmm_set_ack_mode(vmm, opts->ack_mode);

	ret = vmm_get_features(vmm, &vmm->offered);
	if (ret < 0)
		return ret;
	vmm->queue_num = opts->nqueues;
	if (vmm->offered & VMM_BIT(VMM_F_PROTOCOL_FEATURES)) {
		ret = vmm_get_protocol_features(vmm, &vmm->offered_proto);
		if (ret < 0)
			return ret;
		ret = vmm_set_protocol_features(
			vmm, vmm->offered_proto & opts->protocol_features);
		if (ret < 0)
			return ret;
		if (vmm->acked_proto & VMM_BIT(VMM_PF_MQ)) {
			ret = vmm_get_queue_num(vmm, &vmm->queue_num);
			if (ret < 0)
				return ret;
			if (vmm->queue_num < opts->nqueues)
				return -ENOTSUP;
		}
		if (vmm->acked_proto & VMM_BIT(VMM_PF_CONFIGURE_MEM_SLOTS)) {
			ret = vmm_get_max_mem_slots(vmm, &slots);
			if (ret < 0)
				return ret;
		}
	}
	ret = vmm_set_owner(vmm);
	if (ret < 0)
		return ret;

	/* QEMU lays out the queues and sets their call fds at init. */
	for (q = 0; q < opts->nqueues; q++) {
		if (!vmm_queue_is_setup(vmm, q)) {
			ret = vmm_queue_setup(vmm, q, &opts->queue);
			if (ret < 0)
				return ret;
		}
		ret = vmm_set_vring_call(vmm, q, vmm->queues[q].call_fd);
		if (ret < 0)
			return ret;
	}
	if (opts->read_config && (vmm->acked_proto & VMM_BIT(VMM_PF_CONFIG))) {
		ret = vmm_get_config(vmm, 0, sizeof(vmm->config), 0,
				     &vmm->config);
		if (ret < 0)
			return ret;
	}

	ret = vmm_set_features(vmm, vmm->offered & opts->features);
	if (ret < 0)
		return ret;
	if (opts->add_mem_reg) {
		for (q = 0; q < vmm->nregions; q++) {
			ret = vmm_add_mem_reg(vmm, q);
			if (ret < 0)
				return ret;
		}
	} else {
		ret = vmm_set_mem_table(vmm, 0);
		if (ret < 0)
			return ret;
	}
	for (q = 0; q < opts->nqueues; q++) {
		uint16_t base = opts->resume_at_used
					? device_used_idx(&vmm->queues[q])
					: vmm->queues[q].avail_idx;

		ret = vmm_queue_start(vmm, q, base);
		if (ret < 0)
			return ret;
	}
	if (vmm->acked & VMM_BIT(VMM_F_PROTOCOL_FEATURES)) {
		nenable = opts->enable_all ? (unsigned int)vmm->queue_num
					   : opts->nqueues;
		if (nenable > 255)
			nenable = 255;
		for (q = 0; q < nenable; q++) {
			ret = vmm_set_vring_enable(vmm, q, true);
			if (ret < 0)
				return ret;
		}
	}
	if (opts->set_status && (vmm->acked_proto & VMM_BIT(VMM_PF_STATUS))) {
		ret = vmm_set_status(vmm, VMM_STATUS_ACKNOWLEDGE |
						  VMM_STATUS_DRIVER |
						  VMM_STATUS_FEATURES_OK |
						  VMM_STATUS_DRIVER_OK);
		if (ret < 0)
			return ret;
	}
	return 0;
}

uint64_t vmm_offered_features(const struct vmm *vmm)
{
	return vmm->offered;
}

uint64_t vmm_offered_protocol_features(const struct vmm *vmm)
{
	return vmm->offered_proto;
}

uint64_t vmm_queue_num(const struct vmm *vmm)
{
	return vmm->queue_num;
}

void vmm_gpio_config(const struct vmm *vmm, struct virtio_gpio_config *cfg)
{
	*cfg = vmm->config;
}

/* ---- GPIO ---- */

int vmm_gpio_read_config(struct vmm *vmm, uint16_t *ngpio, uint32_t *names_size)
{
	struct virtio_gpio_config cfg;
	int ret;

	ret = vmm_get_config(vmm, 0, sizeof(cfg), 0, &cfg);
	if (ret < 0)
		return ret;
	if (ngpio)
		*ngpio = le16toh(cfg.ngpio);
	if (names_size)
		*names_size = le32toh(cfg.gpio_names_size);
	return 0;
}

/*
 * Adds @n chains of {request, response (+guard)} and waits for all of them.
 * @resp_len is the response buffer size; responses are laid out with
 * RESP_GUARD bytes after each, checked afterwards.
 */
static int gpio_batch(struct vmm *vmm, const struct vmm_gpio_req *reqs,
		      unsigned int n, uint32_t resp_len,
		      struct vmm_gpio_res *res, uint8_t **resp_out)
{
	struct vmm_queue *vq = get_queue(vmm, 0);
	uint64_t mark = vmm_mem_mark(vmm), req_gpa, resp_gpa;
	uint32_t stride = resp_len + RESP_GUARD;
	struct virtio_gpio_request *rq;
	int64_t deadline;
	unsigned int i, done = 0;
	int32_t *slot = NULL;
	uint8_t *rp;
	void *p;
	int ret;

	if (!vq || !n)
		return -EINVAL;
	ret = vmm_mem_alloc(vmm, 8ull * n, 8, &req_gpa, &p);
	if (ret < 0)
		goto out;
	rq = p;
	ret = vmm_mem_alloc(vmm, (uint64_t)stride * n, 8, &resp_gpa, &p);
	if (ret < 0)
		goto out;
	rp = p;
	memset(rp, FILL_BYTE, (size_t)stride * n);
	slot = malloc(sizeof(*slot) * vq->num);
	if (!slot) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < vq->num; i++)
		slot[i] = -1;

	for (i = 0; i < n; i++) {
		struct vmm_sg o = {req_gpa + 8ull * i, 8};
		struct vmm_sg in = {resp_gpa + (uint64_t)stride * i, resp_len};
		uint16_t head;

		rq[i].type = htole16(reqs[i].type);
		rq[i].gpio = htole16(reqs[i].gpio);
		rq[i].value = htole32(reqs[i].value);
		ret = vmm_queue_add(vmm, 0, &o, 1, &in, 1, VMM_CHAIN_DEFAULT,
				    &head);
		if (ret < 0)
			goto out_kick;
		slot[head] = (int32_t)i;
	}
	ret = 0;
out_kick:
	if (i) {
		int kret = vmm_queue_kick(vmm, 0);

		if (kret < 0 && ret == 0)
			ret = kret;
	}
	if (ret < 0)
		n = i; /* still collect what was added */
	deadline = now_ms() + vmm->opts.timeout_ms;
	while (done < n) {
		struct vmm_used u;
		int r = vmm_queue_pop_used(vmm, 0, &u);

		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0) {
			r = vmm_queue_wait_used(vmm, 0, remaining_ms(deadline));
			if (r < 0) {
				ret = ret ? ret : r;
				break;
			}
			continue;
		}
		if (slot[u.id] < 0) {
			ret = -EPROTO;
			break;
		}
		i = (unsigned int)slot[u.id];
		slot[u.id] = -1;
		res[i].status = rp[(size_t)stride * i];
		res[i].value = rp[(size_t)stride * i + 1];
		res[i].used_len = u.len;
		done++;
	}
	if (ret == 0) {
		for (i = 0; i < n; i++) {
			uint8_t *g = rp + (size_t)stride * i + resp_len;

			if (g[0] != FILL_BYTE || g[1] != FILL_BYTE)
				ret = -EPROTO;
		}
		if (resp_out)
			*resp_out = rp;
	}
out:
	free(slot);
	if (!resp_out || ret < 0)
		vmm_mem_release(vmm, mark);
	return ret;
}

int vmm_gpio_submit(struct vmm *vmm, const struct vmm_gpio_req *reqs,
		    unsigned int n, struct vmm_gpio_res *res)
{
	return gpio_batch(vmm, reqs, n, sizeof(struct virtio_gpio_response),
			  res, NULL);
}

int vmm_gpio_request(struct vmm *vmm, uint16_t type, uint16_t gpio,
		     uint32_t value, struct vmm_gpio_res *res)
{
	struct vmm_gpio_req req = {type, gpio, value};

	return vmm_gpio_submit(vmm, &req, 1, res);
}

int vmm_gpio_get_names(struct vmm *vmm, void *names, uint32_t names_cap,
		       struct vmm_gpio_res *res)
{
	struct vmm_gpio_req req = {VIRTIO_GPIO_MSG_GET_NAMES, 0, 0};
	uint64_t mark = vmm_mem_mark(vmm);
	uint8_t *rp = NULL;
	int ret;

	ret = gpio_batch(vmm, &req, 1, 1 + names_cap, res, &rp);
	if (ret == 0 && names && names_cap)
		memcpy(names, rp + 1, names_cap);
	vmm_mem_release(vmm, mark);
	return ret;
}

/* ---- GPIO interrupts ---- */

int vmm_gpio_irq_add_raw(struct vmm *vmm, uint16_t gpio, uint32_t req_len,
			 uint32_t resp_len, uint16_t *head_out)
{
	struct vmm_queue *vq = get_queue(vmm, VMM_GPIO_EVENTQ);
	struct vmm_sg out, in;
	uint8_t *slot;
	uint16_t head, le;
	void *p;
	int ret;

	if (!vq || req_len > VMM_GPIO_IRQ_PART_MAX ||
	    resp_len > VMM_GPIO_IRQ_PART_MAX || (!req_len && !resp_len))
		return -EINVAL;
	if (!vq->irq_slots) {
		vq->irq_gpio = calloc(vq->num, sizeof(*vq->irq_gpio));
		if (!vq->irq_gpio)
			return -ENOMEM;
		ret = vmm_mem_alloc(vmm, (uint64_t)IRQ_SLOT * vq->num, 8,
				    &vq->irq_gpa, &p);
		if (ret < 0) {
			free(vq->irq_gpio);
			vq->irq_gpio = NULL;
			return ret;
		}
		vq->irq_slots = p;
	}
	/* Each pair takes one descriptor at least: the head vmm_queue_add
	 * will use is the free head, so its slot is ready before the pair
	 * is published. */
	if (!vq->num_free)
		return -ENOSPC;
	head = vq->free_head;
	slot = vq->irq_slots + (size_t)IRQ_SLOT * head;
	memset(slot, 0, VMM_GPIO_IRQ_PART_MAX);
	le = htole16(gpio);
	memcpy(slot, &le, sizeof(le));
	memset(slot + VMM_GPIO_IRQ_PART_MAX, VMM_GPIO_IRQ_UNWRITTEN,
	       VMM_GPIO_IRQ_PART_MAX);
	vq->irq_gpio[head] = gpio;
	out = (struct vmm_sg){vq->irq_gpa + (uint64_t)IRQ_SLOT * head, req_len};
	in = (struct vmm_sg){out.gpa + VMM_GPIO_IRQ_PART_MAX, resp_len};
	ret = vmm_queue_add(vmm, VMM_GPIO_EVENTQ, &out, req_len ? 1 : 0, &in,
			    resp_len ? 1 : 0, VMM_CHAIN_DEFAULT, &head);
	if (ret < 0)
		return ret;
	if (head_out)
		*head_out = head;
	return 0;
}

int vmm_gpio_irq_add(struct vmm *vmm, uint16_t gpio, uint16_t *head)
{
	return vmm_gpio_irq_add_raw(
		vmm, gpio, sizeof(struct virtio_gpio_irq_request),
		sizeof(struct virtio_gpio_irq_response), head);
}

int vmm_gpio_irq_unmask(struct vmm *vmm, uint16_t gpio, uint16_t *head)
{
	int ret = vmm_gpio_irq_add(vmm, gpio, head);

	if (ret < 0)
		return ret;
	ret = vmm_queue_kick(vmm, VMM_GPIO_EVENTQ);
	return ret < 0 ? ret : 0;
}

int vmm_gpio_irq_pop(struct vmm *vmm, struct vmm_gpio_irq *ev)
{
	struct vmm_queue *vq = get_queue(vmm, VMM_GPIO_EVENTQ);
	struct vmm_used u;
	int ret;

	if (!vq)
		return -EINVAL;
	ret = vmm_queue_pop_used(vmm, VMM_GPIO_EVENTQ, &u);
	if (ret == 0 || (ret < 0 && ret != -EPROTO))
		return ret;
	ev->head = (uint16_t)u.id;
	ev->used_len = u.len;
	if (ret < 0 || !vq->irq_slots) {
		ev->gpio = 0xffff;
		ev->status = VMM_GPIO_IRQ_UNWRITTEN;
		return -EPROTO;
	}
	ev->gpio = vq->irq_gpio[u.id];
	ev->status =
		vq->irq_slots[(size_t)IRQ_SLOT * u.id + VMM_GPIO_IRQ_PART_MAX];
	return 1;
}

int vmm_gpio_irq_wait(struct vmm *vmm, struct vmm_gpio_irq *ev, int timeout_ms)
{
	int ret = vmm_queue_wait_used(vmm, VMM_GPIO_EVENTQ, timeout_ms);

	if (ret < 0)
		return ret;
	ret = vmm_gpio_irq_pop(vmm, ev);
	if (ret == 0)
		return -EPROTO;
	return ret < 0 ? ret : 0;
}
