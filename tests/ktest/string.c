/* Suite string: the kernel's own string library. */
#include <mica/errno.h>
#include <mica/ktest.h>
#include <mica/string.h>

static void copies_and_compares(struct ktest *t)
{
	char b[16];

	KTEST_EXPECT_EQ(t, strlen("mica"), 4);
	KTEST_EXPECT_EQ(t, strnlen("mica", 2), 2);
	KTEST_EXPECT(t, strcmp("abc", "abd") < 0);
	KTEST_EXPECT(t, strcmp("abd", "abc") > 0);
	KTEST_EXPECT_EQ(t, strcmp("same", "same"), 0);
	KTEST_EXPECT_EQ(t, strncmp("abcX", "abcY", 3), 0);
	KTEST_EXPECT(t, memcmp("\x01", "\xff", 1) < 0); /* bytes compare unsigned */
	KTEST_EXPECT(t, strchr("kernel", 'r') != NULL && *strchr("kernel", 'r') == 'r');
	KTEST_EXPECT(t, strchr("kernel", 'z') == NULL);
	memset(b, 'a', sizeof(b));
	KTEST_EXPECT_EQ(t, b[15], 'a');
}

static void memmove_handles_overlap(struct ktest *t)
{
	char b[] = "0123456789";

	memmove(b + 2, b, 6);
	KTEST_EXPECT_STREQ(t, b, "0101234589");
	memmove(b, b + 2, 6);
	KTEST_EXPECT_STREQ(t, b, "0123454589");
}

static void strscpy_reports_truncation(struct ktest *t)
{
	char b[5];

	KTEST_EXPECT_EQ(t, strscpy(b, "abcd", sizeof(b)), 4);
	KTEST_EXPECT_STREQ(t, b, "abcd");
	KTEST_EXPECT_EQ(t, strscpy(b, "abcdef", sizeof(b)), -E2BIG);
	KTEST_EXPECT_STREQ(t, b, "abcd");
	KTEST_EXPECT_EQ(t, strscpy(b, "x", 0), -E2BIG);
}

static void kstrtoul_rejects_garbage(struct ktest *t)
{
	unsigned long v = 0;

	KTEST_EXPECT_EQ(t, kstrtoul("1234", &v), 0);
	KTEST_EXPECT_EQ(t, v, 1234);
	KTEST_EXPECT_EQ(t, kstrtoul("0x1F", &v), 0);
	KTEST_EXPECT_EQ(t, v, 31);
	KTEST_EXPECT_EQ(t, kstrtoul("12a", &v), -EINVAL);
	KTEST_EXPECT_EQ(t, kstrtoul("", &v), -EINVAL);
	KTEST_EXPECT_EQ(t, kstrtoul("0x", &v), -EINVAL);
	KTEST_EXPECT_EQ(t, kstrtoul("99999999999999999999999", &v), -EINVAL);
}

KTEST_SUITE(string, 0, KTEST_CASE(copies_and_compares), KTEST_CASE(memmove_handles_overlap),
	    KTEST_CASE(strscpy_reports_truncation), KTEST_CASE(kstrtoul_rejects_garbage));
