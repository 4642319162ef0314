import { FLAGS } from '../../src/config/cli';
import { DEFAULT_CONFIG } from '../../src/config/defaults';
import { loadConfig } from '../../src/config/load';
import { envNameOf, FIELDS, getPath } from '../../src/config/schema';
import { configKeys, renderConfigTable } from '../../src/config/table';

/** Every primitive or array leaf of DEFAULT_CONFIG, as dotted paths ("listen.host", "backends"). */
function leavesOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) =>
    leavesOf(v, prefix === '' ? k : `${prefix}.${k}`),
  );
}

describe('the schema covers the Config shape', () => {
  test('every leaf of DEFAULT_CONFIG has an env mapping (listen.host is covered by listen)', () => {
    const mapped = FIELDS.map((f) => f.key);
    const uncovered = leavesOf(DEFAULT_CONFIG).filter(
      (leaf) => !mapped.some((key) => leaf === key || leaf.startsWith(`${key}.`)),
    );
    expect(uncovered).toEqual([]);
    expect(leavesOf(DEFAULT_CONFIG).length).toBeGreaterThanOrEqual(FIELDS.length);
  });

  test('every schema key exists in DEFAULT_CONFIG', () => {
    expect(
      FIELDS.filter((f) => getPath(DEFAULT_CONFIG, f.key) === undefined).map((f) => f.key),
    ).toEqual([]);
  });

  test('env names are derived from the key path and unique', () => {
    expect(envNameOf('timeouts.responseHeader')).toBe('RRPROXY_TIMEOUTS_RESPONSE_HEADER');
    expect(envNameOf('listen')).toBe('RRPROXY_LISTEN');
    expect(envNameOf('headers.trustedProxies')).toBe('RRPROXY_HEADERS_TRUSTED_PROXIES');
    expect(envNameOf('limits.maxRequestBodyBytes')).toBe('RRPROXY_LIMITS_MAX_REQUEST_BODY_BYTES');
    for (const f of FIELDS) expect(f.env).toBe(envNameOf(f.key));
    expect(new Set(FIELDS.map((f) => f.env)).size).toBe(FIELDS.length);
  });

  test('each default, formatted as documented, reads back to itself from env and from YAML', () => {
    for (const f of FIELDS) {
      const def = getPath(DEFAULT_CONFIG, f.key);
      const fromText = f.kind.fromText(f.kind.format(def));
      expect({ key: f.key, result: fromText }).toEqual({
        key: f.key,
        result: { ok: true, value: def },
      });
      const fromValue = f.kind.fromValue(def);
      expect({ key: f.key, result: fromValue }).toEqual({
        key: f.key,
        result: { ok: true, value: def },
      });
    }
  });

  test('setting every env var to its documented default yields DEFAULT_CONFIG', async () => {
    const env = Object.fromEntries(configKeys().map((k) => [k.env, k.default]));
    await expect(loadConfig([], env)).resolves.toEqual(DEFAULT_CONFIG);
  });

  test('setting every env var to a non-default value changes that key', async () => {
    const samples: Record<string, string> = {
      listen: '127.0.0.1:1',
      admin: '127.0.0.1:2',
      backends: '127.0.0.1:3',
    };
    for (const f of FIELDS) {
      const def = getPath(DEFAULT_CONFIG, f.key);
      const candidates = [
        samples[f.key],
        f.kind.type === 'duration' ? '7s' : undefined,
        f.kind.type === 'size' ? '3KiB' : undefined,
        f.kind.type === 'integer' ? '7' : undefined,
        f.kind.type === 'boolean' ? String(!def) : undefined,
        f.kind.type === 'number 0..1' ? '0.5' : undefined,
        f.kind.type === 'list of CIDR' ? '10.0.0.0/8' : undefined,
        f.kind.type === 'list of status codes' ? '200,404' : undefined,
        f.kind.type.includes(' | ') ? f.kind.type.split(' | ').find((v) => v !== def) : undefined,
        f.kind.type === 'string'
          ? f.key.endsWith('PathPrefix') || f.key.endsWith('.path')
            ? '/x'
            : f.key === 'tracing.endpoint'
              ? 'http://127.0.0.1:1'
              : 'x'
          : undefined,
      ].filter((c): c is string => c !== undefined);
      expect({ key: f.key, candidates: candidates.length }).toEqual({ key: f.key, candidates: 1 });
      const env: Record<string, string> = { [f.env]: candidates[0]! };
      if (f.key === 'discovery.mode') env.RRPROXY_DISCOVERY_SERVICE = 'web';
      if (f.key === 'cache.maxBytes') env.RRPROXY_CACHE_MAX_OBJECT_BYTES = '1KiB';
      const config = await loadConfig([], env);
      expect({ key: f.key, changed: getPath(config, f.key) !== def }).toEqual({
        key: f.key,
        changed: true,
      });
    }
  });

  test('every flag that sets a key names a key of the schema', () => {
    const keys = new Set(FIELDS.map((f) => f.key));
    for (const flag of FLAGS) if ('key' in flag) expect(keys.has(flag.key)).toBe(true);
  });
});

describe('the configuration reference table', () => {
  test('lists every key with env name, flags and default in user spelling', () => {
    const table = renderConfigTable();
    for (const f of FIELDS) expect(table).toContain(`| \`${f.key}\` | \`${f.env}\` |`);
    expect(table).toContain(
      '| `timeouts.responseHeader` | `RRPROXY_TIMEOUTS_RESPONSE_HEADER` |  | `30s` |',
    );
    expect(table).toContain(
      '| `limits.maxRequestBodyBytes` | `RRPROXY_LIMITS_MAX_REQUEST_BODY_BYTES` |  | `100MiB` |',
    );
    expect(table).toContain(
      '| `cache.enabled` | `RRPROXY_CACHE_ENABLED` | `--cache` `--no-cache` | `false` |',
    );
    expect(table).toContain('| `listen` | `RRPROXY_LISTEN` | `--listen` | `0.0.0.0:8080` |');
  });
});

test('src/config/index.ts exports the loader API main and others use', async () => {
  const api = await import('../../src/config');
  expect(typeof api.loadConfig).toBe('function');
  expect(typeof api.loadConfigOrExit).toBe('function');
  expect(typeof api.CidrSet).toBe('function');
  expect(new api.ConfigError('x').exitCode).toBe(2);
  expect(new api.CliExit('out').exitCode).toBe(0);
  expect(api.renderConfigTable()).toContain('RRPROXY_LISTEN');
});
