/* The console: COM1, a 16550 UART at I/O port 0x3f8, polled through the shared driver. */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/uart16550.h>

#define COM1 0x3f8

static u8 x86_com1_read(unsigned reg)
{
	return x86_inb(COM1 + reg);
}

static void x86_com1_write(unsigned reg, u8 val)
{
	x86_outb(COM1 + reg, val);
}

static const struct uart16550 com1 = { x86_com1_read, x86_com1_write };

/* SeaBIOS may have left COM1 in any state: program it ourselves. */
void x86_console_init(void)
{
	uart16550_init(&com1);
}

void arch_console_putc(char c)
{
	uart16550_putc(&com1, c);
}

void x86_console_flush(void)
{
	uart16550_flush(&com1);
}

/* The 16550's receive buffer, polled: the console has no receive interrupt yet. */
int arch_console_getc(void)
{
	return uart16550_getc(&com1);
}
