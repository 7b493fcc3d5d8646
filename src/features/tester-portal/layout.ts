// The tester pages' frame, in the console's visual language: Bootstrap and the pages' stylesheet
// from this server, no inline script or style, the page's module loaded by URL, and a live region
// for what the page has to say. The program's name is filled in by the module from the API.
import { html, type SafeHtml } from '../../core/html.js';
import type { PortalAsset, PortalAssets } from './assets.js';
import { FRAME, PAGES, PORTAL } from './browser/ids.js';

const DEFAULT_NAME = 'NOUS beta program';

function document(assets: PortalAssets, title: string, script: PortalAsset, body: SafeHtml): string {
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>${title} · ${DEFAULT_NAME}</title>
        <link rel="stylesheet" href="${assets.url('bootstrap.min.css')}" />
        <link rel="stylesheet" href="${assets.url('portal.css')}" />
        <script type="module" src="${assets.url(script)}"></script>
      </head>
      <body>
        ${body}
      </body>
    </html>`.value
  }\n`;
}

export interface PublicPage {
  title: string;
  script: PortalAsset;
  /** Paragraphs and forms under the heading. */
  body: SafeHtml;
}

/** A page for visitors (join, sign in, waitlist): one card in the middle, the program's name above the heading. */
export function publicPage(assets: PortalAssets, page: PublicPage): string {
  return document(
    assets,
    page.title,
    page.script,
    html`<main class="container py-5" id="${FRAME.main}" tabindex="-1">
      <div class="card mx-auto public-card">
        <div class="card-body p-4">
          <p class="eyebrow mb-1" ${FRAME.programName}>${DEFAULT_NAME}</p>
          <h1 class="h3 mb-3">${page.title}</h1>
          <div id="${FRAME.message}" class="mb-3" aria-live="polite"></div>
          ${page.body}
        </div>
      </div>
    </main>`,
  );
}

/** The signed-in tester's frame: a navigation bar with their email and "Sign out", then `body`. */
export function portalPage(assets: PortalAssets, body: SafeHtml): string {
  return document(
    assets,
    'Your beta',
    'portal.js',
    html`<a class="visually-hidden-focusable btn btn-light m-2 position-absolute" href="#${FRAME.main}">Skip to content</a>
      <header class="navbar navbar-dark bg-dark">
        <div class="container-xxl flex-wrap gap-2">
          <a class="navbar-brand fw-semibold me-auto" href="${PAGES.portal}">NOUS <span class="brand-accent">beta</span></a>
          <div class="d-flex align-items-center gap-2">
            <span class="navbar-text text-light small text-truncate" id="${PORTAL.email}"></span>
            <button type="button" class="btn btn-outline-light btn-sm" id="${PORTAL.signOut}" disabled>Sign out</button>
          </div>
        </div>
      </header>
      <main id="${FRAME.main}" class="container-xxl py-4" tabindex="-1">
        <p class="eyebrow mb-1" ${FRAME.programName}>${DEFAULT_NAME}</p>
        <h1 class="h3 mb-3">Your beta</h1>
        <div id="${FRAME.message}" class="mb-3" aria-live="polite"></div>
        ${body}
      </main>`,
  );
}
