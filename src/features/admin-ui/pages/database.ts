// The database page's markup: containers that database.js fills from the report.
import { DATABASE } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';

export function databaseBody(): SafeHtml {
  return html`<div id="${DATABASE.notice}" aria-live="polite"></div>
    <div class="row g-3 mb-4" id="${DATABASE.tiles}"></div>
    <div id="${DATABASE.sections}" class="vstack gap-4"></div>`;
}
