/* Helpers the firmware hand-offs use to fill struct boot_info. */
#include <mica/bootinfo.h>
#include <mica/printk.h>
#include <mica/string.h>

/* Appends to a region table of MAX_MEM_REGIONS, saying what was dropped if it is full. */
static void add_region(struct mem_region *table, unsigned *n, const char *what, phys_addr_t base,
		       u64 size)
{
	if (!size)
		return;
	if (*n == MAX_MEM_REGIONS) {
		pr_warn("boot: more than %d %s regions; ignoring 0x%llx+0x%llx", MAX_MEM_REGIONS,
			what, (unsigned long long)base, (unsigned long long)size);
		return;
	}
	table[(*n)++] = (struct mem_region){ base, size };
}

void boot_add_mem(struct boot_info *bi, phys_addr_t base, u64 size)
{
	add_region(bi->mem, &bi->nmem, "RAM", base, size);
}

void boot_add_reserved(struct boot_info *bi, phys_addr_t base, u64 size)
{
	add_region(bi->reserved, &bi->nreserved, "reserved", base, size);
}

void boot_add_cpu(struct boot_info *bi, unsigned long hwid)
{
	if (bi->ncpus == NR_CPUS) {
		pr_warn("boot: more than NR_CPUS=%d CPUs; cpu with hwid 0x%lx stays offline",
			NR_CPUS, hwid);
		return;
	}
	bi->cpu_hwid[bi->ncpus++] = hwid;
}

void boot_set_cmdline(struct boot_info *bi, const char *s)
{
	if (strscpy(bi->cmdline, s, sizeof(bi->cmdline)) < 0)
		pr_warn("boot: command line longer than %d bytes was cut", CMDLINE_MAX - 1);
}
