// Feedback: analytics (distribution, 30-day trend, per feature, promoters and detractors), the
// filtered list with comments shown as plain text, and CSV export of the same filter.
import { api, send } from './api.js';
import type { Feedback, FeedbackAnalytics, Page, Tester } from './api-types.js';
import { drawChart } from './charts.js';
import { bindLiveFilters, messageOf, pagedTable, queryOf, showError, stars, toast } from './common.js';
import { byId, el, fill, get } from './dom.js';
import { fmtDate, fmtInt, fmtNumber } from './format.js';
import { analyticsOf } from './feedback-stats.js';
import { FEEDBACK, LIST, tileId, type TileName } from './ids.js';

const filters = byId(LIST.filters, HTMLFormElement);
const table = get(`#${FEEDBACK.table} tbody`, HTMLTableSectionElement);
const more = byId(LIST.more, HTMLButtonElement);
const RATINGS = ['1', '2', '3', '4', '5'] as const;

function setTile(name: TileName, value: string): void {
  get(`#${tileId(name)} [data-value]`, HTMLElement).textContent = value;
}

const featureRow = (f: FeedbackAnalytics['by_feature'][number]) =>
  el(
    'tr',
    {},
    el('td', {}, el('a', { href: `?feature=${encodeURIComponent(f.feature)}` }, f.feature)),
    el('td', { class: 'text-end' }, fmtInt(f.count)),
    el('td', { class: 'text-end' }, fmtNumber(f.average_rating, 2)),
  );

function showAnalytics(a: FeedbackAnalytics): void {
  setTile('total', fmtInt(a.total));
  setTile('average', a.average_rating === null ? '—' : `${fmtNumber(a.average_rating, 2)} / 5`);
  setTile(
    'split',
    `${fmtInt(a.split.promoters)} · ${fmtInt(a.split.passives)} · ${fmtInt(a.split.detractors)}${a.split.score === null ? '' : ` (score ${fmtNumber(a.split.score, 0)})`}`,
  );
  drawChart(byId(FEEDBACK.chartDistribution, HTMLCanvasElement), {
    type: 'bar',
    integer: true,
    labels: RATINGS.map((r) => `${r} ★`),
    series: [{ label: 'Ratings', data: RATINGS.map((r) => a.distribution[r]) }],
  });
  drawChart(byId(FEEDBACK.chartTrend, HTMLCanvasElement), {
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
    get(`#${FEEDBACK.byFeature} tbody`, HTMLTableSectionElement),
    a.by_feature.length === 0
      ? el('tr', {}, el('td', { colspan: '3', class: 'text-secondary' }, 'No feedback names a feature yet.'))
      : a.by_feature.map(featureRow),
  );
}

/** How many filtered rows the figures are computed from at most (the newest ones). */
const FIGURES_CAP = 5000;

/** Every row the filter matches, newest first, up to the cap; `capped` when there are more. */
async function matching(params: URLSearchParams): Promise<{ rows: Feedback[]; capped: boolean }> {
  const rows: Feedback[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(params);
    q.set('limit', '500');
    if (cursor) q.set('cursor', cursor);
    const page: Page<Feedback> = await api<Page<Feedback>>(`/api/admin/feedback?${q.toString()}`);
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && rows.length < FIGURES_CAP);
  return { rows, capped: cursor !== null };
}

const matchCount = byId(FEEDBACK.matchCount, HTMLElement);

/** The tiles, charts and match count: of all feedback, or of the rows the filter matches. */
async function analytics(): Promise<void> {
  const params = apiFilter();
  matchCount.replaceChildren('Counting…');
  try {
    if (params.size === 0) {
      const a = await api<FeedbackAnalytics>('/api/admin/feedback/analytics');
      showAnalytics(a);
      matchCount.replaceChildren(`All feedback: ${fmtInt(a.total)} ${a.total === 1 ? 'item' : 'items'}`);
      return;
    }
    const { rows, capped } = await matching(params);
    showAnalytics(analyticsOf(rows, new Date()));
    matchCount.replaceChildren(
      capped
        ? `More than ${fmtInt(FIGURES_CAP)} match; the figures cover the newest ${fmtInt(FIGURES_CAP)}`
        : `${fmtInt(rows.length)} ${rows.length === 1 ? 'item matches' : 'items match'}; the figures cover them`,
    );
  } catch (err) {
    matchCount.replaceChildren(
      el('span', { class: 'text-danger' }, `Figures not loaded: ${messageOf(err)} `),
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => void analytics() }, 'Retry'),
    );
  }
}

/** The form's filter as the API wants it: dates become a half-open range of whole UTC days. */
function apiFilter(): URLSearchParams {
  const params = queryOf(filters);
  const from = params.get('from');
  const to = params.get('to');
  if (from) params.set('from', new Date(`${from}T00:00:00Z`).toISOString());
  if (to) params.set('to', new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000).toISOString());
  return params;
}

async function remove(f: Feedback, tr: HTMLTableRowElement): Promise<void> {
  if (!confirm('Remove this feedback? It also leaves the statistics. The removal is recorded in the audit log.')) return;
  try {
    await send(`/api/admin/feedback/${encodeURIComponent(f.id)}`, { method: 'DELETE' });
    tr.remove();
    toast('Feedback removed.');
    await analytics();
  } catch (err) {
    showError(err);
  }
}

/** The flag variants the author was seeing (sent by the feedback widget), under the feature. */
function variantsNote(variants: Feedback['variants']): HTMLElement | string {
  const entries = Object.entries(variants ?? {});
  if (entries.length === 0) return '';
  return el('div', { class: 'small text-secondary text-break' }, entries.map(([flag, variant]) => `${flag}: ${variant}`).join(', '));
}

function row(f: Feedback): HTMLTableRowElement {
  const tr = el('tr', { dataset: { id: f.id } });
  tr.append(
    el('td', { class: 'text-nowrap small' }, fmtDate(f.created_at)),
    el('td', {}, stars(f.rating)),
    el('td', {}, f.feature ?? el('span', { class: 'text-secondary' }, '—'), variantsNote(f.variants)),
    el('td', { class: 'text-break small' }, f.email ?? el('span', { class: 'text-secondary' }, 'anonymous')),
    el('td', { class: 'comment' }, f.comment ?? ''),
    el(
      'td',
      { class: 'text-end' },
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => remove(f, tr) }, 'Remove'),
    ),
  );
  return tr;
}

const loadList = pagedTable({
  table,
  more,
  url: '/api/admin/feedback',
  query: apiFilter,
  row,
  columns: 6,
  empty: 'No feedback matches.',
});

/** The "one tester" banner, while the filter names a tester. */
function showUserBanner(): void {
  const userId = byId(FEEDBACK.userField, HTMLInputElement).value;
  const banner = byId(FEEDBACK.userFilter, HTMLElement);
  banner.hidden = !userId;
  if (!userId) return;
  const email = byId(FEEDBACK.userFilterEmail, HTMLElement);
  api<Tester>(`/api/admin/users/${encodeURIComponent(userId)}`)
    .then((u) => (email.textContent = u.email))
    .catch(() => (email.textContent = 'unknown tester'));
}

async function load(): Promise<void> {
  showUserBanner();
  const exportParams = apiFilter();
  byId(FEEDBACK.exportCsv, HTMLAnchorElement).href = `/api/admin/feedback.csv${exportParams.size ? `?${exportParams.toString()}` : ''}`;
  await Promise.all([loadList(), analytics()]);
}

bindLiveFilters(filters, load);
void load();
