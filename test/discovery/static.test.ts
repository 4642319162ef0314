import type { BackendSet } from '../../src/balancer/backend';
import { ConfigError } from '../../src/config/errors';
import type { BackendConfig } from '../../src/config/types';
import { StaticDiscovery, type HostLookup } from '../../src/discovery/static';

const b = (host: string, port: number, weight = 1): BackendConfig => ({ host, port, weight });

/** A resolver answering from a table, recording what it was asked. */
function fakeLookup(
  table: Record<string, { address: string; family: number }[]>,
): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const fn = async (hostname: string) => {
    asked.push(hostname);
    const answer = table[hostname];
    if (answer === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(fn, { asked });
}

async function startAndCollect(d: StaticDiscovery): Promise<BackendSet[]> {
  const sets: BackendSet[] = [];
  await d.start((set) => sets.push(set));
  return sets;
}

describe('StaticDiscovery', () => {
  test('pushes one BackendSet of the configured backends and becomes synced', async () => {
    const lookup = fakeLookup({});
    const d = new StaticDiscovery([b('10.0.0.1', 80), b('::1', 8080, 3)], lookup);
    expect(d.kind).toBe('static');
    expect(d.synced).toBe(false);
    const sets = await startAndCollect(d);
    expect(d.synced).toBe(true);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.backends.map((x) => [x.id, x.host, x.port, x.weight])).toEqual([
      ['10.0.0.1:80', '10.0.0.1', 80, 1],
      ['[::1]:8080', '::1', 8080, 3],
    ]);
    expect(lookup.asked).toEqual([]); // IP literals are used as they are
    await d.stop();
  });

  test('resolves hostnames once, preferring the first IPv4 address, keeping order', async () => {
    const lookup = fakeLookup({
      web: [
        { address: '2001:db8::5', family: 6 },
        { address: '10.0.0.5', family: 4 },
        { address: '10.0.0.6', family: 4 },
      ],
      v6only: [{ address: '2001:db8::7', family: 6 }],
    });
    const sets = await startAndCollect(
      new StaticDiscovery([b('web', 80), b('10.0.0.1', 81), b('v6only', 82)], lookup),
    );
    expect(sets[0]!.backends.map((x) => x.id)).toEqual([
      '10.0.0.5:80',
      '10.0.0.1:81',
      '[2001:db8::7]:82',
    ]);
    expect(lookup.asked.sort()).toEqual(['v6only', 'web']);
  });

  test('a name that does not resolve is a ConfigError naming the entry; nothing is pushed', async () => {
    const lookup = fakeLookup({ web: [{ address: '10.0.0.5', family: 4 }], empty: [] });
    const d = new StaticDiscovery([b('web', 80), b('nosuch', 81), b('empty', 82)], lookup);
    const pushed: BackendSet[] = [];
    const err = await d.start((s) => pushed.push(s)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.exitCode).toBe(2);
    expect(ce.problems.map((p) => p.key).sort()).toEqual(['backends[1]', 'backends[2]']);
    expect(ce.message).toContain("backends[1]: cannot resolve backend host 'nosuch' (ENOTFOUND)");
    expect(ce.message).toContain("backends[2]: cannot resolve backend host 'empty' (no addresses)");
    expect(pushed).toEqual([]);
    expect(d.synced).toBe(false);
  });

  test('no backends: an empty set, still synced (zero backends answers 503, it is not unready)', async () => {
    const d = new StaticDiscovery([]);
    const sets = await startAndCollect(d);
    expect(sets[0]!.size).toBe(0);
    expect(d.synced).toBe(true);
  });

  test('the system resolver is used by default (localhost from /etc/hosts)', async () => {
    const sets = await startAndCollect(new StaticDiscovery([b('localhost', 8080)]));
    expect(['127.0.0.1:8080', '[::1]:8080']).toContain(sets[0]!.backends[0]!.id);
  });
});
