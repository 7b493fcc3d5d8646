// When two email addresses are the same person's: compatibility forms folded by NFKC, then only
// A–Z lowercased, so that no Unicode case mapping (the Kelvin sign to k) can make one address pass for another.

/** The form in which addresses are compared and stored: NFKC, then ASCII letters lowercased; nothing else changes case. */
export function emailKey(email: string): string {
  return email.normalize('NFKC').replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Whether two addresses are the same under `emailKey`. */
export function sameEmail(a: string, b: string): boolean {
  return emailKey(a) === emailKey(b);
}

/**
 * Whether the part before the last `@`, as written (before any normalisation), is printable ASCII.
 * Console access is refused otherwise: such an address can only look like an owner's or admin's.
 */
export function hasAsciiLocalPart(email: string): boolean {
  const at = email.lastIndexOf('@');
  return at > 0 && /^[\x21-\x7e]+$/.test(email.slice(0, at));
}
