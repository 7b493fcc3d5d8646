import { describe, expect, it } from 'vitest';
import { buildHealthDocument, grade, rollUp, type HealthInputs } from './health-report.js';

const now = new Date('2026-01-01T00:00:00Z');
const base: HealthInputs = {
  now,
  shuttingDown: false,
  database: { kind: 'postgres', reachable: true, latencyMs: 1.2, checkedAt: now },
  pool: { max: 10, inUse: 1, idle: 1, waiting: 0 },
  system: {
    cpuPercent: 10,
    processCpuPercent: 2,
    memoryPercent: 40,
    memoryTotalBytes: 1e9,
    rssBytes: 1e8,
    heapUsedBytes: 5e7,
    diskPercent: 50,
    diskFreeBytes: 1e10,
    eventLoopLagMs: 1,
    eventLoopLagP99Ms: 2,
    uptimeSeconds: 10,
  },
  version: '1.2.3',
  instanceId: 'i-1',
};

function withSystem(patch: Partial<HealthInputs['system']>): HealthInputs {
  return { ...base, system: { ...base.system, ...patch } };
}

describe('grade and rollUp', () => {
  it('grades against warn and fail limits, strictly above', () => {
    expect(grade(95, { warn: 95 })).toBe('pass');
    expect(grade(95.1, { warn: 95 })).toBe('warn');
    expect(grade(99, { warn: 90, fail: 98 })).toBe('fail');
    expect(grade(undefined, { warn: 1 })).toBe('pass');
  });
  it('takes the worst status', () => {
    expect(rollUp([])).toBe('pass');
    expect(rollUp(['pass', 'warn', 'pass'])).toBe('warn');
    expect(rollUp(['warn', 'fail', 'pass'])).toBe('fail');
  });
});

describe('buildHealthDocument', () => {
  it('passes a healthy service and carries the draft fields', () => {
    const doc = buildHealthDocument(base, true);
    expect(doc.status).toBe('pass');
    expect(doc.version).toBe('1');
    expect(doc.releaseId).toBe('1.2.3');
    expect(doc.checks['database:responseTime']).toEqual([
      { componentType: 'datastore', observedValue: 1.2, observedUnit: 'ms', status: 'pass', time: now.toISOString() },
    ]);
  });

  it('warns above 95 % memory or CPU, as the report asks', () => {
    expect(buildHealthDocument(withSystem({ memoryPercent: 96 }), true).status).toBe('warn');
    expect(buildHealthDocument(withSystem({ cpuPercent: 97 }), true).status).toBe('warn');
    expect(buildHealthDocument(withSystem({ cpuPercent: 95 }), true).status).toBe('pass');
  });

  it('fails when the database is unreachable or shutdown has begun', () => {
    const down = buildHealthDocument({ ...base, database: { ...base.database, reachable: false, latencyMs: undefined } }, true);
    expect(down.status).toBe('fail');
    expect(down.checks['database:connectivity']![0]!.output).toBe('unreachable');
    expect(buildHealthDocument({ ...base, shuttingDown: true }, false).status).toBe('fail');
  });

  it('warns on a slow database, a full pool, a lagging event loop and a nearly full disk', () => {
    expect(buildHealthDocument({ ...base, database: { ...base.database, latencyMs: 80 } }, true).status).toBe('warn');
    expect(buildHealthDocument({ ...base, pool: { ...base.pool, waiting: 3 } }, true).status).toBe('pass');
    expect(buildHealthDocument({ ...base, pool: { ...base.pool, waiting: 11 } }, true).status).toBe('warn');
    expect(buildHealthDocument(withSystem({ eventLoopLagP99Ms: 150 }), true).status).toBe('warn');
    expect(buildHealthDocument(withSystem({ diskPercent: 99 }), true).status).toBe('fail');
  });

  it('hides readings and identity in the public view but keeps each verdict', () => {
    const doc = buildHealthDocument(withSystem({ memoryPercent: 96 }), false);
    expect(doc.status).toBe('warn');
    expect(doc.releaseId).toBeUndefined();
    expect(doc.serviceId).toBeUndefined();
    expect(doc.checks['memory:utilization']).toEqual([{ componentType: 'system', status: 'warn', time: now.toISOString() }]);
    expect(JSON.stringify(doc)).not.toContain('observedValue');
  });
});
