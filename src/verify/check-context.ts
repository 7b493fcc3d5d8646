// What every verify check is handed: the instances, the credentials, an HTTP client that never
// follows redirects and times out, and a guard that turns an exception into a failed result.
import type { CheckResult, VerifyOptions } from './verify-types.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  ms: number;
}

export interface CallInit {
  headers?: Record<string, string>;
  body?: string;
}

export interface CheckContext {
  options: VerifyOptions;
  /** Base URLs without trailing slashes. */
  urls: string[];
  /** Where checks that need only one instance run. */
  first: string;
  /** The bearer header for `options.token`, if given. */
  auth: Record<string, string> | undefined;
  dbP95Ms: number;
  propagationMs: number;
  call(base: string, method: string, path: string, init?: CallInit): Promise<Reply>;
  add(result: CheckResult): void;
  /** Runs one check; an exception (timeout, refused connection) is a failure with its message. */
  guarded(check: string, instance: string, hint: string, run: () => Promise<CheckResult | void>): Promise<void>;
}

export const passed = (check: string, instance: string, detail: string): CheckResult => ({ check, instance, status: 'pass', detail });

export const failed = (check: string, instance: string, detail: string, hint: string): CheckResult => ({
  check,
  instance,
  status: 'fail',
  detail,
  hint,
});

export const skipped = (check: string, instance: string, detail: string): CheckResult => ({ check, instance, status: 'skip', detail });

export const jsonBody = (value: unknown, extra: Record<string, string> = {}): CallInit => ({
  headers: { 'content-type': 'application/json', ...extra },
  body: JSON.stringify(value),
});

async function call(timeoutMs: number, base: string, method: string, path: string, init: CallInit = {}): Promise<Reply> {
  const t0 = performance.now();
  const res = await fetch(base + path, {
    method,
    headers: init.headers,
    body: init.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms: Math.round(performance.now() - t0) };
}

/** A context whose checks append their results to `results`. */
export function createCheckContext(options: VerifyOptions, results: CheckResult[]): CheckContext {
  const timeoutMs = options.timeoutMs ?? 5000;
  const urls = options.urls.map((u) => u.replace(/\/+$/, ''));
  const add = (r: CheckResult) => results.push(r);
  return {
    options,
    urls,
    first: urls[0]!,
    auth: options.token ? { authorization: `Bearer ${options.token}` } : undefined,
    dbP95Ms: options.dbP95Ms ?? 50,
    propagationMs: options.propagationMs ?? 1000,
    call: (base, method, path, init) => call(timeoutMs, base, method, path, init),
    add,
    async guarded(check, instance, hint, run) {
      try {
        const r = await run();
        if (r) add(r);
      } catch (err) {
        add(failed(check, instance, `could not complete: ${(err as Error).message}`, hint));
      }
    },
  };
}
