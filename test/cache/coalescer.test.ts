import { Coalescer } from '../../src/cache/coalescer';
import type { CacheEntry } from '../../src/cache/entry';

const fakeEntry = {} as CacheEntry;

describe('Coalescer', () => {
  test('waiters get the leader outcome; a settled flight is gone', async () => {
    const c = new Coalescer(10_000);
    const f = c.lead('k');
    expect(c.inFlight('k')).toBe(true);
    const waits = [c.wait('k'), c.wait('k')];
    c.settle(f, { kind: 'ready', entry: fakeEntry });
    const outcomes = await Promise.all(waits);
    expect(outcomes.map((o) => o.kind)).toEqual(['ready', 'ready']);
    expect(c.inFlight('k')).toBe(false);
    expect(c.coalesced).toBe(2);
  });

  test('the wait is bounded: after waitMs waiters are told to go upstream', async () => {
    const c = new Coalescer(20);
    c.lead('k');
    const o = await c.wait('k');
    expect(o.kind).toBe('go');
    expect(c.inFlight('k')).toBe(false);
  });

  test('an old leader cannot settle a newer flight', async () => {
    const c = new Coalescer(10_000);
    const old = c.lead('k');
    const w1 = c.wait('k');
    const fresh = c.lead('k'); // e.g. the old one timed out; its waiters were released
    expect((await w1).kind).toBe('go');
    const w2 = c.wait('k');
    c.settle(old, { kind: 'ready', entry: fakeEntry });
    expect(c.inFlight('k')).toBe(true);
    c.settle(fresh, { kind: 'go' });
    expect((await w2).kind).toBe('go');
  });

  test('waiting on a key without a flight resolves go at once', async () => {
    expect((await new Coalescer(10).wait('none')).kind).toBe('go');
  });
});
