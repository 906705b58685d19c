// SPDX-License-Identifier: MIT
/*
 * Line selection and guest line names on plain arrays: no chip, no fake
 * kernel, since gpio_selection makes no system call.  The back-end that
 * reads the names from a chip is tested in test_gpio_cdev.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "device_list.h"
#include "gpio_selection.h"
#include "log.h"

/* Parses a one-entry device list. */
static void parse(const char *text, struct device_list *list)
{
	char err[256];

	assert_int_equal(device_list_parse(text, list, err, sizeof(err)), 0);
	assert_int_equal(list->count, 1);
}

static const char *const table[] = {"LED_A", "LED_B", "BTN_1", NULL,
				    "DUP",   "DUP",   "",      "RESET"};

/*
 * gpio_selection_resolve on @text against the 8-line @table, its message
 * said about the entry as the daemon says it ("entry N \"TEXT\": ...").
 */
static int select_on(const char *text, uint32_t nlines,
		     struct gpio_selection *sel, char *err, size_t size)
{
	struct device_list list;
	struct gpio_selection_spec lines;
	char why[256];
	int ret;

	parse(text, &list);
	lines = device_spec_lines(&list.specs[0]);
	ret = gpio_selection_resolve(
		&lines, "/dev/gpiochip0", nlines,
		device_spec_has_names(&list.specs[0]) ? table : NULL, sel, why,
		sizeof(why));
	if (ret < 0)
		device_spec_error(&list.specs[0], err, size, "%s", why);
	device_list_free(&list);
	return ret;
}

static void check_select(const char *text, const uint32_t *offsets,
			 unsigned int count, const uint8_t *read_only)
{
	struct gpio_selection sel;
	char err[256] = "";
	unsigned int i;

	assert_int_equal(select_on(text, 8, &sel, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(sel.count, count);
	for (i = 0; i < count; i++)
		assert_int_equal(sel.offsets[i], offsets[i]);
	if (read_only) {
		assert_non_null(sel.read_only);
		assert_memory_equal(sel.read_only, read_only, count);
	} else {
		assert_null(sel.read_only);
	}
	gpio_selection_free(&sel);
	assert_null(sel.offsets);
}

static void check_select_error(const char *text, uint32_t nlines,
			       const char *message)
{
	struct gpio_selection sel;
	char err[256] = "";

	assert_int_equal(select_on(text, nlines, &sel, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, message);
	assert_null(sel.offsets);
	assert_null(sel.read_only);
	assert_int_equal(sel.count, 0);
}

static void test_select(void **state)
{
	check_select("0", (const uint32_t[]){0, 1, 2, 3, 4, 5, 6, 7}, 8, NULL);
	check_select("0(ro)", (const uint32_t[]){0, 1, 2, 3, 4, 5, 6, 7}, 8,
		     (const uint8_t[]){1, 1, 1, 1, 1, 1, 1, 1});
	check_select("0[3,5-7]", (const uint32_t[]){3, 5, 6, 7}, 4, NULL);
}

static void test_select_order(void **state)
{
	check_select("0[7,0,5-6]", (const uint32_t[]){7, 0, 5, 6}, 4, NULL);
	check_select("0[LED_B,BTN_1(ro),7,LED_A]",
		     (const uint32_t[]){1, 2, 7, 0}, 4,
		     (const uint8_t[]){0, 1, 0, 0});
	check_select("0[RESET,1-2(ro)](ro)", (const uint32_t[]){7, 1, 2}, 3,
		     (const uint8_t[]){1, 1, 1});
	check_select("0[2-3(ro),0]", (const uint32_t[]){2, 3, 0}, 3,
		     (const uint8_t[]){1, 1, 0});
}

static void test_select_errors(void **state)
{
	check_select_error("0[8]", 8,
			   "entry 1 \"0[8]\": line 8 is not on /dev/gpiochip0, "
			   "which has 8 lines");
	check_select_error("0[6-8]", 8,
			   "entry 1 \"0[6-8]\": lines 6-8 are not all on "
			   "/dev/gpiochip0, which has 8 lines");
	check_select_error("0[LED_C]", 8,
			   "entry 1 \"0[LED_C]\": no line of /dev/gpiochip0 "
			   "is named \"LED_C\"");
	/* Names are matched exactly. */
	check_select_error("0[led_a]", 8,
			   "entry 1 \"0[led_a]\": no line of /dev/gpiochip0 "
			   "is named \"led_a\"");
	check_select_error("0[DUP]", 8,
			   "entry 1 \"0[DUP]\": lines 4 and 5 of "
			   "/dev/gpiochip0 are both named \"DUP\"; select by "
			   "offset");
	check_select_error("0[3,1-4]", 8,
			   "entry 1 \"0[3,1-4]\": host line 3 of "
			   "/dev/gpiochip0 is selected twice");
	check_select_error("0[2,BTN_1]", 8,
			   "entry 1 \"0[2,BTN_1]\": host line 2 (\"BTN_1\") of "
			   "/dev/gpiochip0 is selected twice");
	check_select_error("0[LED_A,LED_A(ro)]", 8,
			   "entry 1 \"0[LED_A,LED_A(ro)]\": host line 0 "
			   "(\"LED_A\") of /dev/gpiochip0 is selected twice");
	check_select_error("0", 0,
			   "entry 1 \"0\": /dev/gpiochip0 has no lines");
	check_select_error("0", 65536,
			   "entry 1 \"0\": /dev/gpiochip0 has 65536 lines, "
			   "more than the 65535 a guest can have; select some");
}

static void test_select_large(void **state)
{
	struct gpio_selection sel;
	char err[256] = "";

	/* A whole chip of 65535 lines is fine; a selection of it too. */
	assert_int_equal(select_on("3", 65535, &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.count, 65535);
	assert_int_equal(sel.offsets[65534], 65534);
	gpio_selection_free(&sel);
	assert_int_equal(
		select_on("3[1-65534,0]", 65535, &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.count, 65535);
	assert_int_equal(sel.offsets[65534], 0);
	gpio_selection_free(&sel);
	assert_int_equal(
		select_on("3[1-65534,1]", 65535, &sel, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "entry 1 \"3[1-65534,1]\": host line 1 of "
				 "/dev/gpiochip0 is selected twice");
}

static void test_selections_overlap(void **state)
{
	uint32_t a_off[] = {3, 5, 6, 7}, b_off[] = {0, 1, 7}, c_off[] = {2, 4};
	struct gpio_selection a = {4, a_off, NULL};
	struct gpio_selection b = {3, b_off, NULL};
	struct gpio_selection c = {2, c_off, NULL};
	unsigned int ia = 99, ib = 99;

	assert_true(gpio_selection_overlap(&a, &b, &ia, &ib));
	assert_int_equal(ia, 3);
	assert_int_equal(ib, 2);
	assert_true(gpio_selection_overlap(&b, &a, &ia, &ib));
	assert_int_equal(ia, 2);
	assert_int_equal(ib, 3);
	assert_false(gpio_selection_overlap(&a, &c, &ia, &ib));
	assert_false(gpio_selection_overlap(&b, &c, &ia, &ib));
}

static void test_guest_names(void **state)
{
	const char *host[] = {"A",  "B", "A", "",  "\x01x",
			      NULL, "B", "C", "A", "caf\xc3\xa9"};
	uint32_t offsets[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	char **names = gpio_selection_guest_names("/dev/gpiochip9", host,
						  offsets, 10, true);

	assert_non_null(names);
	assert_string_equal(names[0], "A");
	assert_string_equal(names[1], "B");
	assert_null(names[2]); /* the later duplicate */
	assert_null(names[3]); /* empty */
	assert_null(names[4]); /* not printable */
	assert_null(names[5]);
	assert_null(names[6]);
	assert_string_equal(names[7], "C");
	assert_null(names[8]);
	assert_null(names[9]); /* not ASCII */
	gpio_selection_names_free(names, 10);
	gpio_selection_names_free(NULL, 3);
	/* Quiet, the same names. */
	names = gpio_selection_guest_names("/dev/gpiochip9", host, offsets, 10,
					   false);
	assert_string_equal(names[0], "A");
	assert_null(names[2]);
	gpio_selection_names_free(names, 10);
}
/* The names of @host as gpio_selection_guest_names(warn) logs them. */
static char *guest_names_warnings(const char *const *host,
				  const uint32_t *offsets, unsigned int count)
{
	static char buf[1024];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char **names;
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	log_set_level(LOG_LEVEL_WARN);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	names = gpio_selection_guest_names("/dev/gpiochip9", host, offsets,
					   count, true);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_set_level(LOG_LEVEL_ERROR);
	assert_non_null(names);
	gpio_selection_names_free(names, count);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_guest_names_warnings(void **state)
{
	const char *host[] = {"A", "\x01x", "", NULL, "A"};
	uint32_t offsets[] = {20, 21, 22, 23, 24};

	/* Empty and missing names are not worth a warning; the rest are. */
	assert_string_equal(
		guest_names_warnings(host, offsets, 5),
		"vhost-device-gpio: warning: /dev/gpiochip9 line 21 (guest "
		"line 1): the name \"?x\" is not printable ASCII; the guest "
		"sees the line unnamed\n"
		"vhost-device-gpio: warning: /dev/gpiochip9 line 24 (guest "
		"line 4): the name \"A\" is already guest line 0's; the guest "
		"sees the line unnamed\n");
}

/*
 * Line settings and given names.
 */

static void test_select_settings(void **state)
{
	struct gpio_selection sel;
	const struct gpio_line_settings *s;
	char err[256] = "";

	assert_int_equal(select_on("0[1(pull-up),2-3,LED_A(debounce=1ms,"
				   "active-high)](pull-down,active-low)",
				   8, &sel, err, sizeof(err)),
			 0);
	assert_int_equal(sel.count, 4);
	assert_non_null(sel.settings);
	s = &sel.settings[0];
	assert_int_equal(s->set, GPIO_LINE_SET_BIAS | GPIO_LINE_SET_ACTIVE_LOW);
	assert_int_equal(s->bias, GPIO_LINE_BIAS_PULL_UP);
	assert_true(s->active_low);
	for (s = &sel.settings[1]; s <= &sel.settings[2]; s++) {
		assert_int_equal(s->bias, GPIO_LINE_BIAS_PULL_DOWN);
		assert_true(s->active_low);
		assert_int_equal(s->debounce_us, 0);
	}
	s = &sel.settings[3];
	assert_int_equal(s->set, GPIO_LINE_SET_BIAS | GPIO_LINE_SET_ACTIVE_LOW |
					 GPIO_LINE_SET_DEBOUNCE);
	assert_int_equal(s->bias, GPIO_LINE_BIAS_PULL_DOWN);
	assert_false(s->active_low);
	assert_int_equal(s->debounce_us, 1000);
	assert_null(sel.guest_names);
	gpio_selection_free(&sel);
	assert_null(sel.settings);

	/* A whole chip's defaults are every line's. */
	assert_int_equal(select_on("0(open-drain)", 8, &sel, err, sizeof(err)),
			 0);
	assert_int_equal(sel.count, 8);
	assert_int_equal(sel.settings[7].set, GPIO_LINE_SET_DRIVE);
	assert_int_equal(sel.settings[7].drive, GPIO_LINE_DRIVE_OPEN_DRAIN);
	gpio_selection_free(&sel);

	/* Nothing given: no array. */
	assert_int_equal(select_on("0[1,2(ro)]", 8, &sel, err, sizeof(err)), 0);
	assert_null(sel.settings);
	assert_null(sel.guest_names);
	gpio_selection_free(&sel);
}

static void test_select_guest_names(void **state)
{
	struct gpio_selection sel;
	struct gpio_selection_spec spec;
	struct gpio_line_item item = {.first = 1, .last = 2, .guest_name = "x"};
	char err[256] = "";

	assert_int_equal(select_on("0[1(name=a),2-3,LED_A(name=)]", 8, &sel,
				   err, sizeof(err)),
			 0);
	assert_int_equal(sel.count, 4);
	assert_non_null(sel.guest_names);
	assert_string_equal(sel.guest_names[0], "a");
	assert_null(sel.guest_names[1]);
	assert_null(sel.guest_names[2]);
	assert_string_equal(sel.guest_names[3], "");
	assert_null(sel.settings);
	gpio_selection_free(&sel);
	assert_null(sel.guest_names);

	/* The parser never makes one, but a name for two lines is refused. */
	spec = (struct gpio_selection_spec){.items = &item, .nitems = 1};
	assert_int_equal(gpio_selection_resolve(&spec, "/dev/gpiochip0", 8,
						NULL, &sel, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "lines 1-2 of /dev/gpiochip0 cannot all have "
				 "one name");
	assert_null(sel.offsets);
}

/* Given names replace the host's; one given twice, or also a host name,
 * is an error naming both lines. */
static void test_guest_names_given(void **state)
{
	const char *chips[] = {"/dev/gpiochip0", "/dev/gpiochip1",
			       "/dev/gpiochip0", "/dev/gpiochip1"};
	uint32_t offsets[] = {10, 11, 12, 13};
	const char *host[] = {"A", "B", "C", "D"};
	char err[256] = "";
	char **names;

	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){NULL, "X", "", "D"}, offsets,
				 4, false, &names, err, sizeof(err)),
			 0);
	assert_string_equal(names[0], "A");
	assert_string_equal(names[1], "X");
	assert_null(names[2]);		    /* "" leaves it unnamed */
	assert_string_equal(names[3], "D"); /* its own host name */
	gpio_selection_names_free(names, 4);
	assert_string_equal(err, "");

	/* Without given names: as gpio_selection_guest_names. */
	assert_int_equal(gpio_selection_guest_names_given(
				 chips, (const char *[]){"A", "B", "A", NULL},
				 NULL, offsets, 4, false, &names, err,
				 sizeof(err)),
			 0);
	assert_string_equal(names[0], "A");
	assert_null(names[2]);
	gpio_selection_names_free(names, 4);

	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){NULL, "A", NULL, NULL},
				 offsets, 4, false, &names, err, sizeof(err)),
			 -EINVAL);
	assert_null(names);
	assert_string_equal(err, "guest line 1 (/dev/gpiochip1 line 11) is "
				 "given the name \"A\", which guest line 0 "
				 "(/dev/gpiochip0 line 10) has from the host; "
				 "give that line another name too");
	/* Renaming that line too settles it. */
	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){"B", "A", NULL, NULL},
				 offsets, 4, false, &names, err, sizeof(err)),
			 0);
	gpio_selection_names_free(names, 4);

	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){NULL, "Q", NULL, "Q"},
				 offsets, 4, false, &names, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "guest lines 1 (/dev/gpiochip1 line 11) and "
				 "3 (/dev/gpiochip1 line 13) are both given "
				 "the name \"Q\"");
	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){NULL, "Q", NULL, "R"},
				 offsets, 4, false, &names, err, sizeof(err)),
			 0);
	gpio_selection_names_free(names, 4);

	assert_int_equal(gpio_selection_guest_names_given(
				 chips, host,
				 (const char *[]){"\x01", NULL, NULL, NULL},
				 offsets, 4, false, &names, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the name given to guest line 0 "
				 "(/dev/gpiochip0 line 10) is not printable "
				 "ASCII");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_order),
		cmocka_unit_test(test_select_errors),
		cmocka_unit_test(test_select_large),
		cmocka_unit_test(test_selections_overlap),
		cmocka_unit_test(test_guest_names),
		cmocka_unit_test(test_guest_names_warnings),
		cmocka_unit_test(test_select_settings),
		cmocka_unit_test(test_select_guest_names),
		cmocka_unit_test(test_guest_names_given),
	};

	/* test_guest_names asks for warnings; only one test reads them. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
