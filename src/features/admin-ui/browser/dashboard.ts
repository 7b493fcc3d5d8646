// The dashboard: tiles, the tester funnel beside the invite-redemption target, targets (KPIs), open
// alerts and charts, refreshed every 5 s while visible.
import { api } from './api.js';
import type {
  Alert,
  Feedback,
  FeedbackAnalytics,
  FlagWithAdoption,
  HealthDocument,
  Kpi,
  KpiReport,
  MetricsReport,
  MetricsSeries,
  Page,
  PlanList,
  TesterFunnel,
  TesterSummary,
} from './api-types.js';
import { drawChart, timeLabel } from './charts.js';
import { messageOf, poll, stars, statusBadge, statusTile } from './common.js';
import { byId, el, fill, find, get, sparkline } from './dom.js';
import { fmtAgo, fmtInt, fmtMs, fmtNumber } from './format.js';
import { CONSOLE_BASE, DASHBOARD, FUNNEL, tileId, type TileName } from './ids.js';

const REFRESH_MS = 5000;

function setTile(name: TileName, value: string, hint?: string, status?: string): void {
  const tile = find(`#${tileId(name)}`, HTMLElement);
  if (!tile) return;
  get('[data-value]', HTMLElement, tile).textContent = value;
  if (hint !== undefined) get('[data-hint]', HTMLElement, tile).textContent = hint;
  tile.classList.remove('status-pass', 'status-warn', 'status-fail', 'status-no_data');
  if (status) tile.classList.add(`status-${status}`);
}

const rangeOf = (name: string): string => find(`input[name="${name}"]:checked`, HTMLInputElement)?.value ?? '1h';

function notPassing(health: HealthDocument): string {
  const n = Object.values(health.checks).filter((c) => c[0]?.status !== 'pass').length;
  return n === 0 ? 'every check passes' : `${n} check${n === 1 ? '' : 's'} not passing`;
}

const canvas = (id: string) => byId(id, HTMLCanvasElement);

/** A tile whose call failed: says so in place, with "Retry" (the next refresh retries too). */
function failTile(name: TileName, err: unknown): void {
  const tile = find(`#${tileId(name)}`, HTMLElement);
  if (!tile) return;
  tile.classList.remove('status-pass', 'status-warn', 'status-no_data');
  tile.classList.add('status-fail');
  get('[data-value]', HTMLElement, tile).textContent = 'Not loaded';
  fill(
    get('[data-hint]', HTMLElement, tile),
    `${messageOf(err)} `,
    el(
      'button',
      { type: 'button', class: 'btn btn-sm btn-link p-0 align-baseline tile-retry', onclick: () => void live.refresh() },
      'Retry',
    ),
  );
}

/** Runs `show` with the answer of `call`, or marks `names` failed; rethrows for the Live badge. */
async function part<T>(call: Promise<T>, names: TileName[], show: (answer: T) => void): Promise<T> {
  let answer: T;
  try {
    answer = await call;
  } catch (err) {
    for (const name of names) failTile(name, err);
    throw err;
  }
  show(answer);
  return answer;
}

function showFeedbackTiles(analytics: FeedbackAnalytics): void {
  const daily = analytics.daily;
  const today = daily[daily.length - 1]?.count ?? 0;
  const week = daily.slice(-7).reduce((sum, d) => sum + d.count, 0);
  setTile('feedback', `${fmtInt(today)} / ${fmtInt(week)}`, `${fmtInt(analytics.total)} in all`);
  setTile(
    'rating',
    analytics.average_rating === null ? '—' : `${fmtNumber(analytics.average_rating, 2)} / 5`,
    analytics.split.score === null ? 'no ratings yet' : `score ${fmtNumber(analytics.split.score, 0)}`,
  );
}

function showFlagsTile(flags: { items: FlagWithAdoption[] }): void {
  const on = flags.items.filter((f) => f.is_enabled).length;
  const stale = flags.items.filter((f) => f.adoption.stale).length;
  setTile('flags', `${on} of ${flags.items.length}`, stale > 0 ? `${stale} stale` : 'none stale');
}

/** Release plans a failed guard paused (or rolled back), each linked to its flag's card; a neutral "none" otherwise. */
function showPlansTile(plans: PlanList): void {
  const stopped = plans.items.filter((p) => p.status === 'paused' && p.readings.some((r) => r.status === 'failed'));
  const tile = find(`#${tileId('plans')}`, HTMLElement);
  if (!tile) return;
  setTile('plans', stopped.length === 0 ? 'none' : fmtInt(stopped.length), undefined, stopped.length === 0 ? undefined : 'warn');
  fill(
    get('[data-hint]', HTMLElement, tile),
    stopped.length === 0
      ? 'no plan is paused by a guard'
      : stopped.map((p, i) => [
          i > 0 ? ', ' : '',
          el('a', { href: `${CONSOLE_BASE}/flags?flag=${encodeURIComponent(p.flag)}`, title: p.attention ?? '' }, p.flag),
        ]),
  );
}

function showMetricsTiles(metrics: MetricsReport): void {
  setTile('rps', fmtNumber(metrics.requests.ratePerSecond, 2), `${fmtNumber(metrics.requests.successRate * 100, 2)} % succeeded`);
  setTile('p95', fmtMs(metrics.requests.responseTimeMs.p95), `p50 ${fmtMs(metrics.requests.responseTimeMs.p50)}`);
  setTile(
    'dbp95',
    fmtMs(metrics.database.queryTimeMs.p95),
    `${metrics.database.kind} · pool ${metrics.database.pool.inUse}/${metrics.database.pool.max} in use`,
  );
}

const feedbackItem = (f: Feedback) =>
  el(
    'li',
    { class: 'list-group-item' },
    el(
      'div',
      { class: 'd-flex justify-content-between flex-wrap gap-2' },
      stars(f.rating),
      el('span', { class: 'small text-secondary' }, `${f.feature ?? 'general'} · ${f.email ?? 'anonymous'} · ${fmtAgo(f.created_at)}`),
    ),
    f.comment ? el('div', { class: 'comment small mt-1' }, f.comment) : null,
  );

function showRatingChart(analytics: FeedbackAnalytics): void {
  const daily = analytics.daily;
  drawChart(canvas(DASHBOARD.chartRating), {
    type: 'bar',
    integer: true,
    labels: daily.map((d) => d.date.slice(5)),
    series: [
      { label: 'Feedback', data: daily.map((d) => d.count) },
      { label: 'Average rating', data: daily.map((d) => d.average_rating), type: 'line', axis: 'y2' },
    ],
    y2Title: 'rating',
  });
}

function showAdoptionChart(flags: { items: FlagWithAdoption[] }): void {
  const adopted = flags.items.filter((f) => f.adoption.evaluations_24h > 0);
  drawChart(canvas(DASHBOARD.chartAdoption), {
    type: 'bar',
    labels: adopted.map((f) => f.name),
    series: [{ label: 'Share true', data: adopted.map((f) => Math.round((f.adoption.true_share_24h ?? 0) * 1000) / 10) }],
    yMax: 100,
    percent: true,
  });
}

/** The tiles, recent feedback and activity charts; a failed call marks only its own tiles. */
async function tiles(): Promise<void> {
  const results = await Promise.allSettled([
    part(api<TesterSummary>('/api/admin/users/summary'), ['testers'], (users) =>
      setTile('testers', fmtInt(users.active), `${fmtInt(users.total)} in all · ${fmtInt(users.joined_7d)} joined this week`),
    ),
    part(api<FeedbackAnalytics>('/api/admin/feedback/analytics'), ['feedback', 'rating'], (a) => {
      showFeedbackTiles(a);
      showRatingChart(a);
    }),
    part(api<{ items: FlagWithAdoption[] }>('/api/admin/flags'), ['flags'], (flags) => {
      showFlagsTile(flags);
      showAdoptionChart(flags);
    }),
    part(api<PlanList>('/api/admin/plans'), ['plans'], showPlansTile),
    part(api<MetricsReport>('/health/metrics'), ['rps', 'p95', 'dbp95'], showMetricsTiles),
    // The health document answers 503 when a check fails: read it either way.
    part(
      fetch('/health/detailed', { headers: { accept: 'application/health+json' } }).then((r) => r.json() as Promise<HealthDocument>),
      ['health'],
      (health) => setTile('health', health.status, notPassing(health), health.status),
    ),
    part(api<Page<Feedback>>('/api/admin/feedback?limit=5'), [], (latest) =>
      fill(
        byId(DASHBOARD.recentFeedback, HTMLElement),
        latest.items.length === 0
          ? el('li', { class: 'list-group-item text-secondary' }, 'No feedback yet.')
          : latest.items.map(feedbackItem),
      ),
    ),
  ]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function charts(): Promise<void> {
  const reqRange = rangeOf(DASHBOARD.requestsRange);
  const latRange = rangeOf(DASHBOARD.latencyRange);
  const ranges = [...new Set([reqRange, latRange])];
  const answers = new Map(
    await Promise.all(ranges.map(async (r) => [r, await api<MetricsSeries>(`/api/admin/metrics/series?range=${r}`)] as const)),
  );
  const req = answers.get(reqRange);
  const lat = answers.get(latRange);
  if (!req || !lat) return;
  drawChart(canvas(DASHBOARD.chartRequests), {
    labels: req.points.map((p) => timeLabel(p.t, reqRange !== '1h')),
    series: [{ label: 'Requests / s', data: req.points.map((p) => p.requests_per_s) }],
  });
  drawChart(canvas(DASHBOARD.chartLatency), {
    labels: lat.points.map((p) => timeLabel(p.t, latRange !== '1h')),
    series: [
      { label: 'HTTP p95', data: lat.points.map((p) => p.http_p95_ms) },
      { label: 'Database p95', data: lat.points.map((p) => p.db_p95_ms) },
    ],
    yTitle: 'ms',
  });
}

function kpiCard(k: Kpi): HTMLElement {
  // A count needs no unit after it ("3", not "3 count").
  const unit = k.unit === 'count' ? '' : k.unit;
  const value = k.value === null || k.value === undefined ? '—' : `${fmtNumber(k.value, 2)}${unit ? ` ${unit}` : ''}`;
  return statusTile(
    k.status,
    { kpi: k.key },
    el('div', { class: 'tile-label' }, k.label),
    el('div', { class: 'tile-value' }, value),
    el('div', { class: 'small text-secondary' }, `target ${k.target}`),
    sparkline(
      k.series.map((p) => p.v),
      `${k.label} over the window`,
    ),
  );
}

/** A failed load, shown as an error where the section's content would be. */
const loadError = (what: string, err: unknown) =>
  el(
    'div',
    { class: 'col-12' },
    el('div', { class: 'alert alert-danger mb-0', role: 'alert' }, `Could not load ${what}: ${messageOf(err)}`),
  );

async function kpis(): Promise<void> {
  const windowValue = byId(DASHBOARD.kpiWindow, HTMLSelectElement).value;
  const box = byId(DASHBOARD.kpis, HTMLElement);
  let answer: KpiReport;
  try {
    answer = await api<KpiReport>(`/api/admin/kpis?window=${encodeURIComponent(windowValue)}`);
  } catch (err) {
    fill(box, loadError('the targets', err));
    throw err;
  }
  fill(box, answer.kpis.length === 0 ? el('p', { class: 'text-secondary small mb-0' }, 'No targets defined.') : answer.kpis.map(kpiCard));
  const redemption = answer.kpis.find((k) => k.key === 'invite_redemption_rate');
  if (redemption) {
    const card = kpiCard(redemption);
    card.className = 'col-12';
    fill(byId(FUNNEL.redemption, HTMLElement), card);
  }
}

/** One step of the funnel: its count, and its share of everyone invited as a bar. */
function funnelStep(key: string, label: string, count: number, invited: number): HTMLElement {
  const share = invited === 0 ? null : count / invited;
  return el(
    'li',
    { class: 'col-6 col-md-3', dataset: { step: key } },
    el('div', { class: 'tile-label' }, label),
    el('div', { class: 'tile-value', dataset: { count: String(count) } }, fmtInt(count)),
    el('progress', { class: 'funnel-bar', max: String(Math.max(invited, 1)), value: String(count), 'aria-hidden': 'true' }),
    el('div', { class: 'small text-secondary' }, share === null ? 'nobody invited yet' : `${fmtNumber(share * 100, 0)} % of invited`),
  );
}

async function funnel(): Promise<void> {
  const f = await api<TesterFunnel>('/api/admin/users/funnel');
  fill(
    byId(FUNNEL.steps, HTMLElement),
    funnelStep('invited', 'Invited', f.invited, f.invited),
    funnelStep('joined', 'Joined', f.joined, f.invited),
    funnelStep('enrolled', 'Enrolled in a feature', f.enrolled, f.invited),
    funnelStep('feedback', 'Gave feedback (30 days)', f.gave_feedback_30d, f.invited),
  );
}

const alertItem = (a: Alert) =>
  el(
    'li',
    { class: 'list-group-item d-flex flex-wrap justify-content-between gap-2', dataset: { alertId: a.id, rule: a.rule } },
    el('div', {}, el('strong', {}, a.rule), ' ', el('span', {}, a.message)),
    el(
      'span',
      { class: 'small text-secondary' },
      `${fmtNumber(a.value, 2)} vs ${fmtNumber(a.threshold, 2)} · since ${fmtAgo(a.first_seen)} · ${a.instance_id}`,
    ),
  );

async function alerts(): Promise<void> {
  const box = byId(DASHBOARD.alerts, HTMLElement);
  let answer: { alerts: Alert[] };
  try {
    answer = await api<{ alerts: Alert[] }>('/api/admin/alerts?state=open');
  } catch (err) {
    fill(box, loadError('the open alerts', err));
    throw err;
  }
  if (answer.alerts.length === 0) {
    fill(box, el('p', { class: 'mb-0' }, statusBadge('pass', 'all clear'), ' No open alerts.'));
    return;
  }
  fill(box, el('ul', { class: 'list-group' }, answer.alerts.map(alertItem)));
}

/** When the last refresh that fully succeeded ended; null while the latest one did. */
let staleSince: Date | null = null;
let lastGood = new Date();
let liveState: 'live' | 'paused' = 'live';

/** Live, Paused, or "stale since HH:MM" when the latest refresh failed in part. */
function showLiveState(): void {
  const badge = byId(DASHBOARD.liveState, HTMLElement);
  const stale = liveState === 'live' && staleSince !== null;
  badge.textContent = stale
    ? `stale since ${staleSince?.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) ?? ''}`
    : liveState === 'live'
      ? 'Live'
      : 'Paused';
  badge.className = `badge ${stale ? 'text-bg-warning' : liveState === 'live' ? 'text-bg-success' : 'text-bg-secondary'}`;
}

async function refresh(): Promise<void> {
  const results = await Promise.allSettled([tiles(), funnel(), charts(), kpis(), alerts()]);
  const failed = results.filter((r) => r.status === 'rejected');
  for (const r of failed) console.warn('dashboard refresh:', messageOf(r.reason));
  if (failed.length === 0) {
    lastGood = new Date();
    staleSince = null;
    const time = byId(DASHBOARD.lastUpdate, HTMLTimeElement);
    time.textContent = lastGood.toLocaleTimeString('en-GB');
    time.setAttribute('datetime', lastGood.toISOString());
  } else staleSince ??= lastGood;
  showLiveState();
}

const live = poll(refresh, REFRESH_MS, (state) => {
  liveState = state;
  showLiveState();
});
for (const name of [DASHBOARD.requestsRange, DASHBOARD.latencyRange]) {
  document.querySelectorAll(`input[name="${name}"]`).forEach((input) => input.addEventListener('change', () => void charts()));
}
byId(DASHBOARD.kpiWindow, HTMLSelectElement).addEventListener(
  'change',
  () => void kpis().catch((err: unknown) => console.warn('targets:', messageOf(err))),
);
