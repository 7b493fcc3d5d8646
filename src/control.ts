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

/** Serves `POST /<command>` with a JSON body; answers `{result}` or `{error}`. */
export async function startControlServer(
  path: string,
  handlers: Record<string, ControlHandler>,
  onError: (err: unknown) => void,
): Promise<{ close(): Promise<void> }> {
  rmSync(path, { force: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const handler = req.method === 'POST' ? handlers[(req.url ?? '').replace(/^\//, '')] : undefined;
      if (!handler) return send(404, { error: 'unknown command' });
      let body: Record<string, unknown>;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return send(400, { error: 'malformed request' });
      }
      handler(body).then(
        (result) => send(200, { result }),
        (err: unknown) => {
          const status = (err as { status?: number }).status;
          if (typeof status !== 'number' || status >= 500) onError(err);
          send(typeof status === 'number' ? status : 500, { error: status && status < 500 ? (err as Error).message : 'command failed' });
        },
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
