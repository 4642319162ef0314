import {
  clientConditionMatches,
  hasUnevaluatedPreconditions,
  strongMatch,
  validationFields,
  weakMatch,
} from '../../src/cache/rules/validators';
import { hl } from './helpers';

describe('validationFields (RFC 9111 4.3.1)', () => {
  test.each<[string, string[], Array<[string, string]>]>([
    ['ETag -> If-None-Match', ['ETag: "v1"'], [['If-None-Match', '"v1"']]],
    [
      'Last-Modified -> If-Modified-Since',
      ['Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT'],
      [['If-Modified-Since', 'Thu, 01 Jan 2015 00:00:00 GMT']],
    ],
    [
      'both',
      ['ETag: W/"v1"', 'Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT'],
      [
        ['If-None-Match', 'W/"v1"'],
        ['If-Modified-Since', 'Thu, 01 Jan 2015 00:00:00 GMT'],
      ],
    ],
    ['no validators', ['Cache-Control: max-age=1'], []],
  ])('%s', (_n, fields, expected) => {
    expect(validationFields(hl(...fields))).toEqual(expected);
  });
});

describe('entity-tag comparison (RFC 9110 8.8.3.2)', () => {
  test.each([
    ['W/"1"', 'W/"1"', false, true],
    ['W/"1"', 'W/"2"', false, false],
    ['W/"1"', '"1"', false, true],
    ['"1"', '"1"', true, true],
  ])('%s vs %s: strong %p, weak %p', (a, b, strong, weak) => {
    expect(strongMatch(a, b)).toBe(strong);
    expect(weakMatch(a, b)).toBe(weak);
  });
});

// RFC 9111 4.3.2 / RFC 9110 13.2.2: a cache answers a client's conditional GET from a fresh entry.
describe('clientConditionMatches', () => {
  const stored = hl(
    'ETag: "abc"',
    'Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT',
    'Date: Fri, 02 Jan 2015 00:00:00 GMT',
  );
  test.each<[string, string[], boolean]>([
    ['If-None-Match equal', ['If-None-Match: "abc"'], true],
    ['If-None-Match weak comparison', ['If-None-Match: W/"abc"'], true],
    ['If-None-Match in a list', ['If-None-Match: "x", "abc"'], true],
    ['If-None-Match over several lines', ['If-None-Match: "x"', 'If-None-Match: "abc"'], true],
    ['If-None-Match *', ['If-None-Match: *'], true],
    ['If-None-Match other', ['If-None-Match: "x"'], false],
    [
      'If-None-Match decides; If-Modified-Since is ignored (13.2.2)',
      ['If-None-Match: "x"', 'If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT'],
      false,
    ],
    [
      'If-Modified-Since after Last-Modified',
      ['If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT'],
      true,
    ],
    [
      'If-Modified-Since before Last-Modified',
      ['If-Modified-Since: Wed, 31 Dec 2014 00:00:00 GMT'],
      false,
    ],
    [
      'invalid If-Modified-Since is ignored (RFC 9110 13.1.3)',
      ['If-Modified-Since: yesterday'],
      false,
    ],
    ['not conditional', [], false],
  ])('%s', (_n, fields, expected) => {
    expect(clientConditionMatches(hl(...fields), stored)).toBe(expected);
  });

  test('without Last-Modified, Date stands in (RFC 9111 4.3.2)', () => {
    const s = hl('Date: Fri, 02 Jan 2015 00:00:00 GMT');
    expect(clientConditionMatches(hl('If-Modified-Since: Fri, 02 Jan 2015 00:00:00 GMT'), s)).toBe(
      true,
    );
    expect(clientConditionMatches(hl('If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT'), s)).toBe(
      false,
    );
  });

  test('If-None-Match with a stored response without ETag never matches (except *)', () => {
    expect(clientConditionMatches(hl('If-None-Match: "a"'), hl())).toBe(false);
  });

  test('If-Match and friends are left to the origin', () => {
    expect(hasUnevaluatedPreconditions(hl('If-Match: "a"'))).toBe(true);
    expect(hasUnevaluatedPreconditions(hl('If-Unmodified-Since: x'))).toBe(true);
    expect(hasUnevaluatedPreconditions(hl('If-None-Match: "a"'))).toBe(false);
  });
});
