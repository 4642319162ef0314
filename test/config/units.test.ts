import {
  formatDuration,
  formatSize,
  parseDuration,
  parseSize,
  type Parsed,
} from '../../src/config/units';

function value<T>(r: Parsed<T>): T {
  if (!r.ok) throw new Error(`expected ok, got: ${r.message}`);
  return r.value;
}

function message<T>(r: Parsed<T>): string {
  if (r.ok) throw new Error(`expected an error, got ${String(r.value)}`);
  return r.message;
}

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    ['0.1s', 100],
    ['0s', 0],
    ['250', 250],
    [' 5s ', 5_000],
  ])('%j is %d ms', (input, ms) => {
    expect(value(parseDuration(input))).toBe(ms);
  });

  test('a YAML number is milliseconds', () => {
    expect(value(parseDuration(1500))).toBe(1500);
    expect(value(parseDuration(0))).toBe(0);
  });

  test.each(['', 'abc', '5 s', '5sec', '-5s', '5d', 's', '1.5', '1.0005s', '5s5'])(
    'rejects %j with a message naming the expected form',
    (input) => {
      expect(message(parseDuration(input))).toMatch(/duration|milliseconds/);
    },
  );

  test('rejects fractions of a millisecond, negatives and non-numbers', () => {
    expect(message(parseDuration(1.5))).toMatch(/whole number of milliseconds/);
    expect(message(parseDuration('0.5ms'))).toMatch(/whole number of milliseconds/);
    expect(message(parseDuration(-1))).toMatch(/expected a duration/);
    expect(message(parseDuration(true))).toMatch(/expected a duration/);
    expect(message(parseDuration(Number.POSITIVE_INFINITY))).toMatch(/expected a duration/);
    expect(message(parseDuration(`${Number.MAX_SAFE_INTEGER}0`))).toMatch(/too large/);
  });

  test('formatDuration is read back by parseDuration', () => {
    for (const ms of [0, 1, 999, 1000, 1500, 30_000, 60_000, 90_000, 3_600_000, 5_400_000]) {
      expect(value(parseDuration(formatDuration(ms)))).toBe(ms);
    }
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('parseSize', () => {
  test.each([
    ['512', 512],
    ['0', 0],
    ['64KiB', 65_536],
    ['100MiB', 104_857_600],
    ['1GiB', 1_073_741_824],
    ['10KB', 10_000],
    ['10kB', 10_000],
    ['2MB', 2_000_000],
    ['1GB', 1_000_000_000],
    ['1.5KiB', 1_536],
    ['64 KiB', 65_536],
    ['64kib', 65_536],
    ['7B', 7],
  ])('%j is %d bytes', (input, bytes) => {
    expect(value(parseSize(input))).toBe(bytes);
  });

  test('a YAML number is bytes', () => {
    expect(value(parseSize(4096))).toBe(4096);
  });

  test('rejects ambiguous and malformed sizes with a clear message', () => {
    expect(message(parseSize('64K'))).toMatch(/unknown unit 'K'/);
    expect(message(parseSize('1M'))).toMatch(/unknown unit 'M'/);
    expect(message(parseSize('KiB'))).toMatch(/invalid size 'KiB'/);
    expect(message(parseSize('-1KiB'))).toMatch(/invalid size/);
    expect(message(parseSize(''))).toMatch(/invalid size/);
    expect(message(parseSize('1.1B'))).toMatch(/whole number of bytes/);
    expect(message(parseSize(false))).toMatch(/expected a size/);
    expect(message(parseSize(-5))).toMatch(/expected a size/);
  });

  test('formatSize is read back by parseSize', () => {
    for (const n of [0, 1, 1000, 1024, 65_536, 100 * 1024 * 1024, 1024 ** 3, 1536]) {
      expect(value(parseSize(formatSize(n)))).toBe(n);
    }
    expect(formatSize(65_536)).toBe('64KiB');
    expect(formatSize(1536)).toBe('1536');
  });
});
