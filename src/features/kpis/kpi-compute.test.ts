import { describe, expect, it } from 'vitest';
import { bucketStarts, computeKpis, KPI_TARGETS, statusOf, windowRange, type KpiInputs } from './kpi-compute.js';

const now = new Date('2026-06-01T12:00:00.000Z');
const range = windowRange('24h', now);
const hour = (h: number) => new Date(range.from.getTime() + h * 3_600_000);

const empty: KpiInputs = {
  range,
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

  it('counts samples missing from gaps as down, per instance and overall', () => {
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
    const uptime = report.kpis.find((k) => k.key === 'uptime')!;
    expect(uptime).toMatchObject({ value: 99, status: 'fail', target: '> 99.9 %' }); // the warn band is above 99 %
    expect(uptime.series.slice(0, 3).map((p) => p.v)).toEqual([99.5, 98, null]);
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
