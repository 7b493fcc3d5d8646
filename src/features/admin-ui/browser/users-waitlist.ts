// The testers page's tabs, and its waitlist: entries by status (pending: email not confirmed yet;
// confirmed; approved), approved one at a time, as a selection, or "the next N" (each approval
// creates the tester and sends the invitation).
import { api } from './api.js';
import type { WaitlistApproval, WaitlistEntry } from './api-types.js';
import { failure, messageOf, toast, worthRetrying } from './common.js';
import { commentHeaders, reviewChange } from './review.js';
import { byId, el, fill, get } from './dom.js';
import { fmtDate } from './format.js';
import { INVITES, WAITLIST } from './ids.js';

const table = get(`#${WAITLIST.table} tbody`, HTMLTableSectionElement);
const statusSelect = byId(WAITLIST.status, HTMLSelectElement);
const approveSelected = byId(WAITLIST.approveSelected, HTMLButtonElement);

const selected = (): string[] =>
  [...table.querySelectorAll('input[type="checkbox"]:checked')].flatMap((box) =>
    box instanceof HTMLInputElement && box.value ? [box.value] : [],
  );

const updateSelection = (): void => {
  const n = selected().length;
  approveSelected.disabled = n === 0;
  approveSelected.textContent = n === 0 ? 'Approve selected' : `Approve ${n} selected`;
};

function entryRow(entry: WaitlistEntry): HTMLTableRowElement {
  const pickable = entry.status !== 'approved';
  const approve = el(
    'button',
    { type: 'button', class: 'btn btn-sm btn-outline-primary', 'aria-label': `Approve ${entry.email}` },
    'Approve',
  );
  approve.addEventListener('click', () => void approveWith({ ids: [entry.id] }));
  return el(
    'tr',
    { dataset: { id: entry.id, email: entry.email } },
    el(
      'td',
      {},
      pickable
        ? el('input', {
            class: 'form-check-input',
            type: 'checkbox',
            value: entry.id,
            'aria-label': `Select ${entry.email}`,
            onchange: updateSelection,
          })
        : null,
    ),
    el('td', { class: 'email-cell' }, entry.email),
    el('td', {}, entry.status),
    el('td', { class: 'text-nowrap small' }, fmtDate(entry.created_at)),
    el('td', { class: 'text-nowrap small' }, fmtDate(entry.confirmed_at)),
    el('td', { class: 'text-nowrap small' }, fmtDate(entry.approved_at)),
    el('td', { class: 'text-end' }, pickable ? approve : null),
  );
}

async function load(): Promise<void> {
  try {
    const { items } = await api<{ items: WaitlistEntry[] }>(`/api/admin/waitlist?status=${encodeURIComponent(statusSelect.value)}`);
    fill(
      table,
      items.length === 0 ? el('tr', {}, el('td', { colspan: '7', class: 'text-secondary' }, 'Nobody here.')) : items.map(entryRow),
    );
  } catch (err) {
    // Said in the table, with Retry, rather than leaving the last list (or nothing) in place.
    fill(
      table,
      el(
        'tr',
        {},
        el('td', { colspan: '7' }, failure(`The waitlist did not load: ${messageOf(err)}`, worthRetrying(err) ? load : undefined)),
      ),
    );
  }
  updateSelection();
}

async function approveWith(body: { ids: string[] } | { next: number }): Promise<void> {
  // One approval is a click; more than one is a bulk action, reviewed first.
  const many = 'next' in body ? body.next : body.ids.length;
  let comment: string | null = '';
  if (many > 1) {
    comment = await reviewChange({
      title: 'next' in body ? `Approve the next ${many} on the waitlist` : `Approve ${many} selected`,
      summary: 'Each approval creates the tester and sends their invitation at once; invitations cannot be unsent.',
      rows: [{ field: 'Waitlist', before: `${many} waiting`, after: `${many} approved and invited` }],
      confirm: 'Approve and invite',
    });
    if (comment === null) return;
  }
  await approve(body, comment);
}

/** Sends an approval; a failure is said where the result goes, with Retry sending the same one (same comment). */
async function approve(body: { ids: string[] } | { next: number }, comment: string): Promise<void> {
  const result = byId(WAITLIST.result, HTMLElement);
  try {
    const { approved } = await api<WaitlistApproval>('/api/admin/waitlist/approve', {
      method: 'POST',
      body,
      headers: commentHeaders(comment),
    });
    const n = approved.length;
    fill(
      result,
      el(
        'p',
        { class: 'mb-0', role: 'status' },
        n === 0 ? 'Nobody was approved.' : `Approved ${n}: ${approved.map((a) => a.email).join(', ')}.`,
      ),
    );
    toast(`Approved ${n} and sent their invitations.`);
    await load();
  } catch (err) {
    fill(result, failure(`Not approved: ${messageOf(err)}`, worthRetrying(err) ? () => approve(body, comment) : undefined));
  }
}

/** Tabs as the ARIA pattern has them: click or arrow keys; `?tab=waitlist` opens the waitlist. */
function wireTabs(): void {
  const tabs = [byId(INVITES.tabTesters, HTMLButtonElement), byId(INVITES.tabWaitlist, HTMLButtonElement)];
  let loaded = false;
  const show = (chosen: HTMLButtonElement, focus: boolean) => {
    for (const tab of tabs) {
      const on = tab === chosen;
      tab.classList.toggle('active', on);
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      byId(tab.getAttribute('aria-controls') ?? '', HTMLElement).hidden = !on;
    }
    if (focus) chosen.focus();
    const waitlist = chosen.id === INVITES.tabWaitlist;
    const params = new URLSearchParams(location.search);
    if (waitlist) params.set('tab', 'waitlist');
    else params.delete('tab');
    history.replaceState(null, '', params.size ? `?${params.toString()}` : location.pathname);
    if (waitlist && !loaded) {
      loaded = true;
      void load();
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => show(tab, false));
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      if (next) show(next, true);
    });
  });
  if (new URLSearchParams(location.search).get('tab') === 'waitlist' && tabs[1]) show(tabs[1], false);
}

export function wireWaitlist(): void {
  wireTabs();
  statusSelect.addEventListener('change', () => void load());
  approveSelected.addEventListener('click', () => void approveWith({ ids: selected() }));
  const nextForm = byId('approve-next-form', HTMLFormElement);
  nextForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const count = byId(WAITLIST.nextCount, HTMLInputElement);
    if (!count.checkValidity()) {
      fill(byId(WAITLIST.result, HTMLElement), failure('Enter how many to approve, from 1 to 500.'));
      count.focus();
      return;
    }
    void approveWith({ next: Number(count.value) });
  });
}
