// The variants a submission carries: flag name → variant name, cleaned to what the server accepts
// (the flag-name pattern, at most 50 entries), so one odd name drops that entry, not the rating.

/** The server's limits (feedback.schemas.ts), repeated here: the widget bundles no server code. */
export const VARIANT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const VARIANTS_MAX_ENTRIES = 50;

export type Variants = Record<string, string>;

/** The entries of `value` (an object) whose name and variant fit the pattern, the first 50 of them. */
export function cleanVariants(value: unknown): Variants {
  const clean: Variants = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return clean;
  let count = 0;
  for (const [flag, variant] of Object.entries(value as Record<string, unknown>)) {
    if (count >= VARIANTS_MAX_ENTRIES) break;
    if (!VARIANT_NAME.test(flag) || typeof variant !== 'string' || !VARIANT_NAME.test(variant)) continue;
    clean[flag] = variant;
    count += 1;
  }
  return clean;
}

/** `data-variants` as written on the script tag: a JSON object; anything else counts as none. */
export function parseVariantsAttribute(text: string | null): Variants {
  if (text === null || text.trim() === '') return {};
  try {
    return cleanVariants(JSON.parse(text));
  } catch {
    return {};
  }
}

/**
 * The variants to send: the page's explicit attribute wins over what the SDK reported for the same
 * flag (the page knows best), then the cap applies again over the merged set.
 */
export function mergeVariants(fromSdk: Variants, explicit: Variants): Variants {
  return cleanVariants({ ...fromSdk, ...explicit });
}
