// Feature flags as cards or as a sortable table (the choice remembered in this browser): on/off
// switches, rollout sliders (with the testers a new percentage covers, shown before saving), target
// users, conditions, the explain tool, reach over recent evaluations, adoption, staleness and history.
import { api, type ApiOptions, ApiError } from './api.js';
import type { Flag, FlagReach, FlagWithAdoption, TesterSummary } from './api-types.js';
import { failure, messageOf, showError, toast, worthRetrying } from './common.js';
import { byId, el, fill } from './dom.js';
import { flagCard } from './flag-card.js';
import { flagPath, type FlagEditing, type FlagPatch, type SaveFeedback } from './flag-editors.js';
import './flag-schedules.js';
import './flag-segments.js';
import { fmtAgo, fmtDate, fmtInt, fmtNumber, fmtPercent } from './format.js';
import { FLAGS } from './ids.js';
import { commentHeaders } from './review.js';
import { rulesText } from './operators.js';

const list = byId(FLAGS.list, HTMLElement);
const tableRegion = byId(FLAGS.tableRegion, HTMLElement);
const table = byId(FLAGS.table, HTMLTableElement);
const flags = new Map<string, FlagWithAdoption>();
/** Each flag's card, in the list or (opened from a table row) in the table. */
const cards = new Map<string, HTMLElement>();
const reaches = new Map<string, FlagReach | 'unknown'>();
/** Flags whose card is open under their table row. */
const expanded = new Set<string>();
let activeTesters: number | null = null;

const VIEW_KEY = 'flags-view';
type View = 'cards' | 'table';
let view: View = localStorage.getItem(VIEW_KEY) === 'table' ? 'table' : 'cards';
let sort: { by: 'name' | 'changed'; ascending: boolean } = { by: 'name', ascending: true };

/** Sends a change conditional on the version shown, then redraws the flag from the answer. */
async function change(flag: Flag, path: string, options: ApiOptions, feedback?: SaveFeedback, comment?: string): Promise<boolean> {
  const name = flag.name;
  const shown = flags.get(name);
  if (!shown) return false;
  try {
    const updated = await api<Flag>(path, { ...options, headers: { 'if-match': `"${shown.version}"`, ...commentHeaders(comment) } });
    flags.set(name, { ...shown, ...updated });
    redraw(name);
    const status = feedback && document.getElementById(feedback.status);
    if (feedback && status) {
      status.textContent = 'Saved';
      document.getElementById(feedback.focus)?.focus();
    } else toast(`Saved ${name}.`);
    void loadReach(name);
    return true;
  } catch (err) {
    // The card's own place for the outcome, looked up by id: a reload may have redrawn the card meanwhile.
    const problem = () => (feedback?.problem ? document.getElementById(feedback.problem) : null);
    if (err instanceof ApiError && err.status === 409) {
      const text = `${name} was changed by someone else: reloaded. Apply your change again.`;
      toast(text, 'error');
      await load();
      const where = problem();
      if (where) fill(where, failure(text));
    } else if (err instanceof ApiError && err.status === 400 && feedback?.invalid(err.raw)) {
      // Said beside the field it names.
      problem()?.replaceChildren();
    } else if (feedback?.failed?.(err) !== true) {
      // A form that shows its own failures (with Retry) said it already; otherwise the card's place says it.
      const where = problem();
      const retry = worthRetrying(err) ? () => change(flag, path, options, feedback, comment) : undefined;
      if (where) fill(where, failure(`Not saved: ${messageOf(err)}`, retry));
      else showError(err);
    }
    return false;
  }
}

/** "≈ 42 % of 1,000 recent contexts", or why there is no estimate. */
function reachText(name: string): string {
  const reach = reaches.get(name);
  if (reach === undefined) return 'estimating…';
  if (reach === 'unknown') return 'not available';
  if (reach.share === null) return 'no recent evaluations';
  return `≈ ${fmtNumber(reach.share * 100, 0)} % of ${fmtInt(reach.sample)} recent context${reach.sample === 1 ? '' : 's'}`;
}

/** The same for one rule on its own (`main` for the main rule). */
function ruleReachText(name: string, rule: string): string {
  const reach = reaches.get(name);
  if (reach === undefined || reach === 'unknown' || reach.share === null) return reachText(name);
  const part = rule === 'main' ? reach.main : reach.rules.find((r) => String(r.index) === rule);
  if (part?.share === null || part === undefined) return 'not available';
  return `≈ ${fmtNumber(part.share * 100, 0)} % of ${fmtInt(reach.sample)} recent context${reach.sample === 1 ? '' : 's'}`;
}

function showReach(name: string): void {
  for (const node of document.querySelectorAll<HTMLElement>('[data-reach]'))
    if (node.dataset.reach === name) node.textContent = reachText(name);
  for (const node of document.querySelectorAll<HTMLElement>('[data-rule-reach]'))
    if (node.dataset.ruleReach === name) node.textContent = ruleReachText(name, node.dataset.rule ?? '');
}

/** Evaluates the flag over this server's recent evaluation contexts. */
async function loadReach(name: string): Promise<void> {
  try {
    reaches.set(name, await api<FlagReach>(`${flagPath(name)}/reach`));
  } catch {
    reaches.set(name, 'unknown');
  }
  showReach(name);
}

const editing: FlagEditing = {
  patch: (flag, body: FlagPatch, feedback, comment) => change(flag, flagPath(flag.name), { method: 'PATCH', body }, feedback, comment),
  toggle: (flag, comment, feedback) => change(flag, `${flagPath(flag.name)}/toggle`, { method: 'POST' }, feedback, comment),
  coverage: (pct) =>
    activeTesters === null ? '' : `≈ ${fmtInt(Math.round((activeTesters * pct) / 100))} of ${fmtInt(activeTesters)} active testers`,
  deleted: (name) => {
    flags.delete(name);
    cards.delete(name);
    expanded.delete(name);
    drawTable();
  },
  /** As the server rendered them. */
  operators: (list.dataset.operators ?? '').split(' '),
  reach: (flag) => el('span', { dataset: { reach: flag.name } }, reachText(flag.name)),
  ruleReach: (flag, rule) => el('span', { dataset: { ruleReach: flag.name, rule: String(rule) } }, ruleReachText(flag.name, String(rule))),
};

/** Redraws a flag's card where it is, keeping open what was open (a save leaves its panel in view). */
function redraw(name: string): void {
  const flag = flags.get(name);
  if (!flag) return;
  const existing = cards.get(name);
  const card = flagCard(flag, editing);
  cards.set(name, card);
  if (existing) {
    const open = [...existing.querySelectorAll('details')].map((d) => d.open);
    card.querySelectorAll('details').forEach((d, i) => {
      if (open[i]) d.open = true;
    });
    existing.replaceWith(card);
  } else list.prepend(card);
  drawTable();
}

/** The flags in the table's order. */
function sorted(): FlagWithAdoption[] {
  const items = [...flags.values()];
  const order = sort.ascending ? 1 : -1;
  items.sort((a, b) =>
    sort.by === 'name'
      ? order * a.name.localeCompare(b.name)
      : order * (Date.parse(a.updated_at) - Date.parse(b.updated_at)) || a.name.localeCompare(b.name),
  );
  return items;
}

const adoptionText = (f: FlagWithAdoption): string =>
  f.adoption.evaluations_24h === 0
    ? 'not evaluated'
    : `${fmtInt(f.adoption.evaluations_24h)} evaluations${f.value_type === 'boolean' ? ` · ${fmtPercent(f.adoption.true_share_24h)} true` : ''}`;

function tableRow(f: FlagWithAdoption): HTMLTableRowElement[] {
  const open = expanded.has(f.name);
  const detailId = `flag-row-${f.name}`;
  const row = el(
    'tr',
    { dataset: { flag: f.name } },
    el(
      'td',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-link btn-sm p-0 text-start text-break flag-row-toggle',
          'aria-expanded': String(open),
          'aria-controls': detailId,
          onclick: () => {
            if (expanded.has(f.name)) expanded.delete(f.name);
            else expanded.add(f.name);
            drawTable();
            table.querySelector<HTMLButtonElement>(`tr[data-flag="${CSS.escape(f.name)}"] .flag-row-toggle`)?.focus();
          },
        },
        f.name,
      ),
    ),
    el('td', {}, el('span', { class: `badge ${f.is_enabled ? 'text-bg-success' : 'text-bg-secondary'}` }, f.is_enabled ? 'on' : 'off')),
    el('td', { class: 'text-break' }, rulesText(f)),
    el('td', { class: 'text-end' }, `${f.rollout_percentage} %`),
    el('td', {}, editing.reach(f)),
    el('td', {}, adoptionText(f)),
    el('td', {}, el('time', { datetime: f.updated_at, title: fmtDate(f.updated_at) }, fmtAgo(f.updated_at))),
  );
  if (!open) return [row];
  const card = cards.get(f.name);
  return [row, el('tr', { id: detailId, class: 'flag-card-row' }, el('td', { colspan: '7' }, card ?? null))];
}

/** Fills the table (when shown); cards not open in it go back to the list, in the table's order. */
function drawTable(): void {
  const body = table.tBodies[0];
  if (!body) return;
  for (const th of table.tHead?.rows[0]?.cells ?? []) {
    const by = th.querySelector<HTMLElement>('[data-sort]')?.dataset.sort;
    if (by === undefined) continue;
    if (by === sort.by) th.setAttribute('aria-sort', sort.ascending ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
  if (view !== 'table') return;
  const items = sorted();
  fill(body, items.length === 0 ? el('tr', {}, el('td', { colspan: '7', class: 'text-secondary' }, 'No flags yet.')) : items.map(tableRow));
  for (const f of items) {
    const card = cards.get(f.name);
    if (card && !expanded.has(f.name)) list.append(card);
  }
}

function showView(next: View): void {
  view = next;
  localStorage.setItem(VIEW_KEY, view);
  for (const [id, v] of [
    [FLAGS.viewCards, 'cards'],
    [FLAGS.viewTable, 'table'],
  ] as const)
    byId(id, HTMLButtonElement).setAttribute('aria-pressed', String(view === v));
  tableRegion.hidden = view !== 'table';
  list.hidden = view === 'table';
  if (view === 'table') drawTable();
  else {
    // Cards opened in the table come back to the list.
    expanded.clear();
    table.tBodies[0]?.replaceChildren();
    const shown = [...flags.values()].map((f) => cards.get(f.name)).filter((c): c is HTMLElement => c !== undefined);
    if (shown.length > 0) fill(list, shown);
  }
}

byId(FLAGS.viewCards, HTMLButtonElement).addEventListener('click', () => showView('cards'));
byId(FLAGS.viewTable, HTMLButtonElement).addEventListener('click', () => showView('table'));
table.tHead?.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-sort]') : null;
  const by = button?.dataset.sort;
  if (by !== 'name' && by !== 'changed') return;
  // A new column starts with names A→Z and changes newest first.
  sort = sort.by === by ? { by, ascending: !sort.ascending } : { by, ascending: by === 'name' };
  drawTable();
});

async function load(): Promise<void> {
  try {
    const [answer, users] = await Promise.all([
      api<{ items: FlagWithAdoption[] }>('/api/admin/flags'),
      api<TesterSummary>('/api/admin/users/summary').catch(() => null),
    ]);
    activeTesters = users ? users.active : null;
    flags.clear();
    cards.clear();
    expanded.clear();
    for (const f of answer.items) {
      flags.set(f.name, f);
      cards.set(f.name, flagCard(f, editing));
    }
    const on = answer.items.filter((f) => f.is_enabled).length;
    const count = answer.items.length;
    byId(FLAGS.summary, HTMLElement).textContent =
      `${count} flag${count === 1 ? '' : 's'}, ${on} on${activeTesters === null ? '' : ` · ${fmtInt(activeTesters)} active testers`}`;
    fill(
      list,
      answer.items.length === 0
        ? el('p', { class: 'text-secondary' }, 'No flags yet: create the first one above.')
        : answer.items.map((f) => cards.get(f.name)),
    );
    showView(view);
    for (const f of answer.items) void loadReach(f.name);
    const wanted = new URLSearchParams(location.search).get('flag');
    if (wanted) cards.get(wanted)?.scrollIntoView();
  } catch (err) {
    byId(FLAGS.summary, HTMLElement).textContent = 'Flags not loaded';
    fill(
      list,
      el(
        'div',
        { class: 'alert alert-danger d-flex flex-wrap gap-2 align-items-center', role: 'alert' },
        `Could not load the flags: ${messageOf(err)}`,
        el('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: () => void load() }, 'Retry'),
      ),
    );
  }
}

/** A new flag starts off, at 0 %, never evaluated. */
const NEW_ADOPTION: FlagWithAdoption['adoption'] = {
  evaluations_24h: 0,
  true_share_24h: null,
  evaluations_7d: 0,
  true_share_7d: null,
  last_evaluated_hour: null,
  stale: false,
  stale_reason: null,
  variants_24h: {},
  variants_7d: {},
};

/** A typed flag starts with one variant of an empty value of its type, for the card's editor to fill. */
const STARTER_VALUES = { string: '', number: 0, object: {} } as const;

async function create(form: HTMLFormElement): Promise<void> {
  const name = byId(FLAGS.newName, HTMLInputElement);
  const problem = byId(FLAGS.newNameError, HTMLElement);
  /** Shows a problem with the name beside the field, or clears it. */
  const mark = (message: string) => {
    problem.textContent = message;
    name.classList.toggle('is-invalid', message !== '');
    if (message) name.setAttribute('aria-invalid', 'true');
    else name.removeAttribute('aria-invalid');
  };
  if (!name.checkValidity()) {
    mark(name.value.trim() === '' ? 'Enter a name.' : 'A flag name is lowercase letters, digits, dot, dash or underscore.');
    name.focus();
    return;
  }
  mark('');
  try {
    const description = byId(FLAGS.newDescription, HTMLInputElement).value.trim();
    const type = byId(FLAGS.newType, HTMLSelectElement).value;
    const typed =
      type === 'string' || type === 'number' || type === 'object'
        ? { value_type: type, variants: [{ name: 'control', value: STARTER_VALUES[type], weight: 1 }], default_variant: 'control' }
        : {};
    const created = await api<Flag>('/api/admin/flags', { method: 'POST', body: { name: name.value.trim(), description, ...typed } });
    flags.set(created.name, { ...created, adoption: { ...NEW_ADOPTION } });
    list.querySelector(':scope > p')?.remove();
    redraw(created.name);
    void loadReach(created.name);
    form.reset();
    toast(
      created.value_type === 'boolean'
        ? `Created ${created.name} (off, 0 %).`
        : `Created ${created.name} (off, 0 %) with one variant, control: add and edit its variants in the card.`,
    );
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) mark(err.message);
    else showError(err);
  }
}

const createForm = byId(FLAGS.createForm, HTMLFormElement);
createForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void create(createForm);
});

void load();
