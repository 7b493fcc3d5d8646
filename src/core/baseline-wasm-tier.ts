// Imported first by the command (src/main.ts), so that every WebAssembly module the process compiles,
// the first one included, stays on V8's baseline tier (see ./wasm.ts).
import { useBaselineWasmTier } from './wasm.js';

useBaselineWasmTier();
