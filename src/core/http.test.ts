import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { findUnsafeJson, isPlainJsonText, requestIdFrom, toHttpError } from './http.js';

describe('requestIdFrom', () => {
  it('reuses short plain ids and replaces anything else', () => {
    expect(requestIdFrom('abc-123_X.y:z')).toBe('abc-123_X.y:z');
    for (const bad of ['has space', 'x'.repeat(129), 'a\r\nb', '<script>', '', undefined, ['a', 'b']]) {
      const id = requestIdFrom(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('findUnsafeJson', () => {
  it('accepts ordinary JSON', () => {
    expect(findUnsafeJson({ a: [1, 'two', { three: null }], ok: true, emoji: '🙂' })).toBeUndefined();
  });
  it('rejects NUL characters in values and keys', () => {
    expect(findUnsafeJson({ a: 'x\u0000y' })).toMatch(/NUL/);
    expect(findUnsafeJson({ 'k\u0000': 1 })).toMatch(/NUL/);
  });
  it('rejects lone surrogates', () => {
    expect(findUnsafeJson(['\ud800'])).toMatch(/surrogate/);
  });
  it('bounds nesting depth at 32 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 33; i++) deep = [deep];
    expect(findUnsafeJson(deep)).toMatch(/nesting/);
    let ok: unknown = 1;
    for (let i = 0; i < 32; i++) ok = { a: ok };
    expect(findUnsafeJson(ok)).toBeUndefined();
  });
});

describe('isPlainJsonText', () => {
  const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

  it('takes a usual body, which the full checks accept too', () => {
    const body = '{"context":{"targetingKey":"user-42","email":"user-42@example.com","plan":"pro","appVersion":"2.4.1"}}';
    expect(isPlainJsonText(body)).toBe(true);
    expect(findUnsafeJson(JSON.parse(body))).toBeUndefined();
    expect(isPlainJsonText(nested(32))).toBe(true);
    expect(findUnsafeJson(JSON.parse(nested(32)))).toBeUndefined();
  });

  it.each([
    ['an escaped NUL', '{"a":"x\\u0000y"}'],
    ['an escaped lone surrogate', '["\\ud800"]'],
    ['an escaped key', '{"\\u005f_proto__":{}}'],
    ['a __proto__ key', '{"__proto__":{"admin":true}}'],
    ['a constructor key', '{"constructor":{"prototype":{}}}'],
    ['a byte-order mark', '\ufeff{"a":1}'],
    ['nesting past the limit', nested(33)],
  ])('sends %s to the full checks', (_label, text) => {
    expect(isPlainJsonText(text)).toBe(false);
  });

  it('never passes a text the full checks refuse', () => {
    for (const text of ['{"a":"x\\u0000"}', '["\\udc00"]', nested(33), '[' + nested(32) + ']']) {
      const refused = (() => {
        try {
          return findUnsafeJson(JSON.parse(text)) !== undefined;
        } catch {
          return true;
        }
      })();
      expect(refused && isPlainJsonText(text)).toBe(false);
    }
  });
});

describe('toHttpError', () => {
  it('keeps AppErrors and hides everything else behind a generic 500', () => {
    const own = new AppError('CONFLICT', 'taken');
    expect(toHttpError(own)).toBe(own);
    const hidden = toHttpError(new Error('relation "secret_table" does not exist at /srv/app.js:1'));
    expect(hidden.status).toBe(500);
    expect(hidden.message).toBe('Internal server error.');
  });
  it('maps framework 4xx errors by status', () => {
    expect(toHttpError(Object.assign(new Error('x'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(toHttpError(Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }))).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(toHttpError(Object.assign(new Error('internal detail'), { statusCode: 400 })).message).toBe('Invalid request.');
  });
});
