import { activeChecksEnabled, createStrategy } from '../../src/balancer/resilience';
import { loadConfig } from '../../src/config/load';
import { parseConfigText } from '../../src/config/file';
import { mergeSettings } from '../../src/config/load';

function fromYaml(text: string) {
  const r = parseConfigText(text, 'test.yaml');
  expect(r.problems).toEqual([]);
  return mergeSettings([r.settings]).config;
}

describe('strategy configuration', () => {
  test('`strategy: NAME` is short for strategy.name; the mapping form sets nested keys', () => {
    expect(fromYaml('strategy: least-request\n').strategy.name).toBe('least-request');
    const c = fromYaml(
      [
        'strategy:',
        '  name: consistent-hash',
        '  hash: { header: X-User, cookie: session }',
        '  healthCheck:',
        '    path: /healthz',
        '    interval: 2s',
        '  outlier:',
        '    consecutive5xx: 0',
        '    baseEjectionTime: 10s',
      ].join('\n'),
    );
    expect(c.strategy.name).toBe('consistent-hash');
    expect(c.strategy.hash).toEqual({ header: 'X-User', cookie: 'session' });
    expect(c.strategy.healthCheck).toMatchObject({ path: '/healthz', interval: 2_000 });
    expect(c.strategy.outlier).toMatchObject({ consecutive5xx: 0, baseEjectionTime: 10_000 });
  });

  test('unknown nested keys are named with a suggestion', () => {
    const r = parseConfigText('strategy:\n  hash:\n    headr: X\n', 'test.yaml');
    expect(r.problems[0]!.message).toMatch(
      /unknown key 'strategy.hash.headr'.*strategy.hash.header/,
    );
  });

  test('RRPROXY_STRATEGY is the env shorthand; RRPROXY_STRATEGY_NAME wins over it', async () => {
    expect((await loadConfig([], { RRPROXY_STRATEGY: 'least-request' })).strategy.name).toBe(
      'least-request',
    );
    const both = await loadConfig([], {
      RRPROXY_STRATEGY: 'least-request',
      RRPROXY_STRATEGY_NAME: 'consistent-hash',
    });
    expect(both.strategy.name).toBe('consistent-hash');
    await expect(loadConfig([], { RRPROXY_STRATEGY: 'random' })).rejects.toThrow(
      /strategy.name from RRPROXY_STRATEGY/,
    );
    expect((await loadConfig(['--strategy', 'weighted-round-robin'], {})).strategy.name).toBe(
      'weighted-round-robin',
    );
  });

  test('each name makes its strategy; weighted-round-robin is round robin under its name', async () => {
    for (const name of [
      'round-robin',
      'weighted-round-robin',
      'least-request',
      'consistent-hash',
    ]) {
      const config = await loadConfig(['--strategy', name], {});
      expect(createStrategy(config, () => 0).strategy).toBe(name);
    }
  });

  test('active checks: auto is on for static backends, off in Kubernetes modes', async () => {
    expect(activeChecksEnabled(await loadConfig([], {}))).toBe(true);
    const k8s = await loadConfig([], {
      RRPROXY_DISCOVERY_MODE: 'endpointslices',
      RRPROXY_DISCOVERY_SERVICE: 'web',
    });
    expect(activeChecksEnabled(k8s)).toBe(false);
    const forced = await loadConfig([], {
      RRPROXY_DISCOVERY_MODE: 'endpointslices',
      RRPROXY_DISCOVERY_SERVICE: 'web',
      RRPROXY_STRATEGY_HEALTH_CHECK_ENABLED: 'on',
    });
    expect(activeChecksEnabled(forced)).toBe(true);
    expect(
      activeChecksEnabled(await loadConfig([], { RRPROXY_STRATEGY_HEALTH_CHECK_ENABLED: 'off' })),
    ).toBe(false);
  });
});
