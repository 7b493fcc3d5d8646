// Invites on the testers page: whether this server sends mail (without it the console offers only
// "copy invite link"), each tester's status badge and invite buttons (copy the existing link, never
// a new one; send or resend it by mail), and inviting everyone a list import created.
import { api } from './api.js';
import type { Tester } from './api-types.js';
import { copyText, failure, messageOf, toast, worthRetrying } from './common.js';
import { commentHeaders, reviewChange } from './review.js';
import { byId, el, fill } from './dom.js';
import { INVITES } from './ids.js';

let mailEnabled = false;

/** Asks the public program endpoint whether mail goes out, and says so under the add form. */
export async function loadMailState(): Promise<void> {
  try {
    const res = await fetch('/api/beta/program', { headers: { accept: 'application/json' } });
    mailEnabled = res.ok && ((await res.json()) as { mail_enabled?: unknown }).mail_enabled === true;
  } catch {
    mailEnabled = false;
  }
  byId(INVITES.mailState, HTMLElement).textContent = mailEnabled
    ? 'Invitations can be sent by email from here, or copied.'
    : 'This server sends no email (SMTP is not configured): copy each invite link and send it yourself.';
}

const STATUS_BADGE: Record<Tester['status'], string> = {
  invited: 'text-bg-light border',
  active: 'text-bg-success',
  unverified: 'badge-status-warn',
  inactive: 'text-bg-secondary',
};

export const statusBadge = (user: Tester): HTMLElement =>
  el('span', { class: `badge ${STATUS_BADGE[user.status]}`, dataset: { status: user.status } }, user.status);

/** How a row says a change failed (under itself), and clears that once one works. */
export interface RowProblem {
  failed(text: string, retry?: () => Promise<unknown>): void;
  cleared(): void;
}

async function sendInvite(user: Tester, button: HTMLButtonElement, problem: RowProblem): Promise<void> {
  button.disabled = true;
  try {
    await api(`/api/admin/users/${encodeURIComponent(user.id)}/send-invite`, { method: 'POST' });
    problem.cleared();
    toast(`Invitation to ${user.email} is on its way.`);
    button.textContent = 'Resend invite';
    button.setAttribute('aria-label', `Resend invite to ${user.email}`);
  } catch (err) {
    problem.failed(`Invitation not sent: ${messageOf(err)}`, worthRetrying(err) ? () => sendInvite(user, button, problem) : undefined);
  } finally {
    button.disabled = false;
  }
}

/**
 * "Copy invite" (the existing link) for a tester who has not joined, and "Send invite" / "Resend
 * invite" when mail goes out. `reveal` shows the link in a field too (to copy by hand where the
 * clipboard is not available) and answers that field; a failed send is said through `problem`.
 */
export function inviteButtons(user: Tester, reveal: (user: Tester) => HTMLInputElement, problem: RowProblem): HTMLElement[] {
  if (user.status !== 'invited') return [];
  const copy = el(
    'button',
    {
      type: 'button',
      class: 'btn btn-outline-secondary',
      'aria-label': `Copy invite link of ${user.email}`,
      onclick: () => copyText(user.invite_url, reveal(user)),
    },
    'Copy invite',
  );
  if (!mailEnabled) return [copy];
  const send = el(
    'button',
    {
      type: 'button',
      class: 'btn btn-outline-primary',
      'aria-label': `${user.invited_at ? 'Resend' : 'Send'} invite to ${user.email}`,
    },
    user.invited_at ? 'Resend invite' : 'Send invite',
  );
  send.addEventListener('click', () => void sendInvite(user, send, problem));
  return [copy, send];
}

/** After an import: one button that invites every tester it created (by mail, or their links to copy). */
export function offerBulkInvite(created: Tester[]): void {
  const box = byId(INVITES.bulk, HTMLElement);
  box.hidden = created.length === 0;
  if (created.length === 0) return;
  const n = created.length;
  const plural = n === 1 ? '' : 's';
  if (!mailEnabled) {
    const links = created.map((u) => `${u.email} ${u.invite_url}`).join('\n');
    fill(
      box,
      el(
        'button',
        { type: 'button', class: 'btn btn-outline-primary', onclick: () => copyText(links) },
        `Copy the ${n} invite link${plural}`,
      ),
    );
    return;
  }
  const button = el('button', { type: 'button', class: 'btn btn-primary' }, `Send invitations to the ${n} imported tester${plural}`);
  button.addEventListener('click', () => void review());
  const review = async () => {
    const comment = await reviewChange({
      title: `Send ${n} invitation${plural}`,
      summary: 'Each imported tester gets an invitation mail with their link; mail cannot be unsent.',
      rows: [{ field: 'Invitations', before: 'not sent', after: `${n} queued to send` }],
      confirm: 'Send invitations',
    });
    if (comment === null) return;
    await sendAll(comment);
  };
  // A failure stays beside the button, which works again; Retry sends the same request with the same comment.
  const sendAll = (comment: string): Promise<void> => {
    button.disabled = true;
    return api<{ queued: number }>('/api/admin/users/send-invites', {
      method: 'POST',
      body: { ids: created.map((u) => u.id) },
      headers: commentHeaders(comment),
    })
      .then((answer) => {
        fill(box, el('p', { class: 'mb-0', role: 'status' }, `${answer.queued} invitation${answer.queued === 1 ? '' : 's'} queued.`));
      })
      .catch((err: unknown) => {
        button.disabled = false;
        const retry = worthRetrying(err) ? () => sendAll(comment) : undefined;
        fill(box, button, el('div', { class: 'save-problem' }, failure(`Invitations not sent: ${messageOf(err)}`, retry)));
      });
  };
  fill(box, button);
}
