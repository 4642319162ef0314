import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package version, read from package.json: both src/client (tests) and dist/client (the
 * installed bin) sit two levels below the package root.
 */
function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
    );
    if (typeof pkg === 'object' && pkg !== null) {
      const v = (pkg as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    }
  } catch {
    // Fall through: a copied-out dist without package.json still runs.
  }
  return '0.0.0';
}

export const CLIENT_VERSION = readVersion();
export const USER_AGENT = `rrproxy-client/${CLIENT_VERSION}`;
