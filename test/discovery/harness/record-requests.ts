/**
 * Prints the requests @kubernetes/client-node makes, through KubernetesDiscovery, against the fake
 * API server over one scripted life: start, an update, a dropped watch, a 410, a 500 on the
 * watch, a 403 on the list, the server gone and back. Used for the issue's closing note:
 *
 *   node -r ./test/discovery/harness/register.js test/discovery/harness/record-requests.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubernetesDiscovery } from '../../../src/discovery/kubernetes';
import { FakeApiServer, endpointSlice } from '../../support/fake-apiserver';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (probe()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-record-'));
  const fake = await FakeApiServer.start();
  const mark = (label: string): void => {
    fake.requests.push({
      method: '--',
      path: label,
      query: [],
      verb: 'unexpected',
      status: 0,
      at: Date.now(),
    });
  };
  const slice = (ips: string[]) =>
    endpointSlice({
      name: 'web-abc12',
      service: 'web',
      namespace: 'shop',
      endpoints: ips.map((ip) => ({ ip })),
    });
  fake.apply('endpointslices', slice(['10.0.0.2']));
  const quiet = (): void => undefined;
  const d = new KubernetesDiscovery(
    {
      mode: 'endpointslices',
      namespace: 'shop',
      service: 'web',
      portName: '',
      kubeconfig: fake.writeKubeconfig(path.join(dir, 'kubeconfig')),
      addressFamily: 'auto',
    },
    { info: quiet, warn: quiet, error: quiet, debug: quiet },
    { backoff: { baseMs: 100, capMs: 400 } },
  );
  let pushes = 0;
  await d.start(() => (pushes += 1));
  const watching = (): Promise<void> =>
    until('a watch', () => fake.activeWatches === 1 && d.status().state === 'watching');
  await watching();
  mark('(slice updated)');
  fake.apply('endpointslices', slice(['10.0.0.2', '10.0.0.3']));
  await until('push', () => pushes === 2);
  mark('(watch connection dropped)');
  fake.dropWatches();
  await sleep(100);
  await watching();
  mark('(watch expired: ERROR 410)');
  fake.expireWatches();
  await sleep(100);
  await watching();
  mark('(watch dropped; the next watch is answered 500)');
  fake.failNext({ status: 500, verb: 'watch' });
  fake.dropWatches();
  await until('500', () => fake.requests.some((r) => r.status === 500));
  await watching();
  mark('(watch dropped; the next list is answered 403)');
  fake.failNext({ status: 403, verb: 'list' });
  fake.dropWatches();
  await until('403', () => fake.requests.some((r) => r.status === 403));
  await watching();
  mark('(API server gone for 1 s)');
  await fake.goAway();
  await sleep(1_000);
  await fake.comeBack();
  mark('(API server back)');
  await watching();
  await d.stop();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  for (const r of fake.requests) {
    if (r.method === '--') {
      console.log(r.path);
      continue;
    }
    const q = r.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    console.log(`${r.method} ${r.path}${q ? `?${q}` : ''} -> ${r.status}`);
  }
  console.log(`problems: ${fake.problems.length === 0 ? 'none' : fake.problems.join('; ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
