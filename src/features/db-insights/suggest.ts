// Index suggestions from plan candidates: column order as PgHero does it (equality columns by
// selectivity, then one range column, then sort keys), the CREATE INDEX statement, and whether
// an existing index already serves it.
import type { IndexCandidate } from './plan-analysis.js';

/** A suggestion is shown only when the verified estimate drops by at least this much. */
export const MIN_REDUCTION_PCT = 50;
/** Scans of smaller tables are left alone. */
export const MIN_TABLE_ROWS = 10_000;
const MAX_COLUMNS = 4;

export interface ColumnStats {
  /** `pg_stats.n_distinct`: positive is a count, negative a fraction of the rows. */
  nDistinct: number | undefined;
}

export interface IndexColumn {
  column: string;
  desc: boolean;
}

function distinctValues(stats: ColumnStats | undefined, rows: number): number {
  const n = stats?.nDistinct;
  if (n === undefined || n === 0) return 0;
  return n > 0 ? n : -n * Math.max(rows, 1);
}

/** Index columns for a candidate; `stats` maps column name to its planner statistics. */
export function orderColumns(candidate: IndexCandidate, stats: ReadonlyMap<string, ColumnStats>, rows: number): IndexColumn[] {
  // Most distinct values first: the leading column narrows the scan the most. Stable for ties and unknowns.
  const equality = candidate.equality
    .map((column, i) => ({ column, i, distinct: distinctValues(stats.get(column), rows) }))
    .sort((a, b) => b.distinct - a.distinct || a.i - b.i)
    .map((c) => c.column);
  const columns: IndexColumn[] = equality.map((column) => ({ column, desc: false }));
  const range = candidate.range.find((c) => !equality.includes(c));
  if (range !== undefined) columns.push({ column: range, desc: false });
  else {
    const sort = candidate.sort.filter((s) => !equality.includes(s.column));
    // One direction throughout: a plain ascending index serves it scanned backwards.
    const mixed = new Set(sort.map((s) => s.desc)).size > 1;
    for (const s of sort) columns.push({ column: s.column, desc: mixed && s.desc });
  }
  const seen = new Set<string>();
  return columns.filter((c) => !seen.has(c.column) && seen.add(c.column)).slice(0, MAX_COLUMNS);
}

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'default',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'initially',
  'intersect',
  'into',
  'leading',
  'limit',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'primary',
  'references',
  'select',
  'table',
  'then',
  'to',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'when',
  'where',
  'window',
  'with',
]);

export function quoteIdent(name: string): string {
  return PLAIN_IDENTIFIER.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function indexName(table: string, columns: readonly IndexColumn[]): string {
  return `${table}_${columns.map((c) => c.column).join('_')}_idx`
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .toLowerCase()
    .slice(0, 63);
}

/** `CREATE INDEX [CONCURRENTLY] [name] ON [schema.]table (cols)`. */
export function createIndexStatement(
  target: { schema: string | undefined; table: string },
  columns: readonly IndexColumn[],
  options: { concurrently: boolean; name?: string },
): string {
  const qualified =
    target.schema && target.schema !== 'public' ? `${quoteIdent(target.schema)}.${quoteIdent(target.table)}` : quoteIdent(target.table);
  const list = columns.map((c) => `${quoteIdent(c.column)}${c.desc ? ' DESC' : ''}`).join(', ');
  // An empty name lets PostgreSQL choose one (index trials: never collides with an existing name).
  const name = options.name === '' ? '' : ` ${quoteIdent(options.name ?? indexName(target.table, columns))}`;
  return `CREATE INDEX${options.concurrently ? ' CONCURRENTLY' : ''}${name} ON ${qualified} (${list})`;
}

export interface ExistingIndex {
  schema: string;
  table: string;
  name: string;
  /** Column names in key order; null for an expression. */
  columns: Array<string | null>;
  valid: boolean;
  partial: boolean;
}

/** An existing valid, non-partial index whose leading columns are the suggestion's columns. */
export function coveringIndex(
  existing: readonly ExistingIndex[],
  schema: string,
  table: string,
  columns: readonly IndexColumn[],
): ExistingIndex | undefined {
  return existing.find(
    (ix) =>
      ix.schema === schema &&
      ix.table === table &&
      ix.valid &&
      !ix.partial &&
      ix.columns.length >= columns.length &&
      columns.every((c, i) => ix.columns[i] === c.column),
  );
}

export function reductionPct(before: number, after: number): number {
  if (!(before > 0)) return 0;
  return Math.round(((before - after) / before) * 1000) / 10;
}
