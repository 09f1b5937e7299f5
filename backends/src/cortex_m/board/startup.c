/*
 * Startup code: the vector table, the reset handler and the fault handler. The reset handler
 * copies .data from its load address in flash, zeroes .bss, gives the core access to its FPU
 * (and MVE), paints the stack with a pattern (tmlc_stack_peak() finds the high-water mark),
 * calls main and stops QEMU with main's status. A fault prints its exception number and stops
 * QEMU with status 1, so that nothing hangs.
 */
#include "tmlc_board.h"

#define TMLC_STACK_PAINT 0xA5A5A5A5u
/* CPACR: coprocessor access control; CP10 and CP11 are the FPU (and MVE on Armv8.1-M). */
#define TMLC_CPACR (*(volatile uint32_t *)0xE000ED88u)

/* Defined by the linker script. */
extern uint32_t __data_load__[];
extern uint32_t __data_start__[];
extern uint32_t __data_end__[];
extern uint32_t __bss_start__[];
extern uint32_t __bss_end__[];
extern uint32_t __stack_limit__[];
extern uint32_t __stack_top__[];

int main(void);
void Reset_Handler(void);
void tmlc_fault_handler(void);

typedef void (*tmlc_handler)(void);

/* The initial stack pointer, then the 15 system exception vectors of ARMv7-M and ARMv8-M. No
 * interrupt is ever enabled, so no interrupt vectors follow. */
struct tmlc_vector_table {
    uint32_t *initial_sp;
    tmlc_handler handlers[15];
};

__attribute__((section(".vectors"), used)) const struct tmlc_vector_table tmlc_vectors = {
    __stack_top__,
    {
        Reset_Handler,      /* Reset */
        tmlc_fault_handler, /* NMI */
        tmlc_fault_handler, /* HardFault */
        tmlc_fault_handler, /* MemManage */
        tmlc_fault_handler, /* BusFault */
        tmlc_fault_handler, /* UsageFault */
        tmlc_fault_handler, /* SecureFault (ARMv8-M) */
        0,
        0,
        0,
        tmlc_fault_handler, /* SVCall */
        tmlc_fault_handler, /* DebugMonitor */
        0,
        tmlc_fault_handler, /* PendSV */
        tmlc_fault_handler, /* SysTick */
    },
};

/* Paints from __stack_limit__ up to the stack pointer: everything below it is free (the Arm ABI
 * has no red zone, and no interrupt is enabled). In assembly, because in C the compiler may
 * push registers below the stack pointer it read, into the region being painted. Thumb-1
 * instructions only, so it assembles for every M-profile core. */
__attribute__((naked, noinline)) void tmlc_stack_paint(void) {
    __asm__ volatile(
        "    ldr r0, =__stack_limit__\n"
        "    ldr r1, =0xA5A5A5A5\n" /* TMLC_STACK_PAINT */
        "    mov r2, sp\n"
        "1:  cmp r0, r2\n"
        "    bhs 2f\n"
        "    stmia r0!, {r1}\n"
        "    b 1b\n"
        "2:  bx lr\n"
        "    .ltorg\n");
}

uint32_t tmlc_stack_size(void) {
    return (uint32_t)((uintptr_t)__stack_top__ - (uintptr_t)__stack_limit__);
}

uint32_t tmlc_stack_peak(void) {
    const volatile uint32_t *word = __stack_limit__;
    while (word < __stack_top__ && *word == TMLC_STACK_PAINT) {
        word++;
    }
    return (uint32_t)((uintptr_t)__stack_top__ - (uintptr_t)word);
}

void Reset_Handler(void) {
    const uint32_t *from = __data_load__;
    uint32_t *to = __data_start__;
    while (to < __data_end__) {
        *to++ = *from++;
    }
    for (to = __bss_start__; to < __bss_end__; to++) {
        *to = 0u;
    }
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    TMLC_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    tmlc_stack_paint();
    tmlc_sh_exit(main() == 0);
}

void tmlc_fault_handler(void) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    tmlc_sh_puts("tmlc: fault: exception ");
    tmlc_sh_put_u32(ipsr & 0x1FFu);
    tmlc_sh_puts(" (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault, 7 SecureFault)\n");
    tmlc_sh_exit(0);
}
