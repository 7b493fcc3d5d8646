// Per-shape and per-type query statistics in bounded memory: a log-scale histogram per entry
// (percentiles within ~10 %), at most `maxShapes` shapes with the least-used evicted first.
import type { QueryType } from '../../core/metrics.js';

/** Bucket upper bounds grow by this factor from MIN_MS: ~10 % relative error on percentiles. */
const GROWTH = 1.2;
const MIN_MS = 0.01;
const BUCKETS = 100; // up to ~0.01 ms × 1.2^99 ≈ 690 s; slower samples land in the last bucket
const LOG_GROWTH = Math.log(GROWTH);

export function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
}

export function bucketUpperMs(bucket: number): number {
  return MIN_MS * GROWTH ** bucket;
}

export class LatencyStats {
  readonly histogram = new Uint32Array(BUCKETS);
  calls = 0;
  totalMs = 0;
  maxMs = 0;
  rows = 0;
  errors = 0;
  slow = 0;

  add(ms: number, rows: number | undefined, failed: boolean, slow: boolean): void {
    this.calls++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.histogram[bucketOf(ms)]!++;
    if (rows !== undefined) this.rows += rows;
    if (failed) this.errors++;
    if (slow) this.slow++;
  }

  /** Nearest-rank percentile, reported as its bucket's upper bound (never above the maximum seen). */
  percentile(p: number): number {
    if (this.calls === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.calls));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.histogram[b]!;
      if (seen >= rank) return Math.min(bucketUpperMs(b), this.maxMs);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      calls: this.calls,
      total_ms: round(this.totalMs),
      mean_ms: this.calls === 0 ? 0 : round(this.totalMs / this.calls),
      p50_ms: round(this.percentile(50)),
      p95_ms: round(this.percentile(95)),
      p99_ms: round(this.percentile(99)),
      max_ms: round(this.maxMs),
      rows: this.rows,
      errors: this.errors,
      slow: this.slow,
    };
  }
}

export interface LatencySummary {
  calls: number;
  total_ms: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  rows: number;
  errors: number;
  slow: number;
}

export const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export interface ShapeEntry {
  fingerprint: string;
  query: string;
  type: QueryType;
  stats: LatencyStats;
  lastSeen: number;
}

export interface QuerySample {
  fingerprint: string;
  query: string;
  type: QueryType;
  durationMs: number;
  rows: number | undefined;
  failed: boolean;
  slow: boolean;
}

export interface ShapeStore {
  add(sample: QuerySample, now: number): void;
  shapes(): ShapeEntry[];
  byType(): Map<QueryType, LatencyStats>;
  readonly size: number;
  /** Shapes dropped to stay within `maxShapes`. */
  readonly evicted: number;
  totals(): { queries: number; totalMs: number; slow: number };
}

/**
 * Keeps at most `maxShapes` shapes. When full, a new shape replaces the least used one: fewest
 * calls, then least total time (a rare but slow shape outlives rare fast ones), then least recent.
 */
/** Fewer calls, then less total time, then seen longer ago: the entry to evict first. */
function less(a: ShapeEntry, b: ShapeEntry): boolean {
  if (a.stats.calls !== b.stats.calls) return a.stats.calls < b.stats.calls;
  if (a.stats.totalMs !== b.stats.totalMs) return a.stats.totalMs < b.stats.totalMs;
  return a.lastSeen < b.lastSeen;
}

export function createShapeStore(maxShapes = 1000): ShapeStore {
  const shapes = new Map<string, ShapeEntry>();
  const types = new Map<QueryType, LatencyStats>();
  let evicted = 0;
  let queries = 0;
  let totalMs = 0;
  let slow = 0;

  function evictOne(): void {
    let victim: ShapeEntry | undefined;
    for (const entry of shapes.values()) {
      if (!victim || less(entry, victim)) victim = entry;
    }
    if (victim) {
      shapes.delete(victim.fingerprint);
      evicted++;
    }
  }

  return {
    add(sample, now) {
      queries++;
      totalMs += sample.durationMs;
      if (sample.slow) slow++;
      let entry = shapes.get(sample.fingerprint);
      if (!entry) {
        if (shapes.size >= maxShapes) evictOne();
        entry = { fingerprint: sample.fingerprint, query: sample.query, type: sample.type, stats: new LatencyStats(), lastSeen: now };
        shapes.set(sample.fingerprint, entry);
      }
      entry.lastSeen = now;
      entry.stats.add(sample.durationMs, sample.rows, sample.failed, sample.slow);
      let typed = types.get(sample.type);
      if (!typed) types.set(sample.type, (typed = new LatencyStats()));
      typed.add(sample.durationMs, sample.rows, sample.failed, sample.slow);
    },
    shapes: () => [...shapes.values()],
    byType: () => types,
    get size() {
      return shapes.size;
    },
    get evicted() {
      return evicted;
    },
    totals: () => ({ queries, totalMs, slow }),
  };
}
