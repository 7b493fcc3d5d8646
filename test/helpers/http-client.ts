// Plain HTTP for fault tests: requests that report what the client saw instead of throwing, raw
// bytes over a socket for requests Node's client refuses to send, and a process's resident memory.
import { readFileSync } from 'node:fs';
import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface HttpOutcome {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
  /** The errno code (or message) when no complete response arrived. */
  error?: string;
  /** The request went out on a kept-alive connection that had already carried a response. */
  reusedSocket: boolean;
  ms: number;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** A keep-alive agent, or false for a fresh connection (the default). */
  agent?: Agent | false;
  timeoutMs?: number;
}

/** Sends one request; never rejects. */
export function send(url: string, options: SendOptions = {}): Promise<HttpOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let reusedSocket = false;
    const done = (outcome: Omit<HttpOutcome, 'ms' | 'reusedSocket'>) =>
      resolve({ ...outcome, reusedSocket, ms: Math.round(performance.now() - started) });
    // An explicit length frames the body whatever the method (Node sends GET and HEAD bodies unframed).
    const headers =
      options.body === undefined ? options.headers : { 'content-length': Buffer.byteLength(options.body), ...options.headers };
    let req;
    try {
      req = request(url, { method: options.method ?? 'GET', headers, agent: options.agent ?? false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
      });
    } catch (err) {
      done({ error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      return;
    }
    req.on('socket', () => (reusedSocket = req.reusedSocket));
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.end(options.body);
  });
}

export interface RawOutcome {
  status?: number;
  error?: string;
}

/** Writes `bytes` to a fresh connection and reports the status line of the first answer. */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let settled = false;
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ error: 'CLIENT_TIMEOUT' }), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (match) finish({ status: Number(match[1]) });
      else if (received.length > 64) finish({ error: `not HTTP: ${JSON.stringify(received.slice(0, 64))}` });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }));
    // Closed without a status line: the server hung up on bytes it could not parse.
    socket.on('close', () => finish({ error: 'CLOSED_WITHOUT_RESPONSE' }));
  });
}

/** Resident set size of a process, in bytes (Linux). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
