/* Symbol lookups over the table scripts/kallsyms.py generates (sorted by address). */
#include <mica/kallsyms.h>
#include <mica/string.h>
#include <mica/types.h>

/* Defined in the generated build/<arch>/kallsyms.c. */
extern const unsigned long kallsyms_num;
extern const unsigned long kallsyms_addrs[];
extern const unsigned long kallsyms_sizes[];
extern const unsigned int kallsyms_name_offs[];
extern const char kallsyms_names[];

const char *kallsyms_lookup(unsigned long addr, unsigned long *off, unsigned long *size)
{
	unsigned long lo = 0, hi = kallsyms_num;

	/* Binary search for the last symbol starting at or below addr. */
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (kallsyms_addrs[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	lo--;
	if (addr - kallsyms_addrs[lo] >= kallsyms_sizes[lo])
		return NULL;
	*off = addr - kallsyms_addrs[lo];
	*size = kallsyms_sizes[lo];
	return &kallsyms_names[kallsyms_name_offs[lo]];
}

unsigned long kallsyms_address(const char *name)
{
	for (unsigned long i = 0; i < kallsyms_num; i++)
		if (!strcmp(&kallsyms_names[kallsyms_name_offs[i]], name))
			return kallsyms_addrs[i];
	return 0;
}
