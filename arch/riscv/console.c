/*
 * The console: the NS16550A UART of QEMU virt at 0x10000000 (registers one byte apart),
 * polled. OpenSBI already programmed it (8N1) for its own banner, so there is nothing to set up.
 */
#include <asm/riscv.h>
#include <mica/arch.h>

#define UART_BASE 0x10000000UL
#define UART_THR 0	     /* transmit holding register (write) */
#define UART_LSR 5	     /* line status register */
#define UART_LSR_THRE 0x20 /* THR empty: room for one more byte */
#define UART_LSR_TEMT 0x40 /* transmitter empty: everything sent */

static inline u8 uart_read(unsigned reg)
{
	return *(volatile u8 *)(UART_BASE + reg);
}

void arch_console_putc(char c)
{
	while (!(uart_read(UART_LSR) & UART_LSR_THRE))
		;
	*(volatile u8 *)(UART_BASE + UART_THR) = (u8)c;
}

void riscv_console_flush(void)
{
	while (!(uart_read(UART_LSR) & UART_LSR_TEMT))
		;
}
