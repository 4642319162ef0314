/**
 * What a proxy sends a backend must itself be a well-formed HTTP/1.1 request (RFC 9112), whatever
 * the client sent: a proxy that forwards ambiguous bytes moves the smuggling problem one hop down.
 * This is a check independent of src/http (regular expressions over the bytes), so the codec under
 * test does not judge itself.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** field-value: no CTL other than HTAB (obs-text allowed), no leading/trailing whitespace. */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
const REQUEST_LINE = /^([^ ]+) ([\x21-\x7e]+) HTTP\/1\.[01]$/;

/** Returns why `head` (terminators included) plus its body is malformed, or null. */
export function checkForwardedRequest(head: Buffer, message: Buffer): string | null {
  const text = head.toString('latin1');
  if (!text.endsWith('\r\n\r\n')) return 'head not ended by CRLF CRLF';
  const lines = text.slice(0, -4).split('\r\n');
  for (const l of lines) {
    if (l.includes('\n')) return 'bare LF in head';
    if (l.includes('\r')) return 'bare CR in head';
  }
  const m = REQUEST_LINE.exec(lines[0]!);
  if (m === null) return `invalid request line ${JSON.stringify(lines[0])}`;
  if (!TOKEN.test(m[1]!)) return `invalid method ${JSON.stringify(m[1])}`;
  const names: string[] = [];
  const values: string[] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c <= 0) return `field line without name or colon ${JSON.stringify(l)}`;
    const name = l.slice(0, c);
    if (!TOKEN.test(name)) return `invalid field name ${JSON.stringify(name)}`;
    const value = l.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return `invalid field value for ${name}`;
    names.push(name.toLowerCase());
    values.push(value);
  }
  const count = (n: string): number => names.filter((x) => x === n).length;
  if (count('host') !== 1) return `${count('host')} Host fields`;
  const te = values.filter((_, i) => names[i] === 'transfer-encoding');
  const cl = values.filter((_, i) => names[i] === 'content-length');
  if (te.length > 0 && cl.length > 0) return 'both Transfer-Encoding and Content-Length';
  if (te.length > 1 || (te.length === 1 && te[0]!.toLowerCase() !== 'chunked'))
    return `Transfer-Encoding ${JSON.stringify(te.join(', '))}`;
  if (cl.length > 1) return 'several Content-Length fields';
  if (cl.length === 1 && !/^[0-9]+$/.test(cl[0]!)) return `Content-Length ${JSON.stringify(cl[0])}`;
  if (te.length === 1) {
    // Every chunk line: hex size, optional extensions, CRLF; data followed by CRLF.
    let i = head.length;
    for (;;) {
      const lf = message.indexOf(0x0a, i);
      if (lf === -1) return 'unterminated chunk line';
      if (message[lf - 1] !== 0x0d) return 'bare LF in chunk line';
      const line = message.toString('latin1', i, lf - 1);
      const sm = /^([0-9A-Fa-f]+)(;.*)?$/.exec(line);
      if (sm === null) return `invalid chunk line ${JSON.stringify(line)}`;
      const size = Number.parseInt(sm[1]!, 16);
      i = lf + 1;
      if (size === 0) break;
      i += size;
      if (message[i] !== 0x0d || message[i + 1] !== 0x0a) return 'chunk data not followed by CRLF';
      i += 2;
    }
    const trailer = message.toString('latin1', i);
    if (!trailer.endsWith('\r\n')) return 'trailer section not ended by CRLF';
    for (const l of trailer
      .slice(0, -2)
      .split('\r\n')
      .filter((x) => x !== '')) {
      const c = l.indexOf(':');
      if (c <= 0 || !TOKEN.test(l.slice(0, c))) return `invalid trailer line ${JSON.stringify(l)}`;
    }
  }
  return null;
}

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Why a response head a proxy sent its client is malformed, or null: the status line, field
 * syntax, no ambiguous framing, and a Date (when present) in IMF-fixdate (RFC 9110 5.6.7).
 */
export function checkResponseHead(
  line: string,
  fields: ReadonlyArray<readonly [string, string]>,
  bareLf: boolean,
): string | null {
  if (!/^HTTP\/1\.[01] [1-5]\d{2}(?: [\t\x20-\x7e\x80-\xff]*)?$/.test(line))
    return `invalid status line ${JSON.stringify(line)}`;
  if (bareLf) return 'bare LF in the response head';
  let te = 0;
  const cl = new Set<string>();
  for (const [name, value] of fields) {
    if (!TOKEN.test(name)) return `invalid response field name ${JSON.stringify(name)}`;
    if (!FIELD_VALUE.test(value)) return `invalid value for response field ${name}`;
    const l = name.toLowerCase();
    if (l === 'transfer-encoding') te++;
    if (l === 'content-length') cl.add(value);
    if (l === 'date' && !IMF_FIXDATE.test(value)) return `Date not in IMF-fixdate: ${value}`;
  }
  if (te > 0 && cl.size > 0) return 'response with both Transfer-Encoding and Content-Length';
  if (cl.size > 1) return 'response with conflicting Content-Length values';
  return null;
}
