// Database insights: query statistics by type and shape, slow queries with their plans, index
// suggestions, schema health and the pool, all from GET /api/admin/db/report. When the report
// cannot be read, the page says so and shows nothing else.
import { api } from './api.js';
import type { DbReport } from './api-types.js';
import { copyText, messageOf, valueTile } from './common.js';
import { byId, el, fill, type Child } from './dom.js';
import { fmtInt, fmtMs, fmtNumber } from './format.js';
import { DATABASE } from './ids.js';

const tiles = byId(DATABASE.tiles, HTMLElement);
const sections = byId(DATABASE.sections, HTMLElement);
const notice = byId(DATABASE.notice, HTMLElement);

function section(id: string, title: string, ...content: Child[]): HTMLElement {
  return el(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    el('div', { class: 'card-body' }, el('h2', { class: 'h5', id: `${id}-h` }, title), ...content),
  );
}

interface Column<R> {
  label: string;
  numeric?: boolean;
  render: (row: R) => Child;
}

/** `dataOf(row)`, when given, becomes the row's data-* attributes. */
function dataTable<R>(
  caption: string,
  columns: Array<Column<R>>,
  rows: R[],
  dataOf: (row: R) => Record<string, string> | undefined = () => undefined,
) {
  if (rows.length === 0) return el('p', { class: 'text-secondary small mb-0' }, 'Nothing to show yet.');
  return el(
    'div',
    { class: 'table-responsive', tabindex: '0', role: 'region', 'aria-label': caption },
    el(
      'table',
      { class: 'table table-sm align-middle mb-0' },
      el('caption', { class: 'visually-hidden' }, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'text-end' : '' }, c.label)),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((r) =>
          el(
            'tr',
            { dataset: dataOf(r) },
            columns.map((c) => el('td', { class: c.numeric ? 'text-end text-nowrap' : '' }, c.render(r))),
          ),
        ),
      ),
    ),
  );
}

type Timed = DbReport['by_type'][number];
const timing: Array<Column<Timed>> = [
  { label: 'Calls', numeric: true, render: (r) => fmtInt(r.calls) },
  { label: 'Total', numeric: true, render: (r) => fmtMs(r.total_ms) },
  { label: 'Mean', numeric: true, render: (r) => fmtMs(r.mean_ms) },
  { label: 'p95', numeric: true, render: (r) => fmtMs(r.p95_ms) },
  { label: 'p99', numeric: true, render: (r) => fmtMs(r.p99_ms) },
  { label: 'Max', numeric: true, render: (r) => fmtMs(r.max_ms) },
];
const queryText = (text: string | undefined) => el('code', { class: 'mono-wrap d-block' }, text ?? '');
const planText = (plan: unknown): string => (typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2));

function healthValue(value: unknown): Child {
  if (value === null || value === undefined) return el('span', { class: 'text-secondary' }, '—');
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', {}, 'none');
    return el('details', {}, el('summary', {}, `${value.length}`), el('pre', { class: 'plan mb-0' }, JSON.stringify(value, null, 2)));
  }
  if (typeof value === 'object') return el('pre', { class: 'plan mb-0' }, JSON.stringify(value, null, 2));
  if (typeof value === 'number') return fmtNumber(value, 3);
  // What is left of JSON: a string or a boolean.
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const share = (v: number | null | undefined): string => (typeof v === 'number' ? `${fmtNumber(v <= 1 ? v * 100 : v, 1)} %` : '—');
/** Per kind ({table, index}): the first as the value, all as the hint. */
function cacheHitRate(value: Record<string, number | null> | null | undefined): [string, string?] {
  if (value === null || value === undefined) return ['—'];
  const parts = Object.entries(value);
  const first = parts[0];
  return [first ? share(first[1]) : '—', parts.map(([k, v]) => `${k} ${share(v)}`).join(' · ')];
}

function showTiles(r: DbReport): void {
  fill(
    tiles,
    valueTile('Database', r.database.kind, r.database.server_version),
    valueTile('Queries', fmtInt(r.totals.queries), `${fmtInt(r.totals.shapes)} shapes`),
    valueTile('Mean', fmtMs(r.totals.mean_ms), `total ${fmtMs(r.totals.total_ms)}`),
    valueTile('Slow', fmtInt(r.totals.slow)),
    valueTile('Pool in use', `${r.pool.in_use} / ${r.pool.max}`, `${r.pool.idle} idle · ${r.pool.waiting} waiting`),
    valueTile('Cache hit rate', ...cacheHitRate(r.schema_health.cache_hit_rate)),
  );
}

type SlowQuery = DbReport['slow_queries'][number];
const slowQueryCell = (x: SlowQuery) =>
  el(
    'div',
    {},
    queryText(x.query),
    x.plan_summary ? el('div', { class: 'small text-secondary mt-1' }, x.plan_summary) : null,
    x.plan
      ? el('details', { class: 'mt-1' }, el('summary', { class: 'small' }, 'Plan'), el('pre', { class: 'plan mb-0' }, planText(x.plan)))
      : null,
  );

const suggestion = (s: DbReport['suggestions'][number]) =>
  el(
    'div',
    { class: 'border rounded p-3' },
    el('div', { class: 'fw-semibold' }, `${s.table} (${s.columns.join(', ')})`, ` · cost −${fmtNumber(s.reduction_pct, 0)} %`),
    el(
      'div',
      { class: 'small text-secondary' },
      s.reason,
      s.verified_by ? ` · verified by ${s.verified_by}` : '',
      ` · cost ${fmtNumber(s.cost_before, 1)} → ${fmtNumber(s.cost_after, 1)}`,
    ),
    el(
      'div',
      { class: 'd-flex gap-2 align-items-start mt-2' },
      queryText(s.statement),
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => copyText(s.statement) }, 'Copy'),
    ),
  );

function showSections(r: DbReport): void {
  fill(
    sections,
    section(
      'db-by-type',
      'By statement type',
      dataTable(
        'Query time by statement type',
        [{ label: 'Type', render: (x) => x.type }, ...timing, { label: 'Rows', numeric: true, render: (x) => fmtInt(x.rows) }],
        r.by_type,
      ),
    ),
    section(
      'db-top-shapes',
      'Slowest query shapes',
      dataTable(
        'Query shapes by total time',
        [{ label: 'Query', render: (x) => queryText(x.query) }, { label: 'Type', render: (x) => x.type }, ...timing],
        r.top_shapes,
        (x) => ({ fingerprint: x.fingerprint }),
      ),
    ),
    section(
      'db-slow-queries',
      'Slow queries',
      dataTable<SlowQuery>(
        'Slow queries, newest first',
        [
          { label: 'When', render: (x) => new Date(x.at).toLocaleString('en-GB') },
          { label: 'Duration', numeric: true, render: (x) => fmtMs(x.duration_ms) },
          { label: 'Query and plan', render: slowQueryCell },
        ],
        r.slow_queries,
        (x) => ({ fingerprint: x.fingerprint, at: x.at }),
      ),
    ),
    section(
      'db-suggestions',
      'Index suggestions',
      r.suggestions.length === 0
        ? el('p', { class: 'text-secondary small mb-0' }, 'No suggestions: the queries seen so far use fitting indexes.')
        : el('div', { class: 'vstack gap-3' }, r.suggestions.map(suggestion)),
    ),
    section(
      'db-schema-health',
      'Schema health',
      dataTable<[string, unknown]>(
        'Schema health',
        [
          { label: 'Check', render: (x) => x[0].replace(/_/g, ' ') },
          { label: 'Finding', render: (x) => healthValue(x[1]) },
        ],
        Object.entries(r.schema_health),
      ),
    ),
  );
}

const generated = () => byId(DATABASE.generated, HTMLElement);

function renderReport(r: DbReport): void {
  fill(notice);
  showTiles(r);
  showSections(r);
  generated().textContent = `Report generated ${new Date(r.generated_at).toLocaleString('en-GB')}`;
}

function renderError(err: unknown): void {
  fill(tiles);
  fill(sections);
  fill(
    notice,
    el(
      'div',
      { class: 'alert alert-danger', role: 'alert' },
      el('strong', {}, 'The database report could not be loaded.'),
      ' ',
      messageOf(err),
    ),
  );
  generated().textContent = '';
}

async function load(): Promise<void> {
  try {
    renderReport(await api<DbReport>('/api/admin/db/report'));
  } catch (err) {
    renderError(err);
  }
}

const bar = el(
  'div',
  { class: 'd-flex flex-wrap align-items-center gap-3 mb-3' },
  el('button', { type: 'button', class: 'btn btn-outline-secondary btn-sm', onclick: () => load() }, 'Refresh'),
  el('span', { class: 'small text-secondary', id: DATABASE.generated }),
);
notice.before(bar);
void load();
