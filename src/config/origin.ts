/**
 * Where a configured value came from. Kept per key so that a problem found only once the sources
 * are merged (say, backends together with Kubernetes discovery) can still point at the line or
 * variable that set it.
 */

export type Origin =
  | { readonly source: 'default' }
  | {
      readonly source: 'file';
      readonly file: string;
      readonly line?: number;
      readonly column?: number;
    }
  | { readonly source: 'env'; readonly name: string }
  | { readonly source: 'flag'; readonly name: string };

/** One value for one key from one source, already converted to its Config type. */
export interface Setting {
  readonly key: string;
  readonly value: unknown;
  readonly origin: Origin;
}

/** "at line 4 of f.yaml", "from RRPROXY_LISTEN", "from --listen", "by default". */
export function describeOrigin(origin: Origin): string {
  switch (origin.source) {
    case 'default':
      return 'by default';
    case 'file':
      return origin.line === undefined
        ? `in ${origin.file}`
        : `at line ${origin.line} of ${origin.file}`;
    case 'env':
      return `from ${origin.name}`;
    case 'flag':
      return `from ${origin.name}`;
  }
}
