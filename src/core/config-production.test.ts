// Production refuses to start on silent defaults that decide who owns the console.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const SECRET = 'x'.repeat(32);

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig in production', () => {
  it.each<Record<string, string>>([{}, { ADMIN_EMAILS: '' }, { ADMIN_EMAILS: '   ' }])(
    'requires an explicit ADMIN_EMAILS (%o)',
    (extra) => {
      const err = errorFor({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ...extra });
      expect(err.variable).toBe('ADMIN_EMAILS');
      expect(err.message).toMatch(/^ADMIN_EMAILS: is required when NODE_ENV=production/);
      expect(err.message).not.toContain('\n');
    },
  );

  it('takes the owners it is given', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ADMIN_EMAILS: 'Owner@Example.com' });
    expect(config.adminEmails).toEqual(['owner@example.com']);
  });

  it('still validates the addresses it is given', () => {
    expect(errorFor({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ADMIN_EMAILS: 'nobody' }).message).toMatch(/not an email/);
  });

  it('keeps the documented owner default outside production', () => {
    expect(loadConfig({}).adminEmails).toEqual(['toledonick98@gmail.com']);
    expect(loadConfig({ NODE_ENV: 'test' }).adminEmails).toEqual(['toledonick98@gmail.com']);
  });
});
