/* The console: QEMU virt's PL011 UART, polled both ways (PL011 TRM 3.3.1 "Data Register,
 * UARTDR" and 3.3.3 "Flag Register, UARTFR"). */
#include <asm/io.h>
#include <asm/virt.h>
#include <mica/arch.h>

#define UART_DR 0x00	      /* data: write a byte to send it */
#define UART_FR 0x18	      /* flags */
#define UART_FR_RXFE (1 << 4) /* receive FIFO empty */
#define UART_FR_TXFF (1 << 5) /* transmit FIFO full */
/* UARTDR on a read: the byte in bits[7:0], then its framing, parity and break error flags
 * (bits 8-10; the overrun flag, bit 11, is about a later byte and leaves this one good). */
#define UART_DR_ERRORS (7 << 8)

void arch_console_putc(char c)
{
	while (arm_readl(VIRT_UART_BASE + UART_FR) & UART_FR_TXFF)
		arch_cpu_relax();
	arm_writel(VIRT_UART_BASE + UART_DR, (unsigned char)c);
}

/* A byte that arrived with an error is dropped (-1), as if none had come. */
int arch_console_getc(void)
{
	u32 dr;

	if (arm_readl(VIRT_UART_BASE + UART_FR) & UART_FR_RXFE)
		return -1;
	dr = arm_readl(VIRT_UART_BASE + UART_DR);
	return (dr & UART_DR_ERRORS) ? -1 : (int)(dr & 0xff);
}
