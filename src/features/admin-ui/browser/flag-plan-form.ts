// The form that starts a flag's release plan: steps (percentage and minimum duration, added and
// removed in place), a mean-rating guard, a low-ratings guard and what a failing guard does. It checks
// the fields before sending, and shows the server's refusal beside itself.
import { api } from './api.js';
import type { Flag, Plan } from './api-types.js';
import { messageOf, toast } from './common.js';
import { el } from './dom.js';

/** The server's duration pattern: `30s`, `15m`, `4h`, `2d`. */
const DURATION = /^[1-9][0-9]{0,5}[smhd]$/;

export const planPath = (flag: string): string => `/api/admin/flags/${encodeURIComponent(flag)}/plan`;

function numberField(id: string, label: string, attrs: Record<string, string>): HTMLElement {
  return el(
    'div',
    { class: 'col-6 col-md-3' },
    el('label', { class: 'form-label small mb-1', for: id }, label),
    el('input', { class: 'form-control form-control-sm', type: 'number', id, required: true, ...attrs }),
  );
}

/** Names each step row's fields after its place, after a row was added or removed. */
function numberSteps(box: HTMLElement): void {
  Array.from(box.children).forEach((row, i) => {
    row.querySelector('.plan-pct')?.setAttribute('aria-label', `Step ${i + 1}: percentage`);
    row.querySelector('.plan-duration')?.setAttribute('aria-label', `Step ${i + 1}: minimum duration (30s, 15m, 4h, 2d)`);
    const hidden = row.querySelector('.visually-hidden');
    if (hidden) hidden.textContent = ` step ${i + 1}`;
  });
}

function addStep(box: HTMLElement, percentage = '', duration = ''): void {
  const row: HTMLLIElement = el(
    'li',
    { class: 'plan-step-row' },
    el(
      'div',
      { class: 'd-flex flex-wrap gap-2 align-items-center' },
      el('input', {
        class: 'form-control form-control-sm plan-pct',
        type: 'number',
        min: '1',
        max: '100',
        step: '1',
        required: true,
        value: percentage,
      }),
      el('span', { 'aria-hidden': 'true' }, '% for at least'),
      el('input', {
        class: 'form-control form-control-sm plan-duration',
        type: 'text',
        required: true,
        pattern: DURATION.source,
        maxlength: '7',
        value: duration,
        placeholder: '1h',
      }),
      el(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-secondary',
          onclick: (): void => {
            row.remove();
            numberSteps(box);
          },
        },
        'Remove',
        el('span', { class: 'visually-hidden' }),
      ),
    ),
  );
  box.append(row);
  numberSteps(box);
}

/** The steps as entered, or what is wrong with the form (also marking the first bad field). */
function readSteps(
  form: HTMLFormElement,
  box: HTMLElement,
): { steps: Array<{ percentage: number; min_duration: string }>; problem: string } {
  const steps = Array.from(box.children).map((row) => ({
    percentage: Number(row.querySelector<HTMLInputElement>('.plan-pct')?.value),
    min_duration: row.querySelector<HTMLInputElement>('.plan-duration')?.value.trim() ?? '',
  }));
  const invalid = Array.from(form.querySelectorAll('input')).find((i) => !i.checkValidity());
  for (const input of form.querySelectorAll('input')) input.classList.toggle('is-invalid', input === invalid);
  invalid?.focus();
  if (steps.length === 0) return { steps, problem: 'Add at least one step.' };
  if (invalid)
    return {
      steps,
      problem: `${invalid.getAttribute('aria-label') ?? invalid.labels?.[0]?.textContent ?? 'A field'}: ${invalid.validationMessage}`,
    };
  if (steps.some((s, i) => i > 0 && s.percentage <= steps[i - 1]!.percentage))
    return { steps, problem: 'Each step must reach a higher percentage than the one before.' };
  return { steps, problem: '' };
}

/** The form that starts a plan: steps (percentage, minimum duration), the two rating guards and what a breach does. */
export function planForm(flag: Flag, show: (plan: Plan) => void): HTMLFormElement {
  const prefix = `plan-${flag.name}`;
  const stepsBox = el('ol', { class: 'vstack gap-2 ps-3 mb-2' });
  const error = el('div', { class: 'small text-danger', role: 'alert', id: `${prefix}-error` });
  addStep(stepsBox, '5', '1h');
  addStep(stepsBox, '25', '1h');
  addStep(stepsBox, '100', '1h');
  const action = el(
    'select',
    { class: 'form-select form-select-sm', id: `${prefix}-action` },
    el('option', { value: 'pause' }, 'pause the plan'),
    el('option', { value: 'rollback' }, 'roll back one step and pause'),
  );
  const submit = el('button', { type: 'submit', class: 'btn btn-sm btn-primary' }, 'Start plan');
  const form = el(
    'form',
    { class: 'plan-form vstack gap-2', novalidate: true, 'aria-label': `New release plan for ${flag.name}`, 'aria-describedby': error.id },
    el('p', { class: 'small text-secondary mb-0' }, 'Steps in rising order; durations like 30s, 15m, 4h or 2d.'),
    stepsBox,
    el(
      'div',
      {},
      el('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => addStep(stepsBox) }, 'Add step'),
    ),
    el(
      'div',
      { class: 'row g-2' },
      numberField(`${prefix}-mean`, 'Lowest mean rating', { min: '1', max: '5', step: '0.1', value: '3.5' }),
      numberField(`${prefix}-mean-n`, 'on at least (ratings)', { min: '1', max: '1000000', step: '1', value: '20' }),
      numberField(`${prefix}-low`, 'Most 1–2 star ratings (%)', { min: '0', max: '100', step: '0.1', value: '20' }),
      numberField(`${prefix}-low-n`, 'on at least (ratings)', { min: '1', max: '1000000', step: '1', value: '20' }),
    ),
    el('div', {}, el('label', { class: 'form-label small mb-1', for: action.id }, 'When a guard fails'), action),
    el('div', { class: 'd-flex gap-2 align-items-center' }, submit),
    error,
  );
  const value = (suffix: string) => Number(form.querySelector<HTMLInputElement>(`#${CSS.escape(`${prefix}-${suffix}`)}`)?.value);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { steps, problem } = readSteps(form, stepsBox);
    error.textContent = problem;
    if (problem) return;
    const on_fail = action.value === 'rollback' ? 'rollback' : 'pause';
    const guards = [
      { kind: 'rating', min_mean: value('mean'), min_ratings: value('mean-n'), on_fail },
      { kind: 'low_ratings', max_share_pct: value('low'), min_ratings: value('low-n'), on_fail },
    ];
    submit.disabled = true;
    api<Plan>(planPath(flag.name), { method: 'PUT', body: { steps, guards } })
      .then((plan) => {
        toast(`Started a release plan for ${flag.name}.`);
        show(plan);
      })
      .catch((err: unknown) => {
        error.textContent = `The plan was not started: ${messageOf(err)}`;
        submit.disabled = false;
      });
  });
  return form;
}
