// The detailed health checks as a status board, with traffic and resource readings, refreshed
// every 5 s while the tab is visible.
import { api } from './api.js';
import type { HealthCheck, HealthDocument, MetricsReport } from './api-types.js';
import { poll, statusTile, valueTile } from './common.js';
import { byId, el, fill } from './dom.js';
import { fmtBytes, fmtMs, fmtNumber } from './format.js';
import { HEALTH } from './ids.js';

const fmtDuration = (seconds: number): string =>
  seconds < 3600
    ? `${Math.floor(seconds / 60)} min`
    : seconds < 172_800
      ? `${fmtNumber(seconds / 3600, 1)} h`
      : `${fmtNumber(seconds / 86_400, 1)} days`;

function observed(check: HealthCheck): string {
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

/** What each check of the health document is called on the board (its key stays in `data-check`). */
const CHECK_NAMES: Record<string, string> = {
  'database:connectivity': 'Database connection',
  'database:responseTime': 'Database response time',
  'database:connections': 'Database connections',
  'memory:utilization': 'Memory in use',
  'process:rss': 'Process memory (RSS)',
  'cpu:utilization': 'CPU in use',
  'disk:utilization': 'Disk in use',
  'eventloop:lag': 'Event-loop delay',
  'service:lifecycle': 'Service state',
  'ratelimit:store': 'Rate-limit store',
  uptime: 'Uptime',
};
const STATUS_WORDS: Record<string, string> = { pass: 'OK', warn: 'Warning', fail: 'Failing' };

/** A check's reading in words: a connectivity check's `true` is "Connected", not "true". */
function reading(name: string, check: HealthCheck): string {
  if (name === 'database:connectivity' && typeof check.observedValue === 'boolean')
    return check.observedValue ? 'Connected' : 'Unreachable';
  return observed(check) || (STATUS_WORDS[check.status] ?? check.status);
}

const checkCard = (name: string, check: HealthCheck) =>
  statusTile(
    check.status,
    { check: name },
    el('h2', { class: 'tile-label mb-0 text-break' }, CHECK_NAMES[name] ?? name),
    el('div', { class: 'tile-value fs-4' }, reading(name, check)),
    check.output ? el('div', { class: 'small text-secondary text-break' }, check.output) : null,
    el('div', { class: 'small text-secondary' }, el('code', { class: 'text-secondary' }, name)),
  );

function showMetrics(m: MetricsReport): void {
  fill(
    byId(HEALTH.metrics, HTMLElement),
    valueTile('Requests / s', fmtNumber(m.requests.ratePerSecond, 2)),
    valueTile('HTTP p95', fmtMs(m.requests.responseTimeMs.p95)),
    valueTile('Success rate', `${fmtNumber(m.requests.successRate * 100, 2)} %`),
    valueTile('Database p95', fmtMs(m.database.queryTimeMs.p95)),
    valueTile('Pool in use', `${m.database.pool.inUse} / ${m.database.pool.max}`),
    valueTile('Pool waiting', String(m.database.pool.waiting)),
    valueTile('CPU', `${fmtNumber(m.system.cpuPercent, 1)} %`),
    valueTile('Memory', `${fmtNumber(m.system.memoryPercent, 1)} %`),
    valueTile('Process RSS', fmtBytes(m.system.rssBytes)),
    valueTile('Event-loop lag p99', fmtMs(m.system.eventLoopLagP99Ms)),
    valueTile('Disk', m.system.diskPercent === null ? '—' : `${fmtNumber(m.system.diskPercent, 1)} %`),
    valueTile('Uptime', fmtDuration(m.system.uptimeSeconds)),
  );
}

async function refresh(): Promise<void> {
  // The health document answers 503 when a check fails: read it either way.
  const res = await fetch('/health/detailed', { headers: { accept: 'application/health+json' }, credentials: 'same-origin' });
  const doc = (await res.json()) as HealthDocument;
  const overall = byId(HEALTH.overall, HTMLElement);
  overall.className = `status-pill status-${doc.status}`;
  overall.textContent = `Overall: ${doc.status}${doc.serviceId ? ` · ${doc.serviceId}` : ''}${doc.releaseId ? ` · v${doc.releaseId}` : ''}`;
  fill(
    byId(HEALTH.checks, HTMLElement),
    Object.entries(doc.checks).map(([name, [check]]) => (check ? checkCard(name, check) : null)),
  );
  showMetrics(await api<MetricsReport>('/health/metrics'));
  const now = new Date();
  const time = byId(HEALTH.lastUpdate, HTMLTimeElement);
  time.textContent = `Last update: ${now.toLocaleTimeString('en-GB')}`;
  time.setAttribute('datetime', now.toISOString());
}

poll(refresh, 5000);
