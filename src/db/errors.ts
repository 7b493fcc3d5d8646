// Recognises errors that mean "the database cannot be reached right now" (as opposed to a bad query).
import { AppError } from '../core/errors.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and 57P0x (operator intervention: shutdown, cannot connect now).
const SQLSTATE = /^(08\d{3}|57P0[1-3])$/;
const MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'Client was closed and is not queryable',
];

/** Retry-After (seconds) sent with 503 while the database is away. */
export const DATABASE_RETRY_AFTER_S = 5;

export function isDatabaseUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
  return MESSAGES.some((m) => err.message.includes(m));
}

export function databaseUnavailable(): AppError {
  return new AppError('DATABASE_UNAVAILABLE', 'The database is unavailable; try again shortly.', DATABASE_RETRY_AFTER_S);
}

/** Maps driver errors to the service's error type; anything else is returned as is. */
export function toAppError(err: unknown): unknown {
  return isDatabaseUnavailableError(err) ? databaseUnavailable() : err;
}

/** A unique-constraint violation (SQLSTATE 23505): the row already exists. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';
