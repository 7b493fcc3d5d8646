// V8's WebAssembly tiers. Three modules run here: PGlite (the embedded database), the SQL parser
// behind query shapes, and the HTTP parser of Node's built-in client, which Node 20 compiles as soon
// as anything reads the `Response` global (`pg` does, when it loads). V8 compiles each module at once
// with its baseline compiler (Liftoff) and may then compile its functions again with its optimising
// compiler (TurboFan); for these modules the second tier's code and its compilation memory stay
// resident for good. Measured here:
// - embedded database, idle after start: 247–275 MB with the baseline tier alone against 343–367 MB
//   with both, with feedback writes at 1,118 against 1,140 requests per CPU-second (within the
//   run-to-run spread) and the tester list faster (473 against 398);
// - PostgreSQL mode, the parser alone: idle after start 156 MB against 246 MB. The parser runs once
//   per distinct statement text (its shapes are cached), so its speed does not show in requests.
// - PostgreSQL mode, the tier chosen before `pg` loads rather than just before the SQL parser: idle
//   after start and setup 146–152 MB against 208–237 MB (three interleaved runs each), OFREP bulk
//   evaluation per CPU-second unchanged within the run-to-run spread. Set later, after Node had begun
//   compiling its HTTP parser, V8 still compiled WebAssembly with its optimising tier during the start
//   (a `perf` trace shows it in V8's worker threads), even with the SQL parser not loaded at all, and
//   `malloc` kept the 60 MB those threads used.
import { setFlagsFromString } from 'node:v8';

/** Keeps WebAssembly on the baseline tier; called before a module is compiled (setting it again is harmless). */
export function useBaselineWasmTier(): void {
  setFlagsFromString('--liftoff-only');
}
