/**
 * Value kinds of configuration leaves. Each kind reads a YAML value (already plain JS) and the
 * text of an env var or flag, and formats a value back to text that it reads again, so defaults
 * can be documented in the same spelling users write.
 */
import { backendId } from '../balancer/backend';
import { isToken } from '../http/chars';
import {
  describe,
  isHostname,
  parseHost,
  parseHostPortText,
  parsePort,
  type HostPortRules,
} from './address';
import { isIPv4, isIPv6, parseCidr } from './cidr';
import type { BackendConfig, HostPort } from './types';
import {
  fail,
  formatDuration,
  formatSize,
  ok,
  parseDuration,
  parseSize,
  type Parsed,
} from './units';

export interface Kind<T> {
  /** Short type name for docs and messages ("duration", "host:port"). */
  readonly type: string;
  fromValue(value: unknown): Parsed<T>;
  fromText(text: string): Parsed<T>;
  format(value: T): string;
}

function atLeast(min: number, what: (n: number) => string): (r: Parsed<number>) => Parsed<number> {
  return (r) =>
    r.ok && r.value < min ? fail(`${what(r.value)} is below the minimum ${what(min)}`) : r;
}

export function duration(min: number): Kind<number> {
  const check = atLeast(min, formatDuration);
  return {
    type: 'duration',
    fromValue: (v) => check(parseDuration(v)),
    fromText: (t) => check(parseDuration(t)),
    format: formatDuration,
  };
}

export function size(min: number): Kind<number> {
  const check = atLeast(min, formatSize);
  return {
    type: 'size',
    fromValue: (v) => check(parseSize(v)),
    fromText: (t) => check(parseSize(t)),
    format: formatSize,
  };
}

export function integer(min: number, max: number): Kind<number> {
  const inRange = (n: number, original: unknown): Parsed<number> =>
    Number.isInteger(n) && n >= min && n <= max
      ? ok(n)
      : fail(`invalid value ${describe(original)}; expected an integer ${min}..${max}`);
  return {
    type: 'integer',
    fromValue: (v) => (typeof v === 'number' ? inRange(v, v) : inRange(NaN, v)),
    fromText: (t) => (/^\d+$/.test(t) ? inRange(Number(t), t) : inRange(NaN, t)),
    format: String,
  };
}

/** A number in [0, 1], e.g. a sampling ratio. */
export function ratio(): Kind<number> {
  const inRange = (n: number, original: unknown): Parsed<number> =>
    Number.isFinite(n) && n >= 0 && n <= 1
      ? ok(n)
      : fail(`invalid value ${describe(original)}; expected a number from 0 to 1`);
  return {
    type: 'number 0..1',
    fromValue: (v) => (typeof v === 'number' ? inRange(v, v) : inRange(NaN, v)),
    fromText: (t) =>
      /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) ? inRange(Number(t), t) : inRange(NaN, t),
    format: String,
  };
}

export function boolean(): Kind<boolean> {
  return {
    type: 'boolean',
    fromValue: (v) =>
      typeof v === 'boolean' ? ok(v) : fail(`expected true or false, got ${describe(v)}`),
    fromText: (t) => {
      const lower = t.toLowerCase();
      if (lower === 'true' || lower === '1') return ok(true);
      if (lower === 'false' || lower === '0') return ok(false);
      return fail(`expected true or false, got '${t}'`);
    },
    format: String,
  };
}

/** A string; `check` returns an error message or undefined. */
export function text(check: (s: string) => string | undefined = () => undefined): Kind<string> {
  const checked = (s: string): Parsed<string> => {
    const problem = check(s);
    return problem === undefined ? ok(s) : fail(problem);
  };
  return {
    type: 'string',
    fromValue: (v) =>
      typeof v === 'string' ? checked(v) : fail(`expected a string, got ${describe(v)}`),
    fromText: checked,
    format: (s) => s,
  };
}

export function oneOf<T extends string>(values: readonly T[]): Kind<T> {
  const list = values.map((v) => `'${v}'`).join(', ');
  const parse = (v: unknown): Parsed<T> =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? ok(v as T)
      : fail(`invalid value ${describe(v)}; expected one of ${list}`);
  return { type: values.join(' | '), fromValue: parse, fromText: parse, format: (v) => v };
}

/** "host:port", IPv6 bracketed: the same canonical form as a backend's id. */
export function formatHostPort(hp: { host: string; port: number }): string {
  return backendId(hp.host, hp.port);
}

/** A listen address: "host:port", "[::1]:8080", ":8080" or { host, port }. */
export function hostPort(rules: HostPortRules): Kind<HostPort> {
  const fromText = (t: string): Parsed<HostPort> => parseHostPortText(t, rules);
  return {
    type: 'host:port',
    fromText,
    fromValue: (v) => {
      if (typeof v === 'string') return fromText(v);
      if (isMapping(v)) return hostPortObject(v, rules, '');
      return fail(`expected 'host:port' or { host, port }, got ${describe(v)}`);
    },
    format: formatHostPort,
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hostPortObject(
  v: Record<string, unknown>,
  rules: HostPortRules,
  at: string,
  extraKeys: readonly string[] = [],
): Parsed<HostPort> {
  for (const key of Object.keys(v)) {
    if (key !== 'host' && key !== 'port' && !extraKeys.includes(key)) {
      const allowed = ['host', 'port', ...extraKeys].join(', ');
      return fail(`unknown key '${key}' (expected ${allowed})`, `${at}.${key}`);
    }
  }
  let host: string;
  if (v.host === undefined || v.host === '') {
    if (rules.anyHost === undefined) return fail(`missing 'host'`, at);
    host = rules.anyHost;
  } else if (typeof v.host !== 'string') {
    return fail(`expected a host string, got ${describe(v.host)}`, `${at}.host`);
  } else {
    const h = parseHost(v.host);
    if (!h.ok) return fail(h.message, `${at}.host`);
    host = h.value;
  }
  if (v.port === undefined) return fail(`missing 'port'`, at);
  const port = parsePort(v.port, rules.minPort);
  if (!port.ok) return fail(port.message, `${at}.port`);
  return ok({ host, port: port.value });
}

const BACKEND_RULES: HostPortRules = { minPort: 1 };
const MAX_WEIGHT = 1_000_000;

function backendFromValue(v: unknown, at: string): Parsed<BackendConfig> {
  if (typeof v === 'string') {
    const hp = parseHostPortText(v, BACKEND_RULES);
    return hp.ok ? ok({ ...hp.value, weight: 1 }) : fail(hp.message, at);
  }
  if (!isMapping(v)) {
    return fail(`expected 'host:port' or { host, port, weight }, got ${describe(v)}`, at);
  }
  const hp = hostPortObject(v, BACKEND_RULES, at, ['weight']);
  if (!hp.ok) return hp;
  let weight = 1;
  if (v.weight !== undefined) {
    if (
      typeof v.weight !== 'number' ||
      !Number.isInteger(v.weight) ||
      v.weight < 1 ||
      v.weight > MAX_WEIGHT
    ) {
      return fail(
        `invalid weight ${describe(v.weight)}; expected an integer 1..${MAX_WEIGHT}`,
        `${at}.weight`,
      );
    }
    weight = v.weight;
  }
  return ok({ ...hp.value, weight });
}

/** Splits a comma-separated env/flag list; blanks around entries are ignored, empty text is []. */
export function splitList(t: string): string[] {
  return t
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function listOf<T>(
  type: string,
  item: (v: unknown, at: string) => Parsed<T>,
  formatItem: (x: T) => string,
): Kind<T[]> {
  const collect = (items: readonly unknown[]): Parsed<T[]> => {
    const out: T[] = [];
    for (let i = 0; i < items.length; i++) {
      const r = item(items[i], `[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  };
  return {
    type,
    fromValue: (v) => {
      if (v === null) return ok([]);
      if (typeof v === 'string') return collect(splitList(v));
      if (!Array.isArray(v)) return fail(`expected a list, got ${describe(v)}`);
      return collect(v);
    },
    fromText: (t) => collect(splitList(t)),
    format: (list) => list.map(formatItem).join(','),
  };
}

/** `backends`: "host:port" strings or { host, port, weight } objects; comma list in env/flags. */
export function backendList(): Kind<BackendConfig[]> {
  return listOf('list of host:port', backendFromValue, formatHostPort);
}

/** CIDR ranges or single addresses, kept as the user wrote them (after validation). */
export function cidrList(): Kind<string[]> {
  return listOf(
    'list of CIDR',
    (v, at) => {
      if (typeof v !== 'string') return fail(`expected a CIDR string, got ${describe(v)}`, at);
      const c = parseCidr(v);
      return typeof c === 'string' ? fail(c, at) : ok(v);
    },
    (s) => s,
  );
}

/** HTTP status codes (200-599), as numbers or digit strings; comma list in env/flags. */
export function statusList(): Kind<number[]> {
  return listOf(
    'list of status codes',
    (v, at) => {
      const n =
        typeof v === 'number' ? v : typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 200 || n > 599) {
        return fail(`expected a final status code (200-599), got ${describe(v)}`, at);
      }
      return ok(n);
    },
    (n) => String(n),
  );
}

/** An HTTP token (RFC 9110 5.6.2: 1*tchar), as the codec reads one. */
export function checkToken(s: string): string | undefined {
  return isToken(s)
    ? undefined
    : `'${s}' is not an HTTP token (letters, digits and !#$%&'*+-.^_\`|~)`;
}

// RFC 3986 3.3: a path is segments of pchar separated by "/".
const PATH_PREFIX = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+$/;

/** '' or a raw path that starts with "/" and does not end with "/" ("/api", not "/api/"). */
export function checkPathPrefix(s: string): string | undefined {
  if (s === '') return undefined;
  if (!s.startsWith('/')) return `'${s}' must start with '/'`;
  if (s.endsWith('/')) return `'${s}' must not end with '/' (prefixes match at a segment boundary)`;
  if (!PATH_PREFIX.test(s)) return `'${s}' contains characters not allowed in a URL path`;
  return undefined;
}

/** An origin-form request target (RFC 9112 3.2.1): '/' then path characters, optional query. */
export function checkOriginPath(s: string): string | undefined {
  if (!s.startsWith('/')) return `'${s}' must start with '/'`;
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(s))
    return `'${s}' contains characters not allowed in a request target`;
  return undefined;
}

/** '' or an authority for the Host header: "name", "name:port", "10.0.0.1:80", "[::1]:80". */
export function checkAuthority(s: string): string | undefined {
  if (s === '') return undefined;
  if (s.startsWith('[') ? s.endsWith(']') && isIPv6(s.slice(1, -1)) : isIPv4(s) || isHostname(s)) {
    return undefined;
  }
  const hp = parseHostPortText(s, BACKEND_RULES);
  return hp.ok ? undefined : `'${s}' is not a valid host or host:port`;
}

/** Kubernetes object names: DNS-1123 labels (lower-case alphanumerics and '-', max 63). */
export function checkDnsLabel(s: string): string | undefined {
  if (s === '' || /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(s)) return undefined;
  return `'${s}' is not a valid Kubernetes name (lower-case letters, digits and '-', at most 63)`;
}

/** '' or an http(s) URL. */
export function checkHttpUrl(s: string): string | undefined {
  if (s === '') return undefined;
  try {
    const url = new URL(s);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // fall through to the message
  }
  return `'${s}' is not an http:// or https:// URL`;
}

export function checkNonEmpty(s: string): string | undefined {
  return s.trim() === '' ? 'must not be empty' : undefined;
}
