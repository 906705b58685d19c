/* SPDX-License-Identifier: MIT */
/*
 * Short names for what the VirtIO GPIO tests write in nearly every line:
 * the message types, directions, interrupt types and interrupt statuses of
 * linux/virtio_gpio.h.  Shared by the device-model tests (fake_backend.h)
 * and the integration tests (fixture.h).
 */
#ifndef VDG_TEST_GPIO_NAMES_H
#define VDG_TEST_GPIO_NAMES_H

#include <stdint.h>
#include <string.h>

#include <linux/virtio_gpio.h>

#define GET_DIR	 VIRTIO_GPIO_MSG_GET_DIRECTION
#define SET_DIR	 VIRTIO_GPIO_MSG_SET_DIRECTION
#define GET_VAL	 VIRTIO_GPIO_MSG_GET_VALUE
#define SET_VAL	 VIRTIO_GPIO_MSG_SET_VALUE
#define IRQ_TYPE VIRTIO_GPIO_MSG_IRQ_TYPE

#define DIR_NONE VIRTIO_GPIO_DIRECTION_NONE
#define DIR_OUT	 VIRTIO_GPIO_DIRECTION_OUT
#define DIR_IN	 VIRTIO_GPIO_DIRECTION_IN

#define T_NONE VIRTIO_GPIO_IRQ_TYPE_NONE
#define T_RISE VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING
#define T_FALL VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING
#define T_BOTH VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH
#define T_HIGH VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH
#define T_LOW  VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW

#define VALID	VIRTIO_GPIO_IRQ_STATUS_VALID
#define INVALID VIRTIO_GPIO_IRQ_STATUS_INVALID

/*
 * The interrupt type a STEPS script (test_gpio_device.c, test_irq.c) names
 * "none", "rise", "fall", "both", "high" or "low", in *@type: 0, or -1 for
 * any other name.
 */
static inline int irq_type_named(const char *name, uint32_t *type)
{
	static const char *const names[] = {
		[T_NONE] = "none", [T_RISE] = "rise", [T_FALL] = "fall",
		[T_BOTH] = "both", [T_HIGH] = "high", [T_LOW] = "low",
	};
	uint32_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] && !strcmp(names[i], name)) {
			*type = i;
			return 0;
		}
	}
	return -1;
}

#endif
