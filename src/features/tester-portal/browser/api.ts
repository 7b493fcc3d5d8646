// The tester JSON API as the pages call it: same-origin JSON, state-changing calls carrying the
// session's CSRF token, and one error type with the server's code and message.
import { BETA_API, FRAME } from './ids.js';
import type { Me, Program } from './api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Calls the API; answers its JSON as `T` (null for 204), or throws an ApiError with the server's own message. */
export async function call<T>(path: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE' = 'GET', body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data: unknown = (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : null;
  if (!res.ok) {
    const error = isRecord(data) && isRecord(data.error) ? data.error : {};
    throw new ApiError(
      res.status,
      typeof error.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error.message === 'string' ? error.message : `The request failed (${res.status}). Try again in a moment.`,
    );
  }
  return data as T;
}

/** The signed-in tester and the session's CSRF token (kept for later calls); undefined when nobody is signed in. */
export async function whoAmI(): Promise<Me | undefined> {
  try {
    const me = await call<Me>(BETA_API.me);
    csrfToken = me.csrf_token;
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

/** The program's name and whether this server sends mail; the name also fills every `[data-program-name]`. */
export async function program(): Promise<Program> {
  const answer = await call<Program>(BETA_API.program);
  document.querySelectorAll(`[${FRAME.programName}]`).forEach((node) => (node.textContent = answer.name));
  return answer;
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
