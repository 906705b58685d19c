/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the regions a VMM shares with SET_MEM_TABLE / ADD_MEM_REG,
 * mapped into this process, and translation of guest-physical (GPA) and VMM
 * user-virtual (UVA) addresses into pointers.
 *
 * Every translation is clamped at the end of its region: callers get at most
 * the number of bytes that are really mapped behind the pointer, so a buffer
 * that runs past a region can never be read or written past the mapping.
 */
#ifndef VDG_GUEST_MEM_H
#define VDG_GUEST_MEM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What GET_MAX_MEM_SLOTS reports, and the size of the region table. */
#define GUEST_MEM_MAX_REGIONS 32

struct guest_mem_region {
	uint64_t gpa;	      /* guest physical address of the first byte */
	uint64_t size;	      /* bytes */
	uint64_t uva;	      /* the VMM's user address of the first byte */
	uint64_t mmap_offset; /* offset of the first byte in the mapped fd */
	void *mmap_addr;      /* our mapping, starting at file offset 0 */
	size_t mmap_size;     /* mmap_offset + size, as mapped */
};

struct guest_mem {
	unsigned int nregions;
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	/*
	 * A region's file shrank under us and an access faulted: the region
	 * now maps zeroed private memory (see guest_mem_guard_thread), and
	 * the front-end that did it is to be disconnected.
	 */
	volatile sig_atomic_t faulted;
};

void guest_mem_init(struct guest_mem *mem);

/*
 * Guest memory belongs to the front-end, which may truncate the file behind
 * a region after we mapped it: the next access then raises SIGBUS, which
 * would kill the daemon with every other front-end's device.  As libwayland
 * does for its clients' shared memory, a SIGBUS handler maps zeroed private
 * memory over the whole region the access hit, lets the access complete and
 * sets mem->faulted, so that the caller can end that one connection.
 *
 * guest_mem_install_fault_handler() installs the handler for the process
 * (once, at start-up: returns 0 or -errno); guest_mem_guard_thread() says
 * which guest memory the calling thread accesses (each serving thread owns
 * one; NULL: none).  A SIGBUS outside guarded guest memory still kills the
 * process, as it should.
 */
int guest_mem_install_fault_handler(void);
void guest_mem_guard_thread(struct guest_mem *mem);

/*
 * Maps @size bytes at @mmap_offset of @fd (shared, read-write) and records the
 * region.  The fd is never kept: the caller closes it whether this succeeds
 * or not.  Returns 0, -EINVAL for a zero size, an overflowing range, a range
 * overlapping an existing region (in GPA or UVA), or a @fd that is not a
 * regular file at least @mmap_offset + @size bytes long, -ENOSPC when the
 * table is full, or the -errno of a failed mmap.
 */
int guest_mem_add_region(struct guest_mem *mem, int fd, uint64_t gpa,
			 uint64_t size, uint64_t uva, uint64_t mmap_offset);

/*
 * Unmaps and forgets the region that matches @gpa, @size and @uva exactly.
 * Returns 0 or -ENOENT.
 */
int guest_mem_remove_region(struct guest_mem *mem, uint64_t gpa, uint64_t size,
			    uint64_t uva);

/* Unmaps every region. */
void guest_mem_clear(struct guest_mem *mem);

/*
 * Pointer to guest-physical address @gpa, or NULL if it is not in a region.
 * On entry *@len is the number of bytes wanted; on return it is the number of
 * contiguous bytes available behind the pointer (at most the wanted count,
 * fewer when the region ends first).  A caller that needs all of it loops
 * over consecutive translations.
 */
void *guest_mem_gpa_to_ptr(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t *len);

/* The same for an address in the VMM's address space (vring addresses). */
void *guest_mem_uva_to_ptr(const struct guest_mem *mem, uint64_t uva,
			   uint64_t *len);

#endif
