import { DEFAULT_CONFIG } from '../../src/config/defaults';
import type { Config } from '../../src/config/types';
import { redactConfig } from '../../src/observability/effective-config';

test('the purge token and URL credentials are redacted; paths and other values are kept', () => {
  const config: Config = {
    ...DEFAULT_CONFIG,
    cache: {
      ...DEFAULT_CONFIG.cache,
      purgeToken: 's3cret-token',
      purgeTokenFile: '/var/run/token',
    },
    tracing: { ...DEFAULT_CONFIG.tracing, endpoint: 'https://user:pw@collector:4318' },
  };
  const out = redactConfig(config) as Config;
  const text = JSON.stringify(out);
  expect(text).not.toContain('s3cret-token');
  expect(text).not.toContain('pw@');
  expect(out.cache.purgeToken).toBe('[redacted]');
  expect(out.cache.purgeTokenFile).toBe('/var/run/token');
  expect(out.tracing.endpoint).toBe('https://[redacted]@collector:4318');
  expect(out.listen).toEqual(DEFAULT_CONFIG.listen);
  expect(out.timeouts).toEqual(DEFAULT_CONFIG.timeouts);
});

test('an empty token stays empty (nothing to hide, and it shows the endpoint is off)', () => {
  const out = redactConfig(DEFAULT_CONFIG) as Config;
  expect(out.cache.purgeToken).toBe('');
  expect(out).toEqual(JSON.parse(JSON.stringify(DEFAULT_CONFIG)));
});
