import { NO_DIRECTIVES, parseCacheControl } from '../../src/cache/rules/cache-control';
import {
  ageHeaderValue,
  ageValueOf,
  correctedInitialAge,
  currentAge,
  freshnessLifetime,
  HEURISTIC_MAX_SECONDS,
  responseTiming,
} from '../../src/cache/rules/freshness';
import { date, hl, T0 } from './helpers';

const OFF = { enabled: false, percent: 10 };
const ON = { enabled: true, percent: 10 };

function lifetime(status: number, fields: string[], heuristic = OFF, receivedAt = T0): number {
  const headers = hl(...fields);
  const cc = parseCacheControl(headers.getAll('cache-control'));
  return freshnessLifetime(
    status,
    cc,
    headers,
    responseTiming(headers, receivedAt, receivedAt),
    heuristic,
  );
}

// RFC 9111 4.2.1: s-maxage > max-age > Expires - Date; 4.2.2 heuristics.
describe('freshnessLifetime (RFC 9111 4.2.1, 4.2.2)', () => {
  const d = `Date: ${date(T0)}`;
  test.each<[string, number, string[], number, typeof ON?]>([
    [
      's-maxage wins over max-age (shared cache)',
      200,
      ['Cache-Control: max-age=60, s-maxage=5'],
      5,
    ],
    [
      'max-age wins over Expires',
      200,
      ['Cache-Control: max-age=60', d, `Expires: ${date(T0 + 10_000)}`],
      60,
    ],
    ['Expires minus Date', 200, [d, `Expires: ${date(T0 + 30_000)}`], 30],
    ['Expires in the past: 0', 200, [d, `Expires: ${date(T0 - 30_000)}`], 0],
    ['Expires "0" is in the past (5.3)', 200, [d, 'Expires: 0'], 0],
    [
      'two Expires lines: stale (4.2.1)',
      200,
      [d, `Expires: ${date(T0 + 30_000)}`, `Expires: ${date(T0 + 30_000)}`],
      0,
    ],
    [
      'Expires without Date: relative to receipt (RFC 9110 6.6.1)',
      200,
      [`Expires: ${date(T0 + 20_000)}`],
      20,
    ],
    ['nothing explicit, heuristics off: 0', 200, [d, `Last-Modified: ${date(T0 - 1000_000)}`], 0],
    [
      'heuristic: 10% of Date - Last-Modified',
      200,
      [d, `Last-Modified: ${date(T0 - 1000_000)}`],
      100,
      ON,
    ],
    [
      'heuristic capped at one day',
      200,
      [d, `Last-Modified: ${date(T0 - 100 * 86_400_000)}`],
      HEURISTIC_MAX_SECONDS,
      ON,
    ],
    [
      'heuristic: not for a status that is not heuristically cacheable',
      302,
      [d, `Last-Modified: ${date(T0 - 1000_000)}`],
      0,
      ON,
    ],
    [
      'heuristic: public makes any status eligible',
      302,
      [d, 'Cache-Control: public', `Last-Modified: ${date(T0 - 1000_000)}`],
      100,
      ON,
    ],
    ['heuristic: no Last-Modified, nothing', 200, [d], 0, ON],
    [
      'heuristic never overrides an explicit lifetime',
      200,
      ['Cache-Control: max-age=0', d, `Last-Modified: ${date(T0 - 1000_000)}`],
      0,
      ON,
    ],
  ])('%s', (_n, status, fields, expected, heuristic = OFF) => {
    expect(lifetime(status, fields, heuristic)).toBe(expected);
  });

  test('the heuristic percentage is configurable', () => {
    expect(
      lifetime(200, [`Date: ${date(T0)}`, `Last-Modified: ${date(T0 - 1000_000)}`], {
        enabled: true,
        percent: 50,
      }),
    ).toBe(500);
  });
});

// RFC 9111 4.2.3: age calculation.
describe('age (RFC 9111 4.2.3)', () => {
  test.each<
    [string, { req: number; res: number; date: number | null; age: string | null }, number]
  >([
    ['fresh from origin, no delay', { req: T0, res: T0, date: T0, age: null }, 0],
    [
      'response_delay counts (age_value + delay)',
      { req: T0, res: T0 + 2000, date: T0 + 2000, age: null },
      2,
    ],
    [
      'Age from upstream is added to the delay',
      { req: T0, res: T0 + 1000, date: T0 + 1000, age: '10' },
      11,
    ],
    [
      'apparent_age when the Date is older than the path estimate',
      { req: T0, res: T0, date: T0 - 30_000, age: '5' },
      30,
    ],
    [
      'a Date in the future does not make the age negative',
      { req: T0, res: T0, date: T0 + 60_000, age: null },
      0,
    ],
    ['no Date: apparent age 0', { req: T0 - 1000, res: T0, date: null, age: null }, 1],
  ])('%s', (_n, t, expected) => {
    const fields: string[] = [];
    if (t.date !== null) fields.push(`Date: ${date(t.date)}`);
    if (t.age !== null) fields.push(`Age: ${t.age}`);
    const timing = responseTiming(hl(...fields), t.req, t.res);
    expect(correctedInitialAge(timing)).toBeCloseTo(expected, 6);
  });

  test('current_age = corrected_initial_age + resident_time', () => {
    const timing = responseTiming(hl(`Date: ${date(T0)}`, 'Age: 3'), T0, T0);
    const initial = correctedInitialAge(timing);
    expect(currentAge(timing, initial, T0 + 1100)).toBeCloseTo(4.1, 6);
    expect(ageHeaderValue(currentAge(timing, initial, T0 + 1100))).toBe(4);
  });

  test.each([
    ['absent', [], 0],
    ['valid', ['Age: 42'], 42],
    ['invalid is ignored', ['Age: soon'], 0],
    ['first valid line', ['Age: x', 'Age: 7'], 7],
  ])('age_value: %s (5.1)', (_n, fields, expected) => {
    expect(ageValueOf(hl(...fields))).toBe(expected);
  });

  test('NO_DIRECTIVES is a valid input', () => {
    expect(freshnessLifetime(200, NO_DIRECTIVES, hl(), responseTiming(hl(), T0, T0), OFF)).toBe(0);
  });
});
