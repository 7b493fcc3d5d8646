// Email comparison: NFKC with ASCII-only case folding, and the ASCII local-part rule for console access.
import { describe, expect, it } from 'vitest';
import { emailKey, hasAsciiLocalPart, sameEmail } from './email.js';

describe('emailKey', () => {
  it('lowercases ASCII letters only', () => {
    expect(emailKey('Kate.Smith+Beta@Example.COM')).toBe('kate.smith+beta@example.com');
    // toLowerCase would turn İ into i̇ and É into é; the key leaves every non-ASCII letter as written.
    expect(emailKey('İLKER@example.com')).toBe('İlker@example.com');
    expect(emailKey('ÉMILE@example.com')).toBe('Émile@example.com');
  });

  it('applies NFKC first, so compatibility forms meet their plain letters', () => {
    expect(emailKey('\u212Aate@example.com')).toBe('kate@example.com');
    expect(emailKey('\uFF4B\uFF41\uFF54\uFF45@example.com')).toBe('kate@example.com');
    expect(emailKey('e\u0301@example.com')).toBe('\u00e9@example.com');
  });

  it('does not treat Unicode case pairs as the same address', () => {
    expect(sameEmail('ÉMILE@example.com', 'émile@example.com')).toBe(false);
    expect(sameEmail('KATE@example.com', 'kate@EXAMPLE.com')).toBe(true);
    expect(sameEmail('kate@example.com', 'kate@example.co')).toBe(false);
  });
});

describe('hasAsciiLocalPart', () => {
  it.each([
    ['kate@example.com', true],
    ["Kate.O'Neil+x@example.com", true],
    ['kate@bücher.example', true],
    ['"a@b"@example.com', true],
    ['\u212Aate@example.com', false],
    ['\uFF4Bate@example.com', false],
    ['émile@example.com', false],
    ['kate\u200b@example.com', false],
    ['ka te@example.com', false],
    ['kate', false],
    ['@example.com', false],
    ['', false],
  ])('%s → %s', (email, expected) => {
    expect(hasAsciiLocalPart(email)).toBe(expected);
  });
});
