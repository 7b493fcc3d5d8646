// Keyset pagination: an opaque cursor holds the (time, id) position of the last row served.
import { AppError } from './errors.js';
import { isUuid } from './ids.js';

export interface Position {
  at: Date;
  id: string;
}

const invalid = () => new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');

// Rows are stamped when written, so their times fall well inside this range; a time outside it can
// only come from a crafted cursor, and some (before 4713 BC) make PostgreSQL fail with 22008.
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** The time a cursor names, only in the exact form `encodeCursor` writes (`toISOString`) and within 1970–9999. */
function positionTime(t: unknown): Date | undefined {
  if (typeof t !== 'string') return undefined;
  const at = new Date(t);
  const ms = at.getTime();
  if (!(ms >= EARLIEST && ms < LATEST) || at.toISOString() !== t) return undefined;
  return at;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify({ t: position.at.toISOString(), id: position.id }), 'utf8').toString('base64url');
}

/** The position a cursor names; a malformed cursor is a 400. */
export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  const { t, id } = parsed as { t?: unknown; id?: unknown };
  const at = positionTime(t);
  if (at === undefined || typeof id !== 'string' || !isUuid(id)) throw invalid();
  return { at, id };
}

/** Cuts one extra fetched row off a page and turns its predecessor into the next cursor. */
export function paginate<T>(rows: T[], limit: number, positionOf: (row: T) => Position): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
