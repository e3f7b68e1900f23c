/* The console: QEMU virt's PL011 UART, polled (PL011 TRM, "UARTFR" and "UARTDR"). */
#include <asm/io.h>
#include <asm/virt.h>
#include <mica/arch.h>

#define UART_DR 0x00	      /* data: write a byte to send it */
#define UART_FR 0x18	      /* flags */
#define UART_FR_TXFF (1 << 5) /* transmit FIFO full */

void arch_console_putc(char c)
{
	while (arm_readl(VIRT_UART_BASE + UART_FR) & UART_FR_TXFF)
		arch_cpu_relax();
	arm_writel(VIRT_UART_BASE + UART_DR, (unsigned char)c);
}
