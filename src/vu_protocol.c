// SPDX-License-Identifier: MIT
/*
 * What each vhost-user request does, and the table that says what it must
 * look like: see vu_protocol.h.  The device's connection and queues are
 * vu_dev.c's.
 */
#include "vu_protocol.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vu_dev_internal.h"

#define TRANSPORT_FEATURES                                                   \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) | \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) |                             \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VU_F_PROTOCOL_FEATURES))

#define OFFERED_PROTOCOL_FEATURES                                         \
	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VU_PROTOCOL_F_CONFIG) |                                 \
	 (1ull << VU_PROTOCOL_F_RESET_DEVICE) |                           \
	 (1ull << VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                    \
	 (1ull << VU_PROTOCOL_F_STATUS))

/* Payload layouts (vhost-user.rst, "Message types"). */
struct mem_region_payload {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct mem_table_payload {
	uint32_t nregions;
	uint32_t padding;
	struct mem_region_payload regions[VU_MAX_FDS];
};

struct single_region_payload {
	uint64_t padding;
	struct mem_region_payload region;
};

struct config_payload {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VU_MAX_CONFIG_SIZE];
};

#define CONFIG_HEADER_SIZE offsetof(struct config_payload, data)

typedef int (*request_handler)(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply);

/*
 * What a request must look like before its handler runs.  The handler of a
 * request whose payload is variable checks the exact size itself.
 */
struct request_rule {
	const char *name;
	uint32_t min_size;
	uint32_t max_size;
	uint8_t min_fds;
	uint8_t max_fds;
	bool has_reply; /* the request always gets a reply of its own */
	request_handler handle;
};

static uint64_t payload_u64(const struct vu_msg *msg)
{
	return msg->payload.u64;
}

static void reply_u64(struct vu_msg *reply, uint64_t value)
{
	reply->payload.u64 = value;
	reply->size = sizeof(uint64_t);
}

/* The virtio features this back-end offers. */
static uint64_t offered_features(const struct vu_dev *dev)
{
	return dev->ops->device_features | TRANSPORT_FEATURES;
}

static int handle_get_features(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	reply_u64(reply, offered_features(dev));
	return 0;
}

static int handle_set_features(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	uint64_t features = payload_u64(msg);
	unsigned int i;

	if (features & ~offered_features(dev)) {
		log_warn("SET_FEATURES: 0x%llx not offered",
			 (unsigned long long)(features &
					      ~offered_features(dev)));
		return -EINVAL;
	}
	dev->features = features;
	for (i = 0; i < dev->nqueues; i++) {
		struct virtqueue *vq = &dev->queues[i].vq;

		vq->event_idx =
			vu_dev_has_feature(dev, VIRTIO_RING_F_EVENT_IDX);
		vq->notify_on_empty =
			vu_dev_has_feature(dev, VIRTIO_F_NOTIFY_ON_EMPTY);
	}
	return 0;
}

static int handle_set_owner(struct vu_dev *dev, struct vu_msg *msg,
			    struct vu_msg *reply)
{
	return 0;
}

static int handle_reset_device(struct vu_dev *dev, struct vu_msg *msg,
			       struct vu_msg *reply)
{
	vu_dev_reset_queues(dev);
	dev->ops->reset(dev->opaque);
	return 0;
}

static int handle_reset_owner(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	dev->features = 0;
	return handle_reset_device(dev, msg, reply);
}

static int add_region(struct vu_dev *dev, const struct mem_region_payload *r,
		      int fd)
{
	struct stat st;
	int ret;

	/*
	 * Guest memory is a memfd, a file on /dev/shm or hugetlbfs: a
	 * regular file.  Mapping a device (/dev/zero, /dev/mem, a watchdog)
	 * or anything else the front-end passes is refused up front.
	 */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		log_warn("memory region gpa 0x%llx refused: its fd is a %s, "
			 "not a file (memfd, shm or hugetlbfs)",
			 (unsigned long long)r->gpa,
			 vu_dev_file_kind(st.st_mode));
		return -EINVAL;
	}
	ret = guest_mem_add_region(&dev->mem, fd, r->gpa, r->size, r->uva,
				   r->mmap_offset);

	if (ret < 0)
		log_warn("memory region gpa 0x%llx size 0x%llx refused: %s",
			 (unsigned long long)r->gpa,
			 (unsigned long long)r->size, strerror(-ret));
	return ret;
}

static int handle_set_mem_table(struct vu_dev *dev, struct vu_msg *msg,
				struct vu_msg *reply)
{
	const struct mem_table_payload *table =
		(const void *)msg->payload.bytes;
	uint32_t i, n = table->nregions;
	int ret = 0;

	if (n == 0 || n > VU_MAX_FDS ||
	    msg->size != 8 + n * sizeof(struct mem_region_payload) ||
	    msg->nfds != n) {
		log_warn("SET_MEM_TABLE: %u regions in %u bytes with %u fds", n,
			 msg->size, msg->nfds);
		return -EPROTO;
	}
	vu_dev_unmap_queues(dev);
	guest_mem_clear(&dev->mem);
	for (i = 0; i < n && ret == 0; i++)
		ret = add_region(dev, &table->regions[i], msg->fds[i]);
	if (ret < 0)
		guest_mem_clear(&dev->mem);
	vu_dev_remap_queues(dev);
	return ret;
}

static int handle_add_mem_reg(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	const struct single_region_payload *p =
		(const void *)msg->payload.bytes;
	int ret = add_region(dev, &p->region, msg->fds[0]);

	vu_dev_remap_queues(dev);
	return ret;
}

static int handle_rem_mem_reg(struct vu_dev *dev, struct vu_msg *msg,
			      struct vu_msg *reply)
{
	const struct single_region_payload *p =
		(const void *)msg->payload.bytes;
	int ret;

	/* Ring pointers may point into the region: drop them first. */
	vu_dev_unmap_queues(dev);
	ret = guest_mem_remove_region(&dev->mem, p->region.gpa, p->region.size,
				      p->region.uva);
	vu_dev_remap_queues(dev);
	return ret;
}

static int handle_get_max_mem_slots(struct vu_dev *dev, struct vu_msg *msg,
				    struct vu_msg *reply)
{
	reply_u64(reply, GUEST_MEM_MAX_REGIONS);
	return 0;
}

static int handle_get_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
					struct vu_msg *reply)
{
	reply_u64(reply, OFFERED_PROTOCOL_FEATURES);
	return 0;
}

static int handle_set_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
					struct vu_msg *reply)
{
	uint64_t features = payload_u64(msg);

	if (features & ~OFFERED_PROTOCOL_FEATURES)
		return -EINVAL;
	dev->protocol_features = features;
	return 0;
}

static int handle_get_queue_num(struct vu_dev *dev, struct vu_msg *msg,
				struct vu_msg *reply)
{
	reply_u64(reply, dev->nqueues);
	return 0;
}

static int handle_get_config(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	const struct config_payload *in = (const void *)msg->payload.bytes;
	struct config_payload *out = (void *)reply->payload.bytes;

	/*
	 * vhost-user.rst: a zero-length payload is how a back-end says no.
	 * Front-ends also check that a good reply has exactly the size asked.
	 */
	reply->size = 0;
	if (in->size > VU_MAX_CONFIG_SIZE ||
	    msg->size != CONFIG_HEADER_SIZE + in->size) {
		log_warn("GET_CONFIG: %u bytes claimed in a %u-byte message",
			 in->size, msg->size);
		return 0;
	}
	if (dev->ops->get_config(dev->opaque, in->offset, in->size, out->data) <
	    0) {
		log_warn("GET_CONFIG: offset %u size %u outside config space",
			 in->offset, in->size);
		return 0;
	}
	out->offset = in->offset;
	out->size = in->size;
	out->flags = in->flags;
	reply->size = CONFIG_HEADER_SIZE + in->size;
	return 0;
}

static int handle_set_config(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	log_warn("SET_CONFIG refused: the %s config space is read-only",
		 dev->ops->name);
	return -EPERM;
}

static int handle_set_status(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	uint64_t status = payload_u64(msg);

	if (status > UINT8_MAX)
		return -EINVAL;
	dev->status = (uint8_t)status;
	return 0;
}

static int handle_get_status(struct vu_dev *dev, struct vu_msg *msg,
			     struct vu_msg *reply)
{
	reply_u64(reply, dev->status);
	return 0;
}

#define FIXED(sz, fds) \
	.min_size = (sz), .max_size = (sz), .min_fds = (fds), .max_fds = (fds)

static const struct request_rule request_rules[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = {"GET_FEATURES", FIXED(0, 0), true,
			     handle_get_features},
	[VU_SET_FEATURES] = {"SET_FEATURES", FIXED(8, 0), false,
			     handle_set_features},
	[VU_SET_OWNER] = {"SET_OWNER", FIXED(0, 0), false, handle_set_owner},
	[VU_RESET_OWNER] = {"RESET_OWNER", FIXED(0, 0), false,
			    handle_reset_owner},
	[VU_SET_MEM_TABLE] = {"SET_MEM_TABLE", 8 + 32, 8 + 32 * VU_MAX_FDS, 1,
			      VU_MAX_FDS, false, handle_set_mem_table},
	[VU_SET_VRING_NUM] = {"SET_VRING_NUM", FIXED(8, 0), false,
			      vu_vring_set_num},
	[VU_SET_VRING_ADDR] = {"SET_VRING_ADDR", FIXED(40, 0), false,
			       vu_vring_set_addr},
	[VU_SET_VRING_BASE] = {"SET_VRING_BASE", FIXED(8, 0), false,
			       vu_vring_set_base},
	[VU_GET_VRING_BASE] = {"GET_VRING_BASE", FIXED(8, 0), true,
			       vu_vring_get_base},
	[VU_SET_VRING_KICK] = {"SET_VRING_KICK", 8, 8, 0, 1, false,
			       vu_vring_set_kick},
	[VU_SET_VRING_CALL] = {"SET_VRING_CALL", 8, 8, 0, 1, false,
			       vu_vring_set_call},
	[VU_SET_VRING_ERR] = {"SET_VRING_ERR", 8, 8, 0, 1, false,
			      vu_vring_set_err},
	[VU_GET_PROTOCOL_FEATURES] = {"GET_PROTOCOL_FEATURES", FIXED(0, 0),
				      true, handle_get_protocol_features},
	[VU_SET_PROTOCOL_FEATURES] = {"SET_PROTOCOL_FEATURES", FIXED(8, 0),
				      false, handle_set_protocol_features},
	[VU_GET_QUEUE_NUM] = {"GET_QUEUE_NUM", FIXED(0, 0), true,
			      handle_get_queue_num},
	[VU_SET_VRING_ENABLE] = {"SET_VRING_ENABLE", FIXED(8, 0), false,
				 vu_vring_set_enable},
	[VU_GET_CONFIG] = {"GET_CONFIG", CONFIG_HEADER_SIZE,
			   CONFIG_HEADER_SIZE + VU_MAX_CONFIG_SIZE, 0, 0, true,
			   handle_get_config},
	[VU_SET_CONFIG] = {"SET_CONFIG", CONFIG_HEADER_SIZE,
			   CONFIG_HEADER_SIZE + VU_MAX_CONFIG_SIZE, 0, 0, false,
			   handle_set_config},
	[VU_RESET_DEVICE] = {"RESET_DEVICE", FIXED(0, 0), false,
			     handle_reset_device},
	[VU_GET_MAX_MEM_SLOTS] = {"GET_MAX_MEM_SLOTS", FIXED(0, 0), true,
				  handle_get_max_mem_slots},
	[VU_ADD_MEM_REG] = {"ADD_MEM_REG", FIXED(40, 1), false,
			    handle_add_mem_reg},
	/* QEMU passes the region's fd along, though it is not needed. */
	[VU_REM_MEM_REG] = {"REM_MEM_REG", 40, 40, 0, 1, false,
			    handle_rem_mem_reg},
	[VU_SET_STATUS] = {"SET_STATUS", FIXED(8, 0), false, handle_set_status},
	[VU_GET_STATUS] = {"GET_STATUS", FIXED(0, 0), true, handle_get_status},
};

static int send_reply(struct vu_dev *dev, const struct vu_msg *request,
		      struct vu_msg *reply)
{
	reply->request = request->request;
	reply->flags = VU_FLAG_VERSION | VU_FLAG_REPLY;
	reply->nfds = 0;
	return vu_msg_send(dev->conn_fd, reply);
}

static int send_ack(struct vu_dev *dev, const struct vu_msg *request,
		    int result)
{
	struct vu_msg ack;

	reply_u64(&ack, result < 0 ? (uint64_t)-result : 0);
	return send_reply(dev, request, &ack);
}

static const struct request_rule *find_rule(uint32_t request)
{
	if (request >= VU_REQUEST_MAX || !request_rules[request].handle)
		return NULL;
	return &request_rules[request];
}

static int check_frame(const struct request_rule *rule,
		       const struct vu_msg *msg)
{
	if (msg->size < rule->min_size || msg->size > rule->max_size) {
		log_warn("%s: payload of %u bytes, expected %u..%u", rule->name,
			 msg->size, rule->min_size, rule->max_size);
		return -EPROTO;
	}
	if (msg->nfds < rule->min_fds || msg->nfds > rule->max_fds) {
		log_warn("%s: %u fds, expected %u..%u", rule->name, msg->nfds,
			 rule->min_fds, rule->max_fds);
		return -EPROTO;
	}
	return 0;
}

int vu_protocol_dispatch(struct vu_dev *dev, struct vu_msg *msg)
{
	bool need_reply = msg->flags & VU_FLAG_NEED_REPLY;
	const struct request_rule *rule;
	struct vu_msg reply;
	int ret;

	if ((msg->flags & VU_FLAG_VERSION_MASK) != VU_FLAG_VERSION ||
	    (msg->flags & VU_FLAG_REPLY)) {
		log_warn("message %u with flags 0x%x: not a version 1 request",
			 msg->request, msg->flags);
		return -EPROTO;
	}
	rule = find_rule(msg->request);
	if (!rule) {
		log_warn("request %u is not supported; refused", msg->request);
		return need_reply ? send_ack(dev, msg, -EOPNOTSUPP) : 0;
	}
	ret = check_frame(rule, msg);
	if (ret < 0)
		return ret;
	log_debug("%s", rule->name);
	reply.size = 0;
	ret = rule->handle(dev, msg, &reply);
	if (ret == -EPROTO)
		return ret;
	if (rule->has_reply)
		return ret < 0 ? ret : send_reply(dev, msg, &reply);
	if (need_reply)
		return send_ack(dev, msg, ret);
	if (ret < 0)
		log_warn("%s failed (%s); closing the connection", rule->name,
			 strerror(-ret));
	return ret;
}
