/* SPDX-License-Identifier: MIT */
/*
 * The vhost-user protocol (QEMU docs/interop/vhost-user.rst), back-end
 * side: the requests a front-end sends, the feature bits, and the request
 * table every message is checked against before its handler runs (see
 * vu_dev.h for the device they set up).
 */
#ifndef VDG_VU_PROTOCOL_H
#define VDG_VU_PROTOCOL_H

#include "vu_msg.h"

/* Bytes of device config space the protocol will ever copy. */
#define VU_MAX_CONFIG_SIZE 256

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_SET_VRING_ENDIAN = 23,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_REQUEST_MAX,
};

/* Protocol feature bits. */
#define VU_PROTOCOL_F_MQ		  0
#define VU_PROTOCOL_F_REPLY_ACK		  3
#define VU_PROTOCOL_F_CONFIG		  9
#define VU_PROTOCOL_F_RESET_DEVICE	  13
#define VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VU_PROTOCOL_F_STATUS		  16

#define VU_F_PROTOCOL_FEATURES 30

struct vu_dev;

/*
 * Handles one received message for @dev (vu_dev.c calls it): checks it
 * against the request table, runs its handler and sends the reply or ack
 * it calls for.  Fds the handler takes are taken out of @msg.  Returns 0,
 * or -errno when the connection must end.
 */
int vu_protocol_dispatch(struct vu_dev *dev, struct vu_msg *msg);

#endif
