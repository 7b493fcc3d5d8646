// A flag's release plan on its card: the timeline (steps done, the current one with its guards'
// readings, the next with its earliest time), the plan's state with the reason it stopped, the
// Pause / Resume / Skip step / Abort buttons, and a form that starts a plan for a flag without one.
import { api, ApiError } from './api.js';
import type { Flag, Plan } from './api-types.js';
import { messageOf, statusBadge, toast } from './common.js';
import { el, fill } from './dom.js';
import { fmtDate, fmtNumber } from './format.js';
import { planPanelId } from './ids.js';

type Reading = Plan['readings'][number];
type Guard = Plan['guards'][number];
type Action = 'pause' | 'resume' | 'skip' | 'abort';

/** The server's duration pattern: `30s`, `15m`, `4h`, `2d`. */
const DURATION = /^[1-9][0-9]{0,5}[smhd]$/;

const planPath = (flag: string) => `/api/admin/flags/${encodeURIComponent(flag)}/plan`;

const STATE_BADGE: Record<Plan['status'], string> = {
  running: 'text-bg-primary',
  paused: 'text-bg-warning',
  done: 'text-bg-success',
  aborted: 'text-bg-secondary',
};

const GUARD_LABEL: Record<Guard['kind'], string> = {
  rating: 'Mean rating',
  low_ratings: 'Share of 1–2 star ratings',
  errors: 'Errors per 1,000 evaluations',
};

/** A guard's figure against its threshold, e.g. "3.2 (needs ≥ 3.5)". */
function figure(r: Reading): string {
  const kind = r.kind as Guard['kind'];
  const value = r.value === null ? '—' : fmtNumber(r.value, kind === 'low_ratings' ? 1 : 2);
  if (kind === 'rating') return `${value} (needs ≥ ${fmtNumber(r.threshold, 2)})`;
  if (kind === 'low_ratings') return `${value} % (at most ${fmtNumber(r.threshold, 1)} %)`;
  return `${value} (at most ${fmtNumber(r.threshold, 2)})`;
}

const SAMPLE_UNIT: Record<Guard['kind'], string> = { rating: 'ratings', low_ratings: 'ratings', errors: 'evaluations' };

function readingRow(r: Reading): HTMLElement {
  const kind = r.kind as Guard['kind'];
  const [status, text] =
    r.status === 'ok' ? ['pass', 'holding'] : r.status === 'failed' ? ['fail', 'failing'] : ['no_data', 'waiting for data'];
  return el(
    'li',
    { class: 'small', dataset: { guard: kind, status: r.status } },
    statusBadge(status, text),
    ' ',
    el('span', { class: 'fw-semibold' }, GUARD_LABEL[kind] ?? kind),
    `: ${figure(r)} · ${r.sample} of ${r.min_sample} ${SAMPLE_UNIT[kind] ?? 'samples'} · on failure: ${r.on_fail === 'rollback' ? 'roll back' : 'pause'}`,
  );
}

/** A guard without a reading yet (before the plan's first pass). */
function guardRow(g: Guard): HTMLElement {
  const rule =
    g.kind === 'rating'
      ? `mean ≥ ${g.min_mean} on ${g.min_ratings} ratings`
      : g.kind === 'low_ratings'
        ? `at most ${g.max_share_pct} % on ${g.min_ratings} ratings`
        : `at most ${g.max_per_1000} on ${g.min_evaluations} evaluations`;
  return el(
    'li',
    { class: 'small', dataset: { guard: g.kind, status: 'none' } },
    statusBadge('no_data', 'not read yet'),
    ' ',
    el('span', { class: 'fw-semibold' }, GUARD_LABEL[g.kind]),
    `: ${rule}`,
  );
}

function stepItem(plan: Plan, step: Plan['steps'][number]): HTMLElement {
  const current = plan.steps.find((s) => s.state === 'current');
  const when =
    step.state === 'done'
      ? plan.status === 'done' && step.index === plan.current_step
        ? `done, finished ${fmtDate(plan.updated_at)}`
        : current?.started_at && step.index === plan.current_step - 1
          ? `done, until ${fmtDate(current.started_at)}`
          : 'done'
      : step.state === 'current'
        ? step.started_at
          ? `current since ${fmtDate(step.started_at)}`
          : 'current, being applied'
        : step.state === 'next'
          ? step.earliest_at
            ? `next, not before ${fmtDate(step.earliest_at)}`
            : 'next, at the plan’s next pass'
          : 'later';
  const guards =
    step.state === 'current'
      ? el(
          'ul',
          { class: 'list-unstyled mb-0 mt-1 ms-3 vstack gap-1', 'aria-label': 'Guards' },
          plan.readings.length > 0 ? plan.readings.map(readingRow) : plan.guards.map(guardRow),
        )
      : null;
  return el(
    'li',
    { class: `plan-step plan-step-${step.state}`, dataset: { step: String(step.index), state: step.state } },
    el('span', { class: step.state === 'current' ? 'fw-semibold' : '' }, `${step.percentage} % for at least ${step.min_duration}`),
    el('span', { class: 'small text-secondary' }, ` · ${when}`),
    guards,
  );
}

/** An in-place failure with a button that tries again. */
export function failure(text: string, retry: () => void): HTMLElement {
  return el(
    'div',
    { class: 'alert alert-danger d-flex flex-wrap gap-2 align-items-center py-2 mb-0 small', role: 'alert' },
    text,
    el('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: retry }, 'Retry'),
  );
}

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
function planForm(flag: Flag, show: (plan: Plan) => void): HTMLFormElement {
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

/** "Create a release plan", opening the form in place. */
function offerNew(flag: Flag, intro: string, show: (plan: Plan) => void): HTMLElement {
  const open = el('button', { type: 'button', class: 'btn btn-sm btn-outline-primary' }, 'Create a release plan');
  const holder = el('div', { class: 'mt-2' });
  open.addEventListener('click', () => {
    open.hidden = true;
    fill(holder, planForm(flag, show));
    holder.querySelector('input')?.focus();
  });
  return el('div', {}, el('p', { class: 'small text-secondary mb-1' }, intro), open, holder);
}

/** The panel, filled at once: a plan's timeline and controls, or the way to start one. */
export function planPanel(flag: Flag): HTMLElement {
  const body = el('div', { 'aria-live': 'polite' }, el('p', { class: 'small text-secondary mb-0' }, 'Loading the release plan…'));
  const panel = el(
    'section',
    { class: 'flag-plan mt-3', id: planPanelId(flag.name), dataset: { plan: flag.name }, 'aria-label': `Release plan of ${flag.name}` },
    el('h3', { class: 'h6' }, 'Release plan'),
    body,
  );

  const act = (action: Action, buttons: HTMLElement, problem: HTMLElement) => {
    if (
      action === 'abort' &&
      !confirm(`Abort the release plan of ${flag.name}? The flag stays at its current percentage and the plan cannot be resumed.`)
    )
      return;
    for (const b of buttons.querySelectorAll('button')) b.disabled = true;
    api<Plan>(`${planPath(flag.name)}/${action}`, { method: 'POST' })
      .then((plan) => {
        toast(`${{ pause: 'Paused', resume: 'Resumed', skip: 'Skipped a step of', abort: 'Aborted' }[action]} the plan of ${flag.name}.`);
        show(plan);
      })
      .catch((err: unknown) => {
        for (const b of buttons.querySelectorAll('button')) b.disabled = false;
        fill(
          problem,
          failure(`Could not ${action === 'skip' ? 'skip the step' : action}: ${messageOf(err)}`, () => act(action, buttons, problem)),
        );
      });
  };

  function show(plan: Plan): void {
    const live = plan.status === 'running' || plan.status === 'paused';
    const problem = el('div', { class: 'mt-2' });
    const buttons = el('div', { class: 'd-flex flex-wrap gap-2 mt-2' });
    const button = (action: Action, label: string, style = 'btn-outline-secondary') =>
      el('button', { type: 'button', class: `btn btn-sm ${style}`, onclick: () => act(action, buttons, problem) }, label);
    if (plan.status === 'running') buttons.append(button('pause', 'Pause'));
    if (plan.status === 'paused') buttons.append(button('resume', 'Resume', 'btn-primary'));
    if (live) buttons.append(button('skip', 'Skip step'), button('abort', 'Abort', 'btn-outline-danger'));
    fill(
      body,
      el(
        'p',
        { class: 'small mb-1' },
        el('span', { class: `badge ${STATE_BADGE[plan.status]} plan-state`, dataset: { state: plan.status } }, plan.status),
        plan.attention ? ` ${plan.attention}` : plan.status === 'aborted' ? ' Aborted by hand.' : '',
      ),
      el(
        'ol',
        { class: 'plan-timeline small mb-0 vstack gap-1', 'aria-label': 'Steps' },
        plan.steps.map((s) => stepItem(plan, s)),
      ),
      live ? buttons : null,
      problem,
      live ? null : offerNew(flag, 'Start a new plan to move this flag again.', show),
    );
  }

  const load = async () => {
    fill(body, el('p', { class: 'small text-secondary mb-0' }, 'Loading the release plan…'));
    try {
      show(await api<Plan>(planPath(flag.name)));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        fill(body, offerNew(flag, 'No release plan: the flag moves only when someone changes it.', show));
      else
        fill(
          body,
          failure(`Could not load the release plan: ${messageOf(err)}`, () => void load()),
        );
    }
  };
  void load();
  return panel;
}
