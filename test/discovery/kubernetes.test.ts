import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DiscoveryConfig } from '../../src/config/types';
import { pollUntil } from '../support/cleanup';
import {
  FakeApiServer,
  endpointSlice,
  endpointsObject,
  type SliceEndpointSpec,
} from '../support/fake-apiserver';
import { DiscoveryProcess } from './harness/discovery-process';

/**
 * KubernetesDiscovery with the real @kubernetes/client-node against the fake API server, through a
 * kubeconfig file as against a real cluster. Discovery runs in a child process (see
 * harness/register.js); these tests observe what it pushes, logs and reports.
 */

jest.setTimeout(60_000);

const NS = 'shop';
const FAST = { backoff: { baseMs: 100, capMs: 800 }, resyncMs: 10 * 60_000 };

let dir: string;
let fake: FakeApiServer;
const procs: DiscoveryProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-disc-'));
  fake = await FakeApiServer.start();
});

afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  fake.assertNoProblems();
});

function config(over: Partial<DiscoveryConfig> = {}): DiscoveryConfig {
  return {
    mode: 'endpointslices',
    namespace: NS,
    service: 'web',
    portName: '',
    kubeconfig: fake.writeKubeconfig(path.join(dir, 'kubeconfig'), 'elsewhere'),
    addressFamily: 'auto',
    ...over,
  };
}

async function discover(
  over: Partial<DiscoveryConfig> = {},
  tuning: Record<string, unknown> = FAST,
  env: NodeJS.ProcessEnv = {},
): Promise<DiscoveryProcess> {
  const p = await DiscoveryProcess.spawn(config(over), tuning, env);
  procs.push(p);
  if (p.startError) throw new Error(`discovery failed to start: ${p.startError.message}`);
  return p;
}

function slice(
  name: string,
  endpoints: SliceEndpointSpec[],
  extra: { addressType?: 'IPv4' | 'IPv6' | 'FQDN' } = {},
) {
  return endpointSlice({ name, service: 'web', namespace: NS, endpoints, ...extra });
}

test('lists, then follows scale up and scale down; ready unset counts as ready; pod and zone kept', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2', pod: 'web-1', zone: 'z1' }]));
  // A slice of another Service in the same namespace must not leak in.
  fake.apply(
    'endpointslices',
    endpointSlice({
      name: 'api-a',
      service: 'api',
      namespace: NS,
      endpoints: [{ ip: '127.0.0.9' }],
    }),
  );
  const d = await discover();

  const first = await d.waitForIds(['127.0.0.2:8080']);
  expect(first.backends[0]).toEqual({
    id: '127.0.0.2:8080',
    host: '127.0.0.2',
    port: 8080,
    pod: 'web-1',
    zone: 'z1',
  });
  const st = await d.waitForStatus((s) => s.state === 'watching', 'watching');
  expect(st).toMatchObject({ synced: true, namespace: NS, service: 'web', errors: 0, backends: 1 });
  expect(st.lastSyncAt).toBeGreaterThan(0);

  fake.apply(
    'endpointslices',
    slice('web-a', [
      { ip: '127.0.0.2', pod: 'web-1' },
      { ip: '127.0.0.3', pod: 'web-2', ready: true },
    ]),
  );
  await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080'], 'scale up');

  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.3', pod: 'web-2' }]));
  await d.waitForIds(['127.0.0.3:8080'], 'scale down');

  fake.remove('endpointslices', 'web-a', NS);
  await d.waitForIds([], 'service without endpoints');

  const versions = d.pushes.map((p) => p.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(new Set(versions).size).toBe(versions.length);

  // The wire protocol as the client speaks it: a plain LIST, then a watch from its resourceVersion.
  const [list, watch] = fake.requests;
  expect(list?.verb).toBe('list');
  expect(list?.path).toBe(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`);
  expect(list?.query).toEqual([['labelSelector', 'kubernetes.io/service-name=web']]);
  expect(watch?.verb).toBe('watch');
  expect(watch?.query).toEqual([
    ['watch', 'true'],
    ['resourceVersion', expect.stringMatching(/^\d+$/)],
    ['labelSelector', 'kubernetes.io/service-name=web'],
  ]);
});

test('an address listed in two slices is one backend', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]));
  fake.apply('endpointslices', slice('web-b', [{ ip: '127.0.0.3' }, { ip: '127.0.0.4' }]));
  const d = await discover();
  const push = await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080', '127.0.0.4:8080']);
  expect(push.backends).toHaveLength(3);
});

test('when no endpoint is ready, serving+terminating ones are used; never one that is not serving', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2', pod: 'old-1' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);

  // Rolling update: the old pod drains, the new one is not ready yet, a third is gone for good.
  fake.apply(
    'endpointslices',
    slice('web-a', [
      { ip: '127.0.0.2', pod: 'old-1', ready: false, serving: true, terminating: true },
      { ip: '127.0.0.3', pod: 'old-2', ready: false, serving: false, terminating: true },
      { ip: '127.0.0.4', pod: 'new-1', ready: false, serving: false, terminating: false },
    ]),
  );
  const fallback = await d.waitForPush(
    (p) => p.backends[0]?.terminating === true,
    'terminating fallback',
  );
  expect(fallback.backends.map((b) => b.id)).toEqual(['127.0.0.2:8080']);

  fake.apply(
    'endpointslices',
    slice('web-a', [
      { ip: '127.0.0.2', pod: 'old-1', ready: false, serving: true, terminating: true },
      { ip: '127.0.0.4', pod: 'new-1', ready: true, serving: true, terminating: false },
    ]),
  );
  const ready = await d.waitForIds(['127.0.0.4:8080'], 'new pod ready');
  expect(ready.backends[0]?.terminating).toBeUndefined();

  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.4', ready: false, serving: false }]));
  await d.waitForIds([], 'nothing serving');
});

test('a dropped watch is restarted with a relist; an unchanged set is not pushed again', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  const lists = fake.requestsOf('list').length;
  const pushes = d.pushes.length;

  expect(fake.dropWatches()).toBe(1);
  await pollUntil(
    'relist and new watch',
    () => fake.requestsOf('list').length > lists && fake.activeWatches === 1,
  );
  await d.waitForStatus((s) => s.state === 'watching' && s.errors >= 1, 'watching again');
  expect(d.pushes.length).toBe(pushes);

  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]));
  await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080'], 'change after the reconnect');

  // A change made while the watch is down is found by the relist.
  fake.dropWatches();
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.3' }]));
  await d.waitForIds(['127.0.0.3:8080'], 'change made while disconnected');
});

test('410 Gone on the watch: the informer relists, no gap, no spurious push', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  const lists = fake.requestsOf('list').length;
  const pushes = d.pushes.length;

  expect(fake.expireWatches()).toBe(1);
  await pollUntil(
    'relist after 410',
    () => fake.requestsOf('list').length > lists && fake.activeWatches === 1,
  );
  expect(d.pushes.length).toBe(pushes);
  const st = await d.status();
  expect(st).toMatchObject({ state: 'watching', synced: true, errors: 0 });

  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.5' }]));
  await d.waitForIds(['127.0.0.5:8080'], 'change after relist');
});

test('API server down: last set kept, one warning for many retries, recovery afterwards', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080']);
  const pushes = d.pushes.length;

  await fake.goAway();
  const down = await d.waitForStatus(
    (s) => s.state === 'backoff' && s.errors >= 3,
    'several failed retries',
  );
  expect(down.synced).toBe(true);
  expect(down.backends).toBe(2);
  expect(d.pushes.length).toBe(pushes);
  const warnings = d.logs.filter((l) => l.level === 'warn' && l.msg.includes('API server'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.obj).toMatchObject({ keptBackends: 2, synced: true });

  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.3' }, { ip: '127.0.0.4' }]));
  await fake.comeBack();
  await d.waitForIds(['127.0.0.3:8080', '127.0.0.4:8080'], 'state after recovery');
  await d.waitForStatus((s) => s.state === 'watching', 'watching after recovery');
  await d.waitForLog(
    (l) => l.level === 'info' && l.msg.includes('reachable again'),
    'recovery log',
  );
  expect(d.logs.filter((l) => l.level === 'warn' && l.msg.includes('API server'))).toHaveLength(1);
});

test('403 before the first list: not synced, one clear RBAC error, recovers once the Role is fixed', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  fake.setForbidden('endpointslices');
  const d = await discover();

  const err = await d.waitForLog((l) => l.level === 'error', 'RBAC error');
  expect(err.msg).toContain('403');
  expect(err.msg).toContain(`namespace "${NS}"`);
  expect(err.msg).toContain(
    'apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list","watch"]',
  );
  const st = await d.waitForStatus(
    (s) => s.state === 'forbidden' && s.errors >= 3,
    'several forbidden retries',
  );
  expect(st.synced).toBe(false);
  expect(d.pushes).toHaveLength(0);
  expect(d.logs.filter((l) => l.level === 'error' || l.level === 'warn')).toHaveLength(1);

  fake.setForbidden('endpointslices', false);
  await d.waitForIds(['127.0.0.2:8080'], 'first set once allowed');
  await d.waitForStatus((s) => s.synced && s.state === 'watching', 'synced');
});

test('403 after the first list: the last set is kept and discovery stays synced', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);
  await pollUntil('watch open', () => fake.activeWatches === 1);

  fake.setForbidden('endpointslices');
  fake.dropWatches();
  const st = await d.waitForStatus(
    (s) => s.state === 'forbidden' && s.errors >= 3,
    'forbidden after sync',
  );
  expect(st.synced).toBe(true);
  expect(st.backends).toBe(1);
  expect(d.pushes).toHaveLength(1);
  expect(d.logs.filter((l) => l.level === 'error')).toHaveLength(1);

  fake.setForbidden('endpointslices', false);
  await d.waitForStatus((s) => s.state === 'watching', 'recovered');
  expect(d.pushes).toHaveLength(1);
});

test('5xx on list: backoff, then the first set arrives', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  fake.failNext({ status: 500, verb: 'list', count: 2 });
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);
  const st = await d.status();
  expect(st.errors).toBe(2);
  expect(st.synced).toBe(true);
  const warn = d.logs.filter((l) => l.level === 'warn');
  expect(warn).toHaveLength(1);
  expect(warn[0]?.obj).toMatchObject({ status: 500, synced: false });
});

test('LIST works but WATCH keeps failing: backoff still grows, one warning, one recovery line', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  const d = await discover();
  await d.waitForIds(['127.0.0.2:8080']);
  await pollUntil('watch open', () => fake.activeWatches === 1);

  fake.failNext({ status: 500, verb: 'watch', count: 4 });
  fake.dropWatches();
  await d.waitForLog((l) => l.msg.includes('reachable again'), 'recovery');
  await d.waitForStatus((s) => s.state === 'watching' && s.errors === 5, 'watching after 5 errors');
  const delays = d.logs
    .filter((l) => l.obj.retryInMs !== undefined)
    .map((l) => Number(l.obj.retryInMs));
  expect(delays).toHaveLength(5);
  // base 100 ms, cap 800 ms: [100,200) [200,400) [400,800) then the cap.
  for (let i = 1; i < delays.length; i++) {
    expect(delays[i]).toBeGreaterThanOrEqual(Math.min(800, delays[i - 1] ?? 0));
  }
  expect(delays[3]).toBe(800);
  expect(d.logs.filter((l) => l.level === 'warn')).toHaveLength(1);
  expect(d.logs.filter((l) => l.msg.includes('reachable again'))).toHaveLength(1);
  expect(d.pushes).toHaveLength(1);
});

test('dual-stack: one address per pod, family auto (first slice seen) or configured', async () => {
  fake.apply(
    'endpointslices',
    slice('web-v4', [
      { ip: '127.0.0.2', pod: 'web-1' },
      { ip: '127.0.0.3', pod: 'web-2' },
    ]),
  );
  fake.apply(
    'endpointslices',
    slice(
      'web-v6',
      [
        { ip: 'fd00::2', pod: 'web-1' },
        { ip: 'fd00::3', pod: 'web-2' },
      ],
      { addressType: 'IPv6' },
    ),
  );
  fake.apply(
    'endpointslices',
    slice('web-fqdn', [{ ip: 'web-1.example.internal' }], { addressType: 'FQDN' }),
  );

  const auto = await discover();
  const v4 = await auto.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080']);
  expect(v4.backends.map((b) => b.pod).sort()).toEqual(['web-1', 'web-2']);

  const six = await discover({ addressFamily: 'IPv6' });
  const v6 = await six.waitForIds(['[fd00::2]:8080', '[fd00::3]:8080']);
  expect(v6.backends.find((b) => b.pod === 'web-1')?.host).toBe('fd00::2');

  // Auto stays on the family it chose, even if the other family is all that remains.
  fake.remove('endpointslices', 'web-v4', NS);
  await auto.waitForIds([], 'IPv4 gone, auto does not flip to IPv6');
});

test('Endpoints mode: ready addresses only, fieldSelector on the Service name', async () => {
  fake.apply(
    'endpoints',
    endpointsObject({
      service: 'web',
      namespace: NS,
      ready: [{ ip: '127.0.0.2', pod: 'web-1' }],
      notReady: [{ ip: '127.0.0.3' }],
    }),
  );
  fake.apply(
    'endpoints',
    endpointsObject({ service: 'other', namespace: NS, ready: [{ ip: '127.0.0.9' }] }),
  );
  const d = await discover({ mode: 'endpoints' });
  const first = await d.waitForIds(['127.0.0.2:8080']);
  expect(first.backends[0]?.pod).toBe('web-1');

  fake.apply(
    'endpoints',
    endpointsObject({
      service: 'web',
      namespace: NS,
      ready: [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }],
    }),
  );
  await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:8080'], 'endpoints update');

  const [list, watch] = fake.requests;
  expect(list?.path).toBe(`/api/v1/namespaces/${NS}/endpoints`);
  expect(list?.query).toEqual([['fieldSelector', 'metadata.name=web']]);
  expect(watch?.query).toEqual([
    ['watch', 'true'],
    ['resourceVersion', expect.stringMatching(/^\d+$/)],
    ['fieldSelector', 'metadata.name=web'],
  ]);
});

test('a silently dead watch is replaced by the periodic relist', async () => {
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.2' }]));
  const d = await discover({}, { ...FAST, resyncMs: 1_500 });
  await d.waitForIds(['127.0.0.2:8080']);
  await pollUntil('watch open', () => fake.activeWatches === 1);

  const lists = fake.requestsOf('list').length;
  fake.stallWatches();
  fake.apply('endpointslices', slice('web-a', [{ ip: '127.0.0.6' }]));
  // The stalled watch can deliver nothing and no error happens: only a relist can find this.
  await d.waitForIds(['127.0.0.6:8080'], 'change found by the periodic relist');
  const st = await d.status();
  expect(st.errors).toBe(0);
  expect(fake.requestsOf('list').length).toBeGreaterThan(lists);
});

test('KUBECONFIG and the service-account namespace file are used when the config leaves them empty', async () => {
  const sa = path.join(dir, 'sa');
  mkdirSync(sa);
  writeFileSync(path.join(sa, 'namespace'), 'team-a\n');
  fake.apply(
    'endpointslices',
    endpointSlice({
      name: 'web-a',
      service: 'web',
      namespace: 'team-a',
      endpoints: [{ ip: '127.0.0.7' }],
    }),
  );
  const kubeconfig = fake.writeKubeconfig(path.join(dir, 'env-kubeconfig'), 'ignored');
  const d = await discover(
    { namespace: '', kubeconfig: '' },
    { ...FAST, serviceAccountDir: sa },
    { KUBECONFIG: kubeconfig },
  );
  await d.waitForIds(['127.0.0.7:8080']);
  expect((await d.status()).namespace).toBe('team-a');
});

test('no kubeconfig and not in a cluster: start fails with a configuration error', async () => {
  const p = await DiscoveryProcess.spawn(
    config({ kubeconfig: '' }),
    { ...FAST, serviceAccountDir: path.join(dir, 'none') },
    {},
  );
  procs.push(p);
  expect(p.startError?.name).toBe('KubeConfigError');
  expect(p.startError?.message).toMatch(/KUBERNETES_SERVICE_HOST/);
  expect(fake.requests).toHaveLength(0);
});
