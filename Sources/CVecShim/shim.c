#define _GNU_SOURCE
#include <sched.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include "CVecShim.h"

int vg_current_cpu(void) { return sched_getcpu(); }

long vg_thread_id(void) { return (long)syscall(SYS_gettid); }

int vg_cpu_is_amd(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_is("amd");
#else
    return 0;
#endif
}

int vg_cpu_amd_family(void) {
#if defined(__x86_64__)
    if (!vg_cpu_is_amd()) return 0;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    unsigned base = (a >> 8) & 0xF, extended = (a >> 20) & 0xFF;
    return (int)(base == 0xF ? base + extended : base);
#else
    return 0;
#endif
}

int vg_machine_isa_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
#else
    return -1;
#endif
}

/* The process's affinity mask, read once (Threading.processCPUs reads it when threading is set
 * up, before anything pins a thread): what a parallel loop is capped at and what unpinning returns
 * a thread to, so that a process started under taskset or a cpuset keeps to its CPUs. If it cannot
 * be read, every online CPU. */
static cpu_set_t vg_process_set;
static pthread_once_t vg_process_once = PTHREAD_ONCE_INIT;

static void vg_read_process_set(void) {
    CPU_ZERO(&vg_process_set);
    if (sched_getaffinity(0, sizeof(vg_process_set), &vg_process_set) == 0 && CPU_COUNT(&vg_process_set) > 0) return;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    for (long c = 0; c < (online > 0 ? online : 1) && c < CPU_SETSIZE; c++) CPU_SET((int)c, &vg_process_set);
}

int vg_process_cpu_list(int *cpus, int capacity) {
    pthread_once(&vg_process_once, vg_read_process_set);
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &vg_process_set)) continue;
        if (n < capacity) cpus[n] = c;
        n++;
    }
    return n;
}

int vg_bind_thread_to_process_cpus(void) {
    pthread_once(&vg_process_once, vg_read_process_set);
    return sched_setaffinity(0, sizeof(vg_process_set), &vg_process_set);
}

int vg_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return (int)sysconf(_SC_NPROCESSORS_ONLN);
    return CPU_COUNT(&set);
}

typedef float vg_v16 __attribute__((vector_size(64), aligned(64)));

/// Streaming stores are weakly ordered: without a fence another thread (or the timer read after
/// the pool's join) could run before they are globally visible.
static inline void vg_store_fence(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#endif
}

float vg_bw_read(const float *a, long n, long reps) {
    // Eight chains: two loads a cycle against a 4-cycle add latency, so that L1 is the limit.
    vg_v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
    const vg_v16 *v = (const vg_v16 *)a;
    long m = n / 16;
    for (long r = 0; r < reps; r++) {
        long i = 0;
        for (; i + 8 <= m; i += 8) {
            s0 += v[i]; s1 += v[i + 1]; s2 += v[i + 2]; s3 += v[i + 3];
            s4 += v[i + 4]; s5 += v[i + 5]; s6 += v[i + 6]; s7 += v[i + 7];
        }
        for (; i < m; i++) s0 += v[i];
    }
    vg_v16 s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    float t = 0;
    for (int j = 0; j < 16; j++) t += s[j];
    return t;
}

void vg_bw_copy(float *b, const float *a, long n, float s, int nontemporal, long reps) {
    const vg_v16 *x = (const vg_v16 *)a;
    vg_v16 *y = (vg_v16 *)b;
    for (long r = 0; r < reps; r++) {
        if (nontemporal) { for (long i = 0; i < n / 16; i++) __builtin_nontemporal_store(s * x[i], &y[i]); vg_store_fence(); }
        else { for (long i = 0; i < n / 16; i++) y[i] = s * x[i]; }
    }
}

void vg_bw_triad(float *c, const float *a, const float *b, long n, float s, int nontemporal, long reps) {
    const vg_v16 *x = (const vg_v16 *)a, *y = (const vg_v16 *)b;
    vg_v16 *z = (vg_v16 *)c;
    for (long r = 0; r < reps; r++) {
        if (nontemporal) { for (long i = 0; i < n / 16; i++) __builtin_nontemporal_store(x[i] + s * y[i], &z[i]); vg_store_fence(); }
        else { for (long i = 0; i < n / 16; i++) z[i] = x[i] + s * y[i]; }
    }
}

void vg_bw_update(float *a, long n, float s, long reps) {
    vg_v16 *x = (vg_v16 *)a;
    for (long r = 0; r < reps; r++) for (long i = 0; i < n / 16; i++) x[i] = s * x[i];
}
