// The success metrics from their aggregates: each figure, its target, a pass/warn/fail verdict and
// a series for a sparkline. Pure: the time range and every input are passed in.
import type {
  AdminRequestHour,
  ConsoleDay,
  CountBucket,
  FeedbackBucket,
  FleetHealth,
  FlagFigures,
  LatencyFigures,
  Range,
  SampleBucket,
  TesterFigures,
} from './kpis.repository.js';

export type KpiWindow = '24h' | '7d' | '30d';
/** `tracked`: a figure kept without a target, neither good nor bad. */
export type KpiStatus = 'pass' | 'warn' | 'fail' | 'no_data' | 'tracked';

/** Each window's length and sparkline step. */
export const KPI_WINDOWS: Record<KpiWindow, { ms: number; stepS: number }> = {
  '24h': { ms: 86_400_000, stepS: 3600 },
  '7d': { ms: 7 * 86_400_000, stepS: 6 * 3600 },
  '30d': { ms: 30 * 86_400_000, stepS: 86_400 },
};

export function windowRange(window: KpiWindow, now: Date): Range {
  const { ms, stepS } = KPI_WINDOWS[window];
  return { from: new Date(now.getTime() - ms), to: now, stepS };
}

export interface Target {
  /** As shown beside the figure. */
  text: string;
  /** `info`: tracked without a target (`tracked` when there is a figure). */
  op: '>' | '>=' | '<' | '=' | 'info';
  pass: number;
  /** Figures on the right side of this bound (same comparison) are `warn` rather than `fail`. */
  warn?: number;
}

/** The report's targets, and ours where it names a metric without one (see README). */
export const KPI_TARGETS = {
  uptime: { text: '> 99.9 %', op: '>', pass: 99.9, warn: 99 },
  db_p95_ms: { text: '< 50 ms', op: '<', pass: 50, warn: 100 },
  api_avg_ms: { text: '< 200 ms', op: '<', pass: 200, warn: 400 },
  api_p95_ms: { text: '< 500 ms', op: '<', pass: 500, warn: 1000 },
  auth_bypass_incidents: { text: '= 0', op: '=', pass: 0 },
  admin_requests_identified: { text: '= 100 %', op: '=', pass: 100 },
  refused_admin_requests: { text: 'counted, no target', op: 'info', pass: 0 },
  refused_sign_ins: { text: 'counted, no target', op: 'info', pass: 0 },
  engagement_rate: { text: '≥ 50 %', op: '>=', pass: 50, warn: 25 },
  invite_redemption_rate: { text: '≥ 50 %', op: '>=', pass: 50, warn: 25 },
  feedback_per_day: { text: '≥ 1 per day', op: '>=', pass: 1, warn: Number.MIN_VALUE },
  feedback_per_tester: { text: 'tracked, no target', op: 'info', pass: 0 },
} satisfies Record<string, Target>;

export type KpiKey = keyof typeof KPI_TARGETS;

function holds(value: number, op: Exclude<Target['op'], 'info'>, bound: number): boolean {
  switch (op) {
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '=':
      return value === bound;
  }
}

export function statusOf(value: number | null, target: Target): KpiStatus {
  if (value === null) return 'no_data';
  if (target.op === 'info') return 'tracked';
  if (holds(value, target.op, target.pass)) return 'pass';
  if (target.warn !== undefined && holds(value, target.op, target.warn)) return 'warn';
  return 'fail';
}

export interface SeriesPoint {
  t: string;
  v: number | null;
}

export interface Kpi {
  key: KpiKey;
  label: string;
  value: number | null;
  unit: string;
  target: string;
  status: KpiStatus;
  series: SeriesPoint[];
}

export interface KpiInputs {
  range: Range;
  /** Seconds between collected samples. */
  intervalS: number;
  /** The fleet's serving samples, for the overall uptime. */
  fleet: FleetHealth;
  /** Per instance, for the per-instance uptime. */
  samples: SampleBucket[];
  latency: LatencyFigures[];
  adminRequests: AdminRequestHour[];
  refusedSignIns: CountBucket[];
  feedback: FeedbackBucket[];
  testers: TesterFigures;
  flags: FlagFigures[];
  pageViews: ConsoleDay[];
  actions: ConsoleDay[];
}

export interface KpiReport {
  kpis: Kpi[];
  instances: Array<{ instance_id: string; uptime_pct: number | null; samples: number }>;
  flags: Array<{ name: string; evaluations: number; true_share: number | null; testers_reached: number }>;
  console_usage: Array<{ email: string; day: string; page_views: number; actions: number }>;
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (part: number, whole: number, scale = 100) => (whole === 0 ? null : round((scale * part) / whole));

/** The start of every bucket in the range. */
export function bucketStarts(range: Range): Date[] {
  const starts: Date[] = [];
  for (let t = range.from.getTime(); t < range.to.getTime(); t += range.stepS * 1000) starts.push(new Date(t));
  return starts;
}

/** Index of the bucket holding `at` (times before the range fall in the first one). */
const bucketIndex = (range: Range, at: Date) => Math.max(0, Math.floor((at.getTime() - range.from.getTime()) / (range.stepS * 1000)));

function series(range: Range, values: Map<number, number | null>): SeriesPoint[] {
  return bucketStarts(range).map((t, i) => ({ t: t.toISOString(), v: values.get(i) ?? null }));
}

/**
 * The collection slots in which no instance served with its database reachable, as times (ms):
 * for each gap of more than 1.5 intervals between two serving samples of the fleet (any instance),
 * and from the latest one to the range's end, the samples that were due every interval after the
 * earlier one; before the first serving sample, every slot from `since`. Only slots from `since`
 * to the range's end count. A gap of at most 1.5 intervals (jitter, one instance replacing another)
 * is no downtime.
 */
export function fleetDownSlots(range: Range, intervalS: number, fleet: FleetHealth): number[] {
  if (fleet.since === null) return [];
  const i = intervalS * 1000;
  const since = fleet.since.getTime();
  const end = range.to.getTime();
  const down: number[] = [];
  const gap = (from: number | null, to: number) => {
    if (from === null) {
      const n = Math.round((to - since) / i);
      for (let k = 0; k < n; k++) down.push(since + k * i);
    } else if (to - from > 1.5 * i) {
      const n = Math.round((to - from) / i) - 1;
      for (let k = 1; k <= n; k++) down.push(from + k * i);
    }
  };
  for (const g of fleet.gaps) gap(g.from?.getTime() ?? null, g.to.getTime());
  if (fleet.lastOk === null) {
    // Not one serving sample: every slot since the first sample is down, that one at least.
    gap(null, Math.max(end, since + i));
  } else {
    gap(fleet.lastOk.getTime(), end);
  }
  return down.filter((t) => t >= since && t < end);
}

/**
 * Fleet uptime over the range, overall and per bucket: the collection slots from `since` to the
 * range's end (the expected samples), less the down ones (see fleetDownSlots), over the expected.
 */
export function fleetUptime(
  range: Range,
  intervalS: number,
  fleet: FleetHealth,
): { value: number | null; series: Map<number, number | null> } {
  const series = new Map<number, number | null>();
  if (fleet.since === null) return { value: null, series };
  const i = intervalS * 1000;
  const since = fleet.since.getTime();
  const down = fleetDownSlots(range, intervalS, fleet);
  const downPerBucket = new Map<number, number>();
  for (const t of down) {
    const b = bucketIndex(range, new Date(t));
    downPerBucket.set(b, (downPerBucket.get(b) ?? 0) + 1);
  }
  const share = (expected: number, d: number) => {
    const slots = Math.max(expected, d);
    return slots <= 0 ? null : round((100 * Math.max(0, slots - d)) / slots);
  };
  bucketStarts(range).forEach((start, b) => {
    const from = Math.max(start.getTime(), since);
    const to = Math.min(start.getTime() + range.stepS * 1000, range.to.getTime());
    if (to > from) series.set(b, share((to - from) / i, downPerBucket.get(b) ?? 0));
  });
  return { value: share((range.to.getTime() - since) / i, down.length), series };
}

export function computeKpis(input: KpiInputs): KpiReport {
  return {
    kpis: kpiList(input),
    instances: instanceUptimes(input.samples),
    flags: input.flags.map((f) => ({
      name: f.name,
      evaluations: f.evaluations,
      true_share: f.evaluations === 0 ? null : round(f.true_count / f.evaluations, 4),
      testers_reached: f.testers_reached,
    })),
    console_usage: consoleUsage(input.pageViews, input.actions),
  };
}

/** Adds `count` to the bucket of `bucket` in `series`. */
function addTo(series: Map<number, number>, index: number, count: number): void {
  series.set(index, (series.get(index) ?? 0) + count);
}

/** Admin requests: totals by outcome, and refusals and incidents per bucket. */
function adminFigures(input: KpiInputs, at: (bucket: Date) => number) {
  const totals = { refused: 0, served: 0, unidentified: 0 };
  const refused = new Map<number, number>();
  const incidents = new Map<number, number>();
  for (const r of input.adminRequests) {
    totals[r.outcome] += r.count;
    if (r.outcome === 'refused') addTo(refused, at(r.hour), r.count);
    if (r.outcome === 'unidentified') addTo(incidents, at(r.hour), r.count);
  }
  return { totals, refused, incidents };
}

function kpiList(input: KpiInputs): Kpi[] {
  const { range, testers } = input;
  const at = (bucket: Date) => bucketIndex(range, bucket);
  const kpi = (key: KpiKey, label: string, value: number | null, unit: string, points: SeriesPoint[] = []): Kpi => ({
    key,
    label,
    value,
    unit,
    target: KPI_TARGETS[key].text,
    status: statusOf(value, KPI_TARGETS[key]),
    series: points,
  });
  const zeroFilled = (values: Map<number, number>) => series(range, new Map(bucketStarts(range).map((_, i) => [i, values.get(i) ?? 0])));
  const fleet = fleetUptime(range, input.intervalS, input.fleet);
  const overall = input.latency.find((l) => l.bucket === null);
  const latency = (pick: (l: LatencyFigures) => number | null) =>
    series(range, new Map(input.latency.flatMap((l) => (l.bucket === null ? [] : [[at(l.bucket), nullableRound(pick(l))] as const]))));
  const admin = adminFigures(input, at);
  const signIns = new Map<number, number>();
  for (const r of input.refusedSignIns) addTo(signIns, at(r.bucket), r.count);
  const feedbackTotal = input.feedback.reduce((sum, f) => sum + f.count, 0);
  const perDay = 86_400 / range.stepS;
  const feedback = new Map<number, number>();
  for (const f of input.feedback) feedback.set(at(f.bucket), round((feedback.get(at(f.bucket)) ?? 0) + f.count * perDay));
  const days = (range.to.getTime() - range.from.getTime()) / 86_400_000;
  const served = admin.totals.served + admin.totals.unidentified;
  return [
    kpi('uptime', 'Health check uptime', fleet.value, '%', series(range, fleet.series)),
    kpi(
      'db_p95_ms',
      'Database query time (p95)',
      nullableRound(overall?.db_p95_ms),
      'ms',
      latency((l) => l.db_p95_ms),
    ),
    kpi(
      'api_avg_ms',
      'API response time (average)',
      nullableRound(overall?.api_avg_ms),
      'ms',
      latency((l) => l.api_avg_ms),
    ),
    kpi(
      'api_p95_ms',
      'API response time (p95)',
      nullableRound(overall?.api_p95_ms),
      'ms',
      latency((l) => l.api_p95_ms),
    ),
    kpi('auth_bypass_incidents', 'Authentication bypass incidents', admin.totals.unidentified, 'count', zeroFilled(admin.incidents)),
    kpi('admin_requests_identified', 'Admin requests served to an identified admin', ratio(admin.totals.served, served), '%'),
    kpi('refused_admin_requests', 'Refused admin requests', admin.totals.refused, 'count', zeroFilled(admin.refused)),
    kpi('refused_sign_ins', 'Refused or failed sign-ins', sumOf(input.refusedSignIns), 'count', zeroFilled(signIns)),
    kpi('engagement_rate', 'Beta tester engagement', ratio(testers.engaged, testers.active), '%'),
    kpi('invite_redemption_rate', 'Invite redemption (all time)', ratio(testers.redeemed, testers.invited), '%'),
    kpi('feedback_per_day', 'Feedback per day', round(feedbackTotal / days), 'per day', zeroFilled(feedback)),
    kpi('feedback_per_tester', 'Feedback per active tester', ratio(feedbackTotal, testers.active, 1), 'per tester'),
  ];
}

const sumOf = (rows: ReadonlyArray<{ count: number }>) => rows.reduce((sum, r) => sum + r.count, 0);

/** Per instance: samples in which it served with the database reachable, over the samples written plus those missing from gaps. */
function instanceUptimes(samples: KpiInputs['samples']): KpiReport['instances'] {
  const perInstance = new Map<string, { ok: number; expected: number; samples: number }>();
  for (const s of samples) {
    const i = perInstance.get(s.instance_id) ?? { ok: 0, expected: 0, samples: 0 };
    i.ok += s.ok;
    i.expected += s.samples + s.missed;
    i.samples += s.samples;
    perInstance.set(s.instance_id, i);
  }
  return [...perInstance]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, i]) => ({ instance_id: id, uptime_pct: ratio(i.ok, i.expected), samples: i.samples }));
}

/** Console page views and actions per admin and day, newest day first. */
function consoleUsage(pageViews: ConsoleDay[], actions: ConsoleDay[]): KpiReport['console_usage'] {
  const usage = new Map<string, { email: string; day: string; page_views: number; actions: number }>();
  const usageOf = (d: ConsoleDay) => {
    const key = `${d.actor}\u0000${d.day}`;
    const row = usage.get(key) ?? { email: d.actor, day: d.day, page_views: 0, actions: 0 };
    usage.set(key, row);
    return row;
  };
  for (const d of pageViews) usageOf(d).page_views += d.count;
  for (const d of actions) usageOf(d).actions += d.count;
  return [...usage.values()].sort((a, b) => (a.day === b.day ? (a.email < b.email ? -1 : 1) : a.day < b.day ? 1 : -1));
}

function nullableRound(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : round(value);
}
