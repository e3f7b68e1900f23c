/* The kernel command line: space-separated key=value words (kernel/cmdline.c). */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#include <mica/types.h>

void cmdline_init(const char *s);
/* Copies the value of `key=` into buf. Returns its length, -ENOENT if absent, -E2BIG if it
 * did not fit (buf then holds a terminated prefix). A bare `key` has the value "". */
int cmdline_get(const char *key, char *buf, size_t size);
/* Parses `key=` as a number; returns def if absent, and reports a malformed value. */
unsigned long cmdline_get_ulong(const char *key, unsigned long def);
const char *cmdline_raw(void);

#endif
