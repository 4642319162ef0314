import { BodyBuffer } from '../../src/cache/body-buffer';
import { NO_DIRECTIVES } from '../../src/cache/rules/cache-control';
import type { CacheEntry } from '../../src/cache/entry';
import { responseTiming } from '../../src/cache/rules/freshness';
import { secondaryKey } from '../../src/cache/rules/vary';
import { CacheStore, entrySize } from '../../src/cache/store';
import { hl, T0 } from './helpers';

const KiB = 1024;
const MiB = 1024 * KiB;

function entry(key: string, bodyBytes: number, vary: string[] = [], request = hl()): CacheEntry {
  const headers = hl('Content-Type: application/octet-stream', 'Cache-Control: max-age=60');
  const secondary = secondaryKey(vary, request);
  const body = bodyBytes > 0 ? [Buffer.alloc(bodyBytes, 1)] : [];
  return {
    primaryKey: key,
    secondaryKey: secondary,
    varyNames: vary,
    status: 200,
    reason: 'OK',
    headers,
    body,
    bodyBytes,
    responseCc: NO_DIRECTIVES,
    timing: responseTiming(headers, T0, T0),
    initialAge: 0,
    lifetime: 60,
    size: entrySize(key, secondary, headers, bodyBytes),
    revalidating: false,
  };
}

describe('CacheStore (byte-bounded LRU)', () => {
  test('10 MiB of distinct objects through a 1 MiB cache: the byte total never exceeds the cap', () => {
    const store = new CacheStore({ maxBytes: 1 * MiB, maxObjectBytes: 256 * KiB });
    let stored = 0;
    let i = 0;
    while (stored < 10 * MiB) {
      const size = 10 * KiB + ((i * 7919) % (90 * KiB)); // 10..100 KiB, varied
      expect(store.put(entry(`h/obj/${i}`, size))).toBe(true);
      stored += size;
      i++;
      expect(store.bytes).toBeLessThanOrEqual(1 * MiB);
    }
    expect(store.evictions).toBeGreaterThan(0);
    expect(store.entries).toBe(i - store.evictions);
    // The most recent objects are the ones kept.
    expect(store.find(`h/obj/${i - 1}`, hl())).toBeDefined();
    expect(store.find('h/obj/0', hl())).toBeUndefined();
    // The total is exactly the sum of what is stored.
    let sum = 0;
    for (let k = 0; k < i; k++) sum += store.find(`h/obj/${k}`, hl())?.size ?? 0;
    expect(store.bytes).toBe(sum);
  });

  test('least recently USED goes first: a hit protects an entry', () => {
    const e = (k: string) => entry(k, 100 * KiB);
    const one = e('a').size;
    const store = new CacheStore({ maxBytes: one * 3, maxObjectBytes: one });
    store.put(e('a'));
    store.put(e('b'));
    store.put(e('c'));
    expect(store.find('a', hl())).toBeDefined(); // a is now most recent
    store.put(e('d')); // evicts b
    expect(store.find('b', hl())).toBeUndefined();
    expect(store.find('a', hl())).toBeDefined();
    expect(store.find('c', hl())).toBeDefined();
    expect(store.find('d', hl())).toBeDefined();
    expect(store.evictions).toBe(1);
  });

  test('objects over the per-object cap are refused (and nothing is evicted for them)', () => {
    const store = new CacheStore({ maxBytes: 10 * MiB, maxObjectBytes: 64 * KiB });
    store.put(entry('small', 1 * KiB));
    expect(store.put(entry('big', 64 * KiB))).toBe(false);
    expect(store.entries).toBe(1);
    expect(store.evictions).toBe(0);
  });

  test('headers and bookkeeping are charged, not only bodies', () => {
    const store = new CacheStore({ maxBytes: MiB, maxObjectBytes: MiB });
    store.put(entry('k', 0));
    expect(store.bytes).toBeGreaterThan(100);
  });

  test('replacing a variant re-charges instead of double counting', () => {
    const store = new CacheStore({ maxBytes: MiB, maxObjectBytes: MiB });
    store.put(entry('k', 1000));
    store.put(entry('k', 2000));
    expect(store.entries).toBe(1);
    expect(store.bytes).toBe(entry('k', 2000).size);
  });

  test('variants by Vary (RFC 9111 4.1): found by the request fields', () => {
    const store = new CacheStore({ maxBytes: MiB, maxObjectBytes: MiB });
    const gz = hl('Accept-Encoding: gzip');
    const br = hl('Accept-Encoding: br');
    store.put(entry('k', 10, ['accept-encoding'], gz));
    store.put(entry('k', 20, ['accept-encoding'], br));
    expect(store.entries).toBe(2);
    expect(store.find('k', gz)?.bodyBytes).toBe(10);
    expect(store.find('k', br)?.bodyBytes).toBe(20);
    expect(store.find('k', hl())).toBeUndefined();
  });

  test('a response with a different Vary replaces the variants selected by the old one', () => {
    const store = new CacheStore({ maxBytes: MiB, maxObjectBytes: MiB });
    store.put(entry('k', 10, ['accept-encoding'], hl('Accept-Encoding: gzip')));
    store.put(entry('k', 10, ['accept-encoding'], hl('Accept-Encoding: br')));
    store.put(entry('k', 30, ['accept'], hl('Accept: a')));
    expect(store.entries).toBe(1);
    expect(store.find('k', hl('Accept: a'))?.bodyBytes).toBe(30);
  });

  test('deletePrimary removes every variant; deleteWhere and clear', () => {
    const store = new CacheStore({ maxBytes: MiB, maxObjectBytes: MiB });
    store.put(entry('h1/a', 10, ['x'], hl('X: 1')));
    store.put(entry('h1/a', 10, ['x'], hl('X: 2')));
    store.put(entry('h2/a', 10));
    store.put(entry('h2/b', 10));
    expect(store.deletePrimary('h1/a')).toBe(2);
    expect(store.deleteWhere((k) => k.endsWith('/a'))).toBe(1);
    expect(store.entries).toBe(1);
    expect(store.clear()).toBe(1);
    expect(store.bytes).toBe(0);
  });
});

describe('BodyBuffer', () => {
  test('known length: one exact buffer, copied (not a view of the input)', () => {
    const b = new BodyBuffer(MiB, 10);
    const input = Buffer.from('0123456789');
    b.push(input.subarray(0, 4));
    b.push(input.subarray(4));
    input.fill(0);
    const out = b.finish();
    expect(out).toHaveLength(1);
    expect(out[0]!.toString()).toBe('0123456789');
    expect(b.allocated).toBe(10);
  });

  test('unknown length: slabs, bytes preserved in order', () => {
    const b = new BodyBuffer(MiB, -1);
    const data = Buffer.alloc(100 * KiB);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    for (let off = 0; off < data.length; off += 1000) b.push(data.subarray(off, off + 1000));
    expect(Buffer.concat(b.finish()).equals(data)).toBe(true);
    expect(b.bytes).toBe(data.length);
    expect(b.allocated).toBeGreaterThanOrEqual(data.length);
  });

  test('over the limit: drops everything and refuses more', () => {
    const b = new BodyBuffer(1000, -1);
    expect(b.push(Buffer.alloc(600))).toBe(true);
    expect(b.push(Buffer.alloc(600))).toBe(false);
    expect(b.overflowed).toBe(true);
    expect(b.allocated).toBe(0);
    expect(b.push(Buffer.alloc(1))).toBe(false);
  });

  test('a Content-Length over the limit overflows at once', () => {
    expect(new BodyBuffer(1000, 5000).overflowed).toBe(true);
  });
});
