import { keepAliveTimeoutMs, pooledIdleMs } from '../../src/upstream/keep-alive';

test.each([
  [undefined, -1],
  ['timeout=5', 5000],
  ['timeout=5, max=100', 5000],
  ['max=100, Timeout = 2', 2000],
  ['max=100', -1],
  ['timeout=abc', -1],
])('Keep-Alive %j -> %d ms', (v, ms) => {
  expect(keepAliveTimeoutMs(v)).toBe(ms);
});

test('pooled idle time stays a second below the backend advertised timeout', () => {
  expect(pooledIdleMs(30_000, -1)).toBe(30_000);
  expect(pooledIdleMs(30_000, 5_000)).toBe(4_000);
  expect(pooledIdleMs(3_000, 75_000)).toBe(3_000);
  expect(pooledIdleMs(30_000, 500)).toBe(0);
});
