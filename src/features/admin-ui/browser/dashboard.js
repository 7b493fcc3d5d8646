// The dashboard: tiles, targets (KPIs), open alerts and charts, refreshed every 5 s while visible.
import { drawChart, timeLabel } from './charts.js';
import { $, api, el, fill, fmtAgo, fmtInt, fmtMs, fmtNumber, poll, sparkline, stars, statusBadge } from './common.js';

const REFRESH_MS = 5000;

function setTile(id, value, hint, status) {
  const tile = $(`#tile-${id}`);
  if (!tile) return;
  $('[data-value]', tile).textContent = value;
  if (hint !== undefined) $('[data-hint]', tile).textContent = hint;
  tile.classList.remove('status-pass', 'status-warn', 'status-fail', 'status-no_data');
  if (status) tile.classList.add(`status-${status}`);
}

const rangeOf = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value ?? '1h';

function notPassing(health) {
  const n = Object.values(health.checks).filter((c) => c[0]?.status !== 'pass').length;
  return n === 0 ? 'every check passes' : `${n} check${n === 1 ? '' : 's'} not passing`;
}

async function tiles() {
  const [users, analytics, flags, metrics, health, latest] = await Promise.all([
    api('/api/admin/users/summary'),
    api('/api/admin/feedback/analytics'),
    api('/api/admin/flags'),
    api('/health/metrics'),
    fetch('/health/detailed', { headers: { accept: 'application/health+json' } }).then((r) => r.json()),
    api('/api/admin/feedback?limit=5'),
  ]);
  setTile('testers', fmtInt(users.active), `${fmtInt(users.total)} in all · ${fmtInt(users.joined_7d)} joined this week`);
  const daily = analytics.daily ?? [];
  const today = daily[daily.length - 1]?.count ?? 0;
  const week = daily.slice(-7).reduce((sum, d) => sum + d.count, 0);
  setTile('feedback', `${fmtInt(today)} / ${fmtInt(week)}`, `${fmtInt(analytics.total)} in all`);
  setTile(
    'rating',
    analytics.average_rating === null ? '—' : `${fmtNumber(analytics.average_rating, 2)} / 5`,
    analytics.split?.score === null || analytics.split?.score === undefined
      ? 'no ratings yet'
      : `score ${fmtNumber(analytics.split.score, 0)}`,
  );
  const on = flags.items.filter((f) => f.is_enabled).length;
  const stale = flags.items.filter((f) => f.adoption.stale).length;
  setTile('flags', `${on} of ${flags.items.length}`, stale > 0 ? `${stale} stale` : 'none stale');
  setTile('rps', fmtNumber(metrics.requests.ratePerSecond, 2), `${fmtNumber(metrics.requests.successRate * 100, 2)} % succeeded`);
  setTile('p95', fmtMs(metrics.requests.responseTimeMs.p95), `p50 ${fmtMs(metrics.requests.responseTimeMs.p50)}`);
  setTile(
    'dbp95',
    fmtMs(metrics.database.queryTimeMs.p95),
    `${metrics.database.kind} · pool ${metrics.database.pool.inUse}/${metrics.database.pool.max} in use`,
  );
  setTile('health', health.status, notPassing(health), health.status);

  fill(
    $('#recent-feedback'),
    latest.items.length === 0
      ? el('li', { class: 'list-group-item text-secondary' }, 'No feedback yet.')
      : latest.items.map((f) =>
          el(
            'li',
            { class: 'list-group-item' },
            el(
              'div',
              { class: 'd-flex justify-content-between flex-wrap gap-2' },
              stars(f.rating),
              el(
                'span',
                { class: 'small text-secondary' },
                `${f.feature ?? 'general'} · ${f.email ?? 'anonymous'} · ${fmtAgo(f.created_at)}`,
              ),
            ),
            f.comment ? el('div', { class: 'comment small mt-1' }, f.comment) : null,
          ),
        ),
  );

  drawChart($('#chart-rating'), {
    type: 'bar',
    integer: true,
    labels: daily.map((d) => d.date.slice(5)),
    series: [
      { label: 'Feedback', data: daily.map((d) => d.count) },
      { label: 'Average rating', data: daily.map((d) => d.average_rating), type: 'line', axis: 'y2' },
    ],
    y2Title: 'rating',
  });
  const adopted = flags.items.filter((f) => f.adoption.evaluations_24h > 0);
  drawChart($('#chart-adoption'), {
    type: 'bar',
    labels: adopted.map((f) => f.name),
    series: [{ label: 'Share true', data: adopted.map((f) => Math.round((f.adoption.true_share_24h ?? 0) * 1000) / 10) }],
    yMax: 100,
    percent: true,
  });
}

async function charts() {
  const reqRange = rangeOf('req-range');
  const latRange = rangeOf('lat-range');
  const ranges = [...new Set([reqRange, latRange])];
  const answers = Object.fromEntries(await Promise.all(ranges.map(async (r) => [r, await api(`/api/admin/metrics/series?range=${r}`)])));
  const req = answers[reqRange];
  drawChart($('#chart-requests'), {
    labels: req.points.map((p) => timeLabel(p.t, reqRange !== '1h')),
    series: [{ label: 'Requests / s', data: req.points.map((p) => p.requests_per_s) }],
  });
  const lat = answers[latRange];
  drawChart($('#chart-latency'), {
    labels: lat.points.map((p) => timeLabel(p.t, latRange !== '1h')),
    series: [
      { label: 'HTTP p95', data: lat.points.map((p) => p.http_p95_ms) },
      { label: 'Database p95', data: lat.points.map((p) => p.db_p95_ms) },
    ],
    yTitle: 'ms',
  });
}

function kpiCard(k) {
  const value = k.value === null || k.value === undefined ? '—' : `${fmtNumber(k.value, 2)}${k.unit ? ` ${k.unit}` : ''}`;
  return el(
    'div',
    { class: 'col-12 col-sm-6 col-xl-3' },
    el(
      'div',
      { class: `card tile h-100 status-${k.status}`, dataset: { kpi: k.key } },
      el(
        'div',
        { class: 'card-body' },
        el(
          'div',
          { class: 'd-flex justify-content-between align-items-start gap-2' },
          el('div', { class: 'tile-label' }, k.label),
          statusBadge(k.status),
        ),
        el('div', { class: 'tile-value' }, value),
        el('div', { class: 'small text-secondary' }, `target ${k.target}`),
        sparkline(
          (k.series ?? []).map((p) => p.v),
          `${k.label} over the window`,
        ),
      ),
    ),
  );
}

/** A failed load, shown as an error where the section's content would be. */
const loadError = (what, err) =>
  el(
    'div',
    { class: 'col-12' },
    el('div', { class: 'alert alert-danger mb-0', role: 'alert' }, `Could not load ${what}: ${err?.message ?? String(err)}`),
  );

async function kpis() {
  const windowValue = $('#kpi-window').value;
  const box = $('#kpis');
  let answer;
  try {
    answer = await api(`/api/admin/kpis?window=${encodeURIComponent(windowValue)}`);
  } catch (err) {
    fill(box, loadError('the targets', err));
    throw err;
  }
  fill(box, answer.kpis.length === 0 ? el('p', { class: 'text-secondary small mb-0' }, 'No targets defined.') : answer.kpis.map(kpiCard));
}

async function alerts() {
  const box = $('#alerts');
  let answer;
  try {
    answer = await api('/api/admin/alerts?state=open');
  } catch (err) {
    fill(box, loadError('the open alerts', err));
    throw err;
  }
  if (answer.alerts.length === 0) {
    fill(box, el('p', { class: 'mb-0' }, statusBadge('pass', 'all clear'), ' No open alerts.'));
    return;
  }
  fill(
    box,
    el(
      'ul',
      { class: 'list-group' },
      answer.alerts.map((a) =>
        el(
          'li',
          { class: 'list-group-item d-flex flex-wrap justify-content-between gap-2', dataset: { alertId: a.id, rule: a.rule } },
          el('div', {}, el('strong', {}, a.rule), ' ', el('span', {}, a.message)),
          el(
            'span',
            { class: 'small text-secondary' },
            `${fmtNumber(a.value, 2)} vs ${fmtNumber(a.threshold, 2)} · since ${fmtAgo(a.first_seen)} · ${a.instance_id ?? ''}`,
          ),
        ),
      ),
    ),
  );
}

async function refresh() {
  const results = await Promise.allSettled([tiles(), charts(), kpis(), alerts()]);
  const failed = results.filter((r) => r.status === 'rejected');
  for (const f of failed) console.warn('dashboard refresh:', f.reason?.message ?? f.reason);
  $('#last-update').textContent = new Date().toLocaleTimeString('en-GB');
  $('#last-update').setAttribute('datetime', new Date().toISOString());
}

const live = poll(refresh, REFRESH_MS, (state) => {
  const badge = $('#live-state');
  badge.textContent = state === 'live' ? 'Live' : 'Paused';
  badge.className = `badge ${state === 'live' ? 'text-bg-success' : 'text-bg-secondary'}`;
});
for (const name of ['req-range', 'lat-range']) {
  document.querySelectorAll(`input[name="${name}"]`).forEach((input) => input.addEventListener('change', () => void charts()));
}
$('#kpi-window').addEventListener('change', () => void kpis().catch((err) => console.warn('targets:', err?.message ?? err)));
void live;
