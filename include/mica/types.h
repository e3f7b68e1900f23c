/* Fixed-width types. Only the compiler's freestanding headers are used: no libc in the kernel. */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* u32 is unsigned int on every port, so "%x" fits it everywhere (arm-none-eabi's uint32_t is
 * unsigned long, which would make printk formats differ per port). */
typedef uint8_t u8;
typedef uint16_t u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int s32;
typedef long long s64;
_Static_assert(sizeof(u32) == 4 && sizeof(u64) == 8, "Mica assumes 32-bit int, 64-bit long long");

/* Physical addresses are 64-bit on every port (ARMv7 LPAE-free, but keeps one type). */
typedef u64 phys_addr_t;
typedef long ssize_t;

#endif
