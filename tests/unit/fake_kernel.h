/* SPDX-License-Identifier: MIT */
/*
 * The host-chip tests' kernel (test_gpio_cdev.c, test_device_backends.c):
 * a fake of the system calls behind struct gpio_cdev_sys.  Chips are files
 * gpiochip0..3 in a temporary directory, the fake /dev (symlinks to them
 * are the same chip), each "a character device" with the device number the
 * test gives it; a fake /sys in it says which device numbers are GPIO
 * chips.  The fake checks line requests and configurations as
 * gpiolib-cdev does (and refuses a bias or a debounce period where a
 * chip's driver is told to), reports a line's settings in its line info,
 * and counts every touch of every line and every fd it hands out.
 *
 * cmocka.h comes first.
 */
#ifndef VDG_TEST_FAKE_KERNEL_H
#define VDG_TEST_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <linux/gpio.h>

#include "gpio_cdev_sys.h"

#define FAKE_LINES 16
#define FAKE_CHIPS 4
#define FAKE_FDS   64
#define FD_BASE	   100

/* Device numbers the fake sysfs knows: GPIO chips, a tty, a watchdog. */
#define RDEV_CHIP(i)  makedev(254, (i))
#define RDEV_TTY      makedev(5, 2)
#define RDEV_WATCHDOG makedev(10, 130)
#define RDEV_UNKNOWN  makedev(7, 77)

struct fake_line {
	char name[GPIO_MAX_NAME_SIZE];
	char consumer[GPIO_MAX_NAME_SIZE]; /* "" while free */
	uint64_t flags;			   /* as last configured */
	bool is_out;			   /* the pin's direction */
	uint8_t value;			   /* driven, or the input level */
	unsigned int requests;		   /* GPIO_V2_GET_LINE_IOCTL */
	unsigned int touches;		   /* requests, configs, values */
	unsigned int info_reads;	   /* GPIO_V2_GET_LINEINFO_IOCTL */
	uint32_t debounce_us;		   /* as last configured */
};

struct fake_chip {
	bool present;
	char label[GPIO_MAX_NAME_SIZE];
	unsigned int nlines;
	dev_t rdev;
	bool not_chip;	    /* GPIO_GET_CHIPINFO_IOCTL fails */
	bool not_chr;	    /* a regular file */
	bool no_access;	    /* opening it for real fails EACCES */
	bool gone;	    /* every ioctl fails ENODEV */
	int swap_to;	    /* opening it for real opens chip swap_to - 1 */
	unsigned int opens; /* opened for real (not O_PATH) */
	/* What its driver refuses, with this errno (0: nothing). */
	int debounce_errno; /* a debounce period */
	int bias_errno;	    /* a bias */
	struct fake_line lines[FAKE_LINES];
};

enum fd_kind { FD_FREE, FD_PATH, FD_CHIP, FD_REQUEST };

struct fake_fd {
	enum fd_kind kind;
	int chip;
	unsigned int offset; /* FD_REQUEST */
	bool nonblock;
	struct gpio_v2_line_event events[8];
	unsigned int nevents;
	int read_errno;	    /* returned once the events are read, if set */
	unsigned int reads; /* read() calls */
};

struct fake_kernel {
	char dir[64];		  /* the fake /dev */
	char sys_dir[96];	  /* the fake /sys: dir/sys */
	struct gpio_cdev_sys sys; /* what gpio_cdev_sys_set() is given */
	struct fake_chip chips[FAKE_CHIPS];
	struct fake_fd fds[FAKE_FDS];
	unsigned int open_fds;
	/* The last line request and configuration the kernel saw. */
	struct gpio_v2_line_request last_request;
	struct gpio_v2_line_config last_config;
	unsigned int set_configs;
};

extern struct fake_kernel kernel;

/* Makes the fake /dev and /sys (a group set-up): 0 or -1. */
int fake_kernel_create(void);

/* Removes them, and the back-end uses the real system calls again. */
int fake_kernel_remove(void);

/*
 * No chip, no fd, nothing counted; the back-end uses the fake from now on
 * (a test's set-up, which then describes the chips it wants).
 */
void fake_kernel_reset(void);

/* gpio_v2_line_flags_validate(), the parts we can get wrong: 0 or -EINVAL. */
int fake_kernel_flags_validate(uint64_t flags);

/* The debounce period @cfg gives its one line (0: none). */
uint32_t fake_kernel_config_debounce(const struct gpio_v2_line_config *cfg);

/* Queues an edge on whatever request holds @chip's line @offset: its fd. */
int fake_kernel_queue_event(int chip, unsigned int offset, uint32_t id);

/* The fd of the request that holds @chip's line @offset, or -1. */
int fake_kernel_request_fd(int chip, unsigned int offset);

/*
 * @message, in which each "DIR" stands for the fake /dev, as the
 * back-end says it: in @out of @size bytes.
 */
void fake_kernel_message(const char *message, char *out, size_t size);

#endif
