/* Command-line lookups over a private copy made at boot. */
#include <mica/bootinfo.h>
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/string.h>

static char cmdline[CMDLINE_MAX];

void cmdline_init(const char *s)
{
	strscpy(cmdline, s, sizeof(cmdline));
}

const char *cmdline_raw(void)
{
	return cmdline;
}

int cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *word = p, *end;

		while (*p && *p != ' ')
			p++;
		end = p;
		while (*p == ' ')
			p++;
		if ((size_t)(end - word) < klen || strncmp(word, key, klen))
			continue;
		if (word + klen == end) { /* bare key */
			if (size)
				buf[0] = '\0';
			return 0;
		}
		if (word[klen] != '=')
			continue;
		word += klen + 1;
		size_t n = end - word;
		if (size == 0)
			return -E2BIG;
		size_t copy = n < size ? n : size - 1;
		memcpy(buf, word, copy);
		buf[copy] = '\0';
		return n < size ? (int)n : -E2BIG;
	}
	return -ENOENT;
}

unsigned long cmdline_get_ulong(const char *key, unsigned long def)
{
	char buf[24];
	unsigned long v;
	int n = cmdline_get(key, buf, sizeof(buf));

	if (n == -ENOENT)
		return def;
	if (n < 0 || kstrtoul(buf, &v)) {
		pr_err("cmdline: %s=%s is not a number; using %lu", key, buf, def);
		return def;
	}
	return v;
}
