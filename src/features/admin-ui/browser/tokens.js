// API tokens (owners): create (the value is shown once), list, revoke; and ending every session.
import { $, api, copyText, el, fill, fmtAgo, fmtDate, showError, toast } from './common.js';

const table = $('#tokens-table tbody');

function row(t) {
  const revoke = el(
    'button',
    {
      type: 'button',
      class: 'btn btn-sm btn-outline-danger',
      disabled: Boolean(t.revoked_at),
      onclick: async () => {
        if (!confirm(`Revoke “${t.name}”? Programs using it stop working within 5 seconds.`)) return;
        try {
          await api(`/api/admin/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
          toast(`Revoked ${t.name}.`);
          await load();
        } catch (err) {
          showError(err);
        }
      },
    },
    'Revoke',
  );
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
    el('td', { class: 'text-end' }, revoke),
  );
}

async function load() {
  try {
    const { items } = await api('/api/admin/tokens');
    fill(table, items.length === 0 ? el('tr', {}, el('td', { colspan: '7', class: 'text-secondary' }, 'No tokens yet.')) : items.map(row));
  } catch (err) {
    showError(err);
  }
}

$('#token-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('#token-name').value.trim();
  if (!name) {
    toast('Give the token a name.', 'error');
    return;
  }
  try {
    const created = await api('/api/admin/tokens', { method: 'POST', body: { name, scope: $('#token-scope').value } });
    $('#token-created').hidden = false;
    $('#token-value').value = created.token;
    $('#token-value').focus();
    e.target.reset();
    await load();
  } catch (err) {
    showError(err);
  }
});
$('#copy-token').addEventListener('click', () => void copyText($('#token-value').value, $('#token-value')));

$('#revoke-all').addEventListener('click', async () => {
  if (!confirm('Sign everyone out of the console, you included?')) return;
  try {
    await api('/api/admin/sessions/revoke-all', { method: 'POST' });
    location.assign('/signed-out');
  } catch (err) {
    showError(err);
  }
});

void load();
