// What the flag card's forms share: a labelled control, a refused field marked beside itself (aria-invalid,
// the problem in words, aria-describedby), and a save button that says how the save went.
import { el } from './dom.js';

/**
 * How a form hears how its save went. The card is redrawn after a save, so the form names (by id) where
 * the redrawn card says "Saved" and which control gets the focus back.
 */
export interface SaveFeedback {
  status: string;
  /** Where a failed save says why, with Retry when sending the same change again may work (forms showing their own failures through `failed` need none). */
  problem?: string;
  focus: string;
  /** Shows a refused field's problem beside it; false when the message names none of the form's fields. */
  invalid(raw: string): boolean;
  /** Shows any other failed save in place (with a way to retry); false to leave it to the page's toast. */
  failed?(err: unknown): boolean;
}

/** Where a save says how it went, beside its control: "Saved" (`status`), or why it failed (`problem`). */
export function saveState(base: string) {
  const status = el('span', { class: 'small text-success', id: `${base}-status`, role: 'status' });
  const problem = el('div', { class: 'save-problem', id: `${base}-problem` });
  return {
    status,
    problem,
    /** Forgets the last outcome, as a new save starts. */
    clear(): void {
      status.textContent = '';
      problem.replaceChildren();
    },
    /** `focus`: the control focused after a save; `invalid` marks a refused field (none by default). */
    feedback: (focus: string, invalid: (raw: string) => boolean = () => false): SaveFeedback => ({
      status: status.id,
      problem: problem.id,
      focus,
      invalid,
    }),
  };
}

/** A control with its label above it. */
export const field = (cls: string, label: string, id: string, control: HTMLElement) =>
  el('div', { class: cls }, el('label', { class: 'form-label small', for: id }, label), control);

const ERROR_CLASS = 'field-error';

/** Marks a control as refused, with the problem in words right after it, and focuses it. */
export function markInvalid(control: HTMLElement, message: string): void {
  const id = `${control.id}-error`;
  control.classList.add('is-invalid');
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
  control.insertAdjacentElement('afterend', el('div', { class: `invalid-feedback d-block ${ERROR_CLASS}`, id }, message));
  control.focus();
}

/** Takes back every mark `markInvalid` left inside `box`. */
export function clearInvalid(box: HTMLElement): void {
  for (const control of box.querySelectorAll<HTMLElement>('[aria-invalid="true"]')) {
    control.classList.remove('is-invalid');
    control.removeAttribute('aria-invalid');
    const rest = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '' && id !== `${control.id}-error`);
    if (rest.length > 0) control.setAttribute('aria-describedby', rest.join(' '));
    else control.removeAttribute('aria-describedby');
  }
  for (const message of box.querySelectorAll(`.${ERROR_CLASS}`)) message.remove();
}

/**
 * A form's save button and the status beside it: the button is disabled while saving and enabled again
 * when the save fails, which is then said below it; after a save the redrawn card says "Saved" there.
 * `invalid` marks a refused field.
 */
export function saveAction(
  base: string,
  label: string,
  box: () => HTMLElement,
  run: (feedback: SaveFeedback) => Promise<boolean>,
  invalid: (raw: string) => boolean,
): HTMLElement {
  const button = el('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', id: `${base}-save` }, label);
  const state = saveState(base);
  button.addEventListener('click', () => {
    button.disabled = true;
    state.clear();
    clearInvalid(box());
    void run(state.feedback(button.id, invalid)).finally(() => {
      button.disabled = false;
    });
  });
  return el('div', {}, el('div', { class: 'd-flex flex-wrap gap-2 align-items-center' }, button, state.status), state.problem);
}
