// The comment a person gives with a change, recorded beside it in the audit log (the console asks
// for one when reviewing a risky change). It arrives as the `X-Change-Comment` header of the
// request that makes the change and is held in the request's async context, so every audit entry
// the request writes carries it without each feature passing it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.js';

export const CHANGE_COMMENT_HEADER = 'x-change-comment';
export const CHANGE_COMMENT_MAX = 500;

const store = new AsyncLocalStorage<string>();

/** The comment of the request being served, if it sent one. */
export const currentChangeComment = (): string | undefined => store.getStore();

/**
 * The header's text, percent-decoded (browsers send only ASCII in headers), trimmed; undefined
 * when empty. Anything that is not text of at most CHANGE_COMMENT_MAX characters is refused.
 */
export function parseChangeComment(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const where = `headers/${CHANGE_COMMENT_HEADER}`;
  if (Array.isArray(raw)) throw new AppError('VALIDATION_ERROR', `${where} must be sent once.`);
  let text: string;
  try {
    text = decodeURIComponent(raw).trim();
  } catch {
    throw new AppError('VALIDATION_ERROR', `${where} must be percent-encoded UTF-8 text.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text))
    throw new AppError('VALIDATION_ERROR', `${where} must not contain control characters.`);
  if (text.length > CHANGE_COMMENT_MAX)
    throw new AppError('VALIDATION_ERROR', `${where} must be at most ${CHANGE_COMMENT_MAX} characters.`);
  return text === '' ? undefined : text;
}

async function changeCommentPlugin(fastify: FastifyInstance): Promise<void> {
  // Requests without the header (every evaluation, health check and read) pass straight through.
  // preHandler: the body is parsed by then, so the handler runs inside the context it sets.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const raw = request.headers[CHANGE_COMMENT_HEADER];
    if (raw === undefined) return done();
    let comment: string | undefined;
    try {
      comment = parseChangeComment(raw);
    } catch (err) {
      return done(err as Error);
    }
    if (comment === undefined) return done();
    store.run(comment, done);
  });
}

/** Reads `X-Change-Comment` into the request's context for the audit log. */
export const changeComment = fp(changeCommentPlugin, { name: 'change-comment', fastify: '5.x' });
