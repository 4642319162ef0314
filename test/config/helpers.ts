import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';

/**
 * Temporary config files for loader tests, removed after the file's tests. Lines are given as an
 * array so a test can see which line number each key is on.
 */
export function tempConfigs(): {
  write(lines: readonly string[], name?: string): string;
  dir(): string;
} {
  let dir: string | undefined;
  let counter = 0;
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const ensure = (): string => (dir ??= mkdtempSync(path.join(tmpdir(), 'rrproxy-config-')));
  return {
    write(lines, name) {
      const file = path.join(ensure(), name ?? `config-${++counter}.yaml`);
      writeFileSync(file, lines.join('\n') + '\n');
      return file;
    },
    dir: ensure,
  };
}

/** Runs loadConfig and returns the ConfigError it must throw. */
export async function configError(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ConfigError> {
  try {
    await loadConfig([...argv], env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}
