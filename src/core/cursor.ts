// Opaque pagination cursors: base64url JSON of the last row's sort key.
import { AppError } from './errors.js';

export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');
  }
  if (parsed === null || typeof parsed !== 'object') throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');
  const record = parsed as Record<string, unknown>;
  for (const key of keys) {
    if (typeof record[key] !== 'string') throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor.');
  }
  return record as Record<K, string>;
}
