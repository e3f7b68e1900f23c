/*
 * usertests' memory-management cases: mmap, brk, pinned writes, faults racing munmap,
 * madvise, a 256 MiB process's exit, migration, shared mappings. Each runs in its own child
 * process (user/usertests.c, the runner).
 */
#include "usertests.h"

static char *touch_target;

static void write_target(void)
{
	*touch_target = 1; /* must kill this process */
}

void mmap_semantics_and_errors(void)
{
	size_t pg = 4096;
	char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (int i = 0; i < 4; i++)
		CHECK(p[i * pg] == 0); /* demand-zero */
	memset(p, 7, 4 * pg);
	/* a hole in the middle: touching it kills */
	CHECK(munmap(p + pg, pg) == 0);
	touch_target = p + pg;
	status = in_child(write_target);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHECK(p[0] == 7 && p[2 * pg] == 7);
	/* read-only: writing kills, reading works */
	CHECK(mprotect(p + 2 * pg, pg, PROT_READ) == 0);
	touch_target = p + 2 * pg;
	status = in_child(write_target);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHECK(p[2 * pg] == 7);
	/* MAP_FIXED over the hole */
	CHECK(mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		   0) == p + pg);
	CHECK(p[pg] == 0);
	/* errors */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, 0x80, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 3, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(p + 1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		  MAP_FAILED &&
	      errno == ENOMEM);
	CHECK(munmap(p + 1, pg) == -1 && errno == EINVAL);
	CHECK(munmap(p, 0) == -1 && errno == EINVAL);
	CHECK(mprotect(p + 1, pg, PROT_READ) == -1 && errno == EINVAL);
	CHECK(munmap(p, 4 * pg) == 0);
	CHECK(mprotect(p, pg, PROT_READ) == -1 && errno == ENOMEM); /* nothing mapped */
	CHECK(munmap(p, 4 * pg) == 0);				    /* a hole: fine */
}

void brk_grows_and_shrinks(void)
{
	char *start = sbrk(0), *q;

	CHECK(start != (char *)-1);
	CHECK(sbrk(64 * 1024) == start);
	q = sbrk(0);
	CHECK(q == start + 64 * 1024);
	memset(start, 0x5a, 64 * 1024);
	CHECK(start[64 * 1024 - 1] == 0x5a);
	CHECK(sbrk(-32 * 1024) == q);
	CHECK(sbrk(0) == start + 32 * 1024);
	CHECK(start[100] == 0x5a);
	/* malloc on top of it */
	{
		char *m = malloc(200000);

		CHECK(m != NULL);
		if (m) {
			memset(m, 1, 200000);
			free(m);
		}
	}
}

/* write() of more than a page goes through pinned pages (get_user_pages_fast): all of it,
 * then stopping exactly at a hole, then -EFAULT for a buffer that starts in one. The bytes
 * are newlines, so the console shows only blank lines. */
void large_write_is_pinned_and_stops_at_a_hole(void)
{
	size_t pg = 4096, n = 24 * pg;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, '\n', n);
	CHECK(write(1, p, 3 * pg) == (ssize_t)(3 * pg));
	CHECK(munmap(p + 20 * pg, pg) == 0);
	CHECK(write(1, p + 17 * pg, 5 * pg) == (ssize_t)(3 * pg)); /* up to the hole */
	CHECK(write(1, p + 20 * pg, 2 * pg) == -1 && errno == EFAULT);
	CHECK(munmap(p, n) == 0);
}

static volatile char *shared_area;

static void *reader_thread(void *arg)
{
	(void)arg;
	for (;;)
		(void)shared_area[0]; /* until the area vanishes: the process is killed */
	return NULL;
}

/* In a child: one thread reads an area while the other unmaps it. The reader faults on the
 * unmapped page and the whole process dies of SIGSEGV, cleanly. */
static void fault_while_unmapping_child(void)
{
	mica_thread_t th;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	shared_area = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared_area[0] = 1;
	mica_thread_create(&th, reader_thread, NULL);
	nanosleep(&ts, NULL);
	munmap((void *)shared_area, 4096);
	mica_thread_join(th, NULL); /* never returns: the reader's fault kills us */
	failures++;
}

void thread_faults_while_another_unmaps(void)
{
	for (int i = 0; i < 3; i++) {
		int status = in_child(fault_while_unmapping_child);

		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	}
}

/* madvise(MADV_DONTNEED) drops pages (the kernel's zap of a range, MG-6): they read as
 * zeros afterwards, their neighbours keep their data, and the hints change nothing. */
void madvise_dontneed_zeroes_and_errors(void)
{
	size_t pg = 4096;
	char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long before;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 9, 8 * pg);
	before = free_pages();
	CHECK(madvise(p + 2 * pg, 4 * pg, MADV_DONTNEED) == 0);
	CHECK(free_pages() >= before + 4); /* the four pages went back */
	for (int i = 0; i < 8; i++)
		CHECK(p[i * pg] == (i >= 2 && i < 6 ? 0 : 9) && p[i * pg + pg - 1] == p[i * pg]);
	memset(p + 3 * pg, 5, pg); /* a dropped page works again */
	CHECK(p[3 * pg] == 5 && p[4 * pg] == 0);
	CHECK(madvise(p, 8 * pg, MADV_WILLNEED) == 0 && p[0] == 9 && p[3 * pg] == 5);
	CHECK(madvise(p, 0, MADV_DONTNEED) == 0 && p[0] == 9);
	CHECK(madvise(p + 1, pg, MADV_DONTNEED) == -1 && errno == EINVAL);
	CHECK(madvise(p, pg, 99) == -1 && errno == EINVAL);
	CHECK(madvise(p, (size_t)-4096, MADV_DONTNEED) == -1 && errno == ENOMEM);
	/* a hole in the range: -ENOMEM, and the mapped part is dropped all the same */
	CHECK(munmap(p + 7 * pg, pg) == 0);
	CHECK(madvise(p + 6 * pg, 2 * pg, MADV_DONTNEED) == -1 && errno == ENOMEM);
	CHECK(p[6 * pg] == 0 && p[0] == 9);
	CHECK(munmap(p, 8 * pg) == 0);
}

/* A process of 256 MiB, every page written, exits: the full-mm gather (MG-6) tears it down
 * under the TLB model (TLB-6), which checks every one of its frames as it is freed. */
#define BIG_MB 256UL
#define BIG_PAGES (BIG_MB << 20 >> 12)

static void big_process(void)
{
	unsigned long *p =
	    mmap(NULL, BIG_MB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const unsigned long words = 4096 / sizeof(*p); /* per page */
	unsigned long bad = 0;

	if (p == MAP_FAILED)
		_exit(2);
	for (unsigned long i = 0; i < BIG_PAGES; i++)
		p[i * words + i % words] = i;
	for (unsigned long i = 0; i < BIG_PAGES; i++)
		bad += p[i * words + i % words] != i;
	_exit(bad ? 3 : 0);
}

void exit_of_a_256_mib_process_with_the_tlb_model_on(void)
{
	struct mica_stats s0, s1;
	struct timespec t0, t1;
	unsigned long long before;
	int status = -1;
	pid_t pid;

	before = settled_free_pages(0);
	if (before < BIG_PAGES + 8192) {
		printf("    # needs %lu MiB free, has %llu MiB: boot with -m 512M\n", BIG_MB + 32,
		       before >> 8);
		_exit(SKIP_STATUS);
	}
	CHECK(mica_stats(&s0, sizeof(s0)) == sizeof(s0));
	CHECK(s0.tlb_model_on == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0)
		big_process();
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(settled_free_pages(before) == before);
	CHECK(mica_stats(&s1, sizeof(s1)) == sizeof(s1));
	printf("    # %lu MiB written and torn down in %ld ms; the model made %llu records, "
	       "at most %llu alive at once, %llu alive now, %llu overflows\n",
	       BIG_MB, (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
	       s1.tlb_model_recorded - s0.tlb_model_recorded, s1.tlb_model_max_pending,
	       s1.tlb_model_pending, s1.tlb_model_overflows);
	CHECK(s1.tlb_model_recorded - s0.tlb_model_recorded >= BIG_PAGES);
	CHECK(s1.tlb_model_pending == 0);
	CHECK(s1.tlb_model_overflows == 0);
}

/* Migration through the debug call: a page shared by a parent and its forked child moves
 * while both keep reading it, and a page written by two threads moves under their writes;
 * nothing is lost (the kernel's rmap finds every mapping), and bad arguments are errors. */
static volatile unsigned long *mig_page;
static volatile int mig_stop;

static void *mig_writer_thread(void *arg)
{
	unsigned long slot = (unsigned long)arg;

	for (int i = 0; i < 20000; i++)
		mig_page[slot]++;
	return NULL;
}

void migration_keeps_every_mapping_and_every_write(void)
{
	size_t pg = 4096;
	unsigned long *shared =
	    mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mica_thread_t th[2];
	int status, moved = 0;
	pid_t pid;

	CHECK(shared != MAP_FAILED);
	if (shared == MAP_FAILED)
		return;
	shared[0] = 0xfeed;
	pid = fork();
	if (pid == 0) { /* the child reads the shared page while the parent moves it */
		for (int i = 0; i < 200000; i++)
			if (shared[0] != 0xfeed)
				_exit(3);
		_exit(0);
	}
	/* EAGAIN is a normal answer (the child's exit, say, holds the page for a moment):
	 * keep asking until 50 moves, within a bound. */
	for (int i = 0; i < 5000 && moved < 50; i++)
		if (mica_migrate(shared) == 0)
			moved++;
		else
			sched_yield();
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(shared[0] == 0xfeed);
	CHECK(moved == 50);

	mig_page = (volatile unsigned long *)((char *)shared + pg);
	CHECK(mica_thread_create(&th[0], mig_writer_thread, (void *)0) == 0);
	CHECK(mica_thread_create(&th[1], mig_writer_thread, (void *)1) == 0);
	for (int i = 0; i < 100; i++)
		moved += mica_migrate((void *)mig_page) == 0;
	CHECK(mica_thread_join(th[0], NULL) == 0 && mica_thread_join(th[1], NULL) == 0);
	CHECK(mig_page[0] == 20000 && mig_page[1] == 20000);
	printf("    # %d pages moved\n", moved);

	CHECK(mica_migrate((char *)shared + 1) == -1 && errno == EINVAL);
	CHECK(munmap(shared, 2 * pg) == 0);
	CHECK(mica_migrate(shared) == -1 && errno == EFAULT);
	CHECK(mica_migrate(BAD_KERNEL) == -1 && errno == EFAULT);
}

/* A MAP_SHARED|MAP_ANONYMOUS counter incremented by a child is seen by its parent; a private
 * mapping beside it stays private (the child's writes to it are its own copies). */
void shared_mapping_is_shared_across_fork_and_private_stays_private(void)
{
	size_t pg = 4096;
	volatile unsigned long *counter =
	    mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile unsigned long *priv =
	    mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	CHECK(counter != MAP_FAILED && priv != MAP_FAILED);
	if (counter == MAP_FAILED || priv == MAP_FAILED)
		return;
	*counter = 0;
	*priv = 7;
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 1000; i++) {
			(*counter)++;
			(*priv)++;
		}
		_exit(*priv == 1007 ? 0 : 3);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(*counter == 1000);
	CHECK(*priv == 7);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	CHECK(munmap((void *)counter, pg) == 0 && munmap((void *)priv, pg) == 0);
}
