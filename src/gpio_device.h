/* SPDX-License-Identifier: MIT */
/*
 * The VirtIO GPIO device model (VirtIO spec section 5.18): config space, the
 * names block and the requestq message handling, working on plain buffers.
 * It checks every field the guest sends and turns each request into calls of
 * a gpio_backend.  No syscalls and no knowledge of virtqueues or sockets.
 */
#ifndef VDG_GPIO_DEVICE_H
#define VDG_GPIO_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_gpio.h>

#include "gpio_backend.h"

struct gpio_device;

/*
 * Creates a device serving @be's lines.  The device owns @be from then on
 * (also when this fails).  Returns 0 and *@out, -EINVAL if the back-end has
 * no lines or its names are not unique or not printable ASCII, or -ENOMEM.
 */
int gpio_device_new(struct gpio_backend *be, struct gpio_device **out);

/* Frees the device and its back-end. */
void gpio_device_free(struct gpio_device *dev);

/* Back to the state a new guest sees: all lines released, values forgotten. */
void gpio_device_reset(struct gpio_device *dev);

uint16_t gpio_device_ngpio(const struct gpio_device *dev);

/* The 8-byte config space, little-endian, as the guest reads it. */
void gpio_device_get_config(const struct gpio_device *dev,
			    struct virtio_gpio_config *config);

/*
 * Bytes needed for the largest response (GET_NAMES: 1 + gpio_names_size, at
 * least sizeof(struct virtio_gpio_response)).
 */
size_t gpio_device_max_response_size(const struct gpio_device *dev);

/*
 * Handles one requestq message.  @req holds the device-readable bytes (a
 * struct virtio_gpio_request; extra bytes are ignored), @resp receives the
 * response.  On success returns 0 with *@resp_len set to the exact response
 * size for the request type (2, or 1 + names size for GET_NAMES; status ERR
 * replies are 2 bytes except for GET_NAMES, whose ERR reply is 1 + names
 * size bytes with a zero-filled block).  Bad lines, types, directions and
 * values, and back-end failures, are status ERR, not errors of this call.
 * Returns -EINVAL if @req_len is shorter than a request and -ENOBUFS if
 * @resp_cap cannot hold the response: the caller then returns the buffer to
 * the guest with nothing written.
 */
int gpio_device_handle_request(struct gpio_device *dev, const void *req,
			       size_t req_len, void *resp, size_t resp_cap,
			       size_t *resp_len);

#endif
