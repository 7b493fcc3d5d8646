// The audit log: who changed what and when, filtered, newest first, with each change's before
// and after shown as text.
import { $, bindFilters, el, fmtDate, pagedTable, queryOf } from './common.js';

const filters = $('#filters');
const table = $('#audit-table tbody');
const more = $('#more');

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

const load = pagedTable({
  table,
  more,
  url: '/api/admin/audit',
  query: () => queryOf(filters),
  row: row,
  columns: 5,
  empty: 'Nothing recorded matches.',
});

bindFilters(filters, load);
void load();
