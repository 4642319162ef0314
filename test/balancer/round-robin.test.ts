import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { RoundRobinBalancer } from '../../src/balancer/round-robin';

const b = (port: number) => makeBackend({ host: '127.0.0.1', port });

test('rotates evenly over the set', () => {
  const rr = new RoundRobinBalancer();
  rr.update(new BackendSet([b(1), b(2), b(3)]));
  const counts = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const p = rr.pick()!.port;
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  expect([...counts.values()]).toEqual([100, 100, 100]);
});

test('skips backends this request already tried, undefined when none is left', () => {
  const rr = new RoundRobinBalancer();
  const set = new BackendSet([b(1), b(2)]);
  rr.update(set);
  const first = rr.pick()!;
  const second = rr.pick([first])!;
  expect(second).not.toBe(first);
  expect(rr.pick([first, second])).toBeUndefined();
});

test('empty set picks nothing', () => {
  const rr = new RoundRobinBalancer();
  expect(rr.pick()).toBeUndefined();
  rr.update(new BackendSet([b(1)]));
  rr.update(BackendSet.EMPTY);
  expect(rr.pick()).toBeUndefined();
});

test('an update keeps the rotation going without a burst to one backend', () => {
  const rr = new RoundRobinBalancer();
  rr.update(new BackendSet([b(1), b(2), b(3)]));
  const seen: number[] = [];
  for (let i = 0; i < 2; i++) seen.push(rr.pick()!.port);
  rr.update(new BackendSet([b(1), b(2), b(3), b(4)]));
  for (let i = 0; i < 4; i++) seen.push(rr.pick()!.port);
  // No backend twice in a row across the update.
  for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
  expect(new Set(seen.slice(2)).size).toBe(4);
});

test('BackendSet dedupes an address listed twice (first wins)', () => {
  const set = new BackendSet([b(1), makeBackend({ host: '127.0.0.1', port: 1, pod: 'dup' }), b(2)]);
  expect(set.size).toBe(2);
  expect(set.get('127.0.0.1:1')!.pod).toBeUndefined();
  expect(makeBackend({ host: '::1', port: 80 }).id).toBe('[::1]:80');
});
