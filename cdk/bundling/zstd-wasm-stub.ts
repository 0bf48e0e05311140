/**
 * Stands in for @bokuweb/zstd-wasm in the Lambda bundles. The library imports that WASM build only
 * on Node.js without zstd in node:zlib (before 22.15); the nodejs22.x runtime has it, so the
 * fallback would be dead weight, and as an external its static import would load at cold start.
 */
function unavailable(): never {
  throw new Error(
    'the zstd WASM fallback is not bundled: this runtime lacks zstd in node:zlib (Node.js 22.15+ has it)',
  );
}

/** Never called on Node.js 22.15+. */
export const init = unavailable;
/** Never called on Node.js 22.15+. */
export const compress = unavailable;
/** Never called on Node.js 22.15+. */
export const decompress = unavailable;
