// The control socket: while a server holds the embedded database (PGlite is single-process), CLI
// commands reach it through a Unix socket in DATA_DIR that only the owner can open.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';

export const CONTROL_SOCKET = 'control.sock';

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET);
}

export type ControlHandler = (body: Record<string, unknown>) => Promise<unknown>;

export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

interface Reply {
  status: number;
  text: string;
}

const reply = (status: number, payload: unknown): Reply => ({ status, text: JSON.stringify(payload) });

function parseBody(chunks: Buffer[]): Record<string, unknown> | undefined {
  if (chunks.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// A failure the handler meant for the caller (a 4xx status) is told as is; anything else is logged
// and answered without its message, which may carry paths, hosts or SQL.
function failureReply(err: unknown, onError: (err: unknown) => void): Reply {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return reply(status, { error: (err as Error).message });
  onError(err);
  return reply(typeof status === 'number' && status >= 500 && status < 600 ? status : 500, { error: 'command failed' });
}

/** Runs one command and never rejects, whatever the handler does (throws, rejects, returns what JSON cannot encode). */
async function runCommand(
  handlers: ReadonlyMap<string, ControlHandler>,
  command: string,
  chunks: Buffer[],
  onError: (err: unknown) => void,
): Promise<Reply> {
  // A Map, not the handlers object: `constructor`, `__proto__` or `toString` must not reach Object.prototype.
  const handler = handlers.get(command);
  if (!handler) return reply(404, { error: `unknown command "${command.slice(0, 100)}"` });
  const body = parseBody(chunks);
  if (!body) return reply(400, { error: 'malformed request' });
  try {
    return reply(200, { result: await handler(body) });
  } catch (err) {
    return failureReply(err, onError);
  }
}

/** Serves `POST /<command>` with a JSON object body; answers `{result}` or `{error}`. */
export async function startControlServer(
  path: string,
  handlers: Record<string, ControlHandler>,
  onError: (err: unknown) => void,
): Promise<{ close(): Promise<void> }> {
  rmSync(path, { force: true });
  const known: ReadonlyMap<string, ControlHandler> = new Map(Object.entries(handlers));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = ({ status, text }: Reply) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (req.method !== 'POST') return send(reply(404, { error: 'unknown command' }));
      runCommand(known, (req.url ?? '').replace(/^\//, ''), chunks, onError).then(send, () =>
        send(reply(500, { error: 'command failed' })),
      );
    });
  });
  const previousMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previousMask);
  }
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Calls a running server's control socket. Throws `ControlError` with the server's message. */
export function callControl(path: string, command: string, body: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { socketPath: path, path: `/${command}`, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: unknown; error?: string };
            if (res.statusCode === 200) resolve(payload.result);
            else reject(new ControlError(payload.error ?? 'command failed', res.statusCode ?? 500));
          } catch {
            reject(new ControlError('the server answered something unreadable', 502));
          }
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('the server did not answer within 30 s')));
    req.end(JSON.stringify(body));
  });
}
