/**
 * Balancing strategies through the real proxy in front of three real backends: smooth weighted
 * round robin spreads 3:2:1, least-request (power of two choices) sends less to a slow backend,
 * and consistent hashing keeps keys on their backend when one of three goes away.
 */
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { adminBackends, runLoad, startBackends, type TestBackend } from './resilience-harness';

const stops: ProxyProcess[] = [];
afterAll(async () => {
  for (const p of stops) await p.stop();
});

async function proxyWith(yaml: string): Promise<ProxyProcess> {
  const p = await startProxy({
    backends: [],
    configYaml: yaml,
    extraArgs: ['--log-level', 'warn'],
  });
  stops.push(p);
  return p;
}

function backendsYaml(backends: TestBackend[], weights?: number[]): string {
  return [
    'backends:',
    ...backends.map(
      (b, i) => `  - { host: 127.0.0.1, port: ${b.port}, weight: ${weights?.[i] ?? 1} }`,
    ),
  ].join('\n');
}

const HEALTH_OFF = ['  healthCheck:', '    enabled: off'];

test('weighted round robin spreads 3:2:1 within 2 %', async () => {
  const backends = await startBackends(3);
  const proxy = await proxyWith(
    [
      backendsYaml(backends, [3, 2, 1]),
      'strategy:',
      '  name: weighted-round-robin',
      ...HEALTH_OFF,
    ].join('\n'),
  );
  const total = 1_200;
  const r = await runLoad({ port: proxy.port, requests: total, concurrency: 6 });
  expect(Object.fromEntries(r.statuses)).toEqual({ 200: total });
  const shares = backends.map((b) => b.hits.GET / total);
  expect(Math.abs(shares[0]! - 3 / 6)).toBeLessThanOrEqual(0.02);
  expect(Math.abs(shares[1]! - 2 / 6)).toBeLessThanOrEqual(0.02);
  expect(Math.abs(shares[2]! - 1 / 6)).toBeLessThanOrEqual(0.02);
  expect((await adminBackends(proxy.adminPort)).strategy).toBe('weighted-round-robin');
});

test('least-request (power of two choices) sends less to a slow backend', async () => {
  const backends = await startBackends(3);
  backends[0]!.delayMs = 2;
  backends[1]!.delayMs = 2;
  backends[2]!.delayMs = 150;
  const proxy = await proxyWith(
    [backendsYaml(backends), 'strategy:', '  name: least-request', ...HEALTH_OFF].join('\n'),
  );
  const total = 300;
  const r = await runLoad({ port: proxy.port, requests: total, concurrency: 12 });
  expect(Object.fromEntries(r.statuses)).toEqual({ 200: total });
  const [fast1, fast2, slow] = backends.map((b) => b.hits.GET);
  // Round robin would give each a third (100). The slow one holds its requests longer, so it
  // shows more in flight and loses most draws.
  expect(slow!).toBeLessThan(total / 6);
  expect(slow!).toBeLessThan(Math.min(fast1!, fast2!) / 2);
});

test('consistent hash: a key sticks to its backend, and >= 2/3 stay when one of three goes', async () => {
  const backends = await startBackends(3);
  const proxy = await proxyWith(
    [
      backendsYaml(backends),
      'strategy:',
      '  name: consistent-hash',
      '  hash:',
      '    header: X-User',
      '    cookie: session',
      ...HEALTH_OFF,
      // Up to six requests at once may meet the closed backend; the retry budget's floor of 3
      // concurrent retries would turn some into 502s. This test is about key placement.
      'limits:',
      '  retryBudgetMinConcurrency: 16',
    ].join('\n'),
  );
  const users = 600;
  // runLoad tallies by backend only; record each user's backend with one request per user.
  const owners = async (): Promise<Map<number, string>> => {
    const map = new Map<number, string>();
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = w; i < users; i += 6) {
          const r = await runLoad({
            port: proxy.port,
            requests: 1,
            concurrency: 1,
            // Half by header, half by cookie: the same user either way.
            headers: (): Record<string, string> =>
              i % 2 === 0 ? { 'x-user': `user-${i}` } : { cookie: `a=1; session=user-${i}` },
          });
          expect(Object.fromEntries(r.statuses)).toEqual({ 200: 1 });
          map.set(i, [...r.byBackend.keys()][0]!);
        }
      }),
    );
    return map;
  };
  const before = await owners();
  expect(await owners()).toEqual(before);
  const counts = new Map<string, number>();
  for (const name of before.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  expect(counts.size).toBe(3);

  await backends[1]!.close();
  const after = await owners();
  let stayed = 0;
  for (const [user, name] of before) {
    if (name !== 'b2') expect({ user, backend: after.get(user) }).toEqual({ user, backend: name });
    else expect(after.get(user)).not.toBe('b2');
    if (after.get(user) === name) stayed++;
  }
  // Exactly the keys of the backend that left moved. It held about a third of them: its ring
  // share varies by about 1 % and 600 sampled keys by about 2 %, so the two thirds that stay
  // are checked with a margin of three standard deviations.
  expect(stayed).toBe(users - (counts.get('b2') ?? 0));
  expect(stayed / users).toBeGreaterThanOrEqual(0.6);
});
