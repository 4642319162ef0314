/**
 * HeaderList (order, case and repetition preserved, RFC 9110 5.2-5.3) and the list-field helpers
 * (RFC 9110 5.6.1).
 */
import { HeaderList, listHasToken, splitList, trimOws } from '../../src/http';

function list(): HeaderList {
  return HeaderList.from([
    ['Host', 'a'],
    ['X-A', '1'],
    ['Set-Cookie', 'c=1'],
    ['x-a', '2'],
    ['Via', 'v'],
    ['X-A', '3'],
  ]);
}

describe('HeaderList', () => {
  test('add keeps case, order and repetition, with a lower-cased index', () => {
    const h = list();
    expect(h.length).toBe(6);
    expect(h.names).toEqual(['Host', 'X-A', 'Set-Cookie', 'x-a', 'Via', 'X-A']);
    expect(h.lower).toEqual(['host', 'x-a', 'set-cookie', 'x-a', 'via', 'x-a']);
    expect(h.values).toEqual(['a', '1', 'c=1', '2', 'v', '3']);
  });

  test('add trusts a caller-supplied lower-case name', () => {
    const h = new HeaderList();
    h.add('Content-Type', 'text/plain', 'content-type');
    expect(h.get('content-type')).toBe('text/plain');
  });

  test('get / getAll / has / count / indexOf look up by lower-case name', () => {
    const h = list();
    expect(h.get('x-a')).toBe('1');
    expect(h.get('X-A')).toBeUndefined();
    expect(h.get('missing')).toBeUndefined();
    expect(h.getAll('x-a')).toEqual(['1', '2', '3']);
    expect(h.getAll('missing')).toEqual([]);
    expect(h.has('via')).toBe(true);
    expect(h.has('nope')).toBe(false);
    expect(h.count('x-a')).toBe(3);
    expect(h.count('host')).toBe(1);
    expect(h.count('nope')).toBe(0);
    expect(h.indexOf('x-a')).toBe(1);
    expect(h.indexOf('x-a', 2)).toBe(3);
    expect(h.indexOf('x-a', 6)).toBe(-1);
  });

  test('get returns an empty value as "" (not undefined)', () => {
    const h = HeaderList.from([['Empty', '']]);
    expect(h.get('empty')).toBe('');
  });

  test('remove drops every field of the name, keeps the rest in order', () => {
    const h = list();
    expect(h.remove('x-a')).toBe(3);
    expect([...h.entries()]).toEqual([
      ['Host', 'a'],
      ['Set-Cookie', 'c=1'],
      ['Via', 'v'],
    ]);
    expect(h.lower).toEqual(['host', 'set-cookie', 'via']);
    expect(h.remove('x-a')).toBe(0);
    expect(h.remove('host')).toBe(1);
    expect(h.remove('via')).toBe(1);
    expect(h.remove('set-cookie')).toBe(1);
    expect(h.length).toBe(0);
  });

  test('set replaces the first, removes later duplicates, keeps position and other fields', () => {
    const h = list();
    h.set('X-a', 'new');
    expect([...h.entries()]).toEqual([
      ['Host', 'a'],
      ['X-a', 'new'],
      ['Set-Cookie', 'c=1'],
      ['Via', 'v'],
    ]);
    expect(h.lower).toEqual(['host', 'x-a', 'set-cookie', 'via']);
    expect(h.count('x-a')).toBe(1);
  });

  test('set on a missing name appends', () => {
    const h = list();
    h.set('Date', 'now');
    expect(h.names[h.length - 1]).toBe('Date');
    expect(h.get('date')).toBe('now');
    expect(h.length).toBe(7);
  });

  test('set on the last field and on a single field', () => {
    const h = HeaderList.from([
      ['A', '1'],
      ['B', '2'],
    ]);
    h.set('B', '3');
    expect([...h.entries()]).toEqual([
      ['A', '1'],
      ['B', '3'],
    ]);
    h.set('a', '0');
    expect([...h.entries()]).toEqual([
      ['a', '0'],
      ['B', '3'],
    ]);
  });

  test('clone is independent of the original', () => {
    const h = list();
    const c = h.clone();
    c.set('Host', 'b');
    c.remove('x-a');
    c.add('New', 'n');
    expect(h.get('host')).toBe('a');
    expect(h.count('x-a')).toBe(3);
    expect(h.has('new')).toBe(false);
    expect([...c.entries()]).toEqual([
      ['Host', 'b'],
      ['Set-Cookie', 'c=1'],
      ['Via', 'v'],
      ['New', 'n'],
    ]);
  });
});

describe('splitList (RFC 9110 5.6.1)', () => {
  test.each([
    ['a', ['a']],
    ['a,b', ['a', 'b']],
    [' a , b ,c ', ['a', 'b', 'c']],
    ['a,,b', ['a', 'b']],
    [',a,', ['a']],
    [', ,\t,', []],
    ['', []],
    ['\ta\t,\tb', ['a', 'b']],
    ['a;q=1, b;q="x,y"', ['a;q=1', 'b;q="x,y"']],
    ['"a,b", c', ['"a,b"', 'c']],
    ['"a\\",b", c', ['"a\\",b"', 'c']],
    ['"a\\\\",b', ['"a\\\\"', 'b']],
    ['W/"x,1", "y"', ['W/"x,1"', '"y"']],
    // An unterminated quoted string is kept, not dropped with everything after it.
    ['a, "b,c', ['a', '"b,c']],
    ['"open', ['"open']],
    ['a, "b\\', ['a', '"b\\']],
    // Only SP and HTAB are OWS (RFC 9110 5.6.3); NBSP (obs-text) and VT are element bytes.
    ['a\xa0, \xa0b', ['a\xa0', '\xa0b']],
    ['a\x0b,b', ['a\x0b', 'b']],
  ])('%j', (value, expected) => {
    expect(splitList(value)).toEqual(expected);
  });
});

describe('trimOws (RFC 9110 5.6.3)', () => {
  test.each([
    ['', ''],
    ['a', 'a'],
    [' \ta b\t ', 'a b'],
    [' \t ', ''],
    ['\xa0a\xa0', '\xa0a\xa0'],
    ['\x0ba\x0c', '\x0ba\x0c'],
  ])('%j -> %j', (value, expected) => {
    expect(trimOws(value)).toBe(expected);
  });
});

describe('listHasToken', () => {
  test.each([
    ['close', 'close', true],
    ['Close', 'close', true],
    ['CLOSE', 'close', true],
    [' close ', 'close', true],
    ['keep-alive, Close', 'close', true],
    ['keep-alive,close', 'close', true],
    ['keep-alive , close ,', 'close', true],
    ['keep-alive', 'close', false],
    ['closed', 'close', false],
    ['clos', 'close', false],
    ['"close"', 'close', false],
    ['x; close', 'close', false],
    ['close\xa0', 'close', false],
    ['a, close\xa0', 'close', false],
    ['', 'close', false],
    ['upgrade, "a,close"', 'close', false],
  ])('%j has %j: %s', (value, token, expected) => {
    expect(listHasToken(value, token)).toBe(expected);
  });

  test('accepts an array of field values and undefined', () => {
    expect(listHasToken(['keep-alive', 'Upgrade, close'], 'close')).toBe(true);
    expect(listHasToken(['keep-alive', 'upgrade'], 'close')).toBe(false);
    expect(listHasToken([], 'close')).toBe(false);
    expect(listHasToken(undefined, 'close')).toBe(false);
  });

  test('works with the values of a parsed HeaderList', () => {
    const h = HeaderList.from([
      ['Connection', 'keep-alive'],
      ['connection', 'X-Foo, Upgrade'],
    ]);
    expect(listHasToken(h.getAll('connection'), 'upgrade')).toBe(true);
    expect(listHasToken(h.getAll('connection'), 'x-foo')).toBe(true);
    expect(listHasToken(h.get('connection'), 'upgrade')).toBe(false);
  });
});
