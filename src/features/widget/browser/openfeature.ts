// The variants the OpenFeature web SDK on the page has served: the SDK keeps its API object at
// globalThis[Symbol.for('@openfeature/web-sdk/api')] (@openfeature/web-sdk 1.x); an API-level
// `after` hook sees every evaluation the app makes from then on, with the flag key and the variant.

export const OPENFEATURE_API_KEY = Symbol.for('@openfeature/web-sdk/api');

interface EvaluationDetails {
  flagKey?: unknown;
  variant?: unknown;
}

interface Hook {
  after(hookContext: unknown, details: EvaluationDetails): void;
}

interface OpenFeatureApi {
  addHooks(...hooks: Hook[]): unknown;
}

const isApi = (value: unknown): value is OpenFeatureApi =>
  value !== null && typeof value === 'object' && typeof (value as { addHooks?: unknown }).addHooks === 'function';

/**
 * Records each evaluation's variant into `seen` (latest wins) once the SDK's API object exists in
 * `scope`. Returns whether the hook is in place; call again later (the SDK may load after the
 * widget) — an API object is hooked only once, whoever calls.
 */
export function watchOpenFeature(scope: object, seen: Map<string, string>, hooked: WeakSet<object>): boolean {
  const api: unknown = (scope as Record<symbol, unknown>)[OPENFEATURE_API_KEY];
  if (!isApi(api)) return false;
  if (hooked.has(api)) return true;
  hooked.add(api);
  api.addHooks({
    after(_hookContext, details) {
      if (typeof details.flagKey === 'string' && typeof details.variant === 'string') seen.set(details.flagKey, details.variant);
    },
  });
  return true;
}
