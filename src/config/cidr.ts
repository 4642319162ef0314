/**
 * IP addresses and CIDR ranges, parsed once into integers so that the per-request question "is
 * this peer a trusted proxy?" is a few integer comparisons and no regex or allocation.
 *
 * IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2, `::ffff:1.2.3.4`, what a dual-stack socket
 * reports for an IPv4 peer) are the IPv4 address they carry: they match IPv4 ranges, and an IPv6
 * range inside `::ffff:0:0/96` is stored as the IPv4 range it denotes. Other IPv6 ranges, even
 * `::/0`, match only real IPv6 peers.
 */

export interface Cidr {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** Canonical text, e.g. "10.0.0.0/8" (host bits cleared). */
  readonly text: string;
  /** Network address as 1 (IPv4) or 4 (IPv6) unsigned 32-bit words, host bits cleared. */
  readonly words: readonly number[];
}

export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly words: readonly [number, number, number, number] };

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_DOT = 46;
const CODE_COLON = 58;

/**
 * Parses dotted-quad IPv4 in text[start, end) to an unsigned 32-bit number, or -1. Leading zeros
 * are refused: "010" is octal to inet_aton and decimal to others, so it is ambiguous.
 */
function parseIPv4Range(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const octetStart = i;
    let octet = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < CODE_0 || c > CODE_9) break;
      octet = octet * 10 + (c - CODE_0);
      i++;
    }
    const digits = i - octetStart;
    if (digits === 0 || digits > 3 || octet > 255) return -1;
    if (digits > 1 && text.charCodeAt(octetStart) === CODE_0) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= end || text.charCodeAt(i) !== CODE_DOT) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

function hexValue(c: number): number {
  if (c >= CODE_0 && c <= CODE_9) return c - CODE_0;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

// Reused by every parse: IPv6 parsing runs per request and must not allocate.
const groups = new Array<number>(8).fill(0);

/**
 * Parses IPv6 text (RFC 4291 2.2, including "::" and a trailing dotted quad) into out[0..3] as
 * unsigned 32-bit words. A zone id ("%eth0") is accepted and ignored only when allowZone is set.
 */
function parseIPv6Into(text: string, out: number[], allowZone: boolean): boolean {
  let end = text.length;
  const pct = text.indexOf('%');
  if (pct >= 0) {
    if (!allowZone || pct === end - 1) return false;
    end = pct;
  }
  if (end < 2) return false;
  let count = 0;
  let gap = -1; // index in groups where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === CODE_COLON) {
    if (text.charCodeAt(1) !== CODE_COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    const start = i;
    let value = 0;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < end && text.charCodeAt(i) === CODE_DOT) {
      // RFC 4291 2.2 form 3: the low 32 bits as a dotted quad, only in the last position.
      if (count > 6) return false;
      const v4 = parseIPv4Range(text, start, end);
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = end;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || count >= 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== CODE_COLON) return false;
    i++;
    if (i < end && text.charCodeAt(i) === CODE_COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === end) {
      return false; // a single trailing colon
    }
  }
  if (gap >= 0) {
    if (count > 7) return false; // "::" stands for at least one group of zeros
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (count !== 8) {
    return false;
  }
  for (let k = 0; k < 4; k++) out[k] = groups[2 * k]! * 65536 + groups[2 * k + 1]!;
  return true;
}

/** Parses an IPv4 or IPv6 literal (no brackets, no zone). */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const words: [number, number, number, number] = [0, 0, 0, 0];
    return parseIPv6Into(text, words, false) ? { family: 6, words } : undefined;
  }
  const value = parseIPv4Range(text, 0, text.length);
  return value >= 0 ? { family: 4, value } : undefined;
}

export function isIPv4(text: string): boolean {
  return !text.includes(':') && parseIPv4Range(text, 0, text.length) >= 0;
}

/** True for an IPv6 literal; a zone id ("fe80::1%eth0") is accepted when allowZone is set. */
export function isIPv6(text: string, allowZone = false): boolean {
  return text.includes(':') && parseIPv6Into(text, [0, 0, 0, 0], allowZone);
}

function maskWord(prefix: number, wordIndex: number): number {
  const bits = Math.min(32, Math.max(0, prefix - 32 * wordIndex));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function formatIPv6(words: readonly number[]): string {
  const hextets: number[] = [];
  for (const w of words) hextets.push(w >>> 16, w & 0xffff);
  // RFC 5952 4.2: the longest run (first on a tie) of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (list: number[]): string => list.map((h) => h.toString(16)).join(':');
  if (bestStart < 0) return hex(hextets);
  return `${hex(hextets.slice(0, bestStart))}::${hex(hextets.slice(bestStart + bestLength))}`;
}

function isMappedPrefix(words: readonly number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

const PREFIX_SYNTAX = /^\d{1,3}$/;

/**
 * Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). Host bits are cleared,
 * as Go's net.ParseCIDR does. IPv6 ranges inside ::ffff:0:0/96 become IPv4 ranges.
 */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(addrText);
  if (ip === undefined) return `'${text}' is not an IP address or CIDR range`;
  const maxPrefix = ip.family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX_SYNTAX.test(prefixText) || Number(prefixText) > maxPrefix) {
      return `'${text}' has an invalid prefix length (expected 0..${maxPrefix})`;
    }
    prefix = Number(prefixText);
  }
  if (ip.family === 4) {
    const value = (ip.value & maskWord(prefix, 0)) >>> 0;
    return { family: 4, prefix, words: [value], text: `${formatIPv4(value)}/${prefix}` };
  }
  if (prefix >= 96 && isMappedPrefix(ip.words)) {
    const v4Prefix = prefix - 96;
    const value = (ip.words[3] & maskWord(v4Prefix, 0)) >>> 0;
    return {
      family: 4,
      prefix: v4Prefix,
      words: [value],
      text: `${formatIPv4(value)}/${v4Prefix}`,
    };
  }
  const words = ip.words.map((w, k) => (w & maskWord(prefix, k)) >>> 0);
  return { family: 6, prefix, words, text: `${formatIPv6(words)}/${prefix}` };
}

/**
 * A set of CIDR ranges answering membership for address strings as sockets report them
 * (IPv4, IPv6 with optional zone id, IPv4-mapped IPv6).
 */
export class CidrSet {
  // Flat typed arrays: [net, mask] pairs for IPv4, [net0..3, mask0..3] octets for IPv6.
  private readonly v4: Uint32Array;
  private readonly v6: Uint32Array;
  private readonly scratch = [0, 0, 0, 0];
  readonly ranges: readonly Cidr[];

  /** Throws on an invalid entry; the config loader validates entries first with parseCidr. */
  constructor(entries: Iterable<string | Cidr>) {
    const ranges: Cidr[] = [];
    for (const entry of entries) {
      const cidr = typeof entry === 'string' ? parseCidr(entry) : entry;
      if (typeof cidr === 'string') throw new Error(cidr);
      ranges.push(cidr);
    }
    this.ranges = Object.freeze(ranges);
    const v4 = ranges.filter((r) => r.family === 4);
    const v6 = ranges.filter((r) => r.family === 6);
    this.v4 = new Uint32Array(v4.length * 2);
    v4.forEach((r, i) => {
      this.v4[2 * i] = r.words[0]!;
      this.v4[2 * i + 1] = maskWord(r.prefix, 0);
    });
    this.v6 = new Uint32Array(v6.length * 8);
    v6.forEach((r, i) => {
      for (let k = 0; k < 4; k++) {
        this.v6[8 * i + k] = r.words[k]!;
        this.v6[8 * i + 4 + k] = maskWord(r.prefix, k);
      }
    });
  }

  get size(): number {
    return this.ranges.length;
  }

  /** True when ip is inside one of the ranges; false for anything that is not an IP address. */
  has(ip: string): boolean {
    if (this.ranges.length === 0) return false; // the default: nobody is trusted
    if (ip.includes(':')) {
      const w = this.scratch;
      if (!parseIPv6Into(ip, w, true)) return false;
      if (isMappedPrefix(w)) return this.hasV4(w[3]!);
      return this.hasV6(w);
    }
    const value = parseIPv4Range(ip, 0, ip.length);
    return value >= 0 && this.hasV4(value);
  }

  private hasV4(value: number): boolean {
    const t = this.v4;
    for (let i = 0; i < t.length; i += 2) {
      if ((value & t[i + 1]!) >>> 0 === t[i]) return true;
    }
    return false;
  }

  private hasV6(w: readonly number[]): boolean {
    const t = this.v6;
    for (let i = 0; i < t.length; i += 8) {
      if (
        (w[0]! & t[i + 4]!) >>> 0 === t[i] &&
        (w[1]! & t[i + 5]!) >>> 0 === t[i + 1] &&
        (w[2]! & t[i + 6]!) >>> 0 === t[i + 2] &&
        (w[3]! & t[i + 7]!) >>> 0 === t[i + 3]
      ) {
        return true;
      }
    }
    return false;
  }
}
