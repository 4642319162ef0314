import { BackendSet, makeBackend, type Backend } from '../../src/balancer/backend';
import { ConsistentHashBalancer } from '../../src/balancer/consistent-hash';
import { hash32 } from '../../src/balancer/hash';
import { cookieValue, hashKeyOf } from '../../src/balancer/hash-key';
import { LeastRequestBalancer } from '../../src/balancer/least-request';
import { RoundRobinBalancer } from '../../src/balancer/round-robin';
import { HeaderList } from '../../src/http';
// A seeded PRNG (mulberry32), so random strategies are tested deterministically.
import { prng as seeded } from '../http/codec-helpers';

const b = (port: number, weight = 1): Backend => makeBackend({ host: '127.0.0.1', port, weight });

function countPicks(pick: () => Backend | undefined, n: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = pick()!.port;
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return counts;
}

describe('smooth weighted round robin', () => {
  test('weights 3:2:1 are honoured exactly in every window of 6 picks', () => {
    const rr = new RoundRobinBalancer();
    rr.update(new BackendSet([b(1, 3), b(2, 2), b(3, 1)]));
    for (let w = 0; w < 100; w++) {
      const counts = countPicks(() => rr.pick(), 6);
      expect([counts.get(1), counts.get(2), counts.get(3)]).toEqual([3, 2, 1]);
    }
  });

  test('is smooth: 5:1:1 interleaves as nginx does (a a b a c a a), cycle after cycle', () => {
    const rr = new RoundRobinBalancer();
    rr.update(new BackendSet([b(1, 5), b(2, 1), b(3, 1)]));
    for (let cycle = 0; cycle < 10; cycle++) {
      expect(Array.from({ length: 7 }, () => rr.pick()!.port)).toEqual([1, 1, 2, 1, 3, 1, 1]);
    }
  });

  test('a backend removed mid-rotation: the others share evenly, no burst', () => {
    const rr = new RoundRobinBalancer();
    rr.update(new BackendSet([b(1), b(2), b(3)]));
    for (let i = 0; i < 4; i++) rr.pick();
    rr.update(new BackendSet([b(1), b(3)]));
    const seq = Array.from({ length: 10 }, () => rr.pick()!.port);
    for (let i = 1; i < seq.length; i++) expect(seq[i]).not.toBe(seq[i - 1]);
  });

  test('a weight change takes effect at once and stays smooth', () => {
    const rr = new RoundRobinBalancer();
    rr.update(new BackendSet([b(1), b(2)]));
    for (let i = 0; i < 5; i++) rr.pick();
    rr.update(new BackendSet([b(1, 3), b(2, 1)]));
    const counts = countPicks(() => rr.pick(), 400);
    expect(counts.get(1)).toBeGreaterThanOrEqual(299);
    expect(counts.get(1)).toBeLessThanOrEqual(301);
  });

  test('weighted-round-robin is the same strategy under its own name', () => {
    const rr = new RoundRobinBalancer('weighted-round-robin');
    expect(rr.strategy).toBe('weighted-round-robin');
  });

  test('a filter skips backends without disturbing the others’ ratio', () => {
    const rr = new RoundRobinBalancer();
    rr.update(new BackendSet([b(1, 2), b(2, 1), b(3, 5)]));
    const counts = countPicks(() => rr.select((x) => x.port !== 3), 300);
    expect([counts.get(1), counts.get(2), counts.get(3)]).toEqual([200, 100, undefined]);
  });
});

describe('least request, power of two choices', () => {
  test('never picks the most loaded of three when the others are idle', () => {
    const load = new Map([
      [1, 5],
      [2, 0],
      [3, 0],
    ]);
    const lr = new LeastRequestBalancer((x) => load.get(x.port)!, seeded(1));
    lr.update(new BackendSet([b(1), b(2), b(3)]));
    const counts = countPicks(() => lr.pick(), 3000);
    expect(counts.get(1)).toBeUndefined();
    // The two idle ones share the load (ties go to the first draw, which is uniform).
    expect(counts.get(2)!).toBeGreaterThan(1300);
    expect(counts.get(3)!).toBeGreaterThan(1300);
  });

  test('prefers the less loaded in proportion: the least loaded gets the most', () => {
    const load = new Map([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const lr = new LeastRequestBalancer((x) => load.get(x.port)!, seeded(2));
    lr.update(new BackendSet([b(1), b(2), b(3)]));
    const counts = countPicks(() => lr.pick(), 3000);
    // P2C: the least loaded wins both pairs it is in (2/3), the middle one 1/3, the most none.
    expect(counts.get(1)!).toBeGreaterThan(1800);
    expect(counts.get(2)!).toBeGreaterThan(800);
    expect(counts.get(3)).toBeUndefined();
  });

  test('load is compared per unit of weight', () => {
    const lr = new LeastRequestBalancer((x) => (x.port === 1 ? 4 : 3), seeded(3));
    lr.update(new BackendSet([b(1, 4), b(2, 1)]));
    expect(countPicks(() => lr.pick(), 100).get(1)).toBe(100);
  });

  test('one eligible backend is picked; none gives undefined', () => {
    const lr = new LeastRequestBalancer(() => 0, seeded(4));
    const set = new BackendSet([b(1), b(2)]);
    lr.update(set);
    expect(lr.pick([set.backends[0]!])!.port).toBe(2);
    expect(lr.pick([...set.backends])).toBeUndefined();
  });
});

describe('consistent hashing', () => {
  const headersWith = (user: string): HeaderList => HeaderList.from([['X-User', user]]);
  const opts = { header: 'X-User', cookie: 'session' };
  const keys = Array.from({ length: 6000 }, (_, i) => `user-${i}`);

  function owners(ch: ConsistentHashBalancer): Map<string, number> {
    return new Map(keys.map((k) => [k, ch.pick(undefined, { headers: headersWith(k) })!.port]));
  }

  test('the same key always goes to the same backend, and keys spread over all', () => {
    const ch = new ConsistentHashBalancer(opts);
    ch.update(new BackendSet([b(8081), b(8082), b(8083)]));
    const first = owners(ch);
    expect(owners(ch)).toEqual(first);
    const share = countPicks(
      (() => {
        let i = 0;
        return () => ch.pick(undefined, { headers: headersWith(keys[i++]!) });
      })(),
      keys.length,
    );
    // Every backend owns keys: without this, all keys on one backend would pass the share check.
    expect([...share.keys()].sort()).toEqual([8081, 8082, 8083]);
    for (const n of share.values()) expect(n / keys.length).toBeGreaterThan(0.25);
  });

  test('removing one of three moves only that backend’s keys (>= 2/3 stay within sampling)', () => {
    const ch = new ConsistentHashBalancer(opts);
    ch.update(new BackendSet([b(8081), b(8082), b(8083)]));
    const before = owners(ch);
    ch.update(new BackendSet([b(8081), b(8083)]));
    const after = owners(ch);
    let stayed = 0;
    for (const k of keys) {
      if (before.get(k) !== 8082) expect(after.get(k)).toBe(before.get(k));
      if (after.get(k) === before.get(k)) stayed++;
    }
    expect(stayed / keys.length).toBeGreaterThanOrEqual(0.62);
    // Adding it back restores the original mapping exactly.
    ch.update(new BackendSet([b(8081), b(8082), b(8083)]));
    expect(owners(ch)).toEqual(before);
  });

  test('an ineligible owner hands its keys to the next owner on the ring only', () => {
    const ch = new ConsistentHashBalancer(opts);
    const set = new BackendSet([b(1), b(2), b(3)]);
    ch.update(set);
    const before = owners(ch);
    for (const k of keys.slice(0, 500)) {
      const p = ch.select((x) => x.port !== 2, { headers: headersWith(k) })!.port;
      if (before.get(k) !== 2) expect(p).toBe(before.get(k));
      else expect(p).not.toBe(2);
    }
  });

  test('the cookie is used when the header is absent; neither -> round robin', () => {
    const ch = new ConsistentHashBalancer(opts);
    ch.update(new BackendSet([b(1), b(2), b(3)]));
    const viaCookie = HeaderList.from([['Cookie', 'theme=dark; session=abc123']]);
    const viaHeader = HeaderList.from([['X-User', 'abc123']]);
    expect(ch.pick(undefined, { headers: viaCookie })).toBe(
      ch.pick(undefined, { headers: viaHeader }),
    );
    const none = HeaderList.from([['Accept', '*/*']]);
    const seq = Array.from({ length: 3 }, () => ch.pick(undefined, { headers: none })!.port);
    expect(new Set(seq).size).toBe(3);
  });

  test('weights give a proportional share of the ring', () => {
    const ch = new ConsistentHashBalancer(opts);
    ch.update(new BackendSet([b(1, 3), b(2, 1)]));
    const share = [...owners(ch).values()].filter((p) => p === 1).length / keys.length;
    expect(share).toBeGreaterThan(0.68);
    expect(share).toBeLessThan(0.82);
  });
});

describe('hash keys', () => {
  test('cookieValue finds a cookie among others, unquotes, ignores prefixes', () => {
    expect(cookieValue('a=1; session=xyz; b=2', 'session')).toBe('xyz');
    expect(cookieValue('session="q v"', 'session')).toBe('q v');
    expect(cookieValue('mysession=1; session2=2', 'session')).toBeUndefined();
    expect(cookieValue('session=', 'session')).toBeUndefined();
  });

  test('hashKeyOf: header first, then every Cookie field, else undefined', () => {
    const o = { header: 'X-User', cookie: 'sid' };
    expect(hashKeyOf(HeaderList.from([['x-user', 'u1']]), o)).toBe('u1');
    expect(
      hashKeyOf(
        HeaderList.from([
          ['Cookie', 'a=1'],
          ['Cookie', 'sid=s2'],
        ]),
        o,
      ),
    ).toBe('s2');
    expect(hashKeyOf(HeaderList.from([['Cookie', 'sid=s']]), { header: '', cookie: '' })).toBe(
      undefined,
    );
    expect(hashKeyOf(undefined, o)).toBeUndefined();
  });

  test('hash32 is stable and spreads similar strings', () => {
    expect(hash32('abc')).toBe(hash32('abc'));
    const top = new Set(Array.from({ length: 64 }, (_, i) => hash32(`10.0.0.1:80#${i}`) >>> 28));
    expect(top.size).toBeGreaterThan(10);
  });
});
