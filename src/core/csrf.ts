// CSRF defence for cookie sessions: a per-session synchronizer token (header or form field) plus
// Fetch Metadata and Origin checks. Bearer tokens carry no ambient credentials and skip it.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import type { Principal } from './principal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws 403 when a state-changing, cookie-authenticated request fails any CSRF check. */
export function assertCsrf(request: FastifyRequest, principal: Principal | undefined, expectedOrigin: string): void {
  if (SAFE_METHODS.has(request.method) || principal?.kind !== 'session') return;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('FORBIDDEN', 'Cross-site request refused.');
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== expectedOrigin) throw new AppError('FORBIDDEN', 'Cross-origin request refused.');
  const header = request.headers['x-csrf-token'];
  const field = request.body !== null && typeof request.body === 'object' ? (request.body as Record<string, unknown>)._csrf : undefined;
  const presented = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
  if (presented === undefined || !sameSecret(presented, principal.csrfToken)) {
    throw new AppError('FORBIDDEN', 'Missing or invalid CSRF token.');
  }
}
