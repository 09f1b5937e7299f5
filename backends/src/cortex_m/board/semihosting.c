/*
 * Arm semihosting: the program asks the debugger (here QEMU, run with
 * -semihosting-config enable=on,target=native) to do I/O on the host. On M-profile cores a call
 * is BKPT 0xAB with the operation in r0 and a pointer to its parameter block in r1; the result
 * comes back in r0. These few calls need no C library, heap or start files.
 */
#include "tmlc_board.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_FLEN 0x0C
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023u

static int32_t semihost(int32_t operation, const void *argument) {
    register int32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static size_t length_of(const char *text) {
    size_t n = 0;
    while (text[n] != '\0') {
        n++;
    }
    return n;
}

int32_t tmlc_sh_open(const char *path, int32_t mode) {
    uintptr_t block[3];
    block[0] = (uintptr_t)path;
    block[1] = (uintptr_t)mode;
    block[2] = (uintptr_t)length_of(path);
    return semihost(SYS_OPEN, block);
}

int32_t tmlc_sh_close(int32_t handle) {
    uintptr_t block[1];
    block[0] = (uintptr_t)handle;
    return semihost(SYS_CLOSE, block);
}

int32_t tmlc_sh_length(int32_t handle) {
    uintptr_t block[1];
    block[0] = (uintptr_t)handle;
    return semihost(SYS_FLEN, block);
}

/* SYS_READ and SYS_WRITE return the number of bytes NOT transferred. */
static int32_t transfer(int32_t operation, int32_t handle, const void *buffer, size_t size) {
    uintptr_t block[3];
    int32_t left;
    block[0] = (uintptr_t)handle;
    block[1] = (uintptr_t)buffer;
    block[2] = (uintptr_t)size;
    left = semihost(operation, block);
    if (left < 0 || (size_t)left > size) {
        return -1;
    }
    return (int32_t)(size - (size_t)left);
}

int32_t tmlc_sh_read(int32_t handle, void *buffer, size_t size) {
    return transfer(SYS_READ, handle, buffer, size);
}

int32_t tmlc_sh_write(int32_t handle, const void *buffer, size_t size) {
    return transfer(SYS_WRITE, handle, buffer, size);
}

void tmlc_sh_puts(const char *text) {
    (void)semihost(SYS_WRITE0, text);
}

void tmlc_sh_put_u32(uint32_t value) {
    char digits[11];
    int i = 10;
    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    tmlc_sh_puts(&digits[i]);
}

int32_t tmlc_sh_cmdline(char *buffer, size_t size) {
    uintptr_t block[2];
    block[0] = (uintptr_t)buffer;
    block[1] = (uintptr_t)size;
    if (size == 0u) {
        return -1;
    }
    if (semihost(SYS_GET_CMDLINE, block) != 0 || block[1] >= size) {
        buffer[0] = '\0';
        return -1;
    }
    buffer[block[1]] = '\0';
    return 0;
}

void tmlc_sh_exit(int success) {
    /* 32-bit SYS_EXIT takes the reason itself in r1, not a parameter block. */
    const uintptr_t reason = success ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUN_TIME_ERROR;
    for (;;) {
        (void)semihost(SYS_EXIT, (const void *)reason);
    }
}
