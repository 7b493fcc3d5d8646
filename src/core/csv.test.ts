import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvStream, safeCell } from './csv.js';

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
