// A flag's ordered rules on its card: each as a sentence with what it would take on its own of recent
// traffic, then the main rule as "Everyone else". Rules are added, edited, deleted and reordered (dragged by
// their handle, or moved with Move up / Move down) in place, then saved together in one change; removing or
// reordering the rules of a flag that is on is reviewed first.
import type { Flag, FlagRule } from './api-types.js';
import { messageOf } from './common.js';
import { el, fill } from './dom.js';
import { fieldErrorOf } from './field-errors.js';
import type { FlagEditing, SaveFeedback } from './flag-editors.js';
import { clearInvalid, markInvalid } from './flag-forms.js';
import { DEFAULT_STICKINESS, mainSentence, ruleEditor, ruleSentence, type RuleEditor } from './flag-rule-editor.js';
import { reviewChange, type ReviewRow } from './review.js';

/** A rule's list item: its editor, and the rule as first drawn (an edited rule's reach is unknown until saved). */
interface RuleItem {
  editor: RuleEditor;
  /** Shows the rule's editor. */
  open(): void;
  initial: string;
}

/** The list of rules being edited: items in order, moved, removed, and the changes they hold. */
interface RuleList {
  element: HTMLOListElement;
  items(): HTMLLIElement[];
  of(li: Element): RuleItem | undefined;
  read(): FlagRule[];
  add(rule: FlagRule, origin: number | null, open: boolean): HTMLLIElement;
  move(li: HTMLLIElement, to: number, focus?: '.rule-up' | '.rule-down'): void;
  /** Numbers, labels, sentences and reach after any change. */
  refresh(): void;
}

const button = (cls: string, text: string, onclick: () => void) =>
  el('button', { type: 'button', class: `btn btn-sm ${cls}`, onclick }, text);

function ruleItem(flag: Flag, editing: FlagEditing, rules: RuleList, rule: FlagRule, origin: number | null, id: string, open: boolean) {
  const editor = ruleEditor(flag, rule, id, editing.operators);
  const body = el('div', { class: 'rule-editor mt-1', id: `${id}-editor`, hidden: !open }, editor.body);
  const edit = el(
    'button',
    { type: 'button', class: 'btn btn-sm btn-outline-secondary rule-edit', 'aria-expanded': String(open), 'aria-controls': body.id },
    'Edit',
  );
  const show = (shown: boolean) => {
    body.hidden = !shown;
    edit.setAttribute('aria-expanded', String(shown));
  };
  edit.addEventListener('click', () => show(edit.getAttribute('aria-expanded') !== 'true'));
  const handle = el('span', { class: 'rule-handle', draggable: 'true', 'aria-hidden': 'true', title: 'Drag to reorder' }, '⠿');
  const at = () => rules.items().indexOf(li);
  const li: HTMLLIElement = el(
    'li',
    { class: 'border rounded p-2 rule-item', dataset: { origin: origin === null ? '' : String(origin) } },
    el(
      'div',
      { class: 'd-flex gap-2 align-items-start' },
      handle,
      el(
        'div',
        { class: 'flex-grow-1 text-break' },
        el('p', { class: 'mb-0' }, el('span', { class: 'rule-number fw-semibold me-1' }), el('span', { class: 'rule-sentence' })),
        el(
          'p',
          { class: 'small text-secondary mb-0' },
          'Reach on its own: ',
          el('span', { class: 'rule-reach' }, origin === null ? null : editing.ruleReach(flag, origin)),
          el('span', { class: 'rule-reach-pending', hidden: true }, 'estimated once saved'),
        ),
      ),
    ),
    el(
      'div',
      { class: 'd-flex flex-wrap gap-1 mt-1' },
      edit,
      button('btn-outline-secondary rule-up', 'Move up', () => rules.move(li, at() - 1, '.rule-up')),
      button('btn-outline-secondary rule-down', 'Move down', () => rules.move(li, at() + 1, '.rule-down')),
      button('btn-outline-danger rule-delete', 'Delete', () => {
        const next = li.nextElementSibling ?? li.previousElementSibling;
        li.remove();
        rules.refresh();
        li.dispatchEvent(new Event('rule-removed'));
        (next?.querySelector<HTMLElement>('.rule-delete') ?? rules.element.parentElement?.querySelector<HTMLElement>('.rule-add'))?.focus();
      }),
    ),
    body,
  );
  return { li, item: { editor, open: () => show(true), initial: JSON.stringify(editor.read()) }, handle };
}

/** The rules of `flag` as list items; `changed(what)` after each change the person makes. */
function ruleList(flag: Flag, editing: FlagEditing, changed: (what: string) => void): RuleList {
  const element = el('ol', { class: 'list-unstyled vstack gap-2 mb-2 rule-list', 'aria-label': `Rules of ${flag.name}, in order` });
  const items = new WeakMap<Element, RuleItem>();
  let made = 0;
  let dragged: HTMLLIElement | null = null;
  const list: RuleList = {
    element,
    items: () => [...element.children].filter((li): li is HTMLLIElement => li instanceof HTMLLIElement && items.has(li)),
    of: (li) => items.get(li),
    read: () => list.items().map((li) => items.get(li)!.editor.read()),
    add(rule, origin, open) {
      const { li, item, handle } = ruleItem(flag, editing, list, rule, origin, `rules-${flag.name}-r${made++}`, open);
      items.set(li, item);
      handle.addEventListener('dragstart', (e) => {
        dragged = li;
        e.dataTransfer?.setData('text/plain', li.querySelector('.rule-number')?.textContent ?? '');
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
        li.classList.add('rule-dragging');
      });
      handle.addEventListener('dragend', () => {
        li.classList.remove('rule-dragging');
        dragged = null;
      });
      li.addEventListener('dragover', (e) => {
        if (dragged !== null && dragged !== li) e.preventDefault();
      });
      li.addEventListener('drop', (e) => {
        if (dragged === null || dragged === li) return;
        e.preventDefault();
        list.move(dragged, list.items().indexOf(li));
      });
      for (const type of ['input', 'change']) li.addEventListener(type, () => changed('Unsaved changes'));
      li.addEventListener('rule-removed', () => changed('Rule removed: unsaved changes'));
      element.append(li);
      return li;
    },
    move(li, to, focus) {
      const all = list.items();
      const from = all.indexOf(li);
      const target = all[to];
      if (from < 0 || target === undefined || from === to) return;
      if (from < to) target.after(li);
      else target.before(li);
      changed(`Rule moved to place ${to + 1}: unsaved changes`);
      if (focus === undefined) return;
      const wanted = li.querySelector<HTMLButtonElement>(focus);
      (wanted?.disabled === false
        ? wanted
        : li.querySelector<HTMLButtonElement>(focus === '.rule-up' ? '.rule-down' : '.rule-up')
      )?.focus();
    },
    refresh() {
      const all = list.items();
      all.forEach((li, i) => refreshItem(flag, li, items.get(li)!, i, all.length));
    },
  };
  return list;
}

function refreshItem(flag: Flag, li: HTMLLIElement, item: RuleItem, i: number, count: number): void {
  const draft = item.editor.read();
  const n = i + 1;
  li.querySelector('.rule-number')!.textContent = `${n}.`;
  li.querySelector('.rule-sentence')!.textContent = ruleSentence(flag, draft);
  for (const [selector, label, disabled] of [
    ['.rule-up', `Move up rule ${n}`, i === 0],
    ['.rule-down', `Move down rule ${n}`, i === count - 1],
    ['.rule-edit', `Edit rule ${n}`, false],
    ['.rule-delete', `Delete rule ${n}`, false],
  ] as const) {
    const control = li.querySelector<HTMLButtonElement>(selector)!;
    control.setAttribute('aria-label', label);
    control.disabled = disabled;
  }
  const edited = li.dataset.origin === '' || JSON.stringify(draft) !== item.initial;
  li.querySelector<HTMLElement>('.rule-reach')!.hidden = edited;
  li.querySelector<HTMLElement>('.rule-reach-pending')!.hidden = !edited;
}

/** Removing or reordering rules of a flag that is on changes answers at once: reviewed first ('' when no review is needed). */
function reviewRules(flag: Flag, rules: RuleList): Promise<string | null> {
  const origins = rules
    .items()
    .map((li) => li.dataset.origin ?? '')
    .filter((o) => o !== '')
    .map(Number);
  const removed = origins.length < flag.rules.length;
  const reordered = origins.some((o, i) => i > 0 && o < origins[i - 1]!);
  if (!flag.is_enabled || (!removed && !reordered)) return Promise.resolve('');
  const after = rules.read();
  const rows: ReviewRow[] = [];
  for (let i = 0; i < Math.max(flag.rules.length, after.length); i++) {
    const was = flag.rules[i];
    const now = after[i];
    const before = was ? ruleSentence(flag, was) : '—';
    const next = now ? ruleSentence(flag, now) : '—';
    if (before !== next) rows.push({ field: `Rule ${i + 1}`, before, after: next });
  }
  return reviewChange({
    title: `${removed ? 'Remove' : 'Reorder'} rules of ${flag.name}`,
    summary: `${flag.name} is on: people a ${removed ? 'removed' : 'moved'} rule decides for may get a different answer as soon as this is saved.`,
    rows,
    confirm: 'Save rules',
  });
}

/** Marks the field a refused save names (`body/rules/1/conditions[0].values …`); false when it names none. */
function markRefused(rules: RuleList, raw: string): boolean {
  const problem = fieldErrorOf(raw);
  if (problem?.path[0] !== 'rules' || typeof problem.path[1] !== 'number') return false;
  const li = rules.items()[problem.path[1]];
  const item = li && rules.of(li);
  if (!item) return false;
  item.open();
  return item.editor.mark(problem.path.slice(2), problem.message);
}

/** A rollout left empty or out of range is refused here (the API would read a missing one as 100 %). */
function badRollout(rules: RuleList): boolean {
  for (const li of rules.items()) {
    const item = rules.of(li)!;
    const rollout = item.editor.rollout;
    if (rollout.value === '' || !rollout.checkValidity()) {
      item.open();
      markInvalid(rollout, 'Rollout: must be a whole number from 0 to 100.');
      return true;
    }
  }
  return false;
}

/** The panel's layout: the list, then the main rule, then the actions. */
function panel(flag: Flag, editing: FlagEditing, list: HTMLElement, empty: HTMLElement, actions: HTMLElement, failure: HTMLElement) {
  return el(
    'section',
    { class: 'mt-3 flag-rules-panel', id: `rules-${flag.name}`, 'aria-labelledby': `rules-${flag.name}-title` },
    el('h3', { class: 'h6 mb-1', id: `rules-${flag.name}-title` }, 'Rules'),
    el(
      'div',
      { class: 'mt-2' },
      el(
        'p',
        { class: 'small text-secondary mb-2' },
        'Checked in order before everyone else: the first rule whose conditions and segments match and whose rollout includes the user decides.',
      ),
      empty,
      list,
      el(
        'div',
        { class: 'border rounded p-2 mb-2 rule-main' },
        el(
          'p',
          { class: 'mb-0 text-break' },
          el('span', { class: 'fw-semibold me-1' }, 'Last:'),
          el('span', { class: 'rule-main-sentence' }, mainSentence(flag)),
        ),
        el('p', { class: 'small text-secondary mb-0' }, 'Reach on its own: ', editing.ruleReach(flag, 'main')),
      ),
      actions,
      failure,
    ),
  );
}

/** The rules panel of `flag`'s card. */
export function rulesSection(flag: Flag, editing: FlagEditing): HTMLElement {
  const base = `rules-${flag.name}`;
  const status = el('span', { class: 'small', id: `${base}-status`, role: 'status' });
  const failure = el('div', { class: 'rule-save-failure' });
  const save = el('button', { type: 'button', class: 'btn btn-sm btn-primary', id: `${base}-save`, disabled: true }, 'Save rules');
  const discard = el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', disabled: true }, 'Discard changes');
  const empty = el('p', { class: 'small text-secondary mb-2' }, 'No rules: everyone gets the main rule below.');
  let saved = '';
  const changed = (what: string) => {
    rules.refresh();
    const dirty = JSON.stringify(rules.read()) !== saved;
    save.disabled = !dirty;
    discard.disabled = !dirty;
    if (dirty) status.textContent = what;
    else if (status.textContent !== 'Saved') status.textContent = '';
    empty.hidden = rules.items().length > 0;
  };
  const rules = ruleList(flag, editing, changed);
  const draw = () => {
    rules.element.replaceChildren();
    flag.rules.forEach((rule, i) => rules.add(rule, i, false));
    saved = JSON.stringify(rules.read());
    failure.replaceChildren();
    changed('');
  };
  const failed = (err: unknown): boolean => {
    fill(
      failure,
      el(
        'div',
        { class: 'alert alert-danger d-flex flex-wrap gap-2 align-items-center py-2 mt-2 mb-0', role: 'alert' },
        `Rules not saved: ${messageOf(err)}`,
        el('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: () => void run() }, 'Retry'),
      ),
    );
    return true;
  };
  const run = async () => {
    clearInvalid(box);
    failure.replaceChildren();
    if (badRollout(rules)) return;
    save.disabled = true;
    const comment = await reviewRules(flag, rules);
    if (comment === null) return changed('Not saved: unsaved changes');
    status.textContent = 'Saving…';
    const feedback: SaveFeedback = { status: status.id, focus: save.id, invalid: (raw) => markRefused(rules, raw), failed };
    if (!(await editing.patch(flag, { rules: rules.read() }, feedback, comment))) changed('Not saved: unsaved changes');
  };
  save.addEventListener('click', () => void run());
  discard.addEventListener('click', () => {
    clearInvalid(box);
    draw();
    status.textContent = 'Changes discarded';
  });
  const add = button('btn-outline-primary rule-add', 'Add rule', () => {
    const li = rules.add({ name: '', conditions: [], segments: [], rollout_percentage: 100, stickiness: DEFAULT_STICKINESS }, null, true);
    changed('Rule added: unsaved changes');
    li.querySelector<HTMLInputElement>('input')?.focus();
  });
  const box = panel(
    flag,
    editing,
    rules.element,
    empty,
    el('div', { class: 'd-flex flex-wrap gap-2 align-items-center' }, add, save, discard, status),
    failure,
  );
  draw();
  return box;
}
