// Importing testers from a pasted list: the preview reads the text as the server will (one address
// per line, notes after a comma); the server decides what is new, duplicate or invalid. Afterwards
// everyone it created can be invited at once.
import { api } from './api.js';
import type { ImportResult } from './api-types.js';
import { failure, messageOf, worthRetrying } from './common.js';
import { byId, el, fill } from './dom.js';
import { USERS } from './ids.js';
import { offerBulkInvite } from './users-invites.js';

interface PreviewLine {
  line: number;
  raw: string;
  email: string;
  notes: string;
  valid: boolean;
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
function previewLines(text: string): PreviewLine[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, raw: line.trim() }))
    .filter((l) => l.raw !== '' && !/^"?email"?\s*(,|$)/i.test(l.raw))
    .map((l) => {
      const comma = l.raw.indexOf(',');
      const email = (comma === -1 ? l.raw : l.raw.slice(0, comma)).trim().replace(/^"|"$/g, '');
      const notes = comma === -1 ? '' : l.raw.slice(comma + 1).trim();
      return { ...l, email, notes, valid: EMAIL.test(email) };
    });
}

const previewRow = (l: PreviewLine) =>
  el(
    'tr',
    {},
    el('td', {}, String(l.line)),
    el('td', { class: 'text-break' }, l.email),
    el('td', { class: 'text-break' }, l.notes),
    el('td', {}, l.valid ? 'ok' : el('span', { class: 'text-danger' }, 'invalid')),
  );

const previewTable = (lines: PreviewLine[]) =>
  el(
    'div',
    { class: 'table-responsive', tabindex: '0', role: 'region', 'aria-label': 'Import preview' },
    el(
      'table',
      { class: 'table table-sm mb-0', id: USERS.importPreviewTable },
      el('caption', { class: 'visually-hidden' }, 'Import preview'),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Line'),
          el('th', { scope: 'col' }, 'Email'),
          el('th', { scope: 'col' }, 'Notes'),
          el('th', { scope: 'col' }, 'Check'),
        ),
      ),
      el('tbody', {}, lines.slice(0, 200).map(previewRow)),
    ),
  );

const importSummary = (result: ImportResult) => [
  el(
    'p',
    { class: 'mb-1 fw-semibold', id: USERS.importSummary },
    `Imported ${result.created.length}; ${result.duplicates.length} already in the beta; ${result.invalid.length} invalid.`,
  ),
  result.duplicates.length ? el('p', { class: 'mb-1 text-break' }, `Already there: ${result.duplicates.join(', ')}`) : null,
  result.invalid.length
    ? el(
        'ul',
        { class: 'mb-0' },
        result.invalid.map((i) => el('li', {}, `line ${i.line}: ${i.value} (${i.reason})`)),
      )
    : null,
];

/** Wires the import card; `reload` shows the list again after an import. */
export function wireImport(reload: () => Promise<void>): void {
  const text = byId(USERS.importText, HTMLTextAreaElement);
  const run = byId(USERS.importRun, HTMLButtonElement);
  const output = byId(USERS.importOutput, HTMLElement);
  text.addEventListener('input', () => {
    run.disabled = true;
  });
  byId(USERS.importPreview, HTMLButtonElement).addEventListener('click', () => {
    const lines = previewLines(text.value);
    const valid = lines.filter((l) => l.valid).length;
    run.disabled = valid === 0;
    run.textContent = valid === 0 ? 'Import' : `Import ${valid}`;
    fill(
      output,
      el(
        'p',
        { class: 'mb-1' },
        `${lines.length} line${lines.length === 1 ? '' : 's'}: ${valid} address${valid === 1 ? '' : 'es'} to import, ${lines.length - valid} that look invalid.`,
      ),
      lines.length === 0 ? null : previewTable(lines),
    );
  });
  const runImport = async () => {
    run.disabled = true;
    try {
      const result = await api<ImportResult>('/api/admin/users/import', { method: 'POST', body: { text: text.value } });
      fill(output, importSummary(result));
      offerBulkInvite(result.created);
      text.value = '';
      run.textContent = 'Import';
      await reload();
    } catch (err) {
      run.disabled = false;
      // Said under the preview, which stays; Retry sends the same list.
      output.querySelector(':scope > .save-problem')?.remove();
      output.append(
        el('div', { class: 'save-problem' }, failure(`Not imported: ${messageOf(err)}`, worthRetrying(err) ? runImport : undefined)),
      );
    }
  };
  run.addEventListener('click', () => void runImport());
}
