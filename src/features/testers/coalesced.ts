// Coalescing for a reload that many callers ask for at once: one at a time, and one more after it.

/**
 * One load at a time: callers arriving while one runs share a single load started after it, which
 * sees everything they committed before calling (50 enrolments at once cost two loads, not 50).
 */
export function coalesced(load: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const start = (): Promise<void> => {
    running = load().finally(() => (running = undefined));
    return running;
  };
  return () => {
    if (!running) return start();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    return queued;
  };
}
