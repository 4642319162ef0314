import { parseHttpDate } from '../../src/cache/rules/http-date';

// RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
describe('parseHttpDate (RFC 9110 5.6.7)', () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);
  test.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', t],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', t],
    ['asctime (UTC, not local time)', 'Sun Nov  6 08:49:37 1994', t],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT ', t],
    ['"0" is not a date (RFC 9111 5.3)', '0', NaN],
    ['bad month', 'Sun, 06 Foo 1994 08:49:37 GMT', NaN],
    ['not GMT', 'Sun, 06 Nov 1994 08:49:37 PST', NaN],
    ['hour out of range', 'Sun, 06 Nov 1994 25:49:37 GMT', NaN],
    ['ISO 8601 is not an HTTP-date', '1994-11-06T08:49:37Z', NaN],
  ])('%s', (_n, input, expected) => {
    expect(parseHttpDate(input, Date.UTC(2026, 0, 1))).toBe(expected);
  });

  test('RFC 850 two-digit years more than 50 years ahead are in the past century', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(new Date(parseHttpDate('Monday, 01-Jan-70 00:00:00 GMT', now)).getUTCFullYear()).toBe(
      2070,
    );
    expect(new Date(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', now)).getUTCFullYear()).toBe(
      1980,
    );
  });

  test('undefined -> NaN', () => {
    expect(parseHttpDate(undefined)).toBeNaN();
  });
});
