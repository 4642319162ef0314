import cluster from 'node:cluster';
import pino from 'pino';
import type { LogConfig } from '../config/types';
import { LineWriter, PIPE_BUF } from './line-writer';

export type Logger = pino.Logger;

/** Paths never written to logs, whatever a caller passes (credentials and session cookies). */
export const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  'authorization',
  'cookie',
];

/**
 * The process logger: JSON lines on stdout (read with `kubectl logs`), batched for up to 10 ms
 * by LineWriter so the access log stays cheap on the hot path, and flushed at exit.
 */
export function createLogger(cfg: LogConfig): Logger {
  const options: pino.LoggerOptions = {
    level: cfg.level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (cfg.pretty) {
    return pino(
      options,
      pino.transport({
        target: 'pino-pretty',
        options: {
          colorize: true,
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        },
      }),
    );
  }
  // Workers share stdout with each other: their writes must stay atomic (PIPE_BUF pieces).
  const dest = new LineWriter(1, cluster.isWorker ? PIPE_BUF : undefined);
  const logger = pino(options, dest);
  process.once('exit', () => dest.flush());
  return logger;
}
