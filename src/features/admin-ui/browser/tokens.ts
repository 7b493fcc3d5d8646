// API tokens (owners): create (the value is shown once), list, revoke; and ending every session.
import { api, send } from './api.js';
import type { ApiToken, CreatedToken } from './api-types.js';
import { copyText, showError, toast } from './common.js';
import { byId, el, fill, get } from './dom.js';
import { fmtAgo, fmtDate } from './format.js';
import { TOKENS } from './ids.js';

const table = get(`#${TOKENS.table} tbody`, HTMLTableSectionElement);
const form = byId(TOKENS.form, HTMLFormElement);
const value = byId(TOKENS.value, HTMLInputElement);

async function revoke(t: ApiToken): Promise<void> {
  if (!confirm(`Revoke “${t.name}”? Programs using it stop working within 5 seconds.`)) return;
  try {
    await send(`/api/admin/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
    toast(`Revoked ${t.name}.`);
    await load();
  } catch (err) {
    showError(err);
  }
}

function row(t: ApiToken): HTMLTableRowElement {
  return el(
    'tr',
    {},
    el('td', { class: 'text-break' }, t.name),
    el('td', {}, el('code', {}, `${t.token_prefix}…`)),
    el('td', {}, t.scope),
    el('td', { class: 'small' }, fmtDate(t.created_at), el('div', { class: 'text-secondary' }, t.created_by)),
    el('td', { class: 'small' }, fmtAgo(t.last_used_at)),
    el(
      'td',
      {},
      t.revoked_at
        ? el('span', { class: 'badge text-bg-secondary' }, 'revoked')
        : el('span', { class: 'badge badge-status-pass' }, 'active'),
    ),
    el(
      'td',
      { class: 'text-end' },
      el(
        'button',
        { type: 'button', class: 'btn btn-sm btn-outline-danger', disabled: Boolean(t.revoked_at), onclick: () => revoke(t) },
        'Revoke',
      ),
    ),
  );
}

async function load(): Promise<void> {
  try {
    const { items } = await api<{ items: ApiToken[] }>('/api/admin/tokens');
    fill(table, items.length === 0 ? el('tr', {}, el('td', { colspan: '7', class: 'text-secondary' }, 'No tokens yet.')) : items.map(row));
  } catch (err) {
    showError(err);
  }
}

async function create(): Promise<void> {
  const name = byId(TOKENS.name, HTMLInputElement).value.trim();
  if (!name) {
    toast('Give the token a name.', 'error');
    return;
  }
  try {
    const scope = byId(TOKENS.scope, HTMLSelectElement).value;
    const created = await api<CreatedToken>('/api/admin/tokens', { method: 'POST', body: { name, scope } });
    byId(TOKENS.created, HTMLElement).hidden = false;
    value.value = created.token;
    value.focus();
    form.reset();
    await load();
  } catch (err) {
    showError(err);
  }
}

async function revokeAll(): Promise<void> {
  if (!confirm('Sign everyone out of the console, you included?')) return;
  try {
    await send('/api/admin/sessions/revoke-all', { method: 'POST' });
    location.assign('/signed-out');
  } catch (err) {
    showError(err);
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void create();
});
byId(TOKENS.copy, HTMLButtonElement).addEventListener('click', () => void copyText(value.value, value));
byId(TOKENS.revokeAll, HTMLButtonElement).addEventListener('click', () => void revokeAll());

void load();
