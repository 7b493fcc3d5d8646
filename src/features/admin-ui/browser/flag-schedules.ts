// The flags page's scheduled changes: the list (pending, applied, failed, cancelled) with the change
// in words and its due time, a form that schedules a change (turn on, turn off, set the rollout
// percentage) or edits a pending one, and cancelling a pending one.
import { api } from './api.js';
import type { FlagWithAdoption, Schedule, ScheduleList } from './api-types.js';
import { failure, messageOf, toast } from './common.js';
import { byId, el, fill } from './dom.js';
import { fmtDate } from './format.js';
import { SCHEDULES } from './ids.js';

const table = byId(SCHEDULES.list, HTMLTableElement);
const rows = table.tBodies[0]!;
const status = byId(SCHEDULES.status, HTMLElement);
const form = byId(SCHEDULES.form, HTMLFormElement);
const flagField = byId(SCHEDULES.flag, HTMLInputElement);
const changeField = byId(SCHEDULES.change, HTMLSelectElement);
const percentageField = byId(SCHEDULES.percentage, HTMLInputElement);
const atField = byId(SCHEDULES.at, HTMLInputElement);
const error = byId(SCHEDULES.error, HTMLElement);
const submit = byId(SCHEDULES.submit, HTMLButtonElement);
const stopEditing = byId(SCHEDULES.cancelEdit, HTMLButtonElement);
const COLUMNS = 5;

/** The pending change being edited, if any. */
let editing: Schedule | null = null;

/** A schedule's change in words, e.g. "turn on, rollout to 50 %". */
export function changeInWords(change: Schedule['change']): string {
  const parts: string[] = [];
  if (change.is_enabled !== undefined) parts.push(change.is_enabled ? 'turn on' : 'turn off (kill switch)');
  if (change.rollout_percentage !== undefined) parts.push(`rollout to ${change.rollout_percentage} %`);
  if (change.target_users !== undefined)
    parts.push(`target ${change.target_users.length} user${change.target_users.length === 1 ? '' : 's'}`);
  return parts.join(', ') || 'no change';
}

function stateCell(s: Schedule): HTMLElement {
  const label = { pending: 'pending', running: 'applying', done: 'applied', failed: 'failed', cancelled: 'cancelled' }[s.status];
  const badge = {
    pending: 'text-bg-primary',
    running: 'text-bg-info',
    done: 'text-bg-success',
    failed: 'text-bg-danger',
    cancelled: 'text-bg-secondary',
  }[s.status];
  return el(
    'td',
    {},
    el('span', { class: `badge ${badge}` }, label),
    s.ran_at ? el('span', { class: 'small text-secondary' }, ` ${fmtDate(s.ran_at)}`) : null,
    s.error ? el('div', { class: 'small text-danger' }, s.error) : null,
  );
}

/** `datetime-local`'s value for an ISO time, in the browser's time zone. */
function localInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function startEditing(s: Schedule): void {
  editing = s;
  flagField.value = s.flag;
  flagField.disabled = true;
  const pct = s.change.rollout_percentage;
  changeField.value = pct !== undefined ? 'percentage' : s.change.is_enabled === false ? 'off' : 'on';
  percentageField.value = pct === undefined ? '' : String(pct);
  atField.value = localInput(s.at);
  syncPercentage();
  submit.textContent = 'Save changes';
  stopEditing.hidden = false;
  error.textContent = '';
  atField.focus();
}

function resetForm(): void {
  editing = null;
  form.reset();
  flagField.disabled = false;
  submit.textContent = 'Schedule';
  stopEditing.hidden = true;
  syncPercentage();
}

function cancel(s: Schedule, cell: HTMLElement): void {
  for (const b of cell.querySelectorAll('button')) b.disabled = true;
  api<Schedule>(`/api/admin/schedules/${s.id}`, { method: 'DELETE' })
    .then(() => {
      toast(`Cancelled the change to ${s.flag}.`);
      if (editing?.id === s.id) resetForm();
      return load();
    })
    .catch((err: unknown) =>
      fill(
        cell,
        failure(`Not cancelled: ${messageOf(err)}`, () => cancel(s, cell)),
      ),
    );
}

function row(s: Schedule): HTMLTableRowElement {
  const actions = el('td', { class: 'text-nowrap' });
  if (s.status === 'pending')
    fill(
      actions,
      el(
        'div',
        { class: 'd-flex gap-2' },
        el(
          'button',
          { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => startEditing(s) },
          'Edit',
          el('span', { class: 'visually-hidden' }, ` the change to ${s.flag}`),
        ),
        el(
          'button',
          { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => cancel(s, actions) },
          'Cancel',
          el('span', { class: 'visually-hidden' }, ` the change to ${s.flag}`),
        ),
      ),
    );
  return el(
    'tr',
    { dataset: { id: s.id, status: s.status } },
    el('td', { class: 'text-break' }, s.flag),
    el('td', {}, changeInWords(s.change)),
    el('td', {}, el('time', { datetime: s.at }, fmtDate(s.at))),
    stateCell(s),
    actions,
  );
}

async function load(): Promise<void> {
  try {
    const list = await api<ScheduleList>('/api/admin/schedules?limit=100');
    const pending = list.items.filter((s) => s.status === 'pending').length;
    status.textContent = `· ${pending} pending`;
    fill(
      rows,
      list.items.length === 0
        ? el('tr', {}, el('td', { colspan: String(COLUMNS), class: 'text-secondary' }, 'No scheduled changes yet.'))
        : list.items.map(row),
    );
  } catch (err) {
    status.textContent = '· not loaded';
    fill(
      rows,
      el(
        'tr',
        {},
        el(
          'td',
          { colspan: String(COLUMNS) },
          failure(`Could not load the scheduled changes: ${messageOf(err)}`, () => void load()),
        ),
      ),
    );
  }
}

function syncPercentage(): void {
  const wanted = changeField.value === 'percentage';
  percentageField.disabled = !wanted;
  percentageField.required = wanted;
}

function changeOf(): Schedule['change'] {
  if (changeField.value === 'percentage') return { rollout_percentage: Number(percentageField.value) };
  return { is_enabled: changeField.value === 'on' };
}

async function save(): Promise<void> {
  const invalid = [flagField, percentageField, atField].find((f) => !f.disabled && !f.checkValidity());
  for (const f of [flagField, percentageField, atField]) f.classList.toggle('is-invalid', f === invalid);
  if (invalid) {
    error.textContent = `${invalid.labels?.[0]?.textContent ?? 'A field'}: ${invalid.validationMessage}`;
    invalid.focus();
    return;
  }
  const at = new Date(atField.value);
  if (Number.isNaN(at.getTime())) {
    error.textContent = 'At: enter a date and time.';
    return;
  }
  error.textContent = '';
  submit.disabled = true;
  try {
    const body = { at: at.toISOString(), change: changeOf() };
    if (editing) {
      await api<Schedule>(`/api/admin/schedules/${editing.id}`, { method: 'PATCH', body });
      toast(`Saved the change to ${editing.flag}.`);
    } else {
      await api<Schedule>('/api/admin/schedules', { method: 'POST', body: { flag: flagField.value.trim(), ...body } });
      toast(`Scheduled a change to ${flagField.value.trim()}.`);
    }
    resetForm();
    await load();
  } catch (err) {
    error.textContent = `Not saved: ${messageOf(err)}`;
  } finally {
    submit.disabled = false;
  }
}

changeField.addEventListener('change', syncPercentage);
stopEditing.addEventListener('click', resetForm);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  void save();
});

/** Flag names to pick from (typing one works too). */
void api<{ items: FlagWithAdoption[] }>('/api/admin/flags')
  .then((answer) =>
    fill(
      byId('schedule-flags', HTMLDataListElement),
      answer.items.map((f) => el('option', { value: f.name })),
    ),
  )
  .catch(() => undefined);

syncPercentage();
void load();
