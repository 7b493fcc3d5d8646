// Beta testers: search and filters, add (with the invite link to copy), paste-a-list import with a
// preview, activate or deactivate, notes and flag overrides, roles (owners), CSV export.
import { $, bindFilters, api, copyText, el, fill, fmtDate, isOwner, pagedTable, queryOf, showError, toast } from './common.js';

const table = $('#users-table tbody');
const more = $('#more');
const filters = $('#filters');
let flagNames = [];

function overridesCell(user) {
  const entries = Object.entries(user.flag_set ?? {});
  if (entries.length === 0) return el('span', { class: 'text-secondary small' }, 'none');
  return entries.map(([name, on]) =>
    el('span', { class: `badge me-1 ${on ? 'text-bg-primary' : 'text-bg-secondary'}` }, `${name}: ${on ? 'on' : 'off'}`),
  );
}

async function patch(user, body, row) {
  try {
    const updated = await api(`/api/admin/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body });
    row.replaceWith(userRow(updated));
    toast(`Saved ${updated.email}.`);
  } catch (err) {
    showError(err);
    row.replaceWith(userRow(user));
  }
}

function userRow(user) {
  const row = el('tr', { dataset: { id: user.id, email: user.email } });
  const roleCell = isOwner
    ? el(
        'select',
        {
          class: 'form-select form-select-sm role-select',
          'aria-label': `Role of ${user.email}`,
          onchange: (e) => void patch(user, { role: e.target.value }, row),
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
      onchange: (e) => void patch(user, { is_active: e.target.checked }, row),
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
        href: `/admin/beta/feedback?user=${encodeURIComponent(user.id)}`,
        'aria-label': `Feedback from ${user.email}`,
      },
      'Feedback',
    ),
    el('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => void edit(user, row) }, 'Edit'),
    el('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => void reinvite(user, row) }, 'New invite'),
    el('button', { type: 'button', class: 'btn btn-outline-danger', onclick: () => void remove(user, row) }, 'Remove'),
  );
  row.append(
    el('td', { class: 'email-cell' }, user.email),
    el('td', {}, roleCell),
    el('td', {}, active),
    el('td', {}, user.source),
    el('td', { class: 'text-nowrap small' }, fmtDate(user.joined_at)),
    el('td', { class: 'comment small' }, user.notes ?? ''),
    el('td', {}, overridesCell(user)),
    el('td', { class: 'text-end' }, actions),
  );
  return row;
}

const load = pagedTable({
  table,
  more,
  url: '/api/admin/users',
  query: () => queryOf(filters),
  row: userRow,
  columns: 8,
  empty: 'No testers match.',
});

function showInvite(user, heading = 'Invite link for') {
  $('#invite-result').hidden = false;
  $('#invite-result label').firstChild.textContent = `${heading} `;
  $('#invite-email').textContent = user.email;
  $('#invite-link').value = user.invite_url;
  $('#invite-link').focus();
}

$('#add-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = $('#add-email').value.trim();
  const notes = $('#add-notes').value.trim();
  if (!$('#add-email').checkValidity() || email === '') {
    toast('Enter a valid email address.', 'error');
    return;
  }
  try {
    const user = await api('/api/admin/users', { method: 'POST', body: notes ? { email, notes } : { email } });
    table.querySelector('td[colspan]')?.parentElement.remove();
    table.prepend(userRow(user));
    showInvite(user);
    e.target.reset();
    toast(`Added ${user.email}.`);
  } catch (err) {
    showError(err);
  }
});
$('#copy-invite').addEventListener('click', () => void copyText($('#invite-link').value, $('#invite-link')));

async function reinvite(user, row) {
  if (!confirm(`Create a new invite link for ${user.email}? The current link stops working.`)) return;
  try {
    const updated = await api(`/api/admin/users/${encodeURIComponent(user.id)}/invite`, { method: 'POST' });
    row.replaceWith(userRow(updated));
    showInvite(updated, 'New invite link for');
  } catch (err) {
    showError(err);
  }
}

async function remove(user, row) {
  if (!confirm(`Remove ${user.email} from the beta? Their feedback stays.`)) return;
  try {
    await api(`/api/admin/users/${encodeURIComponent(user.id)}`, { method: 'DELETE' });
    row.remove();
    toast(`Removed ${user.email}.`);
  } catch (err) {
    showError(err);
  }
}

const dialog = $('#edit-dialog');
async function edit(user, row) {
  if (flagNames.length === 0) {
    try {
      flagNames = (await api('/api/admin/flags')).items.map((f) => f.name);
    } catch (err) {
      showError(err);
    }
  }
  $('#edit-email').textContent = user.email;
  $('#edit-notes').value = user.notes ?? '';
  const names = [...new Set([...flagNames, ...Object.keys(user.flag_set ?? {})])].sort();
  fill(
    $('#edit-overrides'),
    names.length === 0
      ? el('p', { class: 'small text-secondary mb-0' }, 'No flags yet.')
      : names.map((name) => {
          const id = `ov-${name}`;
          const current = user.flag_set?.[name];
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
              ),
            ),
          );
        }),
  );
  dialog.onclose = () => {
    if (dialog.returnValue !== 'save') return;
    const flagSet = {};
    dialog.querySelectorAll('select[data-flag]').forEach((s) => {
      if (s.value !== '') flagSet[s.dataset.flag] = s.value === 'true';
    });
    const notes = $('#edit-notes').value.trim();
    void patch(user, { notes: notes === '' ? null : notes, flag_set: flagSet }, row);
  };
  dialog.returnValue = '';
  dialog.showModal();
}

// Import: the preview reads the text as the server will (one address per line, notes after a
// comma); the server decides what is new, duplicate or invalid.
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
function previewLines(text) {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, raw: line.trim() }))
    .filter((l) => l.raw !== '' && !/^"?email"?\s*(,|$)/i.test(l.raw))
    .map((l) => {
      const comma = l.raw.indexOf(',');
      const email = (comma === -1 ? l.raw : l.raw.slice(0, comma)).trim().replace(/^"|"$/g, '');
      const notes = comma === -1 ? '' : l.raw.slice(comma + 1).trim();
      return { ...l, email, notes, valid: EMAIL.test(email) };
    });
}

const importText = $('#import-text');
const importRun = $('#import-run');
const importOutput = $('#import-output');
importText.addEventListener('input', () => {
  importRun.disabled = true;
});
$('#import-preview').addEventListener('click', () => {
  const lines = previewLines(importText.value);
  const valid = lines.filter((l) => l.valid).length;
  importRun.disabled = valid === 0;
  importRun.textContent = valid === 0 ? 'Import' : `Import ${valid}`;
  fill(
    importOutput,
    el(
      'p',
      { class: 'mb-1' },
      `${lines.length} line${lines.length === 1 ? '' : 's'}: ${valid} address${valid === 1 ? '' : 'es'} to import, ${lines.length - valid} that look invalid.`,
    ),
    lines.length === 0
      ? null
      : el(
          'div',
          { class: 'table-responsive', tabindex: '0', role: 'region', 'aria-label': 'Import preview' },
          el(
            'table',
            { class: 'table table-sm mb-0', id: 'import-preview-table' },
            el('caption', { class: 'visually-hidden' }, 'Import preview'),
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', { scope: 'col' }, 'Line'),
                el('th', { scope: 'col' }, 'Email'),
                el('th', { scope: 'col' }, 'Notes'),
                el('th', { scope: 'col' }, 'Check'),
              ),
            ),
            el(
              'tbody',
              {},
              lines
                .slice(0, 200)
                .map((l) =>
                  el(
                    'tr',
                    {},
                    el('td', {}, String(l.line)),
                    el('td', { class: 'text-break' }, l.email),
                    el('td', { class: 'text-break' }, l.notes),
                    el('td', {}, l.valid ? 'ok' : el('span', { class: 'text-danger' }, 'invalid')),
                  ),
                ),
            ),
          ),
        ),
  );
});
importRun.addEventListener('click', async () => {
  importRun.disabled = true;
  try {
    const result = await api('/api/admin/users/import', { method: 'POST', body: { text: importText.value } });
    fill(
      importOutput,
      el(
        'p',
        { class: 'mb-1 fw-semibold', id: 'import-summary' },
        `Imported ${result.created.length}; ${result.duplicates.length} already in the beta; ${result.invalid.length} invalid.`,
      ),
      result.duplicates.length ? el('p', { class: 'mb-1 text-break' }, `Already there: ${result.duplicates.join(', ')}`) : null,
      result.invalid.length
        ? el(
            'ul',
            { class: 'mb-0' },
            result.invalid.map((i) => el('li', {}, `line ${i.line}: ${i.value} (${i.reason})`)),
          )
        : null,
    );
    importText.value = '';
    importRun.textContent = 'Import';
    await load();
  } catch (err) {
    importRun.disabled = false;
    showError(err);
  }
});

bindFilters(filters, load);
void load();
