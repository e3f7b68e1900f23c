/* What kernel/mm's files share and nobody else needs. */
#ifndef MICA_MM_INTERNAL_H
#define MICA_MM_INTERNAL_H

#include <mica/mm.h>

/* True if fault injection picks this allocation to fail (fault_inject.c). Any context. */
bool fault_should_fail(gfp_t gfp);
/* Reads fail_alloc= from the command line (fault_inject.c). */
void fault_inject_boot(void);
/* Creates the kmalloc caches (slab.c). */
void kmalloc_init(void);

#endif
