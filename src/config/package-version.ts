import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The `version` of rrproxy's package.json, or undefined when it cannot be read (a dist copied
 * out without it). package.json is two levels up from both src/config and dist/config.
 */
export function readPackageVersion(): string | undefined {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
    );
    const v =
      typeof pkg === 'object' && pkg !== null
        ? (pkg as Record<string, unknown>).version
        : undefined;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
