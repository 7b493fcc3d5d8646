import { describe, expect, it } from 'vitest';
import type { IndexCandidate } from './plan-analysis.js';
import { coveringIndex, createIndexStatement, indexName, orderColumns, quoteIdent, reductionPct, type ExistingIndex } from './suggest.js';

const candidate = (c: Partial<IndexCandidate>): IndexCandidate => ({
  schema: undefined,
  table: 't',
  equality: [],
  range: [],
  sort: [],
  reason: 'seq_scan_filter',
  rowsScanned: 100_000,
  ...c,
});

describe('column order', () => {
  it('puts the most selective equality column first, by pg_stats n_distinct (negative: a fraction of the rows)', () => {
    const stats = new Map([
      ['status', { nDistinct: 3 }],
      ['user_id', { nDistinct: -0.5 }],
      ['kind', { nDistinct: 40 }],
    ]);
    expect(orderColumns(candidate({ equality: ['status', 'kind', 'user_id'] }), stats, 100_000).map((c) => c.column)).toEqual([
      'user_id',
      'kind',
      'status',
    ]);
    // Without statistics the order of appearance holds.
    expect(orderColumns(candidate({ equality: ['b', 'a'] }), new Map(), 0).map((c) => c.column)).toEqual(['b', 'a']);
  });

  it('adds one range column after the equality columns, else the sort keys', () => {
    expect(orderColumns(candidate({ equality: ['a'], range: ['b', 'c'], sort: [{ column: 'd', desc: false }] }), new Map(), 1)).toEqual([
      { column: 'a', desc: false },
      { column: 'b', desc: false },
    ]);
    const sort = [
      { column: 'at', desc: true },
      { column: 'id', desc: true },
    ];
    // One direction: a plain index, scanned backwards.
    expect(orderColumns(candidate({ equality: ['action'], sort }), new Map(), 1)).toEqual([
      { column: 'action', desc: false },
      { column: 'at', desc: false },
      { column: 'id', desc: false },
    ]);
    // Mixed directions must be spelled out.
    expect(
      orderColumns(
        candidate({
          sort: [
            { column: 'a', desc: false },
            { column: 'b', desc: true },
          ],
        }),
        new Map(),
        1,
      ),
    ).toEqual([
      { column: 'a', desc: false },
      { column: 'b', desc: true },
    ]);
  });

  it('never repeats a column and stops at four', () => {
    const cols = orderColumns(candidate({ equality: ['a', 'b', 'c', 'd', 'e'], sort: [{ column: 'a', desc: false }] }), new Map(), 1);
    expect(cols.map((c) => c.column)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('statements', () => {
  it('quotes what needs quoting', () => {
    expect(quoteIdent('action')).toBe('action');
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('Mixed"Case')).toBe('"Mixed""Case"');
  });

  it('builds CREATE INDEX, named or not, concurrently or not', () => {
    const columns = [
      { column: 'action', desc: false },
      { column: 'at', desc: true },
    ];
    expect(createIndexStatement({ schema: 'public', table: 'audit_log' }, columns, { concurrently: true })).toBe(
      'CREATE INDEX CONCURRENTLY audit_log_action_at_idx ON audit_log (action, at DESC)',
    );
    expect(createIndexStatement({ schema: 'app', table: 'order' }, columns, { concurrently: false, name: '' })).toBe(
      'CREATE INDEX ON app."order" (action, at DESC)',
    );
    expect(indexName('t'.repeat(80), columns)).toHaveLength(63);
  });
});

describe('existing indexes', () => {
  const existing: ExistingIndex[] = [
    { schema: 'public', table: 'audit_log', name: 'a_at', columns: ['at', 'id'], valid: true, partial: false },
    { schema: 'public', table: 'audit_log', name: 'a_action_at', columns: ['action', 'at', 'id'], valid: true, partial: false },
    { schema: 'public', table: 'audit_log', name: 'bad', columns: ['actor'], valid: false, partial: false },
    { schema: 'public', table: 'audit_log', name: 'part', columns: ['entity_id'], valid: true, partial: true },
  ];
  const cols = (...names: string[]) => names.map((column) => ({ column, desc: false }));

  it('covers a suggestion when its columns lead a valid, whole-table index', () => {
    expect(coveringIndex(existing, 'public', 'audit_log', cols('action', 'at'))?.name).toBe('a_action_at');
    expect(coveringIndex(existing, 'public', 'audit_log', cols('at', 'action'))).toBeUndefined();
    expect(coveringIndex(existing, 'public', 'audit_log', cols('actor'))).toBeUndefined();
    expect(coveringIndex(existing, 'public', 'audit_log', cols('entity_id'))).toBeUndefined();
    expect(coveringIndex(existing, 'other', 'audit_log', cols('action'))).toBeUndefined();
  });

  it('measures the reduction in percent', () => {
    expect(reductionPct(1438.78, 85.78)).toBe(94);
    expect(reductionPct(100, 100)).toBe(0);
    expect(reductionPct(0, 0)).toBe(0);
  });
});
