// make bench's probe of where the machine put its two CPUs: the time for one cache line to go from one
// thread to the other and back, each thread spinning on its own CPU. On this project's 2-vCPU VM the host
// places the vCPUs close together (~80 ns) at some moments and far apart (~400 ns) at others, and a
// two-thread run's speed-up follows: every range, payload and report the reader and the worker hand each
// other crosses that distance. Prints the median round trip in nanoseconds of 5 runs.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ROUND_TRIPS = 200000, RUNS = 5 };

static _Atomic long turn __attribute__((aligned(64)));

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// The other thread: waits for each odd value and answers with the next even one.
static void *answer(void *unused) {
    (void)unused;
    for (long i = 0; i < ROUND_TRIPS; i++) {
        while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 1) {}
        atomic_store_explicit(&turn, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    double ns[RUNS];
    for (int run = 0; run < RUNS; run++) {
        atomic_store(&turn, 0);
        pthread_t other;
        if (pthread_create(&other, NULL, answer, NULL) != 0) return 1;
        double start = seconds();
        for (long i = 0; i < ROUND_TRIPS; i++) {
            atomic_store_explicit(&turn, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 2) {}
        }
        ns[run] = (seconds() - start) / ROUND_TRIPS * 1e9;
        pthread_join(other, NULL);
    }
    qsort(ns, RUNS, sizeof ns[0], ascending);
    printf("%.0f\n", ns[RUNS / 2]);
    return 0;
}
