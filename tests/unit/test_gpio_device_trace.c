// SPDX-License-Identifier: MIT
/*
 * The device model's calls to a back-end's tracer (gpio_backend.h): each
 * change it applies for the guest, each level a back-end reports (with
 * the kernel's time stamp when there is one), each interrupt given to the
 * guest, every line at a reset; and no call at all without a tracer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_backend.h"

struct trace_log {
	struct {
		char kind; /* 's' state, 'i' interrupt */
		unsigned int line;
		int dir;
		uint8_t level;
		uint64_t ns;
	} calls[32];
	unsigned int n;
};

static void log_state(void *opaque, unsigned int line, enum gpio_direction dir,
		      uint8_t level, uint64_t ns)
{
	struct trace_log *log = opaque;

	assert_true(log->n < 32);
	log->calls[log->n].kind = 's';
	log->calls[log->n].line = line;
	log->calls[log->n].dir = (int)dir;
	log->calls[log->n].level = level;
	log->calls[log->n++].ns = ns;
}

static void log_irq(void *opaque, unsigned int line)
{
	struct trace_log *log = opaque;

	assert_true(log->n < 32);
	log->calls[log->n].kind = 'i';
	log->calls[log->n++].line = line;
}

static void assert_state(const struct trace_log *log, unsigned int i,
			 unsigned int line, int dir, uint8_t level, uint64_t ns)
{
	assert_true(i < log->n);
	assert_int_equal(log->calls[i].kind, 's');
	assert_int_equal(log->calls[i].line, line);
	assert_int_equal(log->calls[i].dir, dir);
	assert_int_equal(log->calls[i].level, level);
	assert_int_equal(log->calls[i].ns, ns);
}

struct traced {
	struct fake *f;
	struct gpio_device *dev;
	struct irq_done_log irqs;
	struct trace_log log;
	struct gpio_tracer tracer;
};

static int setup(void **state)
{
	struct traced *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->f = fake_new(4, NULL, FAKE_HAS_SET_IRQ_TYPE);
	t->dev = fake_device(t->f);
	irq_log_attach(t->dev, &t->irqs);
	t->tracer.line_state = log_state;
	t->tracer.irq_delivered = log_irq;
	t->tracer.opaque = &t->log;
	gpio_backend_set_tracer(&t->f->be, &t->tracer);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct traced *t = *state;

	gpio_device_free(t->dev);
	free(t);
	return 0;
}

static void test_guest_changes_traced(void **state)
{
	struct traced *t = *state;
	struct gpio_device *dev = t->dev;

	/* A value before the line is an output changes nothing yet. */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 1),
			 REPLY(OK, 0));
	assert_int_equal(t->log.n, 0);
	t->f->level[1] = 1; /* what the fake then reads */
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	assert_state(&t->log, 0, 1, GPIO_DIRECTION_OUT, 1, 0);
	t->f->level[1] = 0;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_VALUE, 1, 0),
			 REPLY(OK, 0));
	assert_state(&t->log, 1, 1, GPIO_DIRECTION_OUT, 0, 0);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_NONE),
			 REPLY(OK, 0));
	assert_state(&t->log, 2, 1, GPIO_DIRECTION_NONE, 0, 0);
	/* Refused requests change nothing: nothing traced. */
	t->f->set_direction_ret = -EIO;
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 2,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(ERR, 0));
	assert_int_equal(t->log.n, 3);
}

/* A host chip's edge keeps the kernel's stamp; the interrupt follows it. */
static void test_reported_edge_and_interrupt(void **state)
{
	struct traced *t = *state;
	struct gpio_device *dev = t->dev;

	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 2,
				 VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING),
			 REPLY(OK, 0));
	gpio_device_irq_unmask(dev, 2, 7);
	t->f->level[2] = 1;
	gpio_backend_report_level_at(&t->f->be, 2, 1, 123456789ull);
	assert_irq_done(&t->irqs, 0, 7, VALID);
	assert_state(&t->log, 0, 2, GPIO_DIRECTION_NONE, 1, 123456789ull);
	assert_true(t->log.n == 2);
	assert_int_equal(t->log.calls[1].kind, 'i');
	assert_int_equal(t->log.calls[1].line, 2);
	/* The stamp was for that report only. */
	fake_report(t->f, 2, 0);
	assert_state(&t->log, 2, 2, GPIO_DIRECTION_NONE, 0, 0);
	/* A pair given back INVALID is no interrupt. */
	gpio_device_irq_unmask(dev, 2, 8);
	assert_int_equal(request(dev, VIRTIO_GPIO_MSG_IRQ_TYPE, 2,
				 VIRTIO_GPIO_IRQ_TYPE_NONE),
			 REPLY(OK, 0));
	assert_irq_done(&t->irqs, 1, 8, INVALID);
	assert_int_equal(t->log.n, 3);
}

static void test_reset_and_trace_lines_tell_every_line(void **state)
{
	struct traced *t = *state;
	unsigned int i;

	t->f->level[3] = 1;
	gpio_device_trace_lines(t->dev);
	assert_int_equal(t->log.n, 4);
	for (i = 0; i < 4; i++)
		assert_state(&t->log, i, i, GPIO_DIRECTION_NONE, i == 3, 0);
	gpio_device_reset(t->dev);
	assert_int_equal(t->log.n, 8);
}

static void test_no_tracer_no_calls(void **state)
{
	struct traced *t = *state;

	gpio_backend_set_tracer(&t->f->be, NULL);
	assert_int_equal(request(t->dev, VIRTIO_GPIO_MSG_SET_DIRECTION, 1,
				 VIRTIO_GPIO_DIRECTION_OUT),
			 REPLY(OK, 0));
	fake_report(t->f, 2, 1);
	gpio_device_trace_lines(t->dev);
	gpio_device_reset(t->dev);
	assert_int_equal(t->log.n, 0);
	/* Nor the level reads the trace would need. */
	for (unsigned int i = 0; i < t->f->ncalls; i++)
		assert_int_not_equal(t->f->calls[i].op, FAKE_GET_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_changes_traced,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_reported_edge_and_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_reset_and_trace_lines_tell_every_line, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_no_tracer_no_calls, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
