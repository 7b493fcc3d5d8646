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
