// Production refuses to start on silent defaults that decide who owns the console.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const SECRET = 'x'.repeat(32);

describe('loadConfig in production', () => {
  it.each<Record<string, string>>([{}, { ADMIN_EMAILS: '' }, { ADMIN_EMAILS: '   ' }])(
    'requires an explicit ADMIN_EMAILS (%o)',
    (extra) => {
      const load = () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ...extra });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^ADMIN_EMAILS: is required when NODE_ENV=production[^\n]*$/);
    },
  );

  it('takes the owners it is given', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ADMIN_EMAILS: 'Owner@Example.com' });
    expect(config.adminEmails).toEqual(['owner@example.com']);
  });

  it('still validates the addresses it is given', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ADMIN_EMAILS: 'nobody' })).toThrow(
      /^ADMIN_EMAILS: "nobody" is not an email address$/,
    );
  });

  it('keeps the documented owner default outside production', () => {
    expect(loadConfig({}).adminEmails).toEqual(['toledonick98@gmail.com']);
    expect(loadConfig({ NODE_ENV: 'test' }).adminEmails).toEqual(['toledonick98@gmail.com']);
  });

  it('folds owner addresses as sign-in compares them, and refuses a non-ASCII local part', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Kate@EXAMPLE.com ' }).adminEmails).toEqual(['kate@example.com']);
    // NFKC turns the Kelvin sign into K, but the address as written is not ASCII before the @.
    expect(() => loadConfig({ ADMIN_EMAILS: '\u212Aate@example.com' })).toThrow(
      /^ADMIN_EMAILS: "\u212Aate@example.com" has a non-ASCII part/,
    );
    expect(() => loadConfig({ ADMIN_EMAILS: 'j\u00fcrgen@example.com' })).toThrow(/non-ASCII part before the @/);
  });
});
