import pino from 'pino';
import { AccessLog, type AccessRecord } from '../../src/observability/access-log';

function capture(bindings: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info', base: undefined, formatters: { level: (l) => ({ level: l }) } },
    {
      write: (s: string) => lines.push(s),
    },
  ).child(bindings);
  return { logger, lines };
}

const rec: AccessRecord = {
  reqId: 'r"1',
  client: '::1',
  method: 'GET',
  path: '/a?b="c"&d=\\',
  status: 200,
  bytesIn: 0,
  bytesOut: 42,
  durationMs: 1.25,
  upstream: '[::1]:8081',
  upstreamMs: null,
  attempts: 1,
  outcome: 'ok',
  cache: 'HIT',
  traceId: undefined,
  spanId: undefined,
};

test('one JSON line per request with every field, strings escaped, bindings kept', () => {
  const { logger, lines } = capture({ worker: 2 });
  const log = AccessLog.create(logger, true, false)!;
  log.write(rec);
  expect(lines).toHaveLength(1);
  expect(lines[0]!.endsWith('\n')).toBe(true);
  const obj = JSON.parse(lines[0]!);
  const { traceId: _t, spanId: _s, ...fields } = rec;
  expect(obj).toMatchObject({ ...fields, level: 'info', msg: 'request', worker: 2 });
  expect(obj).not.toHaveProperty('traceId');
  expect(new Date(obj.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
});

test('off when disabled or when the level hides info', () => {
  const { logger } = capture();
  expect(AccessLog.create(logger, false, false)).toBeNull();
  logger.level = 'warn';
  expect(AccessLog.create(logger, true, false)).toBeNull();
});

test('strings that need escaping (controls, non-ASCII, quotes) and plain ones both round-trip', () => {
  const { logger, lines } = capture();
  const log = AccessLog.create(logger, true, false)!;
  for (const path of ['/plain', '/tab\there', '/caf\u00e9', '/q"\\', '/\u0001\u007f']) {
    log.write({ ...rec, path, reqId: 'plain-id' });
  }
  expect(lines.map((l) => JSON.parse(l).path)).toEqual([
    '/plain',
    '/tab\there',
    '/caf\u00e9',
    '/q"\\',
    '/\u0001\u007f',
  ]);
});
