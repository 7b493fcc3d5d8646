// The audit page's markup: the filters (the audit API's query parameters) and the table audit.js
// fills.
import { AUDIT, LIST } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { listTable, loadMore } from './parts.js';

/** The kinds of entity the audit log records, offered as the entity type filter's suggestions. */
const ENTITY_TYPES = ['flag', 'beta_user', 'feedback', 'session', 'api_token', 'login_link'];

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
        <datalist id="entity-types">${ENTITY_TYPES.map((t) => html`<option value="${t}"></option>`)}</datalist>
      </div>
      <div class="col-8 col-md-3">
        <label class="form-label" for="f-entity-id">Entity id or name</label
        ><input class="form-control" id="f-entity-id" name="entity_id" maxlength="200" />
      </div>
      <div class="col-4 col-md-1"><button class="btn btn-secondary w-100" type="submit">Filter</button></div>
    </form>
    ${listTable({
      id: AUDIT.table,
      label: 'Audit log (scrolls sideways)',
      tableClass: 'table table-sm align-middle',
      caption: 'Audit log, newest first',
      columns: ['When', 'Actor', 'Action', 'Entity', 'Change'],
    })}
    ${loadMore}`;
}
