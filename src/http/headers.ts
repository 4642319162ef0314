/**
 * An ordered list of header fields that keeps each field as received: the name's case, the order,
 * and repeated fields as separate entries (Set-Cookie is never joined). Lookups go through the
 * lower-cased index. Values are latin1 strings, byte-for-byte what was on the wire.
 */
export class HeaderList {
  readonly names: string[] = [];
  readonly lower: string[] = [];
  readonly values: string[] = [];

  get length(): number {
    return this.names.length;
  }

  /** Appends a field; `lowerName` may be passed when the caller already has it. */
  add(name: string, value: string, lowerName: string = name.toLowerCase()): void {
    this.names.push(name);
    this.lower.push(lowerName);
    this.values.push(value);
  }

  indexOf(lowerName: string, from = 0): number {
    const lower = this.lower;
    for (let i = from; i < lower.length; i++) if (lower[i] === lowerName) return i;
    return -1;
  }

  has(lowerName: string): boolean {
    return this.indexOf(lowerName) !== -1;
  }

  /** First value of the field, or undefined. */
  get(lowerName: string): string | undefined {
    const i = this.indexOf(lowerName);
    return i === -1 ? undefined : this.values[i];
  }

  getAll(lowerName: string): string[] {
    const out: string[] = [];
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === lowerName) out.push(this.values[i]!);
    return out;
  }

  /** Number of fields with this name. */
  count(lowerName: string): number {
    let n = 0;
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === lowerName) n++;
    return n;
  }

  /** Removes every field with this name; returns how many were removed. */
  remove(lowerName: string): number {
    let w = 0;
    const { names, lower, values } = this;
    const n = names.length;
    for (let r = 0; r < n; r++) {
      if (lower[r] === lowerName) continue;
      if (w !== r) {
        names[w] = names[r]!;
        lower[w] = lower[r]!;
        values[w] = values[r]!;
      }
      w++;
    }
    names.length = lower.length = values.length = w;
    return n - w;
  }

  /** Replaces all fields of this name by one, at the position of the first (or the end). */
  set(name: string, value: string, lowerName: string = name.toLowerCase()): void {
    const i = this.indexOf(lowerName);
    if (i === -1) {
      this.add(name, value, lowerName);
      return;
    }
    this.names[i] = name;
    this.values[i] = value;
    // Drop later duplicates, keeping order.
    const { names, lower, values } = this;
    let w = i + 1;
    for (let r = i + 1; r < names.length; r++) {
      if (lower[r] === lowerName) continue;
      names[w] = names[r]!;
      lower[w] = lower[r]!;
      values[w] = values[r]!;
      w++;
    }
    names.length = lower.length = values.length = w;
  }

  /** Iterates [name, value] pairs in order. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.values[i]!];
  }

  clone(): HeaderList {
    const h = new HeaderList();
    h.names.push(...this.names);
    h.lower.push(...this.lower);
    h.values.push(...this.values);
    return h;
  }

  static from(pairs: Iterable<readonly [string, string]>): HeaderList {
    const h = new HeaderList();
    for (const [n, v] of pairs) h.add(n, v);
    return h;
  }
}

/** SP or HTAB: the only whitespace of HTTP (RFC 9110 5.6.3 OWS). */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Trims OWS only. String.prototype.trim would also remove NBSP (0xA0, which is obs-text in a
 * latin1 field value), VT and FF, turning e.g. `chunked\xa0` into `chunked`.
 */
export function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function pushElement(out: string[], value: string, start: number, end: number): void {
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  if (end > start) out.push(value.slice(start, end));
}

/**
 * Splits a comma-separated list field value (RFC 9110 5.6.1) into OWS-trimmed, non-empty
 * elements. Quoted strings are not split inside; an unterminated one stays in its element (it
 * is invalid, and the caller must get to see it rather than a list without it).
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  const n = value.length;
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x2c) {
      pushElement(out, value, start, i);
      start = i + 1;
    }
  }
  pushElement(out, value, start, n);
  return out;
}

/**
 * True when any element of the list field(s) equals `token` case-insensitively; `token` must be
 * lower case.
 */
export function listHasToken(
  values: readonly string[] | string | undefined,
  token: string,
): boolean {
  if (values === undefined) return false;
  if (typeof values === 'string') return valueHasToken(values, token);
  for (const v of values) if (valueHasToken(v, token)) return true;
  return false;
}

function valueHasToken(v: string, token: string): boolean {
  // Fast path: single token, the common `Connection: close` / `keep-alive`.
  if (v.length === token.length && v.toLowerCase() === token) return true;
  if (v.indexOf(',') === -1) return trimOws(v).toLowerCase() === token;
  for (const item of splitList(v)) if (item.toLowerCase() === token) return true;
  return false;
}
