// The bundled widget script as served: read once at start-up from dist/ (scripts/build-widget.mjs
// writes it), with its gzip form and a validator computed once.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Both src/features/widget (tests) and dist/features/widget (the built server) sit three levels below the project root.
const ROOT = new URL('../../../', import.meta.url);
export const WIDGET_SCRIPT_PATH = fileURLToPath(new URL('dist/features/widget/browser/widget.js', ROOT));

export interface WidgetScript {
  body: Buffer;
  gzipped: Buffer;
  /** A weak validator: the same for both encodings of the same script. */
  etag: string;
}

/** Reads the built script (a missing one is an error naming `npm run build`). */
export function loadWidgetScript(path = WIDGET_SCRIPT_PATH): WidgetScript {
  if (!existsSync(path)) throw new Error(`The widget script ${path} is missing: run \`npm run build\` first.`);
  const body = readFileSync(path);
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, gzipped: gzipSync(body, { level: 9 }), etag };
}

/** Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** Whether Accept-Encoding allows gzip (present and not `q=0`). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  return acceptEncoding.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
