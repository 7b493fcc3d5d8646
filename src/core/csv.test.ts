import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvStream, safeCell, writeRow } from './csv.js';

async function render(rows: unknown[][]): Promise<string> {
  const stream = csvStream(['a', 'b']);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  const done = new Promise((r) => stream.on('end', r));
  for (const row of rows) stream.write(row.map(safeCell));
  stream.end();
  await done;
  return Buffer.concat(chunks).toString('utf8');
}

/** Rows written until the stream asks the writer to wait (nobody reads it yet). */
function fillUntilFull(csv: ReturnType<typeof csvStream>): number {
  let rows = 0;
  while (csv.write([`row ${rows}`, 'x'.repeat(100)])) rows++;
  return rows + 1;
}

describe('safeCell', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('guards %j', (cell) => {
    expect(safeCell(cell)).toBe(`'${cell}`);
  });

  it('leaves ordinary values alone', () => {
    expect(safeCell('hello, "world"')).toBe('hello, "world"');
    expect(safeCell('a=1')).toBe('a=1'); // only a leading formula character counts
    expect(safeCell(' =1')).toBe(' =1');
    expect(safeCell('\nx')).toBe('\nx');
    expect(safeCell('')).toBe('');
    expect(safeCell(5)).toBe('5');
    expect(safeCell(10n)).toBe('10');
    expect(safeCell(Number.NaN)).toBe('NaN'); // as text, not JSON's null
    expect(safeCell(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(safeCell(true)).toBe('true');
    expect(safeCell(false)).toBe('false');
    expect(safeCell(null)).toBe('');
    expect(safeCell(undefined)).toBe('');
    expect(safeCell(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(safeCell({ a: 1 })).toBe('{"a":1}');
    expect(safeCell(['x', 2])).toBe('["x",2]');
  });

  it('guards negative numbers and JSON that starts like a formula', () => {
    expect(safeCell(-5)).toBe("'-5");
    expect(safeCell('-')).toBe("'-");
  });
});

describe('csvStream', () => {
  it('writes a BOM, a header and RFC 4180 quoting that a real parser reads back', async () => {
    const hostile = ['=HYPERLINK("http://evil")', 'line one\nline two', 'quote " inside', 'comma, here', 'ünïcødé 🙂', '-2+3'];
    const text = await render(hostile.map((h) => [h, 'x']));
    expect(text.startsWith('\ufeff')).toBe(true);
    const parsed = parse<{ a: string; b: string }>(text.slice(1), { columns: true });
    expect(parsed.map((r) => r.a)).toEqual(hostile.map((h) => (/^[=+\-@\t\r]/.test(h) ? `'${h}` : h)));
  });

  it('quotes exactly the cells holding a quote, a comma, a CR or a LF', async () => {
    const text = await render([
      ['plain', 'two words'],
      ['a,b', 'say "hi"'],
      ['cr\rhere', 'lf\nhere'],
      ['', "it's"],
    ]);
    expect(text).toBe('\ufeffa,b\nplain,two words\n"a,b","say ""hi"""\n"cr\rhere","lf\nhere"\n,it\'s\n');
  });
});

describe('writeRow', () => {
  it('writes a row and reports that the download goes on', async () => {
    const csv = csvStream(['a', 'b']);
    const chunks: string[] = [];
    csv.on('data', (c: Buffer) => chunks.push(c.toString()));
    expect(await writeRow(csv, ['1', '2'])).toBe(true);
    csv.end();
    await new Promise((r) => csv.on('end', r));
    expect(chunks.join('')).toBe('\ufeffa,b\n1,2\n');
  });

  it('waits while the reader is slow, and goes on once it catches up', async () => {
    const csv = csvStream(['a', 'b']);
    fillUntilFull(csv);
    let settled = false;
    const pending = writeRow(csv, ['late', 'row']).then((more) => ((settled = true), more));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    csv.resume(); // the reader drains the buffer
    expect(await pending).toBe(true);
    // It stops listening once it is done waiting.
    expect(csv.listenerCount('drain')).toBe(0);
    expect(csv.listenerCount('close')).toBe(0);
  });

  it('stops when the download is aborted while it waits, and writes nothing more afterwards', async () => {
    const csv = csvStream(['a', 'b']);
    fillUntilFull(csv);
    const pending = writeRow(csv, ['late', 'row']);
    csv.destroy(); // the client went away mid-download
    expect(await pending).toBe(false);
    expect(csv.listenerCount('drain')).toBe(0);
    let written = 0;
    const write = csv.write.bind(csv);
    csv.write = ((...args: Parameters<typeof write>) => (written++, write(...args))) as typeof csv.write;
    expect(await writeRow(csv, ['after', 'abort'])).toBe(false);
    expect(written).toBe(0);
  });
});
