// CSV for spreadsheets: RFC 4180 quoting, UTF-8 with a byte-order mark, and the OWASP
// formula-injection guard (cells starting with = + - @ tab or CR get a leading ').
import { Readable, pipeline } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';

const FORMULA_START = /^[=+\-@\t\r]/;

/** The text of one cell, neutralised so no spreadsheet evaluates it. */
export function safeCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A streaming CSV writer with a header row (`csvExport` feeds it). */
export function csvStream(columns: readonly string[]): Stringifier {
  return stringify({ bom: true, header: true, columns: [...columns], quoted_match: /[",\r\n]/, cast: { string: (v) => v } });
}

/**
 * A CSV download of `rows`, read lazily through one `stream.pipeline`: a slow reader pauses the
 * reads, an aborted download (the returned stream destroyed) stops them, and a failing read ends
 * the download in error rather than truncating it silently. Every cell goes through `safeCell`.
 */
export function csvExport<T>(columns: readonly string[], rows: AsyncIterable<T>, cellsOf: (row: T) => readonly unknown[]): Stringifier {
  async function* records(): AsyncGenerator<string[]> {
    for await (const row of rows) yield cellsOf(row).map(safeCell);
  }
  const csv = csvStream(columns);
  // The outcome reaches the reader through `csv` itself (ended or destroyed): nothing to do here.
  pipeline(Readable.from(records()), csv, () => undefined);
  return csv;
}
