/*
 * The initramfs: a cpio archive in the "newc" format (the one Linux uses; see the cpio(5)
 * manual page, "New ASCII Format"), built by the Makefile from the user programs and linked
 * into the kernel image as initramfs_cpio[]. Read-only, searched linearly: a handful of files.
 *
 * Each entry: a 110-byte header of 13 eight-digit hex fields after the magic "070701", the
 * name (namesize bytes, NUL included), padding to 4 bytes, the data (filesize bytes), padding
 * to 4 bytes. The entry named "TRAILER!!!" ends the archive.
 */
#include <mica/errno.h>
#include <mica/panic.h>
#include <mica/string.h>

#include "proc_internal.h"

extern const char initramfs_cpio[], initramfs_cpio_end[];

#define NEWC_HDR 110
#define S_IFMT 0170000
#define S_IFREG 0100000

/* Field i (0 = ino ... 12 = check) of a newc header; ~0UL if it is not hex. */
static unsigned long field(const char *hdr, int i)
{
	unsigned long v = 0;

	for (int k = 0; k < 8; k++) {
		char c = hdr[6 + 8 * i + k];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;

		if (d == 16)
			return ~0UL;
		v = v << 4 | d;
	}
	return v;
}

/* Walks the archive, calling visit(name, mode, data, size) until it returns true.
 * A malformed archive is a build bug: it panics with the offset. */
static void cpio_walk(bool (*visit)(const char *, unsigned long, const void *, size_t, void *),
		      void *arg)
{
	const char *p = initramfs_cpio, *end = initramfs_cpio_end;

	while (p + NEWC_HDR <= end) {
		unsigned long mode = field(p, 1), size = field(p, 6), namesize = field(p, 11);
		const char *name = p + NEWC_HDR, *data;

		if (memcmp(p, "070701", 6) || mode == ~0UL || size == ~0UL || namesize == ~0UL ||
		    namesize == 0 || name + namesize > end || name[namesize - 1] != '\0')
			panic("initramfs: bad entry at offset %ld", (long)(p - initramfs_cpio));
		data = initramfs_cpio + ALIGN_UP(name + namesize - initramfs_cpio, 4);
		if (!strcmp(name, "TRAILER!!!"))
			return;
		if (data + size > end)
			panic("initramfs: %s runs past the archive", name);
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		if (visit(name, mode, data, size, arg))
			return;
		p = initramfs_cpio + ALIGN_UP(data + size - initramfs_cpio, 4);
	}
}

struct lookup {
	const char *path;
	const void *data;
	size_t size;
	bool found;
};

static bool match(const char *name, unsigned long mode, const void *data, size_t size, void *arg)
{
	struct lookup *l = arg;

	if ((mode & S_IFMT) != S_IFREG || strcmp(name, l->path))
		return false;
	l->data = data;
	l->size = size;
	l->found = true;
	return true;
}

int initramfs_find(const char *path, const void **data, size_t *size)
{
	struct lookup l = { path, NULL, 0, false };

	while (*l.path == '/')
		l.path++;
	cpio_walk(match, &l);
	if (!l.found)
		return -ENOENT;
	*data = l.data;
	*size = l.size;
	return 0;
}
