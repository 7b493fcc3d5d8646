// The testers page's markup: two tabs. Testers: adding a tester (with the invite link to copy),
// importing a list (then inviting everyone imported), the filters, the table users.js fills, and
// the dialog for notes and flag overrides. Waitlist: the entries users-waitlist.js fills, approved
// one by one, as a selection, or the next N.
import { INVITES, LIST, USERS, WAITLIST } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';
import { ACTIONS, filterSelect, listTable, loadMore } from './parts.js';

const addCard = () =>
  html`<div class="card h-100">
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
      <p class="small text-secondary mt-2 mb-0" id="${INVITES.mailState}"></p>
      <div id="${USERS.inviteResult}" class="mt-3" hidden>
        <label class="form-label small" for="${USERS.inviteLink}">Invite link for <span id="${USERS.inviteEmail}"></span></label>
        <div class="input-group">
          <input class="form-control font-monospace" id="${USERS.inviteLink}" readonly />
          <button class="btn btn-outline-secondary" type="button" id="${USERS.copyInvite}">Copy</button>
        </div>
      </div>
    </div>
  </div>`;

const importCard = () =>
  html`<div class="card h-100">
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
      <div id="${INVITES.bulk}" class="mt-2" hidden></div>
    </div>
  </div>`;

/** Field names are the list API's query parameters. */
const filters = () =>
  html`<form id="${LIST.filters}" class="row g-2 align-items-end mb-3" role="search">
    <div class="col-12 col-md-2">
      <label class="form-label" for="f-search">Search email or notes</label>
      <input class="form-control" id="f-search" name="search" type="search" maxlength="254" />
    </div>
    ${filterSelect('col-4 col-md-2', 'f-role', 'role', 'Role', ['TESTER', 'ADMIN'])}
    ${filterSelect('col-4 col-md-2', 'f-active', 'active', 'Status', [
      ['true', 'Active'],
      ['false', 'Inactive'],
    ])}
    ${filterSelect('col-4 col-md-2', 'f-source', 'source', 'Source', ['admin', 'feedback', 'import', 'waitlist'])}
    ${filterSelect('col-6 col-md-2', INVITES.joinedFilter, 'joined', 'Joined', [
      ['false', 'Not yet joined'],
      ['true', 'Joined'],
    ])}
    <div class="col-6 col-md-2 d-flex gap-2 flex-wrap">
      <button class="btn btn-outline-secondary" type="button" data-clear>Clear</button>
      <a class="btn btn-outline-secondary" id="${USERS.exportCsv}" href="/api/admin/users.csv" download>Export CSV</a>
    </div>
  </form>`;

const editDialog = () =>
  html`<dialog id="${USERS.editDialog}" class="console-dialog" aria-labelledby="edit-title">
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

const waitlistPanel = () =>
  html`<div class="d-flex flex-wrap align-items-end gap-3 mb-3">
      <div>
        <label class="form-label" for="${WAITLIST.status}">Show</label>
        <select class="form-select" id="${WAITLIST.status}">
          <option value="confirmed">Confirmed</option>
          <option value="pending">Pending (email not confirmed)</option>
          <option value="approved">Approved</option>
        </select>
      </div>
      <button class="btn btn-primary" type="button" id="${WAITLIST.approveSelected}" disabled>Approve selected</button>
      <form class="d-flex align-items-end gap-2" id="approve-next-form" novalidate>
        <div>
          <label class="form-label" for="${WAITLIST.nextCount}">Approve the next</label>
          <input class="form-control" id="${WAITLIST.nextCount}" type="number" min="1" max="500" value="10" required />
        </div>
        <button class="btn btn-outline-secondary" type="submit" id="${WAITLIST.approveNext}">Approve</button>
      </form>
    </div>
    <p class="small text-secondary">Approving creates the tester and sends the invitation (confirmed entries first, oldest first).</p>
    <div id="${WAITLIST.result}" class="small mb-2" aria-live="polite"></div>
    ${listTable({
      id: WAITLIST.table,
      label: 'Waitlist (scrolls sideways)',
      tableClass: 'table table-hover align-middle',
      caption: 'Waitlist',
      columns: [{ label: 'Select', hidden: true }, 'Email', 'Status', 'Signed up', 'Confirmed', 'Approved', ACTIONS],
    })}`;

const tab = (id: string, panel: string, label: string, selected: boolean) =>
  html`<li class="nav-item" role="presentation">
    <button
      class="nav-link${selected ? ' active' : ''}"
      id="${id}"
      type="button"
      role="tab"
      aria-controls="${panel}"
      aria-selected="${selected ? 'true' : 'false'}"
      ${selected ? '' : html`tabindex="-1"`}
    >
      ${label}
    </button>
  </li>`;

export function usersBody(isOwner: boolean): SafeHtml {
  return html`<ul class="nav nav-tabs mb-3" role="tablist">
      ${tab(INVITES.tabTesters, INVITES.panelTesters, 'Testers', true)}
      ${tab(INVITES.tabWaitlist, INVITES.panelWaitlist, 'Waitlist', false)}
    </ul>
    <section id="${INVITES.panelWaitlist}" role="tabpanel" aria-labelledby="${INVITES.tabWaitlist}" hidden>${waitlistPanel()}</section>
    <section id="${INVITES.panelTesters}" role="tabpanel" aria-labelledby="${INVITES.tabTesters}">
      <div class="row g-3 mb-4">
        <div class="col-12 col-lg-5">${addCard()}</div>
        <div class="col-12 col-lg-7">${importCard()}</div>
      </div>
      ${filters()}
      <output id="${USERS.matchCount}" class="d-block small mb-2" aria-live="polite"></output>
      ${listTable({
        id: USERS.table,
        label: 'Beta testers (scrolls sideways)',
        tableClass: 'table table-hover align-middle',
        caption: 'Beta testers',
        columns: ['Email', 'Status', 'Invited', 'Joined', 'Last seen', 'Role', 'Active', 'Source', 'Notes', 'Overrides', ACTIONS],
        attributes: html`data-owner="${isOwner ? 'true' : 'false'}"`,
      })}
      ${loadMore}
    </section>
    ${editDialog()}`;
}
