/**
 * Interned field names: a known name in any casing is found with its lower case; the name keeps
 * the received casing (interned for the canonical and lower-case spellings), and near misses are
 * not matched.
 */
import { lookupFieldName, type FieldNameMatch } from '../../src/http/field-names';
import { HeaderList, parseFieldLines } from '../../src/http';
import { connectionOptions } from '../../src/http/hop-by-hop';

function look(name: string): FieldNameMatch | null {
  const buf = Buffer.from('xx' + name + ':', 'latin1');
  const out: FieldNameMatch = { name: null, lower: '' };
  return lookupFieldName(buf, 2, 2 + name.length, out) ? out : null;
}

describe('lookupFieldName', () => {
  test('the canonical and the lower-case spelling are interned as received', () => {
    expect(look('Content-Length')).toEqual({ name: 'Content-Length', lower: 'content-length' });
    expect(look('content-length')).toEqual({ name: 'content-length', lower: 'content-length' });
    expect(look('ETag')).toEqual({ name: 'ETag', lower: 'etag' });
  });

  test('any other casing matches, and its name is left for the caller to slice', () => {
    expect(look('CONTENT-LENGTH')).toEqual({ name: null, lower: 'content-length' });
    expect(look('Etag')).toEqual({ name: null, lower: 'etag' });
  });

  test('unknown names, prefixes, extensions and non-letter case twins do not match', () => {
    expect(look('X-Unknown')).toBeNull();
    expect(look('Content-Lengt')).toBeNull();
    expect(look('Content-Lengths')).toBeNull();
    expect(look('Content_Length')).toBeNull();
    expect(look('HOst')).toEqual({ name: null, lower: 'host' });
    expect(look('TE')).toEqual({ name: 'TE', lower: 'te' });
  });

  test('parseFieldLines keeps the received case whether or not the name is known', () => {
    const raw = Buffer.from(
      'HOST: a\r\ncontent-type: b\r\nX-Odd-Name: c\r\nx-odd-name: d\r\nAccept: e\r\n\r\n',
      'latin1',
    );
    const h = new HeaderList();
    parseFieldLines(raw, 0, raw.length, h);
    expect(h.names).toEqual(['HOST', 'content-type', 'X-Odd-Name', 'x-odd-name', 'Accept']);
    expect(h.lower).toEqual(['host', 'content-type', 'x-odd-name', 'x-odd-name', 'accept']);
    expect(h.values).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('connectionOptions', () => {
  const opts = (...values: string[]): string[] | null => {
    const s = connectionOptions(HeaderList.from(values.map((v) => ['Connection', v] as const)));
    return s === null ? null : [...s].sort();
  };

  test('no Connection field, or only hop-by-hop names: nothing to add', () => {
    expect(opts()).toBeNull();
    expect(opts('keep-alive')).toBeNull();
    expect(opts(' Keep-Alive ')).toBeNull();
    expect(opts('Upgrade')).toBeNull();
  });

  test('close and other names are reported, lower-cased, from every Connection line', () => {
    expect(opts('close')).toEqual(['close']);
    expect(opts('Close', 'X-Foo')).toEqual(['close', 'x-foo']);
    expect(opts('X-Foo', 'close')).toEqual(['close', 'x-foo']);
    expect(opts('keep-alive, X-Bar')).toEqual(['keep-alive', 'x-bar']);
  });
});
