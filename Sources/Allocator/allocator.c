// cleartext's release build allocates with jemalloc (linked by Package.swift), not glibc's malloc.
//
// Why: sessions are parsed and reported through many small strings and arrays, and in a sharded run a report
// built on one thread is written and freed on another. glibc's malloc pays for both (about 9 % of a run, more on
// two threads, where every free of another thread's memory takes its arena's lock); jemalloc's thread caches do
// not. docs/performance.md has the measurements.
//
// jemalloc reads its options from this symbol at start (MALLOC_CONF in the environment still overrides them).
// Freed pages go back to the kernel after a quarter of a second instead of jemalloc's default ten, so that the
// peak resident size stays close to that of the live state (docs/performance.md, "How cost grows with file size").
#include "allocator.h"

__attribute__((visibility("default"))) const char *malloc_conf = "dirty_decay_ms:250";
