// Targeting controls beside a flag's conditions: each condition's switches (ignore case, invert) and
// the stickiness attribute rollouts and variant choices hash.
import type { Condition, Flag } from './api-types.js';
import { el } from './dom.js';

const conditionSwitch = (id: string, part: string, checked: boolean, label: string) =>
  el(
    'div',
    { class: 'form-check form-check-inline' },
    el('input', { class: 'form-check-input', type: 'checkbox', id, dataset: { part }, checked }),
    el('label', { class: 'form-check-label small', for: id }, label),
  );

/** The switches of the condition row `base`, read back by {@link readSwitches}. */
export function conditionSwitches(base: string, c: Partial<Condition>): HTMLElement {
  return el(
    'div',
    { class: 'col-12' },
    conditionSwitch(`${base}-ci`, 'case_insensitive', c.case_insensitive === true, 'Ignore case (contains, starts/ends with)'),
    conditionSwitch(`${base}-not`, 'inverted', c.inverted === true, 'Invert (NOT)'),
  );
}

/** A row's switches that are on (the API stores a switch only when on). */
export function readSwitches(row: Element): { case_insensitive?: true; inverted?: true } {
  const on = (part: string) => row.querySelector<HTMLInputElement>(`[data-part="${part}"]`)?.checked === true;
  return { ...(on('case_insensitive') && { case_insensitive: true }), ...(on('inverted') && { inverted: true }) };
}

/** The attribute to bucket on, saved through `saveControl` (the card's save button with its status). */
export function stickinessEditor(flag: Flag, saveControl: (read: () => string) => HTMLElement): HTMLElement {
  const id = `sticky-${flag.name}`;
  const input = el('input', { class: 'form-control form-control-sm', id, value: flag.stickiness, maxlength: '100' });
  return el(
    'div',
    { class: 'mt-3' },
    el('label', { class: 'form-label small', for: id }, 'Bucket rollouts and variants by (stickiness attribute)'),
    input,
    el(
      'div',
      { class: 'mt-2' },
      saveControl(() => input.value.trim() || 'targetingKey'),
    ),
  );
}
