// The audit log: who changed what and when, filtered, newest first, with each change's before
// and after shown as text.
import { $, api, el, fmtDate, formFromLocation, queryOf, showError } from './common.js';

const filters = $('#filters');
const table = $('#audit-table tbody');
const more = $('#more');
let cursor = null;

const json = (value) => (value === null || value === undefined ? '' : JSON.stringify(value, null, 2));

function row(a) {
  const change =
    a.before === null && a.after === null
      ? el('span', { class: 'text-secondary small' }, '—')
      : el(
          'details',
          {},
          el('summary', { class: 'small' }, 'before / after'),
          el(
            'div',
            { class: 'row g-2 mt-1' },
            el(
              'div',
              { class: 'col-12 col-xl-6' },
              el('div', { class: 'small fw-semibold' }, 'Before'),
              el('pre', { class: 'plan mb-0' }, json(a.before) || '—'),
            ),
            el(
              'div',
              { class: 'col-12 col-xl-6' },
              el('div', { class: 'small fw-semibold' }, 'After'),
              el('pre', { class: 'plan mb-0' }, json(a.after) || '—'),
            ),
          ),
        );
  return el(
    'tr',
    {},
    el('td', { class: 'text-nowrap small' }, fmtDate(a.at)),
    el('td', { class: 'text-break small' }, a.actor),
    el('td', { class: 'small' }, el('code', {}, a.action)),
    el('td', { class: 'text-break small' }, a.entity_type, a.entity_id ? ` ${a.entity_id}` : ''),
    el('td', {}, change),
  );
}

async function load(append = false) {
  const params = queryOf(filters);
  params.set('limit', '50');
  if (append && cursor) params.set('cursor', cursor);
  try {
    const page = await api(`/api/admin/audit?${params}`);
    if (!append) table.replaceChildren();
    for (const a of page.items) table.append(row(a));
    if (!append && page.items.length === 0)
      table.append(el('tr', {}, el('td', { colspan: '5', class: 'text-secondary' }, 'Nothing recorded matches.')));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  } catch (err) {
    showError(err);
  }
}

filters.addEventListener('submit', (e) => {
  e.preventDefault();
  const params = queryOf(filters);
  history.replaceState(null, '', params.size ? `?${params}` : location.pathname);
  void load();
});
more.addEventListener('click', () => void load(true));
formFromLocation(filters);
void load();
