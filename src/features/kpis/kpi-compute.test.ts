import { describe, expect, it } from 'vitest';
import { bucketStarts, computeKpis, fleetDownSlots, KPI_TARGETS, statusOf, windowRange, type KpiInputs } from './kpi-compute.js';
import type { FleetHealth, Range } from './kpis.repository.js';

const now = new Date('2026-06-01T12:00:00.000Z');
// The 24 h window, written out (windowRange is checked against it below).
const range: Range = { from: new Date('2026-05-31T12:00:00.000Z'), to: now, stepS: 3600 };
const hour = (h: number) => new Date(range.from.getTime() + h * 3_600_000);
const seconds = (at: Date, s: number) => new Date(at.getTime() + s * 1000);

const round3 = (n: number) => Math.round(n * 1000) / 1000;

const empty: KpiInputs = {
  range,
  intervalS: 30,
  fleet: { since: null, gaps: [], lastOk: null },
  samples: [],
  latency: [],
  adminRequests: [],
  refusedSignIns: [],
  feedback: [],
  testers: { active: 0, engaged: 0, invited: 0, redeemed: 0 },
  flags: [],
  pageViews: [],
  actions: [],
};

describe('KPI verdicts', () => {
  it('compares each figure with its target, with a warn band where there is one', () => {
    expect(statusOf(99.95, KPI_TARGETS.uptime)).toBe('pass');
    expect(statusOf(99.9, KPI_TARGETS.uptime)).toBe('warn');
    expect(statusOf(98.9, KPI_TARGETS.uptime)).toBe('fail');
    expect(statusOf(49.9, KPI_TARGETS.db_p95_ms)).toBe('pass');
    expect(statusOf(50, KPI_TARGETS.db_p95_ms)).toBe('warn');
    expect(statusOf(100, KPI_TARGETS.db_p95_ms)).toBe('fail');
    expect(statusOf(0, KPI_TARGETS.auth_bypass_incidents)).toBe('pass');
    expect(statusOf(1, KPI_TARGETS.auth_bypass_incidents)).toBe('fail');
    expect(statusOf(0.5, KPI_TARGETS.feedback_per_day)).toBe('warn');
    expect(statusOf(0, KPI_TARGETS.feedback_per_day)).toBe('fail');
    expect(statusOf(12, KPI_TARGETS.refused_admin_requests)).toBe('tracked');
    expect(statusOf(0, KPI_TARGETS.feedback_per_tester)).toBe('tracked');
    expect(statusOf(null, KPI_TARGETS.refused_sign_ins)).toBe('no_data');
    expect(statusOf(null, KPI_TARGETS.uptime)).toBe('no_data');
  });
});

describe('computeKpis', () => {
  it('cuts the window into sparkline buckets', () => {
    expect(bucketStarts(range)).toHaveLength(24);
    expect(bucketStarts(windowRange('7d', now))).toHaveLength(28);
    expect(bucketStarts(windowRange('30d', now))).toHaveLength(30);
  });

  it('reports no data rather than a figure when nothing was measured', () => {
    const report = computeKpis(empty);
    const byKey = Object.fromEntries(report.kpis.map((k) => [k.key, k]));
    expect(byKey.uptime).toMatchObject({ value: null, status: 'no_data' });
    expect(byKey.api_avg_ms).toMatchObject({ value: null, status: 'no_data' });
    expect(byKey.engagement_rate).toMatchObject({ value: null, status: 'no_data' });
    expect(byKey.auth_bypass_incidents).toMatchObject({ value: 0, status: 'pass' });
    expect(byKey.admin_requests_identified).toMatchObject({ value: null, status: 'no_data' });
    expect(byKey.feedback_per_day).toMatchObject({ value: 0, status: 'fail' });
    expect(byKey.uptime!.series).toHaveLength(24);
    expect(byKey.uptime!.series.every((p) => p.v === null)).toBe(true);
  });

  it('counts samples missing from gaps in each instance series as down, per instance', () => {
    const report = computeKpis({
      ...empty,
      samples: [
        { instance_id: 'b', bucket: hour(0), samples: 100, ok: 100, missed: 0 },
        { instance_id: 'a', bucket: hour(0), samples: 100, ok: 99, missed: 0 },
        { instance_id: 'a', bucket: hour(1), samples: 98, ok: 98, missed: 2 },
      ],
    });
    expect(report.instances).toEqual([
      { instance_id: 'a', uptime_pct: 98.5, samples: 198 },
      { instance_id: 'b', uptime_pct: 100, samples: 100 },
    ]);
  });

  // Fleet uptime, 30 s interval: the 24 h window holds 2880 slots, an hourly bucket 120.
  const uptimeOf = (fleet: FleetHealth) => computeKpis({ ...empty, fleet }).kpis.find((k) => k.key === 'uptime')!;

  it('counts the time between a crash and the restart as down', () => {
    // Serving from the window's start; a crash at hour 1, the next instance serving 10 min later
    // (20 intervals: the 19 samples due in between are missing); serving until 10 s ago.
    const fleet: FleetHealth = {
      since: range.from,
      gaps: [{ from: hour(1), to: seconds(hour(1), 600) }],
      lastOk: seconds(now, -10),
    };
    expect(fleetDownSlots(range, 30, fleet)).toHaveLength(19);
    const uptime = uptimeOf(fleet);
    // (2880 - 19) / 2880 = 99.3403 %: below target, in the warn band.
    expect(uptime).toMatchObject({ value: 99.34, status: 'warn', target: '> 99.9 %' });
    // Hour 1: (120 - 19) / 120.
    expect(uptime.series.slice(0, 3).map((p) => p.v)).toEqual([100, 84.167, 100]);
    expect(uptime.series.every((p) => p.v !== null)).toBe(true);
  });

  it('counts an outage still going on, from the last serving sample to now', () => {
    // The first sample at hour 20 (none before), the last serving one 30 min ago: of the 60
    // intervals since, the 59 samples due after it are missing.
    const fleet: FleetHealth = { since: hour(20), gaps: [{ from: null, to: hour(20) }], lastOk: hour(23.5) };
    const uptime = uptimeOf(fleet);
    // 4 h = 480 slots, 59 down: 421 / 480 = 87.7083 %.
    expect(uptime).toMatchObject({ value: 87.708, status: 'fail' });
    // Nothing before the first sample; hour 23: (120 - 59) / 120.
    expect(uptime.series.slice(19).map((p) => p.v)).toEqual([null, 100, 100, 100, 50.833]);
    // Failed samples before the first serving one count too: one at hour 20, the next serving 60 s later.
    expect(uptimeOf({ since: hour(20), gaps: [{ from: null, to: seconds(hour(20), 60) }], lastOk: seconds(now, -20) }).value).toBe(
      round3((100 * 478) / 480),
    );
    // Not one serving sample since the first one, an hour ago: all down.
    expect(uptimeOf({ since: hour(23), gaps: [], lastOk: null })).toMatchObject({ value: 0, status: 'fail' });
  });

  it('does not count a rolling restart, or a sample up to half an interval late, as down', () => {
    // Samples before the window: it counts from its start. One instance replaced by another 40 s
    // after the last serving sample (within 1.5 intervals), the last sample 40 s ago.
    const fleet: FleetHealth = {
      since: range.from,
      gaps: [{ from: hour(5), to: seconds(hour(5), 40) }],
      lastOk: seconds(now, -40),
    };
    expect(fleetDownSlots(range, 30, fleet)).toEqual([]);
    expect(uptimeOf(fleet)).toMatchObject({ value: 100, status: 'pass' });
    // The last serving sample before the window long ago: only the slots inside it count (the
    // first serving sample 1 h into the window, the 120 slots before it down).
    const late = uptimeOf({ since: range.from, gaps: [{ from: hour(-5), to: hour(1) }], lastOk: seconds(now, -30) });
    expect(late.value).toBe(round3((100 * 2760) / 2880));
    expect(late.series[0]!.v).toBe(0);
  });

  it('fails the bypass KPI on any admin request served without an identified admin', () => {
    const report = computeKpis({
      ...empty,
      adminRequests: [
        { hour: hour(-0.5), outcome: 'refused', count: 3 },
        { hour: hour(2), outcome: 'served', count: 9 },
        { hour: hour(2), outcome: 'unidentified', count: 1 },
      ],
    });
    const byKey = Object.fromEntries(report.kpis.map((k) => [k.key, k]));
    expect(byKey.auth_bypass_incidents).toMatchObject({ value: 1, status: 'fail' });
    expect(byKey.admin_requests_identified).toMatchObject({ value: 90, status: 'fail' });
    expect(byKey.refused_admin_requests).toMatchObject({ value: 3, status: 'tracked' });
    // The hour that began before the window counts in its first bucket.
    expect(byKey.refused_admin_requests!.series.slice(0, 3).map((p) => p.v)).toEqual([3, 0, 0]);
  });

  it('merges page views and actions per admin and day, newest day first', () => {
    const report = computeKpis({
      ...empty,
      pageViews: [
        { actor: 'b@example.com', day: '2026-05-31', count: 4 },
        { actor: 'a@example.com', day: '2026-06-01', count: 2 },
      ],
      actions: [{ actor: 'b@example.com', day: '2026-05-31', count: 3 }],
    });
    expect(report.console_usage).toEqual([
      { email: 'a@example.com', day: '2026-06-01', page_views: 2, actions: 0 },
      { email: 'b@example.com', day: '2026-05-31', page_views: 4, actions: 3 },
    ]);
  });
});

describe('KPI targets', () => {
  it('labels each figure with its unit and target', () => {
    const report = computeKpis(empty);
    expect(report.kpis.map((k) => [k.key, k.label, k.unit, k.target])).toEqual([
      ['uptime', 'Health check uptime', '%', '> 99.9 %'],
      ['db_p95_ms', 'Database query time (p95)', 'ms', '< 50 ms'],
      ['api_avg_ms', 'API response time (average)', 'ms', '< 200 ms'],
      ['api_p95_ms', 'API response time (p95)', 'ms', '< 500 ms'],
      ['auth_bypass_incidents', 'Authentication bypass incidents', 'count', '= 0'],
      ['admin_requests_identified', 'Admin requests served to an identified admin', '%', '= 100 %'],
      ['refused_admin_requests', 'Refused admin requests', 'count', 'counted, no target'],
      ['refused_sign_ins', 'Refused or failed sign-ins', 'count', 'counted, no target'],
      ['engagement_rate', 'Beta tester engagement', '%', '≥ 50 %'],
      ['invite_redemption_rate', 'Invite redemption (all time)', '%', '≥ 50 %'],
      ['feedback_per_day', 'Feedback per day', 'per day', '≥ 1 per day'],
      ['feedback_per_tester', 'Feedback per active tester', 'per tester', 'tracked, no target'],
    ]);
    // Ratios and counts of testers have no sparkline.
    const withoutSeries = report.kpis.filter((k) => k.series.length === 0).map((k) => k.key);
    expect(withoutSeries).toEqual(['admin_requests_identified', 'engagement_rate', 'invite_redemption_rate', 'feedback_per_tester']);
  });

  it.each<[keyof typeof KPI_TARGETS, number[], number[], number[]]>([
    // [target, passing, warning, failing]
    ['uptime', [99.91, 100], [99.9, 99.01], [99, 50]],
    ['db_p95_ms', [0, 49.9], [50, 99.9], [100, 500]],
    ['api_avg_ms', [199.9], [200, 399.9], [400]],
    ['api_p95_ms', [499.9], [500, 999.9], [1000]],
    ['auth_bypass_incidents', [0], [], [1, 0.5]],
    ['admin_requests_identified', [100], [], [99.9, 0]],
    ['engagement_rate', [50, 100], [49.9, 25], [24.9, 0]],
    ['invite_redemption_rate', [50], [25], [24.9]],
    ['feedback_per_day', [1, 3], [0.999, 0.001], [0]],
  ])('judges %s: pass %j, warn %j, fail %j', (key, passing, warning, failing) => {
    for (const v of passing) expect(statusOf(v, KPI_TARGETS[key]), `${v}`).toBe('pass');
    for (const v of warning) expect(statusOf(v, KPI_TARGETS[key]), `${v}`).toBe('warn');
    for (const v of failing) expect(statusOf(v, KPI_TARGETS[key]), `${v}`).toBe('fail');
  });

  it.each([
    ['refused_admin_requests', [0, 12, 1e6]],
    ['refused_sign_ins', [0, 7]],
    ['feedback_per_tester', [0, 2.5]],
  ] as const)('keeps %s without a verdict: %j are tracked', (key, values) => {
    for (const v of values) expect(statusOf(v, KPI_TARGETS[key]), `${v}`).toBe('tracked');
  });
});

describe('windows', () => {
  it('ends each window now, with its bucket width', () => {
    expect(windowRange('24h', now)).toEqual(range);
    expect(windowRange('7d', now)).toEqual({ from: new Date('2026-05-25T12:00:00.000Z'), to: now, stepS: 21_600 });
    expect(windowRange('30d', now)).toEqual({ from: new Date('2026-05-02T12:00:00.000Z'), to: now, stepS: 86_400 });
    expect(bucketStarts(windowRange('7d', now)).slice(0, 2)).toEqual([
      new Date('2026-05-25T12:00:00.000Z'),
      new Date('2026-05-25T18:00:00.000Z'),
    ]);
    expect(bucketStarts(range).at(-1)).toEqual(new Date('2026-06-01T11:00:00.000Z'));
  });
});

describe('figures from their aggregates', () => {
  const byKey = (input: Partial<KpiInputs>) => Object.fromEntries(computeKpis({ ...empty, ...input }).kpis.map((k) => [k.key, k]));

  it('takes latency from the whole-range row and the sparkline from the bucket rows, rounded to the microsecond', () => {
    const kpis = byKey({
      latency: [
        { bucket: hour(1), db_p95_ms: 12.34567, api_p95_ms: 300, api_avg_ms: 80.0004 },
        { bucket: null, db_p95_ms: 40.12345, api_p95_ms: 450.5, api_avg_ms: null },
        { bucket: hour(3), db_p95_ms: null, api_p95_ms: 600, api_avg_ms: 120 },
      ],
    });
    expect(kpis.db_p95_ms).toMatchObject({ value: 40.123, status: 'pass' });
    expect(kpis.api_p95_ms).toMatchObject({ value: 450.5, status: 'pass' });
    expect(kpis.api_avg_ms).toMatchObject({ value: null, status: 'no_data' });
    expect(kpis.db_p95_ms!.series.slice(0, 4).map((p) => p.v)).toEqual([null, 12.346, null, null]);
    expect(kpis.api_p95_ms!.series.slice(0, 4).map((p) => p.v)).toEqual([null, 300, null, 600]);
    expect(kpis.api_avg_ms!.series.slice(0, 4).map((p) => p.v)).toEqual([null, 80, null, 120]);
    expect(kpis.db_p95_ms!.series[1]!.t).toBe(hour(1).toISOString());
  });

  it('counts incidents, refused requests and refused sign-ins per bucket', () => {
    const kpis = byKey({
      adminRequests: [
        { hour: hour(1), outcome: 'unidentified', count: 2 },
        { hour: hour(1), outcome: 'unidentified', count: 1 },
        { hour: hour(1), outcome: 'refused', count: 4 },
        { hour: hour(2), outcome: 'served', count: 7 },
      ],
      refusedSignIns: [
        { bucket: hour(0), count: 2 },
        { bucket: hour(0), count: 3 },
        { bucket: hour(5), count: 1 },
      ],
    });
    expect(kpis.auth_bypass_incidents!.series.slice(0, 3).map((p) => p.v)).toEqual([0, 3, 0]);
    expect(kpis.refused_admin_requests!.series.slice(0, 3).map((p) => p.v)).toEqual([0, 4, 0]);
    expect(kpis.refused_sign_ins).toMatchObject({ value: 6, status: 'tracked' });
    expect(kpis.refused_sign_ins!.series.slice(0, 6).map((p) => p.v)).toEqual([5, 0, 0, 0, 0, 1]);
    // 7 served to identified admins of 10 served.
    expect(kpis.admin_requests_identified).toMatchObject({ value: 70, status: 'fail' });
  });

  it('gives feedback per day over the window, and each bucket as a daily rate', () => {
    const day = byKey({
      feedback: [
        { bucket: hour(2), count: 2 },
        { bucket: hour(5), count: 1 },
      ],
      testers: { active: 4, engaged: 3, invited: 8, redeemed: 2 },
    });
    expect(day.feedback_per_day).toMatchObject({ value: 3, status: 'pass' });
    // 2 in an hour is 48 a day.
    expect(day.feedback_per_day!.series.slice(0, 6).map((p) => p.v)).toEqual([0, 0, 48, 0, 0, 24]);
    expect(day.feedback_per_tester).toMatchObject({ value: 0.75, status: 'tracked' });
    expect(day.engagement_rate).toMatchObject({ value: 75, status: 'pass' });
    expect(day.invite_redemption_rate).toMatchObject({ value: 25, status: 'warn' });

    const week = windowRange('7d', now);
    const weekly = Object.fromEntries(
      computeKpis({ ...empty, range: week, feedback: [{ bucket: new Date(week.from.getTime() + 6 * 3_600_000), count: 3 }] }).kpis.map(
        (k) => [k.key, k],
      ),
    );
    // 3 over 7 days; a 6-hour bucket holding 3 is 12 a day.
    expect(weekly.feedback_per_day).toMatchObject({ value: round3(3 / 7), status: 'warn' });
    expect(weekly.feedback_per_day!.series.slice(0, 2).map((p) => p.v)).toEqual([0, 12]);
  });

  it('reports each flag with the share of true answers, and none without evaluations', () => {
    const report = computeKpis({
      ...empty,
      flags: [
        { name: 'voice', evaluations: 3, true_count: 2, testers_reached: 5 },
        { name: 'idle', evaluations: 0, true_count: 0, testers_reached: 0 },
      ],
    });
    expect(report.flags).toEqual([
      { name: 'voice', evaluations: 3, true_share: 0.6667, testers_reached: 5 },
      { name: 'idle', evaluations: 0, true_share: null, testers_reached: 0 },
    ]);
  });

  it('orders instances by id and console usage by day (newest first), then email', () => {
    const report = computeKpis({
      ...empty,
      samples: ['c', 'a', 'b'].map((id) => ({ instance_id: id, bucket: hour(0), samples: 10, ok: 10, missed: 0 })),
      pageViews: [
        { actor: 'b@example.com', day: '2026-05-30', count: 1 },
        { actor: 'c@example.com', day: '2026-06-01', count: 1 },
        { actor: 'a@example.com', day: '2026-05-31', count: 1 },
        { actor: 'a@example.com', day: '2026-06-01', count: 1 },
        { actor: 'd@example.com', day: '2026-05-31', count: 1 },
      ],
    });
    expect(report.instances.map((i) => i.instance_id)).toEqual(['a', 'b', 'c']);
    expect(report.console_usage.map((u) => `${u.day} ${u.email}`)).toEqual([
      '2026-06-01 a@example.com',
      '2026-06-01 c@example.com',
      '2026-05-31 a@example.com',
      '2026-05-31 d@example.com',
      '2026-05-30 b@example.com',
    ]);
  });
});

describe('fleet down slots', () => {
  const end = range.to.getTime();

  it('has none without any sample', () => {
    expect(fleetDownSlots(range, 30, { since: null, gaps: [], lastOk: null })).toEqual([]);
  });

  it('lists the slots due before the first serving sample, from the first sample on', () => {
    const since = hour(20);
    expect(fleetDownSlots(range, 30, { since, gaps: [{ from: null, to: seconds(since, 90) }], lastOk: seconds(now, -10) })).toEqual(
      [0, 30, 60].map((s) => seconds(since, s).getTime()),
    );
  });

  it('counts a gap of more than one and a half intervals, not one of exactly that', () => {
    const at = (from: number, to: number) => ({
      since: range.from,
      gaps: [{ from: hour(from), to: seconds(hour(from), to) }],
      lastOk: seconds(now, -10),
    });
    expect(fleetDownSlots(range, 30, at(2, 45))).toEqual([]);
    expect(fleetDownSlots(range, 30, at(2, 46))).toEqual([seconds(hour(2), 30).getTime()]);
    expect(fleetDownSlots(range, 30, at(2, 90))).toEqual([seconds(hour(2), 30).getTime(), seconds(hour(2), 60).getTime()]);
  });

  it('counts only slots before the end of the range', () => {
    const fleet: FleetHealth = { since: range.from, gaps: [{ from: new Date(end - 60_000), to: new Date(end + 120_000) }], lastOk: now };
    expect(fleetDownSlots(range, 30, fleet)).toEqual([end - 30_000]);
  });

  it('counts at least the first sample as down when none served, even right at the end', () => {
    const since = new Date(end - 10_000);
    expect(fleetDownSlots(range, 30, { since, gaps: [], lastOk: null })).toEqual([since.getTime()]);
    // Starting exactly at the end, nothing of it lies inside the range: no figure at all.
    const uptime = computeKpis({ ...empty, fleet: { since: now, gaps: [], lastOk: null } }).kpis.find((k) => k.key === 'uptime');
    expect(uptime).toMatchObject({ value: null, status: 'no_data' });
  });
});
