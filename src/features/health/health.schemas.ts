// The HTTP shapes of the health and metrics routes: the series range they accept (checked by Ajv)
// and the documents they answer with (written by the serializer). The console imports their types.
import { Type } from 'typebox';

export const Verdict = Type.Object({ status: Type.Union([Type.Literal('pass'), Type.Literal('fail')]) });
export const ErrorShape = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
export const Check = Type.Object({
  componentType: Type.String(),
  observedValue: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
  observedUnit: Type.Optional(Type.String()),
  status: Type.String(),
  time: Type.String(),
  output: Type.Optional(Type.String()),
});
export const HealthDocumentSchema = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  version: Type.Optional(Type.String()),
  releaseId: Type.Optional(Type.String()),
  serviceId: Type.Optional(Type.String()),
  description: Type.String(),
  checks: Type.Record(Type.String(), Type.Array(Check)),
});
export const Summary = Type.Object({
  count: Type.Number(),
  mean: Type.Number(),
  p50: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
  max: Type.Number(),
});
export const MetricsReport = Type.Object({
  time: Type.String(),
  windowSeconds: Type.Number(),
  requests: Type.Object({
    total: Type.Number(),
    successRate: Type.Number(),
    errors5xx: Type.Number(),
    ratePerSecond: Type.Number(),
    perRoute: Type.Record(Type.String(), Type.Number()),
    responseTimeMs: Summary,
  }),
  database: Type.Object({
    kind: Type.String(),
    reachable: Type.Union([Type.Boolean(), Type.Null()]),
    probeLatencyMs: Type.Union([Type.Number(), Type.Null()]),
    total: Type.Number(),
    errors: Type.Number(),
    queryTimeMs: Summary,
    perType: Type.Record(Type.String(), Type.Intersect([Summary, Type.Object({ total: Type.Number() })])),
    pool: Type.Object({
      max: Type.Number(),
      total: Type.Number(),
      idle: Type.Number(),
      inUse: Type.Number(),
      waiting: Type.Number(),
    }),
  }),
  system: Type.Object({
    cpuPercent: Type.Number(),
    processCpuPercent: Type.Number(),
    memoryPercent: Type.Number(),
    memoryTotalBytes: Type.Number(),
    rssBytes: Type.Number(),
    heapUsedBytes: Type.Number(),
    diskPercent: Type.Union([Type.Number(), Type.Null()]),
    diskFreeBytes: Type.Union([Type.Number(), Type.Null()]),
    eventLoopLagMs: Type.Number(),
    eventLoopLagP99Ms: Type.Number(),
    uptimeSeconds: Type.Number(),
  }),
});

export const SeriesPoint = Type.Object({
  t: Type.String(),
  requests: Type.Number(),
  requests_per_s: Type.Number(),
  errors: Type.Number(),
  http_p95_ms: Type.Number(),
  db_p95_ms: Type.Number(),
  cpu_percent: Type.Number(),
  memory_percent: Type.Number(),
});

export const SeriesQuery = Type.Object(
  { range: Type.Union([Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d')], { default: '1h' }) },
  { additionalProperties: false },
);
export const MetricsSeries = Type.Object({
  range: Type.String(),
  bucket_seconds: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  points: Type.Array(SeriesPoint),
});
/** GET /metrics: the Prometheus text exposition. */
export const MetricsText = Type.String();
