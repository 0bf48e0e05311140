/**
 * The Node.js flags Lambda's own runtime starts a function with. Its bootstrap
 * (`/var/runtime/bootstrap` in the public.ecr.aws/lambda/nodejs images) derives the V8 heap from
 * `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`: a tenth of the memory for the young generation (half of it
 * per semi-space), the rest for the old generation; a 128 MB function runs with
 * `--max-semi-space-size=6 --max-old-space-size=116`. Without them, V8 sizes its heap from the
 * host's memory and a local run never collects garbage the way a small function must.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size',
    '81920',
    `--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`,
    `--max-old-space-size=${memoryMb - newSpaceMb}`,
  ];
}
