// Markup several console pages share: the scrollable tables their modules fill, and the button
// that loads the next page of a list.
import { LIST } from '../browser/ids.js';
import { html, type SafeHtml } from '../html.js';

/** A column heading; `end`: right-aligned (numbers); `hidden`: for screen readers only. */
export type Column = string | { label: string; end?: boolean; hidden?: boolean };
/** The buttons' column, named for screen readers. */
export const ACTIONS: Column = { label: 'Actions', hidden: true };

function heading(column: Column): SafeHtml {
  const c = typeof column === 'string' ? { label: column } : column;
  const label = c.hidden ? html`<span class="visually-hidden">${c.label}</span>` : c.label;
  return c.end ? html`<th scope="col" class="text-end">${label}</th>` : html`<th scope="col">${label}</th>`;
}

export interface TableOptions {
  id: string;
  /** The scrolling region's name. */
  label: string;
  tableClass: string;
  columns: Column[];
  /** Read by screen readers only. */
  caption?: string;
  /** More attributes of the table element. */
  attributes?: SafeHtml;
}

/**
 * A table with an empty body for the page's module to fill: below 576 px each row becomes a card of
 * labelled fields (`stack-on-phone`), so nothing needs scrolling sideways on a phone.
 */
export function listTable(o: TableOptions): SafeHtml {
  return html`<div class="table-responsive" tabindex="0" role="region" aria-label="${o.label}">
    <table class="${o.tableClass} stack-on-phone" id="${o.id}" ${o.attributes ?? ''}>
      ${
        o.caption
          ? html`<caption class="visually-hidden">
              ${o.caption}
            </caption>`
          : ''
      }
      <thead>
        <tr>
          ${o.columns.map(heading)}
        </tr>
      </thead>
      <tbody></tbody>
    </table>
  </div>`;
}

/** A filter's drop-down, "Any" first; each option is its value, or a value and a label. */
export const filterSelect = (column: string, id: string, name: string, label: string, options: Array<string | [string, string]>) =>
  html`<div class="${column}">
    <label class="form-label" for="${id}">${label}</label>
    <select class="form-select" id="${id}" name="${name}">
      <option value="">Any</option>
      ${options.map((o) => (typeof o === 'string' ? html`<option>${o}</option>` : html`<option value="${o[0]}">${o[1]}</option>`))}
    </select>
  </div>`;

/** Shown by the module while the list has another page. */
export const loadMore = html`<button class="btn btn-outline-secondary" type="button" id="${LIST.more}" hidden>Load more</button>`;
