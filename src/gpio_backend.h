/* SPDX-License-Identifier: MIT */
/*
 * The one small interface between the VirtIO GPIO device model and the things
 * that own real (or simulated) lines.  A back-end knows nothing of VirtIO
 * message formats; the device model knows nothing of ioctls.
 *
 * Line numbers passed in are always < ngpio (the device model checks them).
 * Every op returns 0 or -errno; an error becomes status ERR for the guest.
 */
#ifndef VDG_GPIO_BACKEND_H
#define VDG_GPIO_BACKEND_H

#include <stdint.h>

struct gpio_backend;

enum gpio_direction {
	GPIO_DIRECTION_NONE = 0, /* released: not requested from the chip */
	GPIO_DIRECTION_OUT = 1,
	GPIO_DIRECTION_IN = 2,
};

struct gpio_backend_ops {
	/* Releases every line and frees the back-end. */
	void (*destroy)(struct gpio_backend *be);
	/*
	 * Releases every line, as after a disconnect: interrupts off, every
	 * line back to the direction it had before any guest configured it
	 * (what get_direction then reports; NONE without that op).
	 * Simulated input levels are not part of the guest's state and are
	 * kept.
	 */
	void (*reset)(struct gpio_backend *be);
	/*
	 * Configures @line.  For GPIO_DIRECTION_OUT the line starts driving
	 * @out_value (0 or 1) with no glitch to the other level.  NONE
	 * releases the line.
	 */
	int (*set_direction)(struct gpio_backend *be, unsigned int line,
			     enum gpio_direction dir, uint8_t out_value);
	/* The level the guest would read: output value or input level. */
	int (*get_value)(struct gpio_backend *be, unsigned int line,
			 uint8_t *value);
	/* Drives an output line (the device model only calls it on one). */
	int (*set_value)(struct gpio_backend *be, unsigned int line,
			 uint8_t value);
	/*
	 * Optional (may be NULL: lines then start as NONE).  The direction
	 * @line has before the guest configures it.  The device model reads
	 * it at creation and after reset only: Linux's gpio-virtio asks
	 * GET_DIRECTION for every line at probe, turns NONE into -EINVAL,
	 * and some gpiolib versions then warn per line or refuse the chip.
	 * An error counts as NONE.
	 */
	int (*get_direction)(struct gpio_backend *be, unsigned int line,
			     enum gpio_direction *dir);
	/*
	 * Optional.  Arms (or, for VIRTIO_GPIO_IRQ_TYPE_NONE, disarms) change
	 * detection on @line for a VIRTIO_GPIO_IRQ_TYPE_* @type; a back-end
	 * that reports every change anyway leaves it NULL.  Level types need
	 * both edges reported.
	 */
	int (*set_irq_type)(struct gpio_backend *be, unsigned int line,
			    uint8_t type);
};

/*
 * Whoever records what happens on the lines (a trace, gpio_trace.h): the
 * device model tells it every change it applies or hears of, on the
 * thread that serves the device.  Installed only while someone records,
 * so that nobody pays for it otherwise.
 */
struct gpio_tracer {
	/*
	 * @line may have changed: it is now @dir and carries @level, since
	 * @ns (CLOCK_MONOTONIC; 0: now).  Also called when nothing changed.
	 */
	void (*line_state)(void *opaque, unsigned int line,
			   enum gpio_direction dir, uint8_t level, uint64_t ns);
	/* @line's interrupt was given to the guest (a pair went back VALID). */
	void (*irq_delivered)(void *opaque, unsigned int line);
	void *opaque;
};

/*
 * Where a back-end reports that a line's level changed (an edge): set by the
 * device model, called on the thread that serves the device.
 */
typedef void (*gpio_level_fn)(void *opaque, unsigned int line, uint8_t level);

/*
 * The event loop a back-end may put file descriptors in (a host chip's line
 * request fds): set by the server before it serves the device.  @ready runs
 * on the serving thread when @fd is readable (or hung up).
 */
struct gpio_fd_watcher {
	int (*watch)(void *ctx, int fd, void (*ready)(void *arg), void *arg);
	void (*unwatch)(void *ctx, int fd);
	void *ctx;
};

struct gpio_backend {
	const struct gpio_backend_ops *ops;
	uint16_t ngpio;
	/*
	 * ngpio names owned by the back-end; an entry may be NULL or "" for an
	 * unnamed line.  NULL array: no line has a name.
	 */
	char **names;
	/*
	 * ngpio flags owned by the back-end: a non-zero entry is a read-only
	 * line, which the guest may read and monitor (inputs, GET_VALUE,
	 * interrupts) but never drive: the device model answers SET_DIRECTION
	 * OUT and SET_VALUE with ERR without calling the back-end.  NULL: no
	 * line is read-only.
	 */
	uint8_t *read_only;
	/* Set by the functions below; the back-end only reads them. */
	gpio_level_fn level_changed; /* NULL: nobody listens */
	void *level_opaque;
	/*
	 * While a gpio_backend_report_level_at() report runs: when the edge
	 * happened (CLOCK_MONOTONIC ns, as the kernel stamped it); 0 for
	 * "now", the time of the report.
	 */
	uint64_t report_ns;
	const struct gpio_fd_watcher *watcher; /* NULL: none yet */
	const struct gpio_tracer *tracer;      /* NULL: nobody records */
};

/* Where @be reports level changes from now on (NULL @fn: nowhere). */
static inline void gpio_backend_set_level_handler(struct gpio_backend *be,
						  gpio_level_fn fn,
						  void *opaque)
{
	be->level_changed = fn;
	be->level_opaque = opaque;
}

/* The event loop @be may watch its fds in (@watcher is borrowed). */
static inline void
gpio_backend_set_fd_watcher(struct gpio_backend *be,
			    const struct gpio_fd_watcher *watcher)
{
	be->watcher = watcher;
}

/* Who records @be's lines from now on (NULL: nobody; borrowed). */
static inline void gpio_backend_set_tracer(struct gpio_backend *be,
					   const struct gpio_tracer *tracer)
{
	be->tracer = tracer;
}

static inline void gpio_backend_report_level(struct gpio_backend *be,
					     unsigned int line, uint8_t level)
{
	if (be->level_changed)
		be->level_changed(be->level_opaque, line, level);
}

/* The same for an edge that happened at @ns (CLOCK_MONOTONIC), not now. */
static inline void gpio_backend_report_level_at(struct gpio_backend *be,
						unsigned int line,
						uint8_t level, uint64_t ns)
{
	be->report_ns = ns;
	gpio_backend_report_level(be, line, level);
	be->report_ns = 0;
}

static inline void gpio_backend_destroy(struct gpio_backend *be)
{
	if (be)
		be->ops->destroy(be);
}

#endif
