import { ConfigError } from './config/errors';
import type { Logger } from './observability/logger';

/**
 * Tells why a start failed and returns the exit code, the same way for a single process, the
 * primary and each worker of a --workers pod: 2 for a configuration mistake only found while
 * starting (a ConfigError names the key), 1 for anything else (a port taken...), which is also
 * logged as fatal. Never a stack trace. `who` names the process on stderr ("worker 2").
 */
export function reportStartupFailure(err: unknown, logger: Logger, who?: string): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`rrproxy: ${err.message}\n`);
    return 2;
  }
  const e = err as NodeJS.ErrnoException;
  logger.fatal({ err: e.message, code: e.code }, 'startup failed');
  logger.flush();
  const prefix = who === undefined ? 'rrproxy' : `rrproxy: ${who}`;
  process.stderr.write(`${prefix}: startup failed: ${e.message}\n`);
  return 1;
}
