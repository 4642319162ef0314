import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, waitForExit } from '../support/cleanup';
import { FakeApiServer, endpointSlice, type SliceEndpointSpec } from '../support/fake-apiserver';
import { freePorts } from '../support/ports';
import { PROXY_MAIN, startProxy, type ProxyProcess } from '../support/proxy-process';

/**
 * The real proxy process (`node dist/main.js --config ...` with discovery.mode endpointslices)
 * pointed at the fake API server through a kubeconfig file, in front of "pods": small HTTP
 * servers on distinct loopback addresses (127.0.0.2, 127.0.0.3, ...) sharing one port, as pods
 * share a container port in a cluster. Each answers with its own address.
 */

jest.setTimeout(90_000);

const NS = 'shop';

interface Pod {
  readonly address: string;
  hits: number;
  /** TCP connections from the proxy currently open to this pod. */
  connections: number;
  /** Requests to /slow wait here until released. */
  readonly held: Array<() => void>;
}

interface Pods {
  readonly port: number;
  readonly byAddress: Map<string, Pod>;
  releaseAll(): void;
  close(): Promise<void>;
}

async function startPods(addresses: string[]): Promise<Pods> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [port] = (await freePorts(1, addresses[0])) as [number];
    const servers: http.Server[] = [];
    const byAddress = new Map<string, Pod>();
    try {
      for (const address of addresses) {
        const pod: Pod = { address, hits: 0, connections: 0, held: [] };
        const server = http.createServer((req, res) => {
          pod.hits += 1;
          const answer = (): void => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(address);
          };
          if (req.url === '/slow') pod.held.push(answer);
          else answer();
        });
        // Pods keep idle connections longer than any test, so a closed one was closed by the proxy.
        server.keepAliveTimeout = 120_000;
        server.on('connection', (socket) => {
          pod.connections += 1;
          socket.once('close', () => (pod.connections -= 1));
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, address, () => resolve());
        });
        servers.push(server);
        byAddress.set(address, pod);
      }
    } catch {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      continue; // port taken on another loopback address: try another one
    }
    return {
      port,
      byAddress,
      releaseAll: () => {
        for (const p of byAddress.values()) for (const f of p.held.splice(0)) f();
      },
      close: async () => {
        for (const p of byAddress.values()) for (const f of p.held.splice(0)) f();
        await Promise.all(
          servers.map(
            (s) =>
              new Promise((r) => {
                s.close(r);
                s.closeAllConnections();
              }),
          ),
        );
      },
    };
  }
  throw new Error('no common free port on the pod addresses');
}

/** GET through the proxy on a fresh connection: [status, body]. */
function get(port: number, target = '/'): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: target, agent: false, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString()]));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${target} timed out`)));
    req.on('error', reject);
  });
}

async function adminJson(
  port: number,
  pathname: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as unknown,
          }),
        );
      })
      .on('error', reject);
  });
}

async function backendIds(proxy: { adminPort: number }): Promise<string[]> {
  const { body } = await adminJson(proxy.adminPort, '/backends');
  return ((body as { backends: Array<{ id: string }> }).backends ?? []).map((b) => b.id).sort();
}

async function waitForBackends(
  proxy: { adminPort: number },
  ids: string[],
  what: string,
): Promise<void> {
  const want = [...ids].sort().join(',');
  await pollUntil(what, async () => (await backendIds(proxy)).join(',') === want, 20_000, 50);
}

let dir: string;
let fake: FakeApiServer;
let pods: Pods | undefined;
let proxy: ProxyProcess | undefined;

beforeAll(() => {
  if (!existsSync(PROXY_MAIN)) throw new Error(`${PROXY_MAIN} is missing: run npm run build`);
});

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-k8s-'));
  fake = await FakeApiServer.start();
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await pods?.close();
  pods = undefined;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  fake.assertNoProblems();
});

function configYaml(extra = ''): string {
  const kubeconfig = fake.writeKubeconfig(path.join(dir, 'kubeconfig'), 'elsewhere');
  return [
    'discovery:',
    '  mode: endpointslices',
    `  namespace: ${NS}`,
    '  service: web',
    `  kubeconfig: ${kubeconfig}`,
    extra,
    'log:',
    '  access: false',
    '',
  ].join('\n');
}

function applySlice(
  name: string,
  endpoints: SliceEndpointSpec[],
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
): void {
  if (!pods) throw new Error('pods not started');
  fake.apply(
    'endpointslices',
    endpointSlice({
      name,
      service: 'web',
      namespace: NS,
      addressType,
      ports: [{ name: 'http', port: pods.port }],
      endpoints,
    }),
  );
}

async function startKubeProxy(extra = ''): Promise<ProxyProcess> {
  proxy = await startProxy({ backends: [], configYaml: configYaml(extra), readyTimeoutMs: 20_000 });
  return proxy;
}

/** Sends n sequential requests; returns the count per answering address. */
async function spread(port: number, n: number, target = '/'): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const [status, body] = await get(port, target);
    expect(status).toBe(200);
    seen.set(body, (seen.get(body) ?? 0) + 1);
  }
  return seen;
}

test('scale up and down: new pod gets traffic, removed pod gets none, its in-flight request completes', async () => {
  pods = await startPods(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  // 127.0.0.3 is in two slices (an update moving it), and its `ready` is unset.
  applySlice('web-a', [
    { ip: '127.0.0.2', pod: 'web-2', ready: true },
    { ip: '127.0.0.3', pod: 'web-3' },
  ]);
  applySlice('web-b', [{ ip: '127.0.0.3', pod: 'web-3' }]);
  const p = await startKubeProxy();
  const a2 = `127.0.0.2:${pods.port}`;
  const a3 = `127.0.0.3:${pods.port}`;
  const a4 = `127.0.0.4:${pods.port}`;
  expect(await backendIds(p)).toEqual([a2, a3]);

  const first = await spread(p.port, 20);
  expect([...first.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  // Round robin over two backends: the duplicate does not double 127.0.0.3's share.
  expect(
    Math.abs((first.get('127.0.0.2') ?? 0) - (first.get('127.0.0.3') ?? 0)),
  ).toBeLessThanOrEqual(2);

  applySlice('web-b', [
    { ip: '127.0.0.3', pod: 'web-3' },
    { ip: '127.0.0.4', pod: 'web-4' },
  ]);
  await pollUntil(
    'the new pod to get traffic',
    async () => (await get(p.port))[1] === '127.0.0.4',
    20_000,
    10,
  );

  // Park one slow request on every pod, then remove 127.0.0.3 while its request is in flight.
  const slow = [get(p.port, '/slow'), get(p.port, '/slow'), get(p.port, '/slow')];
  const pod3 = pods.byAddress.get('127.0.0.3');
  await pollUntil('a request in flight on 127.0.0.3', () => (pod3?.held.length ?? 0) >= 1, 20_000);
  applySlice('web-a', [{ ip: '127.0.0.2', pod: 'web-2' }]);
  applySlice('web-b', [{ ip: '127.0.0.4', pod: 'web-4' }]);
  await waitForBackends(p, [a2, a4], 'scale down to take effect');
  const hitsBefore = pod3?.hits ?? 0;
  const after = await spread(p.port, 20);
  expect([...after.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.4']);
  expect(pod3?.hits).toBe(hitsBefore);

  pods.releaseAll();
  const done = await Promise.all(slow);
  expect(done.map(([s]) => s)).toEqual([200, 200, 200]);
  expect(done.map(([, b]) => b)).toContain('127.0.0.3');
  // Its pooled keep-alive connection is closed rather than kept idle for a pod that is gone.
  await pollUntil(
    'the removed pod to have no connection left',
    () => pod3?.connections === 0,
    10_000,
  );
  expect(await p.adminStatus('/readyz')).toBe(200);
});

test('rolling update: no ready endpoint left, serving+terminating ones keep the traffic', async () => {
  pods = await startPods(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  applySlice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]);
  const p = await startKubeProxy();
  await spread(p.port, 4);

  applySlice('web-a', [
    { ip: '127.0.0.2', ready: false, serving: true, terminating: true },
    { ip: '127.0.0.3', ready: false, serving: true, terminating: true },
    { ip: '127.0.0.4', ready: false, serving: false, terminating: false }, // new pod, starting
  ]);
  await pollUntil(
    'the proxy to switch to the terminating fallback',
    () =>
      p
        .logs()
        .some(
          (l) =>
            l['msg'] === 'discovery: backends updated' &&
            JSON.stringify(l['backends']).includes('(terminating)'),
        ),
    20_000,
  );
  // Every request during the update succeeds, and none reaches the not-serving pod.
  const during = await spread(p.port, 30);
  expect(during.has('127.0.0.4')).toBe(false);

  applySlice('web-a', [
    { ip: '127.0.0.2', ready: false, serving: true, terminating: true },
    { ip: '127.0.0.4', ready: true },
  ]);
  await waitForBackends(p, [`127.0.0.4:${pods.port}`], 'new pod ready');
  expect([...(await spread(p.port, 5)).keys()]).toEqual(['127.0.0.4']);
});

test('watch dropped and 410 Gone: relist with no gap in traffic', async () => {
  pods = await startPods(['127.0.0.2', '127.0.0.3']);
  applySlice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]);
  const p = await startKubeProxy();
  await pollUntil('watch open', () => fake.activeWatches === 1, 20_000);

  const lists = fake.requestsOf('list').length;
  fake.dropWatches();
  const duringDrop = await spread(p.port, 20);
  expect([...duringDrop.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  await pollUntil(
    'relist after the drop',
    () => fake.requestsOf('list').length > lists && fake.activeWatches === 1,
    20_000,
  );

  const lists2 = fake.requestsOf('list').length;
  fake.expireWatches();
  const duringGone = await spread(p.port, 20);
  expect([...duringGone.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  await pollUntil(
    'relist after 410',
    () => fake.requestsOf('list').length > lists2 && fake.activeWatches === 1,
    20_000,
  );

  applySlice('web-a', [{ ip: '127.0.0.3' }]);
  await waitForBackends(p, [`127.0.0.3:${pods.port}`], 'changes followed after the relists');
  // One update line at start and one for the change: the relists found nothing new.
  const updates = (): number => p.logs().filter((l) => l['msg'] === 'backend set updated').length;
  await pollUntil('the update log line', () => updates() >= 2, 20_000);
  expect(updates()).toBe(2);
});

test('API server down: last set kept, still ready, traffic flows; changes followed after it is back', async () => {
  pods = await startPods(['127.0.0.2', '127.0.0.3']);
  applySlice('web-a', [{ ip: '127.0.0.2' }]);
  const p = await startKubeProxy();
  await fake.goAway();
  await pollUntil(
    'the proxy to notice',
    () => p.logs().some((l) => l['level'] === 'warn' && String(l['msg']).includes('API server')),
    20_000,
  );
  expect([...(await spread(p.port, 10)).keys()]).toEqual(['127.0.0.2']);
  expect(await p.adminStatus('/readyz')).toBe(200);

  applySlice('web-a', [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]);
  await fake.comeBack();
  await waitForBackends(p, [`127.0.0.2:${pods.port}`, `127.0.0.3:${pods.port}`], 'recovery');
  expect(
    p.logs().filter((l) => l['level'] === 'warn' && String(l['msg']).includes('API server')),
  ).toHaveLength(1);
});

test('403 before the first list: not ready with a clear RBAC error; ready once the Role is fixed', async () => {
  pods = await startPods(['127.0.0.2']);
  applySlice('web-a', [{ ip: '127.0.0.2' }]);
  fake.setForbidden('endpointslices');
  // startProxy waits for readiness, which is exactly what must not come yet: spawn by hand.
  const [port, adminPort] = (await freePorts(2)) as [number, number];
  const cfg = path.join(dir, 'config.yaml');
  writeFileSync(cfg, configYaml());
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('RRPROXY_') && k !== 'KUBECONFIG') env[k] = v;
  const child = spawn(
    process.execPath,
    [
      PROXY_MAIN,
      '--listen',
      `127.0.0.1:${port}`,
      '--admin',
      `127.0.0.1:${adminPort}`,
      '--config',
      cfg,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  trackChild(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.resume();
  try {
    await pollUntil('the RBAC error line', () => out.includes('403 Forbidden'), 20_000);
    const line = out.split('\n').find((l) => l.includes('403 Forbidden')) ?? '';
    const parsed = JSON.parse(line) as { level: string; msg: string };
    expect(parsed.level).toBe('error');
    expect(parsed.msg).toContain(
      'Role in "shop" with the rule {apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list","watch"]}',
    );
    await pollUntil(
      'a few forbidden retries',
      () => fake.requests.filter((r) => r.status === 403).length >= 2,
      20_000,
    );
    const ready = await adminJson(adminPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, reason: 'discovery not synced' });

    fake.setForbidden('endpointslices', false);
    await pollUntil(
      'ready after the fix',
      async () => (await adminJson(adminPort, '/readyz')).status === 200,
      20_000,
      50,
    );
    expect((await get(port))[1]).toBe('127.0.0.2');
  } finally {
    child.kill('SIGTERM');
    await waitForExit(child);
  }
});

test('403 after the first list: last set kept and the proxy stays ready', async () => {
  pods = await startPods(['127.0.0.2']);
  applySlice('web-a', [{ ip: '127.0.0.2' }]);
  const p = await startKubeProxy();
  await pollUntil('watch open', () => fake.activeWatches === 1, 20_000);
  fake.setForbidden('endpointslices');
  fake.dropWatches();
  await pollUntil(
    'a forbidden relist',
    () => fake.requests.filter((r) => r.status === 403).length >= 2,
    20_000,
  );
  expect(await p.adminStatus('/readyz')).toBe(200);
  expect([...(await spread(p.port, 5)).keys()]).toEqual(['127.0.0.2']);
  expect(p.logs().filter((l) => String(l['msg']).includes('403 Forbidden'))).toHaveLength(1);
  fake.setForbidden('endpointslices', false);
});

test('dual-stack Service: one address per pod; IPv6 addresses are dialled', async () => {
  pods = await startPods(['127.0.0.2', '127.0.0.3', '::1']);
  applySlice('web-v4', [
    { ip: '127.0.0.2', pod: 'web-1' },
    { ip: '127.0.0.3', pod: 'web-2' },
  ]);
  applySlice('web-v6', [{ ip: '::1', pod: 'web-1' }], 'IPv6');

  const auto = await startKubeProxy();
  const port = pods.port;
  expect(await backendIds(auto)).toEqual([`127.0.0.2:${port}`, `127.0.0.3:${port}`]);
  expect([...(await spread(auto.port, 10)).keys()].sort()).toEqual(['127.0.0.2', '127.0.0.3']);
  await auto.stop();
  proxy = undefined;

  const six = await startKubeProxy('  addressFamily: IPv6');
  expect(await backendIds(six)).toEqual([`[::1]:${port}`]);
  expect([...(await spread(six.port, 5)).keys()]).toEqual(['::1']);
});

test('no usable kubeconfig: the proxy exits 2 with a message naming what is missing', async () => {
  const run = async (
    kubeconfig: string,
  ): Promise<{ code: number | NodeJS.Signals; stderr: string }> => {
    const [port, adminPort] = (await freePorts(2)) as [number, number];
    const cfg = path.join(dir, 'bad.yaml');
    writeFileSync(
      cfg,
      [
        'discovery:',
        '  mode: endpointslices',
        '  service: web',
        `  kubeconfig: "${kubeconfig}"`,
        '',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('RRPROXY_') && !k.startsWith('KUBERNETES_') && k !== 'KUBECONFIG')
        env[k] = v;
    }
    const child = spawn(
      process.execPath,
      [
        PROXY_MAIN,
        '--listen',
        `127.0.0.1:${port}`,
        '--admin',
        `127.0.0.1:${adminPort}`,
        '--config',
        cfg,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env },
    );
    trackChild(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await waitForExit(child);
    clearTimeout(timer);
    return { code, stderr };
  };
  const notInCluster = await run('');
  expect(notInCluster.code).toBe(2);
  expect(notInCluster.stderr).toMatch(/KUBERNETES_SERVICE_HOST/);
  const missing = await run(path.join(dir, 'no-such-kubeconfig'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/cannot load kubeconfig: .*no-such-kubeconfig/);
});
