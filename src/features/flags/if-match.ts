// The optimistic-concurrency header of flag and segment edits.
import { AppError } from '../../core/errors.js';

/** `If-Match: 3`, `"3"` or `W/"3"` → 3. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw new AppError('VALIDATION_ERROR', 'headers/if-match must be a flag version, e.g. "3".');
  return Number(match[1]);
}
