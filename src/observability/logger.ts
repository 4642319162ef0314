import pino from 'pino';
import type { LogConfig } from '../config/types';

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
 * The process logger: JSON lines on stdout (read with `kubectl logs`), written asynchronously in
 * 4 KiB batches so the access log stays cheap on the hot path, flushed every 100 ms and at exit.
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
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const logger = pino(options, dest);
  const timer = setInterval(() => dest.flush(), 100);
  timer.unref();
  process.once('exit', () => {
    try {
      dest.flushSync();
    } catch {
      // stdout already gone
    }
  });
  return logger;
}
