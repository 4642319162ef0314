import type { HeaderList } from '../../http/headers';
import { splitList } from '../../http/headers';

/**
 * The request fields a response varies on (RFC 9111 4.1): lower-cased, de-duplicated and sorted
 * so the same set always yields the same secondary key; '*' when Vary lists "*"; an empty array
 * when there is no Vary.
 */
export function varyFieldNames(headers: HeaderList): readonly string[] | '*' {
  if (!headers.has('vary')) return NO_FIELDS;
  const names = new Set<string>();
  for (const line of headers.getAll('vary')) {
    for (const item of splitList(line)) {
      const n = item.toLowerCase();
      if (n === '*') return '*';
      names.add(n);
    }
  }
  return names.size === 0 ? NO_FIELDS : [...names].sort();
}

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** Fields whose values are case-insensitive tokens or media types, safe to lower-case. */
const CASE_INSENSITIVE = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
]);

/** Marks an absent field: distinct from a present but empty one. */
const ABSENT = '\u0000';
const SEPARATOR = '\u0001';

/**
 * One field's values normalised (RFC 9111 4.1 allows "adding or removing whitespace, combining
 * multiple field lines, normalizing both field values in a way that is known to have identical
 * semantics"): lines combined, list elements trimmed, inner whitespace runs collapsed, and
 * case-insensitive fields lower-cased.
 */
export function normalizeFieldValue(lowerName: string, values: readonly string[]): string {
  if (values.length === 0) return ABSENT;
  const parts: string[] = [];
  for (const v of values) {
    for (const item of splitList(v)) parts.push(hasWhitespace(item) ? collapse(item) : item);
  }
  const joined = parts.join(',');
  return CASE_INSENSITIVE.has(lowerName) ? joined.toLowerCase() : joined;
}

/**
 * Whether an element holds a space or tab: splitList trims them, so most elements (`gzip`, `br`,
 * `en-US`) have none and need no rewriting; a byte scan, as this runs on every Vary'd lookup.
 */
function hasWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return true;
  }
  return false;
}

/** Inner whitespace runs collapsed to one space, and none around a parameter's `;`. */
function collapse(item: string): string {
  return item.replace(/[ \t]+/g, ' ').replace(/ ?; ?/g, ';');
}

/** The secondary cache key of a request for a response varying on `names` ('' for none). */
export function secondaryKey(names: readonly string[], request: HeaderList): string {
  if (names.length === 0) return '';
  let key = '';
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (i > 0) key += SEPARATOR;
    key += normalizeFieldValue(n, request.getAll(n));
  }
  return key;
}
