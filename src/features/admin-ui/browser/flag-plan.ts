// A flag's release plan on its card: the timeline (steps done, the current one with its guards'
// readings, the next with its earliest time), the plan's state with the reason it stopped, the
// Pause / Resume / Skip step / Abort buttons, and a form that starts a plan for a flag without one.
import { api, ApiError } from './api.js';
import type { Flag, Plan, PlanList } from './api-types.js';
import { failure, messageOf, statusBadge, toast } from './common.js';
import { el, fill } from './dom.js';
import { fmtDate, fmtNumber } from './format.js';
import { planForm, planPath } from './flag-plan-form.js';
import { planPanelId } from './ids.js';

type Reading = Plan['readings'][number];
type Guard = Plan['guards'][number];
type Action = 'pause' | 'resume' | 'skip' | 'abort';

/**
 * The running and paused plans, fetched once for every card of the page (one call, not one per
 * flag); a retry fetches them again and reloads every card's panel.
 */
let shared: Promise<Map<string, Plan>> | null = null;
function livePlans(): Promise<Map<string, Plan>> {
  shared ??= api<PlanList>('/api/admin/plans').then((list) => new Map(list.items.map((p) => [p.flag, p])));
  shared.catch(() => (shared = null));
  return shared;
}
const RETRY_EVENT = 'plans-retry';
function retryAll(): void {
  shared = null;
  document.dispatchEvent(new Event(RETRY_EVENT));
}

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

/** The plan's state, with why it stopped. */
const stateLine = (plan: Plan) =>
  el(
    'p',
    { class: 'small mb-1' },
    el('span', { class: `badge ${STATE_BADGE[plan.status]} plan-state`, dataset: { state: plan.status } }, plan.status),
    plan.attention ? ` ${plan.attention}` : plan.status === 'aborted' ? ' Aborted by hand.' : '',
  );

/** A finished or aborted plan is not in the shared list: fetched on request (404: there never was one). */
async function showLast(flag: Flag, body: HTMLElement, show: (plan: Plan) => void): Promise<void> {
  fill(body, el('p', { class: 'small text-secondary mb-0' }, 'Loading the last release plan…'));
  try {
    show(await api<Plan>(planPath(flag.name)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) fill(body, offerNew(flag, 'This flag has never had a release plan.', show));
    else
      fill(
        body,
        failure(`Could not load the last release plan: ${messageOf(err)}`, () => void showLast(flag, body, show)),
      );
  }
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
    void shared?.then((plans) => plans.set(plan.flag, plan)).catch(() => undefined);
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
      stateLine(plan),
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
      const plan = (await livePlans()).get(flag.name);
      if (plan) return show(plan);
      const intro = offerNew(flag, 'No running plan: the flag moves only when someone changes it.', show);
      intro.append(
        el(
          'button',
          { type: 'button', class: 'btn btn-sm btn-link', onclick: () => void showLast(flag, body, show) },
          'Show the last plan',
        ),
      );
      fill(body, intro);
    } catch (err) {
      fill(body, failure(`Could not load the release plan: ${messageOf(err)}`, retryAll));
    }
  };
  const retry = () => {
    if (!panel.isConnected) document.removeEventListener(RETRY_EVENT, retry);
    else void load();
  };
  document.addEventListener(RETRY_EVENT, retry);
  void load();
  return panel;
}
