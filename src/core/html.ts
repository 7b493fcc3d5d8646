// Server-rendered HTML: escaping, the `html` template every page is written with, and minimal
// pages for the few notices outside the console (sign-in notices, errors). Every interpolated value
// is escaped.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup produced by `html`, inserted as is into another `html` template. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A tagged template: every interpolated value is escaped unless it is markup from this template, so user data never becomes HTML. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

// Looks like the console's own pages (Bootstrap's palette) without loading anything.
const NOTICE_STYLE = [
  'body{margin:0;background:#f4f6f9;color:#212529;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
  'main{max-width:36rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(16,24,40,.1)}',
  '@media (max-width:40rem){main{margin:1rem}}',
  '.eyebrow{margin:0;font-size:.8rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#565e64}',
  'h1{margin:.25rem 0 1rem;font-size:1.6rem;font-weight:500}',
  '.links{display:flex;flex-wrap:wrap;gap:.5rem}',
  '.links a{display:inline-block;padding:.4rem .8rem;border-radius:.375rem;background:#0b5ed7;color:#fff;text-decoration:none}',
  '.links a:focus-visible{outline:3px solid #86b7fe;outline-offset:2px}',
].join('');

/** A small standalone page: a heading, paragraphs of text, and optional links. */
export function noticePage(title: string, paragraphs: string[], links: Array<{ href: string; label: string }> = []): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const nav = links.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(' ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · NOUS beta suite</title>
<style>${NOTICE_STYLE}</style></head>
<body>
<main>
<p class="eyebrow">NOUS beta console</p>
<h1>${escapeHtml(title)}</h1>
${body}
${nav ? `<p class="links">${nav}</p>` : ''}
</main>
</body>
</html>
`;
}
