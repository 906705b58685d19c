/* SPDX-License-Identifier: MIT */
/*
 * The VirtIO GPIO device model (VirtIO spec section 5.18): config space, the
 * names block, the requestq messages and the eventq pairs, working on plain
 * buffers: the wire format of the device lives here and nowhere else.  It
 * checks every field the guest sends and turns each request into calls of
 * a gpio_backend.  No syscalls and no knowledge of virtqueues or sockets:
 * the caller moves the bytes between the queues and these calls.
 */
#ifndef VDG_GPIO_DEVICE_H
#define VDG_GPIO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_gpio.h>

#include "gpio_backend.h"

struct gpio_device;

/* Its virtqueues (VirtIO 5.18.2), by index, and how many there are. */
#define GPIO_DEVICE_REQUESTQ   0
#define GPIO_DEVICE_EVENTQ     1
#define GPIO_DEVICE_NUM_QUEUES 2
/* The device feature bits it implements: interrupts. */
#define GPIO_DEVICE_FEATURES (1ull << VIRTIO_GPIO_F_IRQ)
/*
 * Device-readable bytes worth reading from a requestq or eventq buffer
 * (a struct virtio_gpio_request, the larger of the two): any more are
 * ignored.
 */
#define GPIO_DEVICE_REQUEST_SIZE 8

/*
 * Creates a device serving @be's lines.  The device owns @be from then on
 * (also when this fails).  Returns 0 and *@out, -EINVAL if the back-end has
 * no lines or its names are not unique or not printable ASCII, or -ENOMEM.
 */
int gpio_device_new(struct gpio_backend *be, struct gpio_device **out);

/* Frees the device and its back-end. */
void gpio_device_free(struct gpio_device *dev);

/*
 * Back to the state a new guest sees: all lines released, values and
 * interrupts forgotten.  Held pairs are dropped, not given back: flush them
 * first while the eventq can still take them.
 */
void gpio_device_reset(struct gpio_device *dev);

/*
 * The front-end went away without resetting the device.  A VMM that
 * reconnects to a running guest (QEMU's reconnect) replays only the
 * vhost-user set-up, and the guest still believes its lines configured: this
 * resets the device like gpio_device_reset() (the back-end releases every
 * line) but keeps a copy of the guest's line state, minus held pairs, for
 * gpio_device_resume().  Returns 0, or -ENOMEM (reset, nothing kept).
 */
int gpio_device_suspend(struct gpio_device *dev);

/*
 * The new front-end continues the old guest: configures the back-end's lines
 * as the guest left them (directions, output values, interrupt types and
 * latched edges).  Returns 0, -ENOENT if nothing was kept, or -EIO if some
 * line could not be restored (it starts over released; a refused interrupt
 * is held as after a refused IRQ_TYPE).  A pair held since the suspend goes
 * back INVALID first.  gpio_device_reset() forgets the kept state instead.
 */
int gpio_device_resume(struct gpio_device *dev);

bool gpio_device_is_suspended(const struct gpio_device *dev);

uint16_t gpio_device_ngpio(const struct gpio_device *dev);

/*
 * Tells the back-end's tracer (gpio_backend_set_tracer), if any, every
 * line's direction and level now: where a new trace starts.  The device
 * tells it each change from then on by itself.
 */
void gpio_device_trace_lines(struct gpio_device *dev);

/* The 8-byte config space, little-endian, as the guest reads it. */
void gpio_device_get_config(const struct gpio_device *dev,
			    struct virtio_gpio_config *config);

/*
 * Copies @size bytes of the config space at @offset into @out.  Returns 0,
 * or -EINVAL when the range is not inside it.
 */
int gpio_device_read_config(const struct gpio_device *dev, uint32_t offset,
			    uint32_t size, uint8_t *out);

/*
 * The virtio features the driver acknowledged: VIRTIO_GPIO_F_IRQ is the
 * one that matters (gpio_device_set_irq_feature).
 */
void gpio_device_set_features(struct gpio_device *dev, uint64_t features);

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

/*
 * Interrupts.  The caller owns the eventq: it hands each pair in with
 * gpio_device_irq_request() (or gpio_device_irq_unmask() for a line
 * number) and a token of its choice, and @done gives the pair back, either
 * during that call or later (during a request, or when a back-end reports
 * a level change).  @resp is what to write into the pair's device-writable
 * buffer (@resp_len bytes: a struct virtio_gpio_irq_response, whose status
 * is VIRTIO_GPIO_IRQ_STATUS_VALID when the interrupt fired or INVALID when
 * the pair comes back unused); @fired says which, for log lines.  Each
 * token comes back exactly once, unless gpio_device_reset() drops it.
 */
typedef void (*gpio_irq_done_fn)(void *opaque, uint16_t token, const void *resp,
				 size_t resp_len, bool fired);

void gpio_device_set_irq_handler(struct gpio_device *dev, gpio_irq_done_fn done,
				 void *opaque);

/* Whether VIRTIO_GPIO_F_IRQ was negotiated: IRQ_TYPE is ERR without it. */
void gpio_device_set_irq_feature(struct gpio_device *dev, bool negotiated);

/* Whether it was: without it the eventq is not the device's to serve. */
bool gpio_device_has_irq_feature(const struct gpio_device *dev);

/*
 * The driver queued an eventq pair: @req holds its device-readable bytes
 * (a struct virtio_gpio_irq_request; extra bytes are ignored) and
 * @resp_cap is the room in its device-writable part.  Returns 0: the pair
 * is the device's (as with gpio_device_irq_unmask) until @done gives it
 * back, at once or later; or -EINVAL for a malformed pair (a request too
 * short, no room for the response): the caller gives it back unanswered.
 * Needs an irq handler.
 */
int gpio_device_irq_request(struct gpio_device *dev, const void *req,
			    size_t req_len, size_t resp_cap, uint16_t token);

/*
 * The driver queued a pair for @gpio: INVALID at once for a bad line, a line
 * without an interrupt, or a line that already has a pair; otherwise held,
 * and given back VALID at once for a latched edge or an active level.
 * Needs an irq handler.
 */
void gpio_device_irq_unmask(struct gpio_device *dev, uint32_t gpio,
			    uint16_t token);

/*
 * The eventq stops: every held pair goes back INVALID (the driver queues it
 * again when the queue restarts).  Interrupt types and latches stay.
 */
void gpio_device_irq_flush(struct gpio_device *dev);

#endif
