#!/usr/bin/env node
import { startProxy } from '../app';
import { CliExit, ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { createDiscovery } from '../discovery';
import { createLogger } from '../observability/logger';
import { startDemoBackend } from './backends';

/**
 * `npm run demo`: three embedded backends on 127.0.0.1:8081-8083 and the proxy on :8080 in front
 * of them, with pretty logs. Extra flags are passed to the proxy (e.g. `-- --listen 0.0.0.0:8080`).
 */
async function demo(): Promise<void> {
  const host = '127.0.0.1';
  const ports = [8081, 8082, 8083];
  const backends = await Promise.all(
    ports.map((p, i) => startDemoBackend(`replica-${i + 1}`, host, p)),
  );
  const argv = [
    '--listen',
    `${host}:8080`,
    '--admin',
    `${host}:9901`,
    '--log-pretty',
    // The cache is on in the demo: the replica pages are no-store, so round robin stays visible.
    '--cache',
    ...ports.flatMap((p) => ['--backend', `${host}:${p}`]),
    ...process.argv.slice(2),
  ];
  let config;
  try {
    config = await loadConfig(argv, process.env);
  } catch (err) {
    if (err instanceof CliExit) {
      process.stdout.write(err.output + '\n');
      process.exit(0);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`rrproxy demo: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.log);
  const running = await startProxy(config, logger, createDiscovery(config, logger));
  const url = `http://${running.address.host}:${running.address.port}/`;
  process.stderr.write(
    `\nrrproxy demo: proxy on ${url} in front of ${ports.map((p) => `${host}:${p}`).join(', ')}\n` +
      `  try:  for i in 1 2 3 4 5 6; do curl -s ${url} | grep '<h1>'; done\n` +
      `  admin: http://${running.adminAddress.host}:${running.adminAddress.port}/backends\n` +
      `  Ctrl-C to stop.\n\n`,
  );
  const stop = async (): Promise<void> => {
    await running.shutdown();
    await Promise.all(backends.map((b) => new Promise((r) => b.close(r))));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

demo().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(
    `rrproxy demo: ${e.code === 'EADDRINUSE' ? `port in use (${e.message})` : (e.stack ?? String(err))}\n`,
  );
  process.exit(1);
});
