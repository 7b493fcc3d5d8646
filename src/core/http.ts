// HTTP conventions shared by every route: strict request validation, a hardened JSON body parser,
// safe request ids, and the one error handler that turns anything thrown into
// `{"error": {"code", "message"}}` without leaking internals.
import { OPTIONAL_BODY } from './body-schema.js';
import { randomUUID } from 'node:crypto';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  FastifySchemaValidationError,
} from 'fastify';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormatsModule from 'ajv-formats';
import secureJson from 'secure-json-parse';
import { AppError, errorBody, type ErrorCode } from './errors.js';

/** Deepest JSON nesting accepted in a request body. */
export const MAX_JSON_DEPTH = 32;
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Reuses a caller's `X-Request-Id` only when it is short and plain; otherwise makes a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

function makeAjv(coerce: boolean): Ajv {
  const options: AjvOptions = {
    // Bodies: types exactly as sent ("5" is not 5), unknown fields refused rather than dropped.
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  };
  return addFormats(new Ajv(options));
}

type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/**
 * Compiles on the first call rather than at start-up: compiling every route's schemas was the largest
 * share of the time to ready, and most routes of a process are never called. `errors` is forwarded
 * live from the compiled validator, as Fastify reads it after a failed call.
 */
function compiledOnFirstUse(compile: () => Validate): Validate {
  let validate: Validate | undefined;
  const lazy = (data: unknown) => (validate ??= compile())(data);
  return Object.defineProperty(lazy, 'errors', { get: () => validate?.errors });
}

/** Bodies are validated strictly; query strings, params and headers (always text) are coerced. */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  let strict: Ajv | undefined;
  let coercing: Ajv | undefined;
  return ({ schema, httpPart }) => {
    if (httpPart !== 'body') return compiledOnFirstUse(() => (coercing ??= makeAjv(true)).compile(schema as object));
    const optionalBody = Boolean((schema as Record<string, unknown>)[OPTIONAL_BODY]);
    return compiledOnFirstUse(() => {
      const validate = (strict ??= makeAjv(false)).compile(schema as object);
      if (!optionalBody) return validate;
      // Fastify passes a missing body as null.
      const optional = (data: unknown) => data === undefined || data === null || validate(data);
      return Object.defineProperty(optional, 'errors', { get: () => validate.errors as Validate['errors'] });
    });
  };
}

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled when its route first
 * answers with that status rather than at start-up: compiling them all was about 0.3 s of the time to
 * ready, for routes most processes never call. Passed as `schemaController.compilersFactory`.
 */
export function lazySerializerFactory(): SerializerSelector.SerializerFactory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let serialize: SerializerSelector.Serializer | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
}

/** Finds what PostgreSQL cannot store (NUL, lone surrogates) and over-deep nesting. */
export function findUnsafeJson(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nesting deeper than ${MAX_JSON_DEPTH} levels`;
  if (typeof value === 'string') return unsafeString(value);
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = findUnsafeJson(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = unsafeString(key) ?? findUnsafeJson(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function unsafeString(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a string contains a NUL character';
  if (!text.isWellFormed()) return 'a string contains an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Whether a request body's JSON text cannot hold anything the checks below refuse, so that plain
 * `JSON.parse` gives the same answer: no backslash (so no escaped NUL or surrogate; the text was
 * decoded from UTF-8, which has no lone surrogates, and JSON refuses raw control characters), no key
 * that could be `__proto__` or `constructor`, no byte-order mark, and no more `{` and `[` than the
 * depth allowed. Most bodies (an evaluation context, a rating) are such text.
 */
export function isPlainJsonText(text: string): boolean {
  if (text.includes('\\') || text.includes('__proto__') || text.includes('constructor') || text.charCodeAt(0) === 0xfeff) return false;
  if (text.length <= MAX_JSON_DEPTH) return true;
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === 0x7b || code === 0x5b) && ++openers > MAX_JSON_DEPTH) return false;
  }
  return true;
}

/** Replaces Fastify's JSON parser: prototype-poisoning safe, depth-bounded, PostgreSQL-storable. */
export function registerJsonParser(app: FastifyInstance): void {
  // JSON only: text/plain and every other type is refused with 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(new AppError('VALIDATION_ERROR', 'Request body is empty; send JSON.'), undefined);
      return;
    }
    const plain = isPlainJsonText(text);
    let parsed: unknown;
    try {
      parsed = plain ? JSON.parse(text) : secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      done(new AppError('VALIDATION_ERROR', 'Request body is not valid JSON.'), undefined);
      return;
    }
    const problem = plain ? undefined : findUnsafeJson(parsed);
    if (problem) {
      done(new AppError('VALIDATION_ERROR', `Request body rejected: ${problem}.`), undefined);
      return;
    }
    done(null, parsed);
  });
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
};

const FRIENDLY: Partial<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type; send application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty; send JSON.',
};

export interface ErrorHandlerOptions {
  /** Converts library errors (e.g. database outages) into `AppError`s; returns other errors unchanged. */
  mapError?: (err: unknown) => unknown;
}

/** Turns any thrown value into the JSON error shape. 5xx details stay in the log. */
export function toHttpError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fastifyErr = err as Partial<FastifyError> & { validation?: unknown };
  if (fastifyErr.validation) {
    return new AppError('VALIDATION_ERROR', fastifyErr.message ?? 'Invalid request.');
  }
  const status = fastifyErr.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? 'VALIDATION_ERROR';
    const message =
      (fastifyErr.code && FRIENDLY[fastifyErr.code]) ??
      (fastifyErr.code?.startsWith('FST_') && fastifyErr.message ? fastifyErr.message : 'Invalid request.');
    return new AppError(code, message);
  }
  return new AppError('INTERNAL', 'Internal server error.');
}

export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appErr = toHttpError(options.mapError ? options.mapError(err) : err);
    if (appErr.status >= 500) {
      const e = err as Partial<FastifyError>;
      // Type, code and message only: stack traces and SQL stay out of responses, and out of logs
      // unless debug logging is on.
      request.log.error({ err: { type: e.name, code: e.code, message: e.message } }, 'request failed');
      request.log.debug({ err }, 'request failure detail');
    } else {
      request.log.info({ code: appErr.code, status: appErr.status }, appErr.message);
    }
    if (appErr.retryAfter !== undefined) void reply.header('retry-after', String(appErr.retryAfter));
    return reply.code(appErr.status).type('application/json; charset=utf-8').send(errorBody(appErr.code, appErr.message));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(errorBody('NOT_FOUND', `Route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)} not found.`)),
  );
}
