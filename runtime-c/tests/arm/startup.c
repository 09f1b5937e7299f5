/*
 * tmlc runtime tests: minimal Cortex-M startup for QEMU's mps2-an386 and mps3-an547 (owns the
 * vector table and the reset handler of the bare-metal test programs).
 *
 * newlib's own crt0 crashes QEMU (DESIGN.md, "Facts about the emulator"), so the programs link
 * with -nostartfiles and this file: copy .data from flash, zero .bss, open the semihosting
 * stdio handles (librdimon), run main and exit through semihosting with its status. Every
 * fault lands in one handler that reports it on stderr and exits with status 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern int main(void);
extern void initialise_monitor_handles(void);

extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start__[];
extern uint32_t __bss_end__[];
extern uint32_t __stack_top[];

void tmlc_reset_handler(void);
void tmlc_fault_handler(void);
void _init(void);
void _fini(void);

/* newlib's __libc_init_array / __libc_fini_array call these (crti.o is not linked). */
void _init(void)
{
}

void _fini(void)
{
}

void tmlc_reset_handler(void)
{
    uint32_t *src = __data_load;
    uint32_t *dst = __data_start;
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CPACR: full access to CP10 and CP11, the FPU and (Armv8.1-M) the MVE registers. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    while (dst < __data_end) {
        *dst++ = *src++;
    }
    for (dst = __bss_start__; dst < __bss_end__; ++dst) {
        *dst = 0;
    }
    initialise_monitor_handles();
    exit(main());
}

void tmlc_fault_handler(void)
{
    fputs("fault: the test program took an exception\n", stderr);
    exit(3);
}

/* Initial stack pointer, then reset, NMI, HardFault, MemManage, BusFault, UsageFault. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top,
    tmlc_reset_handler,
    tmlc_fault_handler,
    tmlc_fault_handler,
    tmlc_fault_handler,
    tmlc_fault_handler,
    tmlc_fault_handler,
    0,
    0,
    0,
    0,
    tmlc_fault_handler,
    tmlc_fault_handler,
    0,
    tmlc_fault_handler,
    tmlc_fault_handler,
};
