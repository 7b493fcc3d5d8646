// Outgoing mail over SMTP (nodemailer): one message with a text and an HTML body, retried with
// exponential backoff. Errors are reduced to their code and SMTP status: a server's message may
// quote the recipient, and nothing here ever logs a body (bodies carry sign-in links).
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Sends once per attempt until one succeeds; `onAttempt` hears each outcome. Rejects after the last failed attempt. */
  send(message: MailMessage, onAttempt?: (attempt: number, error: string | undefined) => Promise<void> | void): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  /** `smtp://…` or `smtps://…`. */
  smtpUrl: string;
  /** `address` or `Name <address>`. */
  from: string;
  /** Attempts per message. Default 4. */
  attempts?: number;
  /** Wait before the second attempt, doubled for each one after. Default 1000 ms. */
  backoffMs?: number;
  /** Per-connection timeouts. Default 10 000 ms. */
  timeoutMs?: number;
}

/** What may be recorded of a failure: never the server's free text. */
export function describeMailError(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown };
  const code = typeof e.code === 'string' ? e.code.slice(0, 40) : 'ERROR';
  return typeof e.responseCode === 'number' ? `${code} ${e.responseCode}` : code;
}

/** `a…@example.com`: enough for an owner to tell mails apart, not enough to read the address. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${address.slice(0, 1)}…${address.slice(at)}`;
}

/** A wait that does not keep the process alive. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export function createMailer(options: MailerOptions): Mailer {
  const timeout = options.timeoutMs ?? 10_000;
  // nodemailer is loaded with the first mail: most processes never send one.
  let transport: Promise<Transporter> | undefined;
  const connect = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport(options.smtpUrl, {
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        // nodemailer's own logger stays off: it would print envelopes.
        logger: false,
      }),
    ));
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 1000;
  let closed = false;
  return {
    async send(message, onAttempt) {
      for (let attempt = 1; ; attempt++) {
        if (closed) throw new Error('mailer closed before the mail was sent');
        try {
          await (await connect()).sendMail({ from: options.from, ...message });
          await onAttempt?.(attempt, undefined);
          return;
        } catch (err) {
          const error = describeMailError(err);
          await onAttempt?.(attempt, error);
          if (attempt >= attempts) throw new Error(`mail not sent after ${attempt} attempts: ${error}`, { cause: err });
          await sleep(backoffMs * 2 ** (attempt - 1));
        }
      }
    },
    close() {
      // Retries still waiting give up: a shutdown does not wait out their backoff.
      closed = true;
      void transport?.then((t) => t.close());
    },
  };
}
