// SPDX-License-Identifier: MIT
/* The wire graph: one driver per line, no loops, chains and removal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wire_graph.h"

#define END(d, l) ((struct wire_end){.dev = (d), .line = (l)})

static void test_fan_out_and_one_driver(void **state)
{
	struct wire_graph g = {0};

	assert_int_equal(wire_graph_add(&g, END(0, 3), END(1, 5)), 0);
	assert_int_equal(wire_graph_add(&g, END(0, 3), END(0, 4)), 0);
	/* 1:5 is driven already, whoever else would drive it. */
	assert_int_equal(wire_graph_add(&g, END(0, 2), END(1, 5)), -EEXIST);
	assert_int_equal(wire_graph_add(&g, END(0, 3), END(1, 5)), -EEXIST);
	assert_true(wire_graph_drives(&g, END(0, 3)));
	assert_false(wire_graph_drives(&g, END(1, 3)));
	assert_int_equal(wire_graph_driver(&g, END(0, 4))->src.line, 3);
	assert_null(wire_graph_driver(&g, END(0, 3)));
	wire_graph_free(&g);
}

static void test_loops_refused(void **state)
{
	struct wire_graph g = {0};

	assert_int_equal(wire_graph_add(&g, END(0, 1), END(0, 1)), -ELOOP);
	assert_int_equal(wire_graph_add(&g, END(0, 1), END(1, 1)), 0);
	assert_int_equal(wire_graph_add(&g, END(1, 1), END(2, 1)), 0);
	/* A chain is fine; closing it is not, at either length. */
	assert_int_equal(wire_graph_add(&g, END(2, 1), END(0, 1)), -ELOOP);
	assert_int_equal(wire_graph_add(&g, END(1, 1), END(0, 1)), -ELOOP);
	assert_int_equal(wire_graph_add(&g, END(2, 1), END(3, 1)), 0);
	assert_int_equal(g.count, 3);
	/* Cut in the middle, the end may drive the start. */
	assert_int_equal(wire_graph_remove(&g, END(1, 1)), 0);
	assert_int_equal(wire_graph_add(&g, END(2, 1), END(0, 1)), 0);
	wire_graph_free(&g);
}

static void test_remove(void **state)
{
	struct wire_graph g = {0};
	unsigned int i;

	for (i = 0; i < 20; i++)
		assert_int_equal(wire_graph_add(&g, END(0, 0), END(1, i)), 0);
	assert_int_equal(wire_graph_remove(&g, END(1, 7)), 0);
	assert_int_equal(wire_graph_remove(&g, END(1, 7)), -ENOENT);
	assert_int_equal(wire_graph_remove(&g, END(0, 0)), -ENOENT);
	assert_int_equal(g.count, 19);
	assert_null(wire_graph_driver(&g, END(1, 7)));
	assert_non_null(wire_graph_driver(&g, END(1, 19)));
	wire_graph_free(&g);
}

static void test_end_parse(void **state)
{
	struct wire_end e;

	assert_int_equal(wire_end_parse("3", 2, &e), 0);
	assert_true(wire_end_equal(e, END(2, 3)));
	assert_int_equal(wire_end_parse("1:sim-7", 2, &e), 0);
	assert_true(wire_end_equal(e, END(1, 7)));
	assert_int_equal(wire_end_parse("sim-65535", 0, &e), 0);
	assert_int_equal(e.line, 65535);
	assert_int_equal(wire_end_parse("0:0", 5, &e), 0);
	assert_true(wire_end_equal(e, END(0, 0)));
	assert_int_equal(wire_end_parse("", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse(":3", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("1:", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("01", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("65536", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("1:2:3", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("led", 0, &e), -EINVAL);
	assert_int_equal(wire_end_parse("-1", 0, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fan_out_and_one_driver),
		cmocka_unit_test(test_loops_refused),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_end_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
