// SPDX-License-Identifier: MIT
/*
 * guest_mem against memfd-backed regions: translation at region edges and
 * across them, clamping, refused tables (overflow, overlap, full), removal.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest_mem.h"
#include "unit_helpers.h"

#define PAGE	 4096u
#define FILE_LEN (64u * PAGE)

struct fixture {
	struct guest_mem mem;
	int fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fd = unit_memfd("guest-ram", FILE_LEN);
	if (f->fd < 0)
		return -1;
	guest_mem_init(&f->mem);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	guest_mem_clear(&f->mem);
	close(f->fd);
	free(f);
	return 0;
}

/* guest_mem_add_region() of a region of the memfd. */
static int add(struct fixture *f, uint64_t gpa, uint64_t size, uint64_t uva,
	       uint64_t offset)
{
	return guest_mem_add_region(&f->mem, f->fd, gpa, size, uva, offset);
}

/* guest_mem_remove_region(). */
static int rem(struct fixture *f, uint64_t gpa, uint64_t size, uint64_t uva)
{
	return guest_mem_remove_region(&f->mem, gpa, size, uva);
}

/* The byte at @offset of the memfd, read without going through guest_mem. */
static uint8_t file_byte(const struct fixture *f, off_t offset)
{
	uint8_t b = 0;

	assert_int_equal(pread(f->fd, &b, 1, offset), 1);
	return b;
}

static void put_file_byte(const struct fixture *f, off_t offset, uint8_t b)
{
	assert_int_equal(pwrite(f->fd, &b, 1, offset), 1);
}

static void test_empty_table_translates_nothing(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;

	assert_int_equal(f->mem.nregions, 0);
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0, &len));
	assert_null(guest_mem_uva_to_ptr(&f->mem, 0, &len));
}

static void test_add_records_region(void **state)
{
	struct fixture *f = *state;
	const struct guest_mem_region *r = &f->mem.regions[0];

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, PAGE), 0);
	assert_int_equal(f->mem.nregions, 1);
	assert_int_equal(r->gpa, 0x100000);
	assert_int_equal(r->size, 4 * PAGE);
	assert_int_equal(r->uva, 0x7f0000000000);
	assert_int_equal(r->mmap_offset, PAGE);
	assert_non_null(r->mmap_addr);
	assert_int_equal(r->mmap_size, 5 * PAGE);
}

static void test_translate_region_start(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 16;
	uint8_t *p;

	put_file_byte(f, PAGE, 0xa5);
	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, PAGE), 0);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len);
	assert_non_null(p);
	assert_int_equal(len, 16);
	assert_int_equal(p[0], 0xa5);
	assert_ptr_equal(p, (uint8_t *)f->mem.regions[0].mmap_addr + PAGE);
}

static void test_translate_region_last_byte(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;
	uint8_t *p;

	put_file_byte(f, 5 * PAGE - 1, 0x3c);
	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, PAGE), 0);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x100000 + 4 * PAGE - 1, &len);
	assert_non_null(p);
	assert_int_equal(len, 1);
	assert_int_equal(*p, 0x3c);
}

static void test_translate_outside_region_is_null(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000 - 1, &len));
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000 + 4 * PAGE, &len));
	assert_null(guest_mem_uva_to_ptr(&f->mem, 0x7f0000000000 - 1, &len));
	assert_null(
		guest_mem_uva_to_ptr(&f->mem, 0x7f0000000000 + 4 * PAGE, &len));
	/* A gpa that is a valid uva and the other way round. */
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0x7f0000000000, &len));
	assert_null(guest_mem_uva_to_ptr(&f->mem, 0x100000, &len));
}

static void test_translate_clamps_at_region_end(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 100;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_non_null(
		guest_mem_gpa_to_ptr(&f->mem, 0x100000 + 4 * PAGE - 10, &len));
	assert_int_equal(len, 10);

	len = UINT64_MAX;
	assert_non_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len));
	assert_int_equal(len, 4 * PAGE);
}

static void test_translate_zero_length(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 0;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_non_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len));
	assert_int_equal(len, 0);
}

static void test_translate_uva(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 64;
	uint8_t *p;

	put_file_byte(f, 2 * PAGE + 7, 0x42);
	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, PAGE), 0);
	p = guest_mem_uva_to_ptr(&f->mem, 0x7f0000000000 + PAGE + 7, &len);
	assert_non_null(p);
	assert_int_equal(len, 64);
	assert_int_equal(*p, 0x42);
	assert_ptr_equal(
		p, guest_mem_gpa_to_ptr(&f->mem, 0x100000 + PAGE + 7, &len));
}

/* QEMU passes offsets that are not page aligned (e.g. memory after 640K). */
static void test_unaligned_mmap_offset(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 4;
	uint8_t *p;

	assert_int_equal(add(f, 0x1000, 2 * PAGE, 0x7f0000001000, 100), 0);
	assert_int_equal(f->mem.regions[0].mmap_size, 100 + 2 * PAGE);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x1000, &len);
	assert_non_null(p);
	memcpy(p, "\x01\x02\x03\x04", 4);
	assert_int_equal(file_byte(f, 100), 0x01);
	assert_int_equal(file_byte(f, 103), 0x04);
	assert_int_equal(file_byte(f, 99), 0x00);
}

static void test_writes_reach_the_file(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;
	uint8_t *p;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, PAGE), 0);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x100000 + 3 * PAGE, &len);
	*p = 0x77;
	assert_int_equal(file_byte(f, 4 * PAGE), 0x77);
}

static void test_fd_can_be_closed_after_add(void **state)
{
	struct fixture *f = *state;
	int fd = dup(f->fd);
	uint64_t len = 1;
	uint8_t *p;

	assert_true(fd >= 0);
	assert_int_equal(guest_mem_add_region(&f->mem, fd, 0x100000, 4 * PAGE,
					      0x7f0000000000, 0),
			 0);
	close(fd);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len);
	*p = 0x11;
	assert_int_equal(file_byte(f, 0), 0x11);
}

/* Two regions adjacent in guest-physical space, apart in the file. */
static void add_two_adjacent(struct fixture *f)
{
	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_int_equal(add(f, 0x100000 + 4 * PAGE, 4 * PAGE, 0x7e0000000000,
			     32 * PAGE),
			 0);
}

static void test_translate_straddling_two_regions(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa = 0x100000 + 4 * PAGE - 3, len = 8;
	uint8_t *p;

	put_file_byte(f, 4 * PAGE - 3, 0xa1);
	put_file_byte(f, 32 * PAGE, 0xb2);
	add_two_adjacent(f);

	p = guest_mem_gpa_to_ptr(&f->mem, gpa, &len);
	assert_non_null(p);
	assert_int_equal(len, 3);
	assert_int_equal(p[0], 0xa1);

	gpa += len;
	len = 5;
	p = guest_mem_gpa_to_ptr(&f->mem, gpa, &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_int_equal(p[0], 0xb2);
}

static void test_translate_start_of_second_region(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;
	uint8_t *p;

	put_file_byte(f, 32 * PAGE, 0xc3);
	add_two_adjacent(f);
	p = guest_mem_uva_to_ptr(&f->mem, 0x7e0000000000, &len);
	assert_non_null(p);
	assert_int_equal(*p, 0xc3);
	assert_ptr_equal(p, (uint8_t *)f->mem.regions[1].mmap_addr + 32 * PAGE);
}

static void test_zero_size_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, 0, 0x7f0000000000, 0), -EINVAL);
	assert_int_equal(f->mem.nregions, 0);
}

static void test_gpa_overflow_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, UINT64_MAX - PAGE + 2, PAGE, 0x7f0000000000, 0),
			 -EINVAL);
	assert_int_equal(add(f, UINT64_MAX, UINT64_MAX, 0x7f0000000000, 0),
			 -EINVAL);
	assert_int_equal(f->mem.nregions, 0);
}

static void test_uva_overflow_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, PAGE, UINT64_MAX - 100, 0), -EINVAL);
	assert_int_equal(f->mem.nregions, 0);
}

static void test_mmap_offset_overflow_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, PAGE, 0x7f0000000000, UINT64_MAX - 5),
			 -EINVAL);
	/* Wraps only once the mapping length (offset + size) is formed. */
	assert_int_equal(
		add(f, 0x100000, PAGE, 0x7f0000000000, UINT64_MAX - PAGE + 1),
		-EINVAL);
	assert_int_equal(f->mem.nregions, 0);
}

/* A region may end at the very last guest-physical byte. */
static void test_region_at_top_of_address_space(void **state)
{
	struct fixture *f = *state;
	uint64_t len = UINT64_MAX;

	assert_int_equal(add(f, UINT64_MAX - PAGE + 1, PAGE, 0x7f0000000000, 0),
			 0);
	assert_non_null(guest_mem_gpa_to_ptr(&f->mem, UINT64_MAX, &len));
	assert_int_equal(len, 1);
	len = 2;
	assert_null(guest_mem_gpa_to_ptr(&f->mem, UINT64_MAX - PAGE, &len));
}

static void test_region_beyond_file_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, FILE_LEN, 0x7f0000000000, 1),
			 -EINVAL);
	assert_int_equal(add(f, 0x100000, FILE_LEN, 0x7f0000000000, 0), 0);
}

static void test_gpa_overlap_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t uva = 0x7e0000000000;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	/* Identical, overlapping the end, the start, inside, around. */
	assert_int_equal(add(f, 0x100000, 4 * PAGE, uva, 0), -EINVAL);
	assert_int_equal(add(f, 0x100000 + 4 * PAGE - 1, PAGE, uva, 0),
			 -EINVAL);
	assert_int_equal(add(f, 0x100000 - PAGE, PAGE + 1, uva, 0), -EINVAL);
	assert_int_equal(add(f, 0x100000 + PAGE, PAGE, uva, 0), -EINVAL);
	assert_int_equal(add(f, 0x100000 - PAGE, 8 * PAGE, uva, 0), -EINVAL);
	assert_int_equal(f->mem.nregions, 1);
}

static void test_uva_overlap_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_int_equal(
		add(f, 0x200000, 4 * PAGE, 0x7f0000000000 + 3 * PAGE, 0),
		-EINVAL);
	assert_int_equal(f->mem.nregions, 1);
}

static void test_adjacent_regions_accepted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f, 0x100000, 4 * PAGE, 0x7f0000000000, 0), 0);
	assert_int_equal(
		add(f, 0x100000 + 4 * PAGE, PAGE, 0x7f0000000000 + 4 * PAGE, 0),
		0);
	assert_int_equal(
		add(f, 0x100000 - PAGE, PAGE, 0x7f0000000000 - PAGE, 0), 0);
	assert_int_equal(f->mem.nregions, 3);
}

static void fill_table(struct fixture *f)
{
	for (uint64_t i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		assert_int_equal(add(f, 0x100000 + i * PAGE, PAGE,
				     0x7f0000000000 + i * PAGE, i * PAGE),
				 0);
}

static void test_full_table_refused(void **state)
{
	struct fixture *f = *state;

	fill_table(f);
	assert_int_equal(f->mem.nregions, GUEST_MEM_MAX_REGIONS);
	assert_int_equal(add(f, 0x900000, PAGE, 0x7e0000000000, 0), -ENOSPC);
	assert_int_equal(f->mem.nregions, GUEST_MEM_MAX_REGIONS);
}

static void test_remove_frees_a_slot(void **state)
{
	struct fixture *f = *state;

	fill_table(f);
	assert_int_equal(
		rem(f, 0x100000 + 5 * PAGE, PAGE, 0x7f0000000000 + 5 * PAGE),
		0);
	assert_int_equal(add(f, 0x900000, PAGE, 0x7e0000000000, 0), 0);
}

static void test_bad_fd_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(guest_mem_add_region(&f->mem, -1, 0x100000, PAGE,
					      0x7f0000000000, 0),
			 -EBADF);
	assert_int_equal(f->mem.nregions, 0);
}

/* Shared writable mappings need a writable fd: the mmap error comes back. */
static void test_read_only_fd_refused(void **state)
{
	struct fixture *f = *state;
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(guest_mem_add_region(&f->mem, ro, 0x100000, PAGE,
					      0x7f0000000000, 0),
			 -EACCES);
	assert_int_equal(f->mem.nregions, 0);
	close(ro);
}

static void test_remove_exact_match(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 1;

	add_two_adjacent(f);
	assert_int_equal(rem(f, 0x100000, 4 * PAGE, 0x7f0000000000), 0);
	assert_int_equal(f->mem.nregions, 1);
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len));
	assert_non_null(
		guest_mem_gpa_to_ptr(&f->mem, 0x100000 + 4 * PAGE, &len));
	assert_int_equal(f->mem.regions[0].gpa, 0x100000 + 4 * PAGE);
}

static void test_remove_mismatch_is_enoent(void **state)
{
	struct fixture *f = *state;

	add_two_adjacent(f);
	assert_int_equal(rem(f, 0x100000, PAGE, 0x7f0000000000), -ENOENT);
	assert_int_equal(rem(f, 0x100000, 4 * PAGE, 0x7e0000000000), -ENOENT);
	assert_int_equal(rem(f, 0x100000 + PAGE, 4 * PAGE, 0x7f0000000000),
			 -ENOENT);
	assert_int_equal(f->mem.nregions, 2);
}

static void test_remove_twice_is_enoent(void **state)
{
	struct fixture *f = *state;

	add_two_adjacent(f);
	assert_int_equal(rem(f, 0x100000, 4 * PAGE, 0x7f0000000000), 0);
	assert_int_equal(rem(f, 0x100000, 4 * PAGE, 0x7f0000000000), -ENOENT);
}

/* mincore() on an address range that is not all mapped fails with ENOMEM. */
static bool is_mapped(void *addr, size_t len)
{
	unsigned char vec[64];

	assert_true((len + PAGE - 1) / PAGE <= sizeof(vec));
	if (mincore(addr, len, vec) == 0)
		return true;
	assert_int_equal(errno, ENOMEM);
	return false;
}

static void test_remove_unmaps(void **state)
{
	struct fixture *f = *state;
	void *addr;
	size_t len;

	add_two_adjacent(f);
	addr = f->mem.regions[0].mmap_addr;
	len = f->mem.regions[0].mmap_size;
	assert_true(is_mapped(addr, len));
	assert_int_equal(rem(f, 0x100000, 4 * PAGE, 0x7f0000000000), 0);
	assert_false(is_mapped(addr, len));
}

static void test_clear_unmaps_all(void **state)
{
	struct fixture *f = *state;
	struct guest_mem_region saved[2];
	uint64_t len = 1;

	add_two_adjacent(f);
	memcpy(saved, f->mem.regions, sizeof(saved));
	guest_mem_clear(&f->mem);
	assert_int_equal(f->mem.nregions, 0);
	assert_null(guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len));
	assert_false(is_mapped(saved[0].mmap_addr, saved[0].mmap_size));
	assert_false(is_mapped(saved[1].mmap_addr, saved[1].mmap_size));
	/* The table is usable again. */
	assert_int_equal(add(f, 0x100000, PAGE, 0x7f0000000000, 0), 0);
}

static void test_device_fd_refused(void **state)
{
	struct fixture *f = *state;
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(guest_mem_add_region(&f->mem, fd, 0x100000, PAGE,
					      0x7f0000000000, 0),
			 -EINVAL);
	close(fd);
}

/*
 * The front-end truncates the file behind a region we mapped: the access
 * that would die of SIGBUS reads zeroes instead, and the memory says it
 * faulted so that the connection can be ended.  Writes go nowhere.
 */
static void test_truncated_file_faults_softly(void **state)
{
	struct fixture *f = *state;
	uint64_t len = 2 * PAGE;
	volatile uint8_t *p;

	assert_int_equal(guest_mem_install_fault_handler(), 0);
	guest_mem_guard_thread(&f->mem);
	assert_int_equal(add(f, 0x100000, 2 * PAGE, 0x7f0000000000, 0), 0);
	put_file_byte(f, PAGE + 1, 0x5a);
	p = guest_mem_gpa_to_ptr(&f->mem, 0x100000, &len);
	assert_non_null(p);
	assert_int_equal(p[PAGE + 1], 0x5a);
	assert_false(f->mem.faulted);

	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(p[PAGE + 1], 0);
	assert_true(f->mem.faulted);
	/* The whole region is private memory now, the first page too. */
	p[0] = 1;
	assert_int_equal(p[0], 1);
	assert_int_equal(lseek(f->fd, 0, SEEK_END), 0);
	guest_mem_guard_thread(NULL);
	/* A new table starts without the mark. */
	guest_mem_clear(&f->mem);
	assert_false(f->mem.faulted);
}

/* A SIGBUS outside guest memory is a bug of ours: it still kills. */
static void test_other_sigbus_still_kills(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		volatile uint8_t *p;

		guest_mem_install_fault_handler();
		guest_mem_guard_thread(&f->mem);
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, f->fd, 0);
		if (p == MAP_FAILED || ftruncate(f->fd, 0) < 0)
			_exit(2);
		(void)p[0];
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_table_translates_nothing),
		T(test_add_records_region),
		T(test_translate_region_start),
		T(test_translate_region_last_byte),
		T(test_translate_outside_region_is_null),
		T(test_translate_clamps_at_region_end),
		T(test_translate_zero_length),
		T(test_translate_uva),
		T(test_unaligned_mmap_offset),
		T(test_writes_reach_the_file),
		T(test_fd_can_be_closed_after_add),
		T(test_translate_straddling_two_regions),
		T(test_translate_start_of_second_region),
		T(test_zero_size_refused),
		T(test_gpa_overflow_refused),
		T(test_uva_overflow_refused),
		T(test_mmap_offset_overflow_refused),
		T(test_region_at_top_of_address_space),
		T(test_region_beyond_file_refused),
		T(test_gpa_overlap_refused),
		T(test_uva_overlap_refused),
		T(test_adjacent_regions_accepted),
		T(test_full_table_refused),
		T(test_remove_frees_a_slot),
		T(test_bad_fd_refused),
		T(test_read_only_fd_refused),
		T(test_remove_exact_match),
		T(test_remove_mismatch_is_enoent),
		T(test_remove_twice_is_enoent),
		T(test_remove_unmaps),
		T(test_clear_unmaps_all),
		T(test_device_fd_refused),
		T(test_truncated_file_faults_softly),
		T(test_other_sigbus_still_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
