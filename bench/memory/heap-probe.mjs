// Preloaded into the function's runtime by bench/memory.ts (`NODE_OPTIONS=--import=...`): samples
// the V8 heap while invocations run, since the peak of `heapUsed` is gone by the time the
// invocation returns, and writes the highest values to MEMORY_PROBE_FILE on SIGUSR2. Plain
// JavaScript, so the runtime loads it without a TypeScript loader; it holds a few objects only.
import { writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

const out = process.env.MEMORY_PROBE_FILE;
const SAMPLE_MS = 2;
const peak = { heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, arrayBuffersBytes: 0 };

function sample() {
  const usage = process.memoryUsage();
  peak.heapUsedBytes = Math.max(peak.heapUsedBytes, usage.heapUsed);
  peak.heapTotalBytes = Math.max(peak.heapTotalBytes, usage.heapTotal);
  peak.externalBytes = Math.max(peak.externalBytes, usage.external);
  peak.arrayBuffersBytes = Math.max(peak.arrayBuffersBytes, usage.arrayBuffers);
}

if (out) {
  setInterval(sample, SAMPLE_MS).unref();
  process.on('SIGUSR2', () => {
    sample();
    const { heap_size_limit: heapLimitBytes } = getHeapStatistics();
    writeFileSync(out, JSON.stringify({ ...peak, heapLimitBytes }));
  });
}
