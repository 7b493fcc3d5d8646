// A flag's experiment results, loaded when its details are opened: per variant, how often it was
// served and to how many users, the ratings its testers gave (mean with its 95 % interval) and how it
// compares with the control.
import { api } from './api.js';
import type { Experiment, Flag } from './api-types.js';
import { messageOf } from './common.js';
import { el, fill } from './dom.js';
import { fmtDate, fmtInt, fmtNumber } from './format.js';

type Row = Experiment['variants'][number];

const interval = (ci: [number, number] | null) => (ci ? `${fmtNumber(ci[0], 2)} – ${fmtNumber(ci[1], 2)}` : '—');

function verdict(row: Row, control: string): string {
  if (row.variant === control) return 'Control';
  if (row.significant === null) return 'Not enough ratings to compare';
  const diff = row.difference_to_control ?? 0;
  const direction = diff > 0 ? 'higher' : 'lower';
  const p = row.p_value !== null && row.p_value < 0.001 ? 'p < 0.001' : `p = ${fmtNumber(row.p_value, 3)}`;
  return row.significant
    ? `${fmtNumber(Math.abs(diff), 2)} ${direction}: significant (${p})`
    : `${fmtNumber(Math.abs(diff), 2)} ${direction}: not significant (${p})`;
}

function table(result: Experiment): HTMLElement {
  const head = ['Variant', 'Exposures', 'Users', 'Ratings', 'Mean rating', '95 % interval', `Against ${result.control}`];
  return el(
    'div',
    { class: 'table-responsive', tabindex: '0', role: 'region', 'aria-label': `Experiment results of ${result.flag}` },
    el(
      'table',
      { class: 'table table-sm align-middle mb-1' },
      el(
        'caption',
        { class: 'small' },
        `${result.method}, α = ${result.alpha}. Ratings count for the variant each tester was served when rating.`,
      ),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          head.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        {},
        result.variants.map((row) =>
          el(
            'tr',
            { dataset: { variant: row.variant, significant: String(row.significant) } },
            el('th', { scope: 'row' }, row.current ? row.variant : `${row.variant} (removed)`),
            el('td', {}, fmtInt(row.exposures)),
            el('td', {}, fmtInt(row.distinct_users)),
            el('td', {}, fmtInt(row.feedback_count)),
            el('td', {}, row.mean_rating === null ? '—' : fmtNumber(row.mean_rating, 2)),
            el('td', {}, interval(row.ci95)),
            el('td', { class: row.significant ? 'fw-semibold' : '' }, verdict(row, result.control)),
          ),
        ),
      ),
    ),
  );
}

/** The panel; `load` fetches the results (again) into it. */
export function experimentPanel(flag: Flag): { panel: HTMLElement; load: () => Promise<void> } {
  const body = el('div', { 'aria-live': 'polite' }, el('p', { class: 'small text-secondary mb-0' }, 'Loading…'));
  const panel = el('div', { dataset: { experiment: flag.name } }, el('h3', { class: 'h6' }, 'Experiment results'), body);
  const load = async () => {
    try {
      const result = await api<Experiment>(`/api/admin/flags/${encodeURIComponent(flag.name)}/experiment`);
      const rated = result.variants.some((v) => v.feedback_count > 0 || v.exposures > 0);
      fill(
        body,
        rated
          ? [
              table(result),
              el('p', { class: 'small text-secondary mb-0' }, result.since ? `Exposures since ${fmtDate(result.since)}.` : ''),
            ]
          : el('p', { class: 'small text-secondary mb-0' }, 'No exposures or rated feedback yet.'),
      );
    } catch (err) {
      fill(body, el('p', { class: 'small text-danger mb-0' }, `The results could not be loaded: ${messageOf(err)}`));
    }
  };
  return { panel, load };
}
