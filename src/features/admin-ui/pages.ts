// The markup of each console page: structure, forms and empty containers. The page's module
// fills them from the admin JSON API.
import {
  AUDIT,
  CONSOLE_BASE,
  DASHBOARD,
  DATABASE,
  FEEDBACK,
  FLAGS,
  HEALTH,
  LIST,
  TOKENS,
  USERS,
  tileId,
  type TileName,
} from './browser/ids.js';
import { html, type SafeHtml } from './html.js';

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

export function usersBody(isOwner: boolean): SafeHtml {
  return html`<div class="row g-3 mb-4">
      <div class="col-12 col-lg-5">
        <div class="card h-100">
          <div class="card-body">
            <h2 class="h5">Add a tester</h2>
            <form id="${USERS.addForm}" class="row g-2" novalidate>
              <div class="col-12">
                <label class="form-label" for="${USERS.addEmail}">Email</label>
                <input class="form-control" id="${USERS.addEmail}" name="email" type="email" required maxlength="254" autocomplete="off" />
              </div>
              <div class="col-12">
                <label class="form-label" for="${USERS.addNotes}">Notes (optional)</label>
                <input class="form-control" id="${USERS.addNotes}" name="notes" maxlength="2000" />
              </div>
              <div class="col-12"><button class="btn btn-primary" type="submit">Add and create invite</button></div>
            </form>
            <div id="${USERS.inviteResult}" class="mt-3" hidden>
              <label class="form-label small" for="${USERS.inviteLink}">Invite link for <span id="${USERS.inviteEmail}"></span></label>
              <div class="input-group">
                <input class="form-control font-monospace" id="${USERS.inviteLink}" readonly />
                <button class="btn btn-outline-secondary" type="button" id="${USERS.copyInvite}">Copy</button>
              </div>
            </div>
          </div>
        </div>
      </div>
      <div class="col-12 col-lg-7">
        <div class="card h-100">
          <div class="card-body">
            <h2 class="h5">Import a list</h2>
            <label class="form-label" for="${USERS.importText}"
              >One email per line, optionally followed by a comma and notes (a CSV export works too)</label
            >
            <textarea class="form-control font-monospace" id="${USERS.importText}" rows="4" maxlength="60000"></textarea>
            <div class="d-flex gap-2 mt-2">
              <button class="btn btn-outline-primary" type="button" id="${USERS.importPreview}">Preview</button>
              <button class="btn btn-primary" type="button" id="${USERS.importRun}" disabled>Import</button>
            </div>
            <div id="${USERS.importOutput}" class="mt-3 small" aria-live="polite"></div>
          </div>
        </div>
      </div>
    </div>
    <form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
      <div class="col-12 col-md-4">
        <label class="form-label" for="f-search">Search email or notes</label>
        <input class="form-control" id="f-search" name="search" type="search" maxlength="254" />
      </div>
      <div class="col-4 col-md-2">
        <label class="form-label" for="f-role">Role</label>
        <select class="form-select" id="f-role" name="role">
          <option value="">Any</option>
          <option>TESTER</option>
          <option>ADMIN</option>
        </select>
      </div>
      <div class="col-4 col-md-2">
        <label class="form-label" for="f-active">Status</label>
        <select class="form-select" id="f-active" name="active">
          <option value="">Any</option>
          <option value="true">Active</option>
          <option value="false">Inactive</option>
        </select>
      </div>
      <div class="col-4 col-md-2">
        <label class="form-label" for="f-source">Source</label>
        <select class="form-select" id="f-source" name="source">
          <option value="">Any</option>
          <option>admin</option>
          <option>feedback</option>
          <option>import</option>
        </select>
      </div>
      <div class="col-12 col-md-2 d-flex gap-2">
        <button class="btn btn-secondary" type="submit">Filter</button>
        <a class="btn btn-outline-secondary" id="${USERS.exportCsv}" href="/api/admin/users.csv" download>Export CSV</a>
      </div>
    </form>
    <div class="table-responsive" tabindex="0" role="region" aria-label="Beta testers (scrolls sideways)">
      <table class="table table-hover align-middle" id="${USERS.table}" data-owner="${isOwner ? 'true' : 'false'}">
        <caption class="visually-hidden">
          Beta testers
        </caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Active</th>
            <th scope="col">Source</th>
            <th scope="col">Joined</th>
            <th scope="col">Notes</th>
            <th scope="col">Overrides</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <button class="btn btn-outline-secondary" type="button" id="${LIST.more}" hidden>Load more</button>
    <dialog id="${USERS.editDialog}" class="console-dialog" aria-labelledby="edit-title">
      <form method="dialog" id="edit-form">
        <h2 class="h5" id="edit-title">Edit tester</h2>
        <p class="small text-secondary mb-2" id="${USERS.editEmail}"></p>
        <label class="form-label" for="${USERS.editNotes}">Notes</label>
        <textarea class="form-control mb-3" id="${USERS.editNotes}" rows="3" maxlength="2000"></textarea>
        <fieldset>
          <legend class="h6">Flag overrides</legend>
          <p class="small text-secondary">“Default” leaves the flag's own rules in charge.</p>
          <div id="${USERS.editOverrides}" class="vstack gap-2"></div>
        </fieldset>
        <div class="d-flex justify-content-end gap-2 mt-3">
          <button class="btn btn-outline-secondary" value="cancel" type="submit" formnovalidate>Cancel</button>
          <button class="btn btn-primary" value="save" type="submit" id="edit-save">Save</button>
        </div>
      </form>
    </dialog>`;
}

/** `operators`: the condition operators the flags API accepts, offered in the conditions editor. */
export function flagsBody(operators: readonly string[]): SafeHtml {
  return html`<details class="card mb-3" id="${FLAGS.createCard}">
      <summary class="card-header">New flag</summary>
      <div class="card-body">
        <form id="${FLAGS.createForm}" class="row g-2 align-items-end" novalidate>
          <div class="col-12 col-md-4">
            <label class="form-label" for="${FLAGS.newName}">Name</label>
            <input
              class="form-control"
              id="${FLAGS.newName}"
              required
              pattern="[a-z0-9][a-z0-9._\\-]{0,99}"
              maxlength="100"
              placeholder="new-chat-ui"
              aria-describedby="new-name-help"
            />
            <div class="form-text" id="new-name-help">Lowercase letters, digits, dot, dash, underscore.</div>
          </div>
          <div class="col-12 col-md-6">
            <label class="form-label" for="${FLAGS.newDescription}">Description</label>
            <input class="form-control" id="${FLAGS.newDescription}" maxlength="2000" />
          </div>
          <div class="col-12 col-md-2"><button class="btn btn-primary w-100" type="submit">Create</button></div>
        </form>
      </div>
    </details>
    <p class="small text-secondary" id="${FLAGS.summary}"></p>
    <div id="${FLAGS.list}" class="vstack gap-3" data-operators="${operators.join(' ')}"><p class="text-secondary">Loading…</p></div>
    <dialog id="${FLAGS.confirmDialog}" class="console-dialog" aria-labelledby="confirm-title">
      <form method="dialog">
        <h2 class="h5" id="confirm-title">Are you sure?</h2>
        <p id="${FLAGS.confirmText}"></p>
        <div class="d-flex justify-content-end gap-2">
          <button class="btn btn-outline-secondary" value="cancel">Cancel</button>
          <button class="btn btn-danger" value="ok" id="confirm-ok">Turn off</button>
        </div>
      </form>
    </dialog>`;
}

export function feedbackBody(): SafeHtml {
  return html`<div class="row g-3 mb-4">
      <div class="col-6 col-md-3">
        <div class="card tile h-100" id="${tileId('total')}">
          <div class="card-body">
            <div class="tile-label">Feedback</div>
            <div class="tile-value" data-value>—</div>
          </div>
        </div>
      </div>
      <div class="col-6 col-md-3">
        <div class="card tile h-100" id="${tileId('average')}">
          <div class="card-body">
            <div class="tile-label">Average rating</div>
            <div class="tile-value" data-value>—</div>
          </div>
        </div>
      </div>
      <div class="col-12 col-md-6">
        <div class="card tile h-100" id="${tileId('split')}">
          <div class="card-body">
            <div class="tile-label">Promoters · passives · detractors</div>
            <div class="tile-value" data-value>—</div>
            <div class="small text-secondary" data-hint>score = % promoters (4–5) − % detractors (1–2)</div>
          </div>
        </div>
      </div>
    </div>
    <div class="row g-3 mb-4">
      <div class="col-12 col-lg-4">
        <div class="card h-100">
          <div class="card-body">
            <h2 class="h6">Rating distribution</h2>
            <div class="chart-box"><canvas id="${FEEDBACK.chartDistribution}" role="img" aria-label="Rating distribution"></canvas></div>
          </div>
        </div>
      </div>
      <div class="col-12 col-lg-8">
        <div class="card h-100">
          <div class="card-body">
            <h2 class="h6">Trend, last 30 days</h2>
            <div class="chart-box">
              <canvas id="${FEEDBACK.chartTrend}" role="img" aria-label="Feedback per day and average rating, last 30 days"></canvas>
            </div>
          </div>
        </div>
      </div>
      <div class="col-12">
        <div class="card">
          <div class="card-body">
            <h2 class="h6">By feature</h2>
            <div class="table-responsive" tabindex="0" role="region" aria-label="Feedback by feature (scrolls sideways)">
              <table class="table table-sm mb-0" id="${FEEDBACK.byFeature}">
                <thead>
                  <tr>
                    <th scope="col">Feature</th>
                    <th scope="col" class="text-end">Feedback</th>
                    <th scope="col" class="text-end">Average rating</th>
                  </tr>
                </thead>
                <tbody></tbody>
              </table>
            </div>
          </div>
        </div>
      </div>
    </div>
    <div id="${FEEDBACK.userFilter}" class="alert alert-info d-flex flex-wrap gap-2 align-items-center py-2" hidden>
      <span>Showing feedback from one tester: <strong id="${FEEDBACK.userFilterEmail}"></strong></span>
      <a class="btn btn-sm btn-outline-secondary" href="${CONSOLE_BASE}/feedback">Show everyone's</a>
    </div>
    <form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
      <input type="hidden" name="user" id="${FEEDBACK.userField}" />
      <div class="col-6 col-md-2">
        <label class="form-label" for="f-rating">Rating</label>
        <select class="form-select" id="f-rating" name="rating">
          <option value="">Any</option>
          <option>5</option>
          <option>4</option>
          <option>3</option>
          <option>2</option>
          <option>1</option>
        </select>
      </div>
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
      <div class="col-12 col-md-1 d-flex gap-2"><button class="btn btn-secondary" type="submit">Filter</button></div>
    </form>
    <div class="d-flex justify-content-end mb-2">
      <a class="btn btn-outline-secondary btn-sm" id="${FEEDBACK.exportCsv}" href="/api/admin/feedback.csv" download>Export CSV</a>
    </div>
    <div class="table-responsive" tabindex="0" role="region" aria-label="Feedback (scrolls sideways)">
      <table class="table align-middle" id="${FEEDBACK.table}">
        <caption class="visually-hidden">
          Feedback, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Rating</th>
            <th scope="col">Feature</th>
            <th scope="col">From</th>
            <th scope="col">Comment</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <button class="btn btn-outline-secondary" type="button" id="${LIST.more}" hidden>Load more</button>`;
}

export function databaseBody(): SafeHtml {
  return html`<div id="${DATABASE.notice}" aria-live="polite"></div>
    <div class="row g-3 mb-4" id="${DATABASE.tiles}"></div>
    <div id="${DATABASE.sections}" class="vstack gap-4"></div>`;
}

export function auditBody(): SafeHtml {
  return html`<form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
      <div class="col-12 col-md-3">
        <label class="form-label" for="f-actor">Actor</label><input class="form-control" id="f-actor" name="actor" maxlength="254" />
      </div>
      <div class="col-6 col-md-3">
        <label class="form-label" for="f-action">Action</label
        ><input class="form-control" id="f-action" name="action" maxlength="100" placeholder="flag.update" />
      </div>
      <div class="col-6 col-md-2">
        <label class="form-label" for="f-entity-type">Entity type</label>
        <input class="form-control" id="f-entity-type" name="entity_type" maxlength="50" list="entity-types" />
        <datalist id="entity-types">
          <option value="flag"></option>
          <option value="beta_user"></option>
          <option value="feedback"></option>
          <option value="session"></option>
          <option value="api_token"></option>
          <option value="login_link"></option>
        </datalist>
      </div>
      <div class="col-8 col-md-3">
        <label class="form-label" for="f-entity-id">Entity id or name</label
        ><input class="form-control" id="f-entity-id" name="entity_id" maxlength="200" />
      </div>
      <div class="col-4 col-md-1"><button class="btn btn-secondary w-100" type="submit">Filter</button></div>
    </form>
    <div class="table-responsive" tabindex="0" role="region" aria-label="Audit log (scrolls sideways)">
      <table class="table table-sm align-middle" id="${AUDIT.table}">
        <caption class="visually-hidden">
          Audit log, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Entity</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <button class="btn btn-outline-secondary" type="button" id="${LIST.more}" hidden>Load more</button>`;
}

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

export function tokensBody(): SafeHtml {
  return html`<div class="card mb-4">
      <div class="card-body">
        <h2 class="h5">Create a token</h2>
        <form id="${TOKENS.form}" class="row g-2 align-items-end" novalidate>
          <div class="col-12 col-md-5">
            <label class="form-label" for="${TOKENS.name}">Name</label
            ><input class="form-control" id="${TOKENS.name}" required maxlength="100" />
          </div>
          <div class="col-6 col-md-3">
            <label class="form-label" for="${TOKENS.scope}">Scope</label>
            <select class="form-select" id="${TOKENS.scope}">
              <option value="evaluate">evaluate (flags)</option>
              <option value="monitor">monitor (metrics)</option>
              <option value="admin">admin (everything)</option>
            </select>
          </div>
          <div class="col-6 col-md-2"><button class="btn btn-primary w-100" type="submit">Create</button></div>
        </form>
        <div id="${TOKENS.created}" class="alert alert-success mt-3" hidden>
          <p class="mb-2">Copy this token now: it is shown only once.</p>
          <div class="input-group">
            <label class="visually-hidden" for="${TOKENS.value}">New token</label
            ><input class="form-control font-monospace" id="${TOKENS.value}" readonly /><button
              class="btn btn-outline-secondary"
              type="button"
              id="${TOKENS.copy}"
            >
              Copy
            </button>
          </div>
        </div>
      </div>
    </div>
    <div class="table-responsive" tabindex="0" role="region" aria-label="API tokens (scrolls sideways)">
      <table class="table align-middle" id="${TOKENS.table}">
        <caption class="visually-hidden">
          API tokens
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Scope</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <div class="card border-danger mt-4">
      <div class="card-body">
        <h2 class="h5">Sessions</h2>
        <p class="mb-2">End every console session, yours included. Everyone signs in again.</p>
        <button class="btn btn-outline-danger" type="button" id="${TOKENS.revokeAll}">Sign everyone out</button>
      </div>
    </div>`;
}
