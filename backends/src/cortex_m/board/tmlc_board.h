/*
 * tmlc's board support for bare-metal Cortex-M under QEMU (copied into every Cortex-M project).
 *
 *  - startup.c:     the vector table, the reset handler (copies .data, zeroes .bss, enables the
 *                   FPU, paints the stack, calls main) and the fault handler.
 *  - semihosting.c: Arm semihosting calls, which QEMU services on the host (files, console,
 *                   exit) when run with -semihosting-config enable=on,target=native.
 *  - markers.c:     the two functions an instruction counter watches.
 *  - profile_markers.c: the per-layer markers, linked into the profile build only.
 *  - <machine>.ld:  the memory map of the QEMU machine: code and weights in flash, .data, .bss
 *                   (the arena) and the stack in SRAM.
 */
#ifndef TMLC_BOARD_H
#define TMLC_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* ---- semihosting ---- */

#define TMLC_SH_MODE_RB 1 /* fopen mode "rb" */
#define TMLC_SH_MODE_WB 5 /* fopen mode "wb" */

/* Opens a host file (relative to QEMU's working directory); returns a handle, or -1. */
int32_t tmlc_sh_open(const char *path, int32_t mode);
int32_t tmlc_sh_close(int32_t handle);
/* The length of an open file in bytes, or -1. */
int32_t tmlc_sh_length(int32_t handle);
/* Return the number of bytes read or written, or -1. */
int32_t tmlc_sh_read(int32_t handle, void *buffer, size_t size);
int32_t tmlc_sh_write(int32_t handle, const void *buffer, size_t size);
/* Writes text to the semihosting console (QEMU's standard error). */
void tmlc_sh_puts(const char *text);
void tmlc_sh_put_u32(uint32_t value);
/* Copies the command line (-semihosting-config ...,arg=...) into buffer, NUL-terminated;
 * returns 0, or -1 when there is none or it does not fit. */
int32_t tmlc_sh_cmdline(char *buffer, size_t size);
/* Stops the program: QEMU exits with status 0 when success is nonzero, 1 otherwise. */
void tmlc_sh_exit(int success) __attribute__((noreturn));

/* ---- the stack ---- */

/* Bytes between the end of .bss and the top of SRAM. */
uint32_t tmlc_stack_size(void);
/* Paints the free stack (below the caller's frame) with a pattern. The reset handler paints it
 * once; painting again right before an inference makes tmlc_stack_peak() measure the caller's
 * frames plus the inference, without whatever ran in between. */
void tmlc_stack_paint(void);
/* The most bytes of stack in use since the last paint: from the top of the stack down to the
 * lowest word whose pattern was overwritten. */
uint32_t tmlc_stack_peak(void);

/* ---- instruction-count markers ---- */

/* Call tmlc_marker_start() right before and tmlc_marker_end() right after exactly one
 * inference. An instruction counter (tmlc's QEMU plugin) counts the instructions executed from
 * the first instruction of tmlc_marker_start to the first instruction of tmlc_marker_end. */
void tmlc_marker_start(void);
void tmlc_marker_end(void);

/* The profile build (make model-profile.elf) also calls tmlc_marker_layer_begin() and
 * tmlc_marker_layer_end() around every layer, from the model's layer hooks; the counter records
 * the instructions from the first instruction of one to the first instruction of the other.
 * They are defined in profile_markers.c, which the normal build does not link. */
void tmlc_marker_layer_begin(void);
void tmlc_marker_layer_end(void);

#endif /* TMLC_BOARD_H */
