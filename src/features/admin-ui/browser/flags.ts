// Feature flags: on/off switches, rollout sliders (with the testers a new percentage covers, shown
// before saving), target users, conditions, the explain tool, adoption, staleness and history.
import { api, type ApiOptions, ApiError } from './api.js';
import type { Flag, FlagWithAdoption, TesterSummary } from './api-types.js';
import { messageOf, showError, toast } from './common.js';
import { byId, el, fill } from './dom.js';
import { flagCard } from './flag-card.js';
import { flagPath, type FlagEditing, type FlagPatch } from './flag-editors.js';
import './flag-schedules.js';
import { fmtInt } from './format.js';
import { FLAGS, flagCardId } from './ids.js';

const list = byId(FLAGS.list, HTMLElement);
const flags = new Map<string, FlagWithAdoption>();
let activeTesters: number | null = null;

/** Sends a change conditional on the version shown, then redraws the flag from the answer. */
async function change(flag: Flag, path: string, options: ApiOptions): Promise<boolean> {
  const name = flag.name;
  const shown = flags.get(name);
  if (!shown) return false;
  try {
    const updated = await api<Flag>(path, { ...options, headers: { 'if-match': `"${shown.version}"` } });
    flags.set(name, { ...shown, ...updated });
    redraw(name);
    toast(`Saved ${name}.`);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      toast(`${name} was changed by someone else: reloaded. Apply your change again.`, 'error');
      await load();
    } else showError(err);
    return false;
  }
}

const editing: FlagEditing = {
  patch: (flag, body: FlagPatch) => change(flag, flagPath(flag.name), { method: 'PATCH', body }),
  toggle: (flag) => change(flag, `${flagPath(flag.name)}/toggle`, { method: 'POST' }),
  coverage: (pct) =>
    activeTesters === null ? '' : `≈ ${fmtInt(Math.round((activeTesters * pct) / 100))} of ${fmtInt(activeTesters)} active testers`,
  deleted: (name) => flags.delete(name),
  /** As the server rendered them. */
  operators: (list.dataset.operators ?? '').split(' '),
};

function redraw(name: string): void {
  const flag = flags.get(name);
  if (!flag) return;
  const existing = document.getElementById(flagCardId(name));
  const card = flagCard(flag, editing);
  if (existing) existing.replaceWith(card);
  else list.prepend(card);
}

async function load(): Promise<void> {
  try {
    const [answer, users] = await Promise.all([
      api<{ items: FlagWithAdoption[] }>('/api/admin/flags'),
      api<TesterSummary>('/api/admin/users/summary').catch(() => null),
    ]);
    activeTesters = users ? users.active : null;
    flags.clear();
    for (const f of answer.items) flags.set(f.name, f);
    const on = answer.items.filter((f) => f.is_enabled).length;
    const count = answer.items.length;
    byId(FLAGS.summary, HTMLElement).textContent =
      `${count} flag${count === 1 ? '' : 's'}, ${on} on${activeTesters === null ? '' : ` · ${fmtInt(activeTesters)} active testers`}`;
    fill(
      list,
      answer.items.length === 0
        ? el('p', { class: 'text-secondary' }, 'No flags yet: create the first one above.')
        : answer.items.map((f) => flagCard(f, editing)),
    );
    const wanted = new URLSearchParams(location.search).get('flag');
    if (wanted) document.getElementById(flagCardId(wanted))?.scrollIntoView();
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
