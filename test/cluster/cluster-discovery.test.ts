import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { ClusterDiscovery } from '../../src/cluster/cluster-discovery';
import { setMessage } from '../../src/cluster/messages';
import { flush, ipcPair } from './fake-ipc';

const one = new BackendSet([makeBackend({ host: '10.0.0.1', port: 80 })], 1);
const two = new BackendSet(
  [makeBackend({ host: '10.0.0.1', port: 80 }), makeBackend({ host: '10.0.0.2', port: 80 })],
  2,
);

test('says hello, starts with the set the primary answers, acknowledges every set', async () => {
  const { a: worker, b: primary } = ipcPair();
  primary.on('message', (m) => {
    if ((m as { t: string }).t === 'rrp:hello') primary.send(setMessage(one));
  });
  const d = new ClusterDiscovery(worker);
  const seen: BackendSet[] = [];
  await d.start((s) => seen.push(s));
  // Resolved only once the first set was applied: the worker never listens without backends.
  expect(seen.map((s) => s.backends.map((b) => b.id))).toEqual([['10.0.0.1:80']]);
  expect(d.synced).toBe(true);

  primary.send(setMessage(two));
  await flush();
  expect(seen.map((s) => s.version)).toEqual([1, 2]);
  expect(seen[1]!.backends.map((b) => b.id)).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
  expect(worker.sent).toEqual([
    { t: 'rrp:hello' },
    { t: 'rrp:applied', version: 1 },
    { t: 'rrp:applied', version: 2 },
  ]);

  await d.stop();
  primary.send(setMessage(one));
  await flush();
  expect(seen).toHaveLength(2);
});

test('while the primary has no set it starts unsynced, and syncs with the first set', async () => {
  const { a: worker, b: primary } = ipcPair();
  primary.on('message', (m) => {
    if ((m as { t: string }).t === 'rrp:hello') primary.send({ t: 'rrp:unsynced' });
  });
  const d = new ClusterDiscovery(worker);
  const seen: BackendSet[] = [];
  await d.start((s) => seen.push(s));
  expect(d.synced).toBe(false);
  expect(seen).toHaveLength(0);
  primary.send({ t: 'rrp:req', id: 1, op: 'status' });
  primary.send(setMessage(two));
  await flush();
  expect(d.synced).toBe(true);
  expect(seen.map((s) => s.version)).toEqual([2]);
});
