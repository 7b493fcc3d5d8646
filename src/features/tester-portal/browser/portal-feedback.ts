// Feedback in the portal: the rating form (1 to 5 and a comment) for a feature or the program as a
// whole, and "My feedback", the tester's own ratings, newest first.
import { call, messageOf } from './api.js';
import type { MyFeedback } from './api-types.js';
import { element, h, replace, say } from './dom.js';
import { BETA_API, PORTAL } from './ids.js';

const RATINGS = ['1', '2', '3', '4', '5'] as const;
const WORDS = ['poor', 'fair', 'good', 'very good', 'excellent'];

/** Feature titles by name, for "My feedback" (a feature no longer listed shows its name). */
const titles = new Map<string, string>();
export const rememberTitle = (name: string, title: string): void => void titles.set(name, title);

const stars = (rating: number) =>
  h('span', { class: 'stars', role: 'img', 'aria-label': `${rating} out of 5` }, '★'.repeat(rating) + '☆'.repeat(5 - rating));

function feedbackItem(f: MyFeedback): HTMLElement {
  const about = f.feature === null ? 'The program in general' : (titles.get(f.feature) ?? f.feature);
  const when = new Date(f.created_at).toLocaleString('en-GB', {
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  return h(
    'li',
    { class: 'list-group-item', 'data-feedback': f.id },
    h('div', { class: 'd-flex flex-wrap justify-content-between gap-2' }, h('span', { class: 'fw-semibold' }, about), stars(f.rating)),
    f.comment ? h('p', { class: 'comment mb-1 mt-1' }, f.comment) : null,
    h('time', { class: 'small text-secondary', datetime: f.created_at }, when),
  );
}

export async function loadMyFeedback(): Promise<void> {
  const list = element(PORTAL.myFeedback, HTMLElement);
  try {
    const { items } = await call<{ items: MyFeedback[] }>(BETA_API.feedback);
    replace(
      list,
      items.length === 0
        ? h('li', { class: 'list-group-item text-secondary' }, 'You have not rated anything yet.')
        : items.map(feedbackItem),
    );
  } catch (err) {
    replace(list, h('li', { class: 'list-group-item text-danger' }, `Your feedback could not be loaded: ${messageOf(err)}`));
  }
}

/** The radio buttons 1–5, as one labelled group. */
function ratingChoices(base: string, label: string): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: 'mb-2' },
    h('legend', { class: 'form-label fs-6 mb-1' }, label),
    h(
      'div',
      { class: 'btn-group flex-wrap', role: 'group' },
      RATINGS.map((r, i) => [
        h('input', { class: 'btn-check', type: 'radio', name: 'rating', id: `${base}-r${r}`, value: r, required: true }),
        h(
          'label',
          { class: 'btn btn-outline-secondary', for: `${base}-r${r}`, title: WORDS[i] },
          `${r} ★`,
          h('span', { class: 'visually-hidden' }, ` ${WORDS[i]}`),
        ),
      ]),
    ),
  );
}

/** A rating form for `feature` (null: the program as a whole); `title` names it for screen readers. */
export function ratingForm(feature: string | null, title: string): HTMLFormElement {
  const base = `rate-${feature ?? 'general'}`;
  const status = h('div', { class: 'mt-2', 'aria-live': 'polite' });
  const comment = h('textarea', { class: 'form-control', id: `${base}-comment`, name: 'comment', rows: '2', maxlength: '2000' });
  const form = h(
    'form',
    { class: 'rating-form', novalidate: true, 'aria-label': `Rate ${title}`, 'data-rate': feature ?? '' },
    ratingChoices(base, feature === null ? 'Your rating' : `Your rating of ${title}`),
    h('label', { class: 'form-label small', for: `${base}-comment` }, 'Comment (optional)'),
    comment,
    h('button', { class: 'btn btn-primary btn-sm mt-2', type: 'submit' }, 'Send feedback'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="rating"]:checked');
    if (!(chosen instanceof HTMLInputElement)) {
      say(status, 'Choose a rating from 1 to 5 first.', 'danger');
      return;
    }
    const text = comment.value.trim();
    const body = { feature, rating: Number(chosen.value), ...(text ? { comment: text } : {}) };
    call<MyFeedback>(BETA_API.feedback, 'POST', body)
      .then(async () => {
        form.reset();
        say(status, 'Thank you: your feedback is in.', 'success');
        await loadMyFeedback();
      })
      .catch((err: unknown) => say(status, messageOf(err), 'danger'));
  });
  return form;
}

/** The general feedback form, under the features. */
export function wireGeneralFeedback(): void {
  const box = element(PORTAL.generalForm, HTMLElement);
  replace(box, ratingForm(null, 'the program'));
}
