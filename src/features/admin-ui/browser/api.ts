// The admin JSON API as the console calls it: same-origin, mutations carrying the CSRF token, a
// lost session sent back to sign-in, and one error type with the server's code and message.
import { meta } from './dom.js';
import { readableMessage } from './format.js';
import { META } from './ids.js';

const csrfToken = meta(META.csrfToken);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's message as sent, naming the refused field (`body/conditions[1].values[0] must be …`). */
    readonly raw: string = message,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The server's `{ error: { code, message } }`, as far as it is there. */
function errorOf(data: unknown, status: number): ApiError {
  const error = isRecord(data) && isRecord(data.error) ? data.error : {};
  return new ApiError(
    status,
    typeof error.code === 'string' ? error.code : `HTTP_${status}`,
    typeof error.message === 'string' ? readableMessage(error.message) : `Request failed (${status}).`,
    typeof error.message === 'string' ? error.message : `Request failed (${status}).`,
  );
}

async function call(path: string, { method = 'GET', body, headers = {} }: ApiOptions): Promise<unknown> {
  const init: RequestInit & { headers: Record<string, string> } = {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...headers },
  };
  if (method !== 'GET') init.headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !path.startsWith('/auth/')) {
    location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'UNAUTHORIZED', 'Signed out.');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json() : null;
  if (!res.ok) throw errorOf(data, res.status);
  return data;
}

/**
 * Calls the admin API and answers its JSON as `T`: the response type from api-types.ts that the
 * route's schema guarantees.
 */
export const api = <T>(path: string, options: ApiOptions = {}): Promise<T> => call(path, options) as Promise<T>;

/** A call answered by 204 No Content. */
export const send = async (path: string, options: ApiOptions): Promise<void> => {
  await call(path, options);
};
