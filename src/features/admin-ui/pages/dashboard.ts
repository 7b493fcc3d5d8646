// The dashboard's markup: tiles that open their page, the tester funnel beside the invite-redemption
// target, open alerts, charts with their time ranges, targets and the latest feedback, all filled
// by dashboard.js.
import { CONSOLE_BASE, DASHBOARD, FUNNEL, tileId, type TileName } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';

/** A dashboard tile; with `href`, the whole tile opens that page. */
const tile = (name: TileName, label: string, hint = '', href = '') =>
  html`<div class="col-6 col-md-4 col-xl-3">
    <div class="card tile h-100" id="${tileId(name)}">
      <div class="card-body">
        <div class="tile-label">
          ${href ? html`<a class="stretched-link text-reset text-decoration-none" href="${href}">${label}</a>` : label}
        </div>
        <div class="tile-value" data-value aria-live="off">—</div>
        <div class="tile-hint small text-secondary" data-hint>${hint}</div>
      </div>
    </div>
  </div>`;

const chartCard = (id: string, title: string, extra: SafeHtml | string = '') =>
  html`<div class="card h-100">
    <div class="card-body">
      <div class="d-flex justify-content-between align-items-center mb-2">
        <h2 class="h6 mb-0">${title}</h2>
        ${extra}
      </div>
      <div class="chart-box"><canvas id="${id}" role="img" aria-label="${title}"></canvas></div>
    </div>
  </div>`;

const rangeToggle = (name: string) =>
  html`<div class="btn-group btn-group-sm" role="group" aria-label="Time range">
    <input type="radio" class="btn-check" name="${name}" id="${name}-1h" value="1h" checked /><label
      class="btn btn-outline-secondary"
      for="${name}-1h"
      >1 h</label
    >
    <input type="radio" class="btn-check" name="${name}" id="${name}-24h" value="24h" /><label
      class="btn btn-outline-secondary"
      for="${name}-24h"
      >24 h</label
    >
  </div>`;

export function dashboardBody(): SafeHtml {
  return html`<div class="d-flex flex-wrap align-items-center gap-2 mb-3 small text-secondary">
      <span id="${DASHBOARD.liveState}" class="badge text-bg-success">Live</span>
      <span>Refreshed every 5 s while this tab is visible. Last update: <time id="${DASHBOARD.lastUpdate}">—</time></span>
    </div>
    <section aria-labelledby="tiles-h" class="mb-4">
      <h2 id="tiles-h" class="visually-hidden">At a glance</h2>
      <div class="row g-3">
        ${tile('testers', 'Active testers', '', `${CONSOLE_BASE}/users`)}
        ${tile('feedback', 'Feedback today / 7 days', '', `${CONSOLE_BASE}/feedback`)}
        ${tile('rating', 'Average rating', '', `${CONSOLE_BASE}/feedback`)} ${tile('flags', 'Flags on', '', `${CONSOLE_BASE}/flags`)}
        ${tile('rps', 'Requests / s', 'last 60 s', `${CONSOLE_BASE}/health`)}
        ${tile('p95', 'p95 latency', 'last 60 s', `${CONSOLE_BASE}/health`)}
        ${tile('dbp95', 'Database p95', 'last 60 s', `${CONSOLE_BASE}/database`)} ${tile('health', 'Health', '', `${CONSOLE_BASE}/health`)}
        ${tile('plans', 'Plans needing attention', 'release plans paused by a guard')}
      </div>
    </section>
    <section aria-labelledby="funnel-h" class="mb-4">
      <h2 id="funnel-h" class="h5">Testers: from invitation to feedback</h2>
      <div class="row g-3">
        <div class="col-12 col-lg-8">
          <div class="card h-100">
            <div class="card-body">
              <ol id="${FUNNEL.steps}" class="funnel list-unstyled row g-3 mb-0">
                <li class="col-12 text-secondary small">Loading…</li>
              </ol>
            </div>
          </div>
        </div>
        <div class="col-12 col-lg-4"><div id="${FUNNEL.redemption}" class="row g-3 h-100"></div></div>
      </div>
    </section>
    <section aria-labelledby="alerts-h" class="mb-4">
      <h2 id="alerts-h" class="h5">Open alerts</h2>
      <div id="${DASHBOARD.alerts}"><p class="text-secondary small mb-0">Loading…</p></div>
    </section>
    <section aria-labelledby="charts-h" class="mb-4">
      <h2 id="charts-h" class="visually-hidden">Charts</h2>
      <div class="row g-3">
        <div class="col-12 col-lg-6">
          ${chartCard(DASHBOARD.chartRequests, 'Requests per second', rangeToggle(DASHBOARD.requestsRange))}
        </div>
        <div class="col-12 col-lg-6">${chartCard(DASHBOARD.chartLatency, 'Latency p95 (ms)', rangeToggle(DASHBOARD.latencyRange))}</div>
        <div class="col-12 col-lg-6">${chartCard(DASHBOARD.chartRating, 'Feedback and rating, last 30 days')}</div>
        <div class="col-12 col-lg-6">${chartCard(DASHBOARD.chartAdoption, 'Flag adoption, last 24 h (share true)')}</div>
      </div>
    </section>

    <section aria-labelledby="kpi-h" class="mb-4">
      <div class="d-flex flex-wrap justify-content-between align-items-center mb-2 gap-2">
        <h2 id="kpi-h" class="h5 mb-0">Targets</h2>
        <div>
          <label for="${DASHBOARD.kpiWindow}" class="form-label small me-1 mb-0">Window</label>
          <select id="${DASHBOARD.kpiWindow}" class="form-select form-select-sm d-inline-block w-auto">
            <option value="24h">24 hours</option>
            <option value="7d">7 days</option>
            <option value="30d">30 days</option>
          </select>
        </div>
      </div>
      <div id="${DASHBOARD.kpis}" class="row g-3"><p class="text-secondary small mb-0">Loading…</p></div>
    </section>
    <section aria-labelledby="recent-h" class="mt-4">
      <h2 id="recent-h" class="h5">Latest feedback</h2>
      <ul id="${DASHBOARD.recentFeedback}" class="list-group">
        <li class="list-group-item text-secondary small">Loading…</li>
      </ul>
    </section>`;
}
