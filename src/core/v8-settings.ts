// Process-wide V8 settings, made by the command's entry (src/main.ts) before any other module is linked
// or loaded, so that they hold from the first WebAssembly module compiled and the first major collection on.
import { setFlagsFromString } from 'node:v8';
import { useBaselineWasmTier } from './wasm.js';

/**
 * How far the old generation may grow past what the last major collection kept alive before V8
 * collects again, in percent. Left to itself V8 lets it grow up to four times that when collections
 * are cheap, so a busy server holds garbage by the hundred MB: under the tester list's load (50
 * connections, PostgreSQL mode) the JavaScript heap grew from 40 to 151 MB while a heap snapshot
 * right after found 35 MB of it alive. With this setting the server peaked at 182–183 MiB there
 * against 279–281 MiB, with requests per CPU-second within the run-to-run spread
 * (docs/operations.md).
 */
export const HEAP_GROWING_PERCENT = 50;

useBaselineWasmTier();
setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
