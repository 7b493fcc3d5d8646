// Schema annotations the validator reads. Kept free of imports so schema modules (which the
// console's browser code reads for its types) pull in no server code.

/** The schema keyword that marks a request body as optional. */
export const OPTIONAL_BODY = 'x-body-optional';

/** Marks a body schema as optional: a request without a body passes, one with a body is validated. */
export function optionalBody<T extends object>(schema: T): T {
  return { ...schema, [OPTIONAL_BODY]: true };
}
