import { describe, expect, it } from 'vitest';
import { cleanVariants, mergeVariants, parseVariantsAttribute, VARIANTS_MAX_ENTRIES } from './variants.js';

describe('cleanVariants', () => {
  it('keeps the entries the server accepts and drops the others, one by one', () => {
    expect(
      cleanVariants({
        'chat-model': 'b',
        'voice.mode': 'control',
        Upper: 'a',
        'chat model': 'a',
        numeric: 2,
        empty: '',
        nested: { a: 1 },
        'slash-variant': 'a/b',
        ok_2: 'v_2',
      }),
    ).toEqual({ 'chat-model': 'b', 'voice.mode': 'control', ok_2: 'v_2' });
  });

  it('caps at 50 entries, keeping the first', () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`flag-${i}`, 'on']));
    const clean = cleanVariants(many);
    expect(Object.keys(clean)).toHaveLength(VARIANTS_MAX_ENTRIES);
    expect(clean['flag-0']).toBe('on');
    expect(clean['flag-49']).toBe('on');
    expect(clean['flag-50']).toBeUndefined();
  });

  it('counts only kept entries toward the cap', () => {
    const input: Record<string, string> = { BAD: 'x' };
    for (let i = 0; i < 50; i++) input[`flag-${i}`] = 'on';
    expect(Object.keys(cleanVariants(input))).toHaveLength(50);
  });

  it('answers an empty object for anything that is not an object', () => {
    for (const value of [null, undefined, 'a', 3, ['a'], true]) expect(cleanVariants(value)).toEqual({});
  });
});

describe('parseVariantsAttribute', () => {
  it('reads a JSON object and ignores what is not one', () => {
    expect(parseVariantsAttribute('{"chat-model":"b"}')).toEqual({ 'chat-model': 'b' });
    expect(parseVariantsAttribute(null)).toEqual({});
    expect(parseVariantsAttribute('  ')).toEqual({});
    expect(parseVariantsAttribute('{chat-model: b}')).toEqual({});
    expect(parseVariantsAttribute('["b"]')).toEqual({});
  });
});

describe('mergeVariants', () => {
  it('lets the page attribute win over the SDK for the same flag', () => {
    expect(mergeVariants({ 'chat-model': 'a', voice: 'on' }, { 'chat-model': 'b' })).toEqual({ 'chat-model': 'b', voice: 'on' });
  });
});
