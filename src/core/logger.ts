// pino options: JSON lines in production or when output is piped, pretty in a terminal.
// Credentials never reach the log.
import type { LoggerOptions } from 'pino';
import type { Config } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function loggerOptions(config: Pick<Config, 'logLevel' | 'nodeEnv'>, isTerminal: boolean): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.nodeEnv !== 'production' && isTerminal) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
  }
  return options;
}
