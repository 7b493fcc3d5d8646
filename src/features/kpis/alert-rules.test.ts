import { describe, expect, it } from 'vitest';
import { createAlertEvaluator, type AlertSample, type AlertThresholds } from './alert-rules.js';

const thresholds: AlertThresholds = {
  cpuPct: 95,
  memoryPct: 95,
  diskPct: 90,
  dbP95Ms: 50,
  errorRatePct: 5,
  uptimePct: 99.9,
  forSamples: 2,
  intervalS: 30,
};
const start = Date.parse('2026-06-01T00:00:00Z');

/** A clock moving one interval per sample, and healthy readings unless patched. */
function feeder(t: AlertThresholds = thresholds) {
  const evaluator = createAlertEvaluator(t);
  let n = 0;
  const step = (patch: Partial<AlertSample> = {}) =>
    evaluator.step({
      at: new Date(start + n++ * t.intervalS * 1000),
      cpuPercent: 20,
      memoryPercent: 40,
      diskPercent: 50,
      dbP95Ms: 3,
      requestCount: 100,
      errorCount: 0,
      dbReachable: true,
      ...patch,
    });
  return { evaluator, step, at: (i: number) => new Date(start + i * t.intervalS * 1000) };
}

describe('alert rules', () => {
  it('opens only after the condition held for the configured samples, then resolves after as many clear ones', () => {
    const { evaluator, step, at } = feeder();
    expect(step({ cpuPercent: 97 })).toEqual([]);
    const opened = step({ cpuPercent: 98.26 });
    expect(opened).toEqual([
      {
        kind: 'open',
        rule: 'cpu_high',
        value: 98.26,
        threshold: 95,
        message: 'CPU at 98.3 % (above 95 % for 2 samples)',
        at: at(1),
        firstSeen: at(1),
      },
    ]);
    expect(step({ cpuPercent: 99 })).toEqual([]);
    expect(evaluator.open()).toEqual([expect.objectContaining({ rule: 'cpu_high', value: 99, firstSeen: at(1), lastSeen: at(2) })]);
    expect(step({ cpuPercent: 50 })).toEqual([]);
    expect(step({ cpuPercent: 40 })).toEqual([
      { kind: 'resolve', rule: 'cpu_high', value: 40, threshold: 95, message: 'CPU back to 40 %', at: at(4), firstSeen: at(1) },
    ]);
    expect(evaluator.open()).toEqual([]);
  });

  it('does not flap on a value alternating around the threshold', () => {
    const { step, evaluator } = feeder();
    const events = [];
    for (let i = 0; i < 20; i++) events.push(...step({ memoryPercent: i % 2 === 0 ? 96 : 94 }));
    expect(events).toEqual([]);
    // Once open, a single clear sample between breaches does not resolve it either.
    step({ memoryPercent: 96 });
    expect(step({ memoryPercent: 96 }).map((e) => e.kind)).toEqual(['open']);
    for (let i = 0; i < 20; i++) events.push(...step({ memoryPercent: i % 2 === 0 ? 94 : 96 }));
    expect(events).toEqual([]);
    expect(evaluator.open().map((a) => a.rule)).toEqual(['memory_high']);
  });

  it('is strictly above each threshold, and a single sample is enough when configured so', () => {
    const { step } = feeder({ ...thresholds, forSamples: 1 });
    expect(step({ cpuPercent: 95, memoryPercent: 95, diskPercent: 90, dbP95Ms: 50, requestCount: 100, errorCount: 5 })).toEqual([]);
    const events = step({ cpuPercent: 95.1, memoryPercent: 95.1, diskPercent: 90.1, dbP95Ms: 50.1, requestCount: 100, errorCount: 6 });
    expect(events.map((e) => [e.rule, e.value])).toEqual([
      ['cpu_high', 95.1],
      ['memory_high', 95.1],
      ['disk_high', 90.1],
      ['db_p95_high', 50.1],
      ['error_rate_high', 6],
    ]);
  });

  it('takes no error rate from a sample without requests, and leaves the disk rule alone without a disk reading', () => {
    const { step, evaluator } = feeder();
    step({ requestCount: 0, errorCount: 0, diskPercent: 95 });
    step({ requestCount: 0, errorCount: 0, diskPercent: 95 });
    expect(evaluator.open().map((a) => a.rule)).toEqual(['disk_high']);
    for (let i = 0; i < 5; i++) expect(step({ diskPercent: null })).toEqual([]);
    expect(evaluator.open().map((a) => a.rule)).toEqual(['disk_high']);
  });

  it('reports /healthz failing while the database is unreachable, and uptime below target once downtime exceeds the budget', () => {
    const { step, evaluator } = feeder();
    expect(step({ dbReachable: false })).toEqual([]);
    // 2 failed samples of 30 s = 60 s down in 24 h: 99.93 %, within the 0.1 % budget (86.4 s).
    expect(step({ dbReachable: false }).map((e) => e.rule)).toEqual(['healthz_failing']);
    expect(evaluator.uptimePct()).toBeCloseTo(100 * (1 - 60 / 86_400), 9);
    // A third failed sample: 90 s down, 99.896 %.
    expect(step({ dbReachable: false })).toEqual([]);
    const fourth = step({ dbReachable: false });
    expect(fourth.map((e) => e.rule)).toEqual(['uptime_low']);
    expect(fourth[0]!.value).toBeCloseTo(100 * (1 - 120 / 86_400), 9);
    expect(fourth[0]!.message).toBe('uptime over the last 24 h at 99.861 % (target 99.9 %)');
    step();
    expect(step().map((e) => e.rule)).toEqual(['healthz_failing']);
    expect(evaluator.open().map((a) => a.rule)).toEqual(['uptime_low']);
  });

  it('lets uptime recover once failed samples leave the 24 h window', () => {
    const t = { ...thresholds, intervalS: 3600 };
    const { step, evaluator } = feeder(t);
    step({ dbReachable: false });
    step({ dbReachable: false });
    expect(
      evaluator
        .open()
        .map((a) => a.rule)
        .sort(),
    ).toEqual(['healthz_failing', 'uptime_low']);
    const hours = 24; // the uptime window (docs/kpis-and-alerts.md)
    const resolved = [];
    for (let i = 2; i <= hours + 2; i++) resolved.push(...step().map((e) => `${e.kind} ${e.rule} ${i}`));
    // The failures at hours 0 and 1 leave the window at hours 24 and 25: uptime is clear from hour 25,
    // and the second clear sample (hour 26) resolves the alert.
    expect(resolved).toEqual(['resolve healthz_failing 3', 'resolve uptime_low 26']);
    expect(evaluator.uptimePct()).toBe(100);
  });

  it('counts the fleet downtime recorded before this instance started (a crash and the restart)', () => {
    const { step, evaluator } = feeder();
    // The 10 min before this start (19 missing samples): 570 s of the 24 h, out of budget.
    evaluator.seed(Array.from({ length: 19 }, (_, k) => start - 600_000 + (k + 1) * 30_000));
    expect(step()).toEqual([]);
    expect(evaluator.uptimePct()).toBeCloseTo(100 * (1 - 570 / 86_400), 9);
    const second = step();
    expect(second.map((e) => `${e.kind} ${e.rule}`)).toEqual(['open uptime_low']);
    expect(second[0]!.message).toBe('uptime over the last 24 h at 99.34 % (target 99.9 %)');
  });
});

describe('alert messages', () => {
  it('opens every rule with its reading, threshold and sample count, and resolves it with the reading back', () => {
    const { step, evaluator, at } = feeder({ ...thresholds, forSamples: 1 });
    const opened = step({ cpuPercent: 98.26, memoryPercent: 96.04, diskPercent: 91, dbP95Ms: 50.15, errorCount: 6, dbReachable: false });
    expect(opened.map(({ rule, value, threshold, message }) => ({ rule, value, threshold, message }))).toEqual([
      { rule: 'cpu_high', value: 98.26, threshold: 95, message: 'CPU at 98.3 % (above 95 % for 1 sample)' },
      { rule: 'memory_high', value: 96.04, threshold: 95, message: 'memory at 96 % (above 95 % for 1 sample)' },
      { rule: 'disk_high', value: 91, threshold: 90, message: 'disk at 91 % (above 90 % for 1 sample)' },
      { rule: 'db_p95_high', value: 50.15, threshold: 50, message: 'database p95 at 50.2 ms (above 50 ms for 1 sample)' },
      { rule: 'error_rate_high', value: 6, threshold: 5, message: '6 % of requests failed with 5xx (above 5 % for 1 sample)' },
      { rule: 'healthz_failing', value: 1, threshold: 0, message: '/healthz failing: database unreachable for 1 sample' },
    ]);
    expect(opened.every((e) => e.kind === 'open' && e.at.getTime() === at(0).getTime() && e.firstSeen === e.at)).toBe(true);
    const resolved = step({ cpuPercent: 20.04, errorCount: 1 });
    expect(resolved.map(({ kind, rule, message }) => `${kind} ${rule}: ${message}`)).toEqual([
      'resolve cpu_high: CPU back to 20 %',
      'resolve memory_high: memory back to 40 %',
      'resolve disk_high: disk back to 50 %',
      'resolve db_p95_high: database p95 back to 3 ms',
      'resolve error_rate_high: 5xx rate back to 1 %',
      'resolve healthz_failing: /healthz passing: database reachable again',
    ]);
    expect(resolved.every((e) => e.firstSeen.getTime() === at(0).getTime() && e.at.getTime() === at(1).getTime())).toBe(true);
    expect(evaluator.open()).toEqual([]);
  });

  it('keeps the latest reading of an open alert, and hands out copies', () => {
    const { step, evaluator, at } = feeder({ ...thresholds, forSamples: 1 });
    step({ dbP95Ms: 80 });
    step({ dbP95Ms: 120.04 });
    const [open] = evaluator.open();
    expect(open).toEqual({
      rule: 'db_p95_high',
      value: 120.04,
      threshold: 50,
      message: 'database p95 at 120 ms (above 50 ms for 1 sample)',
      firstSeen: at(0),
      lastSeen: at(1),
    });
    open!.value = 0;
    expect(evaluator.open()[0]!.value).toBe(120.04);
  });

  it('resolves uptime with the recovered figure', () => {
    const { step, evaluator } = feeder({ ...thresholds, forSamples: 1, intervalS: 3600 });
    expect(step({ dbReachable: false }).find((e) => e.rule === 'uptime_low')?.message).toBe(
      'uptime over the last 24 h at 95.833 % (target 99.9 %)',
    );
    const events = [];
    for (let i = 1; i <= 24; i++) events.push(...step());
    expect(events.find((e) => e.rule === 'uptime_low')).toMatchObject({
      kind: 'resolve',
      value: 100,
      message: 'uptime over the last 24 h back to 100 %',
    });
    expect(evaluator.uptimePct()).toBe(100);
  });
});

describe('uptime over the last 24 h', () => {
  it('drops a failed sample exactly 24 h after it', () => {
    const { step, evaluator } = feeder({ ...thresholds, intervalS: 3600 });
    step({ dbReachable: false });
    for (let i = 1; i < 24; i++) step();
    expect(evaluator.uptimePct()).toBeCloseTo(100 * (1 - 1 / 24), 9);
    step(); // hour 24
    expect(evaluator.uptimePct()).toBe(100);
  });

  it('never falls below 0 %', () => {
    const { step, evaluator } = feeder({ ...thresholds, intervalS: 43_200 });
    evaluator.seed([start - 1000, start - 2000]);
    step({ dbReachable: false });
    expect(evaluator.uptimePct()).toBe(0);
  });

  it('orders seeded slots, so those older than the window leave it whatever their order', () => {
    const { step, evaluator } = feeder();
    evaluator.seed([start - 60_000, start - 2 * 86_400_000, start - 30_000]);
    step();
    // The two recent slots count (60 s), the one two days old does not.
    expect(evaluator.uptimePct()).toBeCloseTo(100 * (1 - 60 / 86_400), 9);
  });
});

describe('edges', () => {
  it('clears the error rate on a sample without requests, reading 0 %', () => {
    const { step } = feeder({ ...thresholds, forSamples: 1 });
    step({ requestCount: 10, errorCount: 5 });
    expect(step({ requestCount: 0, errorCount: 0 })).toMatchObject([
      { kind: 'resolve', rule: 'error_rate_high', value: 0, message: '5xx rate back to 0 %' },
    ]);
  });

  it('is not below the uptime target when exactly at it', () => {
    const { step, evaluator } = feeder({ ...thresholds, forSamples: 1, uptimePct: 50, intervalS: 43_200 });
    const events = step({ dbReachable: false });
    expect(evaluator.uptimePct()).toBe(50);
    expect(events.map((e) => e.rule)).toEqual(['healthz_failing']);
  });
});
