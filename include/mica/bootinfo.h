/* What the firmware hand-off (boot/) tells start_kernel(), in a form no port needs to parse. */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include <mica/cpu.h>
#include <mica/types.h>

#define MAX_MEM_REGIONS 16
#define CMDLINE_MAX 512

struct mem_region {
	phys_addr_t base;
	u64 size;
};

struct boot_info {
	char cmdline[CMDLINE_MAX];
	unsigned nmem;
	struct mem_region mem[MAX_MEM_REGIONS]; /* RAM, as the firmware reports it */
	unsigned nreserved;
	struct mem_region reserved[MAX_MEM_REGIONS]; /* RAM the kernel must not hand out:
						      * firmware, the device tree itself */
	unsigned ncpus;			      /* CPUs the firmware lists, boot CPU included */
	unsigned long cpu_hwid[NR_CPUS];      /* firmware ids; [0] is the boot CPU */
	phys_addr_t kernel_start, kernel_end; /* the kernel image, [start, end) */
};

/* Adds a RAM region; regions past MAX_MEM_REGIONS are reported and dropped, never silently. */
void boot_add_mem(struct boot_info *bi, phys_addr_t base, u64 size);
/* Records RAM that firmware keeps for itself (or the boot data), again never silently dropped. */
void boot_add_reserved(struct boot_info *bi, phys_addr_t base, u64 size);
/* Adds a CPU by firmware id; the boot CPU must be added first. Extra CPUs past NR_CPUS are
 * reported and left offline. */
void boot_add_cpu(struct boot_info *bi, unsigned long hwid);
/* Copies the command line, reporting truncation. */
void boot_set_cmdline(struct boot_info *bi, const char *s);

/* Parses a flattened device tree (riscv, arm): memory, /reserved-memory and the header's
 * reservation block (plus the blob itself), cpus, /chosen/bootargs. The boot CPU's
 * hwid must already be in bi (riscv knows it from a0; arm reads MPIDR). Returns 0 or -EINVAL
 * for a blob that is not a valid FDT. */
int fdt_parse(const void *fdt, struct boot_info *bi);

/* The arch-neutral bring-up, entered once on the boot CPU with a filled boot_info, the MMU on,
 * a kernel stack and interrupts masked. Never returns. */
void start_kernel(struct boot_info *bi) __noreturn;

#endif
