import fc from 'fast-check';
import murmurhash3 from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { bucketOf, murmur3x86_32 } from './bucket.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
// Any code point but lone surrogates. (fast-check's own 'binary' unit costs seconds to set up in every
// fresh worker, which mutation testing pays once per mutant.)
const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));

// An independent MurmurHash3 x86_32 (Austin Appleby's reference, transcribed with Math.imul) to cross-check the package.
function referenceMurmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = seed | 0;
  const tail = bytes.length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(rotl(Math.imul(k, c1), 15), c2);
    h = (Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const rest = bytes.length & 3;
  if (rest === 3) k ^= bytes[tail + 2]! << 16;
  if (rest >= 2) k ^= bytes[tail + 1]! << 8;
  if (rest >= 1) {
    k ^= bytes[tail]!;
    h ^= Math.imul(rotl(Math.imul(k, c1), 15), c2);
  }
  h ^= bytes.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

describe('bucketOf', () => {
  it.each([
    ['gr1', '123', 73],
    ['groupX', '999', 25],
    ['new-chat-ui', 'user-1', 76],
    ['new-chat-ui', 'user-2', 60],
    ['voice-mode', '42', 27],
    ['a', 'b', 32],
  ])('puts (%s, %s) in bucket %i, as Unleash does', (name, key, bucket) => {
    expect(bucketOf(name, key)).toBe(bucket);
  });

  it('is an integer from 1 to 100, the same every time', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: codePoint }), (name, key) => {
        const bucket = bucketOf(name, key);
        expect(Number.isInteger(bucket) && bucket >= 1 && bucket <= 100).toBe(true);
        expect(bucketOf(name, key)).toBe(bucket);
      }),
    );
  });

  it('hashes the same bytes as TextEncoder.encode, for short and long keys and lone surrogates', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
    const text = fc.oneof(fc.string({ unit: anyCodeUnit, maxLength: 400 }), fc.string({ unit: codePoint, minLength: 300, maxLength: 600 }));
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), text, (name, key) => {
        expect(bucketOf(name, key)).toBe((referenceMurmur3(utf8(`${name}:${key}`)) % 100) + 1);
      }),
      { numRuns: 500 },
    );
    expect(bucketOf('f', '\uD800')).toBe(bucketOf('f', '\uFFFD'));
  });

  it('puts p % ± 1.5 points of 100 000 keys in buckets 1 to p, for any flag name', () => {
    const percentages = [1, 5, 10, 25, 33, 50, 75, 90, 99];
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom('user-', '', 'u:', 'ユーザー', 'a@b.c#'),
        (flagName, prefix) => {
          const counts = new Array<number>(101).fill(0);
          for (let i = 0; i < 100_000; i++) counts[bucketOf(flagName, `${prefix}${i}`)]!++;
          let enabled = 0;
          for (let p = 1; p <= 100; p++) {
            enabled += counts[p]!;
            if (percentages.includes(p)) expect(Math.abs(enabled / 1000 - p), `${flagName} at ${p}%`).toBeLessThanOrEqual(1.5);
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('hashes UTF-8 bytes, so characters that share a low byte do not collide', () => {
    // Unleash's Node client keeps only the low byte of each UTF-16 unit: "Ā" (U+0100) and "Ȁ" (U+0200) would both hash as 0x00.
    expect(murmur3x86_32(utf8('Ā'))).toBe(referenceMurmur3(Uint8Array.of(0xc4, 0x80)));
    expect(murmur3x86_32(utf8('Ā'))).not.toBe(murmur3x86_32(utf8('Ȁ')));
    expect(bucketOf('new-chat-ui', 'zoë')).toBe((referenceMurmur3(utf8('new-chat-ui:zoë')) % 100) + 1);
  });
});

describe('murmur3x86_32', () => {
  it('matches published MurmurHash3 x86_32 vectors', () => {
    expect(murmur3x86_32(utf8(''))).toBe(0);
    expect(murmur3x86_32(utf8('test'))).toBe(0xba6bd213);
    expect(murmur3x86_32(utf8('Hello, world!'))).toBe(0xc0363e43);
    expect(murmur3x86_32(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    // The UTF-8 vector (U+03C0 eight times) is published with seed 0x9747b28c.
    expect(murmurhash3.x86.hash32(utf8('ππππππππ'), 0x9747b28c)).toBe(0xd58063c1);
  });

  it('agrees with an independent implementation on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: codePoint, maxLength: 64 }), (text) => {
        const bytes = utf8(text);
        expect(murmur3x86_32(bytes)).toBe(referenceMurmur3(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
