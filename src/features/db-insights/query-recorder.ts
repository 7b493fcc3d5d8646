// The query observer's side of the report. `record` runs on the query's path while its connection is
// held, so it only enqueues; a timer folds the queue in batches into per-shape statistics off that
// path and hands statements slower than the threshold, with their live parameters, to the analyser.
import type { QueryType } from '../../core/metrics.js';
import type { QueryEvent } from '../../db/database.js';
import { INSIGHTS_MARKER } from './db-insights.repository.js';
import { createShapeCache } from './fingerprint.js';
import type { AnalysisJob } from './slow-query-entry.js';
import { createShapeStore, type ShapeStore } from './shape-stats.js';

/** Where slow statements go: offered one by one as a batch is folded, then told the batch is done. */
export interface SlowQuerySink {
  offer(job: AnalysisJob): void;
  batchDone(): void;
}

export interface QueryRecorderDeps {
  /** Statements slower than this keep their parameters for the analyser. */
  slowQueryMs: number;
  /** Shapes kept in memory (least used evicted first). */
  maxShapes: number;
  now: () => number;
  slow: SlowQuerySink;
}

export interface QueryRecorder {
  /** The query observer: records and enqueues only; needs no `this`, so it can be handed out alone. */
  record: (event: QueryEvent) => void;
  readonly shapes: ShapeStore;
  /** Events dropped because the queue was full. */
  readonly dropped: number;
  /** Whether events wait to be folded. */
  busy(): boolean;
  stop(): void;
}

/** Events waiting for the worker; beyond this they are counted and dropped. */
const MAX_PENDING = 20_000;
/** Events are folded in batches this often: one timer for many queries, not one callback each. */
export const DRAIN_DELAY_MS = 10;

interface Pending {
  sql: string;
  type: QueryType;
  durationMs: number;
  failed: boolean;
  rows: number | undefined;
  at: number;
  /** Held only for slow statements, only until their analysis ends. */
  parameters: readonly unknown[] | undefined;
}

export function createQueryRecorder(deps: QueryRecorderDeps): QueryRecorder {
  const now = deps.now;
  const shapes = createShapeStore(deps.maxShapes);
  const cache = createShapeCache(5000);
  let pending: Pending[] = [];
  let dropped = 0;
  let drainScheduled = false;
  let stopped = false;

  function drain(): void {
    drainScheduled = false;
    const batch = pending;
    pending = [];
    for (const event of batch) {
      const shape = cache.shapeOf(event.sql);
      const slow = event.parameters !== undefined;
      const { fingerprint, query } = shape;
      shapes.add(
        { fingerprint, query, type: event.type, durationMs: event.durationMs, rows: event.rows, failed: event.failed, slow },
        event.at,
      );
      if (slow) {
        deps.slow.offer({
          ...shape,
          sql: event.sql,
          parameters: event.parameters,
          type: event.type,
          durationMs: event.durationMs,
          at: event.at,
        });
      }
    }
    deps.slow.batchDone();
  }

  return {
    record(event) {
      if (stopped || event.sql.startsWith(INSIGHTS_MARKER)) return;
      if (pending.length >= MAX_PENDING) {
        dropped++;
        return;
      }
      const slow = !event.failed && event.durationMs > deps.slowQueryMs;
      pending.push({
        sql: event.sql,
        type: event.type,
        durationMs: event.durationMs,
        failed: event.failed,
        rows: event.rows,
        at: now(),
        parameters: slow ? event.parameters : undefined,
      });
      if (!drainScheduled) {
        drainScheduled = true;
        setTimeout(drain, DRAIN_DELAY_MS).unref();
      }
    },
    shapes,
    get dropped() {
      return dropped;
    },
    busy: () => drainScheduled || pending.length > 0,
    stop() {
      stopped = true;
      pending = [];
    },
  };
}
