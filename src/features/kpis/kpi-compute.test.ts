import { describe, expect, it } from 'vitest';
import { bucketStarts, computeKpis, fleetDownSlots, KPI_TARGETS, statusOf, windowRange, type KpiInputs } from './kpi-compute.js';
import type { FleetHealth } from './kpis.repository.js';

const now = new Date('2026-06-01T12:00:00.000Z');
const range = windowRange('24h', now);
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
    expect(statusOf(12, KPI_TARGETS.refused_admin_requests)).toBe('pass');
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
    expect(byKey.refused_admin_requests).toMatchObject({ value: 3, status: 'pass' });
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
