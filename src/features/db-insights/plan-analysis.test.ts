import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './fingerprint.js';
import {
  conditionColumns,
  findIndexCandidates,
  redactPlan,
  redactText,
  sortColumns,
  summarizePlan,
  type ExplainRoot,
  type PlanNode,
} from './plan-analysis.js';

beforeAll(() => loadParser());

const seqScan = (relation: string, filter: string, extra: Partial<PlanNode> = {}): PlanNode => ({
  'Node Type': 'Seq Scan',
  'Relation Name': relation,
  Alias: relation,
  'Total Cost': 4000,
  'Plan Rows': 200,
  Filter: filter,
  'Actual Rows': 200,
  'Actual Loops': 1,
  'Rows Removed by Filter': 199_800,
  ...extra,
});

/** Limit → Sort → Seq Scan, as PostgreSQL plans `WHERE … ORDER BY … LIMIT` without an index. */
const topN: ExplainRoot = {
  Plan: {
    'Node Type': 'Limit',
    'Total Cost': 4100,
    Plans: [
      {
        'Node Type': 'Sort',
        'Sort Key': ['audit_log.at DESC', 'audit_log.id DESC'],
        Plans: [seqScan('audit_log', "((action = 'secret.value'::text) AND (at >= '2001-02-03 04:05:06+00'::timestamp with time zone))")],
      },
    ],
  },
  'Execution Time': 48.2,
};

describe('plan redaction', () => {
  it('replaces string and numeric literals, keeps identifiers, casts and parameters', () => {
    expect(redactText('((email)::text = \'ann@example.com\'::text) AND (age > 41) AND ("col 2" = $1)')).toBe(
      '((email)::text = ?::text) AND (age > ?) AND ("col 2" = $1)',
    );
    expect(redactText("(tags @> '{a,b}'::text[]) AND (x = -3.5e2) AND (c1 = E'it''s')")).toBe(
      '(tags @> ?::text[]) AND (x = ?) AND (c1 = ?)',
    );
  });

  it('redacts every condition in the tree and leaves plan structure and numbers alone', () => {
    const redacted = redactPlan(topN);
    const text = JSON.stringify(redacted);
    expect(text).not.toMatch(/secret\.value|2001-02-03/);
    expect(redacted.Plan.Plans![0]!.Plans![0]!['Relation Name']).toBe('audit_log');
    expect(redacted.Plan.Plans![0]!.Plans![0]!['Rows Removed by Filter']).toBe(199_800);
    expect(redacted.Plan.Plans![0]!['Sort Key']).toEqual(['audit_log.at DESC', 'audit_log.id DESC']);
    expect(JSON.stringify(topN)).toContain('secret.value'); // the input is not modified
  });

  it('summarises the node chain on one line', () => {
    expect(summarizePlan(redactPlan(topN))).toBe(
      'Limit → Sort (by audit_log.at DESC, audit_log.id DESC) → Seq Scan on audit_log (filter: ((action = ?::text) AND (at >= ?::timestamp with time zone)); 199800 rows removed; 200 rows) · cost 4100, 48.2 ms',
    );
  });
});

describe('conditions and sort keys', () => {
  it('finds equality and range columns of the relation only', () => {
    expect(
      conditionColumns("((a = $1) AND (b >= 5) AND (c IS NULL) AND (d = ANY ('{1,2}'::integer[])) AND ((e)::text = 'x'::text))", 't', 't'),
    ).toEqual({
      equality: ['a', 'c', 'd', 'e'],
      range: ['b'],
    });
    // Another relation's column, a comparison of two columns, OR, and LIKE suggest nothing.
    expect(conditionColumns('((o.x = 1) AND (t.y = t.z))', 't', 'things')).toEqual({ equality: [], range: [] });
    expect(conditionColumns('((a = 1) OR (b = 2))', 't', 't')).toEqual({ equality: [], range: [] });
    expect(conditionColumns("(name ~~ 'abc%'::text)", 't', 't')).toEqual({ equality: [], range: [] });
    expect(conditionColumns('(hashed SubPlan 1)', 't', 't')).toEqual({ equality: [], range: [] });
    // The join condition of the inner side of a join.
    expect(conditionColumns('(f.user_id = u.id)', 'f', 'beta_feedback')).toEqual({ equality: ['user_id'], range: [] });
  });

  it('reads plain column sort keys with their direction, and refuses expressions', () => {
    expect(sortColumns(['t.at DESC', 'id'], 't', 'things')).toEqual([
      { column: 'at', desc: true },
      { column: 'id', desc: false },
    ]);
    expect(sortColumns(['lower(t.email)'], 't', 'things')).toBeUndefined();
    expect(sortColumns(['at DESC NULLS LAST'], 't', 'things')).toBeUndefined();
  });
});

describe('index candidates', () => {
  it('sorts under a limit: equality, range and sort columns of the scanned table', () => {
    expect(findIndexCandidates(topN)).toEqual([
      {
        schema: undefined,
        table: 'audit_log',
        equality: ['action'],
        range: ['at'],
        sort: [
          { column: 'at', desc: true },
          { column: 'id', desc: true },
        ],
        reason: 'sort_under_limit',
        rowsScanned: 200_000,
      },
    ]);
  });

  it('sequential scans with a filter, also through Gather', () => {
    const root: ExplainRoot = {
      Plan: { 'Node Type': 'Gather', Plans: [seqScan('beta_feedback', '(feature = $1)', { 'Parallel Aware': true, 'Actual Loops': 3 })] },
    };
    expect(findIndexCandidates(root)).toMatchObject([
      { table: 'beta_feedback', equality: ['feature'], reason: 'seq_scan_filter', rowsScanned: 600_000 },
    ]);
  });

  it('index scans whose filter discards nearly everything they read, measured only', () => {
    const scan: PlanNode = {
      'Node Type': 'Index Scan',
      'Relation Name': 'audit_log',
      Alias: 'audit_log',
      'Index Name': 'audit_log_at_id_idx',
      'Index Cond': "(at >= '2001-01-01 00:00:00+00'::timestamp with time zone)",
      Filter: "(action = 'x'::text)",
      'Actual Rows': 21,
      'Actual Loops': 1,
      'Rows Removed by Filter': 199_801,
    };
    expect(findIndexCandidates({ Plan: { 'Node Type': 'Limit', Plans: [scan] } })).toMatchObject([
      { table: 'audit_log', equality: ['action'], range: ['at'], reason: 'index_scan_filter' },
    ]);
    // Few rows discarded, or only an estimate: the index is doing its job.
    expect(findIndexCandidates({ Plan: { ...scan, 'Rows Removed by Filter': 50 } })).toEqual([]);
    const estimated = { ...scan };
    delete estimated['Actual Rows'];
    delete estimated['Rows Removed by Filter'];
    expect(findIndexCandidates({ Plan: estimated })).toEqual([]);
  });

  it('sequential scans on the inner side of a nested loop or hash join', () => {
    const nested: ExplainRoot = {
      Plan: {
        'Node Type': 'Nested Loop',
        'Join Type': 'Inner',
        Plans: [
          {
            'Node Type': 'Index Scan',
            'Parent Relationship': 'Outer',
            'Relation Name': 'beta_users',
            Alias: 'u',
            'Index Cond': '(id = $1)',
          },
          seqScan('beta_feedback', '(f.user_id = u.id)', { 'Parent Relationship': 'Inner', Alias: 'f' }),
        ],
      },
    };
    expect(findIndexCandidates(nested)).toMatchObject([{ table: 'beta_feedback', equality: ['user_id'], reason: 'join_inner_seq_scan' }]);

    const hash: ExplainRoot = {
      Plan: {
        'Node Type': 'Hash Join',
        'Hash Cond': '(u.id = f.user_id)',
        Plans: [
          { 'Node Type': 'Seq Scan', 'Parent Relationship': 'Outer', 'Relation Name': 'beta_users', Alias: 'u' },
          {
            'Node Type': 'Hash',
            'Parent Relationship': 'Inner',
            Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'beta_feedback', Alias: 'f', 'Plan Rows': 50_000 }],
          },
        ],
      },
    };
    expect(findIndexCandidates(hash)).toMatchObject([
      { table: 'beta_feedback', equality: ['user_id'], reason: 'join_inner_seq_scan', rowsScanned: 50_000 },
    ]);
  });

  it('finds nothing in plans that already use their indexes well', () => {
    const root: ExplainRoot = {
      Plan: {
        'Node Type': 'Index Scan',
        'Relation Name': 'api_tokens',
        Alias: 'api_tokens',
        'Index Cond': '(token_hash = $1)',
        Filter: '(revoked_at IS NULL)',
      },
    };
    expect(findIndexCandidates(root)).toEqual([]);
    expect(findIndexCandidates({ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 'flags', Alias: 'flags' } })).toEqual([]);
  });
});

const STRUCTURAL_KEYS = [
  'Node Type',
  'Parent Relationship',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'Join Type',
  'Strategy',
  'Scan Direction',
  'Sort Method',
  'Sort Space Type',
  'Subplan Name',
  'CTE Name',
  'Partial Mode',
  'Operation',
  'Command',
  'Trigger Name',
  'Constraint Name',
  'Relation',
  'Function Name',
];

describe('plan redaction, key by key', () => {
  it('keeps the strings of structural keys and redacts every other string, arrays and nested objects included', () => {
    const node: PlanNode = Object.fromEntries([
      ...STRUCTURAL_KEYS.map((k) => [k, 'name 1']),
      ['Filter', 'name 1'],
      ['Output', ['x 1', 'y']],
    ]);
    const redacted = redactPlan<ExplainRoot>({
      Plan: { ...node, Plans: [{ ...node }] },
      Triggers: [{ 'Trigger Name': 'trg 2', Time: 1.5 }],
      Nothing: null,
    });
    for (const key of STRUCTURAL_KEYS) expect(redacted.Plan[key], key).toBe('name 1');
    expect(redacted.Plan.Filter).toBe('name ?');
    expect(redacted.Plan.Output).toEqual(['x ?', 'y']);
    expect(redacted.Plan.Plans![0]!.Filter).toBe('name ?');
    expect(redacted.Plan.Plans![0]!['Relation Name']).toBe('name 1');
    expect(redacted.Triggers).toEqual([{ 'Trigger Name': 'trg 2', Time: 1.5 }]);
    expect(redacted.Nothing).toBeNull();
  });

  it('redacts every form of numeric literal, and no digits inside names', () => {
    expect(redactText('(a = 3.25) AND (b = 1e10) AND (c = 2.5E-3) AND (d = 1e+5) AND (e = -7)')).toBe(
      '(a = ?) AND (b = ?) AND (c = ?) AND (d = ?) AND (e = ?)',
    );
    expect(redactText('(t2.col_1 = $12) AND (x.y3 > 0.5)')).toBe('(t2.col_1 = $12) AND (x.y3 > ?)');
  });
});

describe('plan summaries', () => {
  it('names the index, each condition, and the rows over every loop', () => {
    const root: ExplainRoot = {
      Plan: {
        'Node Type': 'Nested Loop',
        'Join Filter': '(a.x < b.y)',
        'Total Cost': 12.5,
        Plans: [
          {
            'Node Type': 'Index Scan',
            'Relation Name': 'orders',
            'Index Name': 'orders_pkey',
            'Index Cond': '(id = $1)',
            'Actual Rows': 3,
            'Actual Loops': 4,
          },
          { 'Node Type': 'Hash Join', 'Hash Cond': '(a.id = b.id)', 'Plan Rows': 200 },
          { 'Node Type': 'Merge Join', 'Merge Cond': '(a.k = b.k)', 'Rows Removed by Filter': 5, 'Actual Loops': 3, 'Actual Rows': 0 },
          { 'Total Cost': 1 },
        ],
      },
    };
    expect(summarizePlan(root)).toBe(
      'Nested Loop (join filter: (a.x < b.y)) → Index Scan on orders using orders_pkey (index cond: (id = $1); 12 rows) → ' +
        'Hash Join (hash cond: (a.id = b.id); ~200 rows) → Merge Join (merge cond: (a.k = b.k); 15 rows removed; 0 rows) → ? · cost 12.5',
    );
  });

  it('reads malformed figures as 0 and a malformed node type as unknown', () => {
    const root = { Plan: { 'Node Type': 5, 'Total Cost': '4000', 'Actual Rows': Number.NaN, 'Actual Loops': 0 } } as unknown as ExplainRoot;
    expect(summarizePlan(root)).toBe('? (0 rows) · cost 0');
    expect(summarizePlan({ Plan: { 'Node Type': 'Result', 'Total Cost': Number.POSITIVE_INFINITY }, 'Execution Time': 'slow' })).toBe(
      'Result · cost 0, 0 ms',
    );
  });

  it('shows at most maxNodes nodes, then an ellipsis', () => {
    const chain = (n: number): PlanNode => (n === 1 ? { 'Node Type': `N${n}` } : { 'Node Type': `N${n}`, Plans: [chain(n - 1)] });
    expect(summarizePlan({ Plan: chain(8) })).toBe('N8 → N7 → N6 → N5 → N4 → N3 → N2 → N1 · cost 0');
    expect(summarizePlan({ Plan: chain(9) })).toBe('N9 → N8 → N7 → N6 → N5 → N4 → N3 → N2 → … · cost 0');
    const branching: PlanNode = { 'Node Type': 'A', Plans: [{ 'Node Type': 'B', Plans: [{ 'Node Type': 'C' }] }, { 'Node Type': 'D' }] };
    expect(summarizePlan({ Plan: branching }, 4)).toBe('A → B → C → D · cost 0');
    expect(summarizePlan({ Plan: branching }, 3)).toBe('A → B → C → … · cost 0');
    expect(summarizePlan({ Plan: branching }, 2)).toBe('A → B → … · cost 0');
  });
});

describe('conditions and sort keys, operator by operator', () => {
  it('counts each range operator and BETWEEN, not negations or ALL, nor a column only on the right of ANY', () => {
    expect(conditionColumns('((a < 1) AND (b <= 2) AND (c > 3) AND (d >= 4) AND (e BETWEEN 1 AND 5))', 't', 't')).toEqual({
      equality: [],
      range: ['a', 'b', 'c', 'd', 'e'],
    });
    for (const condition of [
      '(a IS NOT NULL)',
      '(a <> 1)',
      "(a = ALL ('{1}'::integer[]))",
      "(a < ANY ('{1}'::integer[]))",
      "('x'::text = ANY (tags))",
      '(a NOT BETWEEN 1 AND 5)',
      '(o.x IS NULL)',
      '(1 = 1)',
    ]) {
      expect(conditionColumns(condition, 't', 't'), condition).toEqual({ equality: [], range: [] });
    }
  });

  it('reads the columns it can and skips expressions it does not know', () => {
    // The unknown ones first: reading them must not stop the reading of the rest.
    expect(conditionColumns('((b IS TRUE) AND (t.* IS NULL) AND (lower(c) = $1) AND (a = 1))', 't', 't')).toEqual({
      equality: ['a'],
      range: [],
    });
    expect(conditionColumns('((things.a = 1) AND (t.b = 2) AND (other.c = 3))', 't', 'things')).toEqual({
      equality: ['a', 'b'],
      range: [],
    });
    expect(conditionColumns('((a = 1) AND (a > 0) AND (b > 0) AND (b < 9))', 't', 't')).toEqual({ equality: ['a'], range: ['a', 'b'] });
  });

  it('refuses sort keys with NULLS FIRST or that do not parse', () => {
    expect(sortColumns(['at NULLS FIRST'], 't', 'things')).toBeUndefined();
    expect(sortColumns(['at DESC NULLS FIRST'], 't', 'things')).toBeUndefined();
    expect(sortColumns(['lower('], 't', 'things')).toBeUndefined();
    expect(sortColumns(['things.at'], 't', 'things')).toEqual([{ column: 'at', desc: false }]);
  });
});

describe('index candidates, case by case', () => {
  const scan = (patch: Partial<PlanNode> = {}): PlanNode => ({
    'Node Type': 'Seq Scan',
    'Relation Name': 'audit_log',
    Alias: 'a',
    ...patch,
  });
  const limitSort = (below: PlanNode, keys = ['a.at DESC']): ExplainRoot => ({
    Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Sort', 'Sort Key': keys, Plans: [below] }] },
  });
  const candidate = (patch: Record<string, unknown>) => ({
    schema: undefined,
    table: 'audit_log',
    equality: [],
    range: [],
    sort: [],
    rowsScanned: 0,
    ...patch,
  });

  it('looks through Gather, Gather Merge, Result and Materialize for the scan under a sort', () => {
    for (const through of ['Gather', 'Gather Merge', 'Result', 'Materialize']) {
      expect(findIndexCandidates(limitSort({ 'Node Type': through, Plans: [scan({ 'Plan Rows': 10 })] })), through).toEqual([
        candidate({ sort: [{ column: 'at', desc: true }], reason: 'sort_under_limit', rowsScanned: 10 }),
      ]);
    }
  });

  it('reads a bitmap scan with its recheck condition, and the schema', () => {
    const bitmap = scan({ 'Node Type': 'Bitmap Heap Scan', Schema: 'public', 'Recheck Cond': '(actor = $1)', 'Plan Rows': 7 });
    expect(findIndexCandidates(limitSort(bitmap))).toEqual([
      candidate({
        schema: 'public',
        equality: ['actor'],
        sort: [{ column: 'at', desc: true }],
        reason: 'sort_under_limit',
        rowsScanned: 7,
      }),
    ]);
  });

  it('finds the relation by its name when the plan gives no alias', () => {
    const unaliased = scan({ Alias: undefined, Filter: '(audit_log.action = $1)' });
    expect(findIndexCandidates(limitSort(unaliased, ['audit_log.at']))).toEqual([
      candidate({ equality: ['action'], sort: [{ column: 'at', desc: false }], reason: 'sort_under_limit' }),
    ]);
  });

  it('suggests from a range alone or a sort alone, and nothing from another relation’s columns', () => {
    expect(findIndexCandidates({ Plan: scan({ Filter: '(a.at > $1)' }) })).toEqual([
      candidate({ range: ['at'], reason: 'seq_scan_filter' }),
    ]);
    expect(findIndexCandidates(limitSort(scan()))).toEqual([
      candidate({ sort: [{ column: 'at', desc: true }], reason: 'sort_under_limit' }),
    ]);
    expect(findIndexCandidates({ Plan: scan({ Filter: '(other.x = 1)' }) })).toEqual([]);
    expect(findIndexCandidates({ Plan: { 'Node Type': 'Seq Scan', Filter: '(x = 1)' } })).toEqual([]);
    expect(findIndexCandidates(limitSort({ 'Node Type': 'Seq Scan', Alias: 'a' }, ['at']))).toEqual([]);
  });

  it('counts rows discarded over every loop, from 1 000 and nine in ten', () => {
    const indexScan = (removed: number, rows: number, loops: number) =>
      findIndexCandidates({
        Plan: scan({
          'Node Type': 'Index Scan',
          'Index Cond': '(a.at > $1)',
          Filter: '(a.action = $2)',
          'Rows Removed by Filter': removed,
          'Actual Rows': rows,
          'Actual Loops': loops,
        }),
      }).map((c) => c.reason);
    expect(indexScan(1000, 100, 1)).toEqual(['index_scan_filter']);
    expect(indexScan(999, 100, 1)).toEqual([]);
    expect(indexScan(500, 10, 2)).toEqual(['index_scan_filter']);
    expect(indexScan(1800, 200, 1)).toEqual(['index_scan_filter']);
    expect(indexScan(1799, 200, 1)).toEqual([]);
    expect(
      findIndexCandidates({
        Plan: scan({ 'Node Type': 'Index Scan', Filter: '(other.action = $2)', 'Rows Removed by Filter': 5000, 'Actual Rows': 1 }),
      }),
    ).toEqual([]);
  });

  it('treats index-only and bitmap scans like index scans', () => {
    for (const type of ['Index Only Scan', 'Bitmap Heap Scan']) {
      const discarding = scan({ 'Node Type': type, Filter: '(a.action = $1)', 'Rows Removed by Filter': 5000, 'Actual Rows': 10 });
      expect(
        findIndexCandidates({ Plan: discarding }).map((c) => c.reason),
        type,
      ).toEqual(['index_scan_filter']);
    }
  });

  it('only treats a sort under a limit as the limit’s', () => {
    const aggregate: ExplainRoot = {
      Plan: {
        'Node Type': 'Aggregate',
        Plans: [{ 'Node Type': 'Sort', 'Sort Key': ['a.at'], Plans: [scan({ Filter: '(a.action = $1)' })] }],
      },
    };
    expect(findIndexCandidates(aggregate)).toEqual([candidate({ equality: ['action'], reason: 'seq_scan_filter' })]);
    const tid = limitSort(scan({ 'Node Type': 'Tid Scan', Filter: '(a.action = $1)' }));
    expect(findIndexCandidates(tid)).toEqual([]);
    const join = limitSort({ 'Node Type': 'Hash Join', Plans: [] });
    expect(findIndexCandidates(join)).toEqual([]);
    // A Merge Append lists sort keys, but it is not a sort.
    const mergeAppend: ExplainRoot = {
      Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Merge Append', 'Sort Key': ['a.at'], Plans: [scan()] }] },
    };
    expect(findIndexCandidates(mergeAppend)).toEqual([]);
  });

  it('does not stumble over nodes without children', () => {
    for (const plan of [
      { 'Node Type': 'Limit' },
      { 'Node Type': 'Limit', Plans: [] },
      { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Sort', 'Sort Key': ['a.at'] }] },
      { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Sort', 'Sort Key': ['a.at'], Plans: [{ 'Node Type': 'Materialize' }] }] },
      { 'Node Type': 'Nested Loop' },
      { 'Node Type': 'Hash Join', Plans: [{ 'Node Type': 'Hash', 'Parent Relationship': 'Inner' }] },
    ]) {
      expect(findIndexCandidates({ Plan: plan }), JSON.stringify(plan)).toEqual([]);
    }
  });

  it('takes the join condition of a nested loop or a hash join, never of another join', () => {
    const inner = (patch: Partial<PlanNode> = {}) =>
      scan({ 'Relation Name': 'beta_feedback', Alias: 'f', 'Parent Relationship': 'Inner', ...patch });
    const outer: PlanNode = { 'Node Type': 'Seq Scan', 'Relation Name': 'beta_users', Alias: 'u', 'Parent Relationship': 'Outer' };
    const join = (type: string, patch: Partial<PlanNode>, innerNode: PlanNode): ExplainRoot => ({
      Plan: { 'Node Type': type, ...patch, Plans: [outer, innerNode] },
    });
    const feedback = (patch: Record<string, unknown>) => candidate({ table: 'beta_feedback', reason: 'join_inner_seq_scan', ...patch });
    expect(findIndexCandidates(join('Nested Loop', { 'Join Filter': '(f.user_id = u.id)' }, inner()))).toEqual([
      feedback({ equality: ['user_id'] }),
    ]);
    expect(findIndexCandidates(join('Nested Loop', { 'Join Filter': '(f.at > u.created_at)' }, inner({ Filter: '(f.at = $1)' })))).toEqual([
      feedback({ equality: ['at'] }),
    ]);
    expect(findIndexCandidates(join('Nested Loop', {}, inner()))).toEqual([]);
    expect(findIndexCandidates(join('Nested Loop', {}, inner({ 'Node Type': 'Index Scan', 'Index Cond': '(f.user_id = u.id)' })))).toEqual(
      [],
    );
    const hashed = (cond: string, innerNode: PlanNode) =>
      join('Hash Join', { 'Hash Cond': cond }, { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', Plans: [innerNode] });
    expect(findIndexCandidates(hashed('(beta_users.id = beta_feedback.user_id)', inner({ Alias: undefined })))).toEqual([
      feedback({ equality: ['user_id'] }),
    ]);
    // A hash condition on expressions names no column: the inner scan's own filter still counts.
    expect(findIndexCandidates(hashed('(lower(u.email) = lower(f.email))', inner({ Filter: '(f.rating = 5)' })))).toEqual([
      feedback({ equality: ['rating'], reason: 'seq_scan_filter' }),
    ]);
    expect(findIndexCandidates(join('Merge Join', { 'Join Filter': '(f.user_id = u.id)' }, inner()))).toEqual([]);
  });
});
