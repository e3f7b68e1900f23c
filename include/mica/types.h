/* Fixed-width types. Only the compiler's freestanding headers are used: no libc in the kernel. */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Physical addresses are 64-bit on every port (ARMv7 LPAE-free, but keeps one type). */
typedef u64 phys_addr_t;
typedef long ssize_t;

#endif
