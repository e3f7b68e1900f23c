/*
 * The 16550 UART, polled: riscv's virt board has one in MMIO, the PC's COM1 in I/O ports.
 * The driver is shared; a port says how to reach the registers.
 */
#ifndef MICA_UART16550_H
#define MICA_UART16550_H

#include <mica/types.h>

struct uart16550 {
	u8 (*read)(unsigned reg); /* reg: register index 0..7 */
	void (*write)(unsigned reg, u8 val);
};

/* 115200 baud from the PC's 1.8432 MHz clock, 8N1, FIFOs on, no interrupts. */
void uart16550_init(const struct uart16550 *u);
/* Waits for room in the transmitter, then sends c. */
void uart16550_putc(const struct uart16550 *u, char c);
/* Waits until every byte written has left the UART (before QEMU is told to exit). */
void uart16550_flush(const struct uart16550 *u);
/* A received byte, or -1 if none is waiting (LSR.DR clear). Never waits. */
int uart16550_getc(const struct uart16550 *u);

#endif
