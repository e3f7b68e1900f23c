/* 16550 UART driver, polled (register map: National PC16550D datasheet, table 2). */
#include <mica/arch.h>
#include <mica/uart16550.h>

#define UART_THR 0 /* transmit holding register (DLAB = 0, write) */
#define UART_RBR 0 /* receive buffer register (DLAB = 0, read) */
#define UART_DLL 0 /* divisor latch, low byte (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_LSR 5 /* line status */

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_LSR_DR 0x01   /* data ready: a received byte waits in RBR */
#define UART_LSR_THRE 0x20 /* transmit holding register empty: room for a byte */
#define UART_LSR_TEMT 0x40 /* transmitter empty: everything sent */

void uart16550_init(const struct uart16550 *u)
{
	u->write(UART_IER, 0);
	u->write(UART_LCR, UART_LCR_DLAB);
	u->write(UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1; QEMU ignores it */
	u->write(UART_DLM, 0);
	u->write(UART_LCR, UART_LCR_8N1);
	u->write(UART_FCR, UART_FCR_ENABLE_CLEAR);
}

void uart16550_putc(const struct uart16550 *u, char c)
{
	while (!(u->read(UART_LSR) & UART_LSR_THRE))
		arch_cpu_relax();
	u->write(UART_THR, (u8)c);
}

void uart16550_flush(const struct uart16550 *u)
{
	while (!(u->read(UART_LSR) & UART_LSR_TEMT))
		arch_cpu_relax();
}

int uart16550_getc(const struct uart16550 *u)
{
	if (!(u->read(UART_LSR) & UART_LSR_DR))
		return -1;
	return u->read(UART_RBR);
}
