/*
 * The five entry operations of <mica/pgtable.h> for one upper level, for ports whose upper-level
 * entries all share one format (x86-64, RISC-V). The port defines, before using the macro:
 *   u64 arch_table_entry(void *table)    the entry that points at a next-level table
 *   void *arch_entry_table(u64 entry)    the table an entry points at
 *   int arch_entry_bad(u64 entry)        present but not a table (a kernel leaf), or junk
 * and then writes DEFINE_TABLE_ENTRY_OPS(pud) for each level it does not fold.
 */
#ifndef MICA_PGTABLE_TABLE_OPS_H
#define MICA_PGTABLE_TABLE_OPS_H

#define DEFINE_TABLE_ENTRY_OPS(L)                               \
	static inline int L##_none(L##_t e)                     \
	{                                                       \
		return e.val == 0;                              \
	}                                                       \
	static inline int L##_bad(L##_t e)                      \
	{                                                       \
		return arch_entry_bad(e.val);                   \
	}                                                       \
	static inline void L##_clear(L##_t *ep)                 \
	{                                                       \
		WRITE_ONCE(ep->val, 0);                         \
	}                                                       \
	static inline void L##_populate(L##_t *ep, void *table) \
	{                                                       \
		WRITE_ONCE(ep->val, arch_table_entry(table));   \
	}                                                       \
	static inline void *L##_table(L##_t e)                  \
	{                                                       \
		return arch_entry_table(e.val);                 \
	}

#endif
