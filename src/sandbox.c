// SPDX-License-Identifier: MIT
/*
 * The allow-list was derived with strace -f on the daemon through the
 * integration suites, completed by reading the sources' system-call
 * wrappers (below), and checked by the end-to-end scenarios (real guests,
 * and the host-chip back-end on gpio-sim chips), which run the daemon with
 * the filter on: every call made after start-up, and nothing else.  What
 * start-up alone needs (open, socket, bind, listen, mkdir, rename, clone
 * for the serving threads, ...) is not in it: by the time the filter goes
 * in, the sockets are bound, the chips open and the threads running.
 *
 * The default action kills the process rather than returning EPERM: a call
 * outside the list means either a bug or code the guest or VMM subverted,
 * and neither should be left running on an error path nobody has tested.
 * A kill is loud (the VMM sees the socket close, the kernel logs it, the
 * parent sees SIGSYS) and leaves nothing half-done.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/gpio.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>

/*
 * Calls allowed with any arguments.  strace -f through the integration
 * suites (daemon, irq, soak) showed, after the seccomp() call: accept4
 * close epoll_ctl epoll_wait exit exit_group futex madvise mmap mprotect
 * munmap newfstatat read recvfrom recvmsg rseq rt_sigprocmask
 * rt_sigtimedwait sendmsg sendto set_robust_list unlink write.  The rest
 * are what those same paths may need on other architectures or glibc
 * versions (epoll_pwait, ppoll, unlinkat, fstat), on paths the traces
 * could not be relied on to reach, found by reading every system-call
 * wrapper the sources call (poll in vu_msg.c's wait for the rest of a
 * message, brk and mremap in malloc/realloc, fcntl and the GPIO ioctls of
 * the host-chip back-end, clock_gettime without the vDSO), or to die the
 * intended way (abort(): rt_sigaction, getpid, gettid, tgkill).
 * rseq and set_robust_list are a new thread's first calls: a serving thread
 * just created may make them after the filter is in.
 */
static const char *const allowed[] = {
	/* memory: malloc (brk, mmap arenas), guest memory, thread stacks */
	"brk",
	"mmap",
	"munmap",
	"mprotect",
	"madvise",
	"mremap",
	/* I/O on the fds already open: log lines, eventfds, line events */
	"read",
	"write",
	"close",
	"fstat",
	"newfstatat",
	"fcntl",
	/* vhost-user and control sockets */
	"accept4",
	"recvmsg",
	"sendmsg",
	"recvfrom",
	"sendto",
	/* the event loops; the wait for the rest of a message (vu_msg.c) */
	"epoll_wait",
	"epoll_pwait",
	"epoll_ctl",
	"poll",
	"ppoll",
	/* threads: locks, joins, thread start and exit */
	"futex",
	"set_robust_list",
	"rseq",
	"exit",
	"exit_group",
	/* signals: the main thread's sigwait(); abort() */
	"rt_sigreturn",
	"rt_sigprocmask",
	"rt_sigtimedwait",
	"rt_sigaction",
	"getpid",
	"gettid",
	"tgkill",
	/* time (the vDSO's fallback); glibc's CPU count after a refused open */
	"clock_gettime",
	"sched_getaffinity",
	/* timed stimulus (sim_play.c): its timerfd is made before the filter */
	"timerfd_settime",
	/* shutdown: removing our socket files */
	"unlink",
	"unlinkat",
};

/* Calls that fail with EACCES instead of killing: see sandbox_install(). */
static const char *const refused_opens[] = {"open", "openat"};

/* The GPIO character device's ioctls serving uses; no other ioctl. */
static const unsigned long gpio_ioctls[] = {
	GPIO_V2_GET_LINEINFO_IOCTL,    GPIO_V2_GET_LINE_IOCTL,
	GPIO_V2_LINE_SET_CONFIG_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL,
	GPIO_V2_LINE_SET_VALUES_IOCTL,
};

/* One rule with @action per call of @names this architecture has. */
static int add_rules(scmp_filter_ctx ctx, uint32_t action,
		     const char *const *names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int ret;

		/* Not a call of this architecture (say epoll_wait on arm64). */
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;
		ret = seccomp_rule_add(ctx, action, nr, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Whether the kernel takes seccomp filters at all, asked without side
 * effects (libseccomp reports a kernel without them as a failed
 * seccomp_init(), which reads as ENOMEM): PR_GET_SECCOMP fails with EINVAL
 * only without CONFIG_SECCOMP; PR_SET_SECCOMP with a NULL filter program
 * fails with EFAULT when filters are supported (the program is read
 * first, and nothing is installed) and with EINVAL without
 * CONFIG_SECCOMP_FILTER.  Returns 0 (supported, or cannot tell), -ENOSYS
 * or -EOPNOTSUPP.
 */
static int kernel_support(void)
{
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		return -ENOSYS;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 &&
	    errno == EINVAL)
		return -EOPNOTSUPP;
	return 0;
}

const char *sandbox_strerror(int err)
{
	switch (err) {
	case -ENOSYS:
		return "this kernel has no seccomp support (CONFIG_SECCOMP)";
	case -EOPNOTSUPP:
		return "this kernel has no seccomp filter support "
		       "(CONFIG_SECCOMP_FILTER)";
	default:
		return strerror(-err);
	}
}

int sandbox_install(void)
{
	scmp_filter_ctx ctx;
	size_t i;
	int ret, support;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		support = kernel_support();
		return support < 0 ? support : -ENOMEM;
	}
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (ret < 0)
		goto out;
	/* The kernel's own errno from seccomp_load(), not ECANCELED. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (ret < 0)
		goto out;
	ret = add_rules(ctx, SCMP_ACT_ALLOW, allowed,
			sizeof(allowed) / sizeof(allowed[0]));
	if (ret < 0)
		goto out;
	/*
	 * glibc opens files lazily behind our back: malloc counts the CPUs
	 * (/sys/devices/system/cpu/online) when many threads first allocate.
	 * An error makes it fall back to a default; a kill there would take
	 * down a daemon serving dozens of guests.  Opening stays impossible.
	 */
	ret = add_rules(ctx, SCMP_ACT_ERRNO(EACCES), refused_opens,
			sizeof(refused_opens) / sizeof(refused_opens[0]));
	if (ret < 0)
		goto out;
	for (i = 0; i < sizeof(gpio_ioctls) / sizeof(gpio_ioctls[0]); i++) {
		/* The kernel's request is an unsigned int: compare 32 bits. */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					       gpio_ioctls[i] & 0xffffffffu));
		if (ret < 0)
			goto out;
	}
	ret = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	if (ret < 0) {
		support = kernel_support();
		if (support < 0)
			ret = support;
	}
	return ret;
}
