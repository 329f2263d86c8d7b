// clone3 with a child stack of our own; see clone3.h.
//
// The trampoline keeps `fn` and `arg` in registers the system call leaves
// alone, so the child, which starts on its new stack with nothing on it,
// can call fn(arg) and then exit with the result without ever returning.
#define _GNU_SOURCE
#include "clone3.h"

#include <errno.h>

/// The raw call: the child's pid, 0 never (the child does not come back),
/// or -errno.
long ppm_clone3_raw(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

#if defined(__x86_64__)
// rdi = args, rsi = size, rdx = fn, rcx = arg. syscall clobbers rax, rcx
// and r11 only: fn goes to r9, arg to r8.
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl ppm_clone3_raw\n"
    ".hidden ppm_clone3_raw\n"
    ".type ppm_clone3_raw,@function\n"
    "ppm_clone3_raw:\n"
    "    mov %rdx, %r9\n"
    "    mov %rcx, %r8\n"
    "    mov $435, %eax\n"          // __NR_clone3
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jnz 1f\n"
    "    xor %ebp, %ebp\n"          // the child: an outermost frame
    "    mov %r8, %rdi\n"
    "    call *%r9\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"           // __NR_exit
    "    syscall\n"
    "    hlt\n"
    "1:  ret\n"
    ".size ppm_clone3_raw, .-ppm_clone3_raw\n");
#elif defined(__aarch64__)
// x0 = args, x1 = size, x2 = fn, x3 = arg. svc preserves every register
// but x0: fn goes to x10, arg to x11.
__asm__(
    ".text\n"
    ".p2align 2\n"
    ".globl ppm_clone3_raw\n"
    ".hidden ppm_clone3_raw\n"
    ".type ppm_clone3_raw,%function\n"
    "ppm_clone3_raw:\n"
    "    mov x10, x2\n"
    "    mov x11, x3\n"
    "    mov x8, #435\n"            // __NR_clone3
    "    svc #0\n"
    "    cbnz x0, 1f\n"
    "    mov x29, xzr\n"            // the child: an outermost frame
    "    mov x30, xzr\n"
    "    mov x0, x11\n"
    "    blr x10\n"
    "    mov x8, #93\n"             // __NR_exit
    "    svc #0\n"
    "    brk #0\n"
    "1:  ret\n"
    ".size ppm_clone3_raw, .-ppm_clone3_raw\n");
#else
long ppm_clone3_raw(struct clone_args *args, size_t size, int (*fn)(void *), void *arg) {
    (void)args; (void)size; (void)fn; (void)arg;
    return -ENOSYS;
}
#endif

pid_t ppm_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg) {
    long r = ppm_clone3_raw(args, size, fn, arg);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (pid_t)r;
}
