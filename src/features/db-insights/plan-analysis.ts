// Reading EXPLAIN (FORMAT JSON) plans: redaction of literal values, a one-line summary, and the
// index candidates a plan points at (sequential scans with filters, sorts under a limit,
// sequential scans on the inner side of joins).
import { parseSync } from '@libpg-query/parser';

export type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
/** The first element of `EXPLAIN (FORMAT JSON)` output: `{ Plan, Planning Time?, Execution Time?, … }`. */
export type ExplainRoot = Record<string, unknown> & { Plan: PlanNode };

/** Keys whose string values name plan structure, never data. Every other string is redacted. */
const STRUCTURAL = new Set([
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
]);

const TOKENS = /"(?:[^"]|"")*"|[Ee]?'(?:[^'\\]|''|\\.)*'|(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/g;

/** Replaces string and numeric literals with `?`; quoted identifiers stay. */
export function redactText(text: string): string {
  return text.replace(TOKENS, (token) => (token.startsWith('"') ? token : '?'));
}

function redactValue(key: string, value: unknown): unknown {
  if (typeof value === 'string') return STRUCTURAL.has(key) ? value : redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(key, v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactValue(k, v)]));
  }
  return value;
}

/** A deep copy of the plan with literal values in filters, conditions and keys replaced by `?`. */
export function redactPlan<T>(plan: T): T {
  return redactValue('', plan) as T;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function describe(node: PlanNode): string {
  let text = str(node['Node Type']) ?? '?';
  const relation = str(node['Relation Name']);
  if (relation) text += ` on ${relation}`;
  const index = str(node['Index Name']);
  if (index) text += ` using ${index}`;
  const details: string[] = [];
  for (const key of ['Index Cond', 'Hash Cond', 'Merge Cond', 'Filter', 'Join Filter']) {
    const value = str(node[key]);
    if (value) details.push(`${key.toLowerCase()}: ${value}`);
  }
  const sortKey = node['Sort Key'];
  if (Array.isArray(sortKey)) details.push(`by ${sortKey.join(', ')}`);
  const removed = num(node['Rows Removed by Filter']) * Math.max(1, num(node['Actual Loops']));
  if (removed > 0) details.push(`${removed} rows removed`);
  if (node['Actual Rows'] !== undefined) details.push(`${num(node['Actual Rows']) * Math.max(1, num(node['Actual Loops']))} rows`);
  else if (node['Plan Rows'] !== undefined) details.push(`~${num(node['Plan Rows'])} rows`);
  return details.length ? `${text} (${details.join('; ')})` : text;
}

/** One line an engineer reads at a glance: the node chain, cost and time. Pass a redacted plan. */
export function summarizePlan(root: ExplainRoot, maxNodes = 8): string {
  const parts: string[] = [];
  const walk = (node: PlanNode) => {
    if (parts.length >= maxNodes) return;
    parts.push(describe(node));
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(root.Plan);
  let text = parts.join(' → ');
  if (countNodes(root.Plan) > maxNodes) text += ' → …';
  const tail = [`cost ${num(root.Plan['Total Cost'])}`];
  if (root['Execution Time'] !== undefined) tail.push(`${num(root['Execution Time'])} ms`);
  return `${text} · ${tail.join(', ')}`;
}

function countNodes(node: PlanNode): number {
  return 1 + (node.Plans ?? []).reduce((n, c) => n + countNodes(c), 0);
}

export interface IndexCandidate {
  schema: string | undefined;
  table: string;
  /** Columns compared for equality (`=`, `= ANY`, `IS NULL`), in order of appearance. */
  equality: string[];
  /** Columns compared by range (`<`, `>=`, `BETWEEN`). */
  range: string[];
  /** Sort keys to serve from the index, with their direction. */
  sort: Array<{ column: string; desc: boolean }>;
  reason: 'seq_scan_filter' | 'index_scan_filter' | 'sort_under_limit' | 'join_inner_seq_scan';
  /** Rows the scan read: actual (ANALYZE) or estimated; 0 when unknown. */
  rowsScanned: number;
}

type Ast = Record<string, unknown>;

function columnOf(node: unknown, alias: string | undefined, table: string): string | undefined {
  let n = node as Ast | undefined;
  if (n && 'TypeCast' in n) n = (n.TypeCast as Ast).arg as Ast;
  if (!n || !('ColumnRef' in n)) return undefined;
  const fields = ((n.ColumnRef as Ast).fields as Ast[]).map((f) => (f.String as { sval?: string } | undefined)?.sval);
  if (fields.some((f) => f === undefined)) return undefined;
  const names = fields as string[];
  if (names.length === 1) return names[0];
  const qualifier = names[names.length - 2];
  return qualifier === alias || qualifier === table ? names[names.length - 1] : undefined;
}

interface Predicates {
  equality: string[];
  range: string[];
}

function collect(expr: Ast | undefined, alias: string | undefined, table: string, out: Predicates): void {
  if (!expr) return;
  if ('BoolExpr' in expr) {
    const b = expr.BoolExpr as Ast;
    if (b.boolop === 'AND_EXPR') for (const arg of b.args as Ast[]) collect(arg, alias, table, out);
    return;
  }
  if ('NullTest' in expr) {
    const t = expr.NullTest as Ast;
    const column = t.nulltesttype === 'IS_NULL' ? columnOf(t.arg, alias, table) : undefined;
    if (column) out.equality.push(column);
    return;
  }
  if (!('A_Expr' in expr)) return;
  const e = expr.A_Expr as Ast;
  const op = ((e.name as Ast[] | undefined)?.[0]?.String as { sval?: string } | undefined)?.sval;
  const left = columnOf(e.lexpr, alias, table);
  const right = columnOf(e.rexpr, alias, table);
  // Both sides on this relation (`a = b`) is not an index lookup; one side is.
  if ((left === undefined) === (right === undefined)) return;
  const column = (left ?? right)!;
  if (e.kind === 'AEXPR_OP' && op === '=') out.equality.push(column);
  else if (e.kind === 'AEXPR_OP_ANY' && op === '=' && left) out.equality.push(column);
  else if (e.kind === 'AEXPR_OP' && (op === '<' || op === '<=' || op === '>' || op === '>=')) out.range.push(column);
  else if (e.kind === 'AEXPR_BETWEEN' && left) out.range.push(column);
}

/** Columns of `table` (seen as `alias`) that a plan condition compares to something outside it. */
export function conditionColumns(condition: string, alias: string | undefined, table: string): Predicates {
  const out: Predicates = { equality: [], range: [] };
  try {
    const tree = parseSync(`SELECT 1 WHERE ${condition}`) as { stmts: Array<{ stmt: { SelectStmt: Ast } }> };
    collect(tree.stmts[0]?.stmt.SelectStmt.whereClause as Ast | undefined, alias, table, out);
  } catch {
    // Conditions on subplans and the like do not parse: nothing to suggest from them.
  }
  return { equality: unique(out.equality), range: unique(out.range) };
}

/** Sort keys as columns of the relation, or undefined when any key is an expression or another relation's. */
export function sortColumns(keys: readonly string[], alias: string | undefined, table: string): IndexCandidate['sort'] | undefined {
  try {
    const tree = parseSync(`SELECT 1 ORDER BY ${keys.join(', ')}`) as { stmts: Array<{ stmt: { SelectStmt: Ast } }> };
    const result: IndexCandidate['sort'] = [];
    for (const item of (tree.stmts[0]?.stmt.SelectStmt.sortClause as Ast[] | undefined) ?? []) {
      const by = item.SortBy as Ast;
      const column = columnOf(by.node, alias, table);
      if (!column || by.sortby_nulls === 'SORTBY_NULLS_FIRST' || by.sortby_nulls === 'SORTBY_NULLS_LAST') return undefined;
      result.push({ column, desc: by.sortby_dir === 'SORTBY_DESC' });
    }
    return result.length ? result : undefined;
  } catch {
    return undefined;
  }
}

const unique = (xs: string[]) => [...new Set(xs)];
const SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);
/** Nodes a sort may sit on without changing which rows reach it. */
const PASS_THROUGH = new Set(['Gather', 'Gather Merge', 'Result', 'Materialize']);

function rowsScanned(node: PlanNode): number {
  const loops = Math.max(1, num(node['Actual Loops']));
  if (node['Actual Rows'] !== undefined) return (num(node['Actual Rows']) + num(node['Rows Removed by Filter'])) * loops;
  return num(node['Plan Rows']);
}

/** Measured (ANALYZE) only: the filter dropped at least 1 000 rows and nine in ten of those read. */
function mostlyDiscarded(node: PlanNode): boolean {
  const removed = num(node['Rows Removed by Filter']);
  return removed * Math.max(1, num(node['Actual Loops'])) >= 1000 && removed >= 9 * num(node['Actual Rows']);
}

function scanBelow(node: PlanNode): PlanNode | undefined {
  let current: PlanNode | undefined = node;
  while (current && PASS_THROUGH.has(str(current['Node Type']) ?? '')) current = current.Plans?.[0];
  if (current?.['Node Type'] === 'Bitmap Heap Scan' || SCANS.has(str(current?.['Node Type']) ?? '')) return current;
  return undefined;
}

function scanPredicates(scan: PlanNode): Predicates {
  const table = str(scan['Relation Name'])!;
  const alias = str(scan['Alias']);
  const parts: Predicates = { equality: [], range: [] };
  for (const key of ['Index Cond', 'Recheck Cond', 'Filter']) {
    const condition = str(scan[key]);
    if (!condition) continue;
    const found = conditionColumns(condition, alias, table);
    parts.equality.push(...found.equality);
    parts.range.push(...found.range);
  }
  return { equality: unique(parts.equality), range: unique(parts.range.filter((c) => !parts.equality.includes(c))) };
}

function candidateFor(
  scan: PlanNode,
  reason: IndexCandidate['reason'],
  sort: IndexCandidate['sort'] = [],
  extra: Predicates = { equality: [], range: [] },
): IndexCandidate | undefined {
  const table = str(scan['Relation Name']);
  if (!table) return undefined;
  const own = scanPredicates(scan);
  const equality = unique([...extra.equality, ...own.equality]);
  const range = unique([...extra.range, ...own.range]).filter((c) => !equality.includes(c));
  if (equality.length === 0 && range.length === 0 && sort.length === 0) return undefined;
  return { schema: str(scan['Schema']), table, equality, range, sort, reason, rowsScanned: rowsScanned(scan) };
}

/** Index candidates found in a plan (unredacted: conditions are parsed, then dropped). */
export function findIndexCandidates(root: ExplainRoot): IndexCandidate[] {
  const found: IndexCandidate[] = [];
  // Scans already covered by a sort or join candidate (a superset of their plain filter candidate).
  const handled = new Set<PlanNode>();
  const visit = (node: PlanNode) => {
    const type = str(node['Node Type']);
    if (type === 'Seq Scan' && str(node['Filter']) && !handled.has(node)) {
      const c = candidateFor(node, 'seq_scan_filter');
      if (c) found.push(c);
    }
    if (type !== 'Seq Scan' && SCANS.has(type ?? '') && str(node['Filter']) && !handled.has(node) && mostlyDiscarded(node)) {
      // An index that finds the rows, then a filter that throws nearly all of them away.
      const c = candidateFor(node, 'index_scan_filter');
      if (c) found.push(c);
    }
    if (type === 'Limit') {
      const sortNode = [node.Plans?.[0], node.Plans?.[0]?.Plans?.[0]].find((n) => n && /Sort$/.test(str(n['Node Type']) ?? ''));
      const keys = sortNode?.['Sort Key'];
      const scan = sortNode?.Plans?.[0] ? scanBelow(sortNode.Plans[0]) : undefined;
      if (scan && Array.isArray(keys)) {
        const sort = sortColumns(keys as string[], str(scan['Alias']), str(scan['Relation Name']) ?? '');
        const c = sort ? candidateFor(scan, 'sort_under_limit', sort) : undefined;
        if (c) {
          found.push(c);
          handled.add(scan);
        }
      }
    }
    if (type === 'Nested Loop' || type === 'Hash Join') {
      const inner = node.Plans?.find((p) => p['Parent Relationship'] === 'Inner');
      const scan = inner ? (inner['Node Type'] === 'Hash' ? inner.Plans?.[0] : inner) : undefined;
      if (scan && scan['Node Type'] === 'Seq Scan') {
        const table = str(scan['Relation Name']) ?? '';
        const alias = str(scan['Alias']);
        const joinCondition = str(node['Hash Cond']) ?? str(node['Join Filter']);
        const extra = joinCondition ? conditionColumns(joinCondition, alias, table) : { equality: [], range: [] };
        // Inside a nested loop the join condition usually sits in the inner scan's own filter.
        const c = candidateFor(scan, 'join_inner_seq_scan', [], extra);
        if (c && (extra.equality.length > 0 || type === 'Nested Loop')) {
          found.push(c);
          handled.add(scan);
        }
      }
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root.Plan);
  return found;
}
