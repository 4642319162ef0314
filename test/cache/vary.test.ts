import { normalizeFieldValue, secondaryKey, varyFieldNames } from '../../src/cache/rules/vary';
import { hl } from './helpers';

// RFC 9111 4.1: the secondary key is the normalised values of the fields Vary names.
describe('varyFieldNames (RFC 9111 4.1)', () => {
  test.each<[string, string[], readonly string[] | '*']>([
    ['no Vary', [], []],
    ['one name, lower-cased', ['Vary: Accept-Encoding'], ['accept-encoding']],
    [
      'several lines, de-duplicated and sorted',
      ['Vary: User-Agent, accept', 'Vary: Accept'],
      ['accept', 'user-agent'],
    ],
    ['* anywhere', ['Vary: Accept', 'Vary: *'], '*'],
    ['empty Vary', ['Vary: '], []],
  ])('%s', (_n, fields, expected) => {
    expect(varyFieldNames(hl(...fields))).toEqual(expected);
  });
});

describe('secondaryKey normalisation (RFC 9111 4.1)', () => {
  const key = (names: string[], ...fields: string[]) => secondaryKey(names, hl(...fields));
  test.each<[string, string[], string[], string[], boolean]>([
    [
      'whitespace differences',
      ['accept-encoding'],
      ['Accept-Encoding: gzip,  br'],
      ['Accept-Encoding: gzip, br'],
      true,
    ],
    [
      'combining lines',
      ['accept-encoding'],
      ['Accept-Encoding: gzip', 'Accept-Encoding: br'],
      ['Accept-Encoding: gzip, br'],
      true,
    ],
    [
      'case of case-insensitive fields',
      ['accept-encoding'],
      ['Accept-Encoding: GZIP'],
      ['Accept-Encoding: gzip'],
      true,
    ],
    [
      'parameter whitespace',
      ['accept'],
      ['Accept: text/html ; q=0.5'],
      ['Accept: text/html;q=0.5'],
      true,
    ],
    [
      'different values',
      ['accept-encoding'],
      ['Accept-Encoding: gzip'],
      ['Accept-Encoding: br'],
      false,
    ],
    ['absent differs from empty', ['accept-encoding'], [], ['Accept-Encoding: '], false],
    ['case matters for other fields', ['x-user'], ['X-User: Bob'], ['X-User: bob'], false],
    [
      'the field name case of the request does not matter',
      ['accept-encoding'],
      ['ACCEPT-ENCODING: gzip'],
      ['accept-encoding: gzip'],
      true,
    ],
    [
      'two fields',
      ['accept', 'accept-encoding'],
      ['Accept: a', 'Accept-Encoding: b'],
      ['Accept-Encoding: b', 'Accept: a'],
      true,
    ],
  ])('%s', (_n, names, a, b, equal) => {
    expect(key(names, ...a) === key(names, ...b)).toBe(equal);
  });

  test('no Vary -> empty secondary key', () => {
    expect(secondaryKey([], hl('Accept: x'))).toBe('');
  });

  test('normalizeFieldValue keeps quoted commas together', () => {
    expect(normalizeFieldValue('x-a', ['"a, b",  c'])).toBe('"a, b",c');
  });
});
