import { HeaderList } from '../../src/http';

/** A HeaderList from `[name, value]` pairs, or from `Name: value` lines. */
export function hl(...fields: Array<readonly [string, string] | string>): HeaderList {
  const h = new HeaderList();
  for (const f of fields) {
    if (typeof f === 'string') {
      const i = f.indexOf(':');
      h.add(f.slice(0, i), f.slice(i + 1).trim());
    } else {
      h.add(f[0], f[1]);
    }
  }
  return h;
}

/** IMF-fixdate of `ms`. */
export function date(ms: number): string {
  return new Date(ms).toUTCString();
}

/** A fixed clock for tests, on a whole second. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
