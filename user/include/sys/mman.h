/*
 * <sys/mman.h> for Mica (newlib has none): anonymous memory mappings. The PROT_ and MAP_
 * values are the kernel's own, from <mica/abi.h> (Linux's numbers). user/lib/posix.c.
 */
#ifndef MICA_USER_SYS_MMAN_H
#define MICA_USER_SYS_MMAN_H

#include <mica/abi.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Maps len bytes (MAP_ANONYMOUS | MAP_PRIVATE or MAP_SHARED; fd -1, off 0: there are no
 * files yet) with prot; at addr exactly with MAP_FIXED, else addr is a hint. Returns the
 * address, or MAP_FAILED with errno set.
 */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* Unmaps [addr, addr + len). Returns 0, or -1 with errno set. */
int munmap(void *addr, size_t len);

/* Changes the protection of [addr, addr + len) to prot. Returns 0, or -1 with errno set. */
int mprotect(void *addr, size_t len, int prot);

/* Advice on [addr, addr + len): MADV_DONTNEED drops the pages (they read as zeros next
 * time); MADV_NORMAL, _RANDOM, _SEQUENTIAL, _WILLNEED are accepted and ignored. Returns 0,
 * or -1 with errno set (EINVAL, ENOMEM for a range not wholly mapped). */
int madvise(void *addr, size_t len, int advice);

#ifdef __cplusplus
}
#endif

#endif
