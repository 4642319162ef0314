/** Byte classes of RFC 9110 5.6.2 (tchar) and 5.5 (field-vchar, obs-text). */
import { FIELD_VALUE, HEX, isToken, TARGET, TCHAR } from '../../src/http/chars';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

describe('byte class tables', () => {
  test('TCHAR is exactly the tchar set', () => {
    for (let c = 0; c < 256; c++) {
      expect([c, TCHAR[c]]).toEqual([c, TCHARS.includes(String.fromCharCode(c)) ? 1 : 0]);
    }
  });

  test('FIELD_VALUE is HTAB, SP, VCHAR and obs-text; no other CTL, no DEL', () => {
    for (let c = 0; c < 256; c++) {
      const ok = c === 0x09 || (c >= 0x20 && c <= 0x7e) || c >= 0x80;
      expect([c, FIELD_VALUE[c]]).toEqual([c, ok ? 1 : 0]);
    }
  });

  test('TARGET is visible ASCII only, without "#" (no fragment in a request-target)', () => {
    for (let c = 0; c < 256; c++) {
      expect([c, TARGET[c]]).toEqual([c, c > 0x20 && c < 0x7f && c !== 0x23 ? 1 : 0]);
    }
  });

  test('HEX maps hex digits of both cases and nothing else', () => {
    for (let c = 0; c < 256; c++) {
      const ch = String.fromCharCode(c);
      const want = /^[0-9a-fA-F]$/.test(ch) ? parseInt(ch, 16) : -1;
      expect([c, HEX[c]]).toEqual([c, want]);
    }
  });
});

describe('isToken (RFC 9110 5.6.2)', () => {
  test.each(['a', 'GET', 'X-Request-Id', TCHARS])('%j is a token', (s) => {
    expect(isToken(s)).toBe(true);
  });

  test.each(['', 'a b', 'a:b', 'a,b', '"a"', 'a\x00', 'caf\xe9', 'a\u0100', '(x)', 'a/b', 'a\t'])(
    '%j is not a token',
    (s) => {
      expect(isToken(s)).toBe(false);
    },
  );
});
