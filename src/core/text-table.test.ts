import { describe, expect, it } from 'vitest';
import { formatTextTable } from './text-table.js';

describe('formatTextTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(
      formatTextTable(
        ['CHECK', 'INSTANCE', 'DETAIL'],
        [
          ['healthz', 'http://a', '200 pass in 3 ms'],
          ['db-p95', 'http://long-host:8080', 'p95 1 ms'],
        ],
      ),
    ).toEqual([
      'CHECK    INSTANCE               DETAIL',
      'healthz  http://a               200 pass in 3 ms',
      'db-p95   http://long-host:8080  p95 1 ms',
    ]);
  });

  it('widens a column to its header when the header is the widest cell', () => {
    expect(formatTextTable(['calls', 'query'], [['3', 'select 1']])).toEqual(['calls  query', '3      select 1']);
  });

  it('leaves no trailing blanks when the last cells are short or empty', () => {
    const lines = formatTextTable(['a', 'b', 'c'], [['long value', 'x', '']]);
    expect(lines).toEqual(['a           b  c', 'long value  x']);
    for (const l of lines) expect(l).toBe(l.trimEnd());
  });

  it('prints the header alone when there are no rows', () => {
    expect(formatTextTable(['type', 'calls'], [])).toEqual(['type  calls']);
  });
});
