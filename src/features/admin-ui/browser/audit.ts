// The audit log: who changed what and when, filtered, newest first, with each change's before
// and after shown as text.
import type { AuditEntry } from './api-types.js';
import { bindFilters, pagedTable, queryOf } from './common.js';
import { byId, el, get } from './dom.js';
import { fmtDate } from './format.js';
import { AUDIT, LIST } from './ids.js';

const filters = byId(LIST.filters, HTMLFormElement);
const table = get(`#${AUDIT.table} tbody`, HTMLTableSectionElement);
const more = byId(LIST.more, HTMLButtonElement);

const json = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value, null, 2));

function row(a: AuditEntry): HTMLTableRowElement {
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
  row,
  columns: 5,
  empty: 'Nothing recorded matches.',
});

bindFilters(filters, load);
void load();
