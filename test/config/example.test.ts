import { readFileSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_CONFIG } from '../../src/config/defaults';
import { loadConfig } from '../../src/config/load';
import { FIELDS } from '../../src/config/schema';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'config.yaml');

describe('examples/config.yaml', () => {
  test('loads, and documents the defaults exactly (only backends differ)', async () => {
    const config = await loadConfig(['--config', EXAMPLE], {});
    expect({ ...config, backends: [] }).toEqual(DEFAULT_CONFIG);
    expect(config.backends).toEqual([
      { host: '127.0.0.1', port: 8081, weight: 1 },
      { host: '127.0.0.1', port: 8082, weight: 1 },
      { host: '127.0.0.1', port: 8083, weight: 1 },
    ]);
  });

  test('names every top-level key and every leaf key', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const topLevel = [
      'listen',
      'admin',
      'backends',
      'strategy',
      'timeouts',
      'limits',
      'headers',
      'log',
      'cache',
      'discovery',
      'tracing',
    ];
    for (const key of topLevel) expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
    for (const f of FIELDS) {
      const leaf = f.key.split('.').pop()!;
      expect({ key: f.key, present: new RegExp(`^\\s*${leaf}:`, 'm').test(text) }).toEqual({
        key: f.key,
        present: true,
      });
    }
  });
});
