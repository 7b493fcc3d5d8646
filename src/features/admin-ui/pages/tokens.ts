// The tokens page's markup (owners): creating a token (shown once), the table tokens.js fills,
// and signing everyone out.
import { TOKENS } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { ACTIONS, listTable } from './parts.js';

const createCard = () =>
  html`<div class="card mb-4">
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
            <option value="client">client (web pages: visible flags, feedback)</option>
            <option value="sync">sync (flag definitions for local evaluation)</option>
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
  </div>`;

export function tokensBody(): SafeHtml {
  return html`${createCard()}
    ${listTable({
      id: TOKENS.table,
      label: 'API tokens (scrolls sideways)',
      tableClass: 'table align-middle',
      caption: 'API tokens',
      columns: ['Name', 'Prefix', 'Scope', 'Created', 'Last used', 'State', ACTIONS],
    })}
    <div class="card border-danger mt-4">
      <div class="card-body">
        <h2 class="h5">Sessions</h2>
        <p class="mb-2">End every console session, yours included. Everyone signs in again.</p>
        <button class="btn btn-outline-danger" type="button" id="${TOKENS.revokeAll}">Sign everyone out</button>
      </div>
    </div>`;
}
