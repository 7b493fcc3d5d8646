// Beta testers: search and filters (also "not yet joined"), newest first, with when each was invited,
// joined and last seen; add (with the invite link to copy), copy or send an invite, paste-a-list
// import with a preview, activate or deactivate, notes and flag overrides, roles (owners), CSV
// export; and the waitlist tab.
import { api, send } from './api.js';
import type { FlagWithAdoption, Tester, TesterPage } from './api-types.js';
import { bindLiveFilters, copyText, failure, isOwner, messageOf, pagedTable, queryOf, toast, worthRetrying } from './common.js';
import { byId, el, fill, get } from './dom.js';
import { fmtAgo, fmtDate, fmtInt } from './format.js';
import { CONSOLE_BASE, LIST, USERS } from './ids.js';
import { wireImport } from './users-import.js';
import { commentHeaders, reviewChange, toastUndo } from './review.js';
import { inviteButtons, loadMailState, statusBadge } from './users-invites.js';
import { wireWaitlist } from './users-waitlist.js';

const table = get(`#${USERS.table} tbody`, HTMLTableSectionElement);
const filters = byId(LIST.filters, HTMLFormElement);
const inviteLink = byId(USERS.inviteLink, HTMLInputElement);
let flagNames: string[] = [];
/** Each typed flag's variant names, offered as pins beside on and off. */
let flagVariants = new Map<string, string[]>();

function overridesCell(user: Tester) {
  const entries = Object.entries(user.flag_set);
  if (entries.length === 0) return el('span', { class: 'text-secondary small' }, 'none');
  return entries.map(([name, on]) =>
    el(
      'span',
      { class: `badge me-1 ${on === false ? 'text-bg-secondary' : 'text-bg-primary'}` },
      `${name}: ${typeof on === 'string' ? `variant ${on}` : on ? 'on' : 'off'}`,
    ),
  );
}

type TesterPatch = Partial<Pick<Tester, 'role' | 'is_active' | 'notes' | 'flag_set'>>;

/** The line under a tester's row saying why the last change to them failed, if any. */
const problemRowOf = (user: Tester) => table.querySelector(`tr[data-problem-for="${CSS.escape(user.id)}"]`);

/** Says under `row` why a change to `user` failed, replacing what was said before; `retry` sends it again. */
function showRowFailure(user: Tester, row: HTMLTableRowElement, text: string, retry?: () => Promise<unknown>): void {
  problemRowOf(user)?.remove();
  row.after(el('tr', { class: 'row-problem', dataset: { problemFor: user.id } }, el('td', { colspan: '11' }, failure(text, retry))));
}

/**
 * Saves `body`; answers the saved tester, or undefined when the save failed (the row is restored and says
 * why under itself, with Retry when sending again may work). `saved` runs after a save, a retried one too.
 */
async function patch(
  user: Tester,
  body: TesterPatch,
  row: HTMLTableRowElement,
  comment?: string,
  quiet = false,
  saved?: (updated: Tester) => void,
): Promise<Tester | undefined> {
  try {
    const updated = await api<Tester>(`/api/admin/users/${encodeURIComponent(user.id)}`, {
      method: 'PATCH',
      body,
      headers: commentHeaders(comment),
    });
    problemRowOf(user)?.remove();
    const next = userRow(updated);
    row.replaceWith(next);
    if (!quiet) toast(`Saved ${updated.email}.`);
    saved?.(updated);
    return updated;
  } catch (err) {
    const restored = userRow(user);
    row.replaceWith(restored);
    showRowFailure(
      user,
      restored,
      `Not saved: ${messageOf(err)}`,
      worthRetrying(err) ? () => patch(user, body, restored, comment, quiet, saved) : undefined,
    );
    return undefined;
  }
}

const ROLE_MEANING: Record<string, string> = {
  ADMIN: 'An admin opens the console and changes flags, testers and feedback.',
  TESTER: 'A tester loses the console: only the tester portal stays.',
};

/** A role change is reviewed first, with an optional comment for the audit log. */
async function changeRole(user: Tester, select: HTMLSelectElement, row: HTMLTableRowElement): Promise<void> {
  const role = select.value;
  const comment = await reviewChange({
    title: `Change the role of ${user.email}`,
    summary: ROLE_MEANING[role] ?? '',
    rows: [{ field: 'Role', before: user.role, after: role }],
    confirm: 'Change role',
  });
  if (comment === null) {
    select.value = user.role;
    return;
  }
  await patch(user, { role }, row, comment);
}

/** Deactivating is reviewed first and can be undone for 10 s; activating needs no review. */
async function setActive(user: Tester, input: HTMLInputElement, row: HTMLTableRowElement): Promise<void> {
  if (input.checked) {
    await patch(user, { is_active: true }, row);
    return;
  }
  const comment = await reviewChange({
    title: `Deactivate ${user.email}`,
    summary: 'They can no longer sign in or receive early-access features; their feedback stays.',
    rows: [{ field: 'Tester', before: 'active', after: 'inactive' }],
    confirm: 'Deactivate',
  });
  if (comment === null) {
    input.checked = true;
    return;
  }
  await patch(user, { is_active: false }, row, comment, true, (updated) =>
    toastUndo(`Deactivated ${updated.email}.`, async () => {
      const current = table.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(updated.id)}"]`);
      if (current) await patch(updated, { is_active: true }, current, 'Undone from the console');
    }),
  );
}

function userRow(user: Tester): HTMLTableRowElement {
  const row = el('tr', { dataset: { id: user.id, email: user.email } });
  const roleCell = isOwner
    ? el(
        'select',
        {
          class: 'form-select form-select-sm role-select',
          'aria-label': `Role of ${user.email}`,
          onchange: (e) => changeRole(user, e.currentTarget, row),
        },
        ['TESTER', 'ADMIN'].map((r) => el('option', { value: r, selected: user.role === r }, r)),
      )
    : el('span', {}, user.role);
  const activeId = `active-${user.id}`;
  const active = el(
    'div',
    { class: 'form-check form-switch mb-0' },
    el('input', {
      class: 'form-check-input',
      type: 'checkbox',
      role: 'switch',
      id: activeId,
      checked: user.is_active,
      onchange: (e) => setActive(user, e.currentTarget, row),
    }),
    el('label', { class: 'form-check-label visually-hidden', for: activeId }, `${user.email} active`),
  );
  const actions = el(
    'div',
    { class: 'btn-group btn-group-sm' },
    el(
      'a',
      {
        class: 'btn btn-outline-secondary',
        href: `${CONSOLE_BASE}/feedback?user=${encodeURIComponent(user.id)}`,
        'aria-label': `Feedback from ${user.email}`,
      },
      'Feedback',
    ),
    el('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => edit(user, row) }, 'Edit'),
    inviteButtons(user, (u) => showInvite(u), {
      failed: (text, retry) => showRowFailure(user, row, text, retry),
      cleared: () => problemRowOf(user)?.remove(),
    }),
    el('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => reinvite(user, row) }, 'New invite'),
    el('button', { type: 'button', class: 'btn btn-outline-danger', onclick: () => remove(user, row) }, 'Remove'),
  );
  row.append(
    el('td', { class: 'email-cell' }, user.email),
    el('td', {}, statusBadge(user)),
    el('td', { class: 'text-nowrap small' }, fmtDate(user.invited_at ?? user.created_at)),
    el('td', { class: 'text-nowrap small' }, fmtDate(user.joined_at)),
    el('td', { class: 'text-nowrap small' }, fmtAgo(user.last_seen_at)),
    el('td', {}, roleCell),
    el('td', {}, active),
    el('td', {}, user.source),
    el('td', { class: 'comment small' }, user.notes ?? ''),
    el('td', {}, overridesCell(user)),
    el('td', { class: 'text-end' }, actions),
  );
  return row;
}

const load = pagedTable<Tester, TesterPage>({
  table,
  more: byId(LIST.more, HTMLButtonElement),
  url: '/api/admin/users',
  query: () => {
    const params = queryOf(filters);
    params.set('order', 'newest');
    return params;
  },
  row: userRow,
  columns: 11,
  empty: 'No testers match.',
  onPage: (page, append) => {
    if (append || !page.matches) return;
    const { count, capped } = page.matches;
    const filtered = queryOf(filters).size > 0;
    const n = capped ? `More than ${fmtInt(count)}` : fmtInt(count);
    byId(USERS.matchCount, HTMLOutputElement).textContent = filtered
      ? `${n} ${count === 1 && !capped ? 'tester matches' : 'testers match'}`
      : `All testers: ${n}`;
  },
});

function showInvite(user: Tester, heading = 'Invite link for'): HTMLInputElement {
  const result = byId(USERS.inviteResult, HTMLElement);
  result.hidden = false;
  const label = get('label', HTMLLabelElement, result).firstChild;
  if (label) label.textContent = `${heading} `;
  byId(USERS.inviteEmail, HTMLElement).textContent = user.email;
  inviteLink.value = user.invite_url;
  inviteLink.focus();
  return inviteLink;
}

const addForm = byId(USERS.addForm, HTMLFormElement);
/** Why adding a tester failed, under the form. */
const addProblem = el('div', { class: 'col-12 save-problem', id: `${USERS.addForm}-problem` });
addForm.append(addProblem);

async function add(form: HTMLFormElement): Promise<void> {
  const emailField = byId(USERS.addEmail, HTMLInputElement);
  const email = emailField.value.trim();
  const notes = byId(USERS.addNotes, HTMLInputElement).value.trim();
  addProblem.replaceChildren();
  if (!emailField.checkValidity() || email === '') {
    fill(addProblem, failure('Enter a valid email address.'));
    emailField.focus();
    return;
  }
  await addTester(form, notes ? { email, notes } : { email });
}

/** Adds the tester `body` names; a failure is said under the form, with Retry when sending again may work. */
async function addTester(form: HTMLFormElement, body: { email: string; notes?: string }): Promise<void> {
  try {
    const user = await api<Tester>('/api/admin/users', { method: 'POST', body });
    addProblem.replaceChildren();
    table.querySelector('td[colspan]')?.parentElement?.remove();
    table.prepend(userRow(user));
    showInvite(user);
    form.reset();
    toast(`Added ${user.email}.`);
  } catch (err) {
    fill(addProblem, failure(`Not added: ${messageOf(err)}`, worthRetrying(err) ? () => addTester(form, body) : undefined));
  }
}

async function reinvite(user: Tester, row: HTMLTableRowElement): Promise<void> {
  if (!confirm(`Create a new invite link for ${user.email}? The current link stops working.`)) return;
  await sendReinvite(user, row);
}

async function sendReinvite(user: Tester, row: HTMLTableRowElement): Promise<void> {
  try {
    const updated = await api<Tester>(`/api/admin/users/${encodeURIComponent(user.id)}/invite`, { method: 'POST' });
    problemRowOf(user)?.remove();
    row.replaceWith(userRow(updated));
    showInvite(updated, 'New invite link for');
  } catch (err) {
    const retry = worthRetrying(err) ? () => sendReinvite(user, row) : undefined;
    showRowFailure(user, row, `No new invite link: ${messageOf(err)}`, retry);
  }
}

async function remove(user: Tester, row: HTMLTableRowElement): Promise<void> {
  if (!confirm(`Remove ${user.email} from the beta? Their feedback stays.`)) return;
  await sendRemove(user, row);
}

async function sendRemove(user: Tester, row: HTMLTableRowElement): Promise<void> {
  try {
    await send(`/api/admin/users/${encodeURIComponent(user.id)}`, { method: 'DELETE' });
    problemRowOf(user)?.remove();
    row.remove();
    toast(`Removed ${user.email}.`);
  } catch (err) {
    showRowFailure(user, row, `Not removed: ${messageOf(err)}`, worthRetrying(err) ? () => sendRemove(user, row) : undefined);
  }
}

/** One flag's override: Default (the flag's own rules), On or Off. */
function overrideField(name: string, current: boolean | string | undefined) {
  const id = `ov-${name}`;
  return el(
    'div',
    { class: 'row g-2 align-items-center' },
    el('label', { class: 'col-7 col-form-label col-form-label-sm text-break', for: id }, name),
    el(
      'div',
      { class: 'col-5' },
      el(
        'select',
        { class: 'form-select form-select-sm', id, dataset: { flag: name } },
        el('option', { value: '', selected: current === undefined }, 'Default'),
        el('option', { value: 'true', selected: current === true }, 'On'),
        el('option', { value: 'false', selected: current === false }, 'Off'),
        [...new Set([...(flagVariants.get(name) ?? []), ...(typeof current === 'string' ? [current] : [])])].map((variant) =>
          el('option', { value: `variant:${variant}`, selected: current === variant }, `Variant ${variant}`),
        ),
      ),
    ),
  );
}

const dialog = byId(USERS.editDialog, HTMLDialogElement);

/** Loads the flags offered for overrides once; resolves to the error when the list did not load. */
async function loadFlagNames(): Promise<unknown> {
  if (flagNames.length > 0) return undefined;
  try {
    const items = (await api<{ items: FlagWithAdoption[] }>('/api/admin/flags')).items;
    flagNames = items.map((f) => f.name);
    flagVariants = new Map(items.filter((f) => f.value_type !== 'boolean').map((f) => [f.name, f.variants.map((v) => v.name)]));
    return undefined;
  } catch (err) {
    return err;
  }
}

/** The override fields: every flag, or (when the flag list did not load) the tester's own overrides, said in place with Retry. */
function drawOverrides(user: Tester, loadError: unknown): void {
  const names = [...new Set([...flagNames, ...Object.keys(user.flag_set)])].sort();
  const retry = async () => drawOverrides(user, await loadFlagNames());
  fill(
    byId(USERS.editOverrides, HTMLElement),
    loadError === undefined
      ? null
      : failure(`The flag list did not load (${messageOf(loadError)}): only this tester's own overrides are shown.`, retry),
    names.length === 0
      ? el('p', { class: 'small text-secondary mb-0' }, 'No flags yet.')
      : names.map((name) => overrideField(name, user.flag_set[name])),
  );
}

async function edit(user: Tester, row: HTMLTableRowElement): Promise<void> {
  const loadError = await loadFlagNames();
  byId(USERS.editEmail, HTMLElement).textContent = user.email;
  const notesField = byId(USERS.editNotes, HTMLTextAreaElement);
  notesField.value = user.notes ?? '';
  drawOverrides(user, loadError);
  dialog.onclose = () => {
    if (dialog.returnValue !== 'save') return;
    const flagSet: Record<string, boolean | string> = {};
    dialog.querySelectorAll('select[data-flag]').forEach((s) => {
      if (!(s instanceof HTMLSelectElement) || !s.dataset.flag || s.value === '') return;
      flagSet[s.dataset.flag] = s.value.startsWith('variant:') ? s.value.slice('variant:'.length) : s.value === 'true';
    });
    const notes = notesField.value.trim();
    void patch(user, { notes: notes === '' ? null : notes, flag_set: flagSet }, row);
  };
  dialog.returnValue = '';
  dialog.showModal();
}

addForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void add(addForm);
});
byId(USERS.copyInvite, HTMLButtonElement).addEventListener('click', () => void copyText(inviteLink.value, inviteLink));
wireImport(load);
bindLiveFilters(filters, load);
wireWaitlist();
// The invite buttons depend on whether mail goes out: know that before the first rows are drawn.
void loadMailState().then(() => load());
