// The audit log: each entry as a sentence with names (ids in their tooltips), searched as you type
// and filtered by action, with what it changed shown old → new and the raw before/after behind
// "details".
import type { AuditEntry, AuditPage } from './api-types.js';
import { auditSentence, type SentencePart } from './audit-sentences.js';
import { changeList } from './changes.js';
import { bindLiveFilters, pagedTable, queryOf } from './common.js';
import { byId, el, get } from './dom.js';
import { fmtDate, fmtInt } from './format.js';
import { AUDIT, LIST } from './ids.js';

const filters = byId(LIST.filters, HTMLFormElement);
const table = get(`#${AUDIT.table} tbody`, HTMLTableSectionElement);
const more = byId(LIST.more, HTMLButtonElement);
const matchCount = byId(AUDIT.matchCount, HTMLOutputElement);

const json = (value: unknown): string => (value === null || value === undefined ? '' : JSON.stringify(value, null, 2));

const part = (p: SentencePart): Node | string =>
  typeof p === 'string' ? p : el('span', { class: 'audit-name', title: p.id === p.name ? undefined : p.id }, p.name);

function sentence(a: AuditEntry): HTMLElement {
  const ids = [`action: ${a.action}`, `actor: ${a.actor}`, `${a.entity_type}${a.entity_id ? `: ${a.entity_id}` : ''}`].join(' · ');
  return el(
    'div',
    { class: 'audit-sentence' },
    el('div', {}, auditSentence(a).map(part)),
    a.comment ? el('blockquote', { class: 'audit-comment small mb-1' }, `“${a.comment}”`) : null,
    el('div', { class: 'small text-secondary text-break', title: a.request_id ? `request ${a.request_id}` : undefined }, ids),
  );
}

function change(a: AuditEntry): HTMLElement {
  if (a.before === null && a.after === null) return el('span', { class: 'text-secondary small' }, '—');
  const raw = (label: string, value: unknown) =>
    el(
      'div',
      { class: 'col-12 col-xl-6' },
      el('div', { class: 'small fw-semibold' }, label),
      el('pre', { class: 'plan mb-0', tabindex: '0' }, json(value) || '—'),
    );
  return el(
    'div',
    {},
    changeList(a.before, a.after) ?? el('span', { class: 'text-secondary small' }, 'No field changed.'),
    el(
      'details',
      { class: 'mt-1' },
      el('summary', { class: 'small' }, 'details'),
      el('div', { class: 'row g-2 mt-1' }, raw('Before', a.before), raw('After', a.after)),
    ),
  );
}

const row = (a: AuditEntry): HTMLTableRowElement =>
  el(
    'tr',
    { dataset: { action: a.action } },
    el('td', { class: 'text-nowrap small' }, fmtDate(a.at)),
    el('td', {}, sentence(a)),
    el('td', {}, change(a)),
  );

function showCount(page: AuditPage, append: boolean): void {
  if (append) return;
  const m = page.matches;
  matchCount.replaceChildren(
    m === null
      ? ''
      : m.capped
        ? `More than ${fmtInt(m.count)} entries match`
        : `${fmtInt(m.count)} ${m.count === 1 ? 'entry matches' : 'entries match'}`,
  );
}

const load = pagedTable<AuditEntry, AuditPage>({
  table,
  more,
  url: '/api/admin/audit',
  query: () => queryOf(filters),
  row,
  columns: 3,
  empty: 'Nothing recorded matches.',
  onPage: showCount,
});

bindLiveFilters(filters, load);
void load();
