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
	{
		static const char k[] = "kernel";

		KTEST_EXPECT(t, memchr(k, 'r', 6) == k + 2);
		KTEST_EXPECT(t, memchr(k, 'l', 5) == NULL); /* the l is the 6th byte */
		KTEST_EXPECT(t, memchr(k, '\0', 7) == k + 6);
	}
}

/* The word-at-a-time paths of memset/memcpy, at every alignment and length around a word,
 * against what a byte-by-byte loop would leave. */
static void word_paths_match_bytes(struct ktest *t)
{
	static unsigned char src[64], dst[64];
	bool ok = true;

	for (unsigned i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (unsigned off = 0; off < 9; off++) {
		for (unsigned len = 0; off + len <= 40; len++) {
			memset(dst, 0xee, sizeof(dst));
			memcpy(dst + off, src + off, len);
			for (unsigned i = 0; i < sizeof(dst); i++)
				ok &= dst[i] == (i >= off && i < off + len ? src[i] : 0xee);
			memset(dst + off, 0x5c, len);
			for (unsigned i = 0; i < sizeof(dst); i++)
				ok &= dst[i] == (i >= off && i < off + len ? 0x5c : 0xee);
		}
	}
	KTEST_EXPECT(t, ok);
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

KTEST_SUITE(string, 0, KTEST_CASE(copies_and_compares), KTEST_CASE(word_paths_match_bytes),
	    KTEST_CASE(memmove_handles_overlap), KTEST_CASE(strscpy_reports_truncation),
	    KTEST_CASE(kstrtoul_rejects_garbage));
