// The tester pages as served: join, sign in, waitlist and portal are static shells with no inline
// script or style, their files come from this server, and only known notices are shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const PAGES = ['/beta/join?code=abc', '/beta/sign-in', '/beta/waitlist', '/beta/'];

describe('tester pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it.each(PAGES)('%s is an HTML page without inline script or style, loading only files from /beta/assets/', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const body = res.body;
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const urls = [...body.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    const files = urls.filter((u) => u.includes('/assets/'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      expect(file).toMatch(/^\/beta\/assets\/[a-z0-9]{12}\/[a-z0-9.-]+$/);
      const asset = await get(file);
      expect(asset.statusCode, file).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.body).not.toContain('sourceMappingURL');
    }
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u))).toEqual([]);
  });

  it('ignores query fields it does not know (mail clients add tracking parameters)', async () => {
    expect((await get('/beta/join?code=abc&utm_source=mail')).statusCode).toBe(200);
  });

  it('shows a known notice on the sign-in page and ignores anything else, echoing nothing', async () => {
    expect((await get('/beta/sign-in?notice=link-invalid')).body).toContain('That link cannot be used any more');
    expect((await get('/beta/sign-in?notice=confirmed')).body).toContain('Your email address is confirmed.');
    const other = await get('/beta/sign-in?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(other.statusCode).toBe(200);
    expect(other.body).not.toContain('alert(1)');
    expect(other.body).not.toContain('role="status"');
  });

  it('never echoes the invitation code into the page', async () => {
    const res = await get('/beta/join?code=%22%3E%3Cimg%20src%3Dx%3Esecret-code');
    expect(res.body).not.toContain('secret-code');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers 404 for a file that is not on the allow-list', async () => {
    const page = await get('/beta/join');
    const version = /\/beta\/assets\/([a-z0-9]+)\//.exec(page.body)?.[1];
    expect((await get(`/beta/assets/${version}/console.css`)).statusCode).toBe(404);
    expect((await get(`/beta/assets/${version}/..%2Fassets.ts`)).statusCode).toBe(400);
  });
});
