/*
 * What every program runs before and after main(), called from _start (the port's
 * user/arch/<arch>/crt0.S), which found argc, argv and envp on the initial stack.
 */
#include "internal.h"

#include <stdlib.h>

extern char **environ;
int main(int argc, char **argv, char **envp);
void __libc_init_array(void);
void __mica_start(int argc, char **argv, char **envp) __attribute__((noreturn));

/*
 * Sets environ (getenv() reads it), runs the constructors (.preinit_array, .init_array;
 * newlib registers the destructors' run with atexit), then exit(main(...)): exit flushes stdio
 * and runs the atexit handlers before _exit.
 */
void __mica_start(int argc, char **argv, char **envp)
{
	environ = envp;
	__libc_init_array();
	exit(main(argc, argv, envp));
}

/*
 * newlib's __libc_init_array and __libc_fini_array call _init and _fini on ports whose newlib
 * was built with the old .init/.fini sections in mind (arm). Mica programs link no crti.o or
 * crtn.o, so these are empty: constructors go through .init_array only.
 */
void _init(void)
{
}

void _fini(void)
{
}
