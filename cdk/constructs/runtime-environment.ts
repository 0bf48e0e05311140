/**
 * glibc malloc settings every bridge function runs with (bench/memory.ts measures them).
 *
 * A Buffer of more than 128 KiB is mmap-ed by glibc and unmapped when freed, but glibc then raises
 * its mmap threshold to that size (up to 32 MiB), so the next request's multi-megabyte buffers
 * come from the heap, where freed memory stays resident: a warm function's peak climbed by 20-30
 * MiB over a few full SQS batches. A fixed threshold turns that dynamic adjustment off. One arena
 * per thread (Node's libuv pool, V8's GC workers) each keeps its own free memory; two arenas bound
 * that. Neither changes what the code does, only where freed memory goes.
 */
export const MALLOC_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_ARENA_MAX: '2',
};
