/* SPDX-License-Identifier: MIT */
/*
 * A VMM stand-in: plays QEMU's part of the vhost-user protocol and the guest
 * driver's part of the split virtqueues, so that tests and benchmarks can
 * drive the real daemon over its socket.
 *
 * One struct vmm is one front-end: a guest memory (a memfd mapped here, cut
 * into 1..VMM_MAX_REGIONS regions), at most one connection at a time, and up
 * to VMM_MAX_QUEUES virtqueues laid out in that memory.  The guest memory
 * outlives connections: vmm_disconnect() closes the socket and forgets the
 * queues, and the next vmm_connect() + vmm_negotiate() starts afresh in the
 * same memory.
 *
 * Layers, each usable on its own:
 *   - messages: raw vhost-user frames with SCM_RIGHTS fds (vmm_send,
 *     vmm_send_bytes, vmm_recv), enough to build hostile input;
 *   - one helper per front-end message (vmm_get_features, ...), with
 *     REPLY_ACK handled according to vmm_set_ack_mode();
 *   - guest memory: a bump allocator and address translation;
 *   - split rings: descriptor chains in, used entries out, kick and call
 *     eventfds, EVENT_IDX and indirect descriptors, and raw access to the
 *     rings for tests that write hostile descriptors;
 *   - vmm_negotiate(): the whole set-up QEMU performs;
 *   - GPIO helpers: requests, batches, names and config, and interrupt
 *     pairs on the eventq.
 *
 * Every function returns 0 (or a documented positive value) or -errno and
 * never prints or exits.  Every wait has a timeout (vmm_options.timeout_ms
 * unless a call takes its own), so a broken daemon fails a test instead of
 * hanging it.  Errors worth telling apart:
 *   -ETIMEDOUT   nothing came in time
 *   -ECONNRESET  the back-end closed the connection
 *   -EPROTO      the back-end answered something malformed or unexpected
 *   -EREMOTEIO   the back-end refused the request (non-zero REPLY_ACK, or a
 *                zero-size GET_CONFIG reply)
 *   -ENOTCONN    no connection
 *   -ENOMEM      guest memory exhausted (bump allocator) or malloc failed
 *   -ENOSPC      not enough free descriptors in the ring
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_gpio.h>
#include <linux/virtio_ring.h>

/* ---- vhost-user protocol constants (docs/interop/vhost-user.rst) ---- */

enum vmm_vu_request {
	VMM_VU_GET_FEATURES = 1,
	VMM_VU_SET_FEATURES = 2,
	VMM_VU_SET_OWNER = 3,
	VMM_VU_RESET_OWNER = 4,
	VMM_VU_SET_MEM_TABLE = 5,
	VMM_VU_SET_LOG_BASE = 6,
	VMM_VU_SET_LOG_FD = 7,
	VMM_VU_SET_VRING_NUM = 8,
	VMM_VU_SET_VRING_ADDR = 9,
	VMM_VU_SET_VRING_BASE = 10,
	VMM_VU_GET_VRING_BASE = 11,
	VMM_VU_SET_VRING_KICK = 12,
	VMM_VU_SET_VRING_CALL = 13,
	VMM_VU_SET_VRING_ERR = 14,
	VMM_VU_GET_PROTOCOL_FEATURES = 15,
	VMM_VU_SET_PROTOCOL_FEATURES = 16,
	VMM_VU_GET_QUEUE_NUM = 17,
	VMM_VU_SET_VRING_ENABLE = 18,
	VMM_VU_SEND_RARP = 19,
	VMM_VU_NET_SET_MTU = 20,
	VMM_VU_SET_BACKEND_REQ_FD = 21,
	VMM_VU_IOTLB_MSG = 22,
	VMM_VU_SET_VRING_ENDIAN = 23,
	VMM_VU_GET_CONFIG = 24,
	VMM_VU_SET_CONFIG = 25,
	VMM_VU_GET_INFLIGHT_FD = 31,
	VMM_VU_SET_INFLIGHT_FD = 32,
	VMM_VU_RESET_DEVICE = 34,
	VMM_VU_VRING_KICK = 35,
	VMM_VU_GET_MAX_MEM_SLOTS = 36,
	VMM_VU_ADD_MEM_REG = 37,
	VMM_VU_REM_MEM_REG = 38,
	VMM_VU_SET_STATUS = 39,
	VMM_VU_GET_STATUS = 40,
};

#define VMM_VU_VERSION	       0x1u
#define VMM_VU_VERSION_MASK    0x3u
#define VMM_VU_FLAG_REPLY      (1u << 2)
#define VMM_VU_FLAG_NEED_REPLY (1u << 3)

/* Bits 0..7 of SET_VRING_KICK/CALL/ERR: queue index; bit 8: no fd. */
#define VMM_VU_VRING_IDX_MASK 0xffu
#define VMM_VU_VRING_NOFD     (1u << 8)

/* Virtio feature bits a GPIO front-end deals with. */
#define VMM_F_GPIO_IRQ		0
#define VMM_F_NOTIFY_ON_EMPTY	24
#define VMM_F_INDIRECT_DESC	28
#define VMM_F_EVENT_IDX		29
#define VMM_F_PROTOCOL_FEATURES 30
#define VMM_F_VERSION_1		32

/* Protocol feature bits. */
#define VMM_PF_MQ		   0
#define VMM_PF_REPLY_ACK	   3
#define VMM_PF_BACKEND_REQ	   5
#define VMM_PF_CONFIG		   9
#define VMM_PF_RESET_DEVICE	   13
#define VMM_PF_CONFIGURE_MEM_SLOTS 15
#define VMM_PF_STATUS		   16

#define VMM_BIT(n) (1ull << (n))

/* VirtIO device status bits (SET_STATUS). */
#define VMM_STATUS_ACKNOWLEDGE 1u
#define VMM_STATUS_DRIVER      2u
#define VMM_STATUS_DRIVER_OK   4u
#define VMM_STATUS_FEATURES_OK 8u

/* Limits. */
#define VMM_MAX_REGIONS	      32 /* regions the guest memory can be cut in */
#define VMM_MEM_TABLE_REGIONS 8	 /* regions SET_MEM_TABLE can carry */
#define VMM_MAX_QUEUES	      2	 /* requestq + eventq */
#define VMM_MAX_QUEUE_SIZE    32768
#define VMM_MAX_FDS	      16 /* fds vmm_recv() accepts in one message */
#define VMM_MAX_PAYLOAD	      4096
#define VMM_CONFIG_HDR_SIZE   12 /* offset, size, flags of GET/SET_CONFIG */

/* ---- wire structures (native byte order, packed as on the wire) ---- */

struct vmm_vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vmm_vu_vring_state {
	uint32_t index;
	uint32_t num;
} __attribute__((packed));

struct vmm_vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_uva;
	uint64_t used_uva;
	uint64_t avail_uva;
	uint64_t log_gpa;
} __attribute__((packed));

struct vmm_vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
} __attribute__((packed));

struct vmm_vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vmm_vu_region regions[VMM_MEM_TABLE_REGIONS];
} __attribute__((packed));

/* ADD_MEM_REG / REM_MEM_REG payload. */
struct vmm_vu_single_region {
	uint64_t padding;
	struct vmm_vu_region region;
} __attribute__((packed));

struct vmm_vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VMM_MAX_PAYLOAD - VMM_CONFIG_HDR_SIZE];
} __attribute__((packed));

/* One received message; payload bytes beyond hdr.size are undefined. */
struct vmm_vu_msg {
	struct vmm_vu_hdr hdr;
	union {
		uint64_t u64;
		struct vmm_vu_vring_state state;
		struct vmm_vu_vring_addr addr;
		struct vmm_vu_mem_table mem;
		struct vmm_vu_single_region region;
		struct vmm_vu_config config;
		uint8_t raw[VMM_MAX_PAYLOAD];
	} payload;
} __attribute__((packed));

/* ---- creation, connection ---- */

struct vmm;

struct vmm_options {
	uint64_t mem_size;     /* guest memory bytes, a multiple of
				  nregions * 4096; default 4 MiB */
	uint64_t gpa_base;     /* GPA of the first region; default 0x100000 */
	uint64_t gpa_gap;      /* GPA hole between consecutive regions */
	uint64_t file_offset;  /* page-aligned bytes of the memfd before the
				  first region (tests mmap_offset) */
	unsigned int nregions; /* 1..VMM_MAX_REGIONS; default 1 */
	int timeout_ms;	       /* every wait; default 5000 */
};

/* Fills @opts with the defaults above. */
void vmm_options_init(struct vmm_options *opts);

/*
 * Creates a VMM with its guest memory (zero-filled) and no connection.
 * @opts may be NULL for the defaults.  Returns 0 and *@out (freed with
 * vmm_free), -EINVAL for bad options, or the -errno of memfd/mmap.
 */
int vmm_new(const struct vmm_options *opts, struct vmm **out);

/* Disconnects, unmaps the memory and frees @vmm.  NULL is allowed. */
void vmm_free(struct vmm *vmm);

/*
 * Connects to the Unix socket @path, retrying while it does not exist or
 * refuses, for up to @timeout_ms (<0: the vmm's timeout).  Returns 0,
 * -EISCONN if already connected, -ETIMEDOUT, -ENAMETOOLONG, or -errno.
 */
int vmm_connect(struct vmm *vmm, const char *path, int timeout_ms);

/*
 * Closes the connection only, as when a VMM's socket breaks while the guest
 * runs: rings, their contents and eventfds stay for the next connection
 * (negotiate with resume_at_used to continue them).
 */
void vmm_drop_connection(struct vmm *vmm);

/*
 * Closes the connection and the queues' eventfds, forgets the queues and
 * negotiated features and empties the bump allocator (guest memory itself
 * stays mapped).  Safe to call when not connected.
 */
void vmm_disconnect(struct vmm *vmm);

bool vmm_connected(const struct vmm *vmm);

/* The connected socket, or -1 (for poll loops; do not close it). */
int vmm_socket_fd(const struct vmm *vmm);

void vmm_set_timeout(struct vmm *vmm, int timeout_ms);
int vmm_timeout(const struct vmm *vmm);

/* ---- raw messages ---- */

/*
 * Sends one message: header {@request, @flags, @size} then @size bytes of
 * @payload (NULL allowed when @size is 0), with @nfds descriptors (at most
 * 253) as SCM_RIGHTS on the first byte.  @flags is sent as given: include
 * VMM_VU_VERSION yourself.  Returns 0, -ENOTCONN, -ECONNRESET/-EPIPE when
 * the back-end is gone, or -errno.
 */
int vmm_send(struct vmm *vmm, uint32_t request, uint32_t flags,
	     const void *payload, uint32_t size, const int *fds,
	     unsigned int nfds);

/*
 * Sends @len arbitrary bytes (a truncated header, a header that lies about
 * its size, ...) with optional fds.
 */
int vmm_send_bytes(struct vmm *vmm, const void *buf, size_t len, const int *fds,
		   unsigned int nfds);

/*
 * Receives one message within the vmm's timeout.  Descriptors that come with
 * it are stored in @fds (capacity *@nfds, updated to the count received;
 * extra ones are closed) or closed when @fds is NULL.  Checks that the
 * header has version 1 and the reply flag, and that the payload fits
 * VMM_MAX_PAYLOAD.  Returns 0, -ETIMEDOUT, -ECONNRESET, -EPROTO.
 */
int vmm_recv(struct vmm *vmm, struct vmm_vu_msg *msg, int *fds,
	     unsigned int *nfds);

/*
 * Waits up to @timeout_ms (<0: the vmm's timeout) for the back-end to close
 * the connection.  Returns 0 if it did (the vmm is then disconnected),
 * -ETIMEDOUT if it stayed open, -EPROTO if a message arrived instead
 * (*@msg_request, if not NULL, is set to its request type).
 */
int vmm_wait_closed(struct vmm *vmm, int timeout_ms, uint32_t *msg_request);

/*
 * Whether anything is readable within @timeout_ms: 1 (data or hang-up),
 * 0 (nothing), -ENOTCONN.
 */
int vmm_poll_socket(struct vmm *vmm, int timeout_ms);

/* ---- REPLY_ACK ---- */

enum vmm_ack_mode {
	VMM_ACK_NONE, /* never set NEED_REPLY */
	VMM_ACK_QEMU, /* as QEMU: SET_MEM_TABLE, ADD/REM_MEM_REG (default) */
	VMM_ACK_ALL,  /* on every message that has no reply of its own */
};

/*
 * NEED_REPLY is only set once REPLY_ACK was sent in SET_PROTOCOL_FEATURES.
 * A message sent with NEED_REPLY waits for the u64 ack; a non-zero ack makes
 * the helper return -EREMOTEIO.
 */
void vmm_set_ack_mode(struct vmm *vmm, enum vmm_ack_mode mode);

/* The last ack value received (0 if none). */
uint64_t vmm_last_ack(const struct vmm *vmm);

/*
 * Generic request: sends @request with @payload/@size and @fds, with
 * NEED_REPLY if @need_reply, then reads the ack.  For messages without a
 * reply of their own.  Returns 0, -EREMOTEIO (non-zero ack), or an error.
 */
int vmm_request(struct vmm *vmm, uint32_t request, const void *payload,
		uint32_t size, const int *fds, unsigned int nfds,
		bool need_reply);

/*
 * Generic call for messages that have a reply: sends and receives the reply
 * into @reply (checked: same request type, reply flag).  Returns 0 or error.
 */
int vmm_call(struct vmm *vmm, uint32_t request, uint32_t flags,
	     const void *payload, uint32_t size, struct vmm_vu_msg *reply);

/* ---- one helper per front-end message ---- */

/* Replies are checked to be exactly 8 bytes (-EPROTO otherwise). */
int vmm_get_features(struct vmm *vmm, uint64_t *features);
int vmm_set_features(struct vmm *vmm, uint64_t features);
int vmm_get_protocol_features(struct vmm *vmm, uint64_t *features);
int vmm_set_protocol_features(struct vmm *vmm, uint64_t features);
int vmm_get_queue_num(struct vmm *vmm, uint64_t *num);
int vmm_get_max_mem_slots(struct vmm *vmm, uint64_t *slots);
int vmm_set_owner(struct vmm *vmm);
int vmm_reset_owner(struct vmm *vmm);
int vmm_reset_device(struct vmm *vmm);
int vmm_set_status(struct vmm *vmm, uint64_t status);
int vmm_get_status(struct vmm *vmm, uint64_t *status);

/*
 * SET_MEM_TABLE with the first @nregions regions of the guest memory (0: all
 * of them; at most VMM_MEM_TABLE_REGIONS), one memfd descriptor each.
 */
int vmm_set_mem_table(struct vmm *vmm, unsigned int nregions);

/* ADD_MEM_REG / REM_MEM_REG of guest memory region @index. */
int vmm_add_mem_reg(struct vmm *vmm, unsigned int index);
int vmm_rem_mem_reg(struct vmm *vmm, unsigned int index);

/* The wire description of region @index (for hand-made messages). */
int vmm_region(const struct vmm *vmm, unsigned int index,
	       struct vmm_vu_region *out);
/* The memfd behind every region (owned by the vmm: do not close). */
int vmm_mem_fd(const struct vmm *vmm);

int vmm_set_vring_num(struct vmm *vmm, uint32_t index, uint32_t num);
int vmm_set_vring_base(struct vmm *vmm, uint32_t index, uint32_t base);
/* Replies with the ring's next avail index in *@base. */
int vmm_get_vring_base(struct vmm *vmm, uint32_t index, uint32_t *base);
int vmm_set_vring_addr(struct vmm *vmm, const struct vmm_vu_vring_addr *addr);
/* @fd < 0 sends the no-fd flag (bit 8) and no descriptor. */
int vmm_set_vring_kick(struct vmm *vmm, uint32_t index, int fd);
int vmm_set_vring_call(struct vmm *vmm, uint32_t index, int fd);
int vmm_set_vring_err(struct vmm *vmm, uint32_t index, int fd);
int vmm_set_vring_enable(struct vmm *vmm, uint32_t index, bool enable);

/*
 * GET_CONFIG of @size bytes at @offset (request flags @flags) into @buf.
 * Returns 0 when the reply echoes offset/size/flags and carries exactly
 * @size bytes, -EREMOTEIO when the back-end signals failure with a
 * zero-size payload, -EPROTO for any other reply shape.
 */
int vmm_get_config(struct vmm *vmm, uint32_t offset, uint32_t size,
		   uint32_t flags, void *buf);
int vmm_set_config(struct vmm *vmm, uint32_t offset, uint32_t size,
		   uint32_t flags, const void *buf);

/* Features as the vmm last sent them in SET_FEATURES/SET_PROTOCOL_FEATURES. */
uint64_t vmm_acked_features(const struct vmm *vmm);
uint64_t vmm_acked_protocol_features(const struct vmm *vmm);

/* ---- guest memory ---- */

uint64_t vmm_mem_size(const struct vmm *vmm);
unsigned int vmm_mem_nregions(const struct vmm *vmm);

/*
 * Pointer to @len bytes at guest-physical @gpa, or NULL unless the whole
 * range lies inside one region.
 */
void *vmm_gpa_to_ptr(const struct vmm *vmm, uint64_t gpa, uint64_t len);
/* GPA of a pointer into guest memory; 0 if it is not in a region. */
uint64_t vmm_ptr_to_gpa(const struct vmm *vmm, const void *ptr);
/* The VMM's user address (as sent in SET_VRING_ADDR) of a GPA; 0 if none. */
uint64_t vmm_gpa_to_uva(const struct vmm *vmm, uint64_t gpa);

/*
 * Bump allocator over the guest memory: @size zeroed bytes aligned to
 * @align (a power of two), never straddling two regions.  Returns 0 with
 * *@gpa and *@ptr (either may be NULL), -EINVAL or -ENOMEM.
 */
int vmm_mem_alloc(struct vmm *vmm, uint64_t size, uint64_t align, uint64_t *gpa,
		  void **ptr);
/* Allocator position, to free everything allocated after it at once. */
uint64_t vmm_mem_mark(const struct vmm *vmm);
void vmm_mem_release(struct vmm *vmm, uint64_t mark);

/* ---- split virtqueues ---- */

struct vmm_queue_options {
	unsigned int size;	   /* power of two 1..32768; default 256 */
	bool indirect;		   /* multi-buffer chains via indirect tables */
	unsigned int indirect_max; /* entries per indirect table; default 4 */
};

void vmm_queue_options_init(struct vmm_queue_options *opts);

/*
 * Lays out queue @q (desc 16-, avail 2-, used 4-byte aligned) in guest
 * memory, zeroed, and makes its kick and call eventfds.  Sends nothing.
 * EVENT_IDX follows the features acked so far (vmm_queue_set_event_idx
 * overrides).  Returns 0, -EINVAL, -EBUSY (already set up), -ENOMEM.
 */
int vmm_queue_setup(struct vmm *vmm, unsigned int q,
		    const struct vmm_queue_options *opts);

/*
 * Sends what QEMU sends to start a set-up queue: SET_VRING_NUM,
 * SET_VRING_BASE(@base), SET_VRING_ADDR, SET_VRING_KICK, SET_VRING_CALL.
 * (SET_VRING_ENABLE is separate.)  Returns 0 or the first error.
 */
int vmm_queue_start(struct vmm *vmm, unsigned int q, uint16_t base);

/* Forgets queue @q's rings and closes its eventfds (sends nothing). */
void vmm_queue_teardown(struct vmm *vmm, unsigned int q);

bool vmm_queue_is_setup(const struct vmm *vmm, unsigned int q);
void vmm_queue_set_event_idx(struct vmm *vmm, unsigned int q, bool on);

struct vmm_ring_view {
	unsigned int num;
	struct vring_desc *desc;   /* num entries */
	struct vring_avail *avail; /* flags, idx, ring[num], used_event */
	struct vring_used *used;   /* flags, idx, ring[num], avail_event */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint64_t desc_uva, avail_uva, used_uva;
	uint16_t *used_event;  /* &avail->ring[num] */
	uint16_t *avail_event; /* (uint16_t *)&used->ring[num] */
	int kick_fd, call_fd;  /* owned by the vmm */
};

/*
 * Raw access to queue @q's rings.  Writing descriptors or the avail ring
 * by hand bypasses the driver's bookkeeping: afterwards use only raw
 * access (vmm_queue_publish, vmm_queue_kick_force) or a new queue.
 */
int vmm_queue_view(const struct vmm *vmm, unsigned int q,
		   struct vmm_ring_view *view);

/* One guest buffer of a chain. */
struct vmm_sg {
	uint64_t gpa;
	uint32_t len;
};

enum vmm_chain_mode {
	VMM_CHAIN_DEFAULT, /* indirect when the queue says so and n > 1 */
	VMM_CHAIN_DIRECT,
	VMM_CHAIN_INDIRECT, /* one descriptor pointing to a table */
};

/*
 * Adds a chain of @nout device-readable then @nin device-writable buffers
 * and publishes it in the avail ring (no kick).  Returns 0 and its head id
 * in *@head (may be NULL), -ENOSPC when the ring has too few free
 * descriptors, -E2BIG for an indirect chain longer than indirect_max.
 */
int vmm_queue_add(struct vmm *vmm, unsigned int q, const struct vmm_sg *out,
		  unsigned int nout, const struct vmm_sg *in, unsigned int nin,
		  enum vmm_chain_mode mode, uint16_t *head);

/* Free descriptors, and chains added but not yet returned as used. */
unsigned int vmm_queue_free_descs(const struct vmm *vmm, unsigned int q);
unsigned int vmm_queue_inflight(const struct vmm *vmm, unsigned int q);

/* Puts @head in the avail ring and increments avail->idx (raw). */
int vmm_queue_publish(struct vmm *vmm, unsigned int q, uint16_t head);

/*
 * Kicks if the device asked for it (EVENT_IDX avail_event, or no
 * VRING_USED_F_NO_NOTIFY) for the chains added since the last kick.
 * Returns 1 if kicked, 0 if the device did not want it, -errno.
 */
int vmm_queue_kick(struct vmm *vmm, unsigned int q);
/* Writes the kick eventfd unconditionally. */
int vmm_queue_kick_force(struct vmm *vmm, unsigned int q);

struct vmm_used {
	uint32_t id;
	uint32_t len;
};

/*
 * Takes the next used entry.  Returns 1 and *@u, 0 if none, or -EPROTO if
 * the device returned an id that is not an outstanding head (the entry is
 * consumed all the same; *@u holds it).  Frees the chain's descriptors and,
 * with EVENT_IDX, moves used_event so that the next entry notifies.
 */
int vmm_queue_pop_used(struct vmm *vmm, unsigned int q, struct vmm_used *u);

/*
 * Waits until a used entry is available, reading the call eventfd.
 * Returns 0, -ETIMEDOUT if nothing came within @timeout_ms (<0: the vmm's
 * timeout), or -ENOMSG if entries came but the call eventfd was never
 * written for them (a missed notification).
 */
int vmm_queue_wait_used(struct vmm *vmm, unsigned int q, int timeout_ms);

/*
 * Whether the call eventfd was written within @timeout_ms (consumes it):
 * 1 yes, 0 no, -errno.
 */
int vmm_queue_wait_call(struct vmm *vmm, unsigned int q, int timeout_ms);

/* The used index the driver has consumed up to, and the device's used idx. */
uint16_t vmm_queue_last_used(const struct vmm *vmm, unsigned int q);
uint16_t vmm_queue_device_used_idx(const struct vmm *vmm, unsigned int q);

/*
 * Interrupt suppression, driver side: with EVENT_IDX writes used_event,
 * otherwise sets/clears VRING_AVAIL_F_NO_INTERRUPT (@idx ignored).
 */
void vmm_queue_set_used_event(struct vmm *vmm, unsigned int q, uint16_t idx);
void vmm_queue_set_no_interrupt(struct vmm *vmm, unsigned int q, bool on);

/* ---- the QEMU-like set-up ---- */

struct vmm_negotiate_options {
	uint64_t features;	    /* wanted virtio features, masked with
				       the offered ones */
	uint64_t protocol_features; /* wanted protocol features, masked */
	unsigned int nqueues;	    /* queues to set up: 1 or 2; default 1 */
	struct vmm_queue_options queue; /* for every queue set up */
	bool enable_all;		/* SET_VRING_ENABLE(1) for every queue
					   index below GET_QUEUE_NUM, set up or
					   not, as QEMU does; default true */
	bool add_mem_reg;		/* ADD_MEM_REG per region instead of
					   SET_MEM_TABLE (QEMU with
					   CONFIGURE_MEM_SLOTS); default false */
	bool read_config;	    /* GET_CONFIG of 8 bytes; default true */
	bool set_status;	    /* SET_STATUS ...DRIVER_OK if STATUS was
				       negotiated; default true */
	enum vmm_ack_mode ack_mode; /* default VMM_ACK_QEMU */
	bool resume_at_used;	    /* kept queues restart at the device's used
				       index, as QEMU's reconnect does, so buffers
				       the old back-end held come again; default
				       false: at the avail index */
};

/*
 * Defaults: features VERSION_1 | INDIRECT_DESC | EVENT_IDX |
 * PROTOCOL_FEATURES | GPIO_IRQ (what QEMU acks for a Linux guest), every
 * protocol feature, one queue of 256.
 */
void vmm_negotiate_options_init(struct vmm_negotiate_options *opts);

/*
 * On a fresh connection, in QEMU's order: GET_FEATURES,
 * GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
 * GET_MAX_MEM_SLOTS (when negotiated), SET_OWNER, per queue
 * vmm_queue_setup + SET_VRING_CALL, GET_CONFIG, SET_FEATURES, SET_MEM_TABLE
 * (or ADD_MEM_REG per region), per queue vmm_queue_start (NUM, BASE, ADDR,
 * KICK, CALL), SET_VRING_ENABLE (only with PROTOCOL_FEATURES acked), and
 * SET_STATUS.  Queues already set up are kept (and restarted at their
 * avail index).  @opts may be NULL.  Returns 0 or the first error;
 * -ENOTSUP when GET_QUEUE_NUM is below nqueues.
 */
int vmm_negotiate(struct vmm *vmm, const struct vmm_negotiate_options *opts);

/* What the last vmm_negotiate saw. */
uint64_t vmm_offered_features(const struct vmm *vmm);
uint64_t vmm_offered_protocol_features(const struct vmm *vmm);
uint64_t vmm_queue_num(const struct vmm *vmm);
/* The config read by vmm_negotiate (zeroes if not read). */
void vmm_gpio_config(const struct vmm *vmm, struct virtio_gpio_config *cfg);

/* ---- VirtIO GPIO requests (on queue 0) ---- */

struct vmm_gpio_req {
	uint16_t type;
	uint16_t gpio;
	uint32_t value;
};

struct vmm_gpio_res {
	uint8_t status;
	uint8_t value;
	uint32_t used_len; /* as the device returned it */
};

/*
 * One request round trip: an 8-byte readable request and a 2-byte writable
 * response (pre-filled with 0xee so unwritten bytes show).
 */
int vmm_gpio_request(struct vmm *vmm, uint16_t type, uint16_t gpio,
		     uint32_t value, struct vmm_gpio_res *res);

/*
 * @n requests (n <= free descriptors / chain length) added at once, one
 * kick, all responses awaited.  @res[i] answers @reqs[i].  Buffers come
 * from the bump allocator and are released before returning.
 */
int vmm_gpio_submit(struct vmm *vmm, const struct vmm_gpio_req *reqs,
		    unsigned int n, struct vmm_gpio_res *res);

/*
 * GET_NAMES with a response buffer of 1 + @names_cap bytes.  The names
 * block is copied to @names (@names_cap bytes).
 */
int vmm_gpio_get_names(struct vmm *vmm, void *names, uint32_t names_cap,
		       struct vmm_gpio_res *res);

/* GET_CONFIG of the 8-byte GPIO config, converted to host order. */
int vmm_gpio_read_config(struct vmm *vmm, uint16_t *ngpio,
			 uint32_t *names_size);

/* ---- VirtIO GPIO interrupts (on queue 1, the eventq) ---- */

#define VMM_GPIO_EVENTQ 1
/* What an irq response byte holds until the device writes it. */
#define VMM_GPIO_IRQ_UNWRITTEN 0xee
/* Most bytes vmm_gpio_irq_add_raw() puts in each part of a pair. */
#define VMM_GPIO_IRQ_PART_MAX 8

/* One pair the device returned. */
struct vmm_gpio_irq {
	uint16_t gpio;	   /* the line it was queued for */
	uint16_t head;	   /* its descriptor head */
	uint8_t status;	   /* VIRTIO_GPIO_IRQ_STATUS_*, or
			      VMM_GPIO_IRQ_UNWRITTEN */
	uint32_t used_len; /* as the device returned it */
};

/*
 * Unmasks line @gpio the way the Linux driver does: queues on the eventq a
 * 2-byte device-readable {le16 gpio} and a 1-byte device-writable {u8
 * status} (pre-filled with VMM_GPIO_IRQ_UNWRITTEN), and publishes it
 * without kicking.  The buffers live in a table of one slot per descriptor
 * head, taken from the bump allocator at the first call on that queue set-up,
 * so pairs may stay pending for as long as the test wants.  Returns 0 and
 * the head in *@head (may be NULL), -EINVAL when the eventq is not set up,
 * -ENOSPC, -ENOMEM.  Do not mix with vmm_queue_add() on the eventq.
 */
int vmm_gpio_irq_add(struct vmm *vmm, uint16_t gpio, uint16_t *head);

/*
 * The same with @req_len readable bytes (gpio in the first two, zeros
 * after) and @resp_len writable bytes, each 0..VMM_GPIO_IRQ_PART_MAX; a part
 * of length 0 is left out of the chain (not both).  For malformed pairs.
 */
int vmm_gpio_irq_add_raw(struct vmm *vmm, uint16_t gpio, uint32_t req_len,
			 uint32_t resp_len, uint16_t *head);

/* vmm_gpio_irq_add() then vmm_queue_kick() on the eventq. */
int vmm_gpio_irq_unmask(struct vmm *vmm, uint16_t gpio, uint16_t *head);

/*
 * Takes the next returned pair without waiting: 1 and *@ev, 0 if none, or
 * -EPROTO when the device returned a head that is not an outstanding pair
 * (*@ev then has head and used_len, gpio 0xffff).
 */
int vmm_gpio_irq_pop(struct vmm *vmm, struct vmm_gpio_irq *ev);

/*
 * Waits for the next returned pair and its call notification (as
 * vmm_queue_wait_used) for up to @timeout_ms (<0: the vmm's timeout), then
 * takes it.  Returns 0 and *@ev, -ETIMEDOUT, -ENOMSG (returned without a
 * notification), -EPROTO.
 */
int vmm_gpio_irq_wait(struct vmm *vmm, struct vmm_gpio_irq *ev, int timeout_ms);

#endif
