/* The console: COM1, a 16550 UART at I/O port 0x3f8, polled (no interrupts). */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/arch.h>

#define COM1 0x3f8
/* 16550 registers, as offsets from the base port (National PC16550D datasheet, table 2). */
#define UART_THR 0 /* transmit holding register (DLAB = 0) */
#define UART_DLL 0 /* divisor latch, low byte (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_LSR 5 /* line status */

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty: everything sent */

/* 115200 baud, 8N1, FIFOs on, no interrupts. QEMU ignores the speed; real UARTs need it. */
void x86_console_init(void)
{
	x86_outb(COM1 + UART_IER, 0);
	x86_outb(COM1 + UART_LCR, UART_LCR_DLAB);
	x86_outb(COM1 + UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	x86_outb(COM1 + UART_DLM, 0);
	x86_outb(COM1 + UART_LCR, UART_LCR_8N1);
	x86_outb(COM1 + UART_FCR, 0x07); /* enable and clear both FIFOs */
}

void arch_console_putc(char c)
{
	while (!(x86_inb(COM1 + UART_LSR) & UART_LSR_THRE))
		arch_cpu_relax();
	x86_outb(COM1 + UART_THR, (u8)c);
}

/* Waits until every byte written has left the UART. */
void x86_console_flush(void)
{
	while (!(x86_inb(COM1 + UART_LSR) & UART_LSR_TEMT))
		arch_cpu_relax();
}
