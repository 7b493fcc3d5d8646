// Feedback: analytics (distribution, 30-day trend, per feature, promoters and detractors), the
// filtered list with comments shown as plain text, and CSV export of the same filter.
import { drawChart } from './charts.js';
import { $, bindFilters, api, el, fill, fmtDate, fmtInt, fmtNumber, pagedTable, queryOf, showError, stars, toast } from './common.js';

const filters = $('#filters');
const table = $('#feedback-table tbody');
const more = $('#more');

function setTile(id, value) {
  $(`#tile-${id} [data-value]`).textContent = value;
}

async function analytics() {
  try {
    const a = await api('/api/admin/feedback/analytics');
    setTile('total', fmtInt(a.total));
    setTile('average', a.average_rating === null ? '—' : `${fmtNumber(a.average_rating, 2)} / 5`);
    setTile(
      'split',
      `${fmtInt(a.split.promoters)} · ${fmtInt(a.split.passives)} · ${fmtInt(a.split.detractors)}${a.split.score === null ? '' : ` (score ${fmtNumber(a.split.score, 0)})`}`,
    );
    drawChart($('#chart-distribution'), {
      type: 'bar',
      integer: true,
      labels: ['1', '2', '3', '4', '5'].map((r) => `${r} ★`),
      series: [{ label: 'Ratings', data: ['1', '2', '3', '4', '5'].map((r) => a.distribution[r]) }],
    });
    drawChart($('#chart-trend'), {
      type: 'bar',
      integer: true,
      labels: a.daily.map((d) => d.date.slice(5)),
      series: [
        { label: 'Feedback', data: a.daily.map((d) => d.count) },
        { label: 'Average rating', data: a.daily.map((d) => d.average_rating), type: 'line', axis: 'y2' },
      ],
      y2Title: 'rating',
    });
    fill(
      $('#by-feature tbody'),
      a.by_feature.length === 0
        ? el('tr', {}, el('td', { colspan: '3', class: 'text-secondary' }, 'No feedback names a feature yet.'))
        : a.by_feature.map((f) =>
            el(
              'tr',
              {},
              el('td', {}, el('a', { href: `?feature=${encodeURIComponent(f.feature)}` }, f.feature)),
              el('td', { class: 'text-end' }, fmtInt(f.count)),
              el('td', { class: 'text-end' }, fmtNumber(f.average_rating, 2)),
            ),
          ),
    );
  } catch (err) {
    showError(err);
  }
}

/** The form's filter as the API wants it: dates become a half-open range of whole UTC days. */
function apiFilter() {
  const params = queryOf(filters);
  const from = params.get('from');
  const to = params.get('to');
  if (from) params.set('from', new Date(`${from}T00:00:00Z`).toISOString());
  if (to) params.set('to', new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000).toISOString());
  return params;
}

async function remove(f, tr) {
  if (!confirm('Remove this feedback? It also leaves the statistics. The removal is recorded in the audit log.')) return;
  try {
    await api(`/api/admin/feedback/${encodeURIComponent(f.id)}`, { method: 'DELETE' });
    tr.remove();
    toast('Feedback removed.');
    await analytics();
  } catch (err) {
    showError(err);
  }
}

function row(f) {
  const tr = el('tr', { dataset: { id: f.id } });
  tr.append(
    el('td', { class: 'text-nowrap small' }, fmtDate(f.created_at)),
    el('td', {}, stars(f.rating)),
    el('td', {}, f.feature ?? el('span', { class: 'text-secondary' }, '—')),
    el('td', { class: 'text-break small' }, f.email ?? el('span', { class: 'text-secondary' }, 'anonymous')),
    el('td', { class: 'comment' }, f.comment ?? ''),
    el(
      'td',
      { class: 'text-end' },
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => void remove(f, tr) }, 'Remove'),
    ),
  );
  return tr;
}

const loadList = pagedTable({
  table,
  more,
  url: '/api/admin/feedback',
  query: apiFilter,
  row: row,
  columns: 6,
  empty: 'No feedback matches.',
});

async function load() {
  await loadList();
  const exportParams = apiFilter();
  $('#export-feedback').href = `/api/admin/feedback.csv${exportParams.size ? `?${exportParams}` : ''}`;
}

bindFilters(filters, load);
const userId = $('#f-user').value;
if (userId) {
  $('#user-filter').hidden = false;
  api(`/api/admin/users/${encodeURIComponent(userId)}`)
    .then((u) => ($('#user-filter-email').textContent = u.email))
    .catch(() => ($('#user-filter-email').textContent = 'unknown tester'));
}
void analytics();
void load();
