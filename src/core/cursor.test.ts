// Cursors are opaque to clients but decoded from their hands: only positions the database can compare get through.
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { decodeCursor, encodeCursor, paginate } from './cursor.js';

const ID = '0b6f1c0e-8f0a-4c39-9a53-2f6a3f1d7e21';
const craft = (payload: unknown) => Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');

function refusal(cursor: string): AppError {
  try {
    decodeCursor(cursor);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`expected ${cursor} to be refused`);
}

describe('cursor', () => {
  it('decodes what it encodes', () => {
    const at = new Date('2026-03-01T12:34:56.789Z');
    expect(decodeCursor(encodeCursor({ at, id: ID }))).toEqual({ at, id: ID });
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each(['1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'])('accepts the edge of the range, %s', (t) => {
    expect(decodeCursor(craft({ t, id: ID }))?.at.toISOString()).toBe(t);
  });

  it.each([
    ['a year the database cannot store', '-100000-01-01'],
    ['an expanded year', '-100000-01-01T00:00:00.000Z'],
    ['a year after 9999', '+010000-01-01T00:00:00.000Z'],
    ['a year before 1970', '1969-12-31T23:59:59.999Z'],
    ['a date alone', '2026-03-01'],
    ['a date that rolls over', '2026-02-30T00:00:00.000Z'],
    ['another date format', 'Sun, 01 Mar 2026 12:00:00 GMT'],
    ['an offset instead of Z', '2026-03-01T12:00:00.000+01:00'],
    ['no date at all', 'soon'],
  ])('refuses %s as a 400', (_why, t) => {
    const err = refusal(craft({ t, id: ID }));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.status).toBe(400);
  });

  it.each([
    ['an id of another shape', craft({ t: '2026-03-01T12:00:00.000Z', id: '42' })],
    ['a numeric time', craft({ t: 1_700_000_000_000, id: ID })],
    ['a JSON value that is not an object', craft(null)],
    ['an array', craft(['2026-03-01T12:00:00.000Z', ID])],
    ['bytes that are not JSON', 'not-a-cursor'],
  ])('refuses %s as a 400', (_why, cursor) => {
    expect(refusal(cursor).code).toBe('VALIDATION_ERROR');
  });

  it('hands out a next cursor only when a further row was fetched', () => {
    const rows = [1, 2, 3].map((n) => ({ at: new Date(Date.UTC(2026, 0, n)), id: ID }));
    const page = paginate(rows, 2, (r) => r);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.next_cursor!)).toEqual(rows[1]);
    expect(paginate(rows, 3, (r) => r).next_cursor).toBeNull();
  });
});
