// Stable rollout buckets: Unleash's gradual-rollout normalisation with the flag name as group id,
// hashed over UTF-8 bytes (like Unleash's Go and Java clients, not its Node client, which drops
// non-ASCII characters), so users keep their buckets when a team migrates.
import murmurhash3 from 'murmurhash3js-revisited';

const utf8 = new TextEncoder();
// `TextEncoder.encode` allocates and costs ~1.4 µs per short string on Node 20; encoding into a reused
// buffer is ~20 times faster. Safe because hashing is synchronous and keeps no reference.
const scratch = new Uint8Array(1024);

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = Math.imul((k << 15) | (k >>> 17), C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3 x86_32 (seed 0) over bytes fed one at a time: the state after a flag's `name:` prefix
 * is computed once, and each targeting key continues from it.
 */
interface HashState {
  h: number;
  /** Bytes not yet forming a 4-byte block, little-endian. */
  pending: number;
  pendingCount: number;
  length: number;
}

function feed(state: HashState, byte: number): void {
  state.pending |= byte << (state.pendingCount * 8);
  state.length++;
  if (++state.pendingCount === 4) {
    state.h = mixBlock(state.h, state.pending);
    state.pending = 0;
    state.pendingCount = 0;
  }
}

function finish(state: HashState): number {
  let h = state.h;
  if (state.pendingCount > 0) {
    const k = Math.imul(state.pending, C1);
    h ^= Math.imul((k << 15) | (k >>> 17), C2);
  }
  h ^= state.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function encodeUtf8(text: string): Uint8Array {
  // At most 3 UTF-8 bytes per UTF-16 code unit, so short strings always fit.
  if (text.length * 3 > scratch.length) return utf8.encode(text);
  const { written } = utf8.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

function feedText(state: HashState, text: string): void {
  // ASCII (the usual targeting key) is its own UTF-8: no encoding at all.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (let i = 0; i < text.length; i++) feed(state, text.charCodeAt(i));
    return;
  }
  const bytes = encodeUtf8(text);
  for (let i = 0; i < bytes.length; i++) feed(state, bytes[i]!);
}

/**
 * `key => murmur3_x86_32(utf8(flagName + ":" + key), seed)` as an unsigned 32-bit integer, with the flag
 * name's part of the hash computed once.
 */
export function hasherFor(flagName: string, seed: number): (targetingKey: string) => number {
  const prefix: HashState = { h: seed | 0, pending: 0, pendingCount: 0, length: 0 };
  feedText(prefix, `${flagName}:`);
  const { h, pending, pendingCount, length } = prefix;
  return (targetingKey) => {
    // The usual case, an ASCII key, in local variables: no allocation, no encoding.
    let hash = h;
    let block = pending;
    let count = pendingCount;
    for (let i = 0; i < targetingKey.length; i++) {
      const byte = targetingKey.charCodeAt(i);
      if (byte > 0x7f) {
        const state: HashState = { h, pending, pendingCount, length };
        feedText(state, targetingKey);
        return finish(state);
      }
      block |= byte << (count * 8);
      if (++count === 4) {
        hash = mixBlock(hash, block);
        block = 0;
        count = 0;
      }
    }
    return finish({ h: hash, pending: block, pendingCount: count, length: length + targetingKey.length });
  };
}

/**
 * The bucket function of one flag: `key => bucketOf(flagName, key)`, with the flag name's part of the
 * hash computed once.
 */
export function bucketerFor(flagName: string): (targetingKey: string) => number {
  const hasher = hasherFor(flagName, 0);
  return (targetingKey) => (hasher(targetingKey) % 100) + 1;
}

/**
 * The bucket, 1 to 100, of a user for a flag: `murmur3_x86_32(utf8(flagName + ":" + targetingKey), seed 0) % 100 + 1`.
 * A user is in a rollout of `p` percent when `bucketOf(...) <= p`, so raising `p` only adds users.
 *
 * Lone UTF-16 surrogates cannot be encoded as UTF-8 and are hashed as U+FFFD, as the Go and Java clients do.
 */
export function bucketOf(flagName: string, targetingKey: string): number {
  return bucketerFor(flagName)(targetingKey);
}

/** MurmurHash3 x86 32-bit of `bytes` with `seed` (0 unless given), as an unsigned 32-bit integer. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  return murmurhash3.x86.hash32(bytes, seed);
}
