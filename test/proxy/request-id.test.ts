import { isValidRequestId } from '../../src/proxy/forwarding';
import { nextRequestId } from '../../src/proxy/request-id';

test('generated request ids are distinct and valid X-Request-Id values', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) seen.add(nextRequestId());
  expect(seen.size).toBe(10_000);
  for (const id of [...seen].slice(0, 50)) expect(isValidRequestId(id)).toBe(true);
  // One random prefix per process, then a counter.
  const [a, b] = [nextRequestId(), nextRequestId()];
  expect(a.split('-')[0]).toMatch(/^[0-9a-f]{16}$/);
  expect(a.split('-')[0]).toBe(b.split('-')[0]);
});
