import { parseCacheControl } from '../../src/cache/rules/cache-control';
import {
  notModifiedFields,
  storedFields,
  updateStoredFields,
} from '../../src/cache/rules/stored-headers';
import { hl } from './helpers';

const pairs = (h: ReturnType<typeof hl>) => [...h.entries()];

describe('storedFields (RFC 9111 3.1)', () => {
  test('drops hop-by-hop, Connection-named, framing and Age; keeps order, case and repetition', () => {
    const h = hl(
      'Content-Type: text/plain',
      'Connection: keep-alive, X-Hop',
      'Keep-Alive: timeout=5',
      'X-Hop: 1',
      'Transfer-Encoding: chunked',
      'Content-Length: 5',
      'Age: 10',
      'Link: </a>',
      'Link: </b>',
      'ETag: "1"',
    );
    expect(pairs(storedFields(h, parseCacheControl([])))).toEqual([
      ['Content-Type', 'text/plain'],
      ['Link', '</a>'],
      ['Link', '</b>'],
      ['ETag', '"1"'],
    ]);
  });

  test('fields named by qualified no-cache / private are not stored (5.2.2.4, 5.2.2.7)', () => {
    const h = hl('Cache-Control: no-cache="X-A", private="x-b"', 'X-A: 1', 'X-B: 2', 'X-C: 3');
    const cc = parseCacheControl(h.getAll('cache-control'));
    expect(pairs(storedFields(h, cc)).map(([n]) => n)).toEqual(['Cache-Control', 'X-C']);
  });
});

describe('updateStoredFields with a 304 (RFC 9111 3.2, 4.3.4)', () => {
  test('replaces every stored line of a field the 304 carries, adds new ones, keeps the rest', () => {
    const stored = hl(
      'Cache-Control: max-age=1',
      'ETag: "1"',
      'Content-Type: text/plain',
      'X-Old: a',
      'X-Old: b',
      'Date: d1',
    );
    const nm = hl('Cache-Control: max-age=60', 'Date: d2', 'X-Old: c', 'X-New: n');
    expect(pairs(updateStoredFields(stored, nm))).toEqual([
      ['ETag', '"1"'],
      ['Content-Type', 'text/plain'],
      ['Cache-Control', 'max-age=60'],
      ['Date', 'd2'],
      ['X-Old', 'c'],
      ['X-New', 'n'],
    ]);
  });

  test('never takes framing, hop-by-hop, Age or the body-describing fields from a 304', () => {
    const stored = hl('Content-Type: text/plain', 'Content-Encoding: gzip', 'ETag: "1"');
    const nm = hl(
      'Content-Length: 0',
      'Connection: close',
      'Age: 5',
      'Content-Type: text/html',
      'Content-Encoding: br',
      'Transfer-Encoding: chunked',
    );
    const out = updateStoredFields(stored, nm);
    expect(out).toBe(stored);
  });

  test('the stored list is never mutated (hits share it)', () => {
    const stored = hl('Cache-Control: max-age=1');
    updateStoredFields(stored, hl('Cache-Control: max-age=2'));
    expect(stored.get('cache-control')).toBe('max-age=1');
  });
});

describe('notModifiedFields (RFC 9110 15.4.5)', () => {
  test('keeps the validator and cache fields, drops representation metadata', () => {
    const stored = hl(
      'Content-Type: text/plain',
      'ETag: "1"',
      'Cache-Control: max-age=5',
      'Vary: Accept',
      'Date: d',
      'X-Other: 1',
      'Expires: e',
      'Content-Location: /x',
    );
    expect(pairs(notModifiedFields(stored)).map(([n]) => n)).toEqual([
      'ETag',
      'Cache-Control',
      'Vary',
      'Date',
      'Expires',
      'Content-Location',
    ]);
  });
});
