/* free: memory and the kernel's counters (SYS_mica_stats), like free(1) and vmstat(8). */
#include <mica.h>
#include <stdio.h>

int main(void)
{
	struct mica_stats s;

	if (mica_stats(&s, sizeof(s)) < 0) {
		perror("free");
		return 1;
	}
	printf("memory:   %8llu KiB total, %8llu KiB free, %8llu KiB used\n", s.total_pages * 4,
	       s.free_pages * 4, (s.total_pages - s.free_pages) * 4);
	printf("faults:   %llu demand-zero, %llu copy-on-write copies, %llu reuses, "
	       "%llu young/dirty, %llu spurious, %llu out of memory\n",
	       s.faults_demand_zero, s.faults_cow_copy, s.faults_cow_reuse, s.faults_young_dirty,
	       s.faults_spurious, s.faults_oom);
	printf("tlb:      %llu flush requests: %llu range and %llu full local invalidations, "
	       "%llu IPI rounds\n",
	       s.tlb_flushes, s.tlb_local_range, s.tlb_local_all, s.tlb_ipis);
	if (s.tlb_model_on)
		printf("tlb model: %llu records, %llu awaiting a flush now, at most %llu at once, "
		       "%llu overflows\n",
		       s.tlb_model_recorded, s.tlb_model_pending, s.tlb_model_max_pending,
		       s.tlb_model_overflows);
	else
		printf("tlb model: off (tlb_model=0)\n");
	printf("gather:   %llu batches added, %llu flushes forced (%llu no memory, %llu cap), "
	       "%llu need_resched breaks, %llu forced full flushes\n",
	       s.gather_batches_allocated, s.gather_batch_alloc_failed + s.gather_batch_cap_hit,
	       s.gather_batch_alloc_failed, s.gather_batch_cap_hit, s.gather_resched_breaks,
	       s.gather_forced_full_flushes);
	printf("tables:   %llu freed after RCU, %llu after an IPI to every CPU\n",
	       s.tables_freed_rcu, s.tables_freed_ipi);
	printf("spaces:   %llu remote fences, %llu lazy CPUs skipped, %llu lazy-MMU batches, "
	       "%llu ASID rollovers, %llu shared-page faults, %llu pages migrated\n",
	       s.tlb_remote_fences, s.tlb_lazy_skips, s.lazy_mmu_batches, s.asid_rollovers,
	       s.faults_shared, s.pages_migrated);
	printf("swap:     %llu of %llu slots in use, %llu pages out, %llu in (+%llu from the swap "
	       "cache), %llu slot writes, %llu skipped (clean)\n",
	       s.swap_slots_used, s.swap_slots, s.swap_out, s.swap_in, s.swap_cache_hits,
	       s.swap_writes, s.swap_writes_skipped);
	printf("reclaim:  %llu pages on the LRU, %llu scanned, %llu second chances, %llu freed, "
	       "%llu allocations stalled\n",
	       s.lru_pages, s.reclaim_scanned, s.reclaim_rotated, s.reclaim_freed, s.alloc_stalls);
	printf("latency:  longest preempt-off %llu us, irqs-off %llu us\n",
	       s.max_preempt_off_ns / 1000, s.max_irqs_off_ns / 1000);
	printf("tasks:    %llu processes, %llu threads (kernel threads included)\n", s.nr_processes,
	       s.nr_threads);
	return 0;
}
