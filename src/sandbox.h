/* SPDX-License-Identifier: MIT */
/*
 * The daemon's system-call filter (seccomp, through libseccomp): once the
 * sockets are bound and the chips open, only the calls serving needs are
 * allowed; any other call kills the whole process (SIGSYS).
 */
#ifndef VDG_SANDBOX_H
#define VDG_SANDBOX_H

/*
 * Installs the filter on every thread of the calling process
 * (SECCOMP_FILTER_FLAG_TSYNC), with no_new_privs set.  Irreversible.
 * Returns 0 or -errno: -ENOSYS when the kernel has no seccomp at all
 * (CONFIG_SECCOMP), -EOPNOTSUPP when it has no seccomp filters
 * (CONFIG_SECCOMP_FILTER), else what the kernel or libseccomp said.
 */
int sandbox_install(void);

/* Why sandbox_install() returned @err, for a message. */
const char *sandbox_strerror(int err);

#endif
