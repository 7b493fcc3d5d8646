// Query statistics and the database report. The query observer only enqueues; a worker off the
// request path turns events into per-shape statistics, explains slow statements on a connection
// of its own once the pool is quiet, and verifies the index suggestions their plans point at.
import type { Kysely } from 'kysely';
import type { PoolState, QueryEvent } from '../../db/database.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { createDbReporter, type DbReport } from './db-report.js';
import { loadParser } from './fingerprint.js';
import { createIndexSuggestions } from './index-suggestions.js';
import { DRAIN_DELAY_MS, createQueryRecorder } from './query-recorder.js';
import { createSlowQueryAnalyser } from './slow-query-analyser.js';

export interface DbInsightsDeps {
  db: Kysely<DatabaseSchema>;
  kind: PoolState['kind'];
  poolState(): PoolState;
  /** Statements slower than this are logged and explained. */
  slowQueryMs: number;
  /** A shape is logged and explained at most once per this period. */
  cooldownMs: number;
  /** Statement timeout for EXPLAIN ANALYZE and index trials. */
  explainTimeoutMs: number;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Shapes kept in memory (least used evicted first); default 1 000. */
  maxShapes?: number;
  now?: () => number;
}

export interface DbInsights {
  /** The query observer: records and enqueues only. */
  record(event: QueryEvent): void;
  report(options?: { source?: DbReport['source'] }): Promise<DbReport>;
  /** Resolves once every queued event and analysis is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function createDbInsights(deps: DbInsightsDeps): Promise<DbInsights> {
  await loadParser();
  const now = deps.now ?? Date.now;
  const maxShapes = deps.maxShapes ?? 1000;
  const suggestions = createIndexSuggestions({ ...deps, now });
  const analyser = createSlowQueryAnalyser({ ...deps, now, maxShapes, suggestions });
  const recorder = createQueryRecorder({ slowQueryMs: deps.slowQueryMs, maxShapes, now, slow: analyser });
  const report = createDbReporter({ ...deps, now, recorder, slowQueries: analyser.recent, suggestions });

  return {
    record: recorder.record,
    report,

    async idle() {
      for (;;) {
        const analysing = analyser.running();
        if (recorder.busy()) await new Promise((r) => setTimeout(r, DRAIN_DELAY_MS));
        else if (analysing) await analysing;
        else return;
      }
    },

    async stop() {
      recorder.stop();
      await analyser.stop();
    },
  };
}
