// Builds the `application/health+json` document (IETF draft-inadarei-api-health-check) from
// measurements taken elsewhere. Pure: time and inputs are arguments.
import type { SystemStats } from './system-stats.js';

export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface HealthCheck {
  componentType: 'datastore' | 'system' | 'component';
  observedValue?: number | string | boolean;
  observedUnit?: string;
  status: HealthStatus;
  time: string;
  output?: string;
}

export interface HealthDocument {
  status: HealthStatus;
  version?: string;
  releaseId?: string;
  serviceId?: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

/** Where a reading turns from pass to warn (and to fail), as the report asks: warn above 95 % memory or CPU. */
export const THRESHOLDS = {
  cpuPercent: { warn: 95 },
  memoryPercent: { warn: 95 },
  diskPercent: { warn: 90, fail: 98 },
  eventLoopLagMs: { warn: 100, fail: 1000 },
  dbLatencyMs: { warn: 50, fail: 1000 },
} as const;

export function grade(value: number | undefined, limits: { warn: number; fail?: number }): HealthStatus {
  if (value === undefined) return 'pass';
  if (limits.fail !== undefined && value > limits.fail) return 'fail';
  return value > limits.warn ? 'warn' : 'pass';
}

/** The worst of the statuses (fail > warn > pass); pass for none. */
export function rollUp(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'pass';
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'warn') worst = 'warn';
  }
  return worst;
}

export interface HealthInputs {
  now: Date;
  shuttingDown: boolean;
  database: {
    kind: string;
    reachable: boolean | undefined;
    latencyMs: number | undefined;
    checkedAt: Date | undefined;
  };
  pool: { max: number; inUse: number; idle: number; waiting: number };
  system: SystemStats;
  version: string;
  instanceId: string;
  /** Where rate-limit counters live: a configured Redis, or memory (alone, or while Redis is unreachable). */
  rateLimit?: { store: 'redis' | 'memory'; fallback: boolean };
}

export function buildHealthDocument(input: HealthInputs, withDetails: boolean): HealthDocument {
  const time = input.now.toISOString();
  const { database, pool, system } = input;
  const dbStatus: HealthStatus =
    database.reachable === false ? 'fail' : database.reachable === undefined ? 'warn' : grade(database.latencyMs, THRESHOLDS.dbLatencyMs);

  const checks: Record<string, HealthCheck> = {
    'database:connectivity': {
      componentType: 'datastore',
      observedValue: database.reachable ?? false,
      status: dbStatus,
      time: database.checkedAt?.toISOString() ?? time,
      ...(database.reachable === undefined ? { output: 'not probed yet' } : database.reachable ? {} : { output: 'unreachable' }),
    },
    'database:responseTime': {
      componentType: 'datastore',
      observedValue: database.latencyMs ?? -1,
      observedUnit: 'ms',
      status: dbStatus,
      time: database.checkedAt?.toISOString() ?? time,
    },
    'database:connections': {
      componentType: 'datastore',
      observedValue: pool.inUse,
      observedUnit: `of ${pool.max} in use, ${pool.idle} idle, ${pool.waiting} waiting`,
      // A moment's queue is normal (PGlite has one connection); a queue longer than the pool is saturation.
      status: pool.waiting > pool.max ? 'warn' : 'pass',
      time,
    },
    'memory:utilization': {
      componentType: 'system',
      observedValue: system.memoryPercent,
      observedUnit: 'percent',
      status: grade(system.memoryPercent, THRESHOLDS.memoryPercent),
      time,
    },
    'process:rss': { componentType: 'component', observedValue: system.rssBytes, observedUnit: 'bytes', status: 'pass', time },
    'cpu:utilization': {
      componentType: 'system',
      observedValue: system.cpuPercent,
      observedUnit: 'percent',
      status: grade(system.cpuPercent, THRESHOLDS.cpuPercent),
      time,
    },
    'disk:utilization': {
      componentType: 'system',
      observedValue: system.diskPercent ?? -1,
      observedUnit: 'percent',
      status: grade(system.diskPercent, THRESHOLDS.diskPercent),
      time,
    },
    'eventloop:lag': {
      componentType: 'component',
      observedValue: system.eventLoopLagP99Ms,
      observedUnit: 'ms',
      status: grade(system.eventLoopLagP99Ms, THRESHOLDS.eventLoopLagMs),
      time,
    },
    uptime: { componentType: 'system', observedValue: system.uptimeSeconds, observedUnit: 's', status: 'pass', time },
    'service:lifecycle': lifecycleCheck(input.shuttingDown, time),
  };

  if (input.rateLimit) checks['ratelimit:store'] = rateLimitCheck(input.rateLimit, time);
  const status = rollUp(Object.values(checks).map((c) => c.status));
  if (!withDetails) {
    // The public view: the verdict per component, no readings.
    const bare = Object.fromEntries(
      Object.entries(checks).map(([key, c]) => [key, [{ componentType: c.componentType, status: c.status, time: c.time }]]),
    );
    return { status, description: 'NOUS beta suite', checks: bare };
  }
  return {
    status,
    version: input.version.split('.')[0] ?? input.version,
    releaseId: input.version,
    serviceId: input.instanceId,
    description: 'NOUS beta suite',
    checks: Object.fromEntries(Object.entries(checks).map(([key, c]) => [key, [c]])),
  };
}

/** Counting in memory because Redis is unreachable still limits, per instance: a warning, not a failure. */
function rateLimitCheck(state: { store: 'redis' | 'memory'; fallback: boolean }, time: string): HealthCheck {
  return {
    componentType: 'component',
    observedValue: state.store,
    status: state.fallback ? 'warn' : 'pass',
    time,
    ...(state.fallback ? { output: 'Redis unreachable: counting per instance in memory' } : {}),
  };
}

/** Draining after a shutdown signal fails the document, so load balancers stop sending. */
function lifecycleCheck(shuttingDown: boolean, time: string): HealthCheck {
  return { componentType: 'component', observedValue: shuttingDown ? 'draining' : 'serving', status: shuttingDown ? 'fail' : 'pass', time };
}
