// SPDX-License-Identifier: MIT
#include "guest_mem.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Last byte of a range that must not wrap around the 64-bit space.  Ranges
 * are kept as [first, last] so that a region may end at UINT64_MAX.
 */
static bool range_last(uint64_t first, uint64_t size, uint64_t *last)
{
	if (size == 0 || first > UINT64_MAX - (size - 1))
		return false;
	*last = first + (size - 1);
	return true;
}

static bool ranges_overlap(uint64_t a_first, uint64_t a_last, uint64_t b_first,
			   uint64_t b_last)
{
	return a_first <= b_last && b_first <= a_last;
}

void guest_mem_init(struct guest_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
}

/* The guest memory the current thread touches, for the SIGBUS handler. */
static __thread struct guest_mem *thread_mem;
static size_t page_size;

void guest_mem_guard_thread(struct guest_mem *mem)
{
	thread_mem = mem;
}

/*
 * Runs on the thread whose access faulted (SIGBUS is synchronous), which is
 * the only thread that changes its guest_mem: the table can be read here.
 * mmap() is not on POSIX's async-signal-safe list, but it is a plain
 * system call that takes no lock of this process.
 */
static void on_sigbus(int sig, siginfo_t *info, void *context)
{
	struct guest_mem *mem = thread_mem;
	uintptr_t addr = (uintptr_t)info->si_addr;
	unsigned int i;

	for (i = 0; mem && i < mem->nregions; i++) {
		struct guest_mem_region *r = &mem->regions[i];
		uintptr_t start = (uintptr_t)r->mmap_addr;
		size_t len = (r->mmap_size + page_size - 1) & ~(page_size - 1);

		if (addr - start >= len)
			continue;
		if (mmap(r->mmap_addr, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			break;
		mem->faulted = 1;
		return;
	}
	/* Not guest memory: our bug.  Die of it once we return. */
	signal(SIGBUS, SIG_DFL);
}

int guest_mem_install_fault_handler(void)
{
	struct sigaction sa;
	long size = sysconf(_SC_PAGESIZE);

	page_size = size > 0 ? (size_t)size : 4096;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) < 0 ? -errno : 0;
}

static bool overlaps_existing(const struct guest_mem *mem, uint64_t gpa,
			      uint64_t gpa_last, uint64_t uva,
			      uint64_t uva_last)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (ranges_overlap(gpa, gpa_last, r->gpa, r->gpa + r->size - 1))
			return true;
		if (ranges_overlap(uva, uva_last, r->uva, r->uva + r->size - 1))
			return true;
	}
	return false;
}

/*
 * Guest memory is a file (memfd, shm, hugetlbfs): mapping a device such as
 * /dev/zero or /dev/mem, a directory or a socket is refused.  A mapping
 * that runs past the end of the file would fault with SIGBUS on access:
 * refuse that up front too (a file that shrinks later is the fault
 * handler's business).
 */
static int check_file(int fd, uint64_t mmap_size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size < mmap_size)
		return -EINVAL;
	return 0;
}

/*
 * Besides the errors the header lists, anything but a regular file at least
 * mmap_offset + size long is refused with -EINVAL (see check_file()).
 */
int guest_mem_add_region(struct guest_mem *mem, int fd, uint64_t gpa,
			 uint64_t size, uint64_t uva, uint64_t mmap_offset)
{
	struct guest_mem_region *r;
	uint64_t gpa_last, uva_last, mmap_last;
	void *addr;
	int ret;

	if (!range_last(gpa, size, &gpa_last) ||
	    !range_last(uva, size, &uva_last) ||
	    !range_last(mmap_offset, size, &mmap_last))
		return -EINVAL;
	/* The whole file prefix is mapped: its length must fit in size_t. */
	if (mmap_last >= SIZE_MAX)
		return -EINVAL;
	if (overlaps_existing(mem, gpa, gpa_last, uva, uva_last))
		return -EINVAL;
	if (mem->nregions == GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;

	ret = check_file(fd, mmap_last + 1);
	if (ret < 0)
		return ret;

	/*
	 * Map from file offset 0 rather than from mmap_offset: the VMM's offset
	 * need not be page aligned, and vhost-user defines the region as
	 * starting mmap_offset bytes into the mapping of the fd.
	 */
	addr = mmap(NULL, (size_t)(mmap_last + 1), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		return -errno;

	r = &mem->regions[mem->nregions++];
	r->gpa = gpa;
	r->size = size;
	r->uva = uva;
	r->mmap_offset = mmap_offset;
	r->mmap_addr = addr;
	r->mmap_size = (size_t)(mmap_last + 1);
	return 0;
}

int guest_mem_remove_region(struct guest_mem *mem, uint64_t gpa, uint64_t size,
			    uint64_t uva)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		struct guest_mem_region *r = &mem->regions[i];

		if (r->gpa != gpa || r->size != size || r->uva != uva)
			continue;
		munmap(r->mmap_addr, r->mmap_size);
		/* Keep the table dense; order does not matter to lookups. */
		memmove(r, r + 1, (mem->nregions - i - 1) * sizeof(*r));
		mem->nregions--;
		memset(&mem->regions[mem->nregions], 0, sizeof(*r));
		return 0;
	}
	return -ENOENT;
}

void guest_mem_clear(struct guest_mem *mem)
{
	for (unsigned int i = 0; i < mem->nregions; i++)
		munmap(mem->regions[i].mmap_addr, mem->regions[i].mmap_size);
	guest_mem_init(mem);
}

static void *region_ptr(const struct guest_mem_region *r, uint64_t offset,
			uint64_t *len)
{
	uint64_t left = r->size - offset;

	if (*len > left)
		*len = left;
	return (uint8_t *)r->mmap_addr + r->mmap_offset + offset;
}

void *guest_mem_gpa_to_ptr(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t *len)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		/* Unsigned difference: also false when gpa < r->gpa. */
		if (gpa - r->gpa < r->size)
			return region_ptr(r, gpa - r->gpa, len);
	}
	return NULL;
}

void *guest_mem_uva_to_ptr(const struct guest_mem *mem, uint64_t uva,
			   uint64_t *len)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (uva - r->uva < r->size)
			return region_ptr(r, uva - r->uva, len);
	}
	return NULL;
}
