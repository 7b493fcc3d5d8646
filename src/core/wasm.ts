// V8's WebAssembly tiers. Two modules run here: PGlite (the embedded database) and the SQL parser
// behind query shapes. V8 compiles each at once with its baseline compiler (Liftoff) and then compiles
// the functions that run often again with its optimising compiler (TurboFan); for these large modules
// the second tier's code and its compilation memory stay resident for good. Measured here:
// - embedded database, idle after start: 247–275 MB with the baseline tier alone against 343–367 MB
//   with both, with feedback writes at 1,118 against 1,140 requests per CPU-second (within the
//   run-to-run spread) and the tester list faster (473 against 398);
// - PostgreSQL mode (the parser alone), idle after start: 156 MB against 246 MB. The parser runs
//   once per distinct statement text (its shapes are cached), so its speed does not show in requests.
import { setFlagsFromString } from 'node:v8';

/** Keeps WebAssembly on the baseline tier; called before a module is compiled (setting it again is harmless). */
export function useBaselineWasmTier(): void {
  setFlagsFromString('--liftoff-only');
}
