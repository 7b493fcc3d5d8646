// Keyset pagination: an opaque cursor holds the (time, id) position of the last row served.
import { AppError } from './errors.js';
import { isUuid } from './ids.js';

export interface Position {
  at: Date;
  id: string;
}

const invalid = () => new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');

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
  const { t, id } = (parsed ?? {}) as { t?: unknown; id?: unknown };
  if (typeof t !== 'string' || typeof id !== 'string' || !isUuid(id)) throw invalid();
  const at = new Date(t);
  if (Number.isNaN(at.getTime())) throw invalid();
  return { at, id };
}

/** Cuts one extra fetched row off a page and turns its predecessor into the next cursor. */
export function paginate<T>(rows: T[], limit: number, positionOf: (row: T) => Position): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
