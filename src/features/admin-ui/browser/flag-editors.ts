// The editors inside a flag's card: early access (offered to testers in their portal, with a public
// title, description and stage), target users, conditions, the explain tool, permanence and
// deletion, and the flag's history from the audit log. A refused save is shown beside the field it names.
import { api, send } from './api.js';
import type { AuditEntry, Flag, Page } from './api-types.js';
import { describeChange } from './changes.js';
import { failure, messageOf, toast, worthRetrying } from './common.js';
import { el, fill } from './dom.js';
import { fieldErrorOf } from './field-errors.js';
import { field, markInvalid, saveAction, saveState, type SaveFeedback } from './flag-forms.js';
import { fmtDate, readableMessage } from './format.js';
import { conditionRow, readCondition } from './condition-editor.js';
import { stickinessEditor } from './flag-targeting.js';
import { flagCardId } from './ids.js';

export type FlagPatch = Partial<
  Pick<
    Flag,
    | 'rollout_percentage'
    | 'target_users'
    | 'conditions'
    | 'permanent'
    | 'early_access'
    | 'public_title'
    | 'public_description'
    | 'stage'
    | 'client_visible'
    | 'variants'
    | 'default_variant'
    | 'stickiness'
    | 'rules'
  >
>;

/** What the card's controls may do; the page keeps the flags and redraws a card after a change. */
export interface FlagEditing {
  /**
   * Sends a change conditional on the version shown; true when it was saved. With `feedback`, success
   * is said in the form, a refused field beside it and any other failure below the form (with Retry
   * when sending again may work); without, all in a toast. `comment`: what the person said when
   * reviewing the change, kept in the audit log.
   */
  patch(flag: Flag, body: FlagPatch, feedback?: SaveFeedback, comment?: string): Promise<boolean>;
  toggle(flag: Flag, comment?: string, feedback?: SaveFeedback): Promise<boolean>;
  /** The active testers a rollout percentage reaches, as text ('' while unknown). */
  coverage(percentage: number): string;
  deleted(name: string): void;
  /** The condition operators the flags API accepts. */
  operators: readonly string[];
  /** The flag's reach over recent evaluations, as text the page keeps current. */
  reach(flag: Flag): HTMLElement;
  /** Like `reach`, for one rule on its own (by its saved place) or the main rule. */
  ruleReach(flag: Flag, rule: number | 'main'): HTMLElement;
}

export const flagPath = (name: string): string => `/api/admin/flags/${encodeURIComponent(name)}`;

export { explainTool } from './flag-explain.js';
export type { SaveFeedback } from './flag-forms.js';

export function targetsEditor(flag: Flag, editing: FlagEditing): HTMLElement {
  const id = `targets-${flag.name}`;
  const area = el('textarea', { class: 'form-control font-monospace', id, rows: '3' });
  const invalid = (raw: string) => {
    const problem = fieldErrorOf(raw);
    if (problem?.path[0] !== 'target_users') return false;
    markInvalid(area, problem.message);
    return true;
  };
  area.value = flag.target_users.join('\n');
  const users = () =>
    area.value
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
  const box: HTMLElement = el(
    'div',
    {},
    el('label', { class: 'form-label', for: id }, 'Target users (targeting keys or emails, one per line): always on'),
    area,
    el(
      'div',
      { class: 'mt-2' },
      saveAction(
        id,
        'Save target users',
        () => box,
        (feedback) => editing.patch(flag, { target_users: users() }, feedback),
        invalid,
      ),
    ),
  );
  return box;
}

const STAGES = ['alpha', 'beta', 'preview'] as const;

/** Early access: whether testers see the flag in their portal (and may enrol), under which title, description and stage. */
export function earlyAccessEditor(flag: Flag, editing: FlagEditing): HTMLElement {
  const base = `early-${flag.name}`;
  const offered = el('input', { class: 'form-check-input', type: 'checkbox', id: `${base}-on`, checked: flag.early_access });
  const title = el('input', {
    class: 'form-control form-control-sm',
    id: `${base}-title`,
    maxlength: '120',
    value: flag.public_title ?? '',
  });
  const description = el('textarea', { class: 'form-control form-control-sm', id: `${base}-description`, rows: '2', maxlength: '2000' });
  description.value = flag.public_description ?? '';
  const stage = el(
    'select',
    { class: 'form-select form-select-sm', id: `${base}-stage` },
    el('option', { value: '', selected: flag.stage === null }, '—'),
    STAGES.map((s) => el('option', { value: s, selected: flag.stage === s }, s)),
  );
  // The API names a refused field `body/public_title` and so on: marked on its control.
  const controls: Record<string, HTMLElement> = { early_access: offered, public_title: title, public_description: description, stage };
  const invalid = (raw: string) => {
    const problem = fieldErrorOf(raw);
    const control = problem ? controls[String(problem.path[0])] : undefined;
    if (!problem || !control) return false;
    markInvalid(control, problem.message);
    return true;
  };
  const save = (feedback: SaveFeedback) => {
    const text = (v: string) => (v.trim() === '' ? null : v.trim());
    const chosen = STAGES.find((s) => s === stage.value) ?? null;
    return editing.patch(
      flag,
      { early_access: offered.checked, public_title: text(title.value), public_description: text(description.value), stage: chosen },
      feedback,
    );
  };
  const box: HTMLFieldSetElement = el(
    'fieldset',
    { class: 'row g-2 align-items-end' },
    el('legend', { class: 'form-label fs-6' }, 'Early access (testers see it in their portal and may enrol)'),
    el(
      'div',
      { class: 'col-12 form-check ms-2' },
      offered,
      el('label', { class: 'form-check-label', for: `${base}-on` }, 'Offer to testers as early access'),
    ),
    field('col-12 col-md-5', 'Public title', `${base}-title`, title),
    field('col-6 col-md-3', 'Stage', `${base}-stage`, stage),
    field('col-12', 'Public description', `${base}-description`, description),
    el(
      'div',
      { class: 'col-12' },
      saveAction(base, 'Save early access', () => box, save, invalid),
    ),
  );
  return box;
}

export function conditionsEditor(flag: Flag, editing: FlagEditing): HTMLElement {
  const rows = el(
    'div',
    { class: 'vstack gap-2' },
    flag.conditions.map((c, i) => conditionRow(c, `cond-${flag.name}`, i, editing.operators)),
  );
  let next = flag.conditions.length;
  const read = () => [...rows.querySelectorAll('.condition')].map(readCondition);
  // The API names a refused condition by its place in the list sent, which is the rows' order.
  const invalid = (raw: string) => {
    const problem = fieldErrorOf(raw);
    if (problem?.path[0] !== 'conditions' || typeof problem.path[1] !== 'number') return false;
    const row = rows.querySelectorAll('.condition')[problem.path[1]];
    const part = problem.path[2] === 'attribute' || problem.path[2] === 'operator' ? problem.path[2] : 'values';
    const control = row?.querySelector<HTMLElement>(`[data-part="${part}"]`);
    if (!control) return false;
    markInvalid(control, problem.message);
    return true;
  };
  const box: HTMLFieldSetElement = el(
    'fieldset',
    {},
    el('legend', { class: 'form-label fs-6' }, 'Conditions (all must match; a missing attribute never matches)'),
    rows,
    el(
      'div',
      { class: 'd-flex gap-2 mt-2' },
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-secondary',
          onclick: () => rows.append(conditionRow({ operator: 'eq', values: [] }, `cond-${flag.name}`, next++, editing.operators)),
        },
        'Add condition',
      ),
      saveAction(
        `conditions-${flag.name}`,
        'Save conditions',
        () => box,
        (feedback) => editing.patch(flag, { conditions: read() }, feedback),
        invalid,
      ),
    ),
    stickinessEditor(flag, (read) =>
      saveAction(
        `stickiness-${flag.name}`,
        'Save stickiness',
        () => box,
        (feedback) => editing.patch(flag, { stickiness: read() }, feedback),
        (raw) => {
          const control = box.querySelector<HTMLElement>(`#sticky-${CSS.escape(flag.name)}`);
          if (!/stickiness/.test(raw) || !control) return false;
          markInvalid(control, readableMessage(raw));
          return true;
        },
      ),
    ),
  );
  return box;
}

export async function loadHistory(flag: Flag, box: HTMLElement): Promise<void> {
  try {
    const page = await api<Page<AuditEntry>>(`/api/admin/audit?entity_type=flag&entity_id=${encodeURIComponent(flag.name)}&limit=20`);
    fill(
      box,
      page.items.length === 0
        ? el('p', { class: 'small text-secondary mb-0' }, 'No changes recorded.')
        : el(
            'ul',
            { class: 'list-unstyled small mb-0' },
            page.items.map((a) => el('li', {}, `${fmtDate(a.at)} · ${a.actor} · ${a.action}${describeChange(a.before, a.after)}`)),
          ),
    );
  } catch (err) {
    fill(box, el('p', { class: 'small text-danger' }, messageOf(err)));
  }
}

async function deleteFlag(flag: Flag, editing: FlagEditing, problem: HTMLElement): Promise<void> {
  if (!confirm(`Delete ${flag.name}? Programs asking for it get FLAG_NOT_FOUND and fall back to their defaults.`)) return;
  problem.replaceChildren();
  await sendDelete(flag, editing, problem);
}

async function sendDelete(flag: Flag, editing: FlagEditing, problem: HTMLElement): Promise<void> {
  try {
    await send(flagPath(flag.name), { method: 'DELETE', headers: { 'if-match': `"${flag.version}"` } });
    editing.deleted(flag.name);
    document.getElementById(flagCardId(flag.name))?.remove();
    toast(`Deleted ${flag.name}.`);
  } catch (err) {
    fill(problem, failure(`Not deleted: ${messageOf(err)}`, worthRetrying(err) ? () => sendDelete(flag, editing, problem) : undefined));
  }
}

/**
 * Permanent flags are never reported stale; client-visible ones are evaluated for web pages' client keys;
 * deleting asks first. How each save went is said below the row.
 */
export function lifecycleControls(flag: Flag, editing: FlagEditing): HTMLElement {
  const id = `permanent-${flag.name}`;
  const visibleId = `client-visible-${flag.name}`;
  const state = saveState(`lifecycle-${flag.name}`);
  const saveBox = (focus: string, body: FlagPatch) => {
    state.clear();
    return editing.patch(flag, body, state.feedback(focus));
  };
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'd-flex flex-wrap gap-3 align-items-center' },
      el(
        'div',
        { class: 'form-check mb-0' },
        el('input', {
          class: 'form-check-input',
          type: 'checkbox',
          id,
          checked: flag.permanent,
          onchange: (e) => saveBox(id, { permanent: e.currentTarget.checked }),
        }),
        el('label', { class: 'form-check-label', for: id }, 'Permanent (an operational switch: never reported stale)'),
      ),
      el(
        'div',
        { class: 'form-check mb-0' },
        el('input', {
          class: 'form-check-input',
          type: 'checkbox',
          id: visibleId,
          checked: flag.client_visible,
          onchange: (e) => saveBox(visibleId, { client_visible: e.currentTarget.checked }),
        }),
        el('label', { class: 'form-check-label', for: visibleId }, 'Visible to web pages (client keys)'),
      ),
      state.status,
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-danger ms-auto',
          onclick: () => deleteFlag(flag, editing, state.problem),
        },
        'Delete flag',
      ),
    ),
    state.problem,
  );
}
