/**
 * `--workers 2` with Kubernetes discovery against the fake API server: only the primary watches
 * the API server, and every EndpointSlice change it sees reaches both workers: a new pod gets
 * traffic from each worker, a removed one from neither. Pods are small HTTP servers on
 * 127.0.0.2.. sharing one port, each answering with its own address.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pollUntil } from '../support/cleanup';
import { FakeApiServer, endpointSlice, type SliceEndpointSpec } from '../support/fake-apiserver';
import { freePorts } from '../support/ports';
import { startProxy, type LogLine, type ProxyProcess } from '../support/proxy-process';
import { rawGet } from '../support/raw-http';

jest.setTimeout(90_000);

const NS = 'shop';
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

interface Pods {
  readonly port: number;
  close(): Promise<void>;
}

async function startPods(): Promise<Pods> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [port] = (await freePorts(1, ADDRESSES[0])) as [number];
    const servers: http.Server[] = [];
    try {
      for (const address of ADDRESSES) {
        const server = http.createServer((_, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(address);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, address, () => resolve());
        });
        servers.push(server);
      }
    } catch {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      continue; // the port is taken on another loopback address: try another
    }
    return {
      port,
      close: () =>
        Promise.all(
          servers.map(
            (s) =>
              new Promise((r) => {
                s.close(r);
                s.closeAllConnections();
              }),
          ),
        ).then(() => undefined),
    };
  }
  throw new Error('no common free port on the pod addresses');
}

let dir: string;
let fake: FakeApiServer;
let pods: Pods;
let proxy: ProxyProcess;

function applySlice(endpoints: SliceEndpointSpec[]): void {
  fake.apply(
    'endpointslices',
    endpointSlice({
      name: 'web-a',
      service: 'web',
      namespace: NS,
      ports: [{ name: 'http', port: pods.port }],
      endpoints,
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-workers-k8s-'));
  fake = await FakeApiServer.start();
  pods = await startPods();
  applySlice([{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }]);
  const kubeconfig = fake.writeKubeconfig(path.join(dir, 'kubeconfig'), 'elsewhere');
  proxy = await startProxy({
    backends: [],
    extraArgs: ['--workers', '2'],
    configYaml: [
      'discovery:',
      '  mode: endpointslices',
      `  namespace: ${NS}`,
      '  service: web',
      `  kubeconfig: ${kubeconfig}`,
      '',
    ].join('\n'),
    readyTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  await proxy?.stop();
  await pods?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
  fake?.assertNoProblems();
});

interface PodView {
  workers: Array<{ worker: number; backends?: string[] }>;
  backends: Array<{ id: string }>;
}

async function podView(): Promise<PodView> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: proxy.adminPort, path: '/backends', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as PodView));
      })
      .on('error', reject);
  });
}

const id = (address: string): string => `${address}:${pods.port}`;

/** Waits until the primary and every worker hold exactly these backends. */
async function waitForSet(addresses: string[], what: string): Promise<void> {
  const want = addresses.map(id).sort().join(',');
  await pollUntil(
    what,
    async () => {
      const view = await podView();
      return (
        view.backends
          .map((b) => b.id)
          .sort()
          .join(',') === want &&
        view.workers.length === 2 &&
        view.workers.every((w) => [...(w.backends ?? [])].sort().join(',') === want)
      );
    },
    20_000,
    50,
  );
}

/**
 * GETs on fresh connections (bounded) until each worker has sent one to `address`; returns the
 * access lines of these requests.
 */
async function reachFromBothWorkers(address: string, tag: string): Promise<LogLine[]> {
  const mine = (): LogLine[] =>
    proxy.accessLogs().filter((l) => String(l['reqId']).startsWith(`${tag}-`));
  const workersReaching = (): Set<unknown> =>
    new Set(
      mine()
        .filter((l) => l['upstream'] === id(address))
        .map((l) => l['worker']),
    );
  for (let i = 0; i < 60 && workersReaching().size < 2; i++) {
    const res = await rawGet(proxy.port, '/', [
      ['Host', 'test'],
      ['X-Request-Id', `${tag}-${i}`],
    ]);
    expect(res.status).toBe(200);
    await pollUntil('its access line', () => mine().length === i + 1, 10_000);
  }
  expect(workersReaching()).toEqual(new Set([1, 2]));
  return mine();
}

test('only the primary watches the API server; both workers start with its set', async () => {
  await waitForSet(['127.0.0.2', '127.0.0.3'], 'the first set in both workers');
  await pollUntil('the watch to open', () => fake.activeWatches === 1, 20_000);
  // One list and one watch: the workers never talk to the API server themselves.
  expect(fake.requestsOf('list')).toHaveLength(1);
  expect(fake.activeWatches).toBe(1);
});

test('a pod added to the slice gets traffic from both workers', async () => {
  applySlice([{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }, { ip: '127.0.0.4' }]);
  await waitForSet(ADDRESSES, 'the new pod in both workers');
  await reachFromBothWorkers('127.0.0.4', 'up');
});

test('a pod removed from the slice gets no traffic from either worker', async () => {
  applySlice([{ ip: '127.0.0.3' }, { ip: '127.0.0.4' }]);
  await waitForSet(['127.0.0.3', '127.0.0.4'], 'the removal in both workers');
  const lines = await reachFromBothWorkers('127.0.0.3', 'down');
  expect(lines.some((l) => l['upstream'] === id('127.0.0.2'))).toBe(false);
  expect(new Set(lines.map((l) => l['worker']))).toEqual(new Set([1, 2]));
});
