/** httpDate: IMF-fixdate (RFC 9110 5.6.7), cached per second. */
import { httpDate } from '../../src/http/date';

describe('httpDate (RFC 9110 5.6.7)', () => {
  test('formats IMF-fixdate in GMT', () => {
    expect(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(httpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  test('drops milliseconds and changes with the second', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(httpDate(t + 999)).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(httpDate(t + 1000)).toBe('Fri, 02 Jan 2026 03:04:06 GMT');
    expect(httpDate(t)).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  test('defaults to now', () => {
    expect(httpDate()).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });
});
