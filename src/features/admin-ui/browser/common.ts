// What every console page shares: the viewer, polling paused while the tab is hidden, toasts,
// badges, copying, cursor-paged tables with filters kept in the address, and the sign-out button.
// Every page module imports this one, which wires the sign-out button.
import { api, ApiError, send } from './api.js';
import type { Page } from './api-types.js';
import { el, find, meta, type Child } from './dom.js';
import { FRAME, META } from './ids.js';

export const isOwner = meta(META.viewerRole) === 'OWNER';

/** Gives each cell of a stacked table's row its column's heading, shown beside it on phones. */
function labelRow(row: HTMLTableRowElement): void {
  const headings = row.closest('table')?.tHead?.rows[0]?.cells;
  if (!headings) return;
  Array.from(row.cells).forEach((cell, i) => {
    if (cell.colSpan > 1) cell.dataset.label = '';
    else cell.dataset.label = headings[i]?.querySelector('.visually-hidden') ? '' : (headings[i]?.textContent?.trim() ?? '');
  });
}

// Every row added to a `stack-on-phone` table, by whichever page module fills it, is labelled.
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node instanceof HTMLTableRowElement && node.closest('table.stack-on-phone')) labelRow(node);
    }
  }
}).observe(document.body, { childList: true, subtree: true });

/** An error's message, for anything thrown. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs `task` now and every `ms` while the tab is visible; at once again when it becomes visible. */
export function poll(task: () => Promise<void>, ms: number, onState: (state: 'live' | 'paused') => void = () => undefined) {
  let timer: ReturnType<typeof setInterval> | undefined;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      console.warn('refresh failed:', messageOf(err));
    } finally {
      running = false;
    }
  };
  const schedule = () => {
    clearInterval(timer);
    if (document.visibilityState === 'visible') {
      timer = setInterval(() => void run(), ms);
      onState('live');
    } else onState('paused');
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void run();
    schedule();
  });
  schedule();
  void run();
  return { refresh: run };
}

export const stars = (rating: number): HTMLSpanElement =>
  el('span', { class: 'stars', 'aria-label': `${rating} out of 5` }, '★'.repeat(rating) + '☆'.repeat(5 - rating));

/** A status badge: pass, warn, fail, tracked (a figure without a target) or no_data (anything else shows as no_data). */
export const statusBadge = (status: string, text: string = status): HTMLSpanElement =>
  el(
    'span',
    { class: `badge badge-status-${['pass', 'warn', 'fail', 'tracked'].includes(status) ? status : 'no_data'}` },
    ({ no_data: 'no data', pass: 'OK', warn: 'warning', fail: 'failing', tracked: 'no target' } as Record<string, string>)[text] ?? text,
  );

/** A tile with a reading: label, value and an optional hint. */
export const valueTile = (label: string, value: string, hint = ''): HTMLElement =>
  el(
    'div',
    { class: 'col-6 col-md-4 col-xl-2' },
    el(
      'div',
      { class: 'card tile h-100' },
      el(
        'div',
        { class: 'card-body' },
        el('div', { class: 'tile-label' }, label),
        el('div', { class: 'tile-value fs-4' }, value),
        hint ? el('div', { class: 'small text-secondary' }, hint) : null,
      ),
    ),
  );

/** A tile coloured by its status, with its label and status badge on top (targets, health checks). */
export const statusTile = (status: string, dataset: Record<string, string>, label: HTMLElement, ...body: Child[]): HTMLElement =>
  el(
    'div',
    { class: 'col-12 col-sm-6 col-xl-3' },
    el(
      'div',
      { class: `card tile h-100 status-${status}`, dataset },
      el(
        'div',
        { class: 'card-body' },
        el('div', { class: 'd-flex justify-content-between align-items-start gap-2' }, label, statusBadge(status)),
        ...body,
      ),
    ),
  );

/** A short message in the corner (success, info) or an alert that stays longer (error). */
export function toast(message: string, kind: 'success' | 'info' | 'error' = 'success'): void {
  const box = find(`#${FRAME.toasts}`, HTMLElement) ?? document.body;
  const node = el(
    'div',
    { class: `alert alert-${kind === 'error' ? 'danger' : kind} shadow-sm mb-2 py-2`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  box.append(node);
  setTimeout(() => node.remove(), kind === 'error' ? 8000 : 3500);
}

export const showError = (err: unknown): void => toast(messageOf(err), 'error');

/**
 * An in-place failure: the reason, and with `retry` a Retry button that tries again (disabled until the
 * attempt settles, so one click sends once).
 */
export function failure(text: string, retry?: () => unknown): HTMLElement {
  return el(
    'div',
    { class: 'alert alert-danger d-flex flex-wrap gap-2 align-items-center py-2 mb-0 small', role: 'alert' },
    text,
    retry
      ? el(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm btn-danger',
            onclick: (e) => {
              const button = e.currentTarget;
              button.disabled = true;
              void Promise.resolve(retry()).finally(() => (button.disabled = false));
            },
          },
          'Retry',
        )
      : null,
  );
}

/** Whether sending the same request again may work: the network or the server failed, or asked to wait. */
export const worthRetrying = (err: unknown): boolean => !(err instanceof ApiError) || err.status >= 500 || err.status === 429;

/** Copies text, falling back to selecting the field when the clipboard is not available. */
export async function copyText(text: string, field?: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard.');
  } catch {
    field?.select();
    toast('Press Ctrl+C to copy.', 'info');
  }
}

export interface PagedTableOptions<T, P extends Page<T> = Page<T>> {
  table: HTMLTableSectionElement;
  more: HTMLButtonElement;
  /** The admin API list, answering `Page<T>`. */
  url: string;
  query: () => URLSearchParams;
  row: (item: T) => Node;
  columns: number;
  /** Shown in one row when the first page is empty. */
  empty: string;
  /** Called with each page shown (`append`: a later page of the same list). */
  onPage?: (page: P, append: boolean) => void;
}

/**
 * A table filled from a cursor-paginated admin API, 50 rows a page: the returned `load()` shows the
 * first page, and the "more" button appends the next while there is one.
 */
export function pagedTable<T, P extends Page<T> = Page<T>>({
  table,
  more,
  url,
  query,
  row,
  columns,
  empty,
  onPage,
}: PagedTableOptions<T, P>) {
  let cursor: string | null = null;
  // Answers can arrive out of order (a filter changed while the last list was loading): only the
  // newest load may fill the table.
  let newest = 0;
  async function load(append = false): Promise<void> {
    const mine = ++newest;
    const params = query();
    params.set('limit', '50');
    if (append && cursor) params.set('cursor', cursor);
    try {
      const page = await api<P>(`${url}?${params.toString()}`);
      if (mine !== newest) return;
      if (!append) table.replaceChildren();
      for (const item of page.items) table.append(row(item));
      if (!append && page.items.length === 0)
        table.append(el('tr', {}, el('td', { colspan: String(columns), class: 'text-secondary' }, empty)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      onPage?.(page, append);
    } catch (err) {
      showError(err);
    }
  }
  more.addEventListener('click', () => void load(true));
  return load;
}

/**
 * A filter form kept in the address: it starts from the URL's query, and submitting it writes its
 * values back (shareable, kept on reload) and calls `reload`.
 */
export function bindFilters(form: HTMLFormElement, reload: () => Promise<void>): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = queryOf(form);
    history.replaceState(null, '', params.size ? `?${params.toString()}` : location.pathname);
    void reload();
  });
  formFromLocation(form);
}

/**
 * A filter form that applies as its fields change (text after a short pause, only while valid),
 * kept in the address like `bindFilters`; its `[data-clear]` button empties every field.
 */
export function bindLiveFilters(form: HTMLFormElement, reload: () => Promise<void>): void {
  bindFilters(form, reload);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A field that loses focus fires `change` after its typing was applied already: reloading the
  // same list again would only redraw it under the pointer (closing what was just opened).
  let applied = queryOf(form).toString();
  form.addEventListener('submit', () => (applied = queryOf(form).toString()));
  const apply = () => {
    clearTimeout(timer);
    if (form.checkValidity() && queryOf(form).toString() !== applied) form.requestSubmit();
  };
  form.addEventListener('change', apply);
  form.addEventListener('input', (e) => {
    if (e.target instanceof HTMLInputElement && (e.target.type === 'search' || e.target.type === 'text')) {
      clearTimeout(timer);
      timer = setTimeout(apply, 350);
    }
  });
  form.querySelector('[data-clear]')?.addEventListener('click', () => {
    for (const field of form.elements) if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) field.value = '';
    apply();
  });
}

/** Form fields → query string, without empty values. */
export function queryOf(form: HTMLFormElement): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') params.set(k, v.trim());
  return params;
}

/** Sets a form's fields from the page's query string. */
function formFromLocation(form: HTMLFormElement): void {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) {
    const field = form.elements.namedItem(k);
    if (field && 'value' in field) field.value = v;
  }
}

function wireSignOut(): void {
  const button = find(`#${FRAME.signOut}`, HTMLButtonElement);
  if (!button) return;
  button.addEventListener('click', () => {
    button.disabled = true;
    send('/auth/logout', { method: 'POST' })
      .then(() => location.assign('/signed-out'))
      .catch((err: unknown) => {
        button.disabled = false;
        showError(err);
      });
  });
}
wireSignOut();
