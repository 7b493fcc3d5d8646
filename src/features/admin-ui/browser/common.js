// Shared helpers for the console's pages: the JSON API with the CSRF token, DOM building that
// only ever inserts text, polling paused while the tab is hidden, formatting, sparklines, toasts.

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
export const csrfToken = meta('csrf-token');
export const viewerRole = meta('viewer-role');
export const isOwner = viewerRole === 'OWNER';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the admin API. Mutations carry the CSRF token; a lost session goes back to sign-in. */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json', ...headers } };
  if (method !== 'GET' && method !== 'HEAD') init.headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !path.startsWith('/auth/')) {
    location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'UNAUTHORIZED', 'Signed out.');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : null;
  if (!res.ok) {
    const error = data?.error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_' + res.status, error?.message ?? `Request failed (${res.status}).`);
  }
  return data;
}

/** Like `api`, but answers `undefined` when the route does not exist (yet) on this server. */
export async function optionalApi(path) {
  try {
    return await api(path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) return undefined;
    throw err;
  }
}

/**
 * el('td', {class: 'x', onclick: fn}, 'text', child) — children are nodes or strings; strings
 * become text nodes, never markup.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden' || key === 'value') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Runs `task` now and every `ms` while the tab is visible; at once again when it becomes visible. */
export function poll(task, ms, onState = () => undefined) {
  let timer;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      console.warn('refresh failed:', err?.message ?? err);
    } finally {
      running = false;
    }
  };
  const schedule = () => {
    clearInterval(timer);
    if (document.visibilityState === 'visible') {
      timer = setInterval(run, ms);
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

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
export const fmtNumber = (n, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : new Intl.NumberFormat('en', { maximumFractionDigits: digits }).format(n);
export const fmtInt = (n) => (n === null || n === undefined ? '—' : numberFormat.format(Math.round(n)));
export const fmtMs = (n) => (n === null || n === undefined ? '—' : `${fmtNumber(n, n < 10 ? 1 : 0)} ms`);
export const fmtPercent = (share) => (share === null || share === undefined ? '—' : `${fmtNumber(share * 100, 1)} %`);
export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
export function fmtAgo(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
export const fmtBytes = (n) => {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${fmtNumber(n, 1)} ${units[i]}`;
};
export const stars = (rating) =>
  el('span', { class: 'stars', 'aria-label': `${rating} out of 5` }, '★'.repeat(rating) + '☆'.repeat(5 - rating));

const SVG = 'http://www.w3.org/2000/svg';
/** A small line of `values` (numbers or null), drawn as SVG; labelled for screen readers. */
export function sparkline(values, label) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', '0 0 100 30');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const nums = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (nums.length < 2) return svg;
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  const span = max - min || 1;
  const points = [];
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const x = values.length === 1 ? 50 : (i / (values.length - 1)) * 100;
    const y = 28 - ((v - min) / span) * 26;
    points.push(`${x.toFixed(2)},${y.toFixed(2)}`);
  });
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.append(line);
  return svg;
}

/** A short message in the corner (success) or an alert that stays (error). */
export function toast(message, kind = 'success') {
  const box = $('#toasts') ?? document.body;
  const node = el(
    'div',
    { class: `alert alert-${kind === 'error' ? 'danger' : kind} shadow-sm mb-2 py-2`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  box.append(node);
  setTimeout(() => node.remove(), kind === 'error' ? 8000 : 3500);
}

export const showError = (err) => toast(err?.message ?? String(err), 'error');

/** Copies text, falling back to selecting the field when the clipboard is not available. */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard.');
  } catch {
    field?.select();
    toast('Press Ctrl+C to copy.', 'info');
  }
}

/** Form fields → query string, without empty values. */
/**
 * A table filled from a cursor-paginated admin API, 50 rows a page: the returned `load()` shows the
 * first page, and the "more" button appends the next while there is one.
 */
export function pagedTable({ table, more, url, query, row, columns, empty }) {
  let cursor = null;
  async function load(append = false) {
    const params = query();
    params.set('limit', '50');
    if (append && cursor) params.set('cursor', cursor);
    try {
      const page = await api(`${url}?${params}`);
      if (!append) table.replaceChildren();
      for (const item of page.items) table.append(row(item));
      if (!append && page.items.length === 0)
        table.append(el('tr', {}, el('td', { colspan: String(columns), class: 'text-secondary' }, empty)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
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
export function bindFilters(form, reload) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = queryOf(form);
    history.replaceState(null, '', params.size ? `?${params}` : location.pathname);
    void reload();
  });
  formFromLocation(form);
}

export function queryOf(form) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') params.set(k, v.trim());
  return params;
}

/** Sets a form's fields from the page's query string. */
export function formFromLocation(form) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) {
    const field = form.elements.namedItem(k);
    if (field && 'value' in field) field.value = v;
  }
}

/** A status badge: pass, warn, fail or no_data. */
export const statusBadge = (status, text = status) =>
  el(
    'span',
    { class: `badge badge-status-${['pass', 'warn', 'fail'].includes(status) ? status : 'no_data'}` },
    text === 'no_data' ? 'no data' : text,
  );

function wireSignOut() {
  const button = $('#sign-out');
  if (!button) return;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('/auth/logout', { method: 'POST' });
      location.assign('/signed-out');
    } catch (err) {
      button.disabled = false;
      showError(err);
    }
  });
}
wireSignOut();
