// A server-sent-events client for tests: frames (separated by a blank line) kept until a test asks for the
// next one matching a pattern.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface EventStream {
  res: IncomingMessage;
  /** The first unconsumed frame matching `pattern` (frames before it are dropped), waiting for it if need be. */
  next(pattern: RegExp): Promise<string>;
}

export function openEventStream(url: string, headers: Record<string, string>): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let buffer = '';
      const frames: string[] = [];
      const waiters: Array<{ pattern: RegExp; resolve: (frame: string) => void }> = [];
      const deliver = () => {
        for (let w = 0; w < waiters.length; w++) {
          const i = frames.findIndex((f) => waiters[w]!.pattern.test(f));
          if (i >= 0) {
            const [frame] = frames.splice(0, i + 1).slice(-1);
            waiters.splice(w--, 1)[0]!.resolve(frame!);
          }
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          frames.push(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        deliver();
      });
      resolve({
        res,
        next: (pattern) =>
          new Promise((r) => {
            waiters.push({ pattern, resolve: r });
            deliver();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
