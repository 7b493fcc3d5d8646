// Authenticated encryption for short-lived browser state (the OpenID Connect `state`, `nonce` and
// PKCE verifier between /auth/login and /auth/callback): AES-256-GCM under a key derived from
// the session secret, with an expiry inside the sealed payload.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface Sealer {
  seal(value: object, expiresAt: Date): string;
  /** The value, or undefined when tampered with, malformed or expired. */
  unseal<T>(sealed: string, now: Date): T | undefined;
}

export function createSealer(secret: string, purpose: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', secret, 'beta-suite', purpose, 32));
  return {
    seal(value, expiresAt) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = Buffer.from(JSON.stringify({ v: value, exp: expiresAt.getTime() }), 'utf8');
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    unseal<T>(sealed: string, now: Date): T | undefined {
      try {
        const raw = Buffer.from(sealed, 'base64url');
        if (raw.length < 29) return undefined;
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        const parsed = JSON.parse(plain.toString('utf8')) as { v: T; exp: number };
        return parsed.exp > now.getTime() ? parsed.v : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
