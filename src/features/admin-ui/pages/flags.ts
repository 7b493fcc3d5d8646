// The flags page's markup: the new-flag form, the scheduled changes (list and form, filled by
// flag-schedules.js), the segments (filled by flag-segments.js), the list flags.js fills, and the dialog
// that asks before a flag is taken away from everyone.
import { FLAGS, SCHEDULES, SEGMENTS } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { ACTIONS, listTable } from './parts.js';

const schedulesCard = () =>
  html`<details class="card mb-3" id="${SCHEDULES.section}">
    <summary class="card-header">Scheduled changes <span class="small text-secondary" id="${SCHEDULES.status}"></span></summary>
    <div class="card-body">
      <form id="${SCHEDULES.form}" class="row g-2 align-items-end mb-3" novalidate aria-describedby="${SCHEDULES.error}">
        <div class="col-12 col-md-3">
          <label class="form-label" for="${SCHEDULES.flag}">Flag</label>
          <input
            class="form-control"
            id="${SCHEDULES.flag}"
            required
            pattern="[a-z0-9][a-z0-9._\\-]{0,99}"
            maxlength="100"
            list="schedule-flags"
          />
          <datalist id="schedule-flags"></datalist>
        </div>
        <div class="col-12 col-md-3">
          <label class="form-label" for="${SCHEDULES.change}">Change</label>
          <select class="form-select" id="${SCHEDULES.change}">
            <option value="on">Turn the flag on</option>
            <option value="off">Turn the flag off (kill switch)</option>
            <option value="percentage">Set the rollout percentage</option>
          </select>
        </div>
        <div class="col-6 col-md-2">
          <label class="form-label" for="${SCHEDULES.percentage}">Percentage</label>
          <input class="form-control" id="${SCHEDULES.percentage}" type="number" min="0" max="100" step="1" disabled />
        </div>
        <div class="col-6 col-md-2">
          <label class="form-label" for="${SCHEDULES.at}">At (your time)</label>
          <input class="form-control" id="${SCHEDULES.at}" type="datetime-local" required />
        </div>
        <div class="col-12 col-md-2 d-flex gap-2">
          <button class="btn btn-primary flex-grow-1" type="submit" id="${SCHEDULES.submit}">Schedule</button>
          <button class="btn btn-outline-secondary" type="button" id="${SCHEDULES.cancelEdit}" hidden>Stop editing</button>
        </div>
        <div class="col-12 small text-danger" id="${SCHEDULES.error}" role="alert"></div>
      </form>
      ${listTable({
        id: SCHEDULES.list,
        label: 'Scheduled changes (scrolls sideways)',
        tableClass: 'table table-sm align-middle mb-0',
        caption: 'Scheduled changes, latest due time first',
        columns: ['Flag', 'Change', 'Due', 'State', ACTIONS],
      })}
    </div>
  </details>`;

/** Segments: filled by flag-segments.js. */
const segmentsCard = () =>
  html`<details class="card mb-3" id="${SEGMENTS.section}">
    <summary class="card-header">Segments <span class="small text-secondary" id="${SEGMENTS.status}"></span></summary>
    <div class="card-body">
      <div id="${SEGMENTS.list}" class="vstack gap-2 mb-3"></div>
      <div id="${SEGMENTS.create}"></div>
    </div>
  </details>`;

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
            <div class="invalid-feedback" id="${FLAGS.newNameError}" role="alert"></div>
          </div>
          <div class="col-12 col-md-4">
            <label class="form-label" for="${FLAGS.newDescription}">Description</label>
            <input class="form-control" id="${FLAGS.newDescription}" maxlength="2000" />
          </div>
          <div class="col-12 col-md-2">
            <label class="form-label" for="${FLAGS.newType}">Serves</label>
            <select class="form-select" id="${FLAGS.newType}">
              <option value="boolean" selected>on / off</option>
              <option value="string">text variants</option>
              <option value="number">number variants</option>
              <option value="object">JSON variants</option>
            </select>
          </div>
          <div class="col-12 col-md-2"><button class="btn btn-primary w-100" type="submit">Create</button></div>
        </form>
      </div>
    </details>
    ${schedulesCard()} ${segmentsCard()}
    <div class="d-flex flex-wrap gap-2 align-items-center justify-content-between mb-2">
      <p class="small text-secondary mb-0" id="${FLAGS.summary}"></p>
      <div class="btn-group btn-group-sm" role="group" aria-label="Show flags as">
        <button type="button" class="btn btn-outline-secondary" id="${FLAGS.viewCards}" aria-pressed="true">Cards</button>
        <button type="button" class="btn btn-outline-secondary" id="${FLAGS.viewTable}" aria-pressed="false">Table</button>
      </div>
    </div>
    <div class="table-responsive" tabindex="0" role="region" aria-label="Flags table" id="${FLAGS.tableRegion}" hidden>
      <table class="table table-sm align-middle stack-on-phone flags-table" id="${FLAGS.table}">
        <caption class="visually-hidden">
          Flags; sort by name or last change with the column buttons.
        </caption>
        <thead>
          <tr>
            <th scope="col" aria-sort="ascending">
              <button type="button" class="btn btn-link btn-sm p-0 sort-button" data-sort="name">Name</button>
            </th>
            <th scope="col">State</th>
            <th scope="col">Rules</th>
            <th scope="col" class="text-end">Rollout</th>
            <th scope="col">Reach</th>
            <th scope="col">Adoption (24 h)</th>
            <th scope="col"><button type="button" class="btn btn-link btn-sm p-0 sort-button" data-sort="changed">Last change</button></th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <div id="${FLAGS.list}" class="vstack gap-3" data-operators="${operators.join(' ')}"><p class="text-secondary">Loading…</p></div>`;
}
