// In-process measurements: Prometheus instruments plus sliding-window percentiles for the JSON
// health report. Memory is bounded: windows keep a fixed number of samples.
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export const QUERY_TYPES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'OTHER'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export interface WindowSummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Samples from the last `windowMs`, at most `capacity` of them (oldest overwritten first). */
export class SlidingWindow {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    private readonly windowMs: number,
    private readonly capacity = 10_000,
  ) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  add(value: number, now: number): void {
    this.times[this.next] = now;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  summary(now: number): WindowSummary {
    const since = now - this.windowMs;
    const recent: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (this.times[i]! >= since) recent.push(this.values[i]!);
    }
    return summarize(recent);
  }
}

/** Nearest-rank percentiles of `values` (0 for an empty list). */
export function summarize(values: number[]): WindowSummary {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round(sum / sorted.length),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface RequestSample {
  method: string;
  /** Route template (`/api/x/:id`), never the raw URL, so label cardinality stays bounded. */
  route: string;
  status: number;
  durationMs: number;
}

export interface MetricsSnapshot {
  windowSeconds: number;
  requests: {
    total: number;
    successRate: number;
    errors5xx: number;
    perRoute: Record<string, number>;
    responseTimeMs: WindowSummary;
    ratePerSecond: number;
  };
  database: {
    total: number;
    errors: number;
    perType: Record<QueryType, WindowSummary & { total: number }>;
    all: WindowSummary;
  };
}

/** Records the requests of one route (method and template), with its metric children bound once. */
export interface RouteRecorder {
  record(status: number, durationMs: number): void;
}

export interface Metrics {
  readonly registry: Registry;
  recordRequest(sample: RequestSample): void;
  /** The recorder for one method and route template: bind it once per route, call it per request. */
  routeRecorder(method: string, route: string): RouteRecorder;
  recordQuery(type: QueryType, durationMs: number, failed: boolean): void;
  snapshot(now?: number): MetricsSnapshot;
}

export interface MetricsOptions {
  windowMs?: number;
  /** Adds the process's default collectors (CPU, memory, event loop, GC). */
  defaultMetrics?: boolean;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One series of {@link RequestDurations}: bucket counts (not cumulative), sum and count. */
class DurationSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * `http_request_duration_seconds`, a Prometheus histogram by method, route template and status code,
 * counted in plain numbers per series and handed to the registry as prom-client's own histograms are
 * when it is scraped: a bound prom-client child still hashes its label object on every observation,
 * which showed on the request path of every route.
 */
export class RequestDurations {
  readonly name = 'http_request_duration_seconds';
  readonly help = 'HTTP request duration by route template, method and status code';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all: DurationSeries[] = [];

  constructor(private readonly bounds: readonly number[]) {}

  series(method: string, route: string, status: number): DurationSeries {
    const series = new DurationSeries({ method, route, status_code: String(status) }, this.bounds);
    this.all.push(series);
    return series;
  }

  get(): {
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }>;
  } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const series of this.all) {
      if (series.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const series of this.all) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const windowMs = options.windowMs ?? 60_000;
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const httpDuration = new RequestDurations(HTTP_BUCKETS);
  registry.registerMetric(httpDuration as unknown as Metric);
  const dbDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database query duration by statement type',
    labelNames: ['type'] as const,
    buckets: DB_BUCKETS,
    registers: [registry],
  });
  const dbErrors = new Counter({
    name: 'db_query_errors_total',
    help: 'Database queries that failed, by statement type',
    labelNames: ['type'] as const,
    registers: [registry],
  });

  const requests = createRequestStats(httpDuration, windowMs);
  const queryWindows = new Map(QUERY_TYPES.map((t) => [t, new SlidingWindow(windowMs)]));
  const allQueries = new SlidingWindow(windowMs);
  const queryTotals = new Map(QUERY_TYPES.map((t) => [t, 0]));
  let queryErrors = 0;

  return {
    registry,
    recordRequest({ method, route, status, durationMs }) {
      requests.routeRecorder(method, route).record(status, durationMs);
    },
    routeRecorder: requests.routeRecorder,
    recordQuery(type, durationMs, failed) {
      const now = Date.now();
      queryTotals.set(type, (queryTotals.get(type) ?? 0) + 1);
      queryWindows.get(type)!.add(durationMs, now);
      allQueries.add(durationMs, now);
      dbDuration.observe({ type }, durationMs / 1000);
      if (failed) {
        queryErrors++;
        dbErrors.inc({ type });
      }
    },
    snapshot(now = Date.now()) {
      const perType = Object.fromEntries(
        QUERY_TYPES.map((t) => [t, { total: queryTotals.get(t) ?? 0, ...queryWindows.get(t)!.summary(now) }]),
      ) as MetricsSnapshot['database']['perType'];
      return {
        windowSeconds: windowMs / 1000,
        requests: requests.summary(now),
        database: {
          total: [...queryTotals.values()].reduce((a, b) => a + b, 0),
          errors: queryErrors,
          perType,
          all: allQueries.summary(now),
        },
      };
    },
  };
}

/** Request counts and response times: one recorder per method and route, bound once. */
function createRequestStats(httpDuration: RequestDurations, windowMs: number) {
  const window = new SlidingWindow(windowMs);
  const perRoute = new Map<string, RouteRecorder & { count: number }>();
  let total = 0;
  let errors5xx = 0;

  // Each recorder keeps one histogram series per status code it has answered: a request costs a map
  // lookup by status and a few additions.
  function routeRecorder(method: string, route: string): RouteRecorder {
    const key = `${method} ${route}`;
    const existing = perRoute.get(key);
    if (existing) return existing;
    const children = new Map<number, DurationSeries>();
    const recorder = {
      count: 0,
      record(status: number, durationMs: number) {
        total++;
        recorder.count++;
        if (status >= 500) errors5xx++;
        window.add(durationMs, Date.now());
        let child = children.get(status);
        if (child === undefined) {
          child = httpDuration.series(method, route, status);
          children.set(status, child);
        }
        child.observe(durationMs / 1000);
      },
    };
    perRoute.set(key, recorder);
    return recorder;
  }

  return {
    routeRecorder,
    summary(now: number): MetricsSnapshot['requests'] {
      const responseTimeMs = window.summary(now);
      return {
        total,
        successRate: total === 0 ? 1 : round((total - errors5xx) / total),
        errors5xx,
        // Routes are bound when registered: list only those that have answered.
        perRoute: Object.fromEntries([...perRoute].filter(([, r]) => r.count > 0).map(([key, r]) => [key, r.count])),
        responseTimeMs,
        ratePerSecond: round(responseTimeMs.count / (windowMs / 1000)),
      };
    },
  };
}
