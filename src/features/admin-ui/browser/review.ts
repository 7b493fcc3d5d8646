// Review before a risky save: turning off or narrowing a partly rolled-out flag, changing a role,
// deactivating a tester, bulk actions. The dialog shows what changes (before → after), takes an
// optional comment that the server keeps on the audit entry (header X-Change-Comment), and only
// then is the change sent. A toggle or a deactivation can be undone from its toast for 10 s.
import { el, find } from './dom.js';
import { FRAME } from './ids.js';

export interface ReviewRow {
  /** What changes, in words: "Role", "Rollout", "Served". */
  field: string;
  before: string;
  after: string;
}

export interface ReviewSpec {
  title: string;
  /** What the change means for people, in a sentence. */
  summary: string;
  rows: readonly ReviewRow[];
  /** The button that makes the change: "Turn off", "Deactivate". */
  confirm: string;
}

/** The longest comment the server keeps. */
const COMMENT_MAX = 500;
export const UNDO_MS = 10_000;

let opened = 0;

/** Shows the change for review; resolves with the comment ('' for none), or null when cancelled. */
export function reviewChange(spec: ReviewSpec): Promise<string | null> {
  const n = ++opened;
  const comment = el('textarea', { class: 'form-control', id: `review-comment-${n}`, rows: 2, maxlength: COMMENT_MAX });
  const dialog = el(
    'dialog',
    { class: 'console-dialog review-dialog', 'aria-labelledby': `review-title-${n}`, 'aria-describedby': `review-summary-${n}` },
    el(
      'form',
      { method: 'dialog' },
      el('h2', { class: 'h5', id: `review-title-${n}` }, spec.title),
      el('p', { class: 'small', id: `review-summary-${n}` }, spec.summary),
      el(
        'table',
        { class: 'table table-sm review-diff' },
        el('caption', { class: 'visually-hidden' }, 'The change'),
        el(
          'thead',
          {},
          el('tr', {}, el('th', { scope: 'col' }, 'Setting'), el('th', { scope: 'col' }, 'Now'), el('th', { scope: 'col' }, 'After')),
        ),
        el(
          'tbody',
          {},
          spec.rows.map((r) =>
            el('tr', {}, el('th', { scope: 'row' }, r.field), el('td', {}, el('del', {}, r.before)), el('td', {}, el('ins', {}, r.after))),
          ),
        ),
      ),
      el('label', { class: 'form-label small', for: `review-comment-${n}` }, 'Comment (optional, kept in the audit log)'),
      comment,
      el(
        'div',
        { class: 'd-flex justify-content-end gap-2 mt-3' },
        el('button', { type: 'submit', class: 'btn btn-outline-secondary', value: 'cancel' }, 'Cancel'),
        el('button', { type: 'submit', class: 'btn btn-danger', value: 'confirm' }, spec.confirm),
      ),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      resolve(confirmed ? comment.value.trim() : null);
    });
    dialog.showModal();
  });
}

/** The request headers that carry a review's comment to the audit log. */
export const commentHeaders = (comment: string | undefined): Record<string, string> =>
  comment ? { 'x-change-comment': encodeURIComponent(comment.slice(0, COMMENT_MAX)) } : {};

/** A confirmation with an "Undo" button for 10 s; `undo` reverses the change. */
export function toastUndo(message: string, undo: () => Promise<void>): void {
  const box = find(`#${FRAME.toasts}`, HTMLElement) ?? document.body;
  const button = el('button', { type: 'button', class: 'btn btn-sm btn-outline-dark ms-3' }, 'Undo');
  const node = el(
    'div',
    { class: 'alert alert-success shadow-sm mb-2 py-2 d-flex align-items-center', role: 'status' },
    el('span', {}, message),
    button,
  );
  const timer = setTimeout(() => node.remove(), UNDO_MS);
  button.addEventListener('click', () => {
    clearTimeout(timer);
    button.disabled = true;
    void undo().finally(() => node.remove());
  });
  box.append(node);
}
