// clone3 with a child stack of our own (internal to the spawner).
#ifndef PPM_CLONE3_H
#define PPM_CLONE3_H

#include <linux/sched.h>
#include <stddef.h>
#include <sys/types.h>

/// clone3(2) whose child runs `fn(arg)` on `args->stack` and exits with its
/// result. glibc has no public clone3 wrapper, and a child on a new stack
/// cannot return through an ordinary syscall wrapper: the return address
/// is on the parent's stack. The child's pid in the parent, or -1 with errno
/// (ENOSYS on x86_64 and arm64 kernels before 5.3, or other architectures).
pid_t ppm_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

#endif
