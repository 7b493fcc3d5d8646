// The database report as text for a terminal: the findings first, then the numbers.
import { formatTextTable } from '../../core/text-table.js';
import type { DbReport } from './db-report.js';

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(v >= 10 ? 1 : 2)} ms`);
const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function formatDbReport(r: DbReport): string {
  const out: string[] = [];
  const h = r.schema_health;
  out.push(`Database report ${r.generated_at} — ${r.database.kind} ${r.database.server_version}`);
  out.push(
    r.source === 'live'
      ? `Query statistics since ${r.stats_since} (slow: over ${r.slow_query_ms} ms)`
      : 'No running server answered: schema health only (query statistics live in the server process)',
  );
  out.push(
    `Queries ${r.totals.queries} · total ${ms(r.totals.total_ms)} · mean ${ms(r.totals.mean_ms)} · slow ${r.totals.slow} · shapes ${r.totals.shapes}`,
  );
  out.push(`Pool ${r.pool.kind}: ${r.pool.in_use} in use, ${r.pool.idle} idle, ${r.pool.waiting} waiting (max ${r.pool.max})`);

  out.push('', `Index suggestions (${r.suggestions.length})`);
  if (r.suggestions.length === 0) out.push('  none');
  for (const s of r.suggestions) {
    out.push(`  ${s.statement};`);
    out.push(`    cost ${s.cost_before} → ${s.cost_after} (−${s.reduction_pct} %), verified by ${s.verified_by}; ${s.reason}`);
  }

  out.push('', `Slow queries (${r.slow_queries.length}, newest first)`);
  if (r.slow_queries.length === 0) out.push('  none');
  for (const q of r.slow_queries.slice(0, 10)) {
    out.push(`  ${q.at}  ${ms(q.duration_ms)}  ${q.type}  [${q.explained}]  ${clip(q.query, 120)}`);
    if (q.plan_summary) out.push(`    ${clip(q.plan_summary, 200)}`);
    if (q.note) out.push(`    ${q.note}`);
  }

  if (r.by_type.length > 0) {
    out.push('', 'By statement type');
    out.push(
      ...formatTextTable(
        ['type', 'calls', 'total', 'mean', 'p95', 'p99', 'max', 'rows'],
        r.by_type.map((t) => [
          t.type,
          String(t.calls),
          ms(t.total_ms),
          ms(t.mean_ms),
          ms(t.p95_ms),
          ms(t.p99_ms),
          ms(t.max_ms),
          String(t.rows),
        ]),
      ).map((l) => `  ${l}`),
    );
  }
  if (r.top_shapes.length > 0) {
    out.push('', 'Top shapes by total time');
    out.push(
      ...formatTextTable(
        ['total', 'calls', 'mean', 'p95', 'query'],
        r.top_shapes.slice(0, 10).map((s) => [ms(s.total_ms), String(s.calls), ms(s.mean_ms), ms(s.p95_ms), clip(s.query, 100)]),
      ).map((l) => `  ${l}`),
    );
  }

  out.push('', 'Schema health');
  out.push(`  cache hit rate: tables ${pct(h.cache_hit_rate.table)}, indexes ${pct(h.cache_hit_rate.index)}`);
  out.push(`  connections: ${h.connections.map((c) => `${c.count} ${c.state}`).join(', ') || 'n/a'}`);
  for (const t of h.seq_scan_tables) out.push(`  mostly sequential scans: ${t.table} (${t.rows} rows, ${t.seq_scan_pct} % of scans)`);
  for (const d of h.duplicate_indexes) out.push(`  duplicate index: ${d.index} (covered by ${d.covered_by})`);
  for (const i of h.invalid_indexes) out.push(`  invalid index: ${i.index} on ${i.table}`);
  if (h.unused_indexes.length)
    out.push(`  unused indexes (no scans since statistics reset): ${h.unused_indexes.map((u) => u.index).join(', ')}`);
  for (const q of h.long_running_queries) out.push(`  long-running: pid ${q.pid} ${q.state} ${ms(q.duration_ms)} ${clip(q.query, 100)}`);
  if (h.unavailable.length) out.push(`  not available on this database: ${h.unavailable.join(', ')}`);
  return `${out.join('\n')}\n`;
}
