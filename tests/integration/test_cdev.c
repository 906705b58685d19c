// SPDX-License-Identifier: MIT
/*
 * Integration tests of the host character-device back-end: the real daemon
 * (argv[1]) serving real kernel GPIO chips, driven as a guest through the
 * VMM stand-in and checked from the "hardware" side through gpio-sim's sysfs
 * attributes and the kernel's line info (what gpioinfo shows).
 *
 * Needs two gpio-sim chips (CONFIG_GPIO_SIM, made through configfs), so it is
 * not a meson test: tests/e2e/run-hostchip.sh boots a guest kernel that has
 * gpio-sim, and tests/e2e/guest-hostchip.sh creates the chips and runs this
 * program inside the guest.  The chips, found by label:
 *
 *   "vdg-hc-a"  8 lines named hc-a0 .. hc-a7, except line 6 (unnamed)
 *   "vdg-hc-b"  4 lines named LED_A, BTN_1, LED_B, BTN_2
 *
 * gpio-sim facts the checks rely on (drivers/gpio/gpio-sim.c, Linux 6.1):
 * sim_gpioN/value is the level the line presents (what an output drives,
 * otherwise its pull); writing "pull-up"/"pull-down" to sim_gpioN/pull sets
 * the level of a line that is not driven as an output and makes an edge for
 * a requested input; a released line falls back to its pull.  gpio-sim has
 * no debounce of its own, so the kernel debounces a line's edges in
 * software (gpiolib-cdev), and its line info shows the period.
 *
 * Every test starts its own daemon (fixture.c) after putting every line of
 * both chips back to pull-down and checking that none is requested; teardown
 * checks that the daemon is alive and exits 0 on SIGTERM.
 *
 * Environment: see fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"

/*
 * How long "nothing more comes" is watched and how long an expected event
 * or release may take, before scaling: longer than the fixture's defaults,
 * for the kernel's line events in a TCG guest.
 */
#define QUIET_MS 300
#define EVENT_MS 3000

/* The consumer label of the daemon's line requests for socket 0 and 1. */
#define CONSUMER0 "vhost-gpio:gpio.sock0"
#define CONSUMER1 "vhost-gpio:gpio.sock1"
/* The consumer label of the lines this program holds itself. */
#define HOLDER "vdg-test-holder"

/* ------------------------------------------------------------------ */
/* The gpio-sim chips                                                   */
/* ------------------------------------------------------------------ */

struct hchip {
	const char *label;
	unsigned int nlines;
	const char *const *names; /* "" = unnamed */
	/* found by find_chips() */
	bool found;
	unsigned int num; /* /dev/gpiochip<num> */
	char dev[32];	  /* /dev/gpiochip<num> */
	char sysfs[64];	  /* /sys/bus/gpio/devices/gpiochip<num> */
	int fd;		  /* the chip, O_CLOEXEC (never reaches the daemon) */
};

static const char *const a_names[] = {"hc-a0", "hc-a1", "hc-a2", "hc-a3",
				      "hc-a4", "hc-a5", "",	 "hc-a7"};
static const char *const b_names[] = {"LED_A", "BTN_1", "LED_B", "BTN_2"};

static struct hchip g_a = {
	.label = "vdg-hc-a", .nlines = 8, .names = a_names, .fd = -1};
static struct hchip g_b = {
	.label = "vdg-hc-b", .nlines = 4, .names = b_names, .fd = -1};
static char g_find_error[256];

/* Finds @c among /dev/gpiochip0..63 by label and checks its lines. */
static bool find_chip(struct hchip *c)
{
	unsigned int n, i;

	for (n = 0; n < 64; n++) {
		struct gpiochip_info ci;
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/gpiochip%u", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&ci, 0, sizeof(ci));
		if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0 ||
		    strcmp(ci.label, c->label) != 0) {
			close(fd);
			continue;
		}
		if (ci.lines != c->nlines) {
			snprintf(g_find_error, sizeof(g_find_error),
				 "chip %s (%s) has %u lines, expected %u",
				 c->label, path, ci.lines, c->nlines);
			close(fd);
			return false;
		}
		for (i = 0; i < c->nlines; i++) {
			struct gpio_v2_line_info li;

			memset(&li, 0, sizeof(li));
			li.offset = i;
			if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0 ||
			    strcmp(li.name, c->names[i]) != 0) {
				snprintf(g_find_error, sizeof(g_find_error),
					 "chip %s line %u is named \"%s\", "
					 "expected \"%s\"",
					 c->label, i, li.name, c->names[i]);
				close(fd);
				return false;
			}
		}
		c->num = n;
		snprintf(c->dev, sizeof(c->dev), "%s", path);
		snprintf(c->sysfs, sizeof(c->sysfs),
			 "/sys/bus/gpio/devices/gpiochip%u", n);
		c->fd = fd;
		c->found = true;
		return true;
	}
	snprintf(g_find_error, sizeof(g_find_error),
		 "no GPIO chip labelled %s (needs the gpio-sim chips of "
		 "tests/e2e/guest-hostchip.sh)",
		 c->label);
	return false;
}

static void sysfs_path(const struct hchip *c, unsigned int line,
		       const char *attr, char *buf, size_t len)
{
	snprintf(buf, len, "%s/sim_gpio%u/%s", c->sysfs, line, attr);
}

/* Pull line @line of @c up (1) or down (0), as a switch on the board. */
static void sim_pull_at(const struct hchip *c, unsigned int line, int up,
			int at)
{
	const char *text = up ? "pull-up" : "pull-down";
	char path[128];
	ssize_t w;
	int fd;

	sysfs_path(c, line, "pull", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("line %d: open %s: %s", at, path, strerror(errno));
	w = write(fd, text, strlen(text));
	close(fd);
	if (w != (ssize_t)strlen(text))
		fail_msg("line %d: writing %s to %s failed: %s", at, text, path,
			 strerror(errno));
}

#define PULL(c, line, up) sim_pull_at(c, line, up, __LINE__)

/* The level line @line of @c presents (gpio-sim's value attribute). */
static int sim_value_at(const struct hchip *c, unsigned int line, int at)
{
	char path[128], buf[16] = {0};
	ssize_t r;
	int fd;

	sysfs_path(c, line, "value", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("line %d: open %s: %s", at, path, strerror(errno));
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 2 || (buf[0] != '0' && buf[0] != '1') || buf[1] != '\n')
		fail_msg("line %d: %s reads \"%s\"", at, path, buf);
	return buf[0] - '0';
}

#define EXPECT_VALUE(c, line, want)                                            \
	do {                                                                   \
		int _v = sim_value_at(c, line, __LINE__);                      \
		if (_v != (want))                                              \
			fail_msg("%s line %u: gpio-sim value %d, expected %d", \
				 (c)->label, (unsigned int)(line), _v,         \
				 (int)(want));                                 \
	} while (0)

/* The values of every line of @c as a bit mask (bit i = line i). */
static unsigned int sim_values_at(const struct hchip *c, int at)
{
	unsigned int i, mask = 0;

	for (i = 0; i < c->nlines; i++)
		if (sim_value_at(c, i, at))
			mask |= 1u << i;
	return mask;
}

#define EXPECT_VALUES(c, want)                                               \
	do {                                                                 \
		unsigned int _m = sim_values_at(c, __LINE__);                \
		if (_m != (unsigned int)(want))                              \
			fail_msg("%s: gpio-sim values 0x%02x (bit i = line " \
				 "i), expected 0x%02x",                      \
				 (c)->label, _m, (unsigned int)(want));      \
	} while (0)

static void line_info_at(const struct hchip *c, unsigned int line,
			 struct gpio_v2_line_info *li, int at)
{
	memset(li, 0, sizeof(*li));
	li->offset = line;
	if (ioctl(c->fd, GPIO_V2_GET_LINEINFO_IOCTL, li) < 0)
		fail_msg("line %d: line info of %s line %u: %s", at, c->label,
			 line, strerror(errno));
}

/* Whether anyone holds line @line of @c (what gpioinfo calls "used"). */
static bool line_used_at(const struct hchip *c, unsigned int line, int at)
{
	struct gpio_v2_line_info li;

	line_info_at(c, line, &li, at);
	return li.flags & GPIO_V2_LINE_FLAG_USED;
}

static void expect_unused_at(const struct hchip *c, unsigned int line, int at)
{
	struct gpio_v2_line_info li;

	line_info_at(c, line, &li, at);
	if (li.flags & GPIO_V2_LINE_FLAG_USED)
		fail_msg("line %d: %s line %u is requested by \"%s\" (flags "
			 "0x%llx), expected unused",
			 at, c->label, line, li.consumer,
			 (unsigned long long)li.flags);
}

#define EXPECT_UNUSED(c, line) expect_unused_at(c, line, __LINE__)

/* Every line of @c in @mask is unused. */
static void expect_unused_mask_at(const struct hchip *c, unsigned int mask,
				  int at)
{
	unsigned int i;

	for (i = 0; i < c->nlines; i++)
		if (mask & (1u << i))
			expect_unused_at(c, i, at);
}

#define EXPECT_UNUSED_MASK(c, mask) expect_unused_mask_at(c, mask, __LINE__)
#define ALL(c)			    ((1u << (c)->nlines) - 1)

/* Line @line of @c is held by @consumer as an output (1) or input (0). */
static void expect_held_at(const struct hchip *c, unsigned int line,
			   const char *consumer, int output, int at)
{
	struct gpio_v2_line_info li;
	uint64_t dir =
		output ? GPIO_V2_LINE_FLAG_OUTPUT : GPIO_V2_LINE_FLAG_INPUT;

	line_info_at(c, line, &li, at);
	if (!(li.flags & GPIO_V2_LINE_FLAG_USED) ||
	    strcmp(li.consumer, consumer) != 0 || !(li.flags & dir))
		fail_msg("line %d: %s line %u: expected held by \"%s\" as an "
			 "%s, got %s by \"%s\" with flags 0x%llx",
			 at, c->label, line, consumer,
			 output ? "output" : "input",
			 (li.flags & GPIO_V2_LINE_FLAG_USED) ? "held"
							     : "unused",
			 li.consumer, (unsigned long long)li.flags);
}

#define EXPECT_OUTPUT(c, line) expect_held_at(c, line, CONSUMER0, 1, __LINE__)
#define EXPECT_INPUT(c, line)  expect_held_at(c, line, CONSUMER0, 0, __LINE__)

/* Waits up to EVENT_MS for every line of @c in @mask to be unused. */
static void wait_unused_mask_at(const struct hchip *c, unsigned int mask,
				int at)
{
	int64_t deadline = now_ms() + g_event_ms * g_scale;
	unsigned int i;

	for (;;) {
		bool any = false;

		for (i = 0; i < c->nlines; i++)
			if ((mask & (1u << i)) && line_used_at(c, i, at))
				any = true;
		if (!any)
			return;
		if (now_ms() > deadline)
			break;
		sleep_ms(10);
	}
	expect_unused_mask_at(c, mask, at);
}

#define WAIT_UNUSED_MASK(c, mask) wait_unused_mask_at(c, mask, __LINE__)

/*
 * Holds line @line of @c as an output at @value with consumer HOLDER, like
 * `gpioset --mode=signal` would; the request fd goes to the fixture, whose
 * teardown closes it.
 */
static int hold_line(struct fx *fx, const struct hchip *c, unsigned int line,
		     int value)
{
	struct gpio_v2_line_request req;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = line;
	req.num_lines = 1;
	snprintf(req.consumer, sizeof(req.consumer), "%s", HOLDER);
	req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	req.config.num_attrs = 1;
	req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	req.config.attrs[0].attr.values = value ? 1 : 0;
	req.config.attrs[0].mask = 1;
	if (ioctl(c->fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		fail_msg("holding %s line %u: %s", c->label, line,
			 strerror(errno));
	return fx_keep_fd(fx, req.fd);
}

/* ------------------------------------------------------------------ */
/* Fixtures and guest helpers                                           */
/* ------------------------------------------------------------------ */

/* Every line of both chips unused and pulled down (reads 0). */
static void reset_chips(void)
{
	const struct hchip *chips[] = {&g_a, &g_b};
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		const struct hchip *c = chips[k];

		if (!c->found)
			fail_msg("%s", g_find_error);
		WAIT_UNUSED_MASK(c, ALL(c));
		for (i = 0; i < c->nlines; i++)
			PULL(c, i, 0);
		EXPECT_VALUES(c, 0);
	}
}

/* @fmt with "%A" and "%B" replaced by the chips' numbers. */
static void expand_list(const char *fmt, char *list, size_t cap)
{
	size_t n = 0;
	const char *p;

	for (p = fmt; *p && n + 8 < cap; p++) {
		if (p[0] == '%' && (p[1] == 'A' || p[1] == 'B')) {
			n += (size_t)snprintf(list + n, cap - n, "%u",
					      p[1] == 'A' ? g_a.num : g_b.num);
			p++;
		} else {
			list[n++] = *p;
		}
	}
	list[n] = 0;
}

/* A daemon with @count sockets and device list @fmt (see expand_list). */
static int setup_list(void **state, unsigned int count, const char *fmt)
{
	char list[256];

	reset_chips();
	expand_list(fmt, list, sizeof(list));
	return setup_with(state, count, list);
}

static int setup_a(void **state)
{
	return setup_list(state, 1, "%A");
}

static int setup_chips_only(void **state)
{
	reset_chips();
	return setup_none(state);
}

/* A guest with both queues (VIRTIO_GPIO_F_IRQ acked) on socket 0. */
static struct vmm *irq_session(struct fx *fx)
{
	return fx_irq_session(fx, 0, 0, NULL);
}

/* What the Linux driver sends for direction_output: value, then OUT. */
#define OUTPUT(v, gpio, value)                        \
	do {                                          \
		REQ_OK(v, SET_VAL, gpio, value, 0);   \
		REQ_OK(v, SET_DIR, gpio, DIR_OUT, 0); \
	} while (0)
#define INPUT(v, gpio)		   REQ_OK(v, SET_DIR, gpio, DIR_IN, 0)
#define EXPECT_READ(v, gpio, want) REQ_OK(v, GET_VAL, gpio, 0, want)

/* Config and GET_NAMES must give @ngpio lines named @names (""=unnamed). */
static void expect_names_at(struct vmm *v, unsigned int ngpio,
			    const char *const *names, int line)
{
	struct virtio_gpio_config cfg;
	char want[512], got[600];
	struct vmm_gpio_res res;
	uint32_t len = 0;
	unsigned int i;

	for (i = 0; i < ngpio; i++) {
		size_t n = strlen(names[i]) + 1;

		memcpy(want + len, names[i], n);
		len += (uint32_t)n;
	}
	vmm_gpio_config(v, &cfg);
	if (le16toh(cfg.ngpio) != ngpio || le32toh(cfg.gpio_names_size) != len)
		fail_msg("line %d: config says ngpio %u, gpio_names_size %u; "
			 "expected %u and %u",
			 line, le16toh(cfg.ngpio), le32toh(cfg.gpio_names_size),
			 ngpio, len);
	memset(got, 0x77, sizeof(got));
	OK(vmm_gpio_get_names(v, got, len, &res));
	if (res.status != VIRTIO_GPIO_STATUS_OK || res.used_len != 1 + len)
		fail_msg("line %d: GET_NAMES: status %u used length %u, "
			 "expected 0 and %u",
			 line, res.status, res.used_len, 1 + len);
	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("line %d: GET_NAMES byte %u is 0x%02x, "
				 "expected 0x%02x (names block of %u bytes)",
				 line, i, (unsigned char)got[i],
				 (unsigned char)want[i], len);
}

#define EXPECT_NAMES(v, ngpio, ...)                                  \
	do {                                                         \
		const char *const _n[] = {__VA_ARGS__};              \
		assert_int_equal(sizeof(_n) / sizeof(_n[0]), ngpio); \
		expect_names_at(v, ngpio, _n, __LINE__);             \
	} while (0)

static void expect_direction_at(struct vmm *v, uint16_t gpio, uint8_t dir,
				int line)
{
	req_expect(v, GET_DIR, gpio, 0, VIRTIO_GPIO_STATUS_OK, dir, line);
}

#define EXPECT_DIR(v, gpio, dir) expect_direction_at(v, gpio, dir, __LINE__)

/* ------------------------------------------------------------------ */
/* Whole chips: config, names, chip by number, path and label           */
/* ------------------------------------------------------------------ */

static void expect_whole_chip_a(struct fx *fx)
{
	struct vmm *v = fx_default_session(fx, 0, 0);

	EXPECT_NAMES(v, 8, "hc-a0", "hc-a1", "hc-a2", "hc-a3", "hc-a4", "hc-a5",
		     "", "hc-a7");
	/* Serving the chip requests nothing until the guest asks. */
	EXPECT_UNUSED_MASK(&g_a, ALL(&g_a));
	EXPECT_UNUSED_MASK(&g_b, ALL(&g_b));
	/* Guest line i is host line i. */
	OUTPUT(v, 7, 1);
	EXPECT_OUTPUT(&g_a, 7);
	EXPECT_VALUES(&g_a, 0x80);
}

static void test_whole_chip_by_number(void **state)
{
	expect_whole_chip_a(*state);
}

static int setup_a_path(void **state)
{
	char list[64];

	reset_chips();
	snprintf(list, sizeof(list), "%s", g_a.dev);
	return setup_with(state, 1, list);
}

static void test_whole_chip_by_path(void **state)
{
	expect_whole_chip_a(*state);
}

static int setup_a_label(void **state)
{
	reset_chips();
	return setup_with(state, 1, "@vdg-hc-a");
}

static void test_whole_chip_by_label(void **state)
{
	expect_whole_chip_a(*state);
}

/* ------------------------------------------------------------------ */
/* Outputs and inputs                                                   */
/* ------------------------------------------------------------------ */

static void test_outputs_drive_sim_value(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	OUTPUT(v, 2, 1);
	EXPECT_OUTPUT(&g_a, 2);
	EXPECT_DIR(v, 2, DIR_OUT);
	EXPECT_VALUES(&g_a, 0x04);
	EXPECT_READ(v, 2, 1);
	REQ_OK(v, SET_VAL, 2, 0, 0);
	EXPECT_VALUES(&g_a, 0x00);
	EXPECT_READ(v, 2, 0);
	REQ_OK(v, SET_VAL, 2, 1, 0);
	EXPECT_VALUES(&g_a, 0x04);

	/* A second output, driven low then high. */
	OUTPUT(v, 0, 0);
	EXPECT_OUTPUT(&g_a, 0);
	EXPECT_VALUES(&g_a, 0x04);
	REQ_OK(v, SET_VAL, 0, 1, 0);
	EXPECT_VALUES(&g_a, 0x05);

	/* The board's pull does not override what the guest drives. */
	PULL(&g_a, 2, 0);
	PULL(&g_a, 0, 0);
	EXPECT_VALUES(&g_a, 0x05);
	EXPECT_READ(v, 2, 1);

	/* Untouched lines stay unrequested. */
	EXPECT_UNUSED_MASK(&g_a, ALL(&g_a) & ~0x05u);
}

static void test_set_value_before_output(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	/* SET_VALUE alone does not touch the host line... */
	PULL(&g_a, 3, 1);
	REQ_OK(v, SET_VAL, 3, 0, 0);
	REQ_OK(v, SET_VAL, 4, 1, 0);
	EXPECT_UNUSED(&g_a, 3);
	EXPECT_UNUSED(&g_a, 4);
	EXPECT_VALUES(&g_a, 0x08);
	/* ...and is applied when the line becomes an output. */
	REQ_OK(v, SET_DIR, 3, DIR_OUT, 0);
	REQ_OK(v, SET_DIR, 4, DIR_OUT, 0);
	EXPECT_OUTPUT(&g_a, 3);
	EXPECT_OUTPUT(&g_a, 4);
	EXPECT_VALUES(&g_a, 0x10);
}

static void test_inputs_follow_pull(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	INPUT(v, 5);
	EXPECT_INPUT(&g_a, 5);
	EXPECT_DIR(v, 5, DIR_IN);
	EXPECT_READ(v, 5, 0);
	PULL(&g_a, 5, 1);
	EXPECT_READ(v, 5, 1);
	PULL(&g_a, 5, 0);
	EXPECT_READ(v, 5, 0);
	PULL(&g_a, 5, 1);
	EXPECT_READ(v, 5, 1);

	/* Already pulled up when the guest makes it an input. */
	PULL(&g_a, 1, 1);
	INPUT(v, 1);
	EXPECT_READ(v, 1, 1);
	EXPECT_READ(v, 5, 1);

	/*
	 * An output turned input follows the pull again.  (gpio-sim keeps the
	 * last driven level of a line turned input in place until its pull
	 * changes, so the pull is moved before reading.)
	 */
	OUTPUT(v, 6, 1);
	EXPECT_VALUES(&g_a, 0x62);
	INPUT(v, 6);
	EXPECT_INPUT(&g_a, 6);
	PULL(&g_a, 6, 0);
	EXPECT_READ(v, 6, 0);
	EXPECT_VALUES(&g_a, 0x22);
	PULL(&g_a, 6, 1);
	EXPECT_READ(v, 6, 1);
	EXPECT_UNUSED_MASK(&g_a, 0x9d);
}

static void test_direction_none_releases(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	OUTPUT(v, 2, 1);
	INPUT(v, 3);
	EXPECT_OUTPUT(&g_a, 2);
	EXPECT_INPUT(&g_a, 3);
	REQ_OK(v, SET_DIR, 2, DIR_NONE, 0);
	REQ_OK(v, SET_DIR, 3, DIR_NONE, 0);
	/* Released by the time the reply comes. */
	EXPECT_UNUSED(&g_a, 2);
	EXPECT_UNUSED(&g_a, 3);
	EXPECT_DIR(v, 2, DIR_NONE);
	EXPECT_DIR(v, 3, DIR_NONE);
	/* Another consumer can have it now. */
	fx_close_fd(fx, hold_line(fx, &g_a, 2, 0));
	/* And the guest again. */
	OUTPUT(v, 2, 1);
	EXPECT_OUTPUT(&g_a, 2);
	EXPECT_VALUES(&g_a, 0x04);
}

/* ------------------------------------------------------------------ */
/* Selections                                                           */
/* ------------------------------------------------------------------ */

static int setup_a_subset(void **state)
{
	return setup_list(state, 1, "%A[3,5-7]");
}

static void test_subset_maps_lines(void **state)
{
	static const unsigned int host[] = {3, 5, 6, 7};
	struct fx *fx = *state;
	struct vmm *v;
	unsigned int i;

	/* Lines outside the selection keep whatever level they have. */
	PULL(&g_a, 4, 1);
	PULL(&g_a, 1, 1);
	v = fx_default_session(fx, 0, 0);
	EXPECT_NAMES(v, 4, "hc-a3", "hc-a5", "", "hc-a7");
	EXPECT_VALUES(&g_a, 0x12);

	/* Guest line 1 is host line 5, and nothing else moves. */
	OUTPUT(v, 1, 1);
	EXPECT_OUTPUT(&g_a, 5);
	EXPECT_VALUES(&g_a, 0x32);
	REQ_OK(v, SET_VAL, 1, 0, 0);
	EXPECT_VALUES(&g_a, 0x12);

	/* Each guest line drives exactly its host line. */
	for (i = 0; i < 4; i++) {
		OUTPUT(v, (uint16_t)i, 1);
		EXPECT_OUTPUT(&g_a, host[i]);
		EXPECT_VALUES(&g_a, 0x12u | (1u << host[i]));
		REQ_OK(v, SET_VAL, (uint16_t)i, 0, 0);
		EXPECT_VALUES(&g_a, 0x12);
	}

	/* Inputs read their own host line. */
	for (i = 0; i < 4; i++)
		INPUT(v, (uint16_t)i);
	PULL(&g_a, 6, 1);
	EXPECT_READ(v, 0, 0);
	EXPECT_READ(v, 1, 0);
	EXPECT_READ(v, 2, 1);
	EXPECT_READ(v, 3, 0);

	/* Guest lines stop at 3. */
	REQ_ERR(v, SET_DIR, 4, DIR_OUT);
	REQ_ERR(v, GET_VAL, 4, 0);

	/* Host lines outside the selection were never requested. */
	EXPECT_UNUSED_MASK(&g_a, 0x17);
	EXPECT_UNUSED_MASK(&g_b, ALL(&g_b));
	EXPECT_VALUE(&g_a, 4, 1);
	EXPECT_VALUE(&g_a, 1, 1);
	EXPECT_VALUE(&g_a, 0, 0);
}

static int setup_b_names(void **state)
{
	return setup_list(state, 1, "@vdg-hc-b[BTN_1,LED_A]");
}

static void test_names_selection(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	EXPECT_NAMES(v, 2, "BTN_1", "LED_A");
	/* Guest 0 = host 1 (BTN_1), guest 1 = host 0 (LED_A). */
	OUTPUT(v, 1, 1);
	EXPECT_OUTPUT(&g_b, 0);
	EXPECT_VALUES(&g_b, 0x1);
	INPUT(v, 0);
	EXPECT_INPUT(&g_b, 1);
	EXPECT_READ(v, 0, 0);
	PULL(&g_b, 1, 1);
	EXPECT_READ(v, 0, 1);
	PULL(&g_b, 3, 1);
	EXPECT_READ(v, 0, 1);
	REQ_ERR(v, SET_DIR, 2, DIR_IN);
	EXPECT_UNUSED_MASK(&g_b, 0xc);
	EXPECT_UNUSED_MASK(&g_a, ALL(&g_a));
}

static int setup_b_mixed(void **state)
{
	char list[64];

	reset_chips();
	snprintf(list, sizeof(list), "%s[BTN_2,0-1]", g_b.dev);
	return setup_with(state, 1, list);
}

static void test_mixed_selection_by_path(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);

	EXPECT_NAMES(v, 3, "BTN_2", "LED_A", "BTN_1");
	OUTPUT(v, 0, 1);
	EXPECT_VALUES(&g_b, 0x8);
	OUTPUT(v, 2, 1);
	EXPECT_VALUES(&g_b, 0xa);
	OUTPUT(v, 1, 1);
	EXPECT_VALUES(&g_b, 0xb);
	EXPECT_UNUSED(&g_b, 2);
}

static int setup_two_sockets_one_chip(void **state)
{
	return setup_list(state, 2, "%A[0-3]:%A[4-7]");
}

static void test_two_sockets_share_a_chip(void **state)
{
	struct fx *fx = *state;
	struct vmm *v0 = fx_default_session(fx, 0, 0);
	struct vmm *v1 = fx_default_session(fx, 1, 1);

	EXPECT_NAMES(v0, 4, "hc-a0", "hc-a1", "hc-a2", "hc-a3");
	EXPECT_NAMES(v1, 4, "hc-a4", "hc-a5", "", "hc-a7");
	OUTPUT(v1, 0, 1);
	expect_held_at(&g_a, 4, CONSUMER1, 1, __LINE__);
	EXPECT_VALUES(&g_a, 0x10);
	OUTPUT(v0, 0, 1);
	EXPECT_OUTPUT(&g_a, 0);
	EXPECT_VALUES(&g_a, 0x11);
	INPUT(v1, 3);
	PULL(&g_a, 7, 1);
	EXPECT_READ(v1, 3, 1);
	PULL(&g_a, 3, 1);
	EXPECT_READ(v1, 3, 1);
	/* One guest going away releases its lines only. */
	vmm_disconnect(v1);
	WAIT_UNUSED_MASK(&g_a, 0xf0);
	EXPECT_OUTPUT(&g_a, 0);
	EXPECT_VALUE(&g_a, 0, 1);
	REQ_OK(v0, SET_VAL, 0, 0, 0);
	EXPECT_VALUE(&g_a, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Read-only lines                                                      */
/* ------------------------------------------------------------------ */

static int setup_a_readonly_line(void **state)
{
	return setup_list(state, 1, "%A[0,1(ro),2]");
}

static void test_readonly_line(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	PULL(&g_a, 1, 1);
	REQ_ERR(v, SET_VAL, 1, 0);
	REQ_ERR(v, SET_DIR, 1, DIR_OUT);
	REQ_ERR(v, SET_VAL, 1, 1);
	EXPECT_VALUES(&g_a, 0x02);
	{
		struct gpio_v2_line_info li;

		line_info_at(&g_a, 1, &li, __LINE__);
		if (li.flags & GPIO_V2_LINE_FLAG_OUTPUT)
			fail_msg("read-only line 1 became an output");
	}
	/* Reading is fine. */
	INPUT(v, 1);
	EXPECT_INPUT(&g_a, 1);
	EXPECT_READ(v, 1, 1);
	PULL(&g_a, 1, 0);
	EXPECT_READ(v, 1, 0);
	/* Still no output, even as an input. */
	REQ_ERR(v, SET_DIR, 1, DIR_OUT);
	REQ_ERR(v, SET_VAL, 1, 1);
	EXPECT_INPUT(&g_a, 1);
	EXPECT_VALUES(&g_a, 0x00);
	/* Interrupts are fine. */
	ARM(v, 1, T_RISE);
	UNMASK(v, 1);
	EXPECT_QUIET(v);
	PULL(&g_a, 1, 1);
	EXPECT_VALID(v, 1);
	EXPECT_READ(v, 1, 1);
	/* Its neighbours in the same entry are writable. */
	OUTPUT(v, 0, 1);
	OUTPUT(v, 2, 1);
	EXPECT_VALUES(&g_a, 0x07);
	EXPECT_UNUSED_MASK(&g_a, 0xf8);
}

static int setup_b_readonly_chip(void **state)
{
	return setup_list(state, 1, "%B(ro)");
}

static void test_readonly_chip(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);
	uint16_t i;

	EXPECT_NAMES(v, 4, "LED_A", "BTN_1", "LED_B", "BTN_2");
	for (i = 0; i < 4; i++) {
		REQ_ERR(v, SET_VAL, i, 1);
		REQ_ERR(v, SET_DIR, i, DIR_OUT);
	}
	EXPECT_VALUES(&g_b, 0x0);
	for (i = 0; i < 4; i++)
		INPUT(v, i);
	PULL(&g_b, 2, 1);
	EXPECT_READ(v, 2, 1);
	EXPECT_READ(v, 3, 0);
	ARM(v, 3, T_FALL);
	UNMASK(v, 3);
	PULL(&g_b, 3, 1);
	EXPECT_QUIET(v);
	PULL(&g_b, 3, 0);
	EXPECT_VALID(v, 3);
}

/* ------------------------------------------------------------------ */
/* Busy lines                                                           */
/* ------------------------------------------------------------------ */

static void test_busy_line(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	struct gpio_v2_line_info li;
	int held = hold_line(fx, &g_a, 3, 1);

	expect_held_at(&g_a, 3, HOLDER, 1, __LINE__);
	REQ_OK(v, SET_VAL, 3, 0, 0);
	REQ_ERR(v, SET_DIR, 3, DIR_OUT);
	REQ_ERR(v, SET_DIR, 3, DIR_IN);
	/* The holder keeps the line and its level. */
	expect_held_at(&g_a, 3, HOLDER, 1, __LINE__);
	EXPECT_VALUES(&g_a, 0x08);
	/* The daemon keeps serving, this guest and its other lines. */
	assert_true(daemon_alive(&fx->d));
	OUTPUT(v, 4, 1);
	EXPECT_OUTPUT(&g_a, 4);
	EXPECT_VALUES(&g_a, 0x18);
	INPUT(v, 5);
	PULL(&g_a, 5, 1);
	EXPECT_READ(v, 5, 1);
	/* Once the holder lets go, the guest gets it. */
	fx_close_fd(fx, held);
	OUTPUT(v, 3, 0);
	EXPECT_OUTPUT(&g_a, 3);
	EXPECT_VALUES(&g_a, 0x30);
	/* And the other way round: the guest's line is busy for others. */
	{
		struct gpio_v2_line_request req;

		memset(&req, 0, sizeof(req));
		req.offsets[0] = 4;
		req.num_lines = 1;
		snprintf(req.consumer, sizeof(req.consumer), "%s", HOLDER);
		req.config.flags = GPIO_V2_LINE_FLAG_INPUT;
		if (ioctl(g_a.fd, GPIO_V2_GET_LINE_IOCTL, &req) == 0) {
			close(req.fd);
			fail_msg("line 4 could be requested while the guest "
				 "drives it");
		}
		assert_int_equal(errno, EBUSY);
	}
	line_info_at(&g_a, 4, &li, __LINE__);
	assert_string_equal(li.consumer, CONSUMER0);
}

/* ------------------------------------------------------------------ */
/* Interrupts                                                           */
/* ------------------------------------------------------------------ */

static void test_edge_interrupts(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	INPUT(v, 0);
	INPUT(v, 1);
	INPUT(v, 2);
	ARM(v, 0, T_RISE);
	ARM(v, 1, T_FALL);
	ARM(v, 2, T_BOTH);
	EXPECT_INPUT(&g_a, 0);
	EXPECT_INPUT(&g_a, 1);
	EXPECT_INPUT(&g_a, 2);
	UNMASK(v, 0);
	UNMASK(v, 1);
	UNMASK(v, 2);
	EXPECT_QUIET(v);

	/* Rising on line 0. */
	PULL(&g_a, 0, 1);
	EXPECT_VALID(v, 0);
	EXPECT_QUIET(v);
	UNMASK(v, 0);
	PULL(&g_a, 0, 0);
	EXPECT_QUIET(v);
	PULL(&g_a, 0, 1);
	EXPECT_VALID(v, 0);

	/* Falling on line 1. */
	PULL(&g_a, 1, 1);
	EXPECT_QUIET(v);
	PULL(&g_a, 1, 0);
	EXPECT_VALID(v, 1);
	EXPECT_QUIET(v);

	/* Both on line 2. */
	PULL(&g_a, 2, 1);
	EXPECT_VALID(v, 2);
	UNMASK(v, 2);
	EXPECT_QUIET(v);
	PULL(&g_a, 2, 0);
	EXPECT_VALID(v, 2);
	EXPECT_QUIET(v);
	EXPECT_READ(v, 2, 0);
}

static void test_edge_latched_while_masked(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	INPUT(v, 6);
	ARM(v, 6, T_RISE);
	UNMASK(v, 6);
	PULL(&g_a, 6, 1);
	EXPECT_VALID(v, 6);
	/* Masked: an edge now is kept for the next unmask. */
	PULL(&g_a, 6, 0);
	PULL(&g_a, 6, 1);
	sleep_ms(quiet_ms(g_quiet_ms));
	EXPECT_QUIET(v);
	UNMASK(v, 6);
	EXPECT_VALID(v, 6);
	UNMASK(v, 6);
	EXPECT_QUIET(v);
}

static void test_level_interrupts(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	/* Level high on line 3. */
	INPUT(v, 3);
	ARM(v, 3, T_HIGH);
	UNMASK(v, 3);
	EXPECT_QUIET(v);
	PULL(&g_a, 3, 1);
	EXPECT_VALID(v, 3);
	/* Still high: fires again at each unmask. */
	UNMASK(v, 3);
	EXPECT_VALID(v, 3);
	PULL(&g_a, 3, 0);
	UNMASK(v, 3);
	EXPECT_QUIET(v);
	PULL(&g_a, 3, 1);
	EXPECT_VALID(v, 3);
	/* Not latched: it went low again while masked, so nothing. */
	PULL(&g_a, 3, 0);
	sleep_ms(quiet_ms(g_quiet_ms));
	UNMASK(v, 3);
	EXPECT_QUIET(v);

	/* Level low on line 4, already low when armed. */
	INPUT(v, 4);
	ARM(v, 4, T_LOW);
	UNMASK(v, 4);
	EXPECT_VALID(v, 4);
	PULL(&g_a, 4, 1);
	UNMASK(v, 4);
	EXPECT_QUIET(v);
	PULL(&g_a, 4, 0);
	EXPECT_VALID(v, 4);
}

static void test_disarm_and_release_with_pending_pair(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	INPUT(v, 5);
	ARM(v, 5, T_BOTH);
	UNMASK(v, 5);
	EXPECT_QUIET(v);
	/* IRQ_TYPE NONE returns the pending pair at once. */
	ARM(v, 5, T_NONE);
	EXPECT_INVALID(v, 5);
	PULL(&g_a, 5, 1);
	EXPECT_QUIET(v);
	/* SET_DIRECTION NONE with a pending pair: returned, line released. */
	ARM(v, 5, T_RISE);
	UNMASK(v, 5);
	EXPECT_QUIET(v);
	REQ_OK(v, SET_DIR, 5, DIR_NONE, 0);
	EXPECT_INVALID(v, 5);
	EXPECT_UNUSED(&g_a, 5);
	PULL(&g_a, 5, 0);
	PULL(&g_a, 5, 1);
	EXPECT_QUIET(v);
}

/* ------------------------------------------------------------------ */
/* Disconnect                                                           */
/* ------------------------------------------------------------------ */

static void test_disconnect_releases_lines(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	OUTPUT(v, 0, 1);
	OUTPUT(v, 1, 0);
	INPUT(v, 2);
	INPUT(v, 3);
	ARM(v, 3, T_BOTH);
	UNMASK(v, 3);
	EXPECT_OUTPUT(&g_a, 0);
	EXPECT_OUTPUT(&g_a, 1);
	EXPECT_INPUT(&g_a, 2);
	EXPECT_INPUT(&g_a, 3);
	EXPECT_VALUES(&g_a, 0x01);
	vmm_disconnect(v);
	WAIT_UNUSED_MASK(&g_a, ALL(&g_a));
	/* gpio-sim puts a released line back to its pull. */
	EXPECT_VALUES(&g_a, 0x00);
	assert_true(daemon_alive(&fx->d));
	/* The next guest starts from scratch and can have them. */
	v = irq_session(fx);
	OUTPUT(v, 0, 1);
	EXPECT_OUTPUT(&g_a, 0);
	EXPECT_VALUES(&g_a, 0x01);
	INPUT(v, 3);
	ARM(v, 3, T_RISE);
	UNMASK(v, 3);
	EXPECT_QUIET(v);
	PULL(&g_a, 3, 1);
	EXPECT_VALID(v, 3);
	vmm_disconnect(v);
	WAIT_UNUSED_MASK(&g_a, ALL(&g_a));
}

/* ------------------------------------------------------------------ */
/* Start-up errors                                                      */
/* ------------------------------------------------------------------ */

/*
 * Starts the daemon with --socket-count=@count and --device-list=@list; it
 * must exit 2 within 5 s with exactly one line of output and no file in its
 * socket directory.  Returns false (after printing why) otherwise.
 */
static bool startup_error(struct fx *fx, const char *what, unsigned int count,
			  const char *list)
{
	char first[1024], how[32];
	struct daemon_args a;
	bool good = false;
	int lines, files;

	daemon_prepare(&fx->d);
	lines = daemon_run(&fx->d, daemon_args(&a, &fx->d, count, list, NULL),
			   NULL, NULL, 5000 * g_scale, first, sizeof(first));
	files = dir_entries(fx->d.dir);
	if (lines == -ETIMEDOUT)
		fprintf(stderr, "# %s (-c %u -l %s): still running after 5 s\n",
			what, count, list);
	else if (!WIFEXITED(fx->d.status) || WEXITSTATUS(fx->d.status) != 2)
		fprintf(stderr,
			"# %s (-c %u -l %s): %s, expected exit status 2\n",
			what, count, list,
			status_text(fx->d.status, how, sizeof(how)));
	else if (lines != 1)
		fprintf(stderr,
			"# %s (-c %u -l %s): %d lines of output, expected 1\n",
			what, count, list, lines);
	else if (files != 0)
		fprintf(stderr,
			"# %s (-c %u -l %s): %d files left in the socket "
			"directory\n",
			what, count, list, files);
	else
		good = true;
	if (good)
		fprintf(stderr, "# %s: exit 2: %s", what, first);
	else
		print_log(&fx->d, what);
	daemon_remove_files(&fx->d);
	return good;
}

/*
 * Starts the daemon with --socket-count=@count and --device-list=@list; it
 * must create its sockets within 5 s, serve a guest on each (GET_NAMES
 * answers OK) and exit 0 on SIGTERM.  Returns false (after printing why)
 * otherwise.
 */
static bool startup_ok(struct fx *fx, const char *what, unsigned int count,
		       const char *list)
{
	int64_t deadline = now_ms() + 5000 * g_scale;
	const char *problem = NULL;
	struct daemon_args a;
	unsigned int i;
	char why[256];

	daemon_prepare(&fx->d);
	fx->d.count = count;
	daemon_spawn(&fx->d, daemon_args(&a, &fx->d, count, list, NULL));
	for (i = 0; i < count && !problem; i++) {
		while (!socket_exists(&fx->d, i)) {
			if (!daemon_alive(&fx->d) || now_ms() > deadline) {
				problem = "no socket";
				break;
			}
			sleep_ms(5);
		}
	}
	for (i = 0; i < count && !problem; i++) {
		struct vmm *v = fx_vmm(fx, 0, NULL);
		struct vmm_gpio_res res;
		char names[256];
		char path[170];
		int r;

		daemon_sock(&fx->d, i, path, sizeof(path));
		r = vmm_connect(v, path, 5000 * g_scale);
		if (!r)
			r = vmm_negotiate(v, NULL);
		if (!r)
			r = vmm_gpio_get_names(v, names, sizeof(names), &res);
		if (r || res.status != VIRTIO_GPIO_STATUS_OK)
			problem = "no guest service";
		fx_vmm_free(fx, 0);
	}
	if (problem)
		daemon_kill(&fx->d);
	else
		problem = daemon_stop(&fx->d, why, sizeof(why));
	if (problem) {
		fprintf(stderr, "# %s (-c %u -l %s) must start: %s\n", what,
			count, list, problem);
		print_log(&fx->d, what);
	}
	daemon_remove_files(&fx->d);
	return !problem;
}

static void test_startup_errors(void **state)
{
	/* A bad list, and a near miss that must work (the same shape). */
	static const struct {
		const char *what;
		unsigned int count;
		const char *bad, *good;
	} cases[] = {
		{"overlapping entries", 2, "%A[1-3]:%A[3]", "%A[1-3]:%A[4]"},
		{"whole chip and a subset of it", 2, "%B:%B[0]", "%B:%A[0]"},
		{"same line by number and by name", 2, "%B[1]:%B[BTN_1]",
		 "%B[1]:%B[BTN_2]"},
		{"a line twice in one entry", 1, "%A[1,1]", "%A[1,2]"},
		{"offset out of range", 1, "%A[8]", "%A[7]"},
		{"range past the last line", 1, "%A[6-8]", "%A[6-7]"},
		{"unknown line name", 1, "%B[LED_A,NO_SUCH]",
		 "%B[LED_A,BTN_2]"},
		{"missing chip", 1, "9", "%A"},
		{"missing chip path", 1, "/dev/gpiochip9", "/dev/gpiochip%A"},
		{"not a GPIO chip", 1, "/dev/null", "/dev/gpiochip%B"},
		{"unknown chip label", 1, "@no-such-label", "@vdg-hc-b"},
	};
	const unsigned int n = sizeof(cases) / sizeof(cases[0]);
	struct fx *fx = *state;
	unsigned int i, failed = 0;
	char bad[96], good[96];
	struct stat st;

	if (stat("/dev/gpiochip9", &st) == 0)
		fail_msg("/dev/gpiochip9 exists: the missing-chip cases need "
			 "it missing");
	for (i = 0; i < n; i++) {
		expand_list(cases[i].bad, bad, sizeof(bad));
		expand_list(cases[i].good, good, sizeof(good));
		if (!startup_error(fx, cases[i].what, cases[i].count, bad))
			failed++;
		else if (!startup_ok(fx, cases[i].what, cases[i].count, good))
			failed++;
		/* Neither touched a line. */
		EXPECT_UNUSED_MASK(&g_a, ALL(&g_a));
		EXPECT_UNUSED_MASK(&g_b, ALL(&g_b));
	}
	if (failed)
		fail_msg("%u of %u start-up error cases wrong (see above)",
			 failed, n);
}

/* ------------------------------------------------------------------ */
/* Line settings and joined chips (issue 16)                            */
/* ------------------------------------------------------------------ */

/*
 * What the kernel's line info says of line @line of @c: every flag of
 * @set is on, every flag of @clear off, and the debounce period is @us
 * (0: no GPIO_V2_LINE_ATTR_ID_DEBOUNCE attribute).
 */
static void expect_line_info_at(const struct hchip *c, unsigned int line,
				uint64_t set, uint64_t clear, uint32_t us,
				int at)
{
	struct gpio_v2_line_info li;
	uint32_t got = 0;
	unsigned int i;

	line_info_at(c, line, &li, at);
	for (i = 0; i < li.num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++)
		if (li.attrs[i].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
			got = li.attrs[i].debounce_period_us;
	if ((li.flags & set) != set || (li.flags & clear) || got != us)
		fail_msg("line %d: %s line %u: line info flags 0x%llx, "
			 "debounce %u us; expected flags 0x%llx set, 0x%llx "
			 "clear, debounce %u us",
			 at, c->label, line, (unsigned long long)li.flags, got,
			 (unsigned long long)set, (unsigned long long)clear,
			 us);
}

#define EXPECT_LINE_INFO(c, line, set, clear, us) \
	expect_line_info_at(c, line, set, clear, us, __LINE__)

#define F_IN	 GPIO_V2_LINE_FLAG_INPUT
#define F_OUT	 GPIO_V2_LINE_FLAG_OUTPUT
#define F_LOW	 GPIO_V2_LINE_FLAG_ACTIVE_LOW
#define F_UP	 GPIO_V2_LINE_FLAG_BIAS_PULL_UP
#define F_DOWN	 GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN
#define F_NOBIAS GPIO_V2_LINE_FLAG_BIAS_DISABLED
#define F_DRAIN	 GPIO_V2_LINE_FLAG_OPEN_DRAIN
#define F_SOURCE GPIO_V2_LINE_FLAG_OPEN_SOURCE
#define F_BIASES (F_UP | F_DOWN | F_NOBIAS)
#define F_DRIVES (F_DRAIN | F_SOURCE)

static int setup_a_settings(void **state)
{
	return setup_list(state, 1,
			  "%A[0(pull-up,debounce=20ms,name=button),"
			  "1(active-low,name=reset),2(open-drain,name=shared),"
			  "3(pull-down),4(bias-disabled),5(open-source)]");
}

/*
 * Each line's request carries what the operator asked for: the kernel's
 * line info shows it; what does not apply to a direction is left out;
 * the next guest gets the same.
 */
static void test_settings_in_line_info(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = fx_default_session(fx, 0, 0);
	int round;

	EXPECT_NAMES(v, 6, "button", "reset", "shared", "hc-a3", "hc-a4",
		     "hc-a5");
	for (round = 0; round < 2; round++) {
		/* A button: pulled up, nothing drives it, it reads high. */
		INPUT(v, 0);
		EXPECT_LINE_INFO(&g_a, 0, F_IN | F_UP, F_LOW | F_DRIVES, 20000);
		EXPECT_VALUE(&g_a, 0, 1);
		EXPECT_READ(v, 0, 1);
		/* A reset line: the guest's 1 is the low level. */
		OUTPUT(v, 1, 1);
		EXPECT_LINE_INFO(&g_a, 1, F_OUT | F_LOW, F_BIASES | F_DRIVES,
				 0);
		EXPECT_VALUE(&g_a, 1, 0);
		EXPECT_READ(v, 1, 1);
		REQ_OK(v, SET_VAL, 1, 0, 0);
		EXPECT_VALUE(&g_a, 1, 1);
		EXPECT_READ(v, 1, 0);
		/* A shared line: open drain, driven low. */
		OUTPUT(v, 2, 0);
		EXPECT_LINE_INFO(&g_a, 2, F_OUT | F_DRAIN, F_LOW | F_SOURCE, 0);
		EXPECT_VALUE(&g_a, 2, 0);
		INPUT(v, 3);
		EXPECT_LINE_INFO(&g_a, 3, F_IN | F_DOWN, F_UP | F_NOBIAS, 0);
		INPUT(v, 4);
		EXPECT_LINE_INFO(&g_a, 4, F_IN | F_NOBIAS, F_UP | F_DOWN, 0);
		OUTPUT(v, 5, 1);
		EXPECT_LINE_INFO(&g_a, 5, F_OUT | F_SOURCE, F_DRAIN, 0);
		EXPECT_VALUE(&g_a, 5, 1);

		/* The other way round: no debounce on an output... */
		OUTPUT(v, 0, 0);
		EXPECT_LINE_INFO(&g_a, 0, F_OUT | F_UP, F_DRIVES, 0);
		/* ...no drive on an input, and back again. */
		INPUT(v, 2);
		EXPECT_LINE_INFO(&g_a, 2, F_IN, F_DRIVES, 0);
		INPUT(v, 0);
		EXPECT_LINE_INFO(&g_a, 0, F_IN | F_UP, F_DRIVES, 20000);

		/* The settings hold for the next guest. */
		vmm_disconnect(v);
		WAIT_UNUSED_MASK(&g_a, 0x3f);
		v = fx_default_session(fx, 0, 0);
	}
}

static int setup_a_active_low_input(void **state)
{
	return setup_list(state, 1, "%A[6(active-low)]");
}

/* An active-low input reads the inverse of the level; edges too. */
static void test_active_low_input(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	INPUT(v, 0);
	EXPECT_LINE_INFO(&g_a, 6, F_IN | F_LOW, 0, 0);
	EXPECT_VALUE(&g_a, 6, 0);
	EXPECT_READ(v, 0, 1);
	PULL(&g_a, 6, 1);
	EXPECT_READ(v, 0, 0);
	/* Rising for the guest: the level falls. */
	ARM(v, 0, T_RISE);
	UNMASK(v, 0);
	EXPECT_QUIET(v);
	PULL(&g_a, 6, 0);
	EXPECT_VALID(v, 0);
	EXPECT_READ(v, 0, 1);
	UNMASK(v, 0);
	PULL(&g_a, 6, 1);
	EXPECT_QUIET(v);
}

/* The debounce period of the bouncy line, before scaling. */
#define BOUNCE_MS 300

static int setup_a_debounced(void **state)
{
	char fmt[64];

	snprintf(fmt, sizeof(fmt), "%%A[7(debounce=%dms),6]",
		 BOUNCE_MS * g_scale);
	return setup_list(state, 1, fmt);
}

/*
 * Five changes of @c's line @line, ending high, BOUNCE_MS / 15 apart (so
 * that each is an edge of its own); the longest time between two of them.
 */
static int64_t bounce(const struct hchip *c, unsigned int line)
{
	int64_t last = 0, longest = 0;
	int i;

	for (i = 0; i < 5; i++) {
		if (i)
			sleep_ms(BOUNCE_MS / 15 * g_scale);
		PULL(c, line, i % 2 == 0);
		if (i && now_ms() - last > longest)
			longest = now_ms() - last;
		last = now_ms();
	}
	return longest;
}

/*
 * A bouncy input: the pull toggled several times within the debounce
 * period gives the guest one edge; the same on a line without a period
 * gives more than one.
 */
static void test_debounced_input(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);
	const int period = BOUNCE_MS * g_scale;
	int64_t gap;

	ARM(v, 0, T_BOTH);
	ARM(v, 1, T_BOTH);
	EXPECT_LINE_INFO(&g_a, 7, F_IN, 0, (uint32_t)period * 1000);
	EXPECT_LINE_INFO(&g_a, 6, F_IN, 0, 0);
	UNMASK(v, 0);
	UNMASK(v, 1);
	EXPECT_QUIET(v);

	/*
	 * The kernel restarts the period at every change, so one edge comes
	 * whatever the total, as long as no two changes are a period apart:
	 * that (not the daemon) is what a stalled machine could break, and
	 * it is checked with a wide margin rather than assumed.
	 */
	gap = bounce(&g_a, 7);
	if (gap * 2 > period)
		fail_msg("two changes of the pull were %lld ms apart, more "
			 "than half the %d ms debounce period: the test "
			 "cannot tell bounces from presses (raise "
			 "VDG_TIME_SCALE)",
			 (long long)gap, period);
	EXPECT_VALID(v, 0);
	/* Nothing more, even latched while masked. */
	sleep_ms(period * 2);
	UNMASK(v, 0);
	EXPECT_QUIET(v);
	EXPECT_READ(v, 0, 1);

	/* Without a period: an edge now, and more latched meanwhile. */
	bounce(&g_a, 6);
	EXPECT_VALID(v, 1);
	UNMASK(v, 1);
	EXPECT_VALID(v, 1);
	EXPECT_READ(v, 1, 1);
}

static int setup_joined(void **state)
{
	return setup_list(state, 1, "%A[2,3]+@vdg-hc-b[LED_A,BTN_1](ro)+%A[7]");
}

/*
 * One guest chip from two gpio-sim chips: values, outputs, interrupts,
 * read-only lines and release on disconnect, on lines of both.
 */
static void test_joined_chips(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);

	EXPECT_NAMES(v, 5, "hc-a2", "hc-a3", "LED_A", "BTN_1", "hc-a7");
	/* Outputs on chip A; chip B's lines are read-only here. */
	OUTPUT(v, 0, 1);
	OUTPUT(v, 4, 1);
	EXPECT_OUTPUT(&g_a, 2);
	EXPECT_OUTPUT(&g_a, 7);
	EXPECT_VALUES(&g_a, 0x84);
	REQ_ERR(v, SET_DIR, 2, DIR_OUT);
	REQ_ERR(v, SET_VAL, 2, 1);
	EXPECT_VALUES(&g_b, 0x0);
	/* Inputs of both chips. */
	INPUT(v, 1);
	INPUT(v, 3);
	EXPECT_INPUT(&g_a, 3);
	EXPECT_INPUT(&g_b, 1);
	PULL(&g_b, 1, 1);
	EXPECT_READ(v, 3, 1);
	EXPECT_READ(v, 1, 0);
	PULL(&g_a, 3, 1);
	EXPECT_READ(v, 1, 1);
	/* Interrupts of both chips. */
	ARM(v, 1, T_FALL);
	ARM(v, 3, T_FALL);
	ARM(v, 2, T_RISE);
	UNMASK(v, 1);
	UNMASK(v, 3);
	UNMASK(v, 2);
	EXPECT_QUIET(v);
	PULL(&g_b, 1, 0);
	EXPECT_VALID(v, 3);
	PULL(&g_a, 3, 0);
	EXPECT_VALID(v, 1);
	PULL(&g_b, 0, 1);
	EXPECT_VALID(v, 2);
	EXPECT_QUIET(v);
	/* A disconnect releases the lines of both. */
	vmm_disconnect(v);
	WAIT_UNUSED_MASK(&g_a, ALL(&g_a));
	WAIT_UNUSED_MASK(&g_b, ALL(&g_b));
	EXPECT_VALUES(&g_a, 0x00);
}

/* Where the start-up error cases find chip A through a symlink. */
#define A_LINK "/tmp/vdg-hc-a-link"

static int setup_chips_and_link(void **state)
{
	unlink(A_LINK);
	if (g_a.found && symlink(g_a.dev, A_LINK) < 0)
		fail_msg("symlink %s -> %s: %s", A_LINK, g_a.dev,
			 strerror(errno));
	return setup_chips_only(state);
}

/*
 * Starts the daemon with --socket-count=@count and --device-list=@list; it
 * must exit 2 within 5 s with one line of output that contains @want, and
 * no file in its socket directory.  Returns false (after printing why)
 * otherwise.
 */
static bool startup_refused(struct fx *fx, const char *what, unsigned int count,
			    const char *list, const char *want)
{
	char first[1024] = "", how[32];
	struct daemon_args a;
	const char *problem = NULL;
	int lines, files;

	daemon_prepare(&fx->d);
	lines = daemon_run(&fx->d, daemon_args(&a, &fx->d, count, list, NULL),
			   NULL, NULL, 5000 * g_scale, first, sizeof(first));
	files = dir_entries(fx->d.dir);
	if (lines == -ETIMEDOUT)
		problem = "still running after 5 s";
	else if (!WIFEXITED(fx->d.status) || WEXITSTATUS(fx->d.status) != 2)
		problem = status_text(fx->d.status, how, sizeof(how));
	else if (lines != 1)
		problem = "not one line of output";
	else if (files != 0)
		problem = "files left in the socket directory";
	else if (!strstr(first, want))
		problem = "another message";
	if (problem) {
		fprintf(stderr,
			"# %s (-c %u -l %s): %s; expected exit 2 and "
			"\"%s\"\n",
			what, count, list, problem, want);
		print_log(&fx->d, what);
	} else {
		fprintf(stderr, "# %s: exit 2: %s", what, first);
	}
	daemon_remove_files(&fx->d);
	return !problem;
}

/*
 * Start-up errors of the new syntax and of joined chips, each with a near
 * twin that must start: two entries (or two chips of one) sharing a host
 * line through different paths, a chip that does not exist in a join,
 * unknown and conflicting settings, a name clash.
 */
static void test_settings_startup_errors(void **state)
{
	static const struct {
		const char *what;
		unsigned int count;
		const char *bad, *message, *good;
	} cases[] = {
		{"a line by number and through a symlink", 2,
		 "%A[2]:" A_LINK "[2]", "is already entry 1's guest line 0",
		 "%A[2]:" A_LINK "[3]"},
		{"a line by number and by label and name", 2,
		 "%B[0]+%A[2]:@vdg-hc-a[hc-a2]",
		 "is already entry 1's guest line 1",
		 "%B[0]+%A[2]:@vdg-hc-a[hc-a3]"},
		{"one entry joining a chip and its symlink", 1,
		 "%A[1]+" A_LINK "[1]", "are the same host line",
		 "%A[1]+" A_LINK "[2]"},
		{"a missing chip in a join", 1, "%A[1]+9[0]",
		 "/dev/gpiochip9 does not exist", "%A[1]+%B[0]"},
		{"an unknown setting", 1, "%A[1(pullup)]",
		 " line 1: unknown setting \"pullup\"", "%A[1(pull-up)]"},
		{"conflicting settings", 1, "%A[1(pull-up,pull-down)]",
		 " line 1: \"pull-up\" and \"pull-down\" conflict",
		 "%A[1(pull-up)](pull-down)"},
		{"a debounce period without a unit", 1, "%A(debounce=10)",
		 ", every line: \"debounce=10\": a duration is a number",
		 "%A(debounce=10ms)"},
		{"a given name that is another line's", 1,
		 "%A[1(name=hc-a2),2]", "which guest line 1",
		 "%A[1(name=hc-a1x),2]"},
	};
	const unsigned int n = sizeof(cases) / sizeof(cases[0]);
	struct fx *fx = *state;
	unsigned int i, failed = 0;
	char bad[160], good[160];

	for (i = 0; i < n; i++) {
		expand_list(cases[i].bad, bad, sizeof(bad));
		expand_list(cases[i].good, good, sizeof(good));
		if (!startup_refused(fx, cases[i].what, cases[i].count, bad,
				     cases[i].message))
			failed++;
		else if (!startup_ok(fx, cases[i].what, cases[i].count, good))
			failed++;
		EXPECT_UNUSED_MASK(&g_a, ALL(&g_a));
		EXPECT_UNUSED_MASK(&g_b, ALL(&g_b));
	}
	unlink(A_LINK);
	if (failed)
		fail_msg("%u of %u start-up error cases wrong (see above)",
			 failed, n);
}

/* ------------------------------------------------------------------ */

/* CLOCK_MONOTONIC in ns: the clock the kernel stamps line events with. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A host chip's device has a control socket too, read-only: get, list
 * and trace work, set, watch, play and wires are refused; the trace
 * carries the kernel's own time stamp of an edge on an armed line, and
 * the interrupt it gave the guest after it.
 */
static void test_control_socket_read_only(void **state)
{
	struct fx *fx = *state;
	struct vmm *v = irq_session(fx);
	unsigned long long edge_ns, irq_ns;
	char line[256];
	uint64_t before, after;
	unsigned int i;
	struct ctl c;

	ctl_open(fx, 0, &c);
	CTL_EXPECT(&c, "get 3", "3 in 0");
	CTL_EXPECT(&c, "set 3 1",
		   "error line 3 is a host chip's: read-only "
		   "here");
	CTL_EXPECT(&c, "wire 3 4",
		   "error a host chip's lines are read-only "
		   "here");
	CTL_EXPECT(&c, "play-step 0 3 1",
		   "error a host chip's lines are "
		   "read-only here");
	ctl_send(&c, "watch\n");
	ctl_expect_error_line(&c, "watch on a host chip", __LINE__);
	ARM(v, 2, T_BOTH);
	UNMASK(v, 2);
	CTL_EXPECT(&c, "trace", "trace 8");
	for (i = 0; i < 16; i++) /* names, then every line's state */
		OK(ctl_read_line(&c, line, sizeof(line), EVENT_MS * g_scale));
	before = monotonic_ns();
	PULL(&g_a, 2, 1);
	EXPECT_VALID(v, 2);
	after = monotonic_ns();
	OK(ctl_read_line(&c, line, sizeof(line), EVENT_MS * g_scale));
	if (sscanf(line, "@%llu 2 in 1", &edge_ns) != 1)
		fail_msg("trace line \"%s\", expected \"@NS 2 in 1\"", line);
	OK(ctl_read_line(&c, line, sizeof(line), EVENT_MS * g_scale));
	if (sscanf(line, "@%llu 2 irq", &irq_ns) != 1)
		fail_msg("trace line \"%s\", expected \"@NS 2 irq\"", line);
	if (edge_ns < before || edge_ns > after || irq_ns < edge_ns ||
	    irq_ns > after)
		fail_msg("edge at %llu, interrupt at %llu: not within the "
			 "pull's %llu .. %llu",
			 edge_ns, irq_ns, (unsigned long long)before,
			 (unsigned long long)after);
	print_message("# kernel stamp to interrupt: %llu us\n",
		      (irq_ns - edge_ns) / 1000);
}

#define T(f, s) cmocka_unit_test_setup_teardown(f, s, teardown)

static const struct CMUnitTest tests[] = {
	/* whole chips */
	T(test_whole_chip_by_number, setup_a),
	T(test_whole_chip_by_path, setup_a_path),
	T(test_whole_chip_by_label, setup_a_label),
	/* values and directions */
	T(test_outputs_drive_sim_value, setup_a),
	T(test_set_value_before_output, setup_a),
	T(test_inputs_follow_pull, setup_a),
	T(test_direction_none_releases, setup_a),
	/* selections */
	T(test_subset_maps_lines, setup_a_subset),
	T(test_names_selection, setup_b_names),
	T(test_mixed_selection_by_path, setup_b_mixed),
	T(test_two_sockets_share_a_chip, setup_two_sockets_one_chip),
	/* read-only */
	T(test_readonly_line, setup_a_readonly_line),
	T(test_readonly_chip, setup_b_readonly_chip),
	/* busy */
	T(test_busy_line, setup_a),
	/* interrupts */
	T(test_edge_interrupts, setup_a),
	T(test_edge_latched_while_masked, setup_a),
	T(test_level_interrupts, setup_a),
	T(test_disarm_and_release_with_pending_pair, setup_a),
	/* disconnect */
	T(test_disconnect_releases_lines, setup_a),
	/* start-up errors */
	T(test_startup_errors, setup_chips_only),
	/* line settings and joined chips */
	T(test_settings_in_line_info, setup_a_settings),
	T(test_active_low_input, setup_a_active_low_input),
	T(test_debounced_input, setup_a_debounced),
	T(test_joined_chips, setup_joined),
	T(test_settings_startup_errors, setup_chips_and_link),
	/* the control socket */
	T(test_control_socket_read_only, setup_a),
};

int main(int argc, char **argv)
{
	const struct fx_tests table = FX_TESTS(tests);
	int ret;

	g_event_ms = EVENT_MS;
	g_quiet_ms = QUIET_MS;
	if (!find_chip(&g_a) || !find_chip(&g_b))
		fprintf(stderr, "# %s\n", g_find_error);
	else
		fprintf(stderr, "# chips: %s = %s, %s = %s\n", g_a.label,
			g_a.dev, g_b.label, g_b.dev);
	ret = fixture_main(argc, argv, "DAEMON-BINARY", "cdev", &table, 1);
	if (g_a.fd >= 0)
		close(g_a.fd);
	if (g_b.fd >= 0)
		close(g_b.fd);
	return ret;
}
