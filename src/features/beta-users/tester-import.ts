// Bulk import of testers from a pasted list or CSV: one email per line (the first field), optional
// notes (the second); everything new is created in one transaction, or nothing is.
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Actor } from '../../core/principal.js';
import type { RecordAudit } from '../../db/audit.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { insertUser } from './beta-users.repository.js';
import type { ImportResult } from './beta-users.types.js';

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
export const MAX_IMPORT_LINES = 5000;

/** The fields of one pasted line (comma, semicolon or tab separated; RFC 4180 quotes). */
function csvFields(line: string): string[] {
  try {
    const records: unknown = parse(line, { delimiter: [',', ';', '\t'], relax_column_count: true, relax_quotes: true });
    const first = Array.isArray(records) ? (records[0] as unknown) : undefined;
    return Array.isArray(first) ? first.map(String) : [];
  } catch {
    return line.split(/[,;\t]/);
  }
}

export interface ParsedImport {
  /** New to this list, in order (the database may still know them). */
  wanted: Array<{ email: string; notes: string | null }>;
  duplicates: string[];
  invalid: ImportResult['invalid'];
}

/** Reads the pasted text: a header line `email` is skipped, blank lines ignored. */
export function parseImportList(text: string): ParsedImport {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_IMPORT_LINES) throw new AppError('VALIDATION_ERROR', `body/text holds more than ${MAX_IMPORT_LINES} lines.`);
  const parsed: ParsedImport = { wanted: [], duplicates: [], invalid: [] };
  const seen = new Set<string>();
  lines.forEach((raw, index) => {
    const [first = '', second = ''] = csvFields(raw);
    const email = first.trim();
    if (email === '' || (index === 0 && email.toLowerCase() === 'email')) return;
    if (!EMAIL.test(email) || email.length > 254) {
      parsed.invalid.push({ line: index + 1, value: raw.slice(0, 200), reason: 'not an email address' });
      return;
    }
    const key = email.toLowerCase();
    if (seen.has(key)) {
      parsed.duplicates.push(email);
      return;
    }
    seen.add(key);
    const notes = second.trim();
    parsed.wanted.push({ email, notes: notes === '' ? null : notes.slice(0, 2000) });
  });
  return parsed;
}

export async function importTesters(
  deps: { db: Kysely<DatabaseSchema>; recordAudit: RecordAudit },
  text: string,
  by: Actor,
): Promise<ImportResult> {
  const { wanted, duplicates, invalid } = parseImportList(text);
  const result: ImportResult = { created: [], duplicates, invalid };
  await deps.db.transaction().execute(async (trx) => {
    for (const w of wanted) {
      const row = await insertUser(trx, { email: w.email, role: 'TESTER', notes: w.notes, flagSet: {}, source: 'import' });
      if (row) result.created.push(row);
      else result.duplicates.push(w.email);
    }
    await deps.recordAudit(trx, {
      actor: by.actor,
      action: 'beta_user.import',
      entityType: 'beta_user',
      after: { created: result.created.length, duplicates: result.duplicates.length, invalid: result.invalid.length },
      requestId: by.requestId,
    });
  });
  return result;
}
