// The detailed health checks as a status board, with traffic and resource readings, refreshed
// every 5 s while the tab is visible.
import { $, api, el, fill, fmtBytes, fmtMs, fmtNumber, poll, statusBadge } from './common.js';

const fmtDuration = (seconds) =>
  seconds < 3600
    ? `${Math.floor(seconds / 60)} min`
    : seconds < 172_800
      ? `${fmtNumber(seconds / 3600, 1)} h`
      : `${fmtNumber(seconds / 86_400, 1)} days`;

function observed(check) {
  if (check.observedValue === undefined) return '';
  const v = check.observedValue;
  if (typeof v === 'number') {
    if (check.observedUnit === 'bytes') return fmtBytes(v);
    if (check.observedUnit === 'percent') return `${fmtNumber(v, 1)} %`;
    if (check.observedUnit === 'ms') return fmtMs(v);
    if (check.observedUnit === 's') return fmtDuration(v);
    return `${fmtNumber(v, 2)}${check.observedUnit ? ` ${check.observedUnit}` : ''}`;
  }
  return String(v);
}

const reading = (label, value) =>
  el(
    'div',
    { class: 'col-6 col-md-4 col-xl-2' },
    el(
      'div',
      { class: 'card tile h-100' },
      el('div', { class: 'card-body' }, el('div', { class: 'tile-label' }, label), el('div', { class: 'tile-value fs-4' }, value)),
    ),
  );

async function refresh() {
  const res = await fetch('/health/detailed', { headers: { accept: 'application/health+json' }, credentials: 'same-origin' });
  const doc = await res.json();
  const overall = $('#overall');
  overall.className = `status-pill status-${doc.status}`;
  overall.textContent = `Overall: ${doc.status}${doc.serviceId ? ` · ${doc.serviceId}` : ''}${doc.releaseId ? ` · v${doc.releaseId}` : ''}`;
  fill(
    $('#checks'),
    Object.entries(doc.checks).map(([name, [check]]) =>
      el(
        'div',
        { class: 'col-12 col-sm-6 col-xl-3' },
        el(
          'div',
          { class: `card tile h-100 status-${check.status}`, dataset: { check: name } },
          el(
            'div',
            { class: 'card-body' },
            el(
              'div',
              { class: 'd-flex justify-content-between align-items-start gap-2' },
              el('h2', { class: 'tile-label mb-0 text-break' }, name),
              statusBadge(check.status),
            ),
            el('div', { class: 'tile-value fs-4' }, observed(check) || check.status),
            check.output ? el('div', { class: 'small text-secondary text-break' }, check.output) : null,
            el('div', { class: 'small text-secondary' }, check.componentType),
          ),
        ),
      ),
    ),
  );
  const m = await api('/health/metrics');
  fill(
    $('#metrics'),
    reading('Requests / s', fmtNumber(m.requests.ratePerSecond, 2)),
    reading('HTTP p95', fmtMs(m.requests.responseTimeMs.p95)),
    reading('Success rate', `${fmtNumber(m.requests.successRate * 100, 2)} %`),
    reading('Database p95', fmtMs(m.database.queryTimeMs.p95)),
    reading('Pool in use', `${m.database.pool.inUse} / ${m.database.pool.max}`),
    reading('Pool waiting', String(m.database.pool.waiting)),
    reading('CPU', `${fmtNumber(m.system.cpuPercent, 1)} %`),
    reading('Memory', `${fmtNumber(m.system.memoryPercent, 1)} %`),
    reading('Process RSS', fmtBytes(m.system.rssBytes)),
    reading('Event-loop lag p99', fmtMs(m.system.eventLoopLagP99Ms)),
    reading('Disk', m.system.diskPercent === null ? '—' : `${fmtNumber(m.system.diskPercent, 1)} %`),
    reading('Uptime', fmtDuration(m.system.uptimeSeconds)),
  );
  const now = new Date();
  $('#last-update').textContent = `Last update: ${now.toLocaleTimeString('en-GB')}`;
  $('#last-update').setAttribute('datetime', now.toISOString());
}

poll(refresh, 5000);
