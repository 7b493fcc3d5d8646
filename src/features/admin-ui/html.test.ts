import { describe, expect, it } from 'vitest';
import type { AssetTable } from './assets.js';
import { html } from './html.js';
import { consolePage, standalonePage } from './layout.js';

const assets: AssetTable = { version: 'v1', get: () => undefined, url: (name) => `/assets/v1/${name}` };

describe('html template', () => {
  it('escapes every interpolated string', () => {
    const evil = `<img src=x onerror="alert(1)">&'`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</p>',
    );
  });

  it('keeps markup it produced itself, flattens arrays and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    const nothing = [null, undefined, false];
    expect(
      html`<ul>
          ${items}
        </ul>
        ${nothing}${0}`.value.replace(/\s+/g, ''),
    ).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>0');
  });
});

describe('console page frame', () => {
  const page = (role: string, email = 'owner@example.com') =>
    consolePage({
      title: 'Dashboard',
      page: 'dashboard',
      viewer: { email, role, csrfToken: 'csrf-"token"' },
      assets,
      body: html`<p>body</p>`,
      script: 'dashboard.js',
      charts: true,
    });

  it('shows the signed-in email as text, carries the CSRF token in a meta tag, and loads only local assets', () => {
    const out = page('OWNER', '<script>x</script>@example.com');
    expect(out).toContain('&lt;script&gt;x&lt;/script&gt;@example.com');
    expect(out).not.toContain('<script>x</script>');
    expect(out).toContain('<meta name="csrf-token" content="csrf-&quot;token&quot;" />');
    const sources = [...out.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.filter((s) => /^[a-z]+:/i.test(s) && !s.startsWith('data:'))).toEqual([]);
    // No inline script: every <script> has a src.
    expect(out.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
  });

  it('offers the tokens page to owners only', () => {
    expect(page('OWNER')).toContain('href="/admin/beta/tokens"');
    expect(page('ADMIN')).not.toContain('href="/admin/beta/tokens"');
  });

  it('marks the current page in the navigation', () => {
    expect(page('OWNER')).toMatch(/<a class="nav-link active" href="\/admin\/beta\/"\s+aria-current="page"\s*>\s*Dashboard<\/a\s*>/);
    expect(page('OWNER').match(/aria-current/g)).toHaveLength(1);
  });

  it('renders standalone pages with escaped lines', () => {
    const out = standalonePage(assets, 'No access', ['<b>x</b>'], html`<a href="/">home</a>`);
    expect(out).toContain('<p>&lt;b&gt;x&lt;/b&gt;</p>');
    expect(out).toContain('<a href="/">home</a>');
  });
});
