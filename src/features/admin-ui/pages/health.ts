// The health page's markup: the overall status, the checks and readings health.js fills, and the
// monitoring endpoints.
import { HEALTH } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';

export function healthBody(): SafeHtml {
  return html`<div class="d-flex flex-wrap align-items-center gap-3 mb-3">
      <div id="${HEALTH.overall}" class="status-pill status-unknown" aria-live="polite">Checking…</div>
      <span class="small text-secondary">Refreshed every 5 s while this tab is visible. <time id="${HEALTH.lastUpdate}"></time></span>
    </div>
    <div class="row g-3 mb-4" id="${HEALTH.checks}"></div>
    <h2 class="h5">Traffic and resources</h2>
    <div class="row g-3 mb-4" id="${HEALTH.metrics}"></div>
    <h2 class="h5">Endpoints for monitoring</h2>
    <ul class="small">
      <li><a href="/healthz">/healthz</a>: load-balancer probe</li>
      <li><a href="/health/detailed">/health/detailed</a>: these checks as <code>application/health+json</code></li>
      <li><a href="/health/metrics">/health/metrics</a>: the JSON metrics report</li>
      <li><a href="/metrics">/metrics</a>: Prometheus exposition</li>
    </ul>`;
}
