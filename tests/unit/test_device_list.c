// SPDX-License-Identifier: MIT
/* The --device-list parser: every accepted and refused form. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_list.h"

/* What an unknown setting's message lists. */
#define SETTINGS                                                           \
	"ro, pull-up, pull-down, bias-disabled, active-low, active-high, " \
	"open-drain, open-source, push-pull, debounce=DURATION, name=NAME"

/* Parses @text, which must fail with -EINVAL, an empty list and @message. */
static void check_rejected(const char *text, const char *message)
{
	struct device_list list = {.count = 7, .specs = (void *)1};
	char err[256];

	memset(err, 'x', sizeof(err));
	assert_int_equal(device_list_parse(text, &list, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(list.count, 0);
	assert_null(list.specs);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (message)
		assert_string_equal(err, message);
	else
		assert_true(strlen(err) > 0 && !strchr(err, '\n'));
	/* Freeing the empty list is harmless. */
	device_list_free(&list);
}

static void test_single_entries(void **state)
{
	struct device_list list;
	char err[128] = "";

	assert_int_equal(device_list_parse("0", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 0);
	assert_string_equal(err, "");
	device_list_free(&list);
	assert_int_equal(list.count, 0);
	assert_null(list.specs);

	assert_int_equal(device_list_parse("4095", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 4095);
	device_list_free(&list);

	assert_int_equal(device_list_parse("s1", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[0].sim_lines, 1);
	device_list_free(&list);

	assert_int_equal(device_list_parse("s65535", &list, err, sizeof(err)),
			 0);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[0].sim_lines, 65535);
	device_list_free(&list);
}

static void test_several_entries(void **state)
{
	struct device_list list;
	char err[128];

	assert_int_equal(
		device_list_parse("3:s8:0:s8:10", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 5);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_index, 3);
	assert_int_equal(list.specs[1].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[1].sim_lines, 8);
	assert_int_equal(list.specs[2].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[2].chip_index, 0);
	/* Simulated chips are separate chips: the same size twice is fine. */
	assert_int_equal(list.specs[3].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[3].sim_lines, 8);
	assert_int_equal(list.specs[4].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[4].chip_index, 10);
	device_list_free(&list);
}

static void test_no_error_buffer(void **state)
{
	struct device_list list;
	char err[4] = "abc";

	assert_int_equal(device_list_parse("s0", &list, NULL, 0), -EINVAL);
	assert_int_equal(device_list_parse("s0", &list, err, 0), -EINVAL);
	assert_string_equal(err, "abc");
	/* A short buffer gets a truncated, terminated message. */
	assert_int_equal(device_list_parse("s0", &list, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "ent");
	assert_int_equal(device_list_parse("1", &list, NULL, 0), 0);
	device_list_free(&list);
}

static void test_empty(void **state)
{
	check_rejected("", "the device list is empty");
	check_rejected(NULL, "the device list is empty");
	check_rejected(":", "entry 1 is empty");
	check_rejected("0::1", "entry 2 is empty");
	check_rejected("0:", "entry 2 is empty");
	check_rejected(":0", "entry 1 is empty");
}

static void test_simulated_rejected(void **state)
{
	check_rejected(
		"s0",
		"entry 1 \"s0\": a simulated chip needs 1 to 65535 lines");
	check_rejected("1:s65536", "entry 2 \"s65536\": a simulated chip "
				   "needs 1 to 65535 lines");
	check_rejected("s99999999999999999999999", NULL);
	check_rejected("s", "entry 1 \"s\": expected \"s\" followed by a "
			    "number of lines");
	check_rejected("sx", "entry 1 \"sx\": expected \"s\" followed by a "
			     "number of lines");
	check_rejected("s-1", NULL);
	check_rejected("s+1", NULL);
	check_rejected("s 3", NULL);
	check_rejected("s3 ", NULL);
	check_rejected("s3x", NULL);
	check_rejected("s0x10", NULL);
	check_rejected("S3", NULL);
	check_rejected("s08", "entry 1 \"s08\": numbers are written without "
			      "leading zeros");
	check_rejected("s00", NULL);
}

static void test_host_chip_rejected(void **state)
{
	check_rejected(
		"4096",
		"entry 1 \"4096\": a host chip number must be 0 to 4095");
	check_rejected("99999999999999999999999", NULL);
	check_rejected("007", "entry 1 \"007\": numbers are written without "
			      "leading zeros");
	check_rejected("00", NULL);
	check_rejected("3x", "entry 1 \"3x\": unexpected \"x\" after the "
			     "chip number");
	check_rejected("3 ", "entry 1 \"3 \": unexpected \" \" after the "
			     "chip number");
	check_rejected("0x3", NULL);
	check_rejected("-1", "entry 1 \"-1\": expected a chip number, an "
			     "absolute path, @LABEL or \"s\" followed by a "
			     "number of lines");
	check_rejected("+1", NULL);
	check_rejected(" 1", NULL);
	check_rejected("x", NULL);
	check_rejected("gpiochip0", NULL);
	check_rejected("dev/gpiochip0", NULL);
	check_rejected("3]", "entry 1 \"3]\": unexpected \"]\" after the "
			     "chip number");
}

/* Whether entries share lines is decided with the chips open. */
static void test_same_chip_twice_parses(void **state)
{
	struct device_list list;
	char err[128];

	assert_int_equal(device_list_parse("0:0", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 2);
	assert_int_equal(list.specs[0].chip_index, 0);
	assert_int_equal(list.specs[1].chip_index, 0);
	device_list_free(&list);
	assert_int_equal(
		device_list_parse("s4:12[1]:s4:12[2]", &list, err, sizeof(err)),
		0);
	assert_int_equal(list.count, 4);
	device_list_free(&list);
}

static void test_error_names_first_bad_entry(void **state)
{
	check_rejected("1:2:s0:x", "entry 3 \"s0\": a simulated chip needs 1 "
				   "to 65535 lines");
}

static void test_error_quotes_safely(void **state)
{
	/* Control bytes are not copied into the message. */
	check_rejected("1:\x1b[2J",
		       "entry 2 \"?[2J\": expected a chip number, "
		       "an absolute path, @LABEL or \"s\" followed "
		       "by a number of lines");
	/* A long entry is shortened. */
	check_rejected("0123456789012345678901234567890123456789",
		       "entry 1 \"01234567890123456789012345678901...\": "
		       "numbers are written without leading zeros");
}

/* Parses @text, which must succeed with one entry; returns that spec. */
static struct device_spec *parse_one(struct device_list *list, const char *text)
{
	char err[256] = "";

	assert_int_equal(device_list_parse(text, list, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(list->count, 1);
	return &list->specs[0];
}

static void check_item(const struct gpio_line_item *item, const char *name,
		       unsigned int first, unsigned int last, bool read_only)
{
	if (name) {
		assert_non_null(item->name);
		assert_string_equal(item->name, name);
	} else {
		assert_null(item->name);
		assert_int_equal(item->first, first);
		assert_int_equal(item->last, last);
	}
	assert_int_equal(item->read_only, read_only);
}

static void test_whole_chip_defaults(void **state)
{
	struct device_list list;
	struct device_spec *spec = parse_one(&list, "7");

	assert_int_equal(spec->kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_NUMBER);
	assert_int_equal(spec->chip_index, 7);
	assert_null(spec->chip_name);
	assert_null(spec->items);
	assert_int_equal(spec->nitems, 0);
	assert_false(spec->read_only);
	assert_int_equal(spec->number, 1);
	assert_string_equal(spec->text, "7");
	assert_false(device_spec_has_names(spec));
	device_list_free(&list);
}

static void test_offsets_and_ranges(void **state)
{
	struct device_list list;
	struct device_spec *spec = parse_one(&list, "0[3,5-7,0,65535,9-9]");

	assert_int_equal(spec->chip_index, 0);
	assert_int_equal(spec->nitems, 5);
	check_item(&spec->items[0], NULL, 3, 3, false);
	check_item(&spec->items[1], NULL, 5, 7, false);
	check_item(&spec->items[2], NULL, 0, 0, false);
	check_item(&spec->items[3], NULL, 65535, 65535, false);
	check_item(&spec->items[4], NULL, 9, 9, false);
	assert_false(device_spec_has_names(spec));
	device_list_free(&list);
}

static void test_names(void **state)
{
	struct device_list list;
	struct device_spec *spec =
		parse_one(&list, "2[LED_A,3V3_EN,led-b,x.y/z,\\7,a\\ b,"
				 "c\\,d,e\\]f,g\\(ro\\),h\\\\i,7-8]");

	assert_int_equal(spec->nitems, 11);
	check_item(&spec->items[0], "LED_A", 0, 0, false);
	/* Not only digits and "-": a name. */
	check_item(&spec->items[1], "3V3_EN", 0, 0, false);
	check_item(&spec->items[2], "led-b", 0, 0, false);
	check_item(&spec->items[3], "x.y/z", 0, 0, false);
	/* A backslash makes even digits a name. */
	check_item(&spec->items[4], "7", 0, 0, false);
	check_item(&spec->items[5], "a b", 0, 0, false);
	check_item(&spec->items[6], "c,d", 0, 0, false);
	check_item(&spec->items[7], "e]f", 0, 0, false);
	check_item(&spec->items[8], "g(ro)", 0, 0, false);
	check_item(&spec->items[9], "h\\i", 0, 0, false);
	check_item(&spec->items[10], NULL, 7, 8, false);
	assert_true(device_spec_has_names(spec));
	device_list_free(&list);
}

static void test_read_only_markers(void **state)
{
	struct device_list list;
	struct device_spec *spec;

	spec = parse_one(&list, "0[1(ro),2-4(ro),LED(ro),5]");
	assert_false(spec->read_only);
	check_item(&spec->items[0], NULL, 1, 1, true);
	check_item(&spec->items[1], NULL, 2, 4, true);
	check_item(&spec->items[2], "LED", 0, 0, true);
	check_item(&spec->items[3], NULL, 5, 5, false);
	device_list_free(&list);

	spec = parse_one(&list, "0(ro)");
	assert_true(spec->read_only);
	assert_null(spec->items);
	device_list_free(&list);

	spec = parse_one(&list, "0[1,2(ro)](ro)");
	assert_true(spec->read_only);
	check_item(&spec->items[0], NULL, 1, 1, false);
	check_item(&spec->items[1], NULL, 2, 2, true);
	device_list_free(&list);

	spec = parse_one(&list, "/dev/gpiochip1(ro)");
	assert_true(spec->read_only);
	assert_string_equal(spec->chip_name, "/dev/gpiochip1");
	device_list_free(&list);
}

static void test_paths_and_labels(void **state)
{
	struct device_list list;
	struct device_spec *spec;

	spec = parse_one(&list, "/dev/gpiochip3");
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_PATH);
	assert_string_equal(spec->chip_name, "/dev/gpiochip3");
	assert_null(spec->items);
	device_list_free(&list);

	/* A udev link with colons in it. */
	spec = parse_one(&list, "/dev/gpio/by-path/pci-0000\\:00\\:1f.0[1]");
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_PATH);
	assert_string_equal(spec->chip_name,
			    "/dev/gpio/by-path/pci-0000:00:1f.0");
	assert_int_equal(spec->nitems, 1);
	device_list_free(&list);

	spec = parse_one(&list, "@gpio-sim.0-node0");
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_LABEL);
	assert_string_equal(spec->chip_name, "gpio-sim.0-node0");
	device_list_free(&list);

	spec = parse_one(&list, "@INTC1056\\:00[LED\\ 1(ro)](ro)");
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_LABEL);
	assert_string_equal(spec->chip_name, "INTC1056:00");
	check_item(&spec->items[0], "LED 1", 0, 0, true);
	assert_true(spec->read_only);
	device_list_free(&list);
}

static void test_brief_example(void **state)
{
	struct device_list list;
	char err[128] = "";

	assert_int_equal(
		device_list_parse(
			"0[3,5-7]:@gpio-sim.0-node0[LED_A,BTN_1(ro)]:s8", &list,
			err, sizeof(err)),
		0);
	assert_int_equal(list.count, 3);
	assert_int_equal(list.specs[0].kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(list.specs[0].chip_ref, GPIO_CHIP_REF_NUMBER);
	assert_int_equal(list.specs[0].nitems, 2);
	check_item(&list.specs[0].items[0], NULL, 3, 3, false);
	check_item(&list.specs[0].items[1], NULL, 5, 7, false);
	assert_int_equal(list.specs[1].chip_ref, GPIO_CHIP_REF_LABEL);
	assert_string_equal(list.specs[1].chip_name, "gpio-sim.0-node0");
	check_item(&list.specs[1].items[0], "LED_A", 0, 0, false);
	check_item(&list.specs[1].items[1], "BTN_1", 0, 0, true);
	assert_int_equal(list.specs[1].number, 2);
	assert_string_equal(list.specs[1].text,
			    "@gpio-sim.0-node0[LED_A,BTN_1(ro)]");
	assert_int_equal(list.specs[2].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(list.specs[2].sim_lines, 8);
	device_list_free(&list);
}

static void test_line_count_limit(void **state)
{
	struct device_list list;
	struct device_spec *spec;

	spec = parse_one(&list, "0[0-65534]");
	check_item(&spec->items[0], NULL, 0, 65534, false);
	device_list_free(&list);
	spec = parse_one(&list, "0[1-65535]");
	device_list_free(&list);

	check_rejected("0[0-65535]",
		       "entry 1 \"0[0-65535]\": selects more than 65535 lines");
	check_rejected("0[0-65534,A]",
		       "entry 1 \"0[0-65534,A]\": selects more than 65535 "
		       "lines");
	check_rejected("0[0-40000,0-40000]", NULL);
}

static void test_selection_rejected(void **state)
{
	check_rejected("0[", "entry 1 \"0[\": missing \"]\" at the end of the "
			     "line selection");
	check_rejected("0[1", "entry 1 \"0[1\": missing \"]\" at the end of "
			      "the line selection");
	check_rejected("0[1(ro)", "entry 1 \"0[1(ro)\": missing \"]\" at the "
				  "end of the line selection");
	check_rejected("0[]", "entry 1 \"0[]\": the line selection is empty");
	check_rejected("0[1,]", "entry 1 \"0[1,]\": an empty item in the line "
				"selection");
	check_rejected("0[,1]", NULL);
	check_rejected("0[1,,2]", NULL);
	check_rejected("0[(ro)]", "entry 1 \"0[(ro)]\": an empty item in the "
				  "line selection");
	check_rejected("0[1]x", "entry 1 \"0[1]x\": unexpected \"x\" after the "
				"line selection");
	check_rejected("0[1][2]", "entry 1 \"0[1][2]\": unexpected \"[\" after "
				  "the line selection");
	check_rejected("0[1[2]]", "entry 1 \"0[1[2]]\": unexpected \"[\" in "
				  "the line selection");
	check_rejected("0[1)]", "entry 1 \"0[1)]\": unexpected \")\" in the "
				"line selection");
	check_rejected("0[1(ro)x]", "entry 1 \"0[1(ro)x]\": unexpected \"x\" "
				    "in the line selection");
}

static void test_items_rejected(void **state)
{
	check_rejected("0[5-3]", "entry 1 \"0[5-3]\": range \"5-3\" goes "
				 "downwards; write \"3-5\"");
	check_rejected("0[3-]", "entry 1 \"0[3-]\": \"3-\" is neither a line "
				"offset nor a range N-M");
	check_rejected("0[-3]", NULL);
	check_rejected("0[-]", NULL);
	check_rejected("0[1-2-3]", "entry 1 \"0[1-2-3]\": \"1-2-3\" is neither "
				   "a line offset nor a range N-M");
	check_rejected("0[03]", "entry 1 \"0[03]\": numbers are written "
				"without leading zeros");
	check_rejected("0[1-07]", NULL);
	check_rejected("0[00]", NULL);
	check_rejected("0[65536]", "entry 1 \"0[65536]\": line \"65536\": "
				   "offsets are 0 to 65535");
	check_rejected("0[1-99999999999999999999]", NULL);
}

static void test_markers_rejected(void **state)
{
	check_rejected(
		"0[1(rw)]",
		"entry 1 \"0[1(rw)]\": /dev/gpiochip0 line 1: unknown setting "
		"\"rw\" (known: " SETTINGS ")");
	check_rejected("0[1(RO)]", NULL);
	check_rejected("0[1(ro]", "entry 1 \"0[1(ro]\": /dev/gpiochip0 line 1: "
				  "unexpected \"]\" in "
				  "the settings");
	check_rejected("0(rw)", "entry 1 \"0(rw)\": /dev/gpiochip0, every "
				"line: unknown setting \"rw\" "
				"(known: " SETTINGS ")");
	check_rejected("0(", "entry 1 \"0(\": /dev/gpiochip0, every line: "
			     "missing \")\" at the end of "
			     "the settings");
	check_rejected("0(ro)x", "entry 1 \"0(ro)x\": unexpected \"x\" after "
				 "\"(ro)\"");
	check_rejected("0(ro)(ro)", "entry 1 \"0(ro)(ro)\": unexpected \"(\" "
				    "after \"(ro)\"");
	check_rejected("0(ro)[1]", "entry 1 \"0(ro)[1]\": unexpected \"[\" "
				   "after \"(ro)\"");
	/* Simulated chips have neither selections nor markers. */
	check_rejected("s8(ro)", "entry 1 \"s8(ro)\": expected \"s\" followed "
				 "by a number of lines");
	check_rejected("s8[1]", NULL);
}

static void test_words_rejected(void **state)
{
	check_rejected("0[a b]", "entry 1 \"0[a b]\": unexpected space (write "
				 "\"\\ \" for a space in a name)");
	check_rejected("0[1, 2]", NULL);
	check_rejected("/dev/gpio chip", NULL);
	check_rejected("0[a\x01]", "entry 1 \"0[a?]\": control characters are "
				   "not allowed");
	check_rejected("0[a\\\x7f]", NULL);
	check_rejected("0[a\\", "entry 1 \"0[a\\\": a backslash must be "
				"followed by the character it escapes");
	check_rejected("/dev/x\\", NULL);
	check_rejected("@", "entry 1 \"@\": expected a chip label after "
			    "\"@\"");
	check_rejected("@[1]", "entry 1 \"@[1]\": expected a chip label after "
			       "\"@\"");
	check_rejected("@(ro)", NULL);
	check_rejected("/dev/x]", "entry 1 \"/dev/x]\": unexpected \"]\" after "
				  "the chip");
	check_rejected("@lbl)", "entry 1 \"@lbl)\": unexpected \")\" after the "
				"chip");
}

static void test_colons(void **state)
{
	struct device_list list;
	char err[256];

	/* An unescaped colon always ends an entry, even inside brackets. */
	check_rejected("0[1:2]", "entry 1 \"0[1\": missing \"]\" at the end of "
				 "the line selection");
	assert_int_equal(device_list_parse("@a\\:b:@c\\:d[x\\:y]:s1", &list,
					   err, sizeof(err)),
			 0);
	assert_int_equal(list.count, 3);
	assert_string_equal(list.specs[0].chip_name, "a:b");
	assert_string_equal(list.specs[0].text, "@a\\:b");
	assert_string_equal(list.specs[1].chip_name, "c:d");
	check_item(&list.specs[1].items[0], "x:y", 0, 0, false);
	assert_int_equal(list.specs[2].sim_lines, 1);
	device_list_free(&list);
	/* A trailing backslash does not escape the separator after it. */
	check_rejected("@a\\", "entry 1 \"@a\\\": a backslash must be "
			       "followed by the character it escapes");
}

static void test_spec_error(void **state)
{
	struct device_list list;
	struct device_spec *spec;
	char err[128];

	/* Quoted shortened, like the parser's own messages. */
	spec = parse_one(&list, "@ab-0123456789012345678901234567890");
	device_spec_error(spec, err, sizeof(err), "line %u is %s", 3, "bad");
	assert_string_equal(err, "entry 1 \"@ab-0123456789012345678901234567"
				 "...\": line 3 is bad");
	device_list_free(&list);
	spec = parse_one(&list, "0[1]");
	memset(err, 'x', sizeof(err));
	device_spec_error(spec, err, 12, "whatever");
	assert_string_equal(err, "entry 1 \"0[");
	device_spec_error(spec, NULL, 0, "nothing");
	device_list_free(&list);
}

/*
 * Line settings.
 */

/* @s sets exactly the fields @want sets, to @want's values. */
static void check_settings(const struct gpio_line_settings *s,
			   const struct gpio_line_settings *want)
{
	assert_int_equal(s->set, want->set);
	if (want->set & GPIO_LINE_SET_BIAS)
		assert_int_equal(s->bias, want->bias);
	if (want->set & GPIO_LINE_SET_DRIVE)
		assert_int_equal(s->drive, want->drive);
	if (want->set & GPIO_LINE_SET_ACTIVE_LOW)
		assert_int_equal(s->active_low, want->active_low);
	if (want->set & GPIO_LINE_SET_DEBOUNCE)
		assert_int_equal(s->debounce_us, want->debounce_us);
}

/* The settings of @spec's first @n items, against @want[0..@n-1]. */
static void check_items_settings(const struct device_spec *spec,
				 const struct gpio_line_settings *want,
				 size_t n)
{
	size_t i;

	assert_true(spec->nitems >= n);
	for (i = 0; i < n; i++)
		check_settings(&spec->items[i].settings, &want[i]);
}

/* Expected settings: WANT(.set = SET_BIAS, .bias = ...), NO_SETTINGS. */
#define WANT(...)   (&(const struct gpio_line_settings){__VA_ARGS__})
#define NO_SETTINGS WANT(.set = 0)

#define SET_BIAS     GPIO_LINE_SET_BIAS
#define SET_DRIVE    GPIO_LINE_SET_DRIVE
#define SET_ACTIVE   GPIO_LINE_SET_ACTIVE_LOW
#define SET_DEBOUNCE GPIO_LINE_SET_DEBOUNCE
#define SET_ALL	     (SET_BIAS | SET_DRIVE | SET_ACTIVE | SET_DEBOUNCE)

/* The README's examples: a button, a reset line, a shared line. */
static void test_settings_of_lines(void **state)
{
	struct device_list list;
	struct device_spec *spec = parse_one(
		&list, "@pinctrl-bcm2711[GPIO17(pull-up,debounce=10ms,"
		       "name=button),GPIO27(active-low,name=reset),"
		       "GPIO22(open-drain),4(ro,bias-disabled)]");
	static const struct gpio_line_settings want[] = {
		{.set = SET_BIAS | SET_DEBOUNCE,
		 .bias = GPIO_LINE_BIAS_PULL_UP,
		 .debounce_us = 10000},
		{.set = SET_ACTIVE, .active_low = true},
		{.set = SET_DRIVE, .drive = GPIO_LINE_DRIVE_OPEN_DRAIN},
		{.set = SET_BIAS, .bias = GPIO_LINE_BIAS_DISABLED},
	};

	assert_int_equal(spec->nitems, 4);
	check_item(&spec->items[0], "GPIO17", 0, 0, false);
	check_items_settings(spec, want, 4);
	assert_string_equal(spec->items[0].guest_name, "button");
	assert_string_equal(spec->items[1].guest_name, "reset");
	assert_null(spec->items[2].guest_name);
	check_item(&spec->items[3], NULL, 4, 4, true);
	check_settings(&spec->defaults, NO_SETTINGS);
	assert_false(spec->read_only);
	device_list_free(&list);
}

/* Defaults after the chip; an item's own settings override them. */
static void test_settings_defaults(void **state)
{
	static const struct gpio_line_settings item_overrides[] = {
		{.set = SET_BIAS, .bias = GPIO_LINE_BIAS_PULL_UP},
		{.set = SET_DRIVE, .drive = GPIO_LINE_DRIVE_PUSH_PULL},
		{.set = SET_ACTIVE, .active_low = false},
		{.set = SET_DEBOUNCE, .debounce_us = 0},
		{.set = 0},
	};
	struct device_list list;
	struct device_spec *spec;

	spec = parse_one(&list, "0(pull-down,open-source,active-low,"
				"debounce=500us,ro)");
	assert_null(spec->items);
	assert_true(spec->read_only);
	check_settings(&spec->defaults,
		       WANT(.set = SET_ALL, .bias = GPIO_LINE_BIAS_PULL_DOWN,
			    .drive = GPIO_LINE_DRIVE_OPEN_SOURCE,
			    .active_low = true, .debounce_us = 500));
	device_list_free(&list);

	spec = parse_one(&list, "0[1(pull-up),2(push-pull),3(active-high),"
				"4(debounce=0us),5](pull-down,open-drain,"
				"active-low,debounce=1ms)");
	check_settings(&spec->defaults,
		       WANT(.set = SET_ALL, .bias = GPIO_LINE_BIAS_PULL_DOWN,
			    .drive = GPIO_LINE_DRIVE_OPEN_DRAIN,
			    .active_low = true, .debounce_us = 1000));
	check_items_settings(spec, item_overrides, 5);
	device_list_free(&list);

	/* The longest periods the kernel takes. */
	spec = parse_one(&list, "0[1(debounce=4294967295us),"
				"2(debounce=4294967ms)]");
	assert_int_equal(spec->items[0].settings.debounce_us, 4294967295u);
	assert_int_equal(spec->items[1].settings.debounce_us, 4294967000u);
	device_list_free(&list);
}

static void test_settings_names(void **state)
{
	struct device_list list;
	struct device_spec *spec;

	spec = parse_one(&list, "0[LED(name=),7(name=a\\,b\\)c\\ d),"
				"3-3(name=x),BTN(ro,name=Button-1)]");
	assert_string_equal(spec->items[0].guest_name, "");
	assert_string_equal(spec->items[1].guest_name, "a,b)c d");
	check_item(&spec->items[2], NULL, 3, 3, false);
	assert_string_equal(spec->items[2].guest_name, "x");
	check_item(&spec->items[3], "BTN", 0, 0, true);
	assert_string_equal(spec->items[3].guest_name, "Button-1");
	device_list_free(&list);
}

/* Parses @good, which must be accepted (the near twin of a refused one). */
static void check_accepted(const char *good)
{
	struct device_list list;
	char err[256] = "";

	assert_int_equal(device_list_parse(good, &list, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	device_list_free(&list);
}

/* Every message about settings, each next to a twin that is fine. */
static void test_settings_rejected(void **state)
{
	static const struct {
		const char *bad, *message, *good;
	} cases[] = {
		{"0[1(pullup)]",
		 "entry 1 \"0[1(pullup)]\": /dev/gpiochip0 line 1: unknown "
		 "setting \"pullup\" "
		 "(known: " SETTINGS ")",
		 "0[1(pull-up)]"},
		{"0[1(Pull-Up)]", NULL, "0[1(pull-up)]"},
		{"0[1(pull-up,pull-down)]",
		 "entry 1 \"0[1(pull-up,pull-down)]\": /dev/gpiochip0 line 1: "
		 "\"pull-up\" and "
		 "\"pull-down\" conflict: a line has one bias",
		 "0[1(pull-up)](pull-down)"},
		{"0(bias-disabled,pull-up)",
		 "entry 1 \"0(bias-disabled,pull-up)\": /dev/gpiochip0, every "
		 "line: \"bias-disabled\" and "
		 "\"pull-up\" conflict: a line has one bias",
		 "0(bias-disabled)"},
		{"0[1(pull-up,pull-up)]",
		 "entry 1 \"0[1(pull-up,pull-up)]\": /dev/gpiochip0 line 1: "
		 "\"pull-up\" is given "
		 "twice",
		 "0[1(pull-up)](pull-up)"},
		{"0(open-drain,open-source)",
		 "entry 1 \"0(open-drain,open-source)\": /dev/gpiochip0, every "
		 "line: \"open-drain\" and "
		 "\"open-source\" conflict: a line has one drive",
		 "0(open-drain)"},
		{"0(push-pull,open-drain)", NULL,
		 "0[1(push-pull)](open-drain)"},
		{"0(active-low,active-high)",
		 "entry 1 \"0(active-low,active-high)\": /dev/gpiochip0, every "
		 "line: \"active-low\" and "
		 "\"active-high\" conflict: a line is active-low or "
		 "active-high",
		 "0[1(active-high)](active-low)"},
		{"0[1(ro,ro)]",
		 "entry 1 \"0[1(ro,ro)]\": /dev/gpiochip0 line 1: \"ro\" is "
		 "given twice",
		 "0[1(ro)](ro)"},
		{"0(debounce=10)",
		 "entry 1 \"0(debounce=10)\": /dev/gpiochip0, every line: "
		 "\"debounce=10\": a duration is "
		 "a number and its unit, us or ms (debounce=10ms)",
		 "0(debounce=10ms)"},
		{"0(debounce=10s)", NULL, "0(debounce=10us)"},
		{"0(debounce=ms)", NULL, "0(debounce=0ms)"},
		{"0(debounce=)", NULL, "0(debounce=0us)"},
		{"0(debounce=-1ms)", NULL, "0(debounce=1ms)"},
		{"0(debounce=1 ms)", NULL, "0(debounce=1ms)"},
		{"0(debounce=010ms)",
		 "entry 1 \"0(debounce=010ms)\": /dev/gpiochip0, every line: "
		 "numbers are written without "
		 "leading zeros",
		 "0(debounce=10ms)"},
		{"0(debounce=4294968ms)",
		 "entry 1 \"0(debounce=4294968ms)\": /dev/gpiochip0, every "
		 "line: \"debounce=4294968ms\" is "
		 "too long: the kernel takes at most 4294967295us",
		 "0(debounce=4294967ms)"},
		{"0(debounce=4294967296us)", NULL, "0(debounce=4294967295us)"},
		{"0(debounce=99999999999999999999999us)", NULL,
		 "0(debounce=9us)"},
		{"0(debounce=1ms,debounce=2ms)",
		 "entry 1 \"0(debounce=1ms,debounce=2ms)\": /dev/gpiochip0, "
		 "every line: \"debounce=\" is "
		 "given twice",
		 "0[1(debounce=2ms)](debounce=1ms)"},
		{"0(name=x)",
		 "entry 1 \"0(name=x)\": /dev/gpiochip0, every line: name= "
		 "names one line: write it after "
		 "a line in the brackets",
		 "0[1(name=x)]"},
		{"0[1](name=x)", NULL, "0[1(name=x)]"},
		{"0[1-2(name=x)]",
		 "entry 1 \"0[1-2(name=x)]\": /dev/gpiochip0 lines 1-2: name= "
		 "names one line, not a "
		 "range",
		 "0[1-1(name=x)]"},
		{"0[1(name=a,name=b)]",
		 "entry 1 \"0[1(name=a,name=b)]\": /dev/gpiochip0 line 1: "
		 "\"name=\" is given twice",
		 "0[1(name=a),2(name=b)]"},
		{"0[1(name=caf\xc3\xa9)]",
		 "entry 1 \"0[1(name=caf?\?)]\": /dev/gpiochip0 line 1: name= "
		 "must be printable "
		 "ASCII",
		 "0[1(name=cafe)]"},
		{"0[1(name=a b)]",
		 "entry 1 \"0[1(name=a b)]\": /dev/gpiochip0 line 1: "
		 "unexpected space (write \"\\ \" "
		 "for a space in a name)",
		 "0[1(name=a\\ b)]"},
		{"0[1(name=x(y))]",
		 "entry 1 \"0[1(name=x(y))]\": /dev/gpiochip0 line 1: "
		 "unexpected \"(\" in the "
		 "settings",
		 "0[1(name=x\\(y\\))]"},
		{"0()",
		 "entry 1 \"0()\": /dev/gpiochip0, every line: the settings "
		 "\"()\" are empty",
		 "0(ro)"},
		{"0[1()]", NULL, "0[1]"},
		{"0(ro,)",
		 "entry 1 \"0(ro,)\": /dev/gpiochip0, every line: an empty "
		 "setting",
		 "0(ro)"},
		{"0(,ro)", NULL, "0(ro)"},
		{"0(ro,,pull-up)", NULL, "0(ro,pull-up)"},
		{"0(ro,pull-up",
		 "entry 1 \"0(ro,pull-up\": /dev/gpiochip0, every line: "
		 "missing \")\" at the end of the "
		 "settings",
		 "0(ro,pull-up)"},
		{"0(ro(",
		 "entry 1 \"0(ro(\": /dev/gpiochip0, every line: unexpected "
		 "\"(\" in the settings",
		 "0(ro)"},
		{"0[1(ro])", NULL, "0[1(ro)]"},
		{"0(pull-up)x",
		 "entry 1 \"0(pull-up)x\": unexpected \"x\" after "
		 "\"(pull-up)\"",
		 "0(pull-up)"},
		{"0[1](pull-up)(ro)",
		 "entry 1 \"0[1](pull-up)(ro)\": unexpected \"(\" after "
		 "\"(pull-up)\"",
		 "0[1](pull-up,ro)"},
		{"0[1(pull-up)(ro)]",
		 "entry 1 \"0[1(pull-up)(ro)]\": unexpected \"(\" in the line "
		 "selection",
		 "0[1(pull-up,ro)]"},
		/* Whose settings: the chip as written, the line or lines. */
		{"@pinctrl-bcm2711[GPIO17(pull-up),GPIO27(activelow)]",
		 "entry 1 \"@pinctrl-bcm2711[GPIO17(pull-up)...\": "
		 "@pinctrl-bcm2711 line GPIO27: unknown setting \"activelow\" "
		 "(known: " SETTINGS ")",
		 "@pinctrl-bcm2711[GPIO17(pull-up),GPIO27(active-low)]"},
		{"/dev/gpio/by-name/sensors[0-3](pull-up,pull-down)",
		 "entry 1 \"/dev/gpio/by-name/sensors[0-3](p...\": "
		 "/dev/gpio/by-name/sensors, every line: \"pull-up\" and "
		 "\"pull-down\" conflict: a line has one bias",
		 "/dev/gpio/by-name/sensors[0-3](pull-up)"},
		{"0[1]+2[5-7(debounce=1s)]",
		 "entry 1 \"0[1]+2[5-7(debounce=1s)]\": /dev/gpiochip2 lines "
		 "5-7: \"debounce=1s\": a duration is a number and its unit, "
		 "us or ms (debounce=10ms)",
		 "0[1]+2[5-7(debounce=1ms)]"},
		{"s8(pull-up)",
		 "entry 1 \"s8(pull-up)\": expected \"s\" followed by a number "
		 "of lines",
		 "s8"},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_rejected(cases[i].bad, cases[i].message);
		check_accepted(cases[i].good);
	}
}

/*
 * Joined chips.
 */

static void test_joined_chips(void **state)
{
	struct device_list list;
	struct device_spec *spec;
	const struct device_spec *part;

	/* The issue's example. */
	spec = parse_one(&list, "0[3,5]+@pinctrl-bcm2711[GPIO17]");
	assert_string_equal(spec->text, "0[3,5]+@pinctrl-bcm2711[GPIO17]");
	assert_int_equal(device_spec_nparts(spec), 2);
	assert_ptr_equal(device_spec_part(spec, 0), spec);
	assert_int_equal(spec->chip_ref, GPIO_CHIP_REF_NUMBER);
	assert_int_equal(spec->chip_index, 0);
	assert_int_equal(spec->nitems, 2);
	check_item(&spec->items[1], NULL, 5, 5, false);
	part = device_spec_part(spec, 1);
	assert_ptr_equal(part, &spec->joined[0]);
	assert_int_equal(part->kind, DEVICE_KIND_HOST_CHIP);
	assert_int_equal(part->number, 1);
	assert_int_equal(part->chip_ref, GPIO_CHIP_REF_LABEL);
	assert_string_equal(part->chip_name, "pinctrl-bcm2711");
	check_item(&part->items[0], "GPIO17", 0, 0, false);
	assert_null(part->joined);
	assert_true(device_spec_has_names(spec));
	device_list_free(&list);

	/* Each chip has its own read-only mark and defaults. */
	spec = parse_one(&list,
			 "0[1](ro)+1(pull-up)+/dev/gpiochip2[3(name=x)]");
	assert_int_equal(device_spec_nparts(spec), 3);
	assert_true(spec->read_only);
	assert_int_equal(spec->defaults.set, 0);
	part = device_spec_part(spec, 1);
	assert_false(part->read_only);
	assert_null(part->items);
	check_settings(&part->defaults,
		       WANT(.set = SET_BIAS, .bias = GPIO_LINE_BIAS_PULL_UP));
	part = device_spec_part(spec, 2);
	assert_int_equal(part->chip_ref, GPIO_CHIP_REF_PATH);
	assert_string_equal(part->chip_name, "/dev/gpiochip2");
	assert_string_equal(part->items[0].guest_name, "x");
	assert_false(device_spec_has_names(spec));
	device_list_free(&list);

	/* The same chip twice parses: the chips decide (device_backends). */
	spec = parse_one(&list, "0[1]+0[2]");
	assert_int_equal(spec->joined[0].chip_index, 0);
	device_list_free(&list);

	/* "+" ends a path or a label; "\+" does not. */
	spec = parse_one(&list, "/dev/a\\+b+@c\\+d+1");
	assert_string_equal(spec->chip_name, "/dev/a+b");
	assert_string_equal(spec->joined[0].chip_name, "c+d");
	assert_int_equal(spec->joined[1].chip_index, 1);
	device_list_free(&list);
	/* In a selection it is part of a name. */
	spec = parse_one(&list, "0[A+B]");
	check_item(&spec->items[0], "A+B", 0, 0, false);
	assert_int_equal(device_spec_nparts(spec), 1);
	device_list_free(&list);
}

static void test_joined_entries(void **state)
{
	struct device_list list;
	char err[256] = "";

	assert_int_equal(device_list_parse("0+1:s8:2[1]+3[2(ro)]", &list, err,
					   sizeof(err)),
			 0);
	assert_int_equal(list.count, 3);
	assert_int_equal(device_spec_nparts(&list.specs[0]), 2);
	assert_int_equal(list.specs[1].kind, DEVICE_KIND_SIMULATED);
	assert_int_equal(device_spec_nparts(&list.specs[2]), 2);
	assert_int_equal(list.specs[2].joined[0].number, 3);
	check_item(&list.specs[2].joined[0].items[0], NULL, 2, 2, true);
	device_list_free(&list);
}

/* @count chips "0+0+...", in @buf. */
static const char *chips_joined(char *buf, size_t size, unsigned int count)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < count && n + 3 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s0", i ? "+" : "");
	return buf;
}

static void test_joined_rejected(void **state)
{
	static const struct {
		const char *bad, *message, *good;
	} cases[] = {
		{"0+",
		 "entry 1 \"0+\": expected a chip number, an absolute path or "
		 "@LABEL after \"+\"",
		 "0+1"},
		{"0++1", NULL, "0+1"},
		{"0+s8", NULL, "0+8"},
		{"0[1]+x", NULL, "0[1]+1"},
		{"0+[1]", NULL, "0+1[1]"},
		{"+0",
		 "entry 1 \"+0\": expected a chip number, an absolute path, "
		 "@LABEL or \"s\" followed by a number of lines",
		 "0"},
		{"s8+0",
		 "entry 1 \"s8+0\": expected \"s\" followed by a number of "
		 "lines",
		 "s8:0"},
		{"0[1]x+1",
		 "entry 1 \"0[1]x+1\": unexpected \"x\" after the line "
		 "selection",
		 "0[1]+1"},
		{"0+1x",
		 "entry 1 \"0+1x\": unexpected \"x\" after the chip "
		 "number",
		 "0+1"},
		{"0+@", "entry 1 \"0+@\": expected a chip label after \"@\"",
		 "0+@a"},
		{"0+007",
		 "entry 1 \"0+007\": numbers are written without leading "
		 "zeros",
		 "0+7"},
		{"0+4096",
		 "entry 1 \"0+4096\": a host chip number must be 0 to 4095",
		 "0+4095"},
		{"0[0-40000]+1[0-40000]",
		 "entry 1 \"0[0-40000]+1[0-40000]\": selects more than 65535 "
		 "lines",
		 "0[0-40000]+1[0-25533]"},
		{"0(pull-up)+1(name=x)",
		 "entry 1 \"0(pull-up)+1(name=x)\": /dev/gpiochip1, every "
		 "line: name= names one line: "
		 "write it after a line in the brackets",
		 "0(pull-up)+1[0(name=x)]"},
		{"0+1[2(pull-up,pull-down)]", NULL, "0+1[2(pull-up)]"},
	};
	char bad[256], good[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_rejected(cases[i].bad, cases[i].message);
		check_accepted(cases[i].good);
	}
	/* At most 64 chips. */
	chips_joined(bad, sizeof(bad), 65);
	chips_joined(good, sizeof(good), 64);
	check_rejected(bad, "entry 1 \"0+0+0+0+0+0+0+0+0+0+0+0+0+0+0+0+...\": "
			    "joins more than 64 chips");
	check_accepted(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_entries),
		cmocka_unit_test(test_several_entries),
		cmocka_unit_test(test_no_error_buffer),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_simulated_rejected),
		cmocka_unit_test(test_host_chip_rejected),
		cmocka_unit_test(test_same_chip_twice_parses),
		cmocka_unit_test(test_whole_chip_defaults),
		cmocka_unit_test(test_offsets_and_ranges),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_read_only_markers),
		cmocka_unit_test(test_paths_and_labels),
		cmocka_unit_test(test_brief_example),
		cmocka_unit_test(test_line_count_limit),
		cmocka_unit_test(test_selection_rejected),
		cmocka_unit_test(test_items_rejected),
		cmocka_unit_test(test_markers_rejected),
		cmocka_unit_test(test_words_rejected),
		cmocka_unit_test(test_colons),
		cmocka_unit_test(test_spec_error),
		cmocka_unit_test(test_error_names_first_bad_entry),
		cmocka_unit_test(test_error_quotes_safely),
		cmocka_unit_test(test_settings_of_lines),
		cmocka_unit_test(test_settings_defaults),
		cmocka_unit_test(test_settings_names),
		cmocka_unit_test(test_settings_rejected),
		cmocka_unit_test(test_joined_chips),
		cmocka_unit_test(test_joined_entries),
		cmocka_unit_test(test_joined_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
