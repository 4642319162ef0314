#!/usr/bin/env node
import { startProxy } from './app';
import { reportStartupFailure } from './cli-exit';
import { CliExit, ConfigError } from './config/errors';
import { loadConfig } from './config/load';
import type { Config } from './config/types';
import { createDiscovery } from './discovery';
import { createLogger } from './observability/logger';

/**
 * Entry point: parse flags, load and validate config (exit 2 on a bad one, never a stack trace),
 * wire the proxy, and turn SIGTERM/SIGINT into a graceful drain that exits 0.
 */
async function main(): Promise<number> {
  let config: Config;
  try {
    config = await loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof CliExit) {
      process.stdout.write(err.output.endsWith('\n') ? err.output : err.output + '\n');
      return 0;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`rrproxy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  // --workers N: a primary and N worker processes (src/cluster, loaded only then).
  if (config.limits.workers > 1) return (await import('./cluster')).runCluster(config);

  const logger = createLogger(config.log);
  const discovery = createDiscovery(config, logger);
  let running;
  try {
    running = await startProxy(config, logger, discovery);
  } catch (err) {
    return reportStartupFailure(err, logger);
  }

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        resolve(1);
        return;
      }
      logger.info({ signal: sig }, 'shutting down');
      running.shutdown().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

main().then(
  (code) => {
    // Let pino flush its async buffer before exiting.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(
      `rrproxy: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
