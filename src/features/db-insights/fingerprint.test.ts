import { beforeAll, describe, expect, it } from 'vitest';
import { createShapeCache, foldLists, loadParser, roughNormalize, shapeOf } from './fingerprint.js';

beforeAll(() => loadParser());

describe('query shapes', () => {
  it('folds literals, IN lists of any length and multi-row VALUES into one fingerprint', () => {
    const inLists = [
      'SELECT * FROM t WHERE a IN ($1)',
      'SELECT * FROM t WHERE a IN ($1, $2, $3)',
      "SELECT * FROM t WHERE a IN (1, 2, 'x', 4)",
    ];
    expect(new Set(inLists.map((q) => shapeOf(q).fingerprint)).size).toBe(1);
    const values = ['INSERT INTO t (a, b) VALUES ($1, $2)', "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')"];
    expect(new Set(values.map((q) => shapeOf(q).fingerprint)).size).toBe(1);
    expect(shapeOf("SELECT * FROM t WHERE a = 'x'").fingerprint).toBe(shapeOf('SELECT * FROM t WHERE a = 42').fingerprint);
  });

  it('tells different statements apart', () => {
    expect(shapeOf('SELECT a FROM t WHERE b = $1').fingerprint).not.toBe(shapeOf('SELECT a FROM t WHERE c = $1').fingerprint);
    expect(shapeOf('SELECT a FROM t').fingerprint).not.toBe(shapeOf('SELECT a FROM u').fingerprint);
  });

  it('shows the statement without its values, lists folded', () => {
    const shape = shapeOf("SELECT * FROM users WHERE email = 'ann@example.com' AND id IN (1, 2, 3) AND age > 41.5");
    expect(shape.query).toBe('SELECT * FROM users WHERE email = $1 AND id IN ($2, …) AND age > $5');
    const insert = shapeOf("INSERT INTO t (a, b) VALUES (1, 'secret'), (2, 'other')");
    expect(insert.query).toBe('INSERT INTO t (a, b) VALUES ($1, $2), …');
    expect(insert.query).not.toContain('secret');
  });

  it('never throws on SQL the parser refuses, and still hides its values', () => {
    const shape = shapeOf("SELEC * FORM t WHERE a = 'secret' AND b = 12 AND c IN (1, 2)");
    expect(shape.fingerprint).toMatch(/^x[0-9a-f]{15}$/);
    expect(shape.query).not.toMatch(/secret|12/);
    expect(roughNormalize("x = $tag$a 'b' c$tag$ -- note\n AND y = E'q'")).toBe('x = $0 AND y = E$0');
  });

  it('folds only lists, not function arguments', () => {
    expect(foldLists('SELECT f($1, $2) WHERE a IN ($3, $4, $5)')).toBe('SELECT f($1, $2) WHERE a IN ($3, …)');
  });

  it('keeps a bounded cache', () => {
    const cache = createShapeCache(100);
    for (let i = 0; i < 1000; i++) cache.shapeOf(`SELECT c${i} FROM t`);
    expect(cache.size).toBe(100);
    expect(cache.shapeOf('SELECT c999 FROM t')).toEqual(shapeOf('SELECT c999 FROM t'));
  });
});
