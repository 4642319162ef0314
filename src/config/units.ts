/**
 * Durations and sizes as people write them in config ("30s", "64KiB") and as the code uses them
 * (milliseconds and bytes, plain integers). Pure functions; every error says what was expected.
 */

/** Either a value or a message saying why the input was rejected. */
export type Parsed<T> =
  | { ok: true; value: T }
  /** `at` locates the fault inside a structured value, e.g. "[1].port" within `backends`. */
  | { ok: false; message: string; at?: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(message: string, at?: string): Parsed<T> =>
  at === undefined ? { ok: false, message } : { ok: false, message, at };

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

// One or more "<number><unit>" parts, so "1m30s" works as in Go's time.ParseDuration.
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const PLAIN_INTEGER = /^\d+$/;

const DURATION_HINT = "like '500ms', '30s', '2m', '1h', '1m30s' or a number of milliseconds";

/**
 * Parses a duration to whole milliseconds. A bare number (or string of digits) is milliseconds,
 * so env vars and YAML numbers mean the same thing.
 */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === 'number')
    return wholeNonNegative(input, 'milliseconds', `a duration ${DURATION_HINT}`);
  if (typeof input !== 'string') return fail(`expected a duration ${DURATION_HINT}`);
  const text = input.trim();
  if (text === '') return fail(`empty duration; expected a duration ${DURATION_HINT}`);
  if (PLAIN_INTEGER.test(text))
    return wholeNonNegative(Number(text), 'milliseconds', `a duration ${DURATION_HINT}`);

  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(text);
    if (m === null)
      return fail(`invalid duration '${input}'; expected a duration ${DURATION_HINT}`);
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    pos = DURATION_PART.lastIndex;
  }
  // Round away float noise ("0.1s" is 100.00000000000001 ms) but refuse real fractions of a ms.
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-6) {
    return fail(`invalid duration '${input}': not a whole number of milliseconds`);
  }
  return wholeNonNegative(rounded, 'milliseconds', `a duration ${DURATION_HINT}`, input);
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  // SI (powers of 1000), as disks and network rates are sold.
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  // IEC (powers of 1024), as memory is measured. "64KiB" is the usual spelling for limits.
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE_SYNTAX = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;
const SIZE_HINT = "like '512', '64KiB', '100MiB', '1GiB' or '10KB' (= 10000 bytes)";

/** Parses a size to whole bytes. A bare number is bytes. KB/MB/GB are SI, KiB/MiB/GiB are IEC. */
export function parseSize(input: unknown): Parsed<number> {
  if (typeof input === 'number') return wholeNonNegative(input, 'bytes', `a size ${SIZE_HINT}`);
  if (typeof input !== 'string') return fail(`expected a size ${SIZE_HINT}`);
  const text = input.trim();
  const m = SIZE_SYNTAX.exec(text);
  if (m === null) return fail(`invalid size '${input}'; expected a size ${SIZE_HINT}`);
  const unitText = m[2]!;
  const unit = unitText === '' ? 1 : SIZE_UNITS[unitText.toLowerCase()];
  if (unit === undefined) {
    // "64K" or "1M" are ambiguous between SI and IEC: say so instead of guessing.
    return fail(
      `invalid size '${input}': unknown unit '${unitText}'; expected a size ${SIZE_HINT}`,
    );
  }
  const bytes = Number(m[1]) * unit;
  const rounded = Math.round(bytes);
  if (Math.abs(bytes - rounded) > 1e-6) {
    return fail(`invalid size '${input}': not a whole number of bytes`);
  }
  return wholeNonNegative(rounded, 'bytes', `a size ${SIZE_HINT}`, input);
}

function wholeNonNegative(
  n: number,
  what: string,
  hint: string,
  original: unknown = n,
): Parsed<number> {
  if (!Number.isFinite(n) || n < 0)
    return fail(`invalid value '${String(original)}'; expected ${hint}`);
  if (!Number.isInteger(n))
    return fail(`invalid value '${String(original)}': not a whole number of ${what}`);
  if (n > Number.MAX_SAFE_INTEGER) return fail(`value '${String(original)}' is too large`);
  return ok(n);
}

/** Shortest exact spelling of a duration: 30000 -> "30s", 90000 -> "90s", 1500 -> "1500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** Shortest exact IEC spelling of a size: 65536 -> "64KiB", 100 -> "100". */
export function formatSize(bytes: number): string {
  if (bytes !== 0) {
    for (const [unit, factor] of [
      ['GiB', 1024 ** 3],
      ['MiB', 1024 ** 2],
      ['KiB', 1024],
    ] as const) {
      if (bytes % factor === 0) return `${bytes / factor}${unit}`;
    }
  }
  return String(bytes);
}
