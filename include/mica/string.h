/* The kernel's own small string library (kernel/lib/string.c). */
#ifndef MICA_STRING_H
#define MICA_STRING_H

#include <mica/types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* The first byte equal to c in [s, s+n), or NULL. */
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates. Returns the length copied, or -E2BIG if src
 * did not fit (dst then holds the truncated prefix). */
ssize_t strscpy(char *dst, const char *src, size_t size);
/* Parses an unsigned number in base 10, or base 16 with a 0x prefix. Returns 0, or -EINVAL when
 * s is not entirely a number or it overflows. */
int kstrtoul(const char *s, unsigned long *out);

#endif
