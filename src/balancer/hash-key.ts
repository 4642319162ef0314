import type { HeaderList } from '../http';
import type { HashConfig } from '../config/types';

/**
 * The stickiness key of a request: the configured header's value when present, else the
 * configured cookie's value, else undefined (the request is balanced round robin).
 */
export function hashKeyOf(headers: HeaderList | undefined, opts: HashConfig): string | undefined {
  if (headers === undefined) return undefined;
  if (opts.header !== '') {
    const v = headers.get(opts.header.toLowerCase());
    if (v !== undefined && v !== '') return v;
  }
  if (opts.cookie !== '') {
    for (const field of headers.getAll('cookie')) {
      const v = cookieValue(field, opts.cookie);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** The value of cookie `name` in one Cookie field (RFC 6265 4.2.1: `a=b; c=d`), if present. */
export function cookieValue(field: string, name: string): string | undefined {
  let start = 0;
  while (start < field.length) {
    let end = field.indexOf(';', start);
    if (end === -1) end = field.length;
    const eq = field.indexOf('=', start);
    if (eq !== -1 && eq < end && field.slice(start, eq).trim() === name) {
      let v = field.slice(eq + 1, end).trim();
      // RFC 6265 4.1.1: a cookie-value may be wrapped in DQUOTEs.
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v === '' ? undefined : v;
    }
    start = end + 1;
  }
  return undefined;
}
