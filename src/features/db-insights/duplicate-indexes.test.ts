import { describe, expect, it } from 'vitest';
import { findDuplicateIndexes, type IndexInfo } from './duplicate-indexes.js';

const ix = (name: string, columns: Array<string | null>, extra: Partial<IndexInfo> = {}): IndexInfo => ({
  schema: 'public',
  table: 't',
  name,
  method: 'btree',
  columns,
  expressions: null,
  predicate: null,
  unique: false,
  primary: false,
  valid: true,
  scans: 0,
  sizeBytes: 8192,
  ...extra,
});

describe('duplicate indexes', () => {
  it('reports an index whose columns lead another index on the same table', () => {
    const found = findDuplicateIndexes([ix('t_a', ['a']), ix('t_a_b', ['a', 'b']), ix('t_b', ['b'])]);
    expect(found).toEqual([{ schema: 'public', table: 't', index: 't_a', columns: ['a'], covered_by: 't_a_b', size_bytes: 8192 }]);
  });

  it('reports one of two identical indexes, and a plain index beside an identical unique one', () => {
    expect(findDuplicateIndexes([ix('t_x1', ['x']), ix('t_x2', ['x'])]).map((d) => d.index)).toEqual(['t_x2']);
    expect(findDuplicateIndexes([ix('t_x', ['x']), ix('t_x_key', ['x'], { unique: true })]).map((d) => d.index)).toEqual(['t_x']);
  });

  it('leaves unique, primary, partial, expression, other-method and invalid indexes alone unless truly covered', () => {
    expect(
      findDuplicateIndexes([
        ix('t_pkey', ['id'], { unique: true, primary: true }),
        ix('t_id_at', ['id', 'at']),
        ix('t_u', ['u'], { unique: true }),
        ix('t_u_v', ['u', 'v']),
        ix('t_p', ['p'], { predicate: '(p IS NOT NULL)' }),
        ix('t_p_q', ['p', 'q']),
        ix('t_lower', [null], { expressions: 'lower(email)' }),
        ix('t_lower_2', [null, 'at'], { expressions: 'upper(email)' }),
        ix('t_g', ['g'], { method: 'gin' }),
        ix('t_g_h', ['g', 'h']),
        ix('t_bad', ['w', 'z'], { valid: false }),
        ix('t_w', ['w']),
      ]),
    ).toEqual([]);
  });
});
