/* Suite printk: the formatter, the symbol table behind %pS, and the command-line parser. */
#include <mica/bootinfo.h>
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/kallsyms.h>
#include <mica/ktest.h>
#include <mica/printk.h>
#include <mica/string.h>

/* Formats into a fixed buffer; a helper so each expectation is one line. */
static const char *fmt(char *buf, size_t size, const char *f, ...) __printf(3, 4);
static const char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

static void formats_integers(struct ktest *t)
{
	char b[64];

	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%d %i %u", -42, 7, 4000000000u),
			   "-42 7 4000000000");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%x %X %#x %o", 0xbeef, 0xbeef, 255, 8),
			   "beef BEEF 0xff 10");
	KTEST_EXPECT_STREQ(
	    t, fmt(b, sizeof(b), "%lld %llu", -9223372036854775807LL - 1, 18446744073709551615ULL),
	    "-9223372036854775808 18446744073709551615");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%ld %lx %zu", -1L, 0xabcUL, (size_t)12),
			   "-1 abc 12");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%hhd %hu", 0x1ff, 0x12345), "-1 9029");
}

static void formats_width_and_flags(struct ktest *t)
{
	char b[64];

	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "[%5d][%-5d][%05d]", 42, 42, -42),
			   "[   42][42   ][-0042]");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "[%+d][% d][%.3d][%*d]", 5, 5, 7, 4, 1),
			   "[+5][ 5][007][   1]");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "[%08lx][%#010x]", 0x1234UL, 0x1234),
			   "[00001234][0x00001234]");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "[%.0d][%d]", 0, 0), "[][0]");
}

static void formats_strings_and_chars(struct ktest *t)
{
	char b[64];

	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "[%s][%6s][%-6s][%.2s]", "mica", "ab", "ab", "xyz"),
			   "[mica][    ab][ab    ][xy]");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%c%c%c %%", 'o', 'k', '!'), "ok! %");
	const char *volatile nothing = NULL; /* volatile: gcc would reject a literal NULL */
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%s", nothing), "(null)");
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%p", (void *)0x1000), "0x1000");
}

static void truncation_is_reported(struct ktest *t)
{
	char b[8];

	memset(b, 'X', sizeof(b));
	/* C99: the return value is the full length; the buffer holds a terminated prefix. */
	KTEST_EXPECT_EQ(t, snprintf(b, sizeof(b), "%s", "abcdefghij"), 10);
	KTEST_EXPECT_STREQ(t, b, "abcdefg");
	KTEST_EXPECT_EQ(t, snprintf(b, 1, "xyz"), 3);
	KTEST_EXPECT_EQ(t, b[0], '\0');
	KTEST_EXPECT_EQ(t, snprintf(NULL, 0, "%d", 12345), 5);
}

/* A function with a known name and body to look up. */
static __noinline int kallsyms_probe(int x)
{
	return x * 3 + 1;
}

static void symbolises_code_addresses(struct ktest *t)
{
	unsigned long addr = (unsigned long)kallsyms_probe, off = ~0UL, size = 0;
	const char *name = kallsyms_lookup(addr + 4, &off, &size);
	char b[96], want[96];

	KTEST_ASSERT(t, name != NULL);
	KTEST_EXPECT_STREQ(t, name, "kallsyms_probe");
	KTEST_EXPECT_EQ(t, off, 4);
	KTEST_EXPECT(t, size > 4);
	KTEST_EXPECT_EQ(t, kallsyms_address("kallsyms_probe"), addr);
	KTEST_EXPECT_EQ(t, kallsyms_address("start_kernel"), (unsigned long)start_kernel);
	snprintf(want, sizeof(want), "kallsyms_probe+0x4/0x%lx", size);
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%pS", (void *)(addr + 4)), want);
	/* %pB: a return address just past the function's end still names the function. */
	snprintf(want, sizeof(want), "kallsyms_probe+0x%lx/0x%lx", size, size);
	KTEST_EXPECT_STREQ(t, fmt(b, sizeof(b), "%pB", (void *)(addr + size)), want);
	/* Data is not code: no symbol may claim it. */
	KTEST_EXPECT(t, kallsyms_lookup((unsigned long)&b, &off, &size) == NULL);
	KTEST_EXPECT_EQ(t, kallsyms_probe(1), 4);
}

static void parses_command_line(struct ktest *t)
{
	char b[128];

	/* The runner always boots with ktest=...; the suite sees its own invocation. */
	KTEST_EXPECT(t, cmdline_get("ktest", b, sizeof(b)) > 0);
	KTEST_EXPECT_EQ(t, cmdline_get("no_such_key_here", b, sizeof(b)), -ENOENT);
	KTEST_EXPECT_EQ(t, cmdline_get("ktest", b, 2), -E2BIG);
	KTEST_EXPECT_EQ(t, strlen(b), 1);
}

KTEST_SUITE(printk, 0, KTEST_CASE(formats_integers), KTEST_CASE(formats_width_and_flags),
	    KTEST_CASE(formats_strings_and_chars), KTEST_CASE(truncation_is_reported),
	    KTEST_CASE(symbolises_code_addresses), KTEST_CASE(parses_command_line));
