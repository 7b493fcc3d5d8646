import { describe, expect, it } from 'vitest';
import type { EvaluationResult } from './evaluate.js';
import { answerJson, bulkAnswer, present } from './ofrep-answers.js';
import { compileVariants, type CompiledVariant } from './variants.js';

const RESULTS: EvaluationResult[] = [
  { value: true, reason: 'STATIC', variant: 'on' },
  { value: true, reason: 'TARGETING_MATCH', variant: 'on' },
  { value: false, reason: 'TARGETING_MATCH', variant: 'off' },
  { value: true, reason: 'SPLIT', variant: 'on', bucket: 12 },
  { value: false, reason: 'SPLIT', variant: 'off', bucket: 77 },
  { value: false, reason: 'DISABLED', variant: 'off' },
  { value: false, reason: 'DEFAULT', variant: 'off' },
  { value: false, reason: 'ERROR', variant: 'off', errorCode: 'TARGETING_KEY_MISSING' },
  { value: false, reason: 'ERROR', variant: 'off', errorCode: 'FLAG_NOT_FOUND' },
];

describe('answerJson', () => {
  it('is the JSON of the protocol answer, for every outcome and again from the table', () => {
    for (const name of ['voice-mode', 'chat.v2']) {
      for (const result of RESULTS) {
        const expected = JSON.stringify(present(name, result));
        expect(answerJson(name, result)).toBe(expected);
        expect(answerJson(name, result)).toBe(expected);
      }
    }
    expect(answerJson('voice-mode', RESULTS[3]!)).toBe('{"key":"voice-mode","value":true,"reason":"SPLIT","variant":"on","metadata":{}}');
    expect(answerJson('nope"x', RESULTS[8]!)).toBe(
      '{"key":"nope\\"x","errorCode":"FLAG_NOT_FOUND","errorDetails":"Flag \\"nope\\"x\\" does not exist."}',
    );
  });
});

describe('bulkAnswer', () => {
  const evaluated = (results: EvaluationResult[]) => results.map((result, i) => ({ name: `flag-${i}`, result }));

  it('is the JSON of every answer in order', () => {
    const list = evaluated(RESULTS.slice(0, 8));
    expect(bulkAnswer(list).body()).toBe(JSON.stringify({ flags: list.map(({ name, result }) => present(name, result)) }));
    expect(bulkAnswer([]).body()).toBe('{"flags":[]}');
  });

  it('has the same quoted ETag for the same answer, and another when any outcome or name differs', () => {
    const base = evaluated(RESULTS.slice(0, 8));
    const etag = bulkAnswer(base).etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    // Another bucket with the same outcome is the same answer.
    const sameAnswer = base.map((e, i) => (i === 3 ? { ...e, result: { ...e.result, bucket: 40 } } : e));
    expect(bulkAnswer(sameAnswer).etag).toBe(etag);
    const seen = new Set([etag]);
    for (let i = 0; i < base.length; i++) {
      const changed = base.map((e, j) => (j === i ? { ...e, result: RESULTS[(RESULTS.indexOf(e.result) + 1) % 8]! } : e));
      seen.add(bulkAnswer(changed).etag);
    }
    seen.add(bulkAnswer(base.map((e, i) => (i === 0 ? { ...e, name: 'other' } : e))).etag);
    seen.add(bulkAnswer(base.slice(1)).etag);
    // Names are length-prefixed: moving a character between neighbours is another list.
    seen.add(
      bulkAnswer([
        { name: 'ab', result: RESULTS[0]! },
        { name: 'c', result: RESULTS[0]! },
      ]).etag,
    );
    seen.add(
      bulkAnswer([
        { name: 'a', result: RESULTS[0]! },
        { name: 'bc', result: RESULTS[0]! },
      ]).etag,
    );
    expect(seen.size).toBe(base.length + 5);
  });

  it('answers a kept list of outcomes from its text, and a typed flag edited to another value with the new value', () => {
    const served = (value: string): CompiledVariant => compileVariants('copy', 'string', [{ name: 'b', value, weight: 1 }], 'b')!.fallback;
    const typed = (variant: CompiledVariant): EvaluationResult => ({
      value: variant.value,
      reason: 'STATIC',
      variant: variant.name,
      served: variant,
    });
    const first = bulkAnswer([{ name: 'copy', result: typed(served('Hello')) }]);
    const again = bulkAnswer([{ name: 'copy', result: typed(served('Hello')) }]);
    expect(again.body()).toBe('{"flags":[{"key":"copy","value":"Hello","reason":"STATIC","variant":"b","metadata":{}}]}');
    expect(again.etag).toBe(first.etag);
    const edited = bulkAnswer([{ name: 'copy', result: typed(served('Hi')) }]);
    expect(edited.body()).toBe('{"flags":[{"key":"copy","value":"Hi","reason":"STATIC","variant":"b","metadata":{}}]}');
    expect(edited.etag).not.toBe(first.etag);
  });

  it('tells a missing flag from a missing targeting key', () => {
    const missingKey = bulkAnswer([{ name: 'x', result: RESULTS[7]! }]);
    const notFound = bulkAnswer([{ name: 'x', result: RESULTS[8]! }]);
    expect(missingKey.body()).toBe(JSON.stringify({ flags: [present('x', RESULTS[7]!)] }));
    expect(notFound.body()).toBe(JSON.stringify({ flags: [present('x', RESULTS[8]!)] }));
    expect(notFound.etag).not.toBe(missingKey.etag);
  });

  it('stays right past the answers it keeps', () => {
    for (let i = 0; i < 2_500; i++) {
      const list = [
        { name: `flag-${i}`, result: RESULTS[i % 7]! },
        { name: 'last', result: RESULTS[(i + 1) % 7]! },
      ];
      expect(bulkAnswer(list).body()).toBe(JSON.stringify({ flags: list.map(({ name, result }) => present(name, result)) }));
    }
  });
});
