#ifndef CVECSHIM_H
#define CVECSHIM_H
// What Swift cannot reach by itself: glibc's _GNU_SOURCE calls and the compiler's ISA macros.

/// CPU the calling thread runs on now (sched_getcpu), or -1.
int vg_current_cpu(void);
/// Kernel thread id of the calling thread (gettid).
long vg_thread_id(void);

/// ISA level the *including* module was compiled for, read from the compiler's macros.
/// 0 = baseline x86-64 (SSE2), 1 = AVX2+FMA (x86-64-v3), 2 = AVX-512F, -1 = not x86.
/// static inline so that it is evaluated with the flags of the Swift module that imports it.
static inline int vg_compiled_isa_level(void) {
#if defined(__AVX512F__)
    return 2;
#elif defined(__AVX2__) && defined(__FMA__)
    return 1;
#elif defined(__x86_64__)
    return 0;
#else
    return -1;
#endif
}

/// Highest ISA level this CPU supports at run time, same scale as vg_compiled_isa_level.
int vg_machine_isa_level(void);

/// Spin-wait hint (x86 PAUSE) for the thread pool's short busy waits.
static inline void vg_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/// Number of CPUs in this process's affinity mask (what the OS lets us run on).
int vg_available_cpus(void);

#endif
