// The feedback page's markup: analytics tiles and charts, the per-feature table, the filters (the
// feedback API's query parameters), export, and the list feedback.js fills.
import { CONSOLE_BASE, FEEDBACK, LIST, tileId, type TileName } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { ACTIONS, filterSelect, listTable, loadMore } from './parts.js';

const tile = (name: TileName, column: string, label: string, hint = '') =>
  html`<div class="${column}">
    <div class="card tile h-100" id="${tileId(name)}">
      <div class="card-body">
        <div class="tile-label">${label}</div>
        <div class="tile-value" data-value>—</div>
        ${hint ? html`<div class="small text-secondary" data-hint>${hint}</div>` : ''}
      </div>
    </div>
  </div>`;

const chart = (column: string, title: string, id: string, label: string) =>
  html`<div class="${column}">
    <div class="card h-100">
      <div class="card-body">
        <h2 class="h6">${title}</h2>
        <div class="chart-box"><canvas id="${id}" role="img" aria-label="${label}"></canvas></div>
      </div>
    </div>
  </div>`;

const analytics = () =>
  html`<div class="row g-3 mb-4">
      ${tile('total', 'col-6 col-md-3', 'Feedback')} ${tile('average', 'col-6 col-md-3', 'Average rating')}
      ${tile('split', 'col-12 col-md-6', 'Promoters · passives · detractors', 'score = % promoters (4–5) − % detractors (1–2)')}
    </div>
    <div class="row g-3 mb-4">
      ${chart('col-12 col-lg-4', 'Rating distribution', FEEDBACK.chartDistribution, 'Rating distribution')}
      ${chart('col-12 col-lg-8', 'Trend, last 30 days', FEEDBACK.chartTrend, 'Feedback per day and average rating, last 30 days')}
      <div class="col-12">
        <div class="card">
          <div class="card-body">
            <h2 class="h6">By feature</h2>
            ${listTable({
              id: FEEDBACK.byFeature,
              label: 'Feedback by feature (scrolls sideways)',
              tableClass: 'table table-sm mb-0',
              columns: ['Feature', { label: 'Feedback', end: true }, { label: 'Average rating', end: true }],
            })}
          </div>
        </div>
      </div>
    </div>`;

const filters = () =>
  html`<form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
    <input type="hidden" name="user" id="${FEEDBACK.userField}" />
    ${filterSelect('col-6 col-md-2', 'f-rating', 'rating', 'Rating', ['5', '4', '3', '2', '1'])}
    <div class="col-6 col-md-2">
      <label class="form-label" for="f-feature">Feature</label>
      <input class="form-control" id="f-feature" name="feature" maxlength="64" pattern="[a-z0-9][a-z0-9._\\-]{0,63}" />
    </div>
    <div class="col-12 col-md-3">
      <label class="form-label" for="f-q">Comment contains</label>
      <input class="form-control" id="f-q" name="q" type="search" maxlength="200" />
    </div>
    <div class="col-6 col-md-2">
      <label class="form-label" for="f-from">From</label><input class="form-control" id="f-from" name="from" type="date" />
    </div>
    <div class="col-6 col-md-2">
      <label class="form-label" for="f-to">Until (incl.)</label><input class="form-control" id="f-to" name="to" type="date" />
    </div>
    <div class="col-12 col-md-1"><button class="btn btn-outline-secondary" type="button" data-clear>Clear</button></div>
  </form>`;

export function feedbackBody(): SafeHtml {
  return html`<div id="${FEEDBACK.userFilter}" class="alert alert-info d-flex flex-wrap gap-2 align-items-center py-2" hidden>
      <span>Showing feedback from one tester: <strong id="${FEEDBACK.userFilterEmail}"></strong></span>
      <a class="btn btn-sm btn-outline-secondary" href="${CONSOLE_BASE}/feedback">Show everyone's</a>
    </div>
    ${filters()} ${analytics()}
    <div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2">
      <output id="${FEEDBACK.matchCount}" class="small" aria-live="polite"></output>
      <a class="btn btn-outline-secondary btn-sm" id="${FEEDBACK.exportCsv}" href="/api/admin/feedback.csv" download>Export CSV</a>
    </div>
    ${listTable({
      id: FEEDBACK.table,
      label: 'Feedback (scrolls sideways)',
      tableClass: 'table align-middle',
      caption: 'Feedback, newest first',
      columns: ['When', 'Rating', 'Feature', 'From', 'Comment', ACTIONS],
    })}
    ${loadMore}`;
}
