/*
 * The console: the NS16550A UART of QEMU virt at 0x10000000 (registers one byte apart),
 * polled through the shared driver. OpenSBI already programmed it (8N1) for its own banner,
 * so there is nothing to set up.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
#include <mica/uart16550.h>

#define UART_BASE 0x10000000UL

static u8 riscv_uart_read(unsigned reg)
{
	return *(volatile u8 *)(UART_BASE + reg);
}

static void riscv_uart_write(unsigned reg, u8 val)
{
	*(volatile u8 *)(UART_BASE + reg) = val;
}

static const struct uart16550 uart = { riscv_uart_read, riscv_uart_write };

void arch_console_putc(char c)
{
	uart16550_putc(&uart, c);
}

void riscv_console_flush(void)
{
	uart16550_flush(&uart);
}

int arch_console_getc(void)
{
	return uart16550_getc(&uart);
}
