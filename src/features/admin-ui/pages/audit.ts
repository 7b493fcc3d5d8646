// The audit page's markup: a search (actor, tester, token or flag), the action filter by the
// console's names for actions, the other filters, the match count and the table audit.js fills.
import { AUDIT_ACTIONS } from '../browser/audit-sentences.js';
import { AUDIT, LIST } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { filterSelect, listTable, loadMore } from './parts.js';

/** The kinds of entity the audit log records, offered as the entity type filter's suggestions. */
const ENTITY_TYPES = [
  'flag',
  'release_plan',
  'scheduled_change',
  'beta_user',
  'waitlist',
  'feedback',
  'session',
  'api_token',
  'login_link',
];

/** The action filter's choices, by label. */
const ACTION_CHOICES: Array<[string, string]> = [...AUDIT_ACTIONS]
  .map(([action, label]): [string, string] => [action, label])
  .sort((a, b) => a[1].localeCompare(b[1], 'en'));

export function auditBody(): SafeHtml {
  return html`<form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
      <div class="col-12 col-md-4">
        <label class="form-label" for="f-q">Search people, testers, tokens, flags</label>
        <input class="form-control" id="f-q" name="q" type="search" maxlength="200" placeholder="bob@example.com, new-chat-ui…" />
      </div>
      ${filterSelect('col-12 col-md-3', 'f-action', 'action', 'Action', ACTION_CHOICES)}
      <div class="col-6 col-md-2">
        <label class="form-label" for="f-actor">Actor (exact)</label
        ><input class="form-control" id="f-actor" name="actor" type="search" maxlength="254" />
      </div>
      <div class="col-6 col-md-2">
        <label class="form-label" for="f-entity-type">Entity type</label>
        <input class="form-control" id="f-entity-type" name="entity_type" type="search" maxlength="50" list="entity-types" />
        <datalist id="entity-types">${ENTITY_TYPES.map((t) => html`<option value="${t}"></option>`)}</datalist>
      </div>
      <input type="hidden" name="entity_id" />
      <div class="col-12 col-md-1"><button class="btn btn-outline-secondary w-100" type="button" data-clear>Clear</button></div>
    </form>
    <output id="${AUDIT.matchCount}" class="d-block small mb-2" aria-live="polite"></output>
    ${listTable({
      id: AUDIT.table,
      label: 'Audit log (scrolls sideways)',
      tableClass: 'table table-sm align-middle',
      caption: 'Audit log, newest first',
      columns: ['When', 'What happened', 'Change'],
    })}
    ${loadMore}`;
}
