import type { HeaderList } from './headers';

/**
 * The parsed start line and fields of a message. Framing fields (Content-Length,
 * Transfer-Encoding) are decided by `framing.ts` and never re-emitted from here: the serializer
 * writes the framing of the message actually sent.
 */
export interface RequestHead {
  readonly method: string;
  /** The request-target exactly as received. */
  readonly target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and 1.x, x > 1, which we treat as 1.1). */
  readonly versionMinor: 0 | 1;
  readonly headers: HeaderList;
}

export interface ResponseHead {
  readonly versionMinor: 0 | 1;
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderList;
  /** The field lines as received, when the parser saw them (see RawFieldLines). */
  readonly raw?: RawFieldLines | undefined;
}

/**
 * Where each field line of a parsed head lies in the received bytes, so a proxy can forward the
 * lines it keeps without re-serialising them. Only recorded when every line ended in CRLF (a
 * bare-LF line is re-serialised instead). `starts[i]` is where field i's line begins and
 * `starts[headers.length]` is just past the last field line.
 */
export interface RawFieldLines {
  readonly buf: Buffer;
  readonly starts: readonly number[];
}

/** How a message body is delimited (RFC 9112 section 6). */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
export const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const CLOSE_DELIMITED: BodyFraming = Object.freeze({ kind: 'close' });

export function lengthFraming(length: number): BodyFraming {
  return { kind: 'length', length };
}
