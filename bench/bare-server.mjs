// The ceiling for bench/run.ts: the least a Fastify 5 server can do per request on this machine.
// Plain JavaScript so it runs under plain `node` (no TypeScript loader inflating its memory).
// Usage: node bench/bare-server.mjs PORT — listens on 127.0.0.1 only; exits on SIGTERM or when
// its parent closes stdin (so it never outlives a crashed benchmark).
import process from 'node:process';
import Fastify from 'fastify';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: node bench/bare-server.mjs PORT\n');
  process.exit(2);
}

const app = Fastify({ logger: false });
// Same serializer path as the real /healthz (a response schema), so the ratio measures the app's
// hooks, routing and bookkeeping rather than JSON.stringify against fast-json-stringify.
const schema = { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } };
app.get('/bare', { schema }, async () => ({ status: 'pass' }));

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

await app.listen({ port, host: '127.0.0.1' });
