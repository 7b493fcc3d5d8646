// The console's page frame: Bootstrap, a navigation bar with the signed-in email and sign-out,
// and the page's own module. No inline script: data for the modules travels in meta tags.
import type { AssetName, AssetTable } from './assets.js';
import { CONSOLE_BASE, FRAME, META } from './browser/ids.js';
import { CONSOLE_PAGES, type PageId } from './console-pages.js';
import { html, type SafeHtml } from './html.js';

export interface Viewer {
  email: string;
  /** OWNER, ADMIN, or (for an admin API token) TOKEN. */
  role: string;
  /** Empty for API tokens, which need none. */
  csrfToken: string;
}

export interface PageOptions {
  title: string;
  page: PageId;
  viewer: Viewer;
  assets: AssetTable;
  body: SafeHtml;
  /** The page's module (loaded after Chart.js when `charts`). */
  script: AssetName;
  charts?: boolean;
}

export function head(title: string, assets: AssetTable, extra: SafeHtml | string = ''): SafeHtml {
  return html`<meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light" />
    <link rel="icon" href="data:," />
    <title>${title} · NOUS beta console</title>
    <link rel="stylesheet" href="${assets.url('bootstrap.min.css')}" />
    <link rel="stylesheet" href="${assets.url('console.css')}" />
    ${extra}`;
}

export function consolePage(o: PageOptions): string {
  const { viewer, assets } = o;
  const isOwner = viewer.role === 'OWNER';
  const links = CONSOLE_PAGES.filter((n) => !n.ownerOnly || isOwner).map(
    (n) =>
      html`<li class="nav-item">
        <a class="nav-link${n.id === o.page ? ' active' : ''}" href="${n.path}" ${n.id === o.page ? html` aria-current="page"` : ''}
          >${n.nav}</a
        >
      </li>`,
  );
  const scripts = html`${o.charts ? html`<script defer src="${assets.url('chart.umd.min.js')}"></script>` : ''}
    <script defer src="${assets.url('bootstrap.bundle.min.js')}"></script>
    <script type="module" src="${assets.url(o.script)}"></script>`;
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        ${head(
          o.title,
          assets,
          html`<meta name="${META.csrfToken}" content="${viewer.csrfToken}" />
            <meta name="${META.viewerRole}" content="${viewer.role}" />
            <meta name="${META.viewerEmail}" content="${viewer.email}" />`,
        )}
        ${scripts}
      </head>
      <body data-page="${o.page}">
        <a class="visually-hidden-focusable btn btn-light m-2 position-absolute" href="#${FRAME.main}">Skip to content</a>
        <nav class="navbar navbar-expand-lg navbar-dark bg-dark sticky-top" aria-label="Console">
          <div class="container-fluid">
            <a class="navbar-brand fw-semibold" href="${CONSOLE_BASE}/">NOUS <span class="brand-accent">beta</span></a>
            <button
              class="navbar-toggler"
              type="button"
              data-bs-toggle="collapse"
              data-bs-target="#${FRAME.nav}"
              aria-controls="${FRAME.nav}"
              aria-expanded="false"
              aria-label="Show navigation"
            >
              <span class="navbar-toggler-icon"></span>
            </button>
            <div class="collapse navbar-collapse" id="${FRAME.nav}">
              <ul class="navbar-nav me-auto mb-2 mb-lg-0">
                ${links}
              </ul>
              <div class="d-flex align-items-center gap-2 pb-2 pb-lg-0">
                <span class="navbar-text text-light small text-truncate" id="${FRAME.viewer}" title="${viewer.role}">${viewer.email}</span>
                <span class="badge text-bg-light">${viewer.role.toLowerCase()}</span>
                ${
                  viewer.csrfToken
                    ? html`<button type="button" class="btn btn-outline-light btn-sm" id="${FRAME.signOut}">Sign out</button>`
                    : ''
                }
              </div>
            </div>
          </div>
        </nav>
        <div class="toast-container position-fixed bottom-0 start-0 p-3" id="${FRAME.toasts}" aria-live="polite" aria-atomic="false"></div>
        <main id="${FRAME.main}" class="container-xxl py-4" tabindex="-1">
          <h1 class="h3 mb-3">${o.title}</h1>
          ${o.body}
        </main>
      </body>
    </html>`.value
  }\n`;
}

/** A standalone page outside the console frame (403, signed out), styled like it. */
export function standalonePage(
  assets: AssetTable,
  title: string,
  lines: string[],
  actions: SafeHtml,
  meta: { csrfToken?: string } = {},
): string {
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        ${head(title, assets, meta.csrfToken ? html`<meta name="${META.csrfToken}" content="${meta.csrfToken}" />` : '')}
        <script type="module" src="${assets.url('notice.js')}"></script>
      </head>
      <body class="bg-body-tertiary">
        <main class="container py-5" id="${FRAME.main}">
          <div class="card shadow-sm mx-auto notice-card">
            <div class="card-body p-4">
              <p class="text-uppercase small fw-semibold text-secondary mb-1">NOUS beta console</p>
              <h1 class="h3">${title}</h1>
              ${lines.map((l) => html`<p>${l}</p>`)}
              <div class="d-flex flex-wrap gap-2">${actions}</div>
            </div>
          </div>
        </main>
      </body>
    </html>`.value
  }\n`;
}
