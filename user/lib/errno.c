/*
 * errno for user/lib/: the one place a kernel result becomes errno.
 *
 * The kernel returns Linux's errno numbers (include/mica/errno.h). newlib's <sys/errno.h>
 * agrees with Linux up to ERANGE (34) and numbers the rest its own way: ENOSYS is 38 for
 * Linux, 88 for newlib; ENAMETOOLONG 36 and 91. So numbers from 35 on go through the table
 * below: Linux's number (asm-generic/errno.h) -> newlib's constant of the same name; EIO
 * where newlib has no such name. (Some of newlib's names exist only with
 * __LINUX_ERRNO_EXTENSIONS__.)
 */
#define __LINUX_ERRNO_EXTENSIONS__ 1

#include "internal.h"

#include <errno.h>

static const unsigned char linux_to_newlib[] = {
	[35] = EDEADLK,
	[36] = ENAMETOOLONG,
	[37] = ENOLCK,
	[38] = ENOSYS,
	[39] = ENOTEMPTY,
	[40] = ELOOP,
	[42] = ENOMSG,
	[43] = EIDRM,
	[44] = ECHRNG,
	[45] = EL2NSYNC,
	[46] = EL3HLT,
	[47] = EL3RST,
	[48] = ELNRNG,
	[49] = EUNATCH,
	[50] = ENOCSI,
	[51] = EL2HLT,
	[52] = EBADE,
	[53] = EBADR,
	[54] = EXFULL,
	[55] = ENOANO,
	[56] = EBADRQC,
	[57] = EBADSLT,
	[59] = EBFONT,
	[60] = ENOSTR,
	[61] = ENODATA,
	[62] = ETIME,
	[63] = ENOSR,
	[64] = ENONET,
	[65] = ENOPKG,
	[66] = EREMOTE,
	[67] = ENOLINK,
	[68] = EADV,
	[69] = ESRMNT,
	[70] = ECOMM,
	[71] = EPROTO,
	[72] = EMULTIHOP,
	[73] = EDOTDOT,
	[74] = EBADMSG,
	[75] = EOVERFLOW,
	[76] = ENOTUNIQ,
	[77] = EBADFD,
	[78] = EREMCHG,
	[79] = ELIBACC,
	[80] = ELIBBAD,
	[81] = ELIBSCN,
	[82] = ELIBMAX,
	[83] = ELIBEXEC,
	[84] = EILSEQ,
	[85] = EIO, /* ERESTART: none in newlib */
	[86] = ESTRPIPE,
	[87] = EUSERS,
	[88] = ENOTSOCK,
	[89] = EDESTADDRREQ,
	[90] = EMSGSIZE,
	[91] = EPROTOTYPE,
	[92] = ENOPROTOOPT,
	[93] = EPROTONOSUPPORT,
	[94] = ESOCKTNOSUPPORT,
	[95] = EOPNOTSUPP,
	[96] = EPFNOSUPPORT,
	[97] = EAFNOSUPPORT,
	[98] = EADDRINUSE,
	[99] = EADDRNOTAVAIL,
	[100] = ENETDOWN,
	[101] = ENETUNREACH,
	[102] = ENETRESET,
	[103] = ECONNABORTED,
	[104] = ECONNRESET,
	[105] = ENOBUFS,
	[106] = EISCONN,
	[107] = ENOTCONN,
	[108] = ESHUTDOWN,
	[109] = ETOOMANYREFS,
	[110] = ETIMEDOUT,
	[111] = ECONNREFUSED,
	[112] = EHOSTDOWN,
	[113] = EHOSTUNREACH,
	[114] = EALREADY,
	[115] = EINPROGRESS,
	[116] = ESTALE,
	[117] = EIO, /* EUCLEAN: none in newlib */
	[118] = EIO, /* ENOTNAM: none in newlib */
	[119] = EIO, /* ENAVAIL: none in newlib */
	[120] = EIO, /* EISNAM: none in newlib */
	[121] = EIO, /* EREMOTEIO: none in newlib */
	[122] = EDQUOT,
	[123] = ENOMEDIUM,
	[124] = EIO, /* EMEDIUMTYPE: none in newlib */
	[125] = ECANCELED,
	[126] = EIO, /* ENOKEY: none in newlib */
	[127] = EIO, /* EKEYEXPIRED: none in newlib */
	[128] = EIO, /* EKEYREVOKED: none in newlib */
	[129] = EIO, /* EKEYREJECTED: none in newlib */
	[130] = EOWNERDEAD,
	[131] = ENOTRECOVERABLE,
	[132] = EIO, /* ERFKILL: none in newlib */
	[133] = EIO, /* EHWPOISON: none in newlib */
};

/*
 * newlib's reentrant wrappers (libc/reent/writer.c and friends) clear the plain global errno
 * of the "system-dependent layer", call _write and copy that global into the thread's
 * struct _reent; programs read the latter through <errno.h>. We set both, so a call that
 * skips the wrappers (mmap, waitpid, ...) is seen the same way.
 */
#undef errno
extern int errno;

int __mica_error(int e)
{
	errno = e;
	*__errno() = e;
	return -1;
}

long __mica_ret(long r)
{
	int e;

	if (r >= 0 || r < -4095)
		return r;
	e = (int)-r;
	if (e >= (int)sizeof(linux_to_newlib))
		e = EIO;
	else if (e >= 35)
		e = linux_to_newlib[e] ? linux_to_newlib[e] : EIO;
	return __mica_error(e);
}
