// Schema health read from the catalog and statistics views: unused, duplicate and invalid indexes,
// tables read mostly by sequential scans, cache hit rates, long-running queries and connections.
// Each check that this database cannot answer is named in `unavailable` instead of failing the report.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema.js';
import { INSIGHTS_MARKER, cacheHits, connectionsByState, listIndexes, longRunning, tableScans } from './db-insights.repository.js';
import { findDuplicateIndexes, type DuplicateIndex } from './duplicate-indexes.js';
import { shapeOf } from './fingerprint.js';
import { round } from './shape-stats.js';
import { MIN_TABLE_ROWS } from './suggest.js';

export interface SchemaHealth {
  unused_indexes: Array<{ schema: string; table: string; index: string; size_bytes: number }>;
  duplicate_indexes: DuplicateIndex[];
  invalid_indexes: Array<{ schema: string; table: string; index: string }>;
  seq_scan_tables: Array<{ schema: string; table: string; rows: number; seq_scan: number; idx_scan: number; seq_scan_pct: number }>;
  cache_hit_rate: { table: number | null; index: number | null };
  long_running_queries: Array<{ pid: number; state: string; duration_ms: number; wait_event_type: string | null; query: string }>;
  connections: Array<{ state: string; count: number }>;
  /** Checks this database could not answer. */
  unavailable: string[];
}

const LONG_RUNNING_MS = 60_000;

const rate = ([hit, read]: [number, number]) => (hit + read === 0 ? null : Math.round((hit / (hit + read)) * 10_000) / 10_000);

type Db = Kysely<DatabaseSchema>;

/** One check per entry, run in this order; each fills its part of the result. */
const CHECKS: ReadonlyArray<[name: string, check: (db: Db, result: SchemaHealth) => Promise<void>]> = [
  [
    'indexes',
    async (db, result) => {
      const indexes = await listIndexes(db);
      result.unused_indexes = indexes
        .filter((ix) => ix.valid && !ix.unique && !ix.primary && ix.scans === 0)
        .map((ix) => ({ schema: ix.schema, table: ix.table, index: ix.name, size_bytes: ix.sizeBytes }));
      result.invalid_indexes = indexes.filter((ix) => !ix.valid).map((ix) => ({ schema: ix.schema, table: ix.table, index: ix.name }));
      result.duplicate_indexes = findDuplicateIndexes(indexes);
    },
  ],
  [
    'table scans',
    async (db, result) => {
      result.seq_scan_tables = (await tableScans(db))
        .map((t) => ({
          ...t,
          seq_scan_pct: t.seq_scan + t.idx_scan === 0 ? 0 : Math.round((t.seq_scan / (t.seq_scan + t.idx_scan)) * 1000) / 10,
        }))
        // PgHero's rule: a table of 10 000+ rows whose scans use an index less than 95 % of the time.
        .filter((t) => t.rows >= MIN_TABLE_ROWS && t.seq_scan > 0 && t.seq_scan_pct > 5);
    },
  ],
  [
    'cache hit rate',
    async (db, result) => {
      const hits = await cacheHits(db);
      result.cache_hit_rate = { table: rate(hits.table), index: rate(hits.index) };
    },
  ],
  [
    'long-running queries',
    async (db, result) => {
      result.long_running_queries = (await longRunning(db, LONG_RUNNING_MS)).map((q) => ({
        ...q,
        duration_ms: round(q.duration_ms),
        query: q.query.startsWith(INSIGHTS_MARKER) ? 'EXPLAIN (database report)' : shapeOf(q.query).query,
      }));
    },
  ],
  [
    'connections',
    async (db, result) => {
      result.connections = await connectionsByState(db);
    },
  ],
];

export async function checkSchemaHealth(db: Db): Promise<SchemaHealth> {
  const result: SchemaHealth = {
    unused_indexes: [],
    duplicate_indexes: [],
    invalid_indexes: [],
    seq_scan_tables: [],
    cache_hit_rate: { table: null, index: null },
    long_running_queries: [],
    connections: [],
    unavailable: [],
  };
  for (const [name, check] of CHECKS) {
    try {
      await check(db, result);
    } catch {
      result.unavailable.push(name);
    }
  }
  return result;
}
