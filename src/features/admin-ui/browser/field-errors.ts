// Where a refused save went wrong: the API names the field in its message (`body/conditions[1].values[0]
// must be …`); this turns that into the field's path, for the form to mark it, and words to show beside it.
import { readableMessage } from './format.js';

export interface FieldError {
  /** The field inside the request body: `['conditions', 1, 'values', 0]`. */
  path: Array<string | number>;
  /** The problem in words, e.g. `Condition 2, value 1: must be a number.`. */
  message: string;
}

const FIELD_MESSAGE = /^body\/(\S+) (\S.*)$/s;

/** The field an API error message names, or undefined when it names none (then show the message as it is). */
export function fieldErrorOf(raw: string): FieldError | undefined {
  const match = FIELD_MESSAGE.exec(raw);
  if (!match) return undefined;
  const path: Array<string | number> = [];
  for (const token of (match[1] ?? '').split(/[./[\]]+/)) {
    if (token === '') continue;
    path.push(/^\d+$/.test(token) ? Number(token) : token);
  }
  return path.length === 0 ? undefined : { path, message: readableMessage(raw) };
}
