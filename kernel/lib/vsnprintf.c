/* The kernel's printf formatter (contract in <mica/printk.h>). Tested by tests/ktest/printk.c. */
#include <mica/kallsyms.h>
#include <mica/printk.h>
#include <mica/string.h>

struct out {
	char *buf;
	size_t size; /* capacity including the terminator */
	size_t len;  /* characters produced so far, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt, upper;
	int width, prec; /* prec < 0: none given */
	int base;
};

/* Emits s (len chars) padded to the spec's width. */
static void put_padded(struct out *o, const struct spec *sp, const char *s, int len)
{
	if (!sp->left)
		put_n(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		put_n(o, ' ', sp->width - len);
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long v, bool negative)
{
	const char *digits = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, ndigits, pad;
	char sign = negative ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % sp->base];
		v /= sp->base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0; /* C: zero with precision 0 prints no digits */
	if (sp->alt && sp->base == 16)
		prefix = sp->upper ? "0X" : "0x";
	else if (sp->alt && sp->base == 8 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";

	ndigits = MAX(n, sp->prec);
	pad = sp->width - ndigits - (sign ? 1 : 0) - (int)strlen(prefix);
	if (!sp->left && !(sp->zero && sp->prec < 0))
		put_n(o, ' ', pad);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	if (!sp->left && sp->zero && sp->prec < 0)
		put_n(o, '0', pad);
	put_n(o, '0', ndigits - n);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		put_n(o, ' ', pad);
}

/*
 * %pS: "name+0xoff/0xsize", or hex when no symbol covers addr. %pB: the same for a return
 * address: the call is what matters, and a call to a noreturn function may be the caller's
 * last instruction, so the name is looked up at addr - 1 (the offset printed is still addr's).
 */
static void put_symbol(struct out *o, const struct spec *sp, unsigned long addr, bool is_return)
{
	char tmp[KSYM_NAME_MAX + 48];
	unsigned long off, size, delta = is_return ? 1 : 0;
	const char *name = kallsyms_lookup(addr - delta, &off, &size);

	if (name)
		snprintf(tmp, sizeof(tmp), "%s+0x%lx/0x%lx", name, off + delta, size);
	else
		snprintf(tmp, sizeof(tmp), "0x%lx", addr);
	put_padded(o, sp, tmp, strlen(tmp));
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .prec = -1, .base = 10 };
		int lng = 0; /* 'h' count negative, 'l' count positive, 2 = long long */
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) { /* flags */
			char c = *++fmt;
			if (c == '-')
				sp.left = true;
			else if (c == '0')
				sp.zero = true;
			else if (c == '+')
				sp.plus = true;
			else if (c == ' ')
				sp.space = true;
			else if (c == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) { /* length */
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't')
				lng = sizeof(size_t) == sizeof(long long) ? 2 : 1;
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2   ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long)
				       : va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng <= -2)
				s = (signed char)s;
			put_number(&o, &sp, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
				   s < 0);
			break;
		case 'X':
			sp.upper = true;
			/* fall through */
		case 'x':
		case 'o':
		case 'u':
			sp.base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			u = lng >= 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			put_number(&o, &sp, u, false);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(&o, &sp, str,
				   sp.prec >= 0 ? (int)strnlen(str, sp.prec) : (int)strlen(str));
			break;
		}
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			if (fmt[1] == 'S' || fmt[1] == 'B') {
				fmt++;
				put_symbol(&o, &sp, u, *fmt == 'B');
				break;
			}
			sp.alt = true;
			sp.base = 16;
			put_number(&o, &sp, u, false);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: print nothing for it */
			break;
		default: /* unknown conversion: show it, so the bug is visible */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf_marked(char *buf, size_t size, const char *fmt, va_list ap)
{
	static const char cut[] = "[...]";
	int n = vsnprintf(buf, size, fmt, ap);

	if ((size_t)n >= size)
		memcpy(buf + size - sizeof(cut), cut, sizeof(cut));
	return n;
}
