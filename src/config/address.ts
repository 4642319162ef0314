/**
 * Host and port syntax shared by `listen`, `admin`, `backends` and `headers.hostRewrite`.
 * Pure validation; resolving hostnames is discovery's job (src/discovery/static.ts).
 */
import { isIPv4, isIPv6 } from './cidr';
import type { HostPort } from './types';
import { fail, ok, type Parsed } from './units';

export interface HostPortRules {
  /** Lowest port accepted: 0 lets listeners bind an ephemeral port (tests), backends need 1. */
  minPort: 0 | 1;
  /** Host used for ":8080"; when absent a host is required. */
  anyHost?: string;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const ALL_DIGITS = /^\d+$/;
const PORT_SYNTAX = /^\d{1,5}$/;

/**
 * A DNS name per RFC 1123 2.1 (underscores tolerated: Docker service names use them). A name
 * whose last label is numeric is refused because resolvers read "10.1.2" as an IPv4 address.
 */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !ALL_DIGITS.test(labels[labels.length - 1]!);
}

/** Checks a host given without port: IPv4, IPv6 (brackets optional) or hostname. */
export function parseHost(input: string): Parsed<string> {
  const host = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (isIPv4(host) || isIPv6(host, true) || isHostname(host)) return ok(host);
  return fail(`'${input}' is not an IP address or hostname`);
}

export function parsePort(input: unknown, minPort: 0 | 1): Parsed<number> {
  let n: number;
  if (typeof input === 'number') n = input;
  else if (typeof input === 'string' && PORT_SYNTAX.test(input)) n = Number(input);
  else return fail(`invalid port ${describe(input)}; expected an integer ${minPort}..65535`);
  if (!Number.isInteger(n) || n < minPort || n > 65535) {
    return fail(`invalid port ${describe(input)}; expected an integer ${minPort}..65535`);
  }
  return ok(n);
}

/** Parses "host:port", "[v6]:port" and, when rules.anyHost is set, ":port". */
export function parseHostPortText(text: string, rules: HostPortRules): Parsed<HostPort> {
  const example =
    rules.anyHost !== undefined
      ? "'127.0.0.1:8080', '[::1]:8080' or ':8080'"
      : "'10.0.0.7:8080', 'web:80' or '[::1]:8080'";
  let hostText: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      return fail(`invalid address '${text}'; expected host:port like ${example}`);
    }
    hostText = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!isIPv6(hostText, true)) return fail(`'${hostText}' in '${text}' is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0)
      return fail(`invalid address '${text}': missing port; expected host:port like ${example}`);
    hostText = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (hostText.includes(':')) {
      return fail(
        `invalid address '${text}': an IPv6 address needs brackets, as in '[${hostText}]:${portText}'`,
      );
    }
    if (hostText === '') {
      if (rules.anyHost === undefined)
        return fail(`invalid address '${text}': missing host; expected ${example}`);
      hostText = rules.anyHost;
    } else if (!isIPv4(hostText) && !isHostname(hostText)) {
      return fail(`invalid address '${text}': '${hostText}' is not an IP address or hostname`);
    }
  }
  const port = parsePort(portText, rules.minPort);
  if (!port.ok) return fail(`invalid address '${text}': ${port.message}`);
  return ok({ host: hostText, port: port.value });
}

/** A short rendering of an unexpected value for messages: strings quoted, others typed. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}
