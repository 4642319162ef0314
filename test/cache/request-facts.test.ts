import {
  AUTHORIZATION,
  CACHE_CONTROL,
  CONDITIONAL,
  OTHER_PRECONDITION,
  PRAGMA,
  RANGE,
  requestFacts,
} from '../../src/cache/rules/request-facts';
import { hl } from './helpers';

describe('requestFacts: the fields a lookup looks at, in one pass', () => {
  test.each<[string, string[], number]>([
    ['none', ['Host: a', 'Accept: */*'], 0],
    ['Range (bypass)', ['Range: bytes=0-1'], RANGE],
    [
      'Cache-Control and Pragma',
      ['Cache-Control: no-cache', 'Pragma: no-cache'],
      CACHE_CONTROL | PRAGMA,
    ],
    ['If-None-Match (RFC 9111 4.3.2)', ['If-None-Match: "a"'], CONDITIONAL],
    ['If-Modified-Since', ['If-Modified-Since: x'], CONDITIONAL],
    [
      'If-Match / If-Unmodified-Since / If-Range (RFC 9110 13.2.2)',
      ['If-Match: "a"', 'If-Unmodified-Since: x', 'If-Range: "a"'],
      OTHER_PRECONDITION,
    ],
    ['Authorization (RFC 9111 3.5)', ['Authorization: Bearer x'], AUTHORIZATION],
  ])('%s', (_n, fields, expected) => {
    expect(requestFacts(hl(...fields))).toBe(expected);
  });
});
